"""Exactly-once form submits: every form carries a key, and a write records it in the same transaction.

A plugin author does nothing: every ``core.forms.Form`` has a hidden ``idempotency_key`` field that is
rendered together with ``{{ form.csrf_token }}``. (A hand-written ``<form>`` that creates something adds
``{{ idempotency_field() }}`` next to its CSRF input.)

How it works, per POST that carries a key of a logged-in user:

1. ``before_request``: if the key is already recorded for this user, the form was processed before: answer
   with the first result (a redirect to where the first submit led) and store nothing.
2. Session hooks: the first flush (or bulk INSERT/UPDATE/DELETE) that writes anything other than audit
   entries adds an ``idempotency_key`` row to the same transaction, so the key is committed exactly when the
   write is. A unique constraint on (user, key) makes a concurrent second submit wait for the first and then
   fail, after which it too answers with the first result.
3. ``request_finished``: the URL the first submit led to is stored on the row (a refused submit, 4xx,
   releases its key so the corrected form can be sent again).

``commit_state()`` tells the error pages whether this request's COMMIT may have happened (the connection died
while the COMMIT was under way): then the page says the outcome is unknown instead of "nothing was saved".
Keys expire after ``HVHK_IDEMPOTENCY_HOURS`` (default 24).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from datetime import datetime, timedelta
from itertools import chain
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, has_request_context, redirect, request, request_finished
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, delete, event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db
from .models import utcnow

log = logging.getLogger("hvhk")

FIELD_NAME = "idempotency_key"
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
REPLAY_MESSAGE = "Dit formulier was al verstuurd en is één keer bewaard; het werd niet opnieuw opgeslagen."
_NOT_WRITES = ("audit_entry", "idempotency_key")  # logging a read is no write of the form


class IdempotencyKey(db.Model):
    """One processed form submit of a user: committed in the same transaction as the write it made."""

    __tablename__ = "idempotency_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("app_user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    result_url: Mapped[str | None] = mapped_column(String(500))
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_key_user_id"),)


def new_key() -> str:
    return secrets.token_urlsafe(18)


def valid_key(value) -> bool:
    return isinstance(value, str) and bool(KEY_RE.match(value))


def key_to_render(current: str | None) -> str:
    """The key a form shows: the submitted one while its submit stored nothing, else a fresh one (so a form
    rendered again after a successful htmx save gets a new key)."""
    if valid_key(current) and not (has_request_context() and current in g.get("_hvhk_idem_used", ())):
        return current
    return new_key()


def idempotency_field() -> Markup:
    """Jinja global for hand-written forms: ``{{ idempotency_field() }}``."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (FIELD_NAME, new_key())


# --------------------------------------------------------------------------- state of this request


def _submitted_key() -> str | None:
    for name, value in request.form.items():
        if name == FIELD_NAME or name.endswith("-" + FIELD_NAME):
            return value if valid_key(value) else None
    return None


def request_key() -> tuple[int, str] | None:
    """(user id, key) of the current request, when it carries a key that is not yet recorded."""
    return g.get("_hvhk_idem") if has_request_context() else None


def commit_state() -> str:
    """What the current request did to the database: 'unknown' (a COMMIT was sent and not confirmed),
    'saved' (a write was committed), or 'none'."""
    if not has_request_context():
        return "none"
    if g.get("_hvhk_commit_sent"):
        return "unknown"
    if g.get("_hvhk_wrote"):
        return "saved"
    return "none"


def is_key_conflict(exc: Exception) -> bool:
    """The unique (user, key) constraint refused a second insert: the same form was processed meanwhile."""
    text = str(getattr(exc, "orig", exc))
    return "uq_idempotency_key_user_id" in text or "idempotency_key.user_id" in text


# --------------------------------------------------------------------------- session and engine hooks


def _writes(session: Session) -> bool:
    def counts(obj) -> bool:
        return getattr(obj, "__tablename__", None) not in _NOT_WRITES

    return (any(counts(o) for o in chain(session.new, session.deleted))
            or any(counts(o) and session.is_modified(o) for o in session.dirty))


def _idem_state(session: Session, key: str) -> str | None:
    state = session.info.get("hvhk_idem")
    return state[1] if state and state[0] == key else None


def _mark_write(session: Session) -> None:
    session.info["hvhk_tx_wrote"] = True
    armed = request_key()
    if armed and _idem_state(session, armed[1]) is None:
        session.add(IdempotencyKey(user_id=armed[0], key=armed[1]))
        session.info["hvhk_idem"] = (armed[1], "pending")


@event.listens_for(Session, "before_flush")
def _before_flush(session, _ctx, _instances):
    if has_request_context() and _writes(session):
        _mark_write(session)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state):
    if not has_request_context() or not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in _NOT_WRITES:
        _mark_write(state.session)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if not has_request_context():
        return
    g._hvhk_commit_sent = False
    if session.info.pop("hvhk_tx_wrote", False):
        g._hvhk_wrote = True
    armed = request_key()
    if armed and _idem_state(session, armed[1]) == "pending":
        session.info["hvhk_idem"] = (armed[1], "committed")
        g._hvhk_idem_used = {armed[1]}
        g._hvhk_idem_committed = armed


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session, transaction):
    if transaction.parent is None:
        session.info.pop("hvhk_tx_wrote", None)
        state = session.info.get("hvhk_idem")
        if state and state[1] == "pending":  # rolled back: the key was not recorded either
            session.info["hvhk_idem"] = None


@event.listens_for(Engine, "commit")
def _commit_sent(_conn):
    """Just before the COMMIT of a write goes to the database: until it is confirmed, its outcome is unknown."""
    if has_request_context() and db.session().info.get("hvhk_tx_wrote"):
        g._hvhk_commit_sent = True


# --------------------------------------------------------------------------- request hooks


def _same_site_path(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != request.host):
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return (parts.path + ("?" + parts.query if parts.query else ""))[:500]


def back_url() -> str | None:
    """Where the user came from (the page with the form), when it is on this site."""
    return _same_site_path(request.htmx.current_url) or _same_site_path(request.referrer)


def replay(row: IdempotencyKey | None):
    """The answer to a form that was already processed: go where the first submit led."""
    target = (row.result_url if row is not None else None) or back_url() or "/"
    flash(REPLAY_MESSAGE, "warning")
    if request.htmx:  # htmx-flask's request: HX-Redirect makes htmx load the page
        resp = current_app.response_class("", status=200)
        resp.headers["HX-Redirect"] = target
        return resp
    return redirect(target, code=303)


def lookup(user_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                          IdempotencyKey.key == key))


def _replay_if_processed():
    if request.method != "POST":
        return None
    key = _submitted_key()
    if key is None or not current_user.is_authenticated:
        return None
    row = lookup(current_user.id, key)
    if row is not None:
        return replay(row)
    g._hvhk_idem = (current_user.id, key)
    return None


def _result_url(response) -> str | None:
    if 300 <= response.status_code < 400:
        return _same_site_path(response.headers.get("Location"))
    return (_same_site_path(response.headers.get("HX-Redirect")) or _same_site_path(response.headers.get("HX-Location"))
            or back_url())


def _record_result(_sender, response, **_extra):
    """request_finished: store where the first submit led; release the key of a refused submit."""
    armed = g.get("_hvhk_idem_committed")
    if not armed or response.status_code >= 500:
        return
    user_id, key = armed
    try:
        db.session.rollback()  # whatever is still uncommitted would be rolled back at teardown anyway
        where = (IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        if response.status_code >= 400:
            db.session.execute(delete(IdempotencyKey).where(*where))
        else:
            db.session.execute(update(IdempotencyKey).where(*where).values(result_url=_result_url(response)))
        hours = current_app.config.get("HVHK_IDEMPOTENCY_HOURS", 24)
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - timedelta(hours=hours)))
        db.session.commit()
    except Exception as e:  # the database went away after the write: the key stays, without its URL
        log.warning("could not record the result of a form submit: %s", e.__class__.__name__)
        try:
            db.session.rollback()
        except Exception:
            pass


def init_app(app: Flask) -> None:
    app.config.setdefault("HVHK_IDEMPOTENCY_HOURS", float(os.environ.get("HVHK_IDEMPOTENCY_HOURS") or 24))
    app.before_request(_replay_if_processed)
    request_finished.connect(_record_result, app)
    app.jinja_env.globals["idempotency_field"] = idempotency_field


__all__ = ["IdempotencyKey", "commit_state", "idempotency_field", "init_app", "is_key_conflict",
           "key_to_render", "new_key", "replay", "request_key"]
