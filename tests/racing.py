"""A real concurrent edit for conflict tests: just before the app's session writes a record, a second database
session commits its own edit of the same row. Both saves passed the form's version check; the version column
must refuse the later one (SQLAlchemy's ``StaleDataError``). No mock: two sessions, two connections, one row."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from core.extensions import db


@contextmanager
def edited_meanwhile(model, row_id: int, **changes):
    """While the block runs, the first flush that is about to write ``model`` #``row_id`` is preceded by a
    committed edit (``changes``) of that row in another session. Yields a list that holds True once it ran."""
    ran: list[bool] = []

    def before_flush(session, flush_context, instances):
        if ran or session is not db.session():
            return
        if not any(isinstance(o, model) and o.id == row_id for o in session.dirty):
            return
        ran.append(True)
        with Session(db.engine) as other:
            row = other.get(model, row_id)
            for key, value in changes.items():
                setattr(row, key, value)
            other.commit()

    event.listen(Session, "before_flush", before_flush)
    try:
        yield ran
    finally:
        event.remove(Session, "before_flush", before_flush)
