"""The audit log: who did what to which record, when; never the data itself.

``record`` adds an entry to the current transaction, so a change and its audit entry are committed
together or not at all. ``record_read`` adds the entry and commits it after the view has rendered its
page (``commit_reads``, an after_request hook), so the page is not reloaded from the database after the
commit expired it; outside a request it commits at once.
"""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_login import current_user

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
    record("view", object_type, object_id, family_id=family_id, detail=detail)
    if has_request_context():
        g._hvhk_reads_pending = True
    else:
        db.session.commit()


def commit_reads(response):
    """after_request: commit the read entries a view recorded (the page is rendered by now)."""
    if g.pop("_hvhk_reads_pending", False):
        if response.status_code < 500:
            db.session.commit()
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
