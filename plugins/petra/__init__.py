"""PeTra: pedagogical trajectories for children (4th grade to 16), their parents and school.

A trajectory runs from the referral (aanmelding) over the intake decision, clarifying talks and the start
roundtable (the real start) through support to evaluation and closure, within a configurable maximum
duration (6 months). Access: a trajectory belongs to its owning team; only that team's members (and admins)
open it, and every view is audit-logged with the family's id (see ``access.py``).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import url_for
from sqlalchemy import Integer, cast, delete, func, null, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from core.extensions import db
from core.hookspecs import hookimpl
from core.models import Person, fold
from core.plugins import team_ids_for
from core.ui import NavItem, Panel, RetentionRule, SearchResult, Widget

from . import models  # noqa: F401  (tables must be known to the metadata)
from .models import (
    Concern,
    ConcernStep,
    Contact,
    ContactVersion,
    Fee,
    PlanAction,
    PlanGoal,
    PortalReferral,
    Roundtable,
    SdqResult,
    TeamDecision,
    Trajectory,
)


@hookimpl
def hvhk_plugin_info():
    return {"label": "PeTra-trajecten", "description": "Pedagogische trajecten van aanmelding tot afronding."}


@hookimpl
def hvhk_blueprints():
    from . import portal_staff  # noqa: F401  (its routes are on the PeTra blueprint)
    from .portal import bp as portal_bp
    from .views import bp

    return [bp, portal_bp]


@hookimpl
def hvhk_partner_pages(organisation):
    """The partner portal: refer a child online and follow one's referrals (while a team has PeTra on); a
    school (or referrer) also follows its pupils' trajectories that a consent of the family covers."""
    from core.plugins import plugin_teams

    if not plugin_teams():
        return []
    return [NavItem("PeTra: leerlingen volgen", url_for("petra_portal.trajectories"), 50),
            NavItem("PeTra: aanmelden", url_for("petra_portal.referrals"), 51)]


AUDIT_LABELS_PORTAL = {
    "petra_portal_referral": "PeTra-aanmelding via het partnerportaal",
    "petra_roundtable_attendee": "Deelnemer aan een PeTra-rondetafel (bevestigd door de partner)",
}


@hookimpl
@hookimpl
def hvhk_nav_items(user):
    return [NavItem("PeTra", url_for("petra.index"), 20), NavItem("Teamoverleg PeTra", url_for("petra.meeting"), 21)]


@hookimpl
def hvhk_family_panels(family, user):
    return [Panel(id="petra-trajectories", title="PeTra-trajecten",
                  url=url_for("petra.family_panel", family_id=family.id), order=20)]


@hookimpl
def hvhk_dashboard_widgets(user):
    tiles = [Widget(title="PeTra: caseload per begeleider", url=url_for("petra.widget_caseload"), order=20)]
    managed = user.managed_team_ids()  # managers only, not every admin (an admin managing no team: no query)
    if managed and team_ids_for(user, manager=True) & managed:
        tiles.append(Widget(title="PeTra: open zorgen over veiligheid", url=url_for("petra.widget_concerns"),
                            order=19))
    return tiles


@hookimpl
def hvhk_audit_labels():
    return {
        "petra_team_decision": "PeTra-teambeslissing",
        "petra_supervision": "PeTra-supervisie",
        "petra_concern": "PeTra-zorg over veiligheid",
        "petra_trajectory": "PeTra-traject",
        "petra_family_panel": "PeTra-overzicht op de gezinsfiche",
        "petra_contact": "PeTra-contact",
        "petra_roundtable": "PeTra-rondetafel",
        "petra_plan_goal": "doel in het partnerschapsplan",
        "petra_plan_action": "actie in het partnerschapsplan",
        "petra_sdq": "SDQ-scores",
        "petra_fee": "PeTra-bijdrage",
        "petra_closed_trajectory": "afgesloten PeTra-traject",
        "petra_ended_at_intake": "PeTra-aanmelding zonder start",
        **AUDIT_LABELS_PORTAL,
    }


@hookimpl
def hvhk_due_items(user, until):
    """Evaluations, SDQs, roundtables to record, trajectories near their maximum duration and open fees in the
    trajectories ``user`` leads or co-leads (``queries.due_for``)."""
    from core.ui import DueItem

    from . import logic, queries

    teams = team_ids_for(user)
    if not teams or user.is_partner:
        return []
    today = date.today()
    return [DueItem(kind=label, reference=t.ref, due=due, url=url_for("petra.show", trajectory_id=t.id),
                    plugin="petra", family_id=t.family_id, detail=t.child.full_name if t.child else "")
            for t, label, due in queries.due_for(user.id, teams, until, logic.load_settings(), today)]


@hookimpl
def hvhk_my_caseload(user):
    from core.ui import CaseItem

    from . import queries

    teams = team_ids_for(user)
    if not teams or user.is_partner:
        return []
    return [CaseItem(kind="PeTra-traject", reference=t.ref, label=t.child.full_name if t.child else "",
                     url=url_for("petra.show", trajectory_id=t.id), plugin="petra", status=t.status_label,
                     family_id=t.family_id) for t in queries.my_trajectories(user.id, teams)]


REF_RE = re.compile(r"^pt-?\d{0,4}(-\d{0,4})?$", re.IGNORECASE)


@hookimpl
def hvhk_search(query, user):
    """Trajectories by their number (PT-2025-0007) or by the child's name, only of the user's own teams."""
    teams = team_ids_for(user)
    if not teams or user.is_partner:
        return []
    stmt = (select(Trajectory).options(joinedload(Trajectory.child))
            .where(Trajectory.team_id.in_(teams), Trajectory.anonymised.is_(False)))
    q = query.strip()
    if REF_RE.match(q):
        prefix = q.upper() if "-" in q[:3] else "PT-" + q[2:].upper()
        stmt = stmt.where(Trajectory.ref >= prefix, Trajectory.ref < prefix + "~")  # a range: uses the index
    else:
        tokens = fold(q).split()
        if not tokens:
            return []
        stmt = stmt.join(Person, Person.id == Trajectory.child_id)
        for tok in tokens:
            stmt = stmt.where(or_(Person.given_key.like(tok + "%"), Person.family_key.like(tok + "%")))
    rows = db.session.scalars(stmt.order_by(Trajectory.referred_on.desc()).limit(10))
    return [SearchResult(label=f"{t.ref} · {t.child.full_name if t.child else ''}",
                         url=url_for("petra.show", trajectory_id=t.id), kind="PeTra-traject",
                         detail=t.status_label) for t in rows]


@hookimpl
def hvhk_billable_units(period):
    """A ``Select`` of the trajectories with work or a fee in the period (``core.finance.UNIT_COLUMNS``)."""
    from . import queries

    return queries.billable_units(period)


@hookimpl
def hvhk_billable_hours(period):
    """A ``Select`` of hours per trajectory and contact kind in the period, group sessions left to groups."""
    from . import queries

    return queries.billable_hours(period)


def _d(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def _trajectory_export(t: Trajectory) -> dict:
    """Everything held about one trajectory, for a subject-access export (family or person)."""
    contacts = db.session.scalars(select(Contact).where(Contact.trajectory_id == t.id).order_by(Contact.on_date))
    rts = db.session.scalars(select(Roundtable).where(Roundtable.trajectory_id == t.id).order_by(Roundtable.held_on))
    goals = db.session.scalars(select(PlanGoal).options(selectinload(PlanGoal.actions))
                               .where(PlanGoal.trajectory_id == t.id).order_by(PlanGoal.id))
    sdqs = db.session.scalars(select(SdqResult).where(SdqResult.trajectory_id == t.id).order_by(SdqResult.id))
    decisions = db.session.scalars(select(TeamDecision).options(joinedload(TeamDecision.meeting))
                                   .where(TeamDecision.trajectory_id == t.id).order_by(TeamDecision.id))
    concerns = db.session.scalars(select(Concern).options(selectinload(Concern.steps))
                                  .where(Concern.trajectory_id == t.id).order_by(Concern.id))
    f = t.fee
    return {
        "kind": "petra_trajectory", "ref": t.ref, "team": t.team.name,
        "child": t.child.full_name if t.child else None, "status": t.status, "phase": t.phase,
        "referred_on": _d(t.referred_on), "referrer_kind": t.referrer_kind, "referrer_contact": t.referrer_contact,
        "channel": t.channel, "question": t.question, "indications": t.indication_keys,
        "contra_indications": t.contra_keys, "decision": t.decision, "decision_on": _d(t.decision_on),
        "decision_reason": t.decision_reason, "upbringing": t.upbringing, "life_events": t.life_events,
        "plan_form": t.plan_form, "plan_intensity": t.plan_intensity, "start_on": _d(t.start_on), "closed_on": _d(t.closed_on),
        "closure_reason": t.closure_reason, "final_evaluation": t.final_evaluation,
        "contacts": [{"date": _d(c.on_date), "minutes": c.minutes, "kind": c.kind, "place": c.place,
                      "parties": c.party_keys, "note": c.note} for c in contacts],
        "roundtables": [{"kind": r.kind, "date": _d(r.held_on), "participants": r.participants,
                         "other_participants": r.other_participants, "agreements": r.agreements} for r in rts],
        "plan": [{"party": g.party, "goal": g.goal, "interim": g.interim, "interim_note": g.interim_note,
                  "final": g.final, "final_note": g.final_note,
                  "actions": [{"description": a.description, "who": a.who, "status": a.status,
                               "due_on": _d(a.due_on)} for a in g.actions]} for g in goals],
        "team_decisions": [{"date": _d(d.meeting.held_on), "decision": d.decision, "note": d.note}
                           for d in decisions],
        "concerns": [{"raised_on": _d(c.raised_on), "description": c.description, "status": c.status,
                      "outcome": c.outcome, "closed_on": _d(c.closed_on),
                      "steps": [{"step": s.step, "date": _d(s.on_date), "outcome": s.outcome, "note": s.note}
                                for s in c.steps]} for c in concerns],
        "sdq": [{"informant": s.informant, "moment": s.moment, "date": _d(s.taken_on), "emotional": s.emotional,
                 "conduct": s.conduct, "hyperactivity": s.hyperactivity, "peer": s.peer,
                 "prosocial": s.prosocial, "total": s.total} for s in sdqs],
        "fee": {"amount": str(f.amount), "vt": f.vt, "waived": f.waived, "waive_reason": f.waive_reason,
                "paid_on": _d(f.paid_on), "method": f.method} if f else None,
        "problem_kinds": t.problem_kind_keys, "risks": t.risk_keys,
        **_portal_export(t),
    }


def _portal_export(t: Trajectory) -> dict:
    """The portal referral the trajectory came from and its planned roundtables with who confirmed to attend."""
    from core.work import Appointment

    from . import queries
    from .models import Roundtable

    prs = db.session.scalars(select(PortalReferral).where(PortalReferral.trajectory_id == t.id))
    held = select(Roundtable.id).where(Roundtable.trajectory_id == t.id)
    planned = list(db.session.scalars(  # roundtables planned ahead: appointments about the trajectory (or, once
        select(Appointment).where(  # held, about the roundtable recorded), planned, held or cancelled
            ((Appointment.object_type == "petra_trajectory") & (Appointment.object_id == t.id))
            | ((Appointment.object_type == "petra_roundtable") & Appointment.object_id.in_(held)))
        .order_by(Appointment.starts_at, Appointment.id)))
    attendees = queries.roundtable_attendees([a.id for a in planned])
    return {
        "portal_referrals": [{"ref": p.ref, "organisation_id": p.organisation_id, "submitted_at": _d(p.submitted_at),
                              "referrer_name": p.referrer_name, "referrer_role": p.referrer_role,
                              "child": p.child_name, "birth_date": _d(p.birth_date), "question": p.question,
                              "parents_agreed": p.parents_agreed, "parents_informed_by": p.parents_informed_by,
                              "status": p.status} for p in prs],
        "planned_roundtables": [{"appointment_id": p.id, "kind": p.subkind, "starts_at": _d(p.starts_at),
                                 "ends_at": _d(p.ends_at), "place": p.place, "status": p.status,
                                 "attendees": [{"organisation_id": a.organisation_id, "name": a.name, "role": a.role}
                                               for a in attendees[p.id]]} for p in planned],
    }


def _export(where) -> list[dict]:
    trajectories = db.session.scalars(
        select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.team), joinedload(Trajectory.fee))
        .where(where).order_by(Trajectory.id))
    return [_trajectory_export(t) for t in trajectories]


@hookimpl
def hvhk_family_export(family):
    return {"petra": _export(Trajectory.family_id == family.id)}


@hookimpl
def hvhk_person_export(person, family):
    """The trajectories of ``family`` of which this person is the child (a parent's data sit in the family
    export; a trajectory in another household of the child belongs to that household's export)."""
    return {"petra": _export((Trajectory.child_id == person.id) & (Trajectory.family_id == family.id))}


def anonymise_trajectories(ids: list[int]) -> tuple[int, int]:
    """Anonymise these trajectories: free text, the plan and SDQ results go; the trajectory row (pseudonymous
    number, team, dates), contact durations and the fee stay so the house's figures and books do not change.
    Returns ``(removed, kept)`` rows. Does not commit."""
    ids = list(ids)
    if not ids:
        return 0, 0
    goal_ids = list(db.session.scalars(select(PlanGoal.id).where(PlanGoal.trajectory_id.in_(ids))))
    removed = 0
    if goal_ids:
        removed += db.session.execute(delete(PlanAction).where(PlanAction.goal_id.in_(goal_ids))).rowcount or 0
        removed += db.session.execute(delete(PlanGoal).where(PlanGoal.id.in_(goal_ids))).rowcount or 0
    removed += db.session.execute(delete(SdqResult).where(SdqResult.trajectory_id.in_(ids))).rowcount or 0
    concern_ids = list(db.session.scalars(select(Concern.id).where(Concern.trajectory_id.in_(ids))))
    if concern_ids:
        removed += db.session.execute(delete(ConcernStep).where(ConcernStep.concern_id.in_(concern_ids))).rowcount or 0
        removed += db.session.execute(delete(Concern).where(Concern.id.in_(concern_ids))).rowcount or 0
    db.session.execute(update(TeamDecision).where(TeamDecision.trajectory_id.in_(ids)).values(note=None))
    contact_ids = select(Contact.id).where(Contact.trajectory_id.in_(ids))
    db.session.execute(update(ContactVersion).where(ContactVersion.contact_id.in_(contact_ids)).values(note=None))
    n_contacts = db.session.execute(update(Contact).where(Contact.trajectory_id.in_(ids))
                                    .values(note=None)).rowcount or 0
    db.session.execute(update(Roundtable).where(Roundtable.trajectory_id.in_(ids))
                       .values(agreements=None, other_participants=None))
    db.session.execute(update(PortalReferral).where(PortalReferral.trajectory_id.in_(ids)).values(
        **PORTAL_PERSONAL, decline_reason=None, version=PortalReferral.version + 1))
    db.session.execute(update(Fee).where(Fee.trajectory_id.in_(ids), Fee.waive_reason.is_not(None))
                       .values(waive_reason="(gewist)"))
    n_trajectories = db.session.execute(update(Trajectory).where(Trajectory.id.in_(ids)).values(
        question=None, referrer_contact=None, decision_reason=None, final_evaluation=None, child_id=None,
        upbringing=None, life_events=None,
        anonymised=True, version=Trajectory.version + 1)).rowcount or 0
    n_fees = db.session.scalar(select(func.count()).select_from(Fee).where(Fee.trajectory_id.in_(ids)))
    return removed, n_trajectories + n_contacts + n_fees


@hookimpl
def hvhk_family_erase(family):
    """Anonymise every trajectory of the family (see ``anonymise_trajectories``)."""
    ids = list(db.session.scalars(select(Trajectory.id).where(Trajectory.family_id == family.id)))
    removed, kept = anonymise_trajectories(ids)
    return {"removed": removed, "kept": kept}


@hookimpl
def hvhk_person_erase(person):
    """Anonymise the trajectories of which this person is the child; a sibling's trajectory stays."""
    ids = list(db.session.scalars(select(Trajectory.id).where(Trajectory.child_id == person.id)))
    removed, kept = anonymise_trajectories(ids)
    return {"removed": removed, "kept": kept}


# --------------------------------------------------------------------------- retention

RETENTION_YEARS = 5  # no figure in the practice's documents: 5 years after the end (see README)
ENDED_AT_INTAKE = ("referred", "not_started")


def _due(since, *conditions):
    return (select(Trajectory.id.label("id"), Trajectory.ref.label("label"), since.label("since"),
                   Trajectory.family_id.label("family_id"))
            .where(Trajectory.anonymised.is_(False), *conditions))


def _closed_due(cutoff: date):
    """Closed trajectories whose closure lies before ``cutoff``."""
    since = func.coalesce(Trajectory.closed_on, Trajectory.referred_on)
    return _due(since, Trajectory.status == "closed", since < cutoff)


def _ended_at_intake_due(cutoff: date):
    """Referrals that never became a trajectory (referred elsewhere or not started at intake), decided
    before ``cutoff``."""
    since = func.coalesce(Trajectory.decision_on, Trajectory.referred_on)
    return _due(since, Trajectory.status.in_(ENDED_AT_INTAKE), since < cutoff)


def _apply(ids: list[int]) -> int:
    anonymise_trajectories(ids)
    return len(ids)


def _holding() -> int:
    return db.session.scalar(select(func.count()).select_from(Trajectory).where(Trajectory.anonymised.is_(False)))


@hookimpl
def hvhk_retention_rules():
    return [
        RetentionRule(
            key="petra_closed_trajectory", label="Afgesloten PeTra-trajecten", default_years=RETENTION_YEARS,
            action="vraag, notities, afspraken, plan en SDQ wissen en het kind loskoppelen; "
                   "trajectnummer, data, duur van contacten en bijdrage blijven",
            due=_closed_due, apply=_apply, holding=_holding,
            holding_label="PeTra-trajecten met persoonsgegevens (ook lopende)"),
        RetentionRule(
            key="petra_ended_at_intake", label="PeTra-aanmeldingen zonder start (doorverwezen of niet gestart)",
            default_years=RETENTION_YEARS,
            action="vraag, contactpersoon en motivering wissen en het kind loskoppelen; "
                   "trajectnummer en data blijven",
            due=_ended_at_intake_due, apply=_apply),  # holding: counted with the closed trajectories
        RetentionRule(
            key="petra_portal_referral_declined", label="Niet aanvaarde PeTra-aanmeldingen via het partnerportaal",
            default_years=PORTAL_DECLINED_YEARS,
            action="naam, geboortedatum, woonplaats, hulpvraag en aanmelder wissen; nummer, datum en status blijven",
            due=_declined_portal_due, apply=_clear_portal_referrals,
            holding=lambda: db.session.scalar(select(func.count()).select_from(PortalReferral).where(
                PortalReferral.status == "declined", PortalReferral.given_name.is_not(None))),
            holding_label="niet aanvaarde portaalaanmeldingen met persoonsgegevens"),
    ]


PORTAL_DECLINED_YEARS = 1  # a declined portal referral never became a family record: kept short (see README)
PORTAL_PERSONAL = dict(given_name=None, family_name=None, birth_date=None, municipality=None, question=None,
                       referrer_name=None, referrer_role=None, referrer_phone=None, referrer_email=None,
                       parents_informed_by=None)


def _declined_portal_due(cutoff: date):
    """Declined portal referrals (never a family record: no family) decided before ``cutoff``."""
    return (select(PortalReferral.id.label("id"), PortalReferral.ref.label("label"),
                   PortalReferral.decided_at.label("since"), cast(null(), Integer).label("family_id"))
            .where(PortalReferral.status == "declined", PortalReferral.given_name.is_not(None),
                   PortalReferral.decided_at < cutoff))


def _clear_portal_referrals(ids: list[int]) -> int:
    if not ids:
        return 0
    return db.session.execute(update(PortalReferral).where(PortalReferral.id.in_(list(ids))).values(
        **PORTAL_PERSONAL, version=PortalReferral.version + 1)).rowcount or 0


@hookimpl
def hvhk_demo_data(session, scale):
    from .demo import load_demo

    load_demo(session, scale)


@hookimpl
def hvhk_report_figures(period, team_ids):
    """PeTra's section of the house's report: referrals, starts, closures by reason, contacts, SDQ change."""
    from .reports import report_figures

    return report_figures(period, team_ids)


