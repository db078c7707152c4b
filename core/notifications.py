"""Notifications: in-app messages per user (the bell), each user's mail preferences, and the mail outbox.

A notification is a short Dutch text *without family data* (a kind and a pseudonymous reference), a link
behind login, and whether it was read. It is made by a receiver of a ``core.signals`` signal, in the sender's
transaction (receivers flush, never commit). When the user asked for it and e-mail is on (``SMTP_URL``), the
same receiver queues an immediate mail in ``mail_outbox``; ``hvhk send-mail`` sends the outbox (``core.mail``).

Operations here never commit; the views do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, has_request_context, url_for
from flask_login import current_user
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from . import audit, signals
from .extensions import db
from .models import Membership, Team, User, utcnow

# kinds of notification: code -> Dutch label (the list page and the preferences page show the label)
TASK_ASSIGNED = "task_assigned"
REFERRAL = "referral"
KIND_LABELS = {TASK_ASSIGNED: "Taak toegewezen", REFERRAL: "Nieuwe aanmelding"}


class Notification(db.Model):
    """One message in a user's bell. ``text`` never holds a name of a child or family member."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(300))  # a path behind login
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)


class NotificationPreference(db.Model):
    """Which e-mails a user wants. No row: the defaults below. In-app notifications are always on."""

    __tablename__ = "notification_preference"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    daily_digest: Mapped[bool] = mapped_column(Boolean, default=True)
    mail_task_assigned: Mapped[bool] = mapped_column(Boolean, default=True)
    mail_referral: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


DEFAULTS = {"daily_digest": True, "mail_task_assigned": True, "mail_referral": False}
PREF_FOR_KIND = {TASK_ASSIGNED: "mail_task_assigned", REFERRAL: "mail_referral"}


class MailOutbox(db.Model):
    """One e-mail to send. ``(user_id, key)`` is unique: ``digest:2026-11-30`` (one digest per user and day),
    ``notification:17`` (one immediate mail per notification), so a second run can never queue it twice.

    ``status``: ``pending`` (to send; also after a refused or failed attempt), ``claimed`` (a run took it; a
    claim older than the lease may be taken over, nothing was handed to the server yet), ``sending`` (the
    message content is being handed to the server: never retried automatically, see ``core.mail``),
    ``sent`` (the server accepted it), ``unknown`` (the connection broke while the server had the content:
    maybe delivered, never resent), ``failed`` (refused too often) and ``expired`` (a digest of a past day).
    Subject and body hold no family data: they are written by ``core.mail`` from counts and references."""

    __tablename__ = "mail_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))  # digest, task_assigned, referral
    day: Mapped[date | None] = mapped_column(Date)  # the day of a digest
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_mail_outbox_user_id"),
        Index("ix_mail_outbox_status", "status", "id"),
    )


STATUS_LABELS = {"pending": "wacht", "claimed": "wordt verstuurd", "sending": "wordt verstuurd", "sent": "verstuurd",
                 "unknown": "onzeker (verbinding verbroken tijdens verzenden)", "failed": "opgegeven",
                 "expired": "vervallen"}


# --------------------------------------------------------------------------- reads


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


@dataclass
class Preferences:
    daily_digest: bool
    mail_task_assigned: bool
    mail_referral: bool


def preferences_for(user_id: int) -> Preferences:
    row = db.session.get(NotificationPreference, user_id)
    values = {k: getattr(row, k) if row is not None else v for k, v in DEFAULTS.items()}
    return Preferences(**values)


# --------------------------------------------------------------------------- operations (never commit)


def notify(user_id: int, kind: str, text: str, url: str | None) -> Notification:
    """Add a notification for ``user_id`` and, when the user wants mail for ``kind`` and e-mail is on, queue an
    immediate mail (a kind, a reference and a link: ``text`` must hold no family data)."""
    n = Notification(user_id=user_id, kind=kind, text=text[:200], url=url)
    db.session.add(n)
    db.session.flush()
    pref = PREF_FOR_KIND.get(kind)
    if pref and getattr(preferences_for(user_id), pref):
        from . import mail

        mail.queue_immediate(n)
    return n


def mark_read(user, notification_id: int) -> bool:
    """Mark one of ``user``'s own notifications read; False when it is not theirs (or does not exist)."""
    n = db.session.get(Notification, notification_id)
    if n is None or n.user_id != user.id:
        return False
    if n.read_at is None:
        n.read_at = utcnow()
        audit.record("update", "notification", n.id, detail="gelezen", user_id=user.id)
    return True


def mark_all_read(user) -> int:
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    if result.rowcount:
        audit.record("update", "notification", None, detail=f"alles gelezen ({result.rowcount})", user_id=user.id)
    return result.rowcount


def save_preferences(user, *, daily_digest: bool, mail_task_assigned: bool, mail_referral: bool,
                     email: str | None) -> None:
    row = db.session.get(NotificationPreference, user.id)
    if row is None:
        row = NotificationPreference(user_id=user.id)
        db.session.add(row)
    row.daily_digest, row.mail_task_assigned, row.mail_referral = daily_digest, mail_task_assigned, mail_referral
    audit.record("update", "notification_preference", user.id, user_id=user.id)
    email = (email or "").strip() or None
    if email != user.email:
        user.email = email
        audit.record("update", "user", user.id, detail="e-mail", user_id=user.id)


# --------------------------------------------------------------------------- signal receivers


def _link(endpoint: str, **values) -> str | None:
    if endpoint in current_app.view_functions:
        return url_for(endpoint, **values)
    return None


def _start_page() -> str:
    return url_for("core.index")


def on_task_assigned(task, *, assignee_id: int, by_user_id: int | None = None, **_extra) -> None:
    """A task was given to ``assignee_id``: "Nieuwe taak voor jou: taak 12" (never the task's title, which may
    name a child), linked to the task."""
    if task.id is None:
        db.session.flush()
    ref = task.reference
    text = f"Nieuwe taak voor jou: taak {task.id}" + (f" ({ref})" if ref else "")
    url = _link("tasks.edit", task_id=task.id) or _start_page()
    notify(assignee_id, TASK_ASSIGNED, text, url)


def on_referral_received(sender, *, team_id: int, reference: str, url: str | None = None, **_extra) -> None:
    """A referral landed on ``team_id``'s waiting list: every active member of the team gets a notification
    (not the colleague who registered it)."""
    team = db.session.get(Team, team_id)
    if team is None:
        return
    me = current_user.id if has_request_context() and getattr(current_user, "is_authenticated", False) else None
    members = db.session.scalars(select(User.id).join(Membership, Membership.user_id == User.id).where(
        Membership.team_id == team_id, User.active.is_(True), User.organisation_id.is_(None)))
    for user_id in members:
        if user_id != me:
            notify(user_id, REFERRAL, f"Nieuwe aanmelding voor {team.name}: {reference}", url or _start_page())


def connect_signals() -> None:
    """Subscribe the receivers (idempotent: blinker keeps one connection per receiver)."""
    signals.task_assigned.connect(on_task_assigned)
    signals.referral_received.connect(on_referral_received)


# --------------------------------------------------------------------------- demo


def demo_notifications(session, today: date) -> None:
    """A few fictional notifications (no names: kinds and references) and e-mail addresses at the reserved
    ``example`` domain for the demo's staff, so the bell and the preferences have something to show."""
    from datetime import time, timedelta

    users = {u.username: u for u in session.scalars(select(User).where(User.organisation_id.is_(None)))}
    for u in users.values():
        u.email = u.email or f"{u.username}@hvhk.example"
    at = datetime.combine(today, time(8, 30))
    rows = [("worker", TASK_ASSIGNED, "Nieuwe taak voor jou: taak 1", 0, None),
            ("worker", REFERRAL, "Nieuwe aanmelding voor PeTra: PT-2026-0012", 1, None),
            ("worker", REFERRAL, "Nieuwe aanmelding voor PeTra: PT-2026-0009", 3, at - timedelta(days=2)),
            ("manager", REFERRAL, "Nieuwe aanmelding voor PeTra: PT-2026-0012", 1, None)]
    for username, kind, text, days_ago, read_at in rows:
        if username in users:
            session.add(Notification(user_id=users[username].id, kind=kind, text=text, url="/",
                                     created_at=at - timedelta(days=days_ago), read_at=read_at))
    session.flush()
