"""Every state change of PeTra, one function each: check the allowed transition (raise ``Refused`` with a Dutch
message and the form field it belongs to), write, audit with the family, call the hooks.

Operations never commit (the view does, through ``core.forms.conflict_safe``: one request, one transaction;
after a ``Refused`` the caller rolls back) and never read ``request``, ``flash`` or ``current_user``: the
acting user is passed in. The lifecycle of a trajectory::

    waiting --decide_intake--> clarifying --hold_roundtable(start)--> ongoing --close_trajectory--> closed
            \\-> referred (elsewhere) / not_started
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from flask import url_for
from sqlalchemy import select

from core import audit, people
from core.access import register_involvement
from core.extensions import db
from core.formatting import format_date
from core.models import Family, FamilyMember, Membership, Organisation, Person, User, utcnow
from core.operations import Refused, require, transition
from core.plugins import current_plugins, team_ids_for
from core.signals import referral_received
from core.vocabulary import CONCERN_OUTCOME_LABELS, CONCERN_STEP_LABELS, TEAM_DECISION_LABELS

from . import logic, queries
from .models import (
    ACTION_STATUSES,
    CLOSURE_REASONS,
    CONTACT_KINDS,
    EVALUATIONS,
    GOAL_PARTIES,
    INFORMANTS,
    MOMENTS,
    PAY_METHODS,
    PLACES,
    PLAN_FORMS,
    PLAN_INTENSITIES,
    ROUNDTABLE_KINDS,
    ROUNDTABLE_PARTICIPANTS,
    SDQ_SCALES,
    STATUSES,
    Concern,
    ConcernStep,
    Contact,
    ContactVersion,
    Fee,
    PlanAction,
    PlanGoal,
    PortalReferral,
    Roundtable,
    RoundtableAttendee,
    SdqResult,
    Supervision,
    TeamDecision,
    TeamMeeting,
    Trajectory,
    labels,
)

INVOLVEMENT_REASON = "Aanmelding PeTra"
STATUS_LABELS = labels(STATUSES)
# the statuses a trajectory may move to from each status (an intake decision, the start roundtable, closure)
FLOW: dict[str, set[str]] = {
    "waiting": {"clarifying", "referred", "not_started"},
    "clarifying": {"ongoing", "closed"},
    "ongoing": {"closed"},
}
DECISION_STATUS = {"start": "clarifying", "elders": "referred", "geen_start": "not_started"}
# the fields of a referral as the forms carry them (registration and correction)
REFERRAL_FIELDS = ("referred_on", "referrer_kind", "referrer_org_id", "referrer_contact", "channel", "school_id",
                   "school_level", "school_year", "question", "indications", "contra_indications", "problem_kinds",
                   "risks")
LIST_FIELDS = ("indications", "contra_indications", "problem_kinds", "risks")
ENDED = ("not_started", "referred")


def _may_act(t: Trajectory, user) -> None:
    require(user.is_admin or t.team_id in user.team_ids(), "Dit traject hoort bij een ander team.")


def _audit(action: str, object_type: str, object_id: int, t: Trajectory, user, detail: str | None = None) -> None:
    audit.record(action, object_type, object_id, family_id=t.family_id, detail=detail, user_id=user.id)


def _referral_hook(t: Trajectory, user, org_id: int, day: date, accompanied: bool, note: str) -> None:
    """Tell the other plugins (network keeps referrals) that this family was referred to ``org_id``."""
    current_plugins().hook_available("hvhk_referral_recorded")(referral={
        "family_id": t.family_id, "organisation_id": org_id, "date": day, "accompanied": accompanied,
        "source": "petra", "source_ref": t.ref, "note": note, "user_id": user.id})


def _referral_values(referral: Mapping) -> dict:
    """The stored form of the referral fields: no organisation is None, lists are comma-separated keys."""
    values = {name: referral[name] for name in REFERRAL_FIELDS if name in referral}
    for name in ("referrer_org_id", "school_id", "referrer_contact", "school_level"):
        if name in values:
            values[name] = values[name] or None
    for name in LIST_FIELDS:
        if name in values:
            values[name] = ",".join(values[name] or [])
    return values


# --------------------------------------------------------------------------- referral


def register_referral(user, team_id: int, referral: Mapping, *, child_id: int | None = None,
                      family_id: int | None = None, token: str | None = None,
                      new_child: Mapping | None = None) -> Trajectory:
    """Register a referral on the waiting list (status ``waiting``, phase 1).

    ``referral`` holds ``REFERRAL_FIELDS``. The child is either one found in the family records (``child_id``,
    ``family_id`` and, for a household the team is not involved with, the search's ``token``: the team's
    involvement is registered through ``core.people.involve``, 403 and logged without it) or ``new_child``
    (``given_name``, ``family_name``, ``birth_date``, ``municipality``): a new family with that child.
    """
    require(team_id in team_ids_for(user), "Je kan alleen aanmelden voor een PeTra-team waarvan je lid bent.",
            "team_id")
    values = _referral_values(referral)
    require(values.get("referred_on") is not None, "Vul de datum van aanmelding in.", "referred_on")
    require(values["referred_on"] <= date.today(), "Deze datum ligt in de toekomst.", "referred_on")
    if child_id is not None:
        record = people.involve(user, team_id, child_id, family_id, reason=INVOLVEMENT_REASON, source="petra",
                                token=token, roles=("kind",))
        person, family = record.person, record.family
    else:
        new_child = new_child or {}
        for name, message in (("given_name", "Kies een kind uit de gezinsdossiers of vul de voornaam van een "
                                             "nieuw kind in."),
                              ("family_name", "Vul de familienaam in."), ("municipality", "Vul de woonplaats in.")):
            require((new_child.get(name) or "").strip(), message, name)
        family = Family(label=new_child["family_name"].strip(), municipality=new_child["municipality"].strip())
        db.session.add(family)
        db.session.flush()
        person = Person(given_name=new_child["given_name"].strip(), family_name=new_child["family_name"].strip(),
                        birth_date=new_child.get("birth_date"), school_id=values.get("school_id"),
                        school_level=values.get("school_level"), school_year=values.get("school_year"))
        db.session.add(person)
        db.session.flush()
        db.session.add(FamilyMember(family_id=family.id, person_id=person.id, role="kind"))
        audit.record("create", "family", family.id, family_id=family.id, detail="via PeTra-aanmelding",
                     user_id=user.id)
        register_involvement(family, team_id, INVOLVEMENT_REASON, source="petra", user_id=user.id)
    level = values.get("school_level") or person.school_level
    year = values["school_year"] if values.get("school_year") is not None else person.school_year
    values.update(school_id=values.get("school_id") or person.school_id, school_level=level or None,
                  school_year=year)
    t = Trajectory(ref=queries.next_ref(values["referred_on"].year), team_id=team_id, family_id=family.id,
                   child_id=person.id, status="waiting", phase=1, age_group=logic.age_group_of(level),
                   max_months=logic.setting_int(logic.load_settings(), "max_months"), created_by_id=user.id,
                   **values)
    db.session.add(t)
    db.session.flush()
    _audit("create", "petra_trajectory", t.id, t, user, "aanmelding")
    if referral.get("safety_concern"):
        raise_concern(t, user, raised_on=values["referred_on"],
                      description="Bij de aanmelding: de veiligheid van het kind of de ouders is mogelijk in gevaar.")
    return t


def edit_referral(t: Trajectory, user, referral: Mapping) -> list[str]:
    """Correct the referral (the child and team stay); returns the names of the fields that changed. The
    referral cannot move after the first contact."""
    _may_act(t, user)
    values = _referral_values(referral)
    first_contact = queries.first_contact_on(t.id)
    if "referred_on" in values and first_contact and values["referred_on"] > first_contact:
        raise Refused(f"Er is al een contact op {format_date(first_contact)}: de aanmelding kan niet later liggen.",
                      "referred_on")
    changed = [name for name in REFERRAL_FIELDS if name in values and getattr(t, name) != values[name]]
    for name in changed:
        setattr(t, name, values[name])
    if "school_level" in changed:
        t.age_group = logic.age_group_of(t.school_level)
    if changed:
        _audit("update", "petra_trajectory", t.id, t, user, ",".join(changed))
    return changed


# --------------------------------------------------------------------------- intake and workers


def _check_workers(t: Trajectory, lead_worker_id: int | None, second_worker_id: int | None) -> None:
    team = {u.id for u in queries.team_workers(t.team_id)}
    require(lead_worker_id, "Kies een hoofdbegeleider.", "lead_worker_id")
    require(lead_worker_id in team, "De hoofdbegeleider is geen lid van het team van het traject.", "lead_worker_id")
    if second_worker_id:
        require(second_worker_id != lead_worker_id,
                "De tweede begeleider moet iemand anders zijn dan de hoofdbegeleider.", "second_worker_id")
        require(second_worker_id in team, "De tweede begeleider is geen lid van het team van het traject.",
                "second_worker_id")


def decide_intake(t: Trajectory, user, decision: str, on: date, *, lead_worker_id: int | None = None,
                  second_worker_id: int | None = None, org_id: int | None = None, reason: str | None = None,
                  upbringing: str | None = None, life_events: str | None = None) -> None:
    """The intake decision on a waiting referral: ``start`` (clarifying talks, phase 2, with a lead and an
    optional second worker of the owning team), ``elders`` (referred to ``org_id``: calls
    ``hvhk_referral_recorded``) or ``geen_start`` (not started, ``reason`` required)."""
    _may_act(t, user)
    require(decision in DECISION_STATUS, "Kies een beslissing.", "decision")
    transition(t, "status", DECISION_STATUS[decision], FLOW, STATUS_LABELS)
    require(on >= t.referred_on, "De beslissing kan niet vóór de aanmelding liggen.", "decision_on")
    require(on <= date.today(), "Deze datum ligt in de toekomst.", "decision_on")
    t.decision, t.decision_on, t.decision_reason = decision, on, (reason or "").strip() or None
    t.upbringing, t.life_events = (upbringing or "").strip() or None, (life_events or "").strip() or None
    if decision == "start":
        _check_workers(t, lead_worker_id, second_worker_id)
        t.phase, t.phase2_on = 2, on
        t.lead_worker_id, t.second_worker_id = lead_worker_id, second_worker_id or None
    elif decision == "elders":
        require(org_id, "Kies de organisatie waarnaar je doorverwijst.", "decision_org_id")
        t.decision_org_id = org_id
        _referral_hook(t, user, org_id, on, False, "doorverwijzing bij intake")
    else:
        require(t.decision_reason, "Geef de reden waarom het traject niet start.", "decision_reason")
    _audit("update", "petra_trajectory", t.id, t, user, f"intake: {decision}")


def assign_workers(t: Trajectory, user, *, lead_worker_id: int, second_worker_id: int | None = None,
                   max_months: int) -> None:
    """Change the lead and second worker (members of the owning team) and the maximum duration."""
    _may_act(t, user)
    _check_workers(t, lead_worker_id, second_worker_id)
    require(1 <= max_months <= 24, "Kies tussen 1 en 24 maanden.", "max_months")
    t.lead_worker_id, t.second_worker_id, t.max_months = lead_worker_id, second_worker_id or None, max_months
    _audit("update", "petra_trajectory", t.id, t, user, "begeleiders, duur")


# --------------------------------------------------------------------------- roundtables and phases


def _roundtable_parties(participants: Iterable[str]) -> str:
    """The parties of a roundtable's contact: the school always, the child and parents when present."""
    return ",".join(sorted({p for p in participants if p in ("kind", "ouders")} | {"school"}))


def hold_roundtable(t: Trajectory, user, kind: str, held_on: date, *, participants: list[str], minutes: int = 120,
                    other_participants: str | None = None, agreements: str | None = None) -> Roundtable:
    """Register a roundtable that took place, with its contact of kind ``rondetafel``. The start roundtable is
    the start: status ``ongoing``, ``start_on`` and the engagement fee (its amount from the settings and the
    family's VT); the final evaluation moves the trajectory to phase 4."""
    _may_act(t, user)
    has_start = t.start_on is not None
    require(kind in labels(ROUNDTABLE_KINDS), "Kies een soort rondetafel.", "kind")
    require(t.status != "waiting", "Neem eerst de intakebeslissing (starten) voor je een rondetafel registreert.",
            "kind")
    require(t.status in ("clarifying", "ongoing"), "Dit traject loopt niet (meer): je kan geen rondetafel toevoegen.",
            "kind")
    require(not (kind == "start" and has_start), "Er is al een startrondetafel: het traject is al gestart.", "kind")
    require(kind == "start" or has_start, "De startrondetafel is het startpunt: registreer die eerst.", "kind")
    require(held_on >= t.referred_on, "De rondetafel kan niet vóór de aanmelding liggen.", "held_on")
    require(not has_start or held_on >= t.start_on, "Deze rondetafel ligt vóór de startrondetafel.", "held_on")
    require(held_on <= date.today(), "Een rondetafel registreer je na afloop: de datum ligt in de toekomst.",
            "held_on")
    require(participants, "Een rondetafel zonder deelnemers kan niet: duid aan wie aanwezig was.", "participants")
    r = Roundtable(trajectory_id=t.id, kind=kind, held_on=held_on, minutes=minutes,
                   participants=",".join(participants), other_participants=other_participants or None,
                   agreements=agreements or None)
    db.session.add(r)
    db.session.flush()
    db.session.add(Contact(trajectory_id=t.id, on_date=held_on, minutes=minutes, kind="rondetafel", place="school",
                           parties=_roundtable_parties(participants), roundtable_id=r.id, note=r.kind_label,
                           worker_id=user.id))
    if kind == "start":
        if t.status != "ongoing":
            transition(t, "status", "ongoing", FLOW, STATUS_LABELS)
        t.start_on = held_on
        if t.phase < 2:
            t.phase, t.phase2_on = 2, held_on
        if t.fee is None:
            has_vt = bool(t.family.has_vt)
            db.session.add(Fee(trajectory_id=t.id, amount=logic.fee_amount(has_vt, logic.load_settings()), vt=has_vt,
                               due_on=held_on))
    elif kind == "eind" and t.phase < 4:
        t.phase, t.phase4_on = 4, held_on
    _audit("create", "petra_roundtable", r.id, t, user, kind)
    return r


def edit_roundtable(t: Trajectory, r: Roundtable, user, *, minutes: int, participants: list[str],
                    other_participants: str | None = None, agreements: str | None = None) -> None:
    """Complete a roundtable afterwards (kind and date stay); its contact follows the duration and parties."""
    _may_act(t, user)
    require(r.trajectory_id == t.id, "Deze rondetafel hoort niet bij dit traject.")
    require(participants, "Een rondetafel zonder deelnemers kan niet: duid aan wie aanwezig was.", "participants")
    r.minutes, r.participants = minutes, ",".join(participants)
    r.other_participants, r.agreements = other_participants or None, agreements or None
    c = db.session.scalar(select(Contact).where(Contact.roundtable_id == r.id))
    if c is not None:
        c.minutes, c.parties = minutes, _roundtable_parties(participants)
    _audit("update", "petra_roundtable", r.id, t, user)


def change_phase(t: Trajectory, user, phase: int, on: date) -> None:
    """Move a running trajectory to phase 3 (support) or 4 (evaluation and closure) from ``on``."""
    _may_act(t, user)
    require(t.status == "ongoing", "Fase niet gewijzigd: het traject loopt niet.", "phase")
    require(phase in (3, 4), "Fase niet gewijzigd: kies fase 3 of 4.", "phase")
    require(not t.start_on or on >= t.start_on, "Fase niet gewijzigd: de datum ligt vóór de start.", "on")
    t.phase = phase
    if phase == 3:
        t.phase3_on = on
    else:
        t.phase4_on = on
    _audit("update", "petra_trajectory", t.id, t, user, f"fase {phase}")


# --------------------------------------------------------------------------- contacts


def _contact_rules(t: Trajectory, on_date: date, parties: list[str]) -> None:
    """A contact (new or corrected) lies between the referral and the closure, not in the future, with parties."""
    require(on_date >= t.referred_on, f"Een contact kan niet vóór de aanmelding liggen ({format_date(t.referred_on)}).",
            "on_date")
    require(not t.closed_on or on_date <= t.closed_on,
            f"Het traject is afgerond op {format_date(t.closed_on)}: het contact ligt later.", "on_date")
    require(on_date <= date.today(), "Een contact kan niet in de toekomst liggen.", "on_date")
    require(parties, "Duid aan wie deelnam (kind, ouders en/of school).", "parties")


def add_contact(t: Trajectory, user, *, on_date: date, minutes: int, kind: str, place: str, parties: list[str],
                note: str | None = None) -> Contact:
    """A contact with the child, parents or school (between the referral and the closure, not in the
    future, never on a trajectory that did not start)."""
    _may_act(t, user)
    require(t.status not in ENDED, "Dit traject is niet gestart: je kan geen contacten meer toevoegen.")
    require(kind in labels(CONTACT_KINDS), "Kies een soort contact.", "kind")
    _contact_rules(t, on_date, parties)
    c = Contact(trajectory_id=t.id, on_date=on_date, minutes=minutes, kind=kind, place=place,
                parties=",".join(parties), note=note or None, worker_id=user.id)
    db.session.add(c)
    db.session.flush()
    _audit("create", "petra_contact", c.id, t, user)
    return c


def delete_contact(t: Trajectory, c: Contact, user) -> None:
    """Remove a contact entered by mistake; a roundtable's own contact goes with the roundtable only."""
    _may_act(t, user)
    require(c.trajectory_id == t.id, "Dit contact hoort niet bij dit traject.")
    require(c.roundtable_id is None, "Dit contact hoort bij een rondetafel en kan hier niet verwijderd worden.")
    contact_id = c.id
    db.session.delete(c)
    _audit("delete", "petra_contact", contact_id, t, user)


def correct_contact(t: Trajectory, c: Contact, user, *, on_date: date, minutes: int, kind: str, place: str,
                    parties: list[str], note: str | None = None) -> list[str]:
    """Correct a contact: the version as it was is kept (``ContactVersion``, shown as history), the contact
    gets the new values; the same date rules as a new contact. A roundtable's contact follows its roundtable.
    Returns the fields that changed (nothing is stored when none did)."""
    _may_act(t, user)
    require(c.trajectory_id == t.id, "Dit contact hoort niet bij dit traject.")
    require(c.roundtable_id is None, "Dit contact hoort bij een rondetafel: verbeter de rondetafel zelf.")
    require(kind in labels(CONTACT_KINDS), "Kies een soort contact.", "kind")
    require(place in labels(PLACES), "Kies een plaats.", "place")
    _contact_rules(t, on_date, parties)
    new = dict(on_date=on_date, minutes=minutes, kind=kind, place=place, parties=",".join(parties),
               note=(note or "").strip() or None)
    changed = [k for k, v in new.items() if getattr(c, k) != v]
    if not changed:
        return []
    db.session.add(ContactVersion(contact_id=c.id, version=c.version, on_date=c.on_date, minutes=c.minutes,
                                  kind=c.kind, place=c.place, parties=c.parties, note=c.note, replaced_by_id=user.id))
    for k, v in new.items():
        setattr(c, k, v)
    _audit("update", "petra_contact", c.id, t, user, "verbeterd: " + ",".join(changed))
    return changed


# --------------------------------------------------------------------------- partnership plan


def plan_shape(t: Trajectory, user, *, form: str | None, intensity: str | None) -> None:
    """The trajectory's form (individual, group or both) and intensity, as the partnership plan sets them."""
    _may_act(t, user)
    require(not form or form in labels(PLAN_FORMS), "Kies de vorm van het traject.", "plan_form")
    require(not intensity or intensity in labels(PLAN_INTENSITIES), "Kies de intensiteit.", "plan_intensity")
    t.plan_form, t.plan_intensity = form or None, intensity or None
    _audit("update", "petra_trajectory", t.id, t, user, "vorm en intensiteit")


def action_status(t: Trajectory, a: PlanAction, user, *, status: str, due_on: date | None) -> None:
    """The status (to do, busy, done, dropped) and due date of a plan action."""
    _may_act(t, user)
    require(a.goal.trajectory_id == t.id, "Deze actie hoort niet bij dit traject.")
    require(status in labels(ACTION_STATUSES), "Kies een status.", "status")
    require(due_on is None or due_on >= t.referred_on, "De deadline ligt vóór de aanmelding.", "due_on")
    a.status, a.due_on = status, due_on
    _audit("update", "petra_plan_goal", a.goal_id, t, user, f"actie {a.id}: {status}")


def _goal_of(t: Trajectory, g: PlanGoal) -> None:
    require(g.trajectory_id == t.id, "Dit doel hoort niet bij dit traject.")


def plan_goal(t: Trajectory, user, *, party: str, goal: str, action: str | None = None,
              who: str | None = None) -> PlanGoal:
    """A positively phrased goal of the partnership plan for the child, the parents or the school, with an
    optional first action."""
    _may_act(t, user)
    require(party in labels(GOAL_PARTIES), "Kies voor wie het doel is.", "party")
    require((goal or "").strip(), "Vul het doel in.", "goal")
    g = PlanGoal(trajectory_id=t.id, party=party, goal=goal.strip())
    if action and action.strip():
        g.actions.append(PlanAction(description=action.strip(), who=who or None))
    db.session.add(g)
    db.session.flush()
    _audit("create", "petra_plan_goal", g.id, t, user)
    return g


def plan_action(t: Trajectory, g: PlanGoal, user, *, description: str, who: str | None = None,
                due_on: date | None = None) -> PlanAction:
    """An action towards a goal, with who does it and an optional due date (status: to do)."""
    _may_act(t, user)
    _goal_of(t, g)
    require((description or "").strip(), "Actie niet opgeslagen: vul de actie in.", "description")
    require(due_on is None or due_on >= t.referred_on, "De deadline ligt vóór de aanmelding.", "due_on")
    a = PlanAction(description=description.strip(), who=who or None, due_on=due_on, status="todo")
    g.actions.append(a)
    _audit("update", "petra_plan_goal", g.id, t, user, "actie")
    return a


def evaluate_goal(t: Trajectory, g: PlanGoal, user, *, moment: str, result: str, note: str | None = None) -> None:
    """The interim or final evaluation of a goal: not, partly or fully reached, with a note."""
    _may_act(t, user)
    _goal_of(t, g)
    require(moment in ("interim", "final"), "Kies het moment van de evaluatie.", "moment")
    require(result in labels(EVALUATIONS[1:]), "Evaluatie niet opgeslagen: kies een resultaat.", "result")
    if moment == "interim":
        g.interim, g.interim_note = result, note or None
    else:
        g.final, g.final_note = result, note or None
    _audit("update", "petra_plan_goal", g.id, t, user, f"evaluatie {moment}")


def delete_goal(t: Trajectory, g: PlanGoal, user) -> None:
    """Remove a goal (and its actions) from the plan."""
    _may_act(t, user)
    _goal_of(t, g)
    goal_id = g.id
    db.session.delete(g)
    _audit("delete", "petra_plan_goal", goal_id, t, user)


# --------------------------------------------------------------------------- SDQ


def record_sdq(t: Trajectory, user, *, informant: str, moment: str, taken_on: date,
               scores: Mapping[str, int]) -> SdqResult:
    """The five subscale scores (0-10) of one informant at one moment; a second entry for the same informant
    and moment replaces the first. The total difficulties score is computed; the child's own report needs
    the child to be 11 on ``taken_on``."""
    _may_act(t, user)
    require(informant in labels(INFORMANTS), "Kies een informant.", "informant")
    require(moment in labels(MOMENTS), "Kies een moment.", "moment")
    require(taken_on >= t.referred_on, "De SDQ kan niet vóór de aanmelding afgenomen zijn.", "taken_on")
    require(taken_on <= date.today(), "Deze datum ligt in de toekomst.", "taken_on")
    age = t.child.age_on(taken_on) if t.child else None
    require(informant != "kind" or age is None or age >= 11,
            f"De zelfrapportage is er vanaf 11 jaar; het kind was {age}.", "informant")
    for key, _ in SDQ_SCALES:
        value = scores.get(key)
        require(value is not None and 0 <= value <= 10, "Een schaalscore ligt tussen 0 en 10.", key)
    existing = db.session.scalar(select(SdqResult).where(
        SdqResult.trajectory_id == t.id, SdqResult.informant == informant, SdqResult.moment == moment))
    res = existing or SdqResult(trajectory_id=t.id, informant=informant, moment=moment)
    res.taken_on = taken_on
    for key, _ in SDQ_SCALES:
        setattr(res, key, scores[key])
    res.total = logic.sdq_total(res.emotional, res.conduct, res.hyperactivity, res.peer)
    db.session.add(res)
    db.session.flush()
    _audit("update" if existing else "create", "petra_sdq", res.id, t, user)
    return res


# --------------------------------------------------------------------------- engagement fee


def _fee_of(t: Trajectory) -> Fee:
    require(t.fee is not None, "De engagementsbijdrage wordt aangemaakt bij de startrondetafel.")
    return t.fee


def pay_fee(t: Trajectory, user, *, paid_on: date, method: str, amount: Decimal | None = None) -> Fee:
    """Register the payment of the engagement fee (``amount`` defaults to the amount due)."""
    _may_act(t, user)
    f = _fee_of(t)
    require(paid_on, "Vul de datum van betaling in.", "paid_on")
    require(paid_on <= date.today(), "Deze datum ligt in de toekomst.", "paid_on")
    require(method in labels(PAY_METHODS), "Kies de betaalwijze.", "method")
    require(amount is None or 0 <= amount <= 1000, "Geef een bedrag tussen 0 en 1000 euro.", "paid_amount")
    f.paid_on, f.paid_amount, f.method = paid_on, amount or f.amount, method
    f.waived, f.waive_reason = False, None
    _audit("update", "petra_fee", f.id, t, user, "betaald")
    return f


def waive_fee(t: Trajectory, user, reason: str) -> Fee:
    """Waive the fee (it is never a barrier); the reason is required."""
    _may_act(t, user)
    f = _fee_of(t)
    require((reason or "").strip(), "Geef de reden van de kwijtschelding.", "waive_reason")
    f.waived, f.waive_reason = True, reason.strip()
    f.paid_on = f.paid_amount = f.method = None
    _audit("update", "petra_fee", f.id, t, user, "kwijtschelden")
    return f


def reopen_fee(t: Trajectory, user) -> Fee:
    """Put a paid or waived fee back to open."""
    _may_act(t, user)
    f = _fee_of(t)
    f.waived, f.waive_reason, f.paid_on, f.paid_amount, f.method = False, None, None, None, None
    _audit("update", "petra_fee", f.id, t, user, "open")
    return f


# --------------------------------------------------------------------------- closure


def close_trajectory(t: Trajectory, user, *, closed_on: date, reason: str, final_evaluation: str | None = None,
                     org_id: int | None = None, accompanied: bool = False) -> None:
    """Close a trajectory (clarifying or running) with a reason; phase 4 from the closure if not yet there. A
    referral to ``org_id`` (required for a guided referral) calls ``hvhk_referral_recorded``."""
    _may_act(t, user)
    require(t.status in FLOW and "closed" in FLOW[t.status], "Alleen een lopend traject kan afgerond worden.")
    require(reason in labels(CLOSURE_REASONS), "Kies de reden van afronding.", "closure_reason")
    require(closed_on >= (t.start_on or t.referred_on), "De afronding kan niet vóór de start van het traject liggen.",
            "closed_on")
    require(closed_on <= date.today(), "Deze datum ligt in de toekomst.", "closed_on")
    require(reason != "doorverwijzing" or org_id, "Kies de organisatie waarnaar je begeleid doorverwijst.",
            "closure_org_id")
    transition(t, "status", "closed", FLOW, STATUS_LABELS)
    t.closed_on, t.closure_reason, t.final_evaluation = closed_on, reason, final_evaluation or None
    t.closure_org_id, t.closure_accompanied = org_id or None, bool(accompanied)
    if t.phase < 4 or t.phase4_on is None:
        t.phase, t.phase4_on = 4, t.phase4_on or closed_on
    if t.closure_org_id:
        _referral_hook(t, user, t.closure_org_id, closed_on, t.closure_accompanied,
                       "begeleide doorverwijzing bij afronding" if accompanied else "doorverwijzing bij afronding")
    _audit("update", "petra_trajectory", t.id, t, user, "afronding")


# --------------------------------------------------------------------------- team meeting and supervision

OPEN_FOR_DECISIONS = ("waiting", "clarifying", "ongoing")


def _team_staff(team_id: int) -> dict[int, str]:
    """The active staff users of a team (members and managers; no partner users): id -> role."""
    return dict(db.session.execute(
        select(Membership.user_id, Membership.role).join(User, User.id == Membership.user_id)
        .where(Membership.team_id == team_id, User.active.is_(True), User.organisation_id.is_(None))).all())


def record_team_decision(t: Trajectory, user, *, decision: str, held_on: date, present_ids: Iterable[int],
                         note: str | None = None) -> TeamDecision:
    """The team's decision about a trajectory at the meeting of ``held_on`` (start, continue, change course,
    stop, refer; 000:952-955). The meeting of that day is created or found; who was present (staff of the
    trajectory's team) is stored on it. A closed trajectory takes no decision."""
    _may_act(t, user)
    require(t.status in OPEN_FOR_DECISIONS,
            f"Dit traject is {STATUS_LABELS.get(t.status, t.status).lower()}: er kan geen teambeslissing meer "
            "bij. Heropen het niet via het teamoverleg, maar registreer een nieuwe aanmelding.", "decision")
    require(decision in TEAM_DECISION_LABELS, "Kies een beslissing.", "decision")
    require(held_on <= date.today(), "Het overleg ligt in de toekomst: registreer een beslissing na het overleg.",
            "held_on")
    require(held_on >= t.referred_on, "Het overleg ligt vóór de aanmelding van dit traject.", "held_on")
    staff = _team_staff(t.team_id)
    present = sorted({int(i) for i in present_ids or []})
    require(present, "Duid aan wie aanwezig was op het overleg.", "present")
    require(all(i in staff for i in present), "Alleen medewerkers van het team kunnen aanwezig zijn.", "present")
    meeting = db.session.scalar(select(TeamMeeting).where(TeamMeeting.team_id == t.team_id,
                                                          TeamMeeting.held_on == held_on))
    if meeting is None:
        meeting = TeamMeeting(team_id=t.team_id, held_on=held_on, created_by_id=user.id)
        db.session.add(meeting)
    meeting.present = list(db.session.scalars(select(User).where(User.id.in_(present))))
    db.session.flush()
    d = TeamDecision(meeting_id=meeting.id, trajectory_id=t.id, decision=decision,
                     note=(note or "").strip() or None, created_by_id=user.id)
    db.session.add(d)
    db.session.flush()
    _audit("create", "petra_team_decision", d.id, t, user, decision)
    return d


def write_supervision(user, *, team_id: int, worker_id: int, held_on: date, notes: str) -> Supervision:
    """A manager's notes of a supervision session with a worker of a team they manage (000:957)."""
    require(team_id in user.managed_team_ids(), "Alleen een verantwoordelijke van het team schrijft supervisies.")
    require(_team_staff(team_id).get(worker_id) is not None, "Deze medewerker hoort niet bij het team.", "worker_id")
    require(held_on <= date.today(), "Een supervisie noteer je na afloop: de datum ligt in de toekomst.", "held_on")
    require((notes or "").strip(), "Vul de notities van de supervisie in.", "notes")
    s = Supervision(team_id=team_id, worker_id=worker_id, manager_id=user.id, held_on=held_on, notes=notes.strip())
    db.session.add(s)
    db.session.flush()
    audit.record("create", "petra_supervision", s.id, detail=f"medewerker {worker_id}", user_id=user.id)
    return s


# --------------------------------------------------------------------------- concerns about a child's safety


def may_see_concerns(t: Trajectory, user) -> bool:
    """Concerns are for the trajectory's workers and the managers of its team only (not the rest of the team,
    not an admin who is neither)."""
    return user.id in (t.lead_worker_id, t.second_worker_id) or t.team_id in user.managed_team_ids()


def _may_handle(t: Trajectory, user) -> None:
    require(may_see_concerns(t, user), "Alleen de begeleiders van het traject en de verantwoordelijken van het team "
                                       "behandelen een zorg over de veiligheid.")


def raise_concern(t: Trajectory, user, *, raised_on: date, description: str | None) -> Concern:
    """Record a concern about the child's safety (open until its decision step). Anyone of the owning team may
    raise one (a worker who notices something must be able to say so); reading it is for ``may_see_concerns``."""
    _may_act(t, user)
    require(raised_on >= t.referred_on, "Een zorg kan niet vóór de aanmelding liggen.", "raised_on")
    require(raised_on <= date.today(), "Deze datum ligt in de toekomst.", "raised_on")
    c = Concern(trajectory_id=t.id, raised_on=raised_on, raised_by_id=user.id,
                description=(description or "").strip() or None, status="open")
    db.session.add(c)
    db.session.flush()
    _audit("create", "petra_concern", c.id, t, user)
    return c


def concern_step(t: Trajectory, c: Concern, user, *, step: str, on_date: date, by_id: int | None = None,
                 outcome: str | None = None, note: str | None = None) -> ConcernStep:
    """A step of the plan (observe, consult, talk with the parents, decide), dated and by whom (a staff member
    of the team, default the user). Not before the concern, not in the future; the decision step needs an
    outcome (continue, involve a specialised service, report) and closes the concern."""
    _may_handle(t, user)
    require(c.trajectory_id == t.id, "Deze zorg hoort niet bij dit traject.")
    require(c.status == "open", "Over deze zorg is al beslist: ze is afgesloten.", "step")
    require(step in CONCERN_STEP_LABELS, "Kies een stap.", "step")
    require(on_date >= c.raised_on, f"Een stap kan niet vóór de zorg liggen ({format_date(c.raised_on)}).", "on_date")
    require(on_date <= date.today(), "Deze datum ligt in de toekomst.", "on_date")
    by_id = by_id or user.id
    require(by_id in _team_staff(t.team_id), "Kies een medewerker van het team.", "by_id")
    if step == "decide":
        require(outcome in CONCERN_OUTCOME_LABELS, "Kies wat er beslist is.", "outcome")
    else:
        outcome = None
    s = ConcernStep(concern_id=c.id, step=step, on_date=on_date, by_id=by_id, outcome=outcome,
                    note=(note or "").strip() or None)
    c.steps.append(s)
    if step == "decide":
        c.status, c.outcome, c.closed_on = "closed", outcome, on_date
    db.session.flush()
    _audit("update", "petra_concern", c.id, t, user, f"stap: {step}")
    return s


# --------------------------------------------------------------------------- settings


def save_settings(user, values: Mapping) -> list[str]:
    """Store PeTra's settings (admins and PeTra managers; keys of ``logic.DEFAULTS``, others are ignored, text
    is stripped); the changed keys. Audited by the core's store."""
    require(logic.SETTINGS.may_edit(user), "Alleen een beheerder of een PeTra-verantwoordelijke past de "
                                           "instellingen aan.")
    return logic.SETTINGS.save({key: value.strip() if isinstance(value, str) else value
                                for key, value in values.items() if key in logic.DEFAULTS}, user)


# --------------------------------------------------------------------------- the partner portal

PORTAL_FIELDS = ("school_id", "school_level", "school_year", "question", "indications", "contra_indications",
                 "problem_kinds", "risks")
REFERRER_KIND_OF_ORG = {"school": "school", "clb": "clb", "opvoedingswinkel": "opvoedingswinkel"}
NO_AGREEMENT = ("Aanmelden kan alleen met het akkoord van de ouders: PeTra werkt vrijwillig en vraagt hun "
                "engagement. Bespreek de aanmelding eerst met de ouders.")


def _partner_of(user, org: Organisation) -> None:
    require(user.is_partner and user.organisation_id == org.id, "Je kan alleen voor je eigen organisatie handelen.")


def submit_portal_referral(user, org: Organisation, values: Mapping, *, team_id: int,
                           warnings_confirmed: bool = False) -> PortalReferral:
    """A partner's referral through the portal, on ``team_id``'s waiting list ("via portaal"), and the team is
    told (``core.signals.referral_received``). ``values`` holds ``PORTAL_FIELDS``, the child (``given_name``,
    ``family_name``, ``birth_date``, ``municipality``), who refers (``referrer_name``, ``_role``, ``_phone``,
    ``_email``) and the parents' agreement (``parents_agreed`` True, ``parents_informed_by``): without the
    parents' agreement nothing is stored. Warnings (age, region) never block: the view asks to confirm them."""
    _partner_of(user, org)
    require(team_id in {t.id for t in queries.portal_team_choices()}, "Kies het PeTra-team.", "team_id")
    require(values.get("parents_agreed") is True, NO_AGREEMENT, "parents_agreed")
    require((values.get("parents_informed_by") or "").strip(),
            "Vul in wie de aanmelding met de ouders besproken heeft.", "parents_informed_by")
    for name, message in (("referrer_name", "Vul je naam in."), ("given_name", "Vul de voornaam van het kind in."),
                          ("family_name", "Vul de familienaam in."), ("municipality", "Vul de woonplaats in."),
                          ("question", "Beschrijf de hulpvraag.")):
        require((values.get(name) or "").strip(), message, name)
    birth_date = values.get("birth_date")
    require(birth_date is not None and birth_date <= date.today(), "Vul de geboortedatum in.", "birth_date")
    stored = _referral_values({k: values.get(k) for k in PORTAL_FIELDS})
    today = date.today()
    pr = PortalReferral(
        ref=queries.next_portal_ref(today.year), team_id=team_id, organisation_id=org.id, submitted_by_id=user.id,
        referred_on=today, parents_agreed=True, warnings_confirmed=bool(warnings_confirmed),
        parents_informed_by=values["parents_informed_by"].strip()[:200],
        **{k: ((values.get(k) or "").strip() or None) for k in ("referrer_name", "referrer_role", "referrer_phone",
                                                                  "referrer_email", "given_name", "family_name",
                                                                  "municipality")},
        birth_date=birth_date, **stored)
    pr.question = (values.get("question") or "").strip()
    db.session.add(pr)
    db.session.flush()
    audit.record("create", "petra_portal_referral", pr.id, detail="via partnerportaal", user_id=user.id)
    referral_received.send("petra", team_id=team_id, reference=pr.ref,
                           url=url_for("petra.portal_referral", referral_id=pr.id))
    return pr


def _pending(pr: PortalReferral, user) -> None:
    require(user.is_admin or pr.team_id in user.team_ids(), "Deze aanmelding is voor een ander team.")
    require(pr.status == "pending", "Deze aanmelding is al behandeld.")


def accept_portal_referral(pr: PortalReferral, user, *, child_id: int | None = None, family_id: int | None = None,
                           token: str | None = None) -> Trajectory:
    """Accept a portal referral into a family record: the child found through ``core.people.search``
    (``child_id``, ``family_id``, the search's ``token``) or, without ``child_id``, a new family with the
    child as the partner typed it. The trajectory lands on the waiting list with channel ``portaal``."""
    _pending(pr, user)
    org = pr.organisation
    contact = ", ".join(x for x in (pr.referrer_name, pr.referrer_role) if x) or None
    referral = {"referred_on": pr.referred_on, "referrer_kind": REFERRER_KIND_OF_ORG.get(org.kind, "hulpverlening"),
                "referrer_org_id": org.id, "referrer_contact": contact, "channel": "portaal",
                "school_id": pr.school_id, "school_level": pr.school_level, "school_year": pr.school_year,
                "question": pr.question, "indications": pr.indication_keys, "contra_indications": pr.contra_keys,
                "problem_kinds": pr.problem_kind_keys, "risks": pr.risk_keys}
    new_child = None if child_id else {"given_name": pr.given_name, "family_name": pr.family_name,
                                       "birth_date": pr.birth_date, "municipality": pr.municipality}
    t = register_referral(user, pr.team_id, referral, child_id=child_id, family_id=family_id, token=token,
                          new_child=new_child)
    pr.status, pr.trajectory_id, pr.decided_at, pr.decided_by_id = "accepted", t.id, utcnow(), user.id
    _audit("update", "petra_portal_referral", pr.id, t, user, "aanvaard")
    return t


def decline_portal_referral(pr: PortalReferral, user, reason: str) -> None:
    """Decline a portal referral with a reason the partner sees in the portal."""
    _pending(pr, user)
    require((reason or "").strip(), "Geef de reden: de partner ziet die.", "decline_reason")
    pr.status, pr.decline_reason = "declined", reason.strip()
    pr.decided_at, pr.decided_by_id = utcnow(), user.id
    audit.record("update", "petra_portal_referral", pr.id, detail="niet aanvaard", user_id=user.id)


def _open_for_partner(t: Trajectory, appointment) -> None:
    require(appointment.object_type == "petra_trajectory" and appointment.object_id == t.id,
            "Deze rondetafel hoort niet bij dit traject.")
    require(appointment.status == "planned", "Deze rondetafel is niet meer gepland.")
    require(appointment.starts_at > datetime.now(), "Deze rondetafel is al voorbij.")


def confirm_attendee(t: Trajectory, appointment, user, org: Organisation, *, name: str,
                     role: str) -> RoundtableAttendee:
    """A partner confirms that someone of its organisation attends a roundtable planned ahead (an appointment
    made by ``plan_roundtable``), audited with the family. The caller has checked the family's consent."""
    _partner_of(user, org)
    _open_for_partner(t, appointment)
    require((name or "").strip(), "Vul de naam in.", "name")
    require(role in labels(ROUNDTABLE_PARTICIPANTS) and role not in ("ouders", "kind"), "Kies een functie.", "role")
    name = name.strip()[:160]
    taken = db.session.scalars(select(RoundtableAttendee.name).where(
        RoundtableAttendee.appointment_id == appointment.id, RoundtableAttendee.organisation_id == org.id))
    require(name.lower() not in {n.lower() for n in taken}, f"{name} staat al op de lijst.", "name")
    a = RoundtableAttendee(appointment_id=appointment.id, organisation_id=org.id, name=name, role=role,
                           confirmed_by_id=user.id)
    db.session.add(a)
    db.session.flush()
    _audit("create", "petra_roundtable_attendee", a.id, t, user, f"afspraak {appointment.id}")
    return a


def remove_attendee(t: Trajectory, appointment, a: RoundtableAttendee, user, org: Organisation) -> None:
    _partner_of(user, org)
    _open_for_partner(t, appointment)
    require(a.appointment_id == appointment.id and a.organisation_id == org.id,
            "Deze deelnemer hoort niet bij je organisatie.")
    attendee_id = a.id
    db.session.delete(a)
    _audit("delete", "petra_roundtable_attendee", attendee_id, t, user, f"afspraak {appointment.id}")


__all__ = [
    "Refused", "action_status", "add_contact", "concern_step", "correct_contact", "plan_shape", "raise_concern",
    "record_team_decision", "write_supervision", "assign_workers", "change_phase", "close_trajectory", "decide_intake",
    "delete_contact", "delete_goal", "edit_referral", "edit_roundtable", "evaluate_goal", "hold_roundtable",
    "pay_fee", "plan_action", "plan_goal", "record_sdq", "register_referral", "reopen_fee", "save_settings",
    "waive_fee",
]


# --------------------------------------------------------------------------- roundtables planned ahead (the agenda)


def plan_roundtable(t: Trajectory, user, kind: str, starts_at, ends_at, *, place: str | None,
                    participants: list[str], other_participants: str | None = None, today: date | None = None):
    """Plan a roundtable ahead: an appointment (kind ``rondetafel``, reference the trajectory's number) for the
    user and the trajectory's workers. Holding it later (``hold_planned_roundtable``) records the roundtable."""
    from flask import url_for

    from core.agenda import plan_appointment

    _may_act(t, user)
    require(kind in labels(ROUNDTABLE_KINDS), "Kies een soort rondetafel.", "kind")
    require(t.status in ("clarifying", "ongoing"),
            "Plan een rondetafel voor een traject in vraagverheldering of ondersteuning.", "kind")
    require(not (kind == "start" and t.start_on is not None), "Er is al een startrondetafel: het traject is al "
            "gestart.", "kind")
    require(starts_at.date() >= (today or date.today()),
            "Deze datum is voorbij: registreer een rondetafel die al plaatsvond via 'Rondetafel registreren'.", "day")
    require(participants, "Duid aan wie je uitnodigt.", "participants")
    lab = labels(ROUNDTABLE_PARTICIPANTS)
    external = ", ".join([lab.get(k, k) for k in participants] + ([other_participants] if other_participants else []))
    workers = {i for i in (t.lead_worker_id, t.second_worker_id) if i}
    a = plan_appointment(user, kind="rondetafel", starts_at=starts_at, ends_at=ends_at, place=place,
                         participant_ids=workers, external_participants=external[:300],
                         title=labels(ROUNDTABLE_KINDS)[kind], family_id=t.family_id, plugin="petra",
                         object_type="petra_trajectory", object_id=t.id, reference=t.ref, subkind=kind)
    a.object_url = url_for("petra.roundtable", trajectory_id=t.id, afspraak=a.id)
    return a  # audited by the core as an "appointment" with the family


def planned_roundtable(t: Trajectory, appointment_id: int | None):
    """The planned roundtable (an appointment) of this trajectory with this id, or None."""
    from core.work import Appointment

    if appointment_id is None:
        return None
    a = db.session.get(Appointment, appointment_id)
    if a is None or a.object_type != "petra_trajectory" or a.object_id != t.id or a.status != "planned":
        return None
    return a


def planned_participants(appointment) -> list[str]:
    """The invited parties of a planned roundtable (their keys), read back from the appointment."""
    keys = {label: key for key, label in ROUNDTABLE_PARTICIPANTS}
    return [keys[p.strip()] for p in (appointment.external_participants or "").split(",") if p.strip() in keys]


def hold_planned_roundtable(t: Trajectory, user, appointment, kind: str, held_on: date, **details) -> Roundtable:
    """Record a planned roundtable that took place: the roundtable (``hold_roundtable``) and, on the
    appointment, its real date and a link to the roundtable."""
    from flask import url_for

    from core.agenda import mark_held

    r = hold_roundtable(t, user, kind, held_on, **details)
    mark_held(appointment, user, held_on=held_on, object_type="petra_roundtable", object_id=r.id)
    appointment.object_url = url_for("petra.show", trajectory_id=t.id)
    return r

__all__ += ["accept_portal_referral", "confirm_attendee", "decline_portal_referral", "hold_planned_roundtable",
            "plan_roundtable", "planned_roundtable", "remove_attendee", "submit_portal_referral"]
