"""Core models: accounts, teams, organisations, plugin state, family records, consent and audit.

Plugins import what they need from here (``from core.models import Family, Person, Team``) and never
from another plugin. Table names of plugins start with the plugin's name (``petra_trajectory``).
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import UTC, date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    event,
    insert,
    inspect,
    literal,
    select,
    union,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db
from .vocabulary import school_year_label


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def fold(text: str | None) -> str:
    """Lower-case ASCII form of a name for searching: 'Öztürk' -> 'ozturk', 'Van den Bergh' -> 'van den bergh'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = ascii_only.replace("ß", "ss").replace("ı", "i").replace("ø", "o").replace("æ", "ae")
    cleaned = "".join(c if c.isalnum() else " " for c in ascii_only.lower())
    return " ".join(cleaned.split())


# --------------------------------------------------------------------------- organisations, teams, users

ORGANISATION_KINDS = [
    ("school", "School"),
    ("clb", "CLB"),
    ("caw", "CAW / JAC"),
    ("ocmw", "OCMW"),
    ("cgg", "CGG"),
    ("ckg", "CKG"),
    ("opvoedingswinkel", "Opvoedingswinkel"),
    ("kind_en_gezin", "Kind en Gezin / Opgroeien"),
    ("gemeente", "Gemeente of stad"),
    ("andere", "Andere"),
]
ORGANISATION_KIND_LABELS = dict(ORGANISATION_KINDS)


class Organisation(db.Model):
    """A partner organisation in the small registry the core keeps (the network plugin enriches it)."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), default="andere")
    municipality: Mapped[str | None] = mapped_column(String(100))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_organisation_name", "name"),)

    @property
    def kind_label(self) -> str:
        return ORGANISATION_KIND_LABELS.get(self.kind, self.kind)


class Team(db.Model):
    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    require_2fa: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(40))  # Belgian, normalised (core.formatting.belgian_phone)
    memberships: Mapped[list[Membership]] = relationship(back_populates="team", cascade="all, delete-orphan")


ROLES = [("member", "Medewerker"), ("manager", "Teamverantwoordelijke")]


class Membership(db.Model):
    __tablename__ = "membership"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")
    user: Mapped[User] = relationship(back_populates="memberships")
    team: Mapped[Team] = relationship(back_populates="memberships")
    __table_args__ = (UniqueConstraint("user_id", "team_id", name="uq_membership_user_team"),)


class User(UserMixin, db.Model):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(160))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Partner users belong to one organisation and to no team.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # Rotated on password change and deactivation: every session cookie issued before stops working.
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # set once confirmed with a first code
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # a code is accepted only once
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")
    organisation: Mapped[Organisation | None] = relationship()

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.password_changed_at = utcnow()
        self.session_token = secrets.token_hex(16)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_partner(self) -> bool:
        return self.organisation_id is not None

    @property
    def is_staff(self) -> bool:
        return self.organisation_id is None

    def team_ids(self) -> set[int]:
        return {m.team_id for m in self.memberships}

    def managed_team_ids(self) -> set[int]:
        return {m.team_id for m in self.memberships if m.role == "manager"}


class RecoveryCode(db.Model):
    """One-time recovery codes for two-factor login, stored hashed."""

    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(300))
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class Setting(db.Model):
    """Small key-value settings that admins change in the application (e.g. require_2fa_partners)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))


class PluginSetting(db.Model):
    """One stored setting of one plugin (``core.settings.PluginSettings``): the value as JSON text. A row exists
    only for a value that differs from the plugin's default."""

    __tablename__ = "plugin_setting"
    plugin: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class PluginState(db.Model):
    """Whether an installed plugin is available at all (admins decide)."""

    __tablename__ = "plugin_state"
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    available: Mapped[bool] = mapped_column(Boolean, default=True)


class TeamPlugin(db.Model):
    """A plugin switched on for a team by one of its managers. Switching off keeps the row and all data."""

    __tablename__ = "team_plugin"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    plugin: Mapped[str] = mapped_column(String(80))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    __table_args__ = (UniqueConstraint("team_id", "plugin", name="uq_team_plugin_team_plugin"),)


class CacheVersion(db.Model):
    """A random number that changes with every change of what server processes hold between requests
    (``core.held``; the row named "held"): read with the logged-in user, changed in the change's transaction."""

    __tablename__ = "cache_version"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class LoginAttempt(db.Model):
    """Failed and successful logins, kept in the database so throttling holds across server processes.

    A row is written (as a failure) before the password is checked and counted after, so parallel attempts see
    each other (``core.auth.begin_attempt``); a correct password turns it into a success."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )


class UserSession(db.Model):
    """One login session. The signed session cookie carries a random id; this row holds its SHA-256 digest and
    is checked on every request, so logout (which deletes the row) ends the session on the server too. Rows past
    ``expires_at`` no longer count and are deleted at the next login (``core.security``)."""

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    # two-factor set-up in progress: the secret shown to the user, until a first code confirms it
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))


# --------------------------------------------------------------------------- family records

MEMBER_ROLES = [
    ("kind", "Kind"),
    ("ouder", "Ouder"),
    ("opvoeder", "Andere opvoeder"),
    ("verwacht", "Verwacht kind"),
]
MEMBER_ROLE_LABELS = dict(MEMBER_ROLES)


class Family(db.Model):
    """A household. Details are need-to-know: see ``core.access``."""

    __tablename__ = "family"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    label_key: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(4))
    municipality: Mapped[str | None] = mapped_column(String(100))
    languages: Mapped[str | None] = mapped_column(String(200))
    contact_channels: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    has_vt: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_family_label_key", "label_key"),
        Index("ix_family_municipality_label_key", "municipality", "label_key"),
    )

    members: Mapped[list[FamilyMember]] = relationship(back_populates="family", cascade="all, delete-orphan")
    involvements: Mapped[list[Involvement]] = relationship(back_populates="family", cascade="all, delete-orphan")

    @property
    def region(self) -> str | None:
        from .geo import region_of

        return region_of(self.municipality)

    def children(self) -> list[Person]:
        return [m.person for m in self.members if m.role == "kind"]


class Person(db.Model):
    """A child, parent, carer or expected child. May belong to more than one family."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120))
    given_key: Mapped[str] = mapped_column(String(120), default="")
    family_key: Mapped[str] = mapped_column(String(120), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    expected: Mapped[bool] = mapped_column(Boolean, default=False)  # unborn: birth_date is the expected date
    gender: Mapped[str | None] = mapped_column(String(60))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    school_level: Mapped[str | None] = mapped_column(String(20))
    school_year: Mapped[int | None] = mapped_column(Integer)
    class_teacher: Mapped[str | None] = mapped_column(String(160))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # in core.people.search's order (core_0012): a page of a common name is an index range scan with LIMIT
        Index("ix_person_family_key_given_key_id", "family_key", "given_key", "id"),
        Index("ix_person_given_key_family_key_id", "given_key", "family_key", "id"),
        Index("ix_person_birth_date", "birth_date"),
    )

    school: Mapped[Organisation | None] = relationship()
    memberships: Mapped[list[FamilyMember]] = relationship(back_populates="person")

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: date) -> int | None:
        if not self.birth_date or self.expected:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def school_year_label(self) -> str:
        return school_year_label(self.school_level, self.school_year)


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _person_keys(mapper, connection, target: Person) -> None:
    target.given_key = fold(target.given_name)
    target.family_key = fold(target.family_name)


@event.listens_for(Family, "before_insert")
@event.listens_for(Family, "before_update")
def _family_keys(mapper, connection, target: Family) -> None:
    target.label_key = fold(target.label)


class FamilyNameKey(db.Model):
    """Search index of the family directory: one row per name key a household is found by (its label's and
    every member's given and family name, folded), with the household's ``label_key`` and ``archived`` so that the families
    whose names start with a query come out of one index (name_key, label_key, family_id) in directory order,
    a page at a time, however many match. Kept in step by ``_family_name_keys_in_step`` (every ORM write) and
    ``refresh_family_name_keys`` (bulk inserts); derived data: never edited, rebuilt at will."""

    __tablename__ = "family_name_key"
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"), primary_key=True)
    name_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    label_key: Mapped[str] = mapped_column(String(200))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)  # the family's, so a page needs no join
    __table_args__ = (Index("ix_family_name_key_search", "name_key", "label_key", "family_id"),)


class FamilyMember(db.Model):
    __tablename__ = "family_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="kind")
    relation: Mapped[str | None] = mapped_column(String(80))  # e.g. "grootmoeder", "pleegvader"
    family: Mapped[Family] = relationship(back_populates="members")
    person: Mapped[Person] = relationship(back_populates="memberships")
    __table_args__ = (UniqueConstraint("family_id", "person_id", name="uq_family_member_family_person"),)

    @property
    def role_label(self) -> str:
        return self.relation or MEMBER_ROLE_LABELS.get(self.role, self.role)


class Involvement(db.Model):
    """A team's involvement with a family: the key to the family's details (need-to-know)."""

    __tablename__ = "involvement"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    reason: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(80), default="manueel")  # "manueel" or the plugin's name
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    family: Mapped[Family] = relationship(back_populates="involvements")
    team: Mapped[Team] = relationship()
    __table_args__ = (Index("ix_involvement_team_family", "team_id", "family_id"),)


INFO_KINDS = [
    ("contactgegevens", "Contactgegevens"),
    ("verwijzing", "Verwijzing en hulpvraag"),
    ("trajectverloop", "Verloop van het traject"),
    ("evaluatie", "Evaluatie en resultaten"),
    ("groepsaanbod", "Deelname aan groepsaanbod"),
    ("beeldmateriaal", "Foto's en film"),
]
INFO_KIND_LABELS = dict(INFO_KINDS)


class Consent(db.Model):
    """A family's consent to share specific kinds of information with one organisation for one purpose."""

    __tablename__ = "consent"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(300))
    info_kinds: Mapped[str] = mapped_column(String(300))  # comma-separated keys of INFO_KINDS
    given_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    given_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    organisation: Mapped[Organisation] = relationship()
    given_by: Mapped[Person | None] = relationship()

    @property
    def kinds(self) -> list[str]:
        return [k for k in (self.info_kinds or "").split(",") if k]

    def is_active_on(self, day: date) -> bool:
        if self.withdrawn_at is not None:
            return False
        if self.given_on and day < self.given_on:
            return False
        return self.valid_until is None or day <= self.valid_until

    @property
    def status(self) -> str:
        if self.withdrawn_at:
            return "ingetrokken"
        if self.valid_until and date.today() > self.valid_until:
            return "verlopen"
        return "actief"


class AuditEntry(db.Model):
    """Who did what to which record, when. Never the data itself. Append-only (see the flush guard below)."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(40))  # view, create, update, archive, denied, export, ...
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[int | None] = mapped_column(Integer)
    family_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(300))  # field names or a reason code, never values
    address: Mapped[str | None] = mapped_column(String(64))
    user: Mapped[User | None] = relationship()
    __table_args__ = (
        Index("ix_audit_entry_family_at_id", "family_id", "at", "id"),  # "who looked" (core_0008)
        Index("ix_audit_entry_user_at", "user_id", "at"),
        Index("ix_audit_entry_at", "at"),
    )


class ChangeRecord(db.Model):
    """History of edits to family records: who changed which field from what to what, and when.

    Unlike the audit log this holds values (so a worker can see what changed); erasure clears it.
    """

    __tablename__ = "change_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    user: Mapped[User | None] = relationship()


def refresh_family_name_keys(connection, family_ids=None, *, min_family_id: int | None = None) -> None:
    """Rewrite the ``family_name_key`` rows of the given households (or of every household from
    ``min_family_id`` on, after a bulk insert) from their label and their members' names: two statements
    per 500 households."""
    def rows(where):
        f, fm, p = Family.__table__, FamilyMember.__table__, Person.__table__
        parts = [select(f.c.id.label("family_id"), f.c.label_key.label("name_key"), f.c.label_key, f.c.archived)
                 .where(where(f.c.id), f.c.label_key != "")]
        for col in (p.c.given_key, p.c.family_key):
            parts.append(select(fm.c.family_id, col.label("name_key"), f.c.label_key, f.c.archived)
                         .join(f, f.c.id == fm.c.family_id).join(p, p.c.id == fm.c.person_id)
                         .where(where(fm.c.family_id), col != ""))
        return union(*parts)

    table = FamilyNameKey.__table__
    cols = ["family_id", "name_key", "label_key", "archived"]
    if min_family_id is not None:
        connection.execute(delete(table).where(table.c.family_id >= min_family_id))
        connection.execute(insert(table).from_select(cols, rows(lambda c: c >= literal(min_family_id))))
        return
    ids = sorted({i for i in family_ids or () if i})
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        connection.execute(delete(table).where(table.c.family_id.in_(chunk)))
        connection.execute(insert(table).from_select(cols, rows(lambda c, chunk=chunk: c.in_(chunk))))


def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[n].history.has_changes() for n in names)


@event.listens_for(Session, "after_flush")
def _family_name_keys_in_step(session: Session, flush_context) -> None:
    """Whatever wrote a household's label, a member's name or a membership through the ORM (forms, imports,
    plugins, erasure), the households concerned get their search keys rewritten in the same transaction."""
    families: set[int] = set()
    people: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Family):
            families.add(obj.id)
        elif isinstance(obj, FamilyMember):
            families.add(obj.family_id)
    for obj in session.dirty:
        if isinstance(obj, Family):
            if _changed(obj, "label", "label_key", "archived"):
                families.add(obj.id)
        elif isinstance(obj, Person):
            if _changed(obj, "given_name", "family_name", "given_key", "family_key"):
                people.add(obj.id)
        elif isinstance(obj, FamilyMember):
            history = inspect(obj).attrs.family_id.history
            if history.has_changes() or _changed(obj, "person_id"):
                families.update(v for v in (*history.deleted, *history.added, obj.family_id) if v)
    for obj in session.deleted:
        if isinstance(obj, FamilyMember):
            families.add(obj.family_id)
    if not families and not people:
        return
    connection = session.connection()
    if people:
        families.update(connection.scalars(select(FamilyMember.__table__.c.family_id)
                                           .where(FamilyMember.__table__.c.person_id.in_(sorted(people)))))
    refresh_family_name_keys(connection, families)


@event.listens_for(Session, "before_flush")
def _audit_is_append_only(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("Het auditlogboek kan niet gewijzigd worden.")
