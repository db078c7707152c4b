"""Fictional demo data for the core; plugins add theirs through ``hvhk_demo_data``.

The whole demo follows one story (``core.demo_story``): the core decides it in ``load_core_demo`` and every
plugin's demo hook derives its rows from ``story_for(session)``. A new core table's demo rows are a function
``demo_things(session, story)`` added to ``STEPS`` (one line); a plugin adds its own to its demo module's
``STEPS``.
"""

from __future__ import annotations

# The core's further demo parts, run in this order after the plugins' hooks, each as step(session, story).
STEPS: list = []
# SQLite's page cache during the load, in KiB (the default is 2 MiB)
DEMO_PAGE_CACHE_KB = 131072


def load_demo(scale: int = 1) -> None:
    """Load the core's demo data and every available plugin's in ONE transaction: a load that is
    interrupted (killed, a hook that raises) leaves nothing behind, so the next ``hvhk demo`` or
    ``hvhk serve --demo`` loads it all. Plugins' ``hvhk_demo_data`` flush but never commit."""
    import gc

    from sqlalchemy import text

    from .demo_data import load_core_demo
    from .demo_story import check_foreign_keys, skip_row_checks, story_for
    from .extensions import db
    from .held import renew
    from .plugins import current_plugins
    from .work_demo import demo_work

    # millions of small rows and few cycles: the cyclic collector would walk the growing heap again and again
    collecting = gc.isenabled()
    gc.disable()
    dialect = db.session.get_bind().dialect.name
    page_cache = None
    try:
        if dialect == "sqlite":
            # room for the indexes being filled (person, contacts, audit): pages stay in memory instead of
            # being read back from the file for every row; put back after the load
            page_cache = db.session.execute(text("PRAGMA cache_size")).scalar()
            db.session.execute(text(f"PRAGMA cache_size = -{DEMO_PAGE_CACHE_KB}"))
        if dialect == "postgresql":
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
        renew(db.session)  # bulk inserts bypass the flush: what server processes hold is renewed by hand
        if checks_skipped:
            check_foreign_keys(db.session)
        if page_cache is not None:  # the pages written stay until the commit; the clean ones go now
            db.session.execute(text(f"PRAGMA cache_size = {int(page_cache)}"))
            page_cache = None
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if collecting:
            gc.enable()
        if page_cache is not None:  # the load failed: put the page cache back all the same
            try:
                db.session.execute(text(f"PRAGMA cache_size = {int(page_cache)}"))
            except Exception:  # never hide the load's own error behind this one
                pass
            db.session.rollback()
        db.session.info.pop("hvhk_demo_story", None)  # the story is big at large scales: let it go
