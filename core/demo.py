"""Fictional demo data for the core; plugins add theirs through ``hvhk_demo_data``."""

from __future__ import annotations


def load_demo(scale: int = 1) -> None:
    """Load the core's demo data and every available plugin's in ONE transaction: a load that is
    interrupted (killed, a hook that raises) leaves nothing behind, so the next ``hvhk demo`` or
    ``hvhk serve --demo`` loads it all. Plugins' ``hvhk_demo_data`` flush but never commit."""
    from .demo_data import load_core_demo
    from .extensions import db
    from .plugins import current_plugins
    from .work_demo import demo_work

    try:
        load_core_demo(db.session, scale)
        db.session.flush()
        current_plugins().hook_available("hvhk_demo_data")(session=db.session, scale=scale)
        demo_work(db.session, scale)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
