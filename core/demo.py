"""Fictional demo data for the core; plugins add theirs through ``hvhk_demo_data``."""

from __future__ import annotations


def load_demo(scale: int = 1) -> None:
    from .demo_data import load_core_demo
    from .extensions import db
    from .plugins import current_plugins

    load_core_demo(db.session, scale)
    db.session.commit()
    current_plugins().hook_available("hvhk_demo_data")(session=db.session, scale=scale)
    db.session.commit()
