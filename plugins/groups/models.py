"""Group programmes, their sessions, enrolments of children and attendance.

Times of sessions are stored as naive local wall-clock times in Europe/Brussels (the house works in one
time zone); the .ics export attaches the TZID.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Family, Organisation, Person, Team, User, utcnow
from core.vocabulary import SCHOOL_LEVEL_LABELS

PROGRAMME_KINDS = [
    ("weekly", "Wekelijkse groep"),
    ("cycle", "Vaste reeks (cyclus)"),
    ("group_day", "Groepsdag"),
    ("camp", "Kamp of weekend"),
    ("summer_school", "Zomerschool"),
    ("event", "Eenmalige activiteit"),
    ("parent_group", "Oudergroep"),
]
PROGRAMME_KIND_LABELS = dict(PROGRAMME_KINDS)
# where a programme stands, as ``hvhk_billable_units`` reports it (computed from its dates, never stored)
WORK_STATUSES = [("planned", "Gepland"), ("ongoing", "Lopend"), ("closed", "Afgesloten")]
WORK_STATUS_LABELS = dict(WORK_STATUSES)

AGE_GROUPS = [
    ("lager", SCHOOL_LEVEL_LABELS["lager"]),
    ("secundair", SCHOOL_LEVEL_LABELS["secundair"]),
    ("leeftijd", "Leeftijdsgroep (van-tot)"),
    ("ouders", "Ouders (geen leeftijdsgrens)"),
]
AGE_GROUP_LABELS = dict(AGE_GROUPS)

SESSION_KINDS = [
    ("session", "Groepssessie"),
    ("info", "Infomoment ouders"),
    ("showcase", "Toonmoment"),
    ("multiday", "Meerdaagse activiteit"),
]
SESSION_KIND_LABELS = dict(SESSION_KINDS)

ENROLMENT_STATUSES = [("enrolled", "Ingeschreven"), ("waiting", "Wachtlijst"), ("withdrawn", "Uitgeschreven")]
ENROLMENT_STATUS_LABELS = dict(ENROLMENT_STATUSES)

ATTENDANCE_STATUSES = [("present", "Aanwezig"), ("absent", "Afwezig"), ("excused", "Verontschuldigd")]
ATTENDANCE_LABELS = dict(ATTENDANCE_STATUSES)

PRIORITIES = [(1, "1 - hoog"), (2, "2 - normaal"), (3, "3 - laag")]

programme_leader = Table(
    "groups_programme_leader",
    db.metadata,
    Column("programme_id", ForeignKey("groups_programme.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("app_user.id"), primary_key=True),
)

programme_partner = Table(
    "groups_programme_partner",
    db.metadata,
    Column("programme_id", ForeignKey("groups_programme.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id"), primary_key=True),
)


class Programme(db.Model):
    """A group offer: a PeTra group, a weekly group, a cycle, a camp, a summer school, a parent group."""

    __tablename__ = "groups_programme"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), default="weekly")
    age_group: Mapped[str] = mapped_column(String(20), default="lager")
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer, default=8)
    location: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    themes: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_groups_programme_team_start", "team_id", "start_date"),)

    team: Mapped[Team] = relationship()
    leaders: Mapped[list[User]] = relationship(secondary=programme_leader, order_by="User.display_name")
    partners: Mapped[list[Organisation]] = relationship(secondary=programme_partner, order_by="Organisation.name")

    @property
    def kind_label(self) -> str:
        return PROGRAMME_KIND_LABELS.get(self.kind, self.kind)

    @property
    def age_label(self) -> str:
        if self.age_group == "leeftijd":
            return f"{self.age_min or '?'} tot {self.age_max or '?'} jaar"
        return AGE_GROUP_LABELS.get(self.age_group, self.age_group)

    @property
    def ref(self) -> str:
        return f"GR-{self.id:05d}"


class GroupSession(db.Model):
    """One meeting of a programme (or a multi-day event such as a camp weekend)."""

    __tablename__ = "groups_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("groups_programme.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="session")
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    location: Mapped[str | None] = mapped_column(String(200))
    theme: Mapped[str | None] = mapped_column(String(200))
    # an external partner delivering this block (one of the programme's partners), if any
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    plan: Mapped[str | None] = mapped_column(Text)
    reflection: Mapped[str | None] = mapped_column(Text)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_groups_session_starts_at", "starts_at"),)

    programme: Mapped[Programme] = relationship()
    partner: Mapped[Organisation | None] = relationship()

    @property
    def kind_label(self) -> str:
        return SESSION_KIND_LABELS.get(self.kind, self.kind)

    @property
    def hours(self) -> float:
        return round((self.ends_at - self.starts_at).total_seconds() / 3600, 2)


ERASED_LABEL = "(gewist)"


class Enrolment(db.Model):
    """A child (a core Person, through one of its families) on a programme's list or its waiting list.

    Erasure and retention *detach* an enrolment instead of deleting it: ``person_id``, ``family_id`` and the
    note are cleared and ``anonymised_at`` is set, so the programme's participant counts and attendance
    rates stay the same. Views show a detached enrolment as "(gewist)" (``child_name``) and never edit it.
    """

    __tablename__ = "groups_enrolment"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("groups_programme.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)  # NULL once detached
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id"), index=True)  # NULL once detached
    status: Mapped[str] = mapped_column(String(20), default="enrolled")
    priority: Mapped[int] = mapped_column(Integer, default=2)
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime)
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime)
    photo_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    film_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)  # set when detached (erasure, retention)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    # NULLs are distinct in a unique constraint (SQLite and PostgreSQL): detached rows never collide
    __table_args__ = (UniqueConstraint("programme_id", "person_id", name="uq_groups_enrolment_programme_person"),)

    programme: Mapped[Programme] = relationship()
    person: Mapped[Person | None] = relationship()
    family: Mapped[Family | None] = relationship()

    @property
    def status_label(self) -> str:
        return ENROLMENT_STATUS_LABELS.get(self.status, self.status)

    @property
    def detached(self) -> bool:
        """Erased or past its retention term: no longer linked to a child or a family."""
        return self.anonymised_at is not None or self.person_id is None

    @property
    def child_name(self) -> str:
        return self.person.full_name if self.person is not None else ERASED_LABEL

    @property
    def given_name(self) -> str:
        return self.person.given_name if self.person is not None else ERASED_LABEL

    @property
    def school_year_label(self) -> str:
        return (self.person.school_year_label or "") if self.person is not None else ""

    @property
    def family_label(self) -> str:
        return self.family.label if self.family is not None else ERASED_LABEL

    def sort_key(self, given_first: bool = False) -> tuple:
        """Children by name, detached enrolments last (stable by id); never touches a missing person."""
        if self.person is None:
            return (1, "", "", self.id)
        p = self.person
        names = (p.given_name, p.family_name) if given_first else (p.family_name, p.given_name)
        return (0, *names, self.id)


class Attendance(db.Model):
    """Whether an enrolled child was present at a session."""

    __tablename__ = "groups_attendance"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("groups_session.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("groups_enrolment.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    __table_args__ = (UniqueConstraint("session_id", "enrolment_id", name="uq_groups_attendance_session_enrolment"),)
