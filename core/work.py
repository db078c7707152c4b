"""Models of a worker's own work ("Mijn werk"): tasks, appointments (the agenda) and the personal calendar feed.

- ``Task``: a small to-do owned by a team (visible to its members), assigned to one of them, optionally about a
  family (then it follows the family's need-to-know) or about a plugin's record (a URL and a pseudonymous
  reference, never a name).
- ``Appointment``: something planned ahead (a roundtable, a home visit, a parent talk, ...) with staff
  participants and optional external participants (free text), an optional family and an optional plugin record.
  A plugin plans one through ``core.agenda.plan_appointment`` (PeTra plans roundtables ahead this way) and links
  the record it makes when the appointment took place (``core.agenda.mark_held``).
- ``CalendarFeed``: a user's secret iCalendar URL, stored as the SHA-256 digest of its random token.

The rules live in ``core.tasks`` and ``core.agenda``; the start page in ``core.mywork``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .models import Family, Team, User, utcnow

APPOINTMENT_KINDS = [
    ("rondetafel", "Rondetafel"),
    ("huisbezoek", "Huisbezoek"),
    ("oudergesprek", "Oudergesprek"),
    ("andere", "Afspraak"),
]
APPOINTMENT_KIND_LABELS = dict(APPOINTMENT_KINDS)
APPOINTMENT_STATUSES = [("planned", "Gepland"), ("held", "Gehouden"), ("cancelled", "Geannuleerd")]
APPOINTMENT_STATUS_LABELS = dict(APPOINTMENT_STATUSES)


class Task(db.Model):
    __tablename__ = "task"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id"), index=True)
    plugin: Mapped[str | None] = mapped_column(String(80))
    object_url: Mapped[str | None] = mapped_column(String(300))
    reference: Mapped[str | None] = mapped_column(String(40))  # pseudonymous ("PT-2026-0073"), never a name
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_task_assignee_done", "assignee_id", "done_at"),)

    team: Mapped[Team] = relationship()
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])
    family: Mapped[Family | None] = relationship()

    @property
    def done(self) -> bool:
        return self.done_at is not None


class Appointment(db.Model):
    __tablename__ = "appointment"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="andere")
    title: Mapped[str | None] = mapped_column(String(200))  # shown behind login only, never in the feed
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    external_participants: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id"), index=True)
    # a plugin's record: its kind (e.g. "petra_trajectory", then "petra_roundtable" once held) and id, the
    # page behind login, a pseudonymous reference and a plugin-defined sub-kind (e.g. the roundtable's kind)
    plugin: Mapped[str | None] = mapped_column(String(80))
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[int | None] = mapped_column(Integer)
    object_url: Mapped[str | None] = mapped_column(String(300))
    reference: Mapped[str | None] = mapped_column(String(40))
    subkind: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_appointment_starts_at", "starts_at"),
        Index("ix_appointment_object", "object_type", "object_id"),
    )

    participants: Mapped[list[AppointmentParticipant]] = relationship(
        back_populates="appointment", cascade="all, delete-orphan")

    @property
    def kind_label(self) -> str:
        return APPOINTMENT_KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return APPOINTMENT_STATUS_LABELS.get(self.status, self.status)

    @property
    def participant_ids(self) -> set[int]:
        return {p.user_id for p in self.participants}


class AppointmentParticipant(db.Model):
    __tablename__ = "appointment_participant"
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    appointment: Mapped[Appointment] = relationship(back_populates="participants")
    user: Mapped[User] = relationship()
    __table_args__ = (UniqueConstraint("appointment_id", "user_id", name="uq_appointment_participant"),)


class CalendarFeed(db.Model):
    """A user's secret iCalendar feed: the SHA-256 digest of the token in its URL (the token itself is shown
    once). Revoking deletes the row; regenerating replaces it."""

    __tablename__ = "calendar_feed"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
