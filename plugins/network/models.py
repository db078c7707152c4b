"""Network models: partner profiles enriching the core's organisations, their services and contact persons,
relations between organisations, a family's own network (ecomap ties), referrals and the log of edits
made by partner users.

Every table starts with ``network_``. Organisations themselves stay in the core's ``organisation`` table;
``Partner`` is a one-to-one profile on top of it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    case,
    cast,
    literal,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.held import changes_with
from core.models import Organisation, utcnow

# Policy domains (sector) of partners, after the research on trajectory support (003) and DOMAIN.md.
SECTORS = [
    ("onderwijs", "Onderwijs"),
    ("leerlingenbegeleiding", "Leerlingenbegeleiding (CLB)"),
    ("welzijn", "Welzijn (CAW, OCMW)"),
    ("gezondheid", "(Geestelijke) gezondheid"),
    ("jeugdhulp", "Jeugdhulp"),
    ("gezinsondersteuning", "Gezinsondersteuning en kinderopvang"),
    ("handicap", "Personen met een handicap (VAPH)"),
    ("vrije_tijd", "Vrije tijd: sport, cultuur, jeugdwerk"),
    ("lokaal_bestuur", "Lokaal bestuur"),
    ("politie_justitie", "Politie en justitie"),
    ("wonen_werk_inkomen", "Wonen, werk en inkomen"),
    ("informeel", "Informeel netwerk en vrijwilligers"),
]
SECTOR_LABELS = dict(SECTORS)
# Colours for the network map, one per sector (presentation attributes in SVG are CSP-safe).
SECTOR_COLOURS = {
    "onderwijs": "#2e86c1", "leerlingenbegeleiding": "#1abc9c", "welzijn": "#e67e22", "gezondheid": "#c0392b",
    "jeugdhulp": "#8e44ad", "gezinsondersteuning": "#f1c40f", "handicap": "#7f8c8d", "vrije_tijd": "#27ae60",
    "lokaal_bestuur": "#34495e", "politie_justitie": "#2c3e50", "wonen_werk_inkomen": "#d35400",
    "informeel": "#a04000",
}
# Default sector for an organisation of a given core kind (core.models.ORGANISATION_KINDS).
SECTOR_FOR_KIND = {
    "school": "onderwijs", "clb": "leerlingenbegeleiding", "caw": "welzijn", "ocmw": "welzijn",
    "cgg": "gezondheid", "ckg": "gezinsondersteuning", "opvoedingswinkel": "gezinsondersteuning",
    "kind_en_gezin": "gezinsondersteuning", "gemeente": "lokaal_bestuur", "andere": "welzijn",
}

LINES = [(0, "0 · informeel"), (1, "1 · eerste lijn"), (2, "2 · gespecialiseerd")]
LINE_LABELS = dict(LINES)

COSTS = [("gratis", "Gratis"), ("betalend", "Betalend")]
COST_LABELS = dict(COSTS)

RELATION_KINDS = [
    ("verwijsroute", "Verwijsroute"),
    ("samenwerkingsakkoord", "Samenwerkingsakkoord"),
    ("consult", "Consult en overleg"),
    ("coordinatiemandaat", "Coördinatiemandaat"),
    ("gedeeld_aanbod", "Gedeeld aanbod"),
]
RELATION_KIND_LABELS = dict(RELATION_KINDS)
RELATION_COLOURS = {
    "verwijsroute": "#2e86c1", "samenwerkingsakkoord": "#1e8449", "consult": "#7f8c8d",
    "coordinatiemandaat": "#8e44ad", "gedeeld_aanbod": "#d35400",
}
DIRECTIONS = [("heen", "Van de eerste naar de tweede organisatie"), ("wederzijds", "Wederzijds")]
DIRECTION_LABELS = dict(DIRECTIONS)

TIE_KINDS = [("informeel", "Informeel (familie, vrienden, buren)"), ("dienst", "Dienst of organisatie")]
TIE_KIND_LABELS = dict(TIE_KINDS)
TIE_STRENGTHS = [("sterk", "Sterk"), ("gewoon", "Gewoon"), ("zwak", "Zwak"), ("stressvol", "Stressvol")]
TIE_STRENGTH_LABELS = dict(TIE_STRENGTHS)

WAITING_STATUSES = [
    ("registered", "Aangemeld"),
    ("waiting", "Op de wachtlijst"),
    ("started", "Hulp gestart"),
    ("not_started", "Niet gestart"),
]
WAITING_LABELS = dict(WAITING_STATUSES)
OUTCOMES = [
    ("open", "Nog open"),
    ("ongoing", "Loopt"),
    ("completed", "Afgerond"),
    ("declined", "Gezin ging niet in op het aanbod"),
    ("refused", "Niet aanvaard door de partner"),
    ("referred", "Verder doorverwezen"),
]
OUTCOME_LABELS = dict(OUTCOMES)

CHANGE_OBJECT_LABELS = {"contact": "contactpersoon", "service": "aanbod", "referral": "verwijzing",
                        "profile": "profiel"}
CHANGE_ACTION_LABELS = {"create": "toegevoegd", "update": "gewijzigd", "delete": "verwijderd"}
CHANGE_FIELD_LABELS = {
    "name": "naam", "role": "rol", "phone": "telefoon", "email": "e-mail", "is_primary": "eerste aanspreekpunt",
    "shareable": "zichtbaar voor partners", "description": "omschrijving", "age_min": "vanaf leeftijd",
    "age_max": "tot leeftijd", "cost": "kostprijs", "cost_note": "toelichting kostprijs",
    "waiting_time": "wachttijd", "last_verified": "laatst nagekeken", "waiting_status": "wachtstatus",
    "outcome": "resultaat", "website": "website", "sector": "sector",
}


def change_value(field: str | None, value: str | None) -> str:
    """An old or new value of the partner change log as people read it: dates as 05/03/2025 (stored as
    ISO text), yes/no, a sector's or waiting status's label instead of its key."""
    if value is None or value == "":
        return ""
    import re
    from datetime import date as _date

    from core.formatting import format_date

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return format_date(_date.fromisoformat(value))
        except ValueError:
            return value
    if value in ("True", "False"):
        return "ja" if value == "True" else "nee"
    labels = {"sector": SECTOR_LABELS, "waiting_status": dict(WAITING_STATUSES), "outcome": dict(OUTCOMES)}
    return labels.get(field or "", {}).get(value, value)


def change_labels() -> dict:
    """Template context of both blueprints: Dutch words for the partner change log."""
    return {"change_labels": CHANGE_OBJECT_LABELS, "action_labels": CHANGE_ACTION_LABELS,
            "field_labels": CHANGE_FIELD_LABELS, "change_value": change_value}


def _wrap(values: list[str]) -> str:
    """Municipalities are stored as ',Genk,As,' so that one LIKE '%,Genk,%' finds them in SQL."""
    clean = [v.strip() for v in values if v and v.strip()]
    return ("," + ",".join(clean) + ",") if clean else ""


class Partner(db.Model):
    """The network profile of a core ``Organisation`` (one-to-one)."""

    __tablename__ = "network_partner"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    sector: Mapped[str] = mapped_column(String(40), default="welzijn")
    line: Mapped[int] = mapped_column(Integer, default=1)
    municipalities: Mapped[str] = mapped_column(String(500), default="")
    care_zone: Mapped[str | None] = mapped_column(String(120))  # eerstelijnszone
    province: Mapped[str | None] = mapped_column(String(60), default="Limburg")
    website: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    last_verified: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("line IN (0, 1, 2)", name="line_range"),
        Index("ix_network_partner_sector_line", "sector", "line"),
    )

    organisation: Mapped[Organisation] = relationship()

    @property
    def sector_label(self) -> str:
        return SECTOR_LABELS.get(self.sector, self.sector)

    @property
    def line_label(self) -> str:
        return LINE_LABELS.get(self.line, str(self.line))

    @property
    def municipality_list(self) -> list[str]:
        return [m for m in (self.municipalities or "").split(",") if m]

    def set_municipalities(self, values: list[str]) -> None:
        self.municipalities = _wrap(values)


class Service(db.Model):
    """An offer of a partner: target ages, cost, usual waiting time; ``shareable`` puts it on the shared map."""

    __tablename__ = "network_service"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[str] = mapped_column(String(20), default="gratis")
    cost_note: Mapped[str | None] = mapped_column(String(200))
    waiting_time: Mapped[str | None] = mapped_column(String(100))
    shareable: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("age_min IS NULL OR age_max IS NULL OR age_min <= age_max", name="age_order"),)

    @property
    def cost_label(self) -> str:
        return COST_LABELS.get(self.cost, self.cost)

    @property
    def ages_label(self) -> str:
        if self.age_min is None and self.age_max is None:
            return "alle leeftijden"
        if self.age_max is None:
            return f"vanaf {self.age_min} jaar"
        if self.age_min is None:
            return f"tot {self.age_max} jaar"
        return f"{self.age_min}–{self.age_max} jaar"


class Contact(db.Model):
    """A named contact person of a partner (a person, not an acronym)."""

    __tablename__ = "network_contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    role: Mapped[str | None] = mapped_column(String(160))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)  # "who to call" first
    shareable: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class Relation(db.Model):
    """A relation between two organisations; agreements carry privacy and professional-secrecy terms."""

    __tablename__ = "network_relation"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(20), default="wederzijds")
    structural: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)
    privacy_terms: Mapped[str | None] = mapped_column(Text)
    secrecy_terms: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    review_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("source_id <> target_id", name="not_self"),
        Index("ix_network_relation_kind", "kind"),
    )

    source: Mapped[Organisation] = relationship(foreign_keys=[source_id])
    target: Mapped[Organisation] = relationship(foreign_keys=[target_id])

    @property
    def kind_label(self) -> str:
        return RELATION_KIND_LABELS.get(self.kind, self.kind)

    @property
    def is_agreement(self) -> bool:
        return self.kind == "samenwerkingsakkoord"


changes_with(Organisation, Partner, Relation)  # the network map is held per process (queries.map_data)


class EcoTie(db.Model):
    """One tie in a family's own network (ecomap): an informal person or a service, its kind and strength."""

    __tablename__ = "network_eco_tie"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # the child; None = whole family
    kind: Mapped[str] = mapped_column(String(20), default="informeel")
    label: Mapped[str] = mapped_column(String(160))  # "grootmoeder", "buurvrouw Ria", "voetbalclub"
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    strength: Mapped[str] = mapped_column(String(20), default="gewoon")
    note: Mapped[str | None] = mapped_column(String(300))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation | None] = relationship()


class Referral(db.Model):
    """An outgoing referral of a family to an organisation, from this plugin or another (``source``)."""

    __tablename__ = "network_referral"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    referred_on: Mapped[date] = mapped_column(Date)
    accompanied: Mapped[bool] = mapped_column(Boolean, default=False)  # warm handover
    waiting_status: Mapped[str] = mapped_column(String(20), default="registered")
    outcome: Mapped[str] = mapped_column(String(20), default="open")
    question: Mapped[str | None] = mapped_column(Text)  # the request for help ("verwijzing en hulpvraag")
    note: Mapped[str | None] = mapped_column(Text)  # internal note, never shown to partners
    source: Mapped[str] = mapped_column(String(40), default="network")
    source_ref: Mapped[str | None] = mapped_column(String(60))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_network_referral_org_date", "organisation_id", "referred_on"),)

    organisation: Mapped[Organisation] = relationship()

    @hybrid_property
    def ref(self) -> str:
        return f"VW-{self.id:06d}"

    @ref.inplace.expression
    @classmethod
    def _ref_expression(cls):
        # the same "VW-000042" in SQL, portable (SQLite has no lpad, PostgreSQL's substr takes no negative start)
        digits = cast(cls.id, String)
        padded = case(*[(cls.id < 10 ** n, literal("0" * (6 - n)) + digits) for n in range(1, 6)], else_=digits)
        return literal("VW-") + padded

    @property
    def waiting_label(self) -> str:
        return WAITING_LABELS.get(self.waiting_status, self.waiting_status)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)


class PartnerChange(db.Model):
    """An edit a partner user made to their own organisation's page, shown to staff on that page."""

    __tablename__ = "network_partner_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    object_type: Mapped[str] = mapped_column(String(40))  # contact, service
    object_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # create, update, delete
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_network_partner_change_org_at", "organisation_id", "at"),)
