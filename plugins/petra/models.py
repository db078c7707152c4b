"""PeTra models: a trajectory from referral (aanmelding) to closure (afronding), its contacts, roundtables,
partnership plan, SDQ results and engagement fee (settings live in the core's store: ``logic.SETTINGS``).

One ``Trajectory`` row is created at the referral and follows the four phases of the practice:
1 toeleiding en aanmelding, 2 kennismaking en vraagverheldering, 3 ondersteuning, 4 evaluatie en afronding.
The start roundtable is the start date (``start_on``); the maximum duration counts from there.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Family, Organisation, Person, Team, User, utcnow
from core.work import Appointment

# --------------------------------------------------------------------------- vocabularies (Dutch labels)

REFERRER_KINDS = [
    ("school", "School"),
    ("clb", "CLB"),
    ("opvoedingswinkel", "Opvoedingswinkel"),
    ("hulpverlening", "Hulpverleningsinstantie (CGG, bijzondere jeugdzorg, ...)"),
    ("ouders", "Ouders zelf"),
]
CHANNELS = [
    ("rechtstreeks", "Rechtstreeks (aanmeldingsformulier lager onderwijs)"),
    ("meldpunt", "Via het stedelijk meldpunt (secundair onderwijs)"),
    ("andere", "Andere weg"),
    ("portaal", "Via het partnerportaal"),
]
INDICATIONS = [
    ("leerjaar", "Het kind zit minimaal in het 4de leerjaar."),
    ("bezorgdheden", "Er zijn bezorgdheden over het gedrag en/of de emoties bij het kind."),
    ("crosssituationeel", "Er zijn zowel problemen op school als thuis (crosssituationeel)."),
    ("hulpvraag", "Er is een duidelijke hulpvraag/probleembesef bij school en/of ouders."),
    ("engagement", "Er is engagement bij ouders en leerkrachten om actief mee te werken."),
    ("onderwijs", "Het kind volgt 'gewoon' onderwijs of het reflectief vermogen is voldoende."),
    ("regio", "Het kind woont of gaat naar school in het gebied GAOZ."),
]
# "veiligheid" (the safety of the child or the parents at risk) was a tick here; it is now a ``Concern`` with
# its steps (petra_0004 turned every tick into an open concern). The referral form asks for it separately.
SAFETY_CONTRA = "veiligheid"
CONTRA_INDICATIONS = [
    ("reflectie", "Vermoeden van te beperkte mogelijkheden om te reflecteren op eigen gedrag."),
    ("paralleltraject", "Paralleltraject met andere hulpverlening vanuit dezelfde hulpvraag (zonder afstemming)."),
    ("leer_taal", "Een leer- en/of taalproblematiek ligt aan de basis en vraagt andere ondersteuning."),
]
# the kind of problem and the risk the referral names (000:85, 138)
PROBLEM_KINDS = [
    ("internaliserend", "Internaliserend (teruggetrokken, angstig, somber, ...)"),
    ("externaliserend", "Externaliserend (druk, agressief, regels overtreden, ...)"),
]
RISKS = [
    ("schooluitval", "Risico op schooluitval (spijbelen, vroegtijdig schoolverlaten)"),
    ("uitsluiting", "Risico op uitsluiting (schorsing, definitieve uitsluiting, uit de groep vallen)"),
]
STATUSES = [
    ("waiting", "Op de wachtlijst"),
    ("clarifying", "Kennismaking en vraagverheldering"),
    ("ongoing", "Lopend"),
    ("closed", "Afgesloten"),
    ("referred", "Doorverwezen bij intake"),
    ("not_started", "Niet gestart"),
]
ACTIVE_STATUSES = ("clarifying", "ongoing")
PHASES = [
    (1, "Toeleiding en aanmelding"),
    (2, "Kennismaking en vraagverheldering"),
    (3, "Ondersteuning"),
    (4, "Evaluatie en afronding"),
]
DECISIONS = [
    ("start", "Starten"),
    ("elders", "Doorverwijzen naar een andere organisatie"),
    ("geen_start", "Niet starten"),
]
CONTACT_KINDS = [
    ("sessie_kind", "Sessie met het kind"),
    ("gesprek_ouders", "Gesprek met ouders"),
    ("contact_school", "Contact met school"),
    ("rondetafel", "Rondetafel"),
    ("ouder_kind", "Ouder-kindactiviteit"),
    ("groepssessie", "Groepssessie"),
    ("telefoon_online", "Telefonisch of online"),
]
PLACES = [
    ("huisbezoek", "Huisbezoek"),
    ("huis_van_het_kind", "Locatie Huis van het Kind"),
    ("school", "School"),
    ("elders", "Elders"),
    ("telefoon_online", "Telefonisch / online"),
]
PARTIES = [("kind", "Kind"), ("ouders", "Ouders"), ("school", "School")]
ROUNDTABLE_KINDS = [("start", "Startrondetafel"), ("tussentijds", "Tussentijdse evaluatie"), ("eind", "Eindevaluatie")]
ROUNDTABLE_PARTICIPANTS = [
    ("directie", "Directie"),
    ("klasleerkracht", "Klasleerkracht"),
    ("clb", "CLB-medewerker"),
    ("zorgcoordinator", "Zorgcoördinator / leerlingbegeleider"),
    ("ouders", "Ouder(s)"),
    ("kind", "Kind / jongere"),
    ("andere", "Andere"),
]
GOAL_PARTIES = [("kind", "Kind / jongere"), ("ouders", "Ouders"), ("school", "School")]
EVALUATIONS = [("", "Nog niet geëvalueerd"), ("niet", "Niet bereikt"), ("deels", "Deels bereikt"),
               ("bereikt", "Bereikt")]
INFORMANTS = [("ouder", "Ouder"), ("leerkracht", "Leerkracht"), ("kind", "Kind zelf (vanaf 11 jaar)")]
MOMENTS = [("voor", "Bij de start"), ("na", "Bij de afronding")]
SDQ_SCALES = [
    ("emotional", "Emotionele problemen"),
    ("conduct", "Gedragsproblemen"),
    ("hyperactivity", "Hyperactiviteit / aandachtstekort"),
    ("peer", "Problemen met leeftijdsgenoten"),
    ("prosocial", "Prosociaal gedrag"),
]
PAY_METHODS = [("overschrijving", "Overschrijving"), ("cash", "Cash"), ("bancontact", "Bancontact"),
               ("andere", "Andere")]
CLOSURE_REASONS = [
    ("zelfstandig", "De partijen kunnen zelfstandig verder"),
    ("doorverwijzing", "Begeleide doorverwijzing naar een andere organisatie"),
    ("vroegtijdig_gezin", "Vroegtijdig gestopt door het gezin"),
    ("vroegtijdig_school", "Vroegtijdig gestopt door de school"),
    ("andere", "Andere reden"),
]


PLAN_FORMS = [("individueel", "Individueel"), ("groep", "Groep"), ("beide", "Individueel en in groep")]
PLAN_INTENSITIES = [("licht", "Licht (minder dan de richtaantallen)"), ("gewoon", "Gewoon (de richtaantallen)"),
                    ("intensief", "Intensief (meer dan de richtaantallen)")]
ACTION_STATUSES = [("todo", "Te doen"), ("busy", "Bezig"), ("done", "Gedaan"), ("dropped", "Vervallen")]


_CONSTANT_LABELS: dict[int, dict] = {}  # id of a vocabulary list of this module -> its labels (filled at the end)


def labels(choices) -> dict:
    """Key -> Dutch label of a list of choices; for this module's vocabularies built once, not per row (the
    result is shared: read it, never change it)."""
    found = _CONSTANT_LABELS.get(id(choices))
    return found if found is not None else {k: v for k, v in choices}


# --------------------------------------------------------------------------- the trajectory


class _ContactLabels:
    """Dutch labels of a contact's kind, place and parties (a contact and its earlier versions)."""

    @property
    def kind_label(self) -> str:
        return labels(CONTACT_KINDS).get(self.kind, self.kind)

    @property
    def place_label(self) -> str:
        return labels(PLACES).get(self.place, self.place)

    @property
    def party_keys(self) -> list[str]:
        return [k for k in (self.parties or "").split(",") if k]

    @property
    def parties_label(self) -> str:
        lab = labels(PARTIES)
        return ", ".join(lab.get(k, k) for k in self.party_keys)


class _ReferralKeys:
    """The comma-separated choices of a referral (a trajectory's and a portal referral's) as lists of keys."""

    @property
    def indication_keys(self) -> list[str]:
        return [k for k in (self.indications or "").split(",") if k]

    @property
    def contra_keys(self) -> list[str]:
        return [k for k in (self.contra_indications or "").split(",") if k]

    @property
    def problem_kind_keys(self) -> list[str]:
        return [k for k in (self.problem_kinds or "").split(",") if k]

    @property
    def risk_keys(self) -> list[str]:
        return [k for k in (self.risks or "").split(",") if k]


class Trajectory(_ReferralKeys, db.Model):
    __tablename__ = "petra_trajectory"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)  # PT-YYYY-NNNN, pseudonymous
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    phase: Mapped[int] = mapped_column(Integer, default=1)

    # referral (aanmelding)
    referred_on: Mapped[date] = mapped_column(Date)
    referrer_kind: Mapped[str] = mapped_column(String(30))
    referrer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    referrer_contact: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20), default="rechtstreeks")
    school_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    school_level: Mapped[str | None] = mapped_column(String(20))
    school_year: Mapped[int | None] = mapped_column(Integer)
    question: Mapped[str | None] = mapped_column(Text)
    indications: Mapped[str] = mapped_column(String(300), default="")  # comma-separated keys
    contra_indications: Mapped[str] = mapped_column(String(300), default="")
    problem_kinds: Mapped[str] = mapped_column(String(60), default="")  # keys of PROBLEM_KINDS
    risks: Mapped[str] = mapped_column(String(60), default="")  # keys of RISKS
    age_group: Mapped[str | None] = mapped_column(String(20))  # lager / secundair (for costing)

    # intake decision
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_on: Mapped[date | None] = mapped_column(Date)
    decision_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)

    # intake (000:383): the upbringing situation and life events
    upbringing: Mapped[str | None] = mapped_column(Text)
    life_events: Mapped[str | None] = mapped_column(Text)

    # the partnership plan (000:368-371): individual and/or group, and how intensive
    plan_form: Mapped[str | None] = mapped_column(String(20))
    plan_intensity: Mapped[str | None] = mapped_column(String(20))

    # the trajectory itself
    lead_worker_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    second_worker_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    phase2_on: Mapped[date | None] = mapped_column(Date)  # kennismaking en vraagverheldering
    start_on: Mapped[date | None] = mapped_column(Date)  # the start roundtable
    phase3_on: Mapped[date | None] = mapped_column(Date)  # ondersteuning
    phase4_on: Mapped[date | None] = mapped_column(Date)  # evaluatie en afronding
    max_months: Mapped[int] = mapped_column(Integer, default=6)

    # closure
    closed_on: Mapped[date | None] = mapped_column(Date)
    closure_reason: Mapped[str | None] = mapped_column(String(30))
    final_evaluation: Mapped[str | None] = mapped_column(Text)
    closure_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    closure_accompanied: Mapped[bool] = mapped_column(Boolean, default=False)

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    anonymised: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # the team meeting's lists, each read per team and status in this order (petra_0005)
        Index("ix_petra_trajectory_team_status_start", "team_id", "status", "start_on", "id"),
        Index("ix_petra_trajectory_team_status_phase2", "team_id", "status", "phase2_on", "id"),
        Index("ix_petra_trajectory_team_referred", "team_id", "referred_on", "id"),
        Index("ix_petra_trajectory_status_referred", "status", "referred_on"),
    )

    team: Mapped[Team] = relationship()
    family: Mapped[Family] = relationship()
    child: Mapped[Person | None] = relationship()
    referrer_org: Mapped[Organisation | None] = relationship(foreign_keys=[referrer_org_id])
    school: Mapped[Organisation | None] = relationship(foreign_keys=[school_id])
    decision_org: Mapped[Organisation | None] = relationship(foreign_keys=[decision_org_id])
    closure_org: Mapped[Organisation | None] = relationship(foreign_keys=[closure_org_id])
    lead_worker: Mapped[User | None] = relationship(foreign_keys=[lead_worker_id])
    second_worker: Mapped[User | None] = relationship(foreign_keys=[second_worker_id])
    fee: Mapped[Fee | None] = relationship(back_populates="trajectory", uselist=False)

    @property
    def status_label(self) -> str:
        return labels(STATUSES).get(self.status, self.status)

    @property
    def phase_label(self) -> str:
        return labels(PHASES).get(self.phase, str(self.phase))


    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def plan_form_label(self) -> str:
        return labels(PLAN_FORMS).get(self.plan_form or "", "")

    @property
    def plan_intensity_label(self) -> str:
        return labels(PLAN_INTENSITIES).get(self.plan_intensity or "", "")


class Contact(_ContactLabels, db.Model):
    __tablename__ = "petra_contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(ForeignKey("petra_trajectory.id"), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    place: Mapped[str] = mapped_column(String(30))
    parties: Mapped[str] = mapped_column(String(60), default="")  # kind,ouders,school
    note: Mapped[str | None] = mapped_column(String(500))
    roundtable_id: Mapped[int | None] = mapped_column(ForeignKey("petra_roundtable.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_petra_contact_on_date", "on_date"),)


class Roundtable(db.Model):
    __tablename__ = "petra_roundtable"
    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(ForeignKey("petra_trajectory.id"))
    kind: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer, default=120)  # about 2 hours (000:1015)
    participants: Mapped[str] = mapped_column(String(200))  # comma-separated keys
    other_participants: Mapped[str | None] = mapped_column(String(300))
    agreements: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    # "no roundtable of this kind yet" probes the index alone (the team meeting, petra_0005)
    __table_args__ = (Index("ix_petra_roundtable_trajectory_kind", "trajectory_id", "kind"),)

    @property
    def kind_label(self) -> str:
        return labels(ROUNDTABLE_KINDS).get(self.kind, self.kind)

    @property
    def participants_label(self) -> str:
        lab = labels(ROUNDTABLE_PARTICIPANTS)
        return ", ".join(lab.get(k, k) for k in (self.participants or "").split(",") if k)


class PlanGoal(db.Model):
    """A goal of the partnership plan for the child, the parents or the school, phrased positively."""

    __tablename__ = "petra_plan_goal"
    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(ForeignKey("petra_trajectory.id"), index=True)
    party: Mapped[str] = mapped_column(String(20))
    goal: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer, default=0)
    interim: Mapped[str] = mapped_column(String(20), default="")
    interim_note: Mapped[str | None] = mapped_column(String(500))
    final: Mapped[str] = mapped_column(String(20), default="")
    final_note: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    actions: Mapped[list[PlanAction]] = relationship(back_populates="goal", cascade="all, delete-orphan",
                                                     order_by="PlanAction.id")

    @property
    def party_label(self) -> str:
        return labels(GOAL_PARTIES).get(self.party, self.party)


class PlanAction(db.Model):
    __tablename__ = "petra_plan_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("petra_plan_goal.id"), index=True)
    description: Mapped[str] = mapped_column(String(500))
    who: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="todo", server_default="todo")
    due_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
    goal: Mapped[PlanGoal] = relationship(back_populates="actions")

    @property
    def status_label(self) -> str:
        return labels(ACTION_STATUSES).get(self.status, self.status)


class SdqResult(db.Model):
    """Subscale scores of one SDQ (never the item texts: the questionnaire is copyrighted)."""

    __tablename__ = "petra_sdq"
    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(ForeignKey("petra_trajectory.id"))
    informant: Mapped[str] = mapped_column(String(20))
    moment: Mapped[str] = mapped_column(String(10))
    taken_on: Mapped[date] = mapped_column(Date)
    emotional: Mapped[int] = mapped_column(Integer)
    conduct: Mapped[int] = mapped_column(Integer)
    hyperactivity: Mapped[int] = mapped_column(Integer)
    peer: Mapped[int] = mapped_column(Integer)
    prosocial: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)  # emotional + conduct + hyperactivity + peer (0-40)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("trajectory_id", "informant", "moment", name="uq_petra_sdq_moment"),
                      # "no SDQ at this moment yet" probes the index alone (the team meeting, petra_0005)
                      Index("ix_petra_sdq_trajectory_moment", "trajectory_id", "moment"))

    @property
    def informant_label(self) -> str:
        return labels(INFORMANTS).get(self.informant, self.informant)

    @property
    def moment_label(self) -> str:
        return labels(MOMENTS).get(self.moment, self.moment)


class Fee(db.Model):
    """The engagement fee (50 euro, 25 with VT): never a barrier, so it can be waived with a reason.
    Kept (pseudonymised) when a family is erased: it is a financial row."""

    __tablename__ = "petra_fee"
    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(ForeignKey("petra_trajectory.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    vt: Mapped[bool] = mapped_column(Boolean, default=False)
    due_on: Mapped[date] = mapped_column(Date)
    waived: Mapped[bool] = mapped_column(Boolean, default=False)
    waive_reason: Mapped[str | None] = mapped_column(String(300))
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_amount: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    method: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    trajectory: Mapped[Trajectory] = relationship(back_populates="fee")

    @property
    def is_open(self) -> bool:
        return not self.waived and self.paid_on is None

    @property
    def status_label(self) -> str:
        if self.waived:
            return "kwijtgescholden"
        if self.paid_on:
            return "betaald"
        return "open"


# --------------------------------------------------------------------------- team meeting, supervision, concerns


class ContactVersion(_ContactLabels, db.Model):
    """A previous version of a corrected contact (what it said before the correction, who corrected it)."""

    __tablename__ = "petra_contact_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("petra_contact.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    on_date: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    place: Mapped[str] = mapped_column(String(30))
    parties: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str | None] = mapped_column(String(500))
    replaced_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    replaced_by: Mapped[User | None] = relationship()


meeting_attendee = db.Table(
    "petra_meeting_attendee",
    db.Column("meeting_id", ForeignKey("petra_team_meeting.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", ForeignKey("app_user.id"), primary_key=True),
)


class TeamMeeting(db.Model):
    """One biweekly team meeting (intervisie) of a PeTra team on a date, with who was present (000:952-955)."""

    __tablename__ = "petra_team_meeting"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    __table_args__ = (UniqueConstraint("team_id", "held_on", name="uq_petra_team_meeting_day"),)
    team: Mapped[Team] = relationship()
    present: Mapped[list[User]] = relationship(secondary=meeting_attendee, order_by="User.display_name")


class TeamDecision(db.Model):
    """What the team decided about one trajectory at a meeting: start, continue, change course, stop, refer."""

    __tablename__ = "petra_team_decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("petra_team_meeting.id"), index=True)
    trajectory_id: Mapped[int] = mapped_column(ForeignKey("petra_trajectory.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))  # core.vocabulary.TEAM_DECISIONS
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    meeting: Mapped[TeamMeeting] = relationship()
    trajectory: Mapped[Trajectory] = relationship()

    @property
    def decision_label(self) -> str:
        from core.vocabulary import TEAM_DECISION_LABELS

        return TEAM_DECISION_LABELS.get(self.decision, self.decision)


class Supervision(db.Model):
    """Notes of a supervision session of a manager with a worker (about every two months, 000:957)."""

    __tablename__ = "petra_supervision"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    held_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])


class Concern(db.Model):
    """A concern about a child's safety (verontrusting), handled step by step (Kindreflex, 004:4557): observe,
    consult, talk with the parents, decide. Open until the decision step."""

    __tablename__ = "petra_concern"
    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(ForeignKey("petra_trajectory.id"), index=True)
    raised_on: Mapped[date] = mapped_column(Date)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open / closed
    outcome: Mapped[str | None] = mapped_column(String(20))  # core.vocabulary.CONCERN_OUTCOMES
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_petra_concern_status", "status"),)
    trajectory: Mapped[Trajectory] = relationship()
    raised_by: Mapped[User | None] = relationship()
    steps: Mapped[list[ConcernStep]] = relationship(back_populates="concern", cascade="all, delete-orphan",
                                                    order_by="(ConcernStep.on_date, ConcernStep.id)")

    @property
    def outcome_label(self) -> str:
        from core.vocabulary import CONCERN_OUTCOME_LABELS

        return CONCERN_OUTCOME_LABELS.get(self.outcome or "", "")


class ConcernStep(db.Model):
    __tablename__ = "petra_concern_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("petra_concern.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(20))  # core.vocabulary.CONCERN_STEPS
    on_date: Mapped[date] = mapped_column(Date)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))  # only for the decision step
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    concern: Mapped[Concern] = relationship(back_populates="steps")
    by: Mapped[User | None] = relationship()

    @property
    def step_label(self) -> str:
        from core.vocabulary import CONCERN_STEP_LABELS

        return CONCERN_STEP_LABELS.get(self.step, self.step)

    @property
    def outcome_label(self) -> str:
        from core.vocabulary import CONCERN_OUTCOME_LABELS

        return CONCERN_OUTCOME_LABELS.get(self.outcome or "", "")

# --------------------------------------------------------------------------- the school in the partner portal

PORTAL_STATUSES = [("pending", "Nieuw, nog niet behandeld"), ("accepted", "Aanvaard: op de wachtlijst"),
                   ("declined", "Niet aanvaard")]


class PortalReferral(_ReferralKeys, db.Model):
    """A referral a partner (school, CLB, ...) sent through the partner portal. It waits on the receiving team's
    waiting list ("via portaal") until staff accept it into a family record (``trajectory_id``: a trajectory on
    the waiting list, channel ``portaal``) or decline it with a reason the partner sees. The parents' agreement
    is required (see README)."""

    __tablename__ = "petra_portal_referral"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)  # PA-YYYY-NNNN, pseudonymous
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    referred_on: Mapped[date] = mapped_column(Date)
    # who at the partner refers
    referrer_name: Mapped[str | None] = mapped_column(String(200))
    referrer_role: Mapped[str | None] = mapped_column(String(120))
    referrer_phone: Mapped[str | None] = mapped_column(String(40))
    referrer_email: Mapped[str | None] = mapped_column(String(200))
    # the child as the partner knows it
    given_name: Mapped[str | None] = mapped_column(String(120))
    family_name: Mapped[str | None] = mapped_column(String(120))
    birth_date: Mapped[date | None] = mapped_column(Date)
    municipality: Mapped[str | None] = mapped_column(String(100))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    school_level: Mapped[str | None] = mapped_column(String(20))
    school_year: Mapped[int | None] = mapped_column(Integer)
    # the same question and indications as a staff referral
    question: Mapped[str | None] = mapped_column(Text)
    indications: Mapped[str] = mapped_column(String(300), default="")
    contra_indications: Mapped[str] = mapped_column(String(300), default="")
    problem_kinds: Mapped[str] = mapped_column(String(60), default="")
    risks: Mapped[str] = mapped_column(String(60), default="")
    # the parents' agreement and who told them
    parents_agreed: Mapped[bool] = mapped_column(Boolean, default=False)
    parents_informed_by: Mapped[str | None] = mapped_column(String(200))
    warnings_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)  # the partner went on past warnings
    # the team's answer
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    trajectory_id: Mapped[int | None] = mapped_column(ForeignKey("petra_trajectory.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_petra_portal_referral_team_status", "team_id", "status"),)

    team: Mapped[Team] = relationship()
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    school: Mapped[Organisation | None] = relationship(foreign_keys=[school_id])
    trajectory: Mapped[Trajectory | None] = relationship()

    @property
    def status_label(self) -> str:
        return labels(PORTAL_STATUSES).get(self.status, self.status)

    @property
    def child_name(self) -> str:
        return " ".join(x for x in (self.given_name, self.family_name) if x)


class RoundtableAttendee(db.Model):
    """Someone of a partner organisation who will attend a roundtable planned ahead (a core ``Appointment`` about
    the trajectory, see ``operations.plan_roundtable``), as the partner confirmed it."""

    __tablename__ = "petra_roundtable_attendee"
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    name: Mapped[str] = mapped_column(String(160))
    role: Mapped[str] = mapped_column(String(30))  # keys of ROUNDTABLE_PARTICIPANTS
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    confirmed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    appointment: Mapped[Appointment] = relationship()
    organisation: Mapped[Organisation] = relationship()

    @property
    def role_label(self) -> str:
        return labels(ROUNDTABLE_PARTICIPANTS).get(self.role, self.role)


_CONSTANT_LABELS.update({id(c): {k: v for k, v in c} for c in (
    INDICATIONS, CONTRA_INDICATIONS, STATUSES, PHASES, CONTACT_KINDS, PLACES, PARTIES, ROUNDTABLE_KINDS,
    ROUNDTABLE_PARTICIPANTS, GOAL_PARTIES, INFORMANTS, MOMENTS, PLAN_FORMS, PLAN_INTENSITIES, ACTION_STATUSES,
    PORTAL_STATUSES)})
