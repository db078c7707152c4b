"""The audit log: who did what to which record, when; never the data itself.

``record`` adds an entry to the current transaction, so a change and its audit entry are committed
together or not at all. Reads are different: ``record_read`` (one record) and ``record_list_read`` (a list
that shows several families) keep their entries aside and ``commit_reads`` (an after_request hook) writes
them in one insert and commits after the view has rendered its page, so the page is not reloaded from the
database after a commit expired it, and a rollback in the view (an edit conflict) does not lose them.
Outside a request they are committed at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import insert

from .extensions import db
from .models import AuditEntry


def _actor_id() -> int | None:
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user.id
    return None


def record(action: str, object_type: str, object_id: int | None = None, *, family_id: int | None = None,
           detail: str | None = None, user_id: int | None = None) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        object_type=object_type,
        object_id=object_id,
        family_id=family_id,
        detail=(detail or None) and detail[:300],
        user_id=user_id if user_id is not None else _actor_id(),
        address=request.remote_addr if has_request_context() else "cli",
    )
    db.session.add(entry)
    return entry


def record_read(object_type: str, object_id: int | None = None, *, family_id: int | None = None,
                detail: str | None = None) -> None:
    """A read of one record: written and committed at the end of the request (at once outside one)."""
    _keep_reads([_row("view", object_type, object_id, family_id, detail)])


def record_list_read(object_type: str, families: Iterable, *, object_id: int | None = None,
                     detail: str | None = None, action: str = "view") -> int:
    """A page, export or print that shows several families: one entry per family, in one insert, written
    and committed at the end of the request like ``record_read``.

    ``families`` holds family ids, or ``(family_id, object_id)`` pairs when each family's entry should name
    its own record (the first pair of a family counts); ``None`` ids are skipped. ``object_id`` is the one
    record the list belongs to (a programme, a session). ``action="export"`` for a download. Returns the
    number of families logged."""
    seen: dict[int, int | None] = {}
    for item in families:
        fid, oid = item if isinstance(item, tuple) else (item, object_id)
        if fid and fid not in seen:
            seen[fid] = oid
    _keep_reads([_row(action, object_type, oid, fid, detail) for fid, oid in sorted(seen.items())])
    return len(seen)


def _row(action: str, object_type: str, object_id: int | None, family_id: int | None, detail: str | None) -> dict:
    return dict(action=action, object_type=object_type, object_id=object_id, family_id=family_id,
                detail=(detail or None) and detail[:300], user_id=_actor_id(),
                address=request.remote_addr if has_request_context() else "cli")


def _keep_reads(rows: list[dict]) -> None:
    if not rows:
        return
    if has_request_context():
        g.setdefault("_hvhk_reads", []).extend(rows)
    else:
        db.session.execute(insert(AuditEntry), rows)
        db.session.commit()


def commit_reads(response):
    """after_request: write and commit the read entries the view recorded (the page is rendered by now)."""
    rows = g.pop("_hvhk_reads", None)
    if rows:
        if response.status_code < 500:
            db.session.execute(insert(AuditEntry), rows)  # one INSERT in the request's transaction
            session = db.session()
            keep = session.expire_on_commit
            session.expire_on_commit = False  # the page is rendered: nothing loaded needs reloading (the user)
            try:
                session.commit()
            finally:
                session.expire_on_commit = keep
        else:
            db.session.rollback()
    return response


def record_denied(object_type: str, object_id: int | None = None, *, family_id: int | None = None,
                  detail: str | None = None) -> None:
    """Log a refused access in its own transaction, so it survives the abort that follows."""
    db.session.rollback()
    record("denied", object_type, object_id, family_id=family_id, detail=detail)
    db.session.commit()


ACTION_LABELS = {
    "view": "bekeken",
    "create": "aangemaakt",
    "update": "gewijzigd",
    "archive": "gearchiveerd",
    "delete": "verwijderd",
    "restore": "hersteld",
    "denied": "toegang geweigerd",
    "export": "geëxporteerd",
    "erase": "gewist",
    "involve": "betrokkenheid geregistreerd",
    "uninvolve": "betrokkenheid beëindigd",
    "consent": "toestemming geregistreerd",
    "withdraw": "toestemming ingetrokken",
    "plugin_on": "module aangezet",
    "plugin_off": "module uitgezet",
    "login": "aangemeld",
    "login_failed": "aanmelding mislukt",
    "logout": "afgemeld",
    "password": "wachtwoord gewijzigd",
    "retention": "bewaartermijn toegepast",
}


# Labels of the core's own audit object types, next to the ones plugins give through ``hvhk_audit_labels``
# (the core cannot implement a hook of its own: whoever shows labels merges these first).
CORE_AUDIT_LABELS = {
    "task": "Taak",
    "appointment": "Afspraak",
    "calendar_feed": "Agendafeed",
    "mywork": "Mijn werk",
    "notification": "Melding",
    "notification_preference": "Meldings- en e-mailvoorkeuren",
    "report": "Jaarrapport",
}
