"""Fictional demo data for the core; plugins add theirs through ``hvhk_demo_data``.

The whole demo follows one story (``core.demo_story``): the core decides it in ``load_core_demo`` and every
plugin's demo hook derives its rows from ``story_for(session)``. A new core table's demo rows are a function
``demo_things(session, story)`` added to ``STEPS`` (one line); a plugin adds its own to its demo module's
``STEPS``.
"""

from __future__ import annotations

# The core's further demo parts, run in this order after the plugins' hooks, each as step(session, story).
STEPS: list = []


def load_demo(scale: int = 1) -> None:
    """Load the core's demo data and every available plugin's in ONE transaction: a load that is
    interrupted (killed, a hook that raises) leaves nothing behind, so the next ``hvhk demo`` or
    ``hvhk serve --demo`` loads it all. Plugins' ``hvhk_demo_data`` flush but never commit."""
    from sqlalchemy import text

    from .demo_data import load_core_demo
    from .demo_story import check_foreign_keys, skip_row_checks, story_for
    from .extensions import db
    from .plugins import current_plugins
    from .work_demo import demo_work

    try:
        if db.session.get_bind().dialect.name == "postgresql":
            # a batch job, not a request: lift the server's per-request timeouts for this one transaction
            # (at large scales the stories take a while to decide before the first rows are written)
            db.session.execute(text("SET LOCAL statement_timeout = 0"))
            db.session.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
        checks_skipped = skip_row_checks(db.session)  # foreign keys checked once, set-based, before the commit
        load_core_demo(db.session, scale)
        db.session.flush()
        current_plugins().hook_available("hvhk_demo_data")(session=db.session, scale=scale)
        story = story_for(db.session)
        for step in STEPS:
            step(db.session, story)
        demo_work(db.session, scale)  # tasks and appointments of the staff (core.work_demo)
        if checks_skipped:
            check_foreign_keys(db.session)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        db.session.info.pop("hvhk_demo_story", None)  # the story is big at large scales: let it go
