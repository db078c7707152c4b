"""Pages of the PeTra plugin: referral, waiting list, intake, trajectory, contacts, roundtables, plan,
SDQ, fee, closure, team meeting and settings. Each binds a form, calls one operation (``operations.py``,
inside ``conflict_safe``) or query (``queries.py``) and renders."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core import audit, people
from core.access import require_family
from core.extensions import db
from core.formatting import format_date
from core.forms import conflict_safe
from core.models import Organisation
from core.operations import Refused
from core.params import arg_bool, arg_choice, arg_id, arg_int, arg_str
from core.people import PersonCard
from core.plugins import team_ids_for, teams_for
from core.ui import confirm_first, render, row_urls, wants_fragment
from core.vocabulary import TEAM_DECISION_LABELS

from . import logic, operations, queries
from .access import get_trajectory, owns
from .forms import (
    ActionForm,
    ActionStatusForm,
    ClosureForm,
    ContactEditForm,
    ContactForm,
    DecisionForm,
    EvaluationForm,
    FeeForm,
    GoalForm,
    PhaseForm,
    PlanShapeForm,
    ReferralEditForm,
    ReferralForm,
    RoundtableEditForm,
    RoundtableForm,
    RoundtablePlanForm,
    SdqForm,
    WorkersForm,
)
from .models import (
    CHANNELS,
    CLOSURE_REASONS,
    CONTACT_KINDS,
    CONTRA_INDICATIONS,
    DECISIONS,
    INDICATIONS,
    INFORMANTS,
    REFERRER_KINDS,
    SDQ_SCALES,
    STATUSES,
    Contact,
    PlanAction,
    PlanGoal,
    Roundtable,
    Trajectory,
    labels,
)

bp = Blueprint("petra", __name__, url_prefix="/petra", template_folder="templates")
PAGE_SIZE = 25
VOCAB = {"referrer": labels(REFERRER_KINDS), "channel": labels(CHANNELS), "decision": labels(DECISIONS),
         "closure": labels(CLOSURE_REASONS)}
NO_SCHOOL = "— geen / onbekend —"


def _to_show(t: Trajectory):
    return redirect(url_for("petra.show", trajectory_id=t.id))


def _answer(save, message, template: str, t: Trajectory, **ctx):
    """After a save: flash ``message`` (or what the function ``message`` says after the commit) and go back to
    the trajectory; otherwise the form page again, with 409/422 after a conflict or a refusal."""
    if save.saved:
        flash(message() if callable(message) else message, "success")
        return _to_show(t)
    return render_template(template, t=t, **ctx), save.status


def _row_of(t: Trajectory, model, row_id: int):
    """The row ``row_id`` of ``model`` (a contact, roundtable, goal...) when it belongs to ``t``; 404 otherwise."""
    row = db.session.get(model, row_id)
    if row is None or row.trajectory_id != t.id:
        abort(404)
    return row


def _post_and_back(back, form, invalid: str, change, done, *, check=None, errors: bool = False):
    """A small POST that returns to a page (``back``, a redirect): when ``form`` (``None``: no form) does not
    validate, flash ``invalid`` (followed by the form's errors with ``errors``); otherwise run ``change()``
    in ``conflict_safe`` (checking the form's version against the record ``check``) and flash ``done`` (or
    what the function ``done`` says after the commit)."""
    if form is not None and not form.validate():
        found = " ".join(e for errs in form.errors.values() for e in errs) if errors else ""
        flash(invalid + found, "error")
        return back
    with conflict_safe(form, flash_message=True) as save:
        if check is not None:
            save.check(check)
        change()
    if save.saved:
        flash(done() if callable(done) else done, "success")
    return back


def _worker_fields(form, team_id: int) -> None:
    form.lead_worker_id.choices = queries.worker_choices(team_id)
    form.second_worker_id.choices = form.lead_worker_id.choices


# --------------------------------------------------------------------------- lists


@bp.get("/")
def index():
    status = arg_choice("status", ["actief", "alle", *labels(STATUSES)], "actief")
    page = queries.trajectories(team_ids_for(), status)
    settings = logic.load_settings()
    durations = {t.id: logic.duration_of(t, settings) for t in page.items}
    audit.record_list_read("petra_trajectory", [(t.family_id, t.id) for t in page.items], detail="lijst: trajecten")
    return render_template("petra/index.html", page=page, status=status, statuses=STATUSES, durations=durations)


@bp.get("/wachtlijst")
def waiting_list():
    page = queries.waiting_list(team_ids_for())
    offset = (page.number - 1) * PAGE_SIZE
    audit.record_list_read("petra_trajectory", [(t.family_id, t.id) for t in page.items], detail="lijst: wachtlijst")
    portal = queries.pending_portal_referrals(team_ids_for())
    for pr in portal:  # not yet in a family record: logged without a family
        audit.record_read("petra_portal_referral", pr.id, detail="lijst: wachtlijst")
    return render_template("petra/waiting_list.html", page=page, today=date.today(), offset=offset, portal=portal)


# --------------------------------------------------------------------------- referral


def _referral_form() -> ReferralForm:
    form = ReferralForm()
    form.team_id.choices = [(t.id, t.name) for t in teams_for()]
    form.referrer_org_id.choices = queries.organisation_choices()
    form.school_id.choices = queries.organisation_choices(("school",), NO_SCHOOL)
    return form


def _find_children(query: str, birth_year: int | None) -> list[PersonCard]:
    """Children found by name through the core (directory facts; details only where the team is involved)."""
    return people.search(current_user, query, birth_year=birth_year, roles=("kind",), per_page=10,
                         purpose="PeTra-aanmelding: kind zoeken").items


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _chosen_child(form: ReferralForm) -> PersonCard | None:
    """The child chosen on the form, through the core: with details only when one of the user's teams is
    involved with the household; at directory level with the search's token; otherwise refused (403, logged)."""
    child_id = _int(form.child_id.data)
    if child_id is None:
        return None
    return people.card(current_user, child_id, _int(form.family_id.data), token=form.sleutel.data or None,
                       roles=("kind",), purpose="PeTra-aanmelding")


def _form_warnings(form: ReferralForm, chosen: PersonCard | None, settings) -> list[str]:
    """Warnings from what was typed; a chosen child's school and age count only when the team may see them."""
    details = chosen.details if chosen else None
    school = db.session.get(Organisation, form.school_id.data) if form.school_id.data else None
    if school is None and details is not None and details.school_id:
        school = db.session.get(Organisation, details.school_id)
    level = form.school_level.data or (details.school_level if details else None)
    year = form.school_year.data if form.school_year.data is not None else (details.school_year if details else None)
    if chosen is None:
        birth_date = form.birth_date.data
    else:
        birth_date = details.birth_date if details else None
    return logic.referral_warnings(
        school_level=level, school_year=year, birth_date=birth_date,
        home_municipality=chosen.municipality if chosen else form.municipality.data,
        school_municipality=school.municipality if school else None,
        contra=form.contra_indications.data or [], settings=settings, on=form.referred_on.data,
        safety=bool(form.safety_concern.data))


def _referral_of(form) -> dict:
    values = {name: form[name].data for name in operations.REFERRAL_FIELDS}
    if "safety_concern" in form:
        values["safety_concern"] = bool(form.safety_concern.data)
    return values


@bp.route("/aanmelding", methods=["GET", "POST"])
def referral():
    teams = teams_for()
    if not teams:
        abort(404)
    form = _referral_form()
    settings = logic.load_settings()
    if request.method == "GET":
        form.referred_on.data = date.today()
        form.team_id.data = teams[0].id
        form.indications.data = []
        form.contra_indications.data = []
        form.problem_kinds.data, form.risks.data = [], []
        if arg_id("kind"):
            form.child_id.data = str(arg_id("kind"))
            form.family_id.data = str(arg_id("gezin") or "")
            form.sleutel.data = arg_str("sleutel", max_len=300)
    chosen = _chosen_child(form)
    if chosen is not None:  # the household actually chosen (a child may belong to two)
        form.child_id.data, form.family_id.data = str(chosen.person_id), str(chosen.family_id)
    if request.method == "GET" and chosen is not None and chosen.details is not None:
        form.school_id.data = chosen.details.school_id or 0
        form.school_level.data = chosen.details.school_level or ""
        form.school_year.data = chosen.details.school_year
    query = arg_str("zoek", max_len=100)
    birth_year = arg_int("geboortejaar", None, min=1900, max=2199)
    results = _find_children(query, birth_year) if query else []
    save = conflict_safe(form)
    if form.validate_on_submit():
        if form.child_id.data and chosen is None:
            form.given_name.errors.append("Het gekozen kind is niet gevonden.")
        else:
            with save:
                new_child = None if chosen else {name: form[name].data for name in
                                                 ("given_name", "family_name", "birth_date", "municipality")}
                t = operations.register_referral(
                    current_user, form.team_id.data, _referral_of(form), new_child=new_child,
                    child_id=chosen.person_id if chosen else None, family_id=chosen.family_id if chosen else None,
                    token=form.sleutel.data or None)
                warnings = logic.trajectory_referral_warnings(t, settings, safety=bool(form.safety_concern.data))
            if save.saved:
                flash(f"Aanmelding {t.ref} geregistreerd en op de wachtlijst gezet.", "success")
                for w in warnings:
                    flash("Let op: " + w, "warning")
                return _to_show(t)
    warnings = _form_warnings(form, chosen, settings) if request.method == "POST" else []
    return render_template("petra/referral.html", form=form, chosen=chosen, query=query, results=results,
                           birth_year=birth_year, warnings=warnings, indications=INDICATIONS,
                           contra=CONTRA_INDICATIONS), save.status


@bp.post("/aanmelding/controle")
def referral_check():
    """htmx: the warnings for the referral as typed so far (never blocking)."""
    form = _referral_form()
    form.validate()
    warnings = _form_warnings(form, _chosen_child(form), logic.load_settings())
    return render(None, "petra/_warnings.html", title="Controle van de aanmelding", warnings=warnings, empty_ok=True)


@bp.route("/traject/<int:trajectory_id>/aanmelding", methods=["GET", "POST"])
def edit_referral(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="aanmelding bewerken")
    form = ReferralEditForm(obj=t if request.method == "GET" else None)
    form.referrer_org_id.choices = queries.organisation_choices()
    form.school_id.choices = queries.organisation_choices(("school",), NO_SCHOOL)
    if request.method == "GET":
        form.version.data = t.version
        form.referrer_org_id.data = t.referrer_org_id or 0
        form.school_id.data = t.school_id or 0
        form.school_level.data = t.school_level or ""
        form.indications.data = t.indication_keys
        form.contra_indications.data = t.contra_keys
        form.problem_kinds.data, form.risks.data = t.problem_kind_keys, t.risk_keys
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(t)
            operations.edit_referral(t, current_user, _referral_of(form))
    return _answer(save, "Aanmelding bijgewerkt.", "petra/referral_edit.html", t, form=form)


# --------------------------------------------------------------------------- the trajectory page


def _contacts_context(t: Trajectory, settings, form: ContactForm | None = None, warnings=None, show_all=False):
    contacts, more, corrected = queries.contacts_of(t.id, show_all=show_all)
    # per kind from the start on, and the intake's talks (always shown, never toward the norms)
    counts, clarifying = queries.contact_tallies(t)
    if form is None:
        form = ContactForm(formdata=None)
        form.on_date.data = date.today()
        form.minutes.data = 60
    return dict(t=t, contacts=contacts, more=more, norms=logic.norm_progress(counts, settings), contact_form=form,
                contact_warnings=warnings or [], clarifying=clarifying,
                can_add_contact=t.status not in operations.ENDED, corrected=corrected,
                correct_url=row_urls("petra.correct_contact", "contact_id", trajectory_id=t.id),
                delete_url_of=row_urls("petra.delete_contact", "contact_id", trajectory_id=t.id))


@bp.get("/traject/<int:trajectory_id>")
def show(trajectory_id: int):
    t = get_trajectory(trajectory_id)
    settings = logic.load_settings()
    sdqs = queries.sdqs_of(t.id)
    ctx = _contacts_context(t, settings, show_all=arg_bool("alle"))
    clar_warn = logic.clarifying_warning(ctx["clarifying"], settings) if ctx["clarifying"] and t.start_on is None else []
    phase_form = PhaseForm(formdata=None)
    phase_form.version.data = t.version
    phase_form.on.data = date.today()
    may_see_concerns = operations.may_see_concerns(t, current_user)
    planned = queries.planned_roundtables(t.id)
    n_goals, open_concerns = queries.page_counts(t.id, concerns=may_see_concerns)
    return render_template(
        "petra/show.html", duration=logic.duration_of(t, settings),
        group=queries.group_part(t, settings, date.today()), decisions=queries.decisions_of(t.id, limit=5),
        may_see_concerns=may_see_concerns, open_concerns=open_concerns,
        referral_warnings=logic.trajectory_referral_warnings(t, settings), clar_warn=clar_warn,
        roundtables=queries.roundtables_of(t.id), planned=planned, sdqs=sdqs, n_goals=n_goals, phase_form=phase_form,
        bands={s.id: logic.sdq_band(s.total, s.informant, settings) for s in sdqs},
        indication_labels=labels(INDICATIONS), contra_labels=labels(CONTRA_INDICATIONS), vocab=VOCAB, **ctx,
        **_portal_context(planned))


def _portal_context(planned) -> dict:
    from .portal_staff import portal_context

    return portal_context(planned)


@bp.post("/traject/<int:trajectory_id>/contact")
def add_contact(trajectory_id: int):
    t = get_trajectory(trajectory_id, read=False)
    settings = logic.load_settings()
    form = ContactForm()
    warnings: list[str] = []
    ok = form.validate()
    if ok:
        with conflict_safe(form) as save:
            c = operations.add_contact(t, current_user, on_date=form.on_date.data, minutes=form.minutes.data,
                                       kind=form.kind.data, place=form.place.data, parties=form.parties.data,
                                       note=form.note.data)
            if t.start_on is None or c.on_date < t.start_on:
                warnings = logic.clarifying_warning(queries.clarifying_counts(t), settings)
        ok = save.saved
    if ok:
        form = None
        if not wants_fragment():
            flash("Contact opgeslagen.", "success")
            for w in warnings:
                flash(w, "warning")
            return _to_show(t)
    audit.record_read("petra_trajectory", t.id, family_id=t.family_id, detail="contacten")
    ctx = _contacts_context(t, settings, form=form, warnings=warnings)
    # 200 also after a refusal: htmx swaps only a 2xx answer, and the fragment carries the messages
    return render("petra/contact_page.html", "petra/_contacts.html", saved=ok, **ctx)


@bp.route("/traject/<int:trajectory_id>/contact/<int:contact_id>/verbeteren", methods=["GET", "POST"])
def correct_contact(trajectory_id: int, contact_id: int):
    """Correct a contact; the previous versions stay visible below the form (audited like the trajectory)."""
    t = get_trajectory(trajectory_id, what="contact verbeteren")
    c = _row_of(t, Contact, contact_id)
    form = ContactEditForm(obj=c if request.method == "GET" else None)
    if request.method == "GET":
        form.parties.data = c.party_keys
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(c)
            changed = operations.correct_contact(t, c, current_user, on_date=form.on_date.data,
                                                 minutes=form.minutes.data, kind=form.kind.data,
                                                 place=form.place.data, parties=form.parties.data,
                                                 note=form.note.data)
        if save.saved:
            flash("Contact verbeterd; de vorige versie blijft zichtbaar." if changed else "Niets gewijzigd.",
                  "success")
            return _to_show(t)
    return render_template("petra/contact_edit.html", t=t, c=c, form=form,
                           history=queries.contact_history(c.id)), save.status


@bp.post("/traject/<int:trajectory_id>/contact/<int:contact_id>/verwijderen")
def delete_contact(trajectory_id: int, contact_id: int):
    """Remove a contact entered by mistake (a roundtable's own contact goes with the roundtable only)."""
    t = get_trajectory(trajectory_id, read=False)
    c = _row_of(t, Contact, contact_id)
    if c.roundtable_id is None:  # a roundtable's contact is refused below, without asking first
        asked = confirm_first(
            title="Contact verwijderen", question=f"Het contact van {format_date(c.on_date)} verwijderen?",
            explanation="Alleen voor een contact dat per vergissing werd ingevoerd: het telt dan niet meer mee in "
                        "de uren en de kostprijs. Het logboek houdt bij wie het verwijderde.",
            confirm_label="Ja, verwijderen", cancel_url=url_for("petra.show", trajectory_id=t.id) + "#petra-contacts")
        if asked:
            return asked
    message = None
    try:
        operations.delete_contact(t, c, current_user)
        db.session.commit()
    except Refused as refused:
        db.session.rollback()
        message = refused.message
    if not wants_fragment():
        flash(message or "Contact verwijderd.", "error" if message else "success")
        return _to_show(t)
    audit.record_read("petra_trajectory", t.id, family_id=t.family_id, detail="contacten")
    ctx = _contacts_context(t, logic.load_settings(), warnings=[message] if message else [])
    return render_template("petra/_contacts.html", **ctx)


# --------------------------------------------------------------------------- intake decision and workers


@bp.route("/traject/<int:trajectory_id>/beslissing", methods=["GET", "POST"])
def decision(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="intake")
    if t.status != "waiting":
        flash("Voor dit traject is de intakebeslissing al genomen.", "warning")
        return _to_show(t)
    form = DecisionForm()
    _worker_fields(form, t.team_id)
    form.decision_org_id.choices = queries.organisation_choices()
    if request.method == "GET":
        form.version.data = t.version
        form.decision_on.data = date.today()
        form.lead_worker_id.data = current_user.id if current_user.id in dict(form.lead_worker_id.choices) else 0
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(t)
            operations.decide_intake(t, current_user, form.decision.data, form.decision_on.data,
                                     lead_worker_id=form.lead_worker_id.data or None,
                                     second_worker_id=form.second_worker_id.data or None,
                                     org_id=form.decision_org_id.data or None, reason=form.decision_reason.data,
                                     upbringing=form.upbringing.data, life_events=form.life_events.data)
    return _answer(save, "Intakebeslissing opgeslagen.", "petra/decision.html", t, form=form)


@bp.route("/traject/<int:trajectory_id>/begeleiders", methods=["GET", "POST"])
def workers(trajectory_id: int):
    """Change the lead and second worker, or the maximum duration of this trajectory."""
    t = get_trajectory(trajectory_id, what="begeleiders")
    form = WorkersForm()
    _worker_fields(form, t.team_id)
    if request.method == "GET":
        form.version.data = t.version
        form.lead_worker_id.data = t.lead_worker_id or 0
        form.second_worker_id.data = t.second_worker_id or 0
        form.max_months.data = t.max_months
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(t)
            operations.assign_workers(t, current_user, lead_worker_id=form.lead_worker_id.data,
                                      second_worker_id=form.second_worker_id.data or None,
                                      max_months=form.max_months.data)
    return _answer(save, "Begeleiders en duur opgeslagen.", "petra/workers.html", t, form=form)


# --------------------------------------------------------------------------- roundtables and phase


@bp.route("/traject/<int:trajectory_id>/rondetafel", methods=["GET", "POST"])
def roundtable(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="rondetafels")
    form = RoundtableForm()
    planned = operations.planned_roundtable(t, arg_id("afspraak"))  # holding a roundtable planned ahead
    if request.method == "GET":
        form.kind.data = arg_choice("soort", form.kind.choices, None) or ("tussentijds" if t.start_on else "start")
        form.held_on.data = date.today()
        form.participants.data = ["directie", "klasleerkracht", "clb", "ouders"]
        if planned is not None:
            form.kind.data = planned.subkind or form.kind.data
            form.participants.data = operations.planned_participants(planned) or form.participants.data
            form.held_on.data = min(planned.starts_at.date(), date.today())
            form.minutes.data = max(15, min(480, int((planned.ends_at - planned.starts_at).total_seconds() // 60)))
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            details = dict(participants=form.participants.data, minutes=form.minutes.data,
                           other_participants=form.other_participants.data, agreements=form.agreements.data)
            if planned is not None:
                r = operations.hold_planned_roundtable(t, current_user, planned, form.kind.data, form.held_on.data,
                                                       **details)
            else:
                r = operations.hold_roundtable(t, current_user, form.kind.data, form.held_on.data, **details)
        if save.saved:
            flash(f"{r.kind_label} opgeslagen." + (" Het traject is gestart." if r.kind == "start" else ""), "success")
            return _to_show(t)
    return render_template("petra/roundtable.html", t=t, form=form, planned=planned,
                           roundtables=queries.roundtables_of(t.id)), save.status


@bp.route("/traject/<int:trajectory_id>/rondetafel/plannen", methods=["GET", "POST"])
def plan_roundtable(trajectory_id: int):
    """Plan a roundtable ahead: it lands in the agenda (and the calendar feed) of the trajectory's workers; an
    overlap with the user's other appointments is a warning first, saving again plans it anyway."""
    from datetime import datetime, time

    from core.agenda import overlapping

    t = get_trajectory(trajectory_id, what="rondetafel plannen")
    form = RoundtablePlanForm()
    if request.method == "GET":
        form.kind.data = arg_choice("soort", form.kind.choices, None) or ("tussentijds" if t.start_on else "start")
        form.day.data = date.today() + timedelta(days=7)
        form.start.data, form.end.data = time(9, 0), time(11, 0)  # a roundtable lasts about 2 hours (000:1015)
        form.participants.data = ["directie", "klasleerkracht", "clb", "ouders"]
    clash: list = []
    save = conflict_safe(form)
    if form.validate_on_submit():
        starts_at = datetime.combine(form.day.data, form.start.data)
        ends_at = datetime.combine(form.day.data, form.end.data)
        fingerprint = f"{starts_at.isoformat()}|{ends_at.isoformat()}"
        if form.confirm.data != fingerprint:
            clash = overlapping(current_user.id, starts_at, ends_at)
            form.confirm.data = fingerprint if clash else None
        if not clash:
            with save:
                a = operations.plan_roundtable(t, current_user, form.kind.data, starts_at, ends_at,
                                               place=form.place.data, participants=form.participants.data,
                                               other_participants=form.other_participants.data)
            if save.saved:
                flash("Rondetafel gepland: hij staat in de agenda.", "success")
                return redirect(url_for("agenda.index", datum=a.starts_at.date().isoformat()))
    return render_template("petra/roundtable_plan.html", t=t, form=form, clash=clash,
                           planned=queries.planned_roundtables(t.id)), save.status


@bp.route("/traject/<int:trajectory_id>/rondetafel/<int:roundtable_id>", methods=["GET", "POST"])
def edit_roundtable(trajectory_id: int, roundtable_id: int):
    """Complete a roundtable afterwards: participants, duration, agreements (kind and date stay)."""
    t = get_trajectory(trajectory_id, what="rondetafel")
    r = _row_of(t, Roundtable, roundtable_id)
    form = RoundtableEditForm(obj=r if request.method == "GET" else None)
    if request.method == "GET":
        form.participants.data = [k for k in r.participants.split(",") if k]
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(r)
            operations.edit_roundtable(t, r, current_user, minutes=form.minutes.data,
                                       participants=form.participants.data,
                                       other_participants=form.other_participants.data,
                                       agreements=form.agreements.data)
    return _answer(save, lambda: f"{r.kind_label} bijgewerkt.", "petra/roundtable_edit.html", t, r=r, form=form)


@bp.post("/traject/<int:trajectory_id>/fase")
def phase(trajectory_id: int):
    t = get_trajectory(trajectory_id, read=False)
    form = PhaseForm()
    return _post_and_back(_to_show(t), form, "Fase niet gewijzigd: ",
                          lambda: operations.change_phase(t, current_user, form.phase.data, form.on.data),
                          lambda: f"Het traject is nu in de fase '{t.phase_label}'.", check=t, errors=True)


# --------------------------------------------------------------------------- partnership plan


def _to_plan(t: Trajectory):
    return redirect(url_for("petra.plan", trajectory_id=t.id))


@bp.route("/traject/<int:trajectory_id>/plan", methods=["GET", "POST"])
def plan(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="partnerschapsplan")
    form = GoalForm()
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            operations.plan_goal(t, current_user, party=form.party.data, goal=form.goal.data,
                                 action=form.action.data, who=form.who.data)
        if save.saved:
            flash("Doel toegevoegd aan het partnerschapsplan.", "success")
            return _to_plan(t)
    shape_form = PlanShapeForm(formdata=None)
    shape_form.version.data = t.version
    shape_form.plan_form.data, shape_form.plan_intensity.data = t.plan_form or "", t.plan_intensity or ""
    return render_template("petra/plan.html", t=t, form=form, goals=queries.goals_of(t.id), shape_form=shape_form,
                           action_form=ActionForm(formdata=None), eval_form=EvaluationForm(formdata=None),
                           status_form=ActionStatusForm(formdata=None)), save.status


@bp.post("/traject/<int:trajectory_id>/plan/vorm")
def plan_shape(trajectory_id: int):
    """The trajectory's form (individual, group, both) and intensity, as decided in the partnership plan."""
    t = get_trajectory(trajectory_id, read=False)
    form = PlanShapeForm()
    return _post_and_back(
        _to_plan(t), form, "Niet opgeslagen: kies een vorm en een intensiteit uit de lijst.",
        lambda: operations.plan_shape(t, current_user, form=form.plan_form.data,
                                      intensity=form.plan_intensity.data),
        "Vorm en intensiteit opgeslagen.", check=t)


@bp.post("/traject/<int:trajectory_id>/plan/actie/<int:action_id>")
def action_status(trajectory_id: int, action_id: int):
    """The status and due date of one action."""
    t = get_trajectory(trajectory_id, read=False)
    a = db.session.get(PlanAction, action_id)
    if a is None or a.goal.trajectory_id != t.id:
        abort(404)
    form = ActionStatusForm()
    return _post_and_back(
        _to_plan(t), form, "Actie niet bijgewerkt: ",
        lambda: operations.action_status(t, a, current_user, status=form.status.data,
                                         due_on=form.due_on.data),
        "Actie bijgewerkt.", check=a, errors=True)




@bp.post("/traject/<int:trajectory_id>/plan/doel/<int:goal_id>/actie")
def add_action(trajectory_id: int, goal_id: int):
    t = get_trajectory(trajectory_id, read=False)
    g = _row_of(t, PlanGoal, goal_id)
    form = ActionForm()
    return _post_and_back(
        _to_plan(t), form, "Actie niet opgeslagen: vul de actie in.",
        lambda: operations.plan_action(t, g, current_user, description=form.description.data,
                                       who=form.who.data, due_on=form.due_on.data),
        "Actie toegevoegd.")


@bp.post("/traject/<int:trajectory_id>/plan/doel/<int:goal_id>/evaluatie")
def evaluate_goal(trajectory_id: int, goal_id: int):
    t = get_trajectory(trajectory_id, read=False)
    g = _row_of(t, PlanGoal, goal_id)
    form = EvaluationForm()
    return _post_and_back(
        _to_plan(t), form, "Evaluatie niet opgeslagen: kies een resultaat.",
        lambda: operations.evaluate_goal(t, g, current_user, moment=form.moment.data, result=form.result.data,
                                         note=form.note.data),
        "Evaluatie opgeslagen.", check=g)


@bp.post("/traject/<int:trajectory_id>/plan/doel/<int:goal_id>/verwijderen")
def delete_goal(trajectory_id: int, goal_id: int):
    t = get_trajectory(trajectory_id, read=False)
    g = _row_of(t, PlanGoal, goal_id)
    return _post_and_back(_to_plan(t), None, "", lambda: operations.delete_goal(t, g, current_user),
                          "Doel verwijderd uit het partnerschapsplan.")


@bp.get("/traject/<int:trajectory_id>/plan/afdruk")
def plan_print(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="partnerschapsplan afdruk")
    return render_template("petra/plan_print.html", t=t, goals=queries.goals_of(t.id), today=date.today())


# --------------------------------------------------------------------------- SDQ


@bp.route("/traject/<int:trajectory_id>/sdq", methods=["GET", "POST"])
def sdq(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="sdq")
    settings = logic.load_settings()
    form = SdqForm()
    if request.method == "GET":
        form.taken_on.data = date.today()
        form.moment.data = "na" if t.phase >= 4 else "voor"
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            res = operations.record_sdq(t, current_user, informant=form.informant.data, moment=form.moment.data,
                                        taken_on=form.taken_on.data,
                                        scores={key: form[key].data for key, _ in SDQ_SCALES})
            total, band = res.total, logic.sdq_band(res.total, res.informant, settings)
        if save.saved:
            flash(f"SDQ opgeslagen: totale moeilijkhedenscore {total} ({band}).", "success")
            return redirect(url_for("petra.sdq", trajectory_id=t.id))
    return render_template("petra/sdq.html", t=t, form=form, per_informant=queries.sdq_per_informant(t.id, settings),
                           scales=SDQ_SCALES), save.status


# --------------------------------------------------------------------------- fee


@bp.route("/traject/<int:trajectory_id>/bijdrage", methods=["GET", "POST"])
def fee(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="bijdrage")
    f = t.fee
    if f is None:
        flash("De engagementsbijdrage wordt aangemaakt bij de startrondetafel.", "warning")
        return _to_show(t)
    form = FeeForm()
    if request.method == "GET":
        form.version.data = f.version
        form.paid_on.data = date.today()
        form.paid_amount.data = f.amount
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(f)
            if form.action.data == "betaald":
                operations.pay_fee(t, current_user, paid_on=form.paid_on.data, method=form.method.data,
                                   amount=form.paid_amount.data)
            elif form.action.data == "kwijtschelden":
                operations.waive_fee(t, current_user, form.waive_reason.data)
            else:
                operations.reopen_fee(t, current_user)
    return _answer(save, lambda: f"Bijdrage: {f.status_label}.", "petra/fee.html", t, f=f, form=form)


@bp.get("/bijdragen")
def fees():
    page, total = queries.open_fees(team_ids_for())
    audit.record_list_read("petra_trajectory", [(f.trajectory.family_id, f.trajectory_id) for f in page.items],
                           detail="lijst: open bijdragen")
    return render_template("petra/fees.html", page=page, total=total, today=date.today())


# --------------------------------------------------------------------------- closure


@bp.route("/traject/<int:trajectory_id>/afronding", methods=["GET", "POST"])
def close(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="afronding")
    if not t.is_active:
        flash("Alleen een lopend traject kan afgerond worden.", "warning")
        return _to_show(t)
    form = ClosureForm()
    form.closure_org_id.choices = queries.organisation_choices()
    if request.method == "GET":
        form.version.data = t.version
        form.closed_on.data = date.today()
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(t)
            operations.close_trajectory(t, current_user, closed_on=form.closed_on.data,
                                        reason=form.closure_reason.data, final_evaluation=form.final_evaluation.data,
                                        org_id=form.closure_org_id.data or None,
                                        accompanied=bool(form.closure_accompanied.data))
    return _answer(save, "Het traject is afgerond.", "petra/close.html", t, form=form)


# --------------------------------------------------------------------------- team meeting and year overview


@bp.get("/teamoverleg")
def meeting():
    """The biweekly team meeting of one team (``?team=``, one of the user's PeTra teams): a constant number of
    queries whatever the team's size (the rules are SQL conditions, each list one page of plain rows); only
    the rows shown are audited."""
    today = date.today()
    days = arg_int("dagen", 14, min=1, max=3660)
    since = today - timedelta(days=days)
    pages = {key: arg_int(f"pagina_{key}", 1, min=1, max=100_000) for key in ("duur", "todo", "bespreken")}
    choices = [(t.id, t.name) for t in teams_for()]
    # one team's meeting at a time: a manager or admin of several teams picks the team (default: the first)
    chosen = arg_int("team", 0, min=0)
    teams = [chosen] if chosen in {i for i, _ in choices} else [i for i, _ in choices[:1]]
    data = queries.meeting(teams, since, today, logic.load_settings(), pages=pages)
    listed = [*data["new"], *data["stalled"], *data["nearing"].items, *(r for r, _ in data["due"]),
              *data["discuss"].items]
    audit.record_list_read("petra_trajectory", [(r.family_id, r.id) for r in listed], detail="lijst: teamoverleg")
    return render_template("petra/meeting.html", since=since, days=days, today=today, pages=pages, choices=choices,
                           team_id=teams[0] if teams else None,
                           meetings=queries.recent_meetings(teams, 6), decision_labels=TEAM_DECISION_LABELS,
                           referrer_labels=labels(REFERRER_KINDS), status_labels=labels(STATUSES), **data)


@bp.get("/jaaroverzicht")
def year_overview():
    """The year in figures for the team's report: referrals, starts, closures, contacts, SDQ, fees."""
    year = arg_int("jaar", date.today().year, min=2000, max=2100)
    data = queries.year_overview(team_ids_for(), year, logic.load_settings())
    return render_template(
        "petra/year.html", year=year, vocab=VOCAB, status_labels=labels(STATUSES),
        reason_labels=labels(CLOSURE_REASONS), kind_labels=labels(CONTACT_KINDS), informant_labels=labels(INFORMANTS),
        **data)


# --------------------------------------------------------------------------- settings


@bp.route("/instellingen", methods=["GET", "POST"])
def settings_page():
    return logic.SETTINGS.view(title="Instellingen PeTra", template="petra/settings.html",
                               save=lambda form: operations.save_settings(current_user, form.data))


# --------------------------------------------------------------------------- fragments: family panel, widget


@bp.get("/gezin/<int:family_id>/paneel")
def family_panel(family_id: int):
    require_family(family_id, "petra_family_panel")
    teams = team_ids_for()
    rows = queries.family_trajectories(family_id)
    mine = [t for t in rows if current_user.is_admin or t.team_id in teams]
    busy = {t.child_id for t in rows if t.status in ("waiting", "clarifying", "ongoing")}
    audit.record_read("petra_family_panel", family_id, family_id=family_id)
    return render(None, "petra/_family_panel.html", title="PeTra-trajecten", trajectories=mine,
                  others=len(rows) - len(mine), family_id=family_id,
                  children=queries.children_of(family_id, leave_out=busy), can_refer=bool(teams))


@bp.get("/widget/caseload")
def widget_caseload():
    teams = team_ids_for()
    return render(None, "petra/_widget_caseload.html", title="PeTra: caseload per begeleider",
                  per=queries.caseload(teams), waiting=queries.count_waiting(teams))


__all__ = ["bp", "owns"]

from . import views_team  # noqa: E402,F401  (the team's pages: decisions, minutes, supervision, concerns)
