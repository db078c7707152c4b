"""Pages of the PeTra plugin: referral, waiting list, intake, trajectory, contacts, roundtables, plan,
SDQ, fee, closure, team meeting and settings."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from core import audit, people
from core.access import register_involvement, require_family
from core.extensions import db
from core.formatting import format_date
from core.forms import conflict_safe
from core.models import Family, FamilyMember, Organisation, Person, User
from core.pagination import paginate
from core.params import arg_bool, arg_choice, arg_id, arg_int, arg_str
from core.people import PersonCard
from core.plugins import current_plugins, team_ids_for, teams_for
from core.ui import render, wants_fragment

from . import logic
from .access import (
    get_trajectory,
    owns,
    team_workers,
)
from .forms import (
    ActionForm,
    ClosureForm,
    ContactForm,
    DecisionForm,
    EvaluationForm,
    FeeForm,
    GoalForm,
    PhaseForm,
    ReferralEditForm,
    ReferralForm,
    RoundtableEditForm,
    RoundtableForm,
    SdqForm,
    WorkersForm,
)
from .models import (
    CHANNELS,
    CLOSURE_REASONS,
    CONTRA_INDICATIONS,
    DECISIONS,
    INDICATIONS,
    INFORMANTS,
    REFERRER_KINDS,
    SDQ_SCALES,
    STATUSES,
    Contact,
    Fee,
    PlanAction,
    PlanGoal,
    Roundtable,
    SdqResult,
    Trajectory,
    labels,
)

bp = Blueprint("petra", __name__, url_prefix="/petra", template_folder="templates")
PAGE_SIZE = 25
RECENT_CONTACTS = 20
INVOLVEMENT_REASON = "Aanmelding PeTra"
VOCAB = {"referrer": labels(REFERRER_KINDS), "channel": labels(CHANNELS), "decision": labels(DECISIONS),
         "closure": labels(CLOSURE_REASONS)}




def _org_choices(kinds: tuple[str, ...] | None = None, empty: str = "—") -> list[tuple[int, str]]:
    stmt = select(Organisation.id, Organisation.name).where(Organisation.archived.is_(False)).order_by(Organisation.name)
    if kinds:
        stmt = stmt.where(Organisation.kind.in_(kinds))
    return [(0, empty)] + [(i, n) for i, n in db.session.execute(stmt)]


def _worker_choices(team_id: int) -> list[tuple[int, str]]:
    return [(0, "—")] + [(u.id, u.display_name) for u in team_workers(team_id)]


# --------------------------------------------------------------------------- lists


@bp.get("/")
def index():
    teams = team_ids_for()
    status = arg_choice("status", ["actief", "alle", *labels(STATUSES)], "actief")
    stmt = (select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.lead_worker),
                                       joinedload(Trajectory.team))
            .where(Trajectory.team_id.in_(teams)))
    if status == "actief":
        stmt = stmt.where(Trajectory.status.in_(("clarifying", "ongoing")))
    elif status in labels(STATUSES):
        stmt = stmt.where(Trajectory.status == status)
    page = paginate(stmt.order_by(Trajectory.referred_on.desc(), Trajectory.id.desc()))
    settings = logic.load_settings()
    durations = {t.id: logic.duration_of(t, settings) for t in page.items}
    audit.record_list_read("petra_trajectory", [(t.family_id, t.id) for t in page.items], detail="lijst: trajecten")
    return render_template("petra/index.html", page=page, status=status, statuses=STATUSES, durations=durations)


@bp.get("/wachtlijst")
def waiting_list():
    teams = team_ids_for()
    stmt = (select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.school),
                                       joinedload(Trajectory.referrer_org), joinedload(Trajectory.team))
            .where(Trajectory.team_id.in_(teams), Trajectory.status == "waiting")
            .order_by(Trajectory.referred_on, Trajectory.id))
    page = paginate(stmt)
    offset = (page.number - 1) * PAGE_SIZE
    audit.record_list_read("petra_trajectory", [(t.family_id, t.id) for t in page.items], detail="lijst: wachtlijst")
    return render_template("petra/waiting_list.html", page=page, today=date.today(), offset=offset)


# --------------------------------------------------------------------------- referral


def _referral_form() -> ReferralForm:
    form = ReferralForm()
    form.team_id.choices = [(t.id, t.name) for t in teams_for()]
    form.referrer_org_id.choices = _org_choices()
    form.school_id.choices = _org_choices(("school",), "— geen / onbekend —")
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
        contra=form.contra_indications.data or [], settings=settings, on=form.referred_on.data)


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
    if form.validate_on_submit():
        if form.child_id.data and chosen is None:
            form.given_name.errors.append("Het gekozen kind is niet gevonden.")
        else:
            t = _create_referral(form, chosen, settings)
            warnings = logic.trajectory_referral_warnings(t, settings)
            db.session.commit()
            flash(f"Aanmelding {t.ref} geregistreerd en op de wachtlijst gezet.", "success")
            for w in warnings:
                flash("Let op: " + w, "warning")
            return redirect(url_for("petra.show", trajectory_id=t.id))
    warnings = _form_warnings(form, chosen, settings) if request.method == "POST" else []
    return render_template("petra/referral.html", form=form, chosen=chosen, query=query, results=results,
                           birth_year=birth_year, warnings=warnings, indications=INDICATIONS,
                           contra=CONTRA_INDICATIONS)


@bp.post("/aanmelding/controle")
def referral_check():
    """htmx: the warnings for the referral as typed so far (never blocking)."""
    form = _referral_form()
    form.validate()
    warnings = _form_warnings(form, _chosen_child(form), logic.load_settings())
    return render(None, "petra/_warnings.html", title="Controle van de aanmelding", warnings=warnings, empty_ok=True)


def _create_referral(form: ReferralForm, chosen: PersonCard | None, settings) -> Trajectory:
    """Register the referral. For a child found in the family records this registers the PeTra team's
    involvement with the household (reason "Aanmelding PeTra", logged) through ``core.people.involve``."""
    if form.team_id.data not in {t.id for t in teams_for()}:
        abort(403)
    if chosen:
        record = people.involve(current_user, form.team_id.data, chosen.person_id, chosen.family_id,
                                reason=INVOLVEMENT_REASON, source="petra", token=form.sleutel.data or None,
                                roles=("kind",))
        person, family = record.person, record.family
    else:
        family = Family(label=form.family_name.data.strip(), municipality=form.municipality.data.strip())
        db.session.add(family)
        db.session.flush()
        person = Person(given_name=form.given_name.data.strip(), family_name=form.family_name.data.strip(),
                        birth_date=form.birth_date.data, school_id=form.school_id.data or None,
                        school_level=form.school_level.data or None, school_year=form.school_year.data)
        db.session.add(person)
        db.session.flush()
        db.session.add(FamilyMember(family_id=family.id, person_id=person.id, role="kind"))
        audit.record("create", "family", family.id, family_id=family.id, detail="via PeTra-aanmelding")
        register_involvement(family, form.team_id.data, INVOLVEMENT_REASON, source="petra")
    level = form.school_level.data or person.school_level
    year = form.school_year.data if form.school_year.data is not None else person.school_year
    t = Trajectory(
        ref=logic.next_ref(form.referred_on.data.year), team_id=form.team_id.data, family_id=family.id,
        child_id=person.id, status="waiting", phase=1, referred_on=form.referred_on.data,
        referrer_kind=form.referrer_kind.data, referrer_org_id=form.referrer_org_id.data or None,
        referrer_contact=form.referrer_contact.data or None, channel=form.channel.data,
        school_id=form.school_id.data or person.school_id, school_level=level or None, school_year=year,
        question=form.question.data, indications=",".join(form.indications.data or []),
        contra_indications=",".join(form.contra_indications.data or []), age_group=logic.age_group_of(level),
        max_months=logic.setting_int(settings, "max_months"), created_by_id=current_user.id)
    db.session.add(t)
    db.session.flush()
    audit.record("create", "petra_trajectory", t.id, family_id=family.id, detail="aanmelding")
    return t


@bp.route("/traject/<int:trajectory_id>/aanmelding", methods=["GET", "POST"])
def edit_referral(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="aanmelding bewerken")
    form = ReferralEditForm(obj=t if request.method == "GET" else None)
    form.referrer_org_id.choices = _org_choices()
    form.school_id.choices = _org_choices(("school",), "— geen / onbekend —")
    if request.method == "GET":
        form.version.data = t.version
        form.referrer_org_id.data = t.referrer_org_id or 0
        form.school_id.data = t.school_id or 0
        form.school_level.data = t.school_level or ""
        form.indications.data = t.indication_keys
        form.contra_indications.data = t.contra_keys
    save = conflict_safe(form)
    if form.validate_on_submit():
        first_contact = db.session.scalar(select(func.min(Contact.on_date)).where(Contact.trajectory_id == t.id))
        if first_contact and form.referred_on.data > first_contact:
            form.referred_on.errors.append(
                f"Er is al een contact op {format_date(first_contact)}: de aanmelding kan niet later liggen.")
        else:
            with save:
                save.check(t)
                changed = []
                for name in ("referred_on", "referrer_kind", "referrer_contact", "channel", "school_year", "question"):
                    value = getattr(form, name).data
                    if name == "referrer_contact":
                        value = value or None
                    if getattr(t, name) != value:
                        setattr(t, name, value)
                        changed.append(name)
                for name in ("referrer_org_id", "school_id"):
                    value = getattr(form, name).data or None
                    if getattr(t, name) != value:
                        setattr(t, name, value)
                        changed.append(name)
                if (t.school_level or "") != form.school_level.data:
                    t.school_level = form.school_level.data or None
                    t.age_group = logic.age_group_of(t.school_level)
                    changed.append("school_level")
                for name in ("indications", "contra_indications"):
                    value = ",".join(getattr(form, name).data or [])
                    if getattr(t, name) != value:
                        setattr(t, name, value)
                        changed.append(name)
                if changed:
                    audit.record("update", "petra_trajectory", t.id, family_id=t.family_id, detail=",".join(changed))
            if save.saved:
                flash("Aanmelding bijgewerkt.", "success")
                return redirect(url_for("petra.show", trajectory_id=t.id))
    return render_template("petra/referral_edit.html", t=t, form=form), save.status


# --------------------------------------------------------------------------- the trajectory page


def _contacts_context(t: Trajectory, settings, form: ContactForm | None = None, warnings=None, show_all=False):
    stmt = select(Contact).where(Contact.trajectory_id == t.id).order_by(Contact.on_date.desc(), Contact.id.desc())
    contacts = list(db.session.scalars(stmt if show_all else stmt.limit(RECENT_CONTACTS + 1)))
    more = not show_all and len(contacts) > RECENT_CONTACTS
    counts = logic.contact_counts([t.id])[t.id]
    if form is None:
        form = ContactForm(formdata=None)
        form.on_date.data = date.today()
        form.minutes.data = 60
    clarifying = logic.clarifying_counts(t) if t.start_on is None or t.status == "ongoing" else None
    return dict(t=t, contacts=contacts[:RECENT_CONTACTS] if not show_all else contacts, more=more,
                norms=logic.norm_progress(counts, settings), contact_form=form,
                contact_warnings=warnings or [], clarifying=clarifying,
                can_add_contact=t.status not in ("not_started", "referred"))


@bp.get("/traject/<int:trajectory_id>")
def show(trajectory_id: int):
    t = get_trajectory(trajectory_id)
    settings = logic.load_settings()
    roundtables = list(db.session.scalars(select(Roundtable).where(Roundtable.trajectory_id == t.id)
                                          .order_by(Roundtable.held_on)))
    sdqs = list(db.session.scalars(select(SdqResult).where(SdqResult.trajectory_id == t.id)
                                   .order_by(SdqResult.informant, SdqResult.moment.desc())))
    n_goals = db.session.scalar(select(func.count()).select_from(PlanGoal).where(PlanGoal.trajectory_id == t.id))
    ctx = _contacts_context(t, settings, show_all=arg_bool("alle"))
    clar_warn = logic.clarifying_warning(ctx["clarifying"], settings) if ctx["clarifying"] and t.start_on is None else []
    phase_form = PhaseForm(formdata=None)
    phase_form.version.data = t.version
    phase_form.on.data = date.today()
    return render_template(
        "petra/show.html", duration=logic.duration_of(t, settings),
        referral_warnings=logic.trajectory_referral_warnings(t, settings), clar_warn=clar_warn,
        roundtables=roundtables, sdqs=sdqs, n_goals=n_goals, phase_form=phase_form,
        bands={s.id: logic.sdq_band(s.total, s.informant, settings) for s in sdqs},
        indication_labels=labels(INDICATIONS), contra_labels=labels(CONTRA_INDICATIONS), vocab=VOCAB, **ctx)


@bp.post("/traject/<int:trajectory_id>/contact")
def add_contact(trajectory_id: int):
    t = get_trajectory(trajectory_id, read=False)
    settings = logic.load_settings()
    form = ContactForm()
    ok = form.validate()
    if t.status in ("not_started", "referred"):
        form.form_errors.append("Dit traject is niet gestart: je kan geen contacten meer toevoegen.")
        ok = False
    if form.on_date.data and not form.on_date.errors:
        if form.on_date.data < t.referred_on:
            form.on_date.errors.append(
                f"Een contact kan niet vóór de aanmelding liggen ({format_date(t.referred_on)}).")
            ok = False
        elif t.closed_on and form.on_date.data > t.closed_on:
            form.on_date.errors.append(
                f"Het traject is afgerond op {format_date(t.closed_on)}: het contact ligt later.")
            ok = False
    warnings: list[str] = []
    if ok:
        c = Contact(trajectory_id=t.id, on_date=form.on_date.data, minutes=form.minutes.data, kind=form.kind.data,
                    place=form.place.data, parties=",".join(form.parties.data), note=form.note.data or None,
                    worker_id=current_user.id)
        db.session.add(c)
        db.session.flush()
        audit.record("create", "petra_contact", c.id, family_id=t.family_id)
        if t.start_on is None or c.on_date < t.start_on:
            warnings = logic.clarifying_warning(logic.clarifying_counts(t), settings)
        db.session.commit()
        form = None
        if not wants_fragment():
            flash("Contact opgeslagen.", "success")
            for w in warnings:
                flash(w, "warning")
            return redirect(url_for("petra.show", trajectory_id=t.id))
    audit.record_read("petra_trajectory", t.id, family_id=t.family_id, detail="contacten")
    ctx = _contacts_context(t, settings, form=form, warnings=warnings)
    return render("petra/contact_page.html", "petra/_contacts.html", saved=ok, **ctx)


@bp.post("/traject/<int:trajectory_id>/contact/<int:contact_id>/verwijderen")
def delete_contact(trajectory_id: int, contact_id: int):
    """Remove a contact entered by mistake (a roundtable's own contact goes with the roundtable only)."""
    t = get_trajectory(trajectory_id, read=False)
    c = db.session.get(Contact, contact_id)
    if c is None or c.trajectory_id != t.id:
        abort(404)
    message = None
    if c.roundtable_id is not None:
        message = "Dit contact hoort bij een rondetafel en kan hier niet verwijderd worden."
    else:
        db.session.delete(c)
        audit.record("delete", "petra_contact", contact_id, family_id=t.family_id)
        db.session.commit()
    if not wants_fragment():
        flash(message or "Contact verwijderd.", "error" if message else "success")
        return redirect(url_for("petra.show", trajectory_id=t.id))
    audit.record_read("petra_trajectory", t.id, family_id=t.family_id, detail="contacten")
    ctx = _contacts_context(t, logic.load_settings(), warnings=[message] if message else [])
    return render_template("petra/_contacts.html", **ctx)


# --------------------------------------------------------------------------- intake decision


@bp.route("/traject/<int:trajectory_id>/beslissing", methods=["GET", "POST"])
def decision(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="intake")
    if t.status != "waiting":
        flash("Voor dit traject is de intakebeslissing al genomen.", "warning")
        return redirect(url_for("petra.show", trajectory_id=t.id))
    form = DecisionForm()
    form.lead_worker_id.choices = _worker_choices(t.team_id)
    form.second_worker_id.choices = _worker_choices(t.team_id)
    form.decision_org_id.choices = _org_choices()
    if request.method == "GET":
        form.version.data = t.version
        form.decision_on.data = date.today()
        form.lead_worker_id.data = current_user.id if current_user.id in dict(form.lead_worker_id.choices) else 0
    save = conflict_safe(form)
    if form.validate_on_submit():
        if form.decision_on.data < t.referred_on:
            form.decision_on.errors.append("De beslissing kan niet vóór de aanmelding liggen.")
        else:
            with save:
                save.check(t)
                t.decision = form.decision.data
                t.decision_on = form.decision_on.data
                t.decision_reason = form.decision_reason.data or None
                if t.decision == "start":
                    t.status, t.phase, t.phase2_on = "clarifying", 2, form.decision_on.data
                    t.lead_worker_id = form.lead_worker_id.data or None
                    t.second_worker_id = form.second_worker_id.data or None
                elif t.decision == "elders":
                    t.status = "referred"
                    t.decision_org_id = form.decision_org_id.data
                    _referral_hook(t, form.decision_org_id.data, form.decision_on.data, False,
                                   "doorverwijzing bij intake")
                else:
                    t.status = "not_started"
                audit.record("update", "petra_trajectory", t.id, family_id=t.family_id, detail=f"intake: {t.decision}")
            if save.saved:
                flash("Intakebeslissing opgeslagen.", "success")
                return redirect(url_for("petra.show", trajectory_id=t.id))
    return render_template("petra/decision.html", t=t, form=form), save.status


@bp.route("/traject/<int:trajectory_id>/begeleiders", methods=["GET", "POST"])
def workers(trajectory_id: int):
    """Change the lead and second worker, or the maximum duration of this trajectory."""
    t = get_trajectory(trajectory_id, what="begeleiders")
    form = WorkersForm()
    form.lead_worker_id.choices = _worker_choices(t.team_id)
    form.second_worker_id.choices = _worker_choices(t.team_id)
    if request.method == "GET":
        form.version.data = t.version
        form.lead_worker_id.data = t.lead_worker_id or 0
        form.second_worker_id.data = t.second_worker_id or 0
        form.max_months.data = t.max_months
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(t)
            t.lead_worker_id = form.lead_worker_id.data
            t.second_worker_id = form.second_worker_id.data or None
            t.max_months = form.max_months.data
            audit.record("update", "petra_trajectory", t.id, family_id=t.family_id, detail="begeleiders, duur")
        if save.saved:
            flash("Begeleiders en duur opgeslagen.", "success")
            return redirect(url_for("petra.show", trajectory_id=t.id))
    return render_template("petra/workers.html", t=t, form=form), save.status


def _referral_hook(t: Trajectory, org_id: int, day: date, accompanied: bool, note: str) -> None:
    current_plugins().hook_available("hvhk_referral_recorded")(referral={
        "family_id": t.family_id, "organisation_id": org_id, "date": day, "accompanied": accompanied,
        "source": "petra", "source_ref": t.ref, "note": note, "user_id": current_user.id})


# --------------------------------------------------------------------------- roundtables


@bp.route("/traject/<int:trajectory_id>/rondetafel", methods=["GET", "POST"])
def roundtable(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="rondetafels")
    has_start = t.start_on is not None
    form = RoundtableForm()
    if request.method == "GET":
        form.kind.data = arg_choice("soort", form.kind.choices, None) or ("tussentijds" if has_start else "start")
        form.held_on.data = date.today()
        form.participants.data = ["directie", "klasleerkracht", "clb", "ouders"]
    if form.validate_on_submit():
        error = None
        if t.status in ("waiting",):
            error = "Neem eerst de intakebeslissing (starten) voor je een rondetafel registreert."
        elif t.status in ("not_started", "referred", "closed"):
            error = "Dit traject loopt niet (meer): je kan geen rondetafel toevoegen."
        elif form.kind.data == "start" and has_start:
            error = "Er is al een startrondetafel: het traject is al gestart."
        elif form.kind.data != "start" and not has_start:
            error = "De startrondetafel is het startpunt: registreer die eerst."
        if error:
            form.kind.errors.append(error)
        elif form.held_on.data < t.referred_on:
            form.held_on.errors.append("De rondetafel kan niet vóór de aanmelding liggen.")
        elif has_start and form.held_on.data < t.start_on:
            form.held_on.errors.append("Deze rondetafel ligt vóór de startrondetafel.")
        else:
            r = Roundtable(trajectory_id=t.id, kind=form.kind.data, held_on=form.held_on.data,
                           minutes=form.minutes.data, participants=",".join(form.participants.data),
                           other_participants=form.other_participants.data or None,
                           agreements=form.agreements.data or None)
            db.session.add(r)
            db.session.flush()
            parties = {p for p in form.participants.data if p in ("kind", "ouders")} | {"school"}
            db.session.add(Contact(trajectory_id=t.id, on_date=r.held_on, minutes=r.minutes, kind="rondetafel",
                                   place="school", parties=",".join(sorted(parties)), roundtable_id=r.id,
                                   note=r.kind_label, worker_id=current_user.id))
            if r.kind == "start":
                t.start_on = r.held_on
                t.status = "ongoing"
                if t.phase < 2:
                    t.phase, t.phase2_on = 2, r.held_on
                if t.fee is None:
                    settings = logic.load_settings()
                    db.session.add(Fee(trajectory_id=t.id, amount=logic.fee_amount(t.family.has_vt, settings),
                                       vt=bool(t.family.has_vt), due_on=r.held_on))
            elif r.kind == "eind" and t.phase < 4:
                t.phase, t.phase4_on = 4, r.held_on
            audit.record("create", "petra_roundtable", r.id, family_id=t.family_id, detail=r.kind)
            db.session.commit()
            flash(f"{r.kind_label} opgeslagen." + (" Het traject is gestart." if r.kind == "start" else ""), "success")
            return redirect(url_for("petra.show", trajectory_id=t.id))
    roundtables = list(db.session.scalars(select(Roundtable).where(Roundtable.trajectory_id == t.id)
                                          .order_by(Roundtable.held_on)))
    return render_template("petra/roundtable.html", t=t, form=form, roundtables=roundtables)


@bp.route("/traject/<int:trajectory_id>/rondetafel/<int:roundtable_id>", methods=["GET", "POST"])
def edit_roundtable(trajectory_id: int, roundtable_id: int):
    """Complete a roundtable afterwards: participants, duration, agreements (kind and date stay)."""
    t = get_trajectory(trajectory_id, what="rondetafel")
    r = db.session.get(Roundtable, roundtable_id)
    if r is None or r.trajectory_id != t.id:
        abort(404)
    form = RoundtableEditForm(obj=r if request.method == "GET" else None)
    if request.method == "GET":
        form.participants.data = [k for k in r.participants.split(",") if k]
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(r)
            r.minutes = form.minutes.data
            r.participants = ",".join(form.participants.data)
            r.other_participants = form.other_participants.data or None
            r.agreements = form.agreements.data or None
            c = db.session.scalar(select(Contact).where(Contact.roundtable_id == r.id))
            if c is not None:
                parties = {p for p in form.participants.data if p in ("kind", "ouders")} | {"school"}
                c.minutes, c.parties = r.minutes, ",".join(sorted(parties))
            audit.record("update", "petra_roundtable", r.id, family_id=t.family_id)
        if save.saved:
            flash(f"{r.kind_label} bijgewerkt.", "success")
            return redirect(url_for("petra.show", trajectory_id=t.id))
    return render_template("petra/roundtable_edit.html", t=t, r=r, form=form), save.status


@bp.post("/traject/<int:trajectory_id>/fase")
def phase(trajectory_id: int):
    t = get_trajectory(trajectory_id, read=False)
    form = PhaseForm()
    if not form.validate() or t.status != "ongoing":
        flash("Fase niet gewijzigd: " + (" ".join(e for errs in form.errors.values() for e in errs)
                                          or "het traject loopt niet."), "error")
        return redirect(url_for("petra.show", trajectory_id=t.id))
    if t.start_on and form.on.data < t.start_on:
        flash("Fase niet gewijzigd: de datum ligt vóór de start.", "error")
        return redirect(url_for("petra.show", trajectory_id=t.id))
    with conflict_safe(form, flash_message=True) as save:
        save.check(t)
        if form.phase.data == 3:
            t.phase, t.phase3_on = 3, form.on.data
        else:
            t.phase, t.phase4_on = 4, form.on.data
        audit.record("update", "petra_trajectory", t.id, family_id=t.family_id, detail=f"fase {t.phase}")
    if save.saved:
        flash(f"Het traject is nu in de fase '{t.phase_label}'.", "success")
    return redirect(url_for("petra.show", trajectory_id=t.id))


# --------------------------------------------------------------------------- partnership plan


def _goals(t: Trajectory) -> list[PlanGoal]:
    return list(db.session.scalars(select(PlanGoal).options(selectinload(PlanGoal.actions))
                                   .where(PlanGoal.trajectory_id == t.id)
                                   .order_by(PlanGoal.party, PlanGoal.position, PlanGoal.id)))


@bp.route("/traject/<int:trajectory_id>/plan", methods=["GET", "POST"])
def plan(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="partnerschapsplan")
    form = GoalForm()
    if form.validate_on_submit():
        g = PlanGoal(trajectory_id=t.id, party=form.party.data, goal=form.goal.data.strip())
        if form.action.data:
            g.actions.append(PlanAction(description=form.action.data.strip(), who=form.who.data or None))
        db.session.add(g)
        db.session.flush()
        audit.record("create", "petra_plan_goal", g.id, family_id=t.family_id)
        db.session.commit()
        flash("Doel toegevoegd aan het partnerschapsplan.", "success")
        return redirect(url_for("petra.plan", trajectory_id=t.id))
    return render_template("petra/plan.html", t=t, form=form, goals=_goals(t), action_form=ActionForm(formdata=None),
                           eval_form=EvaluationForm(formdata=None))


def _goal_of(t: Trajectory, goal_id: int) -> PlanGoal:
    g = db.session.get(PlanGoal, goal_id)
    if g is None or g.trajectory_id != t.id:
        abort(404)
    return g


@bp.post("/traject/<int:trajectory_id>/plan/doel/<int:goal_id>/actie")
def add_action(trajectory_id: int, goal_id: int):
    t = get_trajectory(trajectory_id, read=False)
    g = _goal_of(t, goal_id)
    form = ActionForm()
    if form.validate():
        g.actions.append(PlanAction(description=form.description.data.strip(), who=form.who.data or None))
        audit.record("update", "petra_plan_goal", g.id, family_id=t.family_id, detail="actie")
        db.session.commit()
        flash("Actie toegevoegd.", "success")
    else:
        flash("Actie niet opgeslagen: vul de actie in.", "error")
    return redirect(url_for("petra.plan", trajectory_id=t.id))


@bp.post("/traject/<int:trajectory_id>/plan/doel/<int:goal_id>/evaluatie")
def evaluate_goal(trajectory_id: int, goal_id: int):
    t = get_trajectory(trajectory_id, read=False)
    g = _goal_of(t, goal_id)
    form = EvaluationForm()
    if not form.validate():
        flash("Evaluatie niet opgeslagen: kies een resultaat.", "error")
        return redirect(url_for("petra.plan", trajectory_id=t.id))
    with conflict_safe(form, flash_message=True) as save:
        save.check(g)
        if form.moment.data == "interim":
            g.interim, g.interim_note = form.result.data, form.note.data or None
        else:
            g.final, g.final_note = form.result.data, form.note.data or None
        audit.record("update", "petra_plan_goal", g.id, family_id=t.family_id, detail=f"evaluatie {form.moment.data}")
    if save.saved:
        flash("Evaluatie opgeslagen.", "success")
    return redirect(url_for("petra.plan", trajectory_id=t.id))


@bp.post("/traject/<int:trajectory_id>/plan/doel/<int:goal_id>/verwijderen")
def delete_goal(trajectory_id: int, goal_id: int):
    t = get_trajectory(trajectory_id, read=False)
    g = _goal_of(t, goal_id)
    db.session.delete(g)
    audit.record("delete", "petra_plan_goal", goal_id, family_id=t.family_id)
    db.session.commit()
    flash("Doel verwijderd uit het partnerschapsplan.", "success")
    return redirect(url_for("petra.plan", trajectory_id=t.id))


@bp.get("/traject/<int:trajectory_id>/plan/afdruk")
def plan_print(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="partnerschapsplan afdruk")
    return render_template("petra/plan_print.html", t=t, goals=_goals(t), today=date.today())


# --------------------------------------------------------------------------- SDQ


SHORT_SCALES = {"emotional": "Emotioneel", "conduct": "Gedrag", "hyperactivity": "Hyperactief", "peer": "Leeftijdsgen.",
                "prosocial": "Prosociaal", "total": "Totaal /40"}


def sdq_chart(before: SdqResult | None, after: SdqResult | None) -> dict:
    """Geometry of a grouped bar chart (inline SVG): before and after per subscale (0-10) and the total
    difficulties score (0-40, drawn on the same height)."""
    bars, labels_ = [], []
    x = 20
    for key in [k for k, _ in SDQ_SCALES] + ["total"]:
        top = 40 if key == "total" else 10
        for which, res in (("voor", before), ("na", after)):
            v = getattr(res, key) if res else None
            h = round((v or 0) * 120 / top)
            bars.append(dict(x=x, y=140 - h, h=h, value=v, which=which, label=SHORT_SCALES[key]))
            x += 26
        labels_.append((x - 26, SHORT_SCALES[key]))
        x += 24
    return {"bars": bars, "width": x, "labels": labels_}


@bp.route("/traject/<int:trajectory_id>/sdq", methods=["GET", "POST"])
def sdq(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="sdq")
    settings = logic.load_settings()
    form = SdqForm()
    if request.method == "GET":
        form.taken_on.data = date.today()
        form.moment.data = "na" if t.phase >= 4 else "voor"
    if form.validate_on_submit():
        age = t.child.age_on(form.taken_on.data) if t.child else None
        if form.taken_on.data < t.referred_on:
            form.taken_on.errors.append("De SDQ kan niet vóór de aanmelding afgenomen zijn.")
        elif form.informant.data == "kind" and age is not None and age < 11:
            form.informant.errors.append(f"De zelfrapportage is er vanaf 11 jaar; het kind was {age}.")
        else:
            existing = db.session.scalar(select(SdqResult).where(
                SdqResult.trajectory_id == t.id, SdqResult.informant == form.informant.data,
                SdqResult.moment == form.moment.data))
            res = existing or SdqResult(trajectory_id=t.id, informant=form.informant.data, moment=form.moment.data)
            res.taken_on = form.taken_on.data
            for key, _ in SDQ_SCALES:
                setattr(res, key, getattr(form, key).data)
            res.total = logic.sdq_total(res.emotional, res.conduct, res.hyperactivity, res.peer)
            db.session.add(res)
            db.session.flush()
            audit.record("update" if existing else "create", "petra_sdq", res.id, family_id=t.family_id)
            db.session.commit()
            flash(f"SDQ opgeslagen: totale moeilijkhedenscore {res.total} "
                  f"({logic.sdq_band(res.total, res.informant, settings)}).", "success")
            return redirect(url_for("petra.sdq", trajectory_id=t.id))
    results = list(db.session.scalars(select(SdqResult).where(SdqResult.trajectory_id == t.id)))
    per_informant = []
    for key, label in INFORMANTS:
        before = next((r for r in results if r.informant == key and r.moment == "voor"), None)
        after = next((r for r in results if r.informant == key and r.moment == "na"), None)
        if before or after:
            per_informant.append(dict(
                key=key, label=label, before=before, after=after, chart=sdq_chart(before, after),
                band_before=logic.sdq_band(before.total, key, settings) if before else None,
                band_after=logic.sdq_band(after.total, key, settings) if after else None,
                cutoffs=logic.sdq_cutoffs(settings, key)))
    return render_template("petra/sdq.html", t=t, form=form, per_informant=per_informant, scales=SDQ_SCALES)


# --------------------------------------------------------------------------- fee


@bp.route("/traject/<int:trajectory_id>/bijdrage", methods=["GET", "POST"])
def fee(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="bijdrage")
    f = t.fee
    if f is None:
        flash("De engagementsbijdrage wordt aangemaakt bij de startrondetafel.", "warning")
        return redirect(url_for("petra.show", trajectory_id=t.id))
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
                f.paid_on, f.paid_amount, f.method = form.paid_on.data, form.paid_amount.data or f.amount, form.method.data
                f.waived, f.waive_reason = False, None
            elif form.action.data == "kwijtschelden":
                f.waived, f.waive_reason = True, form.waive_reason.data.strip()
                f.paid_on = f.paid_amount = f.method = None
            else:
                f.waived, f.waive_reason, f.paid_on, f.paid_amount, f.method = False, None, None, None, None
            audit.record("update", "petra_fee", f.id, family_id=t.family_id, detail=form.action.data)
        if save.saved:
            flash(f"Bijdrage: {f.status_label}.", "success")
            return redirect(url_for("petra.show", trajectory_id=t.id))
    return render_template("petra/fee.html", t=t, f=f, form=form), save.status


@bp.get("/bijdragen")
def fees():
    teams = team_ids_for()
    stmt = (select(Fee).join(Trajectory, Trajectory.id == Fee.trajectory_id)
            .options(joinedload(Fee.trajectory).joinedload(Trajectory.child),
                     joinedload(Fee.trajectory).joinedload(Trajectory.lead_worker))
            .where(Trajectory.team_id.in_(teams), Fee.waived.is_(False), Fee.paid_on.is_(None))
            .order_by(Fee.due_on, Fee.id))
    page = paginate(stmt)
    total = db.session.scalar(select(func.coalesce(func.sum(Fee.amount), 0)).join(
        Trajectory, Trajectory.id == Fee.trajectory_id).where(
        Trajectory.team_id.in_(teams), Fee.waived.is_(False), Fee.paid_on.is_(None)))
    audit.record_list_read("petra_trajectory", [(f.trajectory.family_id, f.trajectory_id) for f in page.items],
                           detail="lijst: open bijdragen")
    return render_template("petra/fees.html", page=page, total=total, today=date.today())


# --------------------------------------------------------------------------- closure


@bp.route("/traject/<int:trajectory_id>/afronding", methods=["GET", "POST"])
def close(trajectory_id: int):
    t = get_trajectory(trajectory_id, what="afronding")
    if t.status not in ("ongoing", "clarifying"):
        flash("Alleen een lopend traject kan afgerond worden.", "warning")
        return redirect(url_for("petra.show", trajectory_id=t.id))
    form = ClosureForm()
    form.closure_org_id.choices = _org_choices()
    if request.method == "GET":
        form.version.data = t.version
        form.closed_on.data = date.today()
    save = conflict_safe(form)
    if form.validate_on_submit():
        if form.closed_on.data < (t.start_on or t.referred_on):
            form.closed_on.errors.append("De afronding kan niet vóór de start van het traject liggen.")
        else:
            with save:
                save.check(t)
                t.closed_on = form.closed_on.data
                t.closure_reason = form.closure_reason.data
                t.final_evaluation = form.final_evaluation.data or None
                t.closure_org_id = form.closure_org_id.data or None
                t.closure_accompanied = bool(form.closure_accompanied.data)
                t.status = "closed"
                if t.phase < 4 or t.phase4_on is None:
                    t.phase, t.phase4_on = 4, t.phase4_on or t.closed_on
                if t.closure_org_id:
                    _referral_hook(t, t.closure_org_id, t.closed_on, t.closure_accompanied,
                                   "begeleide doorverwijzing bij afronding" if t.closure_accompanied
                                   else "doorverwijzing bij afronding")
                audit.record("update", "petra_trajectory", t.id, family_id=t.family_id, detail="afronding")
            if save.saved:
                flash("Het traject is afgerond.", "success")
                return redirect(url_for("petra.show", trajectory_id=t.id))
    return render_template("petra/close.html", t=t, form=form), save.status


# --------------------------------------------------------------------------- team meeting


@bp.get("/teamoverleg")
def meeting():
    teams = team_ids_for()
    settings = logic.load_settings()
    today = date.today()
    since = today - timedelta(days=arg_int("dagen", 14, min=1, max=3660))
    new = list(db.session.scalars(
        select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.referrer_org))
        .where(Trajectory.team_id.in_(teams), Trajectory.referred_on >= since)
        .order_by(Trajectory.referred_on, Trajectory.id).limit(100)))
    waiting = db.session.scalar(select(func.count()).select_from(Trajectory).where(
        Trajectory.team_id.in_(teams), Trajectory.status == "waiting"))
    active = list(db.session.scalars(
        select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.lead_worker))
        .where(Trajectory.team_id.in_(teams), Trajectory.status == "ongoing")
        .order_by(Trajectory.start_on, Trajectory.id)))
    stalled = list(db.session.scalars(
        select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.lead_worker))
        .where(Trajectory.team_id.in_(teams), Trajectory.status == "clarifying",
               Trajectory.phase2_on <= today - timedelta(days=30))
        .order_by(Trajectory.phase2_on, Trajectory.id).limit(100)))
    ids = [t.id for t in active]
    sdq_moments: dict[int, set] = {i: set() for i in ids}
    rt_kinds: dict[int, set] = {i: set() for i in ids}
    if ids:
        for tid, inf, mom in db.session.execute(select(SdqResult.trajectory_id, SdqResult.informant, SdqResult.moment)
                                                .where(SdqResult.trajectory_id.in_(ids))):
            sdq_moments[tid].add((inf, mom))
        for tid, kind in db.session.execute(select(Roundtable.trajectory_id, Roundtable.kind)
                                            .where(Roundtable.trajectory_id.in_(ids))):
            rt_kinds[tid].add(kind)
    durations = {t.id: logic.duration_of(t, settings, today) for t in active}
    nearing = [t for t in active if durations[t.id].state in ("bijna", "over")]
    due = [(t, items) for t in active if (items := logic.due_items(t, sdq_moments[t.id], rt_kinds[t.id], settings, today))]
    listed = new + nearing + stalled + [t for t, _ in due]
    audit.record_list_read("petra_trajectory", [(t.family_id, t.id) for t in listed], detail="lijst: teamoverleg")
    open_fees = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Fee.amount), 0)).join(Trajectory, Trajectory.id == Fee.trajectory_id)
        .where(Trajectory.team_id.in_(teams), Fee.waived.is_(False), Fee.paid_on.is_(None))).one()
    return render_template("petra/meeting.html", new=new, waiting=waiting, nearing=nearing, due=due, stalled=stalled,
                           durations=durations, open_fees=open_fees, since=since, today=today, n_active=len(active))


@bp.get("/jaaroverzicht")
def year_overview():
    """The year in figures for the team's report: referrals, starts, closures, contacts, SDQ, fees."""
    from sqlalchemy import and_, case, extract

    from .models import CLOSURE_REASONS, CONTACT_KINDS

    teams = team_ids_for()
    today = date.today()
    year = arg_int("jaar", today.year, min=2000, max=2100)
    first, last = date(year, 1, 1), date(year, 12, 31)
    mine = Trajectory.team_id.in_(teams)
    referred = Trajectory.referred_on.between(first, last)

    def grouped(column, *where):
        return dict(db.session.execute(select(column, func.count()).where(mine, *where).group_by(column)).all())

    by_referrer = grouped(Trajectory.referrer_kind, referred)
    by_channel = grouped(Trajectory.channel, referred)
    by_status = grouped(Trajectory.status, referred)
    started = grouped(Trajectory.age_group, Trajectory.start_on.between(first, last))
    closed_rows = db.session.execute(select(Trajectory.closure_reason, Trajectory.start_on, Trajectory.closed_on,
                                            Trajectory.referred_on)
                                     .where(mine, Trajectory.closed_on.between(first, last))).all()
    by_reason: dict[str, int] = {}
    durations = []
    for reason, start, closed, _ref in closed_rows:
        by_reason[reason or "andere"] = by_reason.get(reason or "andere", 0) + 1
        if start and closed:
            durations.append((closed - start).days)
    waits = [(s_ - r_).days for s_, r_ in db.session.execute(
        select(Trajectory.start_on, Trajectory.referred_on).where(mine, Trajectory.start_on.between(first, last)))]
    contacts = db.session.execute(
        select(Contact.kind, func.count(), func.coalesce(func.sum(Contact.minutes), 0))
        .join(Trajectory, Trajectory.id == Contact.trajectory_id)
        .where(mine, Contact.on_date.between(first, last)).group_by(Contact.kind)).all()
    # contacts per closed trajectory (the whole trajectory) against the norms
    closed_ids = select(Trajectory.id).where(mine, Trajectory.closed_on.between(first, last),
                                             Trajectory.start_on.is_not(None))
    per_kind_closed = dict(db.session.execute(
        select(Contact.kind, func.count()).where(Contact.trajectory_id.in_(closed_ids)).group_by(Contact.kind)).all())
    n_closed_started = db.session.scalar(select(func.count()).select_from(closed_ids.subquery()))
    settings = logic.load_settings()
    norms = [(n.label, round(n.done / n_closed_started, 1) if n_closed_started else 0, n.norm)
             for n in logic.norm_progress(per_kind_closed, settings)]
    before = SdqResult.__table__.alias("voor")
    after = SdqResult.__table__.alias("na")
    sdq = db.session.execute(
        select(before.c.informant, func.count(), func.avg(before.c.total), func.avg(after.c.total),
               func.sum(case((after.c.total < before.c.total, 1), else_=0)))
        .join(after, and_(after.c.trajectory_id == before.c.trajectory_id, after.c.informant == before.c.informant,
                          after.c.moment == "na"))
        .where(before.c.moment == "voor", before.c.trajectory_id.in_(closed_ids))
        .group_by(before.c.informant)).all()
    fee_rows = db.session.execute(
        select(Fee.waived, Fee.paid_on.is_not(None), func.count(), func.coalesce(func.sum(Fee.amount), 0))
        .join(Trajectory, Trajectory.id == Fee.trajectory_id)
        .where(mine, Fee.due_on.between(first, last)).group_by(Fee.waived, Fee.paid_on.is_not(None))).all()
    fees_summary = {"betaald": [0, 0], "kwijtgescholden": [0, 0], "open": [0, 0]}
    for waived, paid, n, amount in fee_rows:
        key = "kwijtgescholden" if waived else ("betaald" if paid else "open")
        fees_summary[key][0] += n
        fees_summary[key][1] += amount
    years = sorted({y for (y,) in db.session.execute(
        select(extract("year", Trajectory.referred_on)).where(mine).distinct()) if y} | {today.year}, reverse=True)
    return render_template(
        "petra/year.html", year=year, years=[int(y) for y in years], by_referrer=by_referrer, by_channel=by_channel,
        by_status=by_status, started=started, by_reason=by_reason, n_closed=len(closed_rows),
        mean_duration=round(sum(durations) / len(durations)) if durations else None,
        mean_wait=round(sum(waits) / len(waits)) if waits else None, contacts=contacts, norms=norms, sdq=sdq,
        fees=fees_summary, vocab=VOCAB, status_labels=labels(STATUSES), reason_labels=labels(CLOSURE_REASONS),
        kind_labels=labels(CONTACT_KINDS), informant_labels=labels(INFORMANTS))


# --------------------------------------------------------------------------- settings


@bp.route("/instellingen", methods=["GET", "POST"])
def settings_page():
    return logic.SETTINGS.view(title="Instellingen PeTra", template="petra/settings.html")


# --------------------------------------------------------------------------- fragments: family panel, widget


@bp.get("/gezin/<int:family_id>/paneel")
def family_panel(family_id: int):
    require_family(family_id, "petra_family_panel")
    teams = team_ids_for()
    rows = list(db.session.scalars(
        select(Trajectory).options(joinedload(Trajectory.child), joinedload(Trajectory.team),
                                   joinedload(Trajectory.lead_worker))
        .where(Trajectory.family_id == family_id).order_by(Trajectory.referred_on.desc())))
    mine = [t for t in rows if current_user.is_admin or t.team_id in teams]
    others = len(rows) - len(mine)
    busy = {t.child_id for t in rows if t.status in ("waiting", "clarifying", "ongoing")}
    children = [p for p in db.session.scalars(
        select(Person).join(FamilyMember, FamilyMember.person_id == Person.id)
        .where(FamilyMember.family_id == family_id, FamilyMember.role == "kind", Person.archived.is_(False))
        .order_by(Person.birth_date)) if p.id not in busy]
    audit.record_read("petra_family_panel", family_id, family_id=family_id)
    return render(None, "petra/_family_panel.html", title="PeTra-trajecten", trajectories=mine, others=others,
                  family_id=family_id, children=children, can_refer=bool(teams))


@bp.get("/widget/caseload")
def widget_caseload():
    teams = team_ids_for()
    rows = db.session.execute(
        select(User.display_name, Trajectory.status, func.count())
        .join(User, User.id == Trajectory.lead_worker_id)
        .where(Trajectory.team_id.in_(teams), Trajectory.status.in_(("clarifying", "ongoing")))
        .group_by(User.display_name, Trajectory.status).order_by(User.display_name))
    per: dict[str, dict[str, int]] = {}
    for name, status, n in rows:
        per.setdefault(name, {"clarifying": 0, "ongoing": 0})[status] = n
    waiting = db.session.scalar(select(func.count()).select_from(Trajectory).where(
        Trajectory.team_id.in_(teams), Trajectory.status == "waiting"))
    return render(None, "petra/_widget_caseload.html", title="PeTra: caseload per begeleider", per=per,
                  waiting=waiting)


__all__ = ["bp", "owns"]
