"""Pages of the groups plugin: programmes, sessions, enrolment, attendance, calendar, exports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from core import audit, people
from core.downloads import send_download
from core.extensions import db
from core.formatting import format_date, format_datetime, format_period, month_label
from core.forms import conflict_safe
from core.models import Organisation, User, utcnow
from core.pagination import Page
from core.pagination import page_number as _page_no
from core.params import INT_MAX, arg_choice, arg_date, arg_int, arg_month, arg_str
from core.people import PersonCard
from core.ui import render, wants_fragment
from core.xlsx import Book, send_xlsx

from .access import get_programme, owner_team_choices, owns, programme_family_ids, require_owner
from .forms import EnrolForm, EnrolmentEditForm, ProgrammeForm, SeriesForm, SessionForm
from .logic import (
    TZ,
    WEEKDAY_LABELS,
    Slot,
    enrolled_count,
    find_conflicts,
    fit_warning,
    fit_warning_by_birth_year,
    generate_series,
    now_local,
    programme_attendance,
    programme_change_conflicts,
    waiting_order,
)
from .models import (
    ATTENDANCE_LABELS,
    ATTENDANCE_STATUSES,
    PROGRAMME_KINDS,
    Attendance,
    Enrolment,
    GroupSession,
    Programme,
)

bp = Blueprint("groups", __name__, url_prefix="/groepen", template_folder="templates")
PAGE_SIZE = 25


def _leader_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(User.id, User.display_name).where(
        User.organisation_id.is_(None), User.active.is_(True)).order_by(User.display_name))
    return [(i, n) for i, n in rows]


def _partner_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.archived.is_(False)).order_by(Organisation.name))
    return [(i, n) for i, n in rows]


# --------------------------------------------------------------------------- programmes


@bp.get("/")
def index():
    q = arg_str("q", max_len=100)
    scope = arg_choice("team", ("mijn", "alle"), "mijn")
    kind = arg_choice("soort", PROGRAMME_KINDS, "")
    stmt = select(Programme).options(selectinload(Programme.team)).where(Programme.archived.is_(False))
    if scope != "alle" and not current_user.is_admin:
        stmt = stmt.where(Programme.team_id.in_(current_user.team_ids()))
    if kind in dict(PROGRAMME_KINDS):
        stmt = stmt.where(Programme.kind == kind)
    if q:
        stmt = stmt.where(func.lower(Programme.name).contains(q.lower()))
    page_no = _page_no()
    stmt = stmt.order_by(Programme.start_date.desc().nulls_last(), Programme.name, Programme.id)
    rows = list(db.session.scalars(stmt.offset((page_no - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    page = Page(rows[:PAGE_SIZE], page_no, len(rows) > PAGE_SIZE)
    ids = [p.id for p in page.items]
    counts = {}
    if ids:
        counts = {(pid, st): n for pid, st, n in db.session.execute(
            select(Enrolment.programme_id, Enrolment.status, func.count(Enrolment.id))
            .where(Enrolment.programme_id.in_(ids)).group_by(Enrolment.programme_id, Enrolment.status))}
    args = {k: v for k, v in request.args.items() if k != "pagina"}
    return render_template("groups/index.html", page=page, counts=counts, q=q, scope=scope, kind=kind,
                           kinds=PROGRAMME_KINDS, args=args, can_create=bool(owner_team_choices()))


def _programme_form(programme: Programme | None = None) -> ProgrammeForm:
    form = ProgrammeForm(obj=programme if request.method == "GET" else None)
    form.team_id.choices = owner_team_choices()
    if programme is not None and programme.team_id not in {t for t, _ in form.team_id.choices}:
        form.team_id.choices.append((programme.team_id, programme.team.name))
    form.leader_ids.choices = _leader_choices()
    form.partner_ids.choices = _partner_choices()
    if request.method == "GET":
        if programme is not None:
            form.leader_ids.data = [u.id for u in programme.leaders]
            form.partner_ids.data = [o.id for o in programme.partners]
            form.version.data = programme.version
        else:
            form.leader_ids.data = [current_user.id]
    return form


def _apply_programme(form: ProgrammeForm, programme: Programme) -> None:
    programme.name = form.name.data.strip()
    programme.team_id = form.team_id.data
    programme.kind = form.kind.data
    programme.age_group = form.age_group.data
    programme.age_min = form.age_min.data if form.age_group.data == "leeftijd" else None
    programme.age_max = form.age_max.data if form.age_group.data == "leeftijd" else None
    programme.capacity = form.capacity.data
    programme.location = (form.location.data or "").strip() or None
    programme.start_date = form.start_date.data
    programme.end_date = form.end_date.data
    programme.themes = (form.themes.data or "").strip() or None
    programme.description = (form.description.data or "").strip() or None
    programme.leaders = list(db.session.scalars(select(User).where(User.id.in_(form.leader_ids.data or []))))
    programme.partners = list(db.session.scalars(select(Organisation).where(
        Organisation.id.in_(form.partner_ids.data or []))))


@bp.route("/nieuw", methods=["GET", "POST"])
def create():
    form = _programme_form()
    if not form.team_id.choices:
        abort(403)
    if request.method == "POST" and form.validate():
        programme = Programme()
        _apply_programme(form, programme)
        db.session.add(programme)
        db.session.flush()
        audit.record("create", "groups_programme", programme.id)
        db.session.commit()
        flash(f"Groep '{programme.name}' aangemaakt. Plan nu de sessies.", "success")
        return redirect(url_for("groups.show", programme_id=programme.id))
    return render_template("groups/programme_form.html", form=form, programme=None, conflicts=[])


@bp.route("/<int:programme_id>/bewerken", methods=["GET", "POST"])
def edit(programme_id: int):
    programme = get_programme(programme_id)
    require_owner(programme)
    form = _programme_form(programme)
    save, conflicts = conflict_safe(form), []
    if request.method == "POST" and form.validate():
        location = (form.location.data or "").strip() or None
        names = dict(form.leader_ids.choices)
        if location != programme.location or set(form.leader_ids.data or []) != {u.id for u in programme.leaders}:
            conflicts = programme_change_conflicts(programme, location, form.leader_ids.data or [], names)
        if form.team_id.data not in {t for t, _ in owner_team_choices()}:
            form.team_id.errors = ["Je kan een groep enkel aan je eigen team toewijzen."]
        elif not conflicts or form.confirm_conflicts.data:
            with save:
                save.check(programme)
                _apply_programme(form, programme)
                audit.record("update", "groups_programme", programme.id)
            if save.saved:
                flash("Groep opgeslagen.", "success")
                return redirect(url_for("groups.show", programme_id=programme.id))
    return render_template("groups/programme_form.html", form=form, programme=programme, conflicts=conflicts), (
        save.status)


@bp.post("/<int:programme_id>/archiveren")
def archive(programme_id: int):
    """Archive (or restore) a programme: it leaves lists, calendars and conflict checks; nothing is deleted."""
    programme = get_programme(programme_id)
    require_owner(programme)
    restore = request.form.get("herstel") == "1"
    programme.archived = not restore
    audit.record("restore" if restore else "archive", "groups_programme", programme.id)
    db.session.commit()
    flash("Groep teruggezet." if restore else "Groep gearchiveerd: ze staat niet meer in lijsten en kalenders.",
          "success")
    return redirect(url_for("groups.show", programme_id=programme.id))


@bp.get("/<int:programme_id>")
def show(programme_id: int):
    programme = db.session.scalar(select(Programme).options(
        selectinload(Programme.team), selectinload(Programme.leaders), selectinload(Programme.partners))
        .where(Programme.id == programme_id))
    if programme is None:
        abort(404)
    sessions = list(db.session.scalars(select(GroupSession).options(selectinload(GroupSession.partner))
                                       .where(GroupSession.programme_id == programme_id)
                                       .order_by(GroupSession.starts_at, GroupSession.id)))
    mine = owns(programme)
    enrolled, waiting, per_child, per_session = [], [], {}, {}
    if mine:
        rows = list(db.session.scalars(
            select(Enrolment).options(selectinload(Enrolment.person), selectinload(Enrolment.family))
            .where(Enrolment.programme_id == programme_id, Enrolment.status.in_(("enrolled", "waiting")))
            .order_by(*waiting_order())))
        enrolled = sorted([e for e in rows if e.status == "enrolled"], key=lambda e: e.sort_key())
        waiting = [e for e in rows if e.status == "waiting"]
        per_child, per_session = programme_attendance(programme_id, sessions, [e.id for e in enrolled])
        n_enrolled = len(enrolled)
    else:
        n_enrolled = enrolled_count(programme_id)
    warnings = {e.id: fit_warning(programme, e.person) for e in enrolled + waiting}
    html = render_template("groups/show.html", programme=programme, sessions=sessions, mine=mine,
                           enrolled=enrolled, waiting=waiting, per_child=per_child, per_session=per_session,
                           n_enrolled=n_enrolled, warnings=warnings, now=now_local())
    if mine:
        audit.record_list_read("groups_programme", [e.family_id for e in enrolled + waiting], object_id=programme_id,
                               detail="deelnemers")
    return html


# --------------------------------------------------------------------------- sessions


def _leader_names(programme: Programme) -> dict[int, str]:
    return {u.id: u.display_name for u in programme.leaders}


@bp.route("/<int:programme_id>/reeks", methods=["GET", "POST"])
def series(programme_id: int):
    programme = get_programme(programme_id)
    require_owner(programme)
    form = SeriesForm()
    if request.method == "GET":
        form.location.data = programme.location
        if programme.start_date:
            form.first_day.data = programme.start_date
    conflicts, preview, skipped = [], [], []
    if request.method == "POST" and form.validate():
        slots, skipped = generate_series(form.first_day.data, form.weekday.data, form.start_time.data,
                                         form.end_time.data, form.count.data, getattr(form, "skip_dates", set()))
        preview = slots
        location = (form.location.data or "").strip() or None
        conflicts = find_conflicts(slots, location or programme.location, [u.id for u in programme.leaders],
                                   leader_names=_leader_names(programme))
        if not conflicts or form.confirm_conflicts.data:
            for s in slots:
                db.session.add(GroupSession(programme_id=programme.id, kind="session", starts_at=s.starts_at,
                                            ends_at=s.ends_at, location=location,
                                            theme=(form.theme.data or "").strip() or None))
            audit.record("create", "groups_session", programme.id, detail=f"reeks van {len(slots)}")
            db.session.commit()
            msg = f"{len(slots)} sessies gepland op {WEEKDAY_LABELS[form.weekday.data]}."
            if skipped:
                msg += " Overgeslagen: " + ", ".join(format_date(d) for d in skipped) + "."
            flash(msg, "success")
            return redirect(url_for("groups.show", programme_id=programme.id))
    return render_template("groups/series_form.html", form=form, programme=programme, conflicts=conflicts,
                           preview=preview, skipped=skipped)


def _session_partner_choices(programme: Programme, session: GroupSession | None = None) -> list[tuple[int, str]]:
    partners = {o.id: o.name for o in programme.partners}
    if session is not None and session.partner is not None:
        partners.setdefault(session.partner.id, session.partner.name)
    return [(0, "— het eigen team —")] + sorted(partners.items(), key=lambda kv: kv[1])


def _session_slot(form: SessionForm) -> Slot:
    start = datetime.combine(form.start_day.data, form.start_time.data)
    end = datetime.combine(form.end_day.data or form.start_day.data, form.end_time.data)
    return Slot(start, end)


def _apply_session(form: SessionForm, session: GroupSession) -> None:
    slot = _session_slot(form)
    session.kind = form.kind.data
    session.starts_at, session.ends_at = slot.starts_at, slot.ends_at
    session.location = (form.location.data or "").strip() or None
    session.theme = (form.theme.data or "").strip() or None
    session.partner_id = form.partner_id.data or None
    session.plan = (form.plan.data or "").strip() or None
    session.reflection = (form.reflection.data or "").strip() or None


@bp.route("/<int:programme_id>/sessies/nieuw", methods=["GET", "POST"])
def add_session(programme_id: int):
    programme = get_programme(programme_id)
    require_owner(programme)
    form = SessionForm()
    form.partner_id.choices = _session_partner_choices(programme)
    if request.method == "GET":
        form.kind.data = arg_choice("soort", form.kind.choices, "session")
        form.location.data = programme.location
    conflicts = []
    if request.method == "POST" and form.validate():
        slot = _session_slot(form)
        conflicts = find_conflicts([slot], (form.location.data or "").strip() or programme.location,
                                   [u.id for u in programme.leaders], leader_names=_leader_names(programme))
        if not conflicts or form.confirm_conflicts.data:
            session = GroupSession(programme_id=programme.id)
            _apply_session(form, session)
            db.session.add(session)
            db.session.flush()
            audit.record("create", "groups_session", session.id)
            db.session.commit()
            flash("Sessie gepland.", "success")
            return redirect(url_for("groups.show", programme_id=programme.id))
    return render_template("groups/session_form.html", form=form, programme=programme, session=None,
                           conflicts=conflicts)


def _get_session(session_id: int) -> GroupSession:
    session = db.session.get(GroupSession, session_id)
    if session is None:
        abort(404)
    return session


@bp.get("/sessies/<int:session_id>")
def session_detail(session_id: int):
    session = _get_session(session_id)
    programme = session.programme
    mine = owns(programme)
    counts, no_consent = {}, []
    if mine:
        counts = dict(db.session.execute(select(Attendance.status, func.count(Attendance.id))
                                         .where(Attendance.session_id == session.id).group_by(Attendance.status)).all())
        if session.kind == "showcase":  # who may not be filmed or photographed at the showcase
            no_consent = list(db.session.scalars(
                select(Enrolment).options(selectinload(Enrolment.person))
                .where(Enrolment.programme_id == programme.id, Enrolment.status == "enrolled",
                       or_(Enrolment.photo_consent.is_(False), Enrolment.film_consent.is_(False)))))
    html = render_template("groups/session.html", session=session, programme=programme, mine=mine,
                           now=now_local(), counts=counts, labels=ATTENDANCE_LABELS, no_consent=no_consent)
    if no_consent:
        audit.record_list_read("groups_enrolment", [e.family_id for e in no_consent], object_id=session.id,
                               detail="toestemming beeldmateriaal")
    return html


@bp.route("/sessies/<int:session_id>/bewerken", methods=["GET", "POST"])
def edit_session(session_id: int):
    session = _get_session(session_id)
    programme = session.programme
    require_owner(programme, "groups_session", session.id)
    form = SessionForm()
    form.partner_id.choices = _session_partner_choices(programme, session)
    if request.method == "GET":
        form.kind.data = session.kind
        form.partner_id.data = session.partner_id or 0
        form.start_day.data, form.start_time.data = session.starts_at.date(), session.starts_at.time()
        form.end_day.data = session.ends_at.date() if session.ends_at.date() != session.starts_at.date() else None
        form.end_time.data = session.ends_at.time()
        form.location.data, form.theme.data = session.location, session.theme
        form.plan.data, form.reflection.data = session.plan, session.reflection
        form.version.data = session.version
    conflicts, save = [], conflict_safe(form)
    if request.method == "POST" and form.validate():
        slot = _session_slot(form)
        old = (session.starts_at, session.ends_at, session.location)
        conflicts = find_conflicts([slot], (form.location.data or "").strip() or programme.location,
                                   [u.id for u in programme.leaders], exclude_session_id=session.id,
                                   leader_names=_leader_names(programme))
        if not conflicts or form.confirm_conflicts.data:
            with save:
                save.check(session)
                _apply_session(form, session)
                moved = old != (session.starts_at, session.ends_at, session.location)
                audit.record("update", "groups_session", session.id, detail="verplaatst" if moved else None)
            if save.saved:
                if moved:
                    flash("Sessie verplaatst. Verwittig de gezinnen en begeleiders hieronder.", "warning")
                    return redirect(url_for("groups.notify", session_id=session.id))
                flash("Sessie opgeslagen.", "success")
                return redirect(url_for("groups.session_detail", session_id=session.id))
    return render_template("groups/session_form.html", form=form, programme=programme, session=session,
                           conflicts=conflicts), save.status


@bp.post("/sessies/<int:session_id>/annuleren")
def cancel_session(session_id: int):
    session = _get_session(session_id)
    require_owner(session.programme, "groups_session", session.id)
    restore = request.form.get("herstel") == "1"
    session.cancelled = not restore
    audit.record("restore" if restore else "archive", "groups_session", session.id,
                 detail="annulering ongedaan" if restore else "geannuleerd")
    db.session.commit()
    if restore:
        flash("De sessie gaat opnieuw door. Verwittig de gezinnen en begeleiders.", "warning")
    else:
        flash("Sessie geannuleerd. Verwittig de gezinnen en begeleiders hieronder.", "warning")
    return redirect(url_for("groups.notify", session_id=session.id))


@bp.get("/sessies/<int:session_id>/verwittigen")
def notify(session_id: int):
    """Who must be told about a moved or cancelled session: the families of enrolled children and leaders."""
    session = _get_session(session_id)
    programme = session.programme
    require_owner(programme, "groups_session", session.id,
                  family_ids=programme_family_ids(programme.id, ("enrolled",)))
    rows = list(db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.person), selectinload(Enrolment.family))
        .where(Enrolment.programme_id == programme.id, Enrolment.status == "enrolled")))
    # an erased (detached) enrolment has no family to tell: counted, not listed
    enrolments = sorted([e for e in rows if e.family is not None], key=lambda e: (e.family_label, e.given_name, e.id))
    html = render_template("groups/notify.html", session=session, programme=programme, enrolments=enrolments,
                           n_erased=len(rows) - len(enrolments))
    audit.record_list_read("groups_session", [e.family_id for e in enrolments], object_id=session.id,
                           detail="contactgegevens voor verwittiging")
    return html


# --------------------------------------------------------------------------- enrolment


def _roles(programme: Programme) -> tuple[str, ...]:
    """Who can be enrolled: children, or parents and carers for a parent group."""
    return ("ouder", "opvoeder") if programme.age_group == "ouders" else ("kind",)


def _search_children(q: str, page_no: int, roles: tuple[str, ...] = ("kind",), birth_year: int | None = None) -> Page:
    """People found by name through the core: directory facts, details only where the user's team is involved."""
    return people.search(current_user, q, birth_year=birth_year, roles=roles, page=page_no, per_page=20,
                         purpose="inschrijving groepsaanbod: zoeken")


def _birth_year() -> int | None:
    return arg_int("geboortejaar", None, min=1900, max=2199)


def _open_person(roles: tuple[str, ...] | None, purpose: str) -> PersonCard | None:
    """The person named in the request (``person_id``, ``family_id``, ``sleutel``) through the core: with the
    record when the user's team is involved, at directory level with the search's token, else 403 (logged)."""
    person_id = request.values.get("person_id", type=int)
    if not person_id:
        return None
    family_id = request.values.get("family_id", type=int) or None
    if not 0 < person_id <= INT_MAX or (family_id is not None and not 0 < family_id <= INT_MAX):
        abort(404)
    return people.card(current_user, person_id, family_id,
                       token=request.values.get("sleutel") or None, roles=roles, purpose=purpose)


def _fit_warning(programme: Programme, card: PersonCard) -> str | None:
    """The fit warning: from the child's school year and age when the team may see them, else from the birth
    year alone (directory level)."""
    if card.record is not None:
        return fit_warning(programme, card.record.person)
    return fit_warning_by_birth_year(programme, card.given_name, card.birth_year)


INVOLVEMENT_REASON = "Inschrijving groepsaanbod: {}"


@bp.get("/inschrijven")
def enrol_pick_programme():
    """Entry point for other modules (e.g. PeTra): ``?person_id=`` then pick one of the team's programmes."""
    card = _open_person(None, "inschrijving groepsaanbod")
    if card is None:
        abort(404)
    stmt = select(Programme).where(Programme.archived.is_(False))
    if not current_user.is_admin:
        stmt = stmt.where(Programme.team_id.in_(current_user.team_ids()))
    today = date.today()
    stmt = stmt.where(or_(Programme.end_date.is_(None), Programme.end_date >= today)).order_by(Programme.start_date,
                                                                                                  Programme.name)
    programmes = list(db.session.scalars(stmt.limit(100)))
    return render_template("groups/enrol_pick.html", card=card, programmes=programmes)


@bp.route("/<int:programme_id>/inschrijven", methods=["GET", "POST"])
def enrol(programme_id: int):
    programme = get_programme(programme_id)
    person_id = request.values.get("person_id", type=int)
    if not owns(programme):
        family_id = request.values.get("family_id", type=int)
        concerned = [family_id] if family_id else (people.family_ids_of(person_id) if person_id else [])
        require_owner(programme, "groups_enrolment", family_ids=concerned)
    form = EnrolForm()
    card = None
    try:
        card = _open_person(_roles(programme), "inschrijving groepsaanbod")
    except NotFound:
        flash("Deze persoon staat niet als kind (of bij een oudergroep: als ouder) in een gezin.", "error")
    q = arg_str("q", max_len=100)
    birth_year = _birth_year()
    results = _search_children(q, _page_no(), _roles(programme), birth_year) if card is None else Page([], 1, False)
    warning = _fit_warning(programme, card) if card is not None else None
    existing = None
    if card is not None:
        existing = db.session.scalar(select(Enrolment).where(Enrolment.programme_id == programme.id,
                                                             Enrolment.person_id == card.person_id))
        if request.method == "GET":
            form.person_id.data, form.family_id.data, form.sleutel.data = card.person_id, card.family_id, card.token
    if request.method == "POST" and card is not None and form.validate():
        ok = True
        if existing is not None and existing.status != "withdrawn":
            form.form_errors.append(f"{card.full_name} staat al op de lijst van deze groep "
                                    f"({existing.status_label.lower()}). Een kind kan maar één keer ingeschreven worden.")
            ok = False
        if ok and warning and not form.confirm_fit.data:
            form.confirm_fit.errors = [warning + " Vink aan om toch in te schrijven."]
            ok = False
        if ok:
            # the create action registers the team's involvement with the household (logged)
            record = people.involve(current_user, programme.team_id, card.person_id, card.family_id,
                                    reason=INVOLVEMENT_REASON.format(programme.name), source="groups",
                                    token=form.sleutel.data or None, roles=_roles(programme))
            person, family = record.person, record.family
            full = enrolled_count(programme.id) >= programme.capacity
            now = utcnow()
            enrolment = existing or Enrolment(programme_id=programme.id, person_id=person.id, created_by_id=current_user.id)
            enrolment.family_id = family.id
            enrolment.status = "waiting" if full else "enrolled"
            enrolment.priority = form.priority.data
            enrolment.waiting_since = now if full else None
            enrolment.enrolled_at = None if full else now
            enrolment.photo_consent = form.photo_consent.data
            enrolment.film_consent = form.film_consent.data
            enrolment.note = (form.note.data or "").strip() or None
            if existing is None:
                db.session.add(enrolment)
            try:
                db.session.flush()
            except IntegrityError:  # the same child enrolled a moment ago (double click, two workers)
                db.session.rollback()
                flash(f"{card.full_name} staat al op de lijst van deze groep.", "error")
                return redirect(url_for("groups.show", programme_id=programme_id))
            audit.record("create", "groups_enrolment", enrolment.id, family_id=family.id,
                         detail="wachtlijst" if full else "ingeschreven")
            late_warning = fit_warning(programme, person) if card.record is None else None
            db.session.commit()
            if full:
                flash(f"De groep is volzet: {card.given_name} staat op de wachtlijst.", "warning")
            else:
                flash(f"{card.full_name} is ingeschreven.", "success")
            if late_warning:  # the school year, seen now the team is involved
                flash("Let op: " + late_warning, "warning")
            return redirect(url_for("groups.show", programme_id=programme.id))
    return render_template("groups/enrol.html", programme=programme, form=form, card=card,
                           results=results, q=q, birth_year=birth_year, warning=warning, existing=existing,
                           fits=lambda c: _fit_warning(programme, c) is None,
                           full=enrolled_count(programme.id) >= programme.capacity)


def _get_enrolment(enrolment_id: int, detached_ok: bool = False) -> Enrolment:
    """The enrolment, for its owning team. A detached (erased) one has no child to edit or admit: 404,
    except where ``detached_ok`` (withdrawing it frees the place)."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or (enrolment.detached and not detached_ok):
        abort(404)
    require_owner(enrolment.programme, "groups_enrolment", enrolment.id, family_ids=[enrolment.family_id])
    return enrolment


@bp.route("/inschrijvingen/<int:enrolment_id>", methods=["GET", "POST"])
def edit_enrolment(enrolment_id: int):
    enrolment = _get_enrolment(enrolment_id)
    form = EnrolmentEditForm(obj=enrolment if request.method == "GET" else None)
    save = conflict_safe(form)
    if request.method == "POST" and form.validate():
        with save:
            save.check(enrolment)
            enrolment.priority = form.priority.data
            enrolment.photo_consent = form.photo_consent.data
            enrolment.film_consent = form.film_consent.data
            enrolment.note = (form.note.data or "").strip() or None
            audit.record("update", "groups_enrolment", enrolment.id, family_id=enrolment.family_id)
        if save.saved:
            flash("Inschrijving opgeslagen.", "success")
            return redirect(url_for("groups.show", programme_id=enrolment.programme_id))
    if request.method == "GET":
        audit.record_read("groups_enrolment", enrolment.id, family_id=enrolment.family_id)
    return render_template("groups/enrolment_form.html", form=form, enrolment=enrolment), save.status


@bp.post("/inschrijvingen/<int:enrolment_id>/toelaten")
def promote(enrolment_id: int):
    enrolment = _get_enrolment(enrolment_id)
    programme = enrolment.programme
    if enrolment.status != "waiting":
        flash("Deze inschrijving staat niet op de wachtlijst.", "error")
    elif enrolled_count(programme.id) >= programme.capacity:
        flash(f"De groep is volzet ({programme.capacity} plaatsen). Verhoog de capaciteit of schrijf eerst "
              "iemand uit.", "error")
    else:
        enrolment.status = "enrolled"
        enrolment.enrolled_at = utcnow()
        audit.record("update", "groups_enrolment", enrolment.id, family_id=enrolment.family_id,
                     detail="van wachtlijst naar ingeschreven")
        db.session.commit()
        flash(f"{enrolment.child_name} is van de wachtlijst naar de groep gegaan.", "success")
    return redirect(url_for("groups.show", programme_id=programme.id))


@bp.post("/inschrijvingen/<int:enrolment_id>/uitschrijven")
def withdraw(enrolment_id: int):
    enrolment = _get_enrolment(enrolment_id, detached_ok=True)
    was_enrolled = enrolment.status == "enrolled"
    enrolment.status = "withdrawn"
    audit.record("update", "groups_enrolment", enrolment.id, family_id=enrolment.family_id, detail="uitgeschreven")
    db.session.commit()
    msg = f"{enrolment.child_name} is uitgeschreven."
    if was_enrolled:
        nxt = db.session.scalar(select(Enrolment).where(Enrolment.programme_id == enrolment.programme_id,
                                                        Enrolment.status == "waiting", Enrolment.person_id.is_not(None))
                                .order_by(*waiting_order()))
        if nxt is not None:
            msg += f" Eerste op de wachtlijst: {nxt.child_name}."
    flash(msg, "success")
    return redirect(url_for("groups.show", programme_id=enrolment.programme_id))


# --------------------------------------------------------------------------- attendance


def _attendance_rows(session: GroupSession):
    enrolments = list(db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.person))
        .where(Enrolment.programme_id == session.programme_id,
               or_(Enrolment.status == "enrolled",
                   Enrolment.id.in_(select(Attendance.enrolment_id).where(Attendance.session_id == session.id))))))
    enrolments.sort(key=lambda e: e.sort_key(given_first=True))
    marks = dict(db.session.execute(select(Attendance.enrolment_id, Attendance.status)
                                    .where(Attendance.session_id == session.id)).all())
    return enrolments, marks


def _not_started_message(session: GroupSession) -> str | None:
    if session.cancelled:
        return "Deze sessie is geannuleerd: je kan geen aanwezigheden registreren."
    if session.starts_at > now_local():
        return (f"Deze sessie begint pas op {format_period(session.starts_at, session.ends_at)}. Aanwezigheden registreer je vanaf het begin "
                "van de sessie.")
    return None


@bp.get("/sessies/<int:session_id>/aanwezigheden")
def attendance(session_id: int):
    session = _get_session(session_id)
    programme = session.programme
    if not owns(programme):
        require_owner(programme, "groups_attendance", session.id,
                      family_ids=[e.family_id for e in _attendance_rows(session)[0]])
    enrolments, marks = _attendance_rows(session)
    html = render_template("groups/attendance.html", session=session, programme=programme, enrolments=enrolments,
                           marks=marks, statuses=ATTENDANCE_STATUSES, refusal=_not_started_message(session))
    audit.record_list_read("groups_attendance", [e.family_id for e in enrolments], object_id=session.id)
    return html


@bp.post("/sessies/<int:session_id>/aanwezigheden/<int:enrolment_id>")
def mark_attendance(session_id: int, enrolment_id: int):
    session = _get_session(session_id)
    programme = session.programme
    enrolment = db.session.get(Enrolment, enrolment_id)
    require_owner(programme, "groups_attendance", session.id,
                  family_ids=[enrolment.family_id] if enrolment and enrolment.programme_id == programme.id else [])
    if enrolment is None or enrolment.programme_id != programme.id:
        abort(404)
    status = request.form.get("status", "")
    refusal = _not_started_message(session)
    if refusal is None and status not in ATTENDANCE_LABELS:
        refusal = "Kies aanwezig, afwezig of verontschuldigd."
    if refusal is None and enrolment.status != "enrolled" and not db.session.scalar(
            select(Attendance.id).where(Attendance.session_id == session.id, Attendance.enrolment_id == enrolment.id)):
        refusal = "Dit kind is niet (meer) ingeschreven in deze groep."
    if refusal:
        if wants_fragment():
            # htmx swaps only 2xx answers: the row comes back unchanged with the refusal next to it
            mark = db.session.scalar(select(Attendance.status).where(Attendance.session_id == session.id,
                                                                     Attendance.enrolment_id == enrolment.id))
            return render_template("groups/_attendance_row.html", session=session, e=enrolment,
                                   mark=mark, statuses=ATTENDANCE_STATUSES, error=refusal)
        return render_template("groups/attendance_refused.html", session=session, message=refusal), 400
    # the mark this page showed ("" = none); a form without it knows nothing, so any other mark is a conflict
    current = _save_mark(session, enrolment, status, request.form.get("vorige", ""))
    if current is not None:
        return _attendance_conflict(session, enrolment, status, current)
    if wants_fragment():
        return render_template("groups/_attendance_row.html", session=session, e=enrolment, mark=status,
                               statuses=ATTENDANCE_STATUSES, error=None)
    return redirect(url_for("groups.attendance", session_id=session.id))


def _save_mark(session: GroupSession, enrolment: Enrolment, status: str, expected: str) -> Attendance | None:
    """Store ``status`` if the child's mark is still ``expected`` (what the user's page showed) and commit.
    Two tablets marking the same child: the later one does not overwrite the earlier; it gets the stored
    row back (a conflict, nothing written). The same mark twice is no conflict and writes nothing."""
    for _ in range(3):
        row = db.session.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                         Attendance.enrolment_id == enrolment.id))
        if row is not None and row.status == status:
            return None
        if row is not None and row.status != expected:
            return row
        if row is None:
            row = Attendance(session_id=session.id, enrolment_id=enrolment.id, status=status,
                             recorded_at=utcnow(), recorded_by_id=current_user.id)
            db.session.add(row)
            try:
                db.session.flush()
            except IntegrityError:  # the other tablet inserted first: read its mark and decide again
                db.session.rollback()
                continue
        else:  # compare-and-set in one statement: a mark changed since we read it is never overwritten
            done = db.session.execute(
                update(Attendance).where(Attendance.id == row.id, Attendance.status == expected)
                .values(status=status, recorded_at=utcnow(), recorded_by_id=current_user.id)
                .execution_options(synchronize_session=False)).rowcount
            if not done:
                db.session.rollback()
                continue
        audit.record("update", "groups_attendance", row.id, family_id=enrolment.family_id, detail=status)
        db.session.commit()
        return None
    # others changed the mark three times between our reads: show what is stored now
    return db.session.scalar(select(Attendance).where(Attendance.session_id == session.id,  # pragma: no cover
                                                      Attendance.enrolment_id == enrolment.id))


def _attendance_conflict(session: GroupSession, enrolment: Enrolment, status: str, current: Attendance):
    """The row with both marks (who marked what, when) and a choice; the whole page without JavaScript."""
    who = db.session.get(User, current.recorded_by_id) if current.recorded_by_id else None
    conflict = dict(
        mine=status, theirs=current.status,
        who="jijzelf (in een ander venster)" if who is not None and who.id == current_user.id
        else (who.display_name if who is not None else "iemand anders"),
        at=current.recorded_at.replace(tzinfo=UTC).astimezone(TZ).replace(tzinfo=None) if current.recorded_at else None)
    audit.record_list_read("groups_attendance", [enrolment.family_id], object_id=session.id,
                           detail="aanwezigheid: conflict getoond")
    if wants_fragment():  # htmx swaps only 2xx answers
        return render_template("groups/_attendance_row.html", session=session, e=enrolment, mark=current.status,
                               statuses=ATTENDANCE_STATUSES, error=None, conflict=conflict)
    programme = session.programme
    enrolments, marks = _attendance_rows(session)
    return render_template("groups/attendance.html", session=session, programme=programme, enrolments=enrolments,
                           marks=marks, statuses=ATTENDANCE_STATUSES, refusal=None,
                           conflicts={enrolment.id: conflict}), 409


def _attendance_grid(programme: Programme):
    sessions = [s for s in db.session.scalars(select(GroupSession).where(GroupSession.programme_id == programme.id)
                                              .order_by(GroupSession.starts_at, GroupSession.id)) if not s.cancelled]
    enrolments = list(db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.person))
        .where(Enrolment.programme_id == programme.id, Enrolment.status == "enrolled")))
    enrolments.sort(key=lambda e: e.sort_key())
    marks = {(sid, eid): st for sid, eid, st in db.session.execute(
        select(Attendance.session_id, Attendance.enrolment_id, Attendance.status)
        .join(GroupSession, GroupSession.id == Attendance.session_id)
        .where(GroupSession.programme_id == programme.id))}
    per_child, per_session = programme_attendance(programme.id, sessions, [e.id for e in enrolments])
    return sessions, enrolments, marks, per_child, per_session


@bp.get("/<int:programme_id>/aanwezigheidslijst")
def attendance_list(programme_id: int):
    programme = get_programme(programme_id)
    require_owner(programme, "groups_attendance", family_ids=programme_family_ids(programme.id, ("enrolled",)))
    sessions, enrolments, marks, per_child, per_session = _attendance_grid(programme)
    html = render_template("groups/attendance_list.html", programme=programme, sessions=sessions,
                           enrolments=enrolments, marks=marks, per_child=per_child, per_session=per_session)
    audit.record_list_read("groups_attendance", [e.family_id for e in enrolments], object_id=programme.id,
                           detail="aanwezigheidslijst")
    return html


SHORT = {"present": "A", "absent": "X", "excused": "V"}


@bp.get("/<int:programme_id>/aanwezigheidslijst.xlsx")
def attendance_xlsx(programme_id: int):
    programme = get_programme(programme_id)
    require_owner(programme, "groups_attendance", family_ids=programme_family_ids(programme.id, ("enrolled",)))
    sessions, enrolments, marks, per_child, per_session = _attendance_grid(programme)
    book = Book()
    sheet = book.sheet("Aanwezigheden", [28, 14] + [14] * (len(sessions) + 5), freeze="C5", print_titles="4:4",
                       landscape=len(sessions) > 6, grid=True)
    sheet.append([sheet.cell(f"Aanwezigheidslijst {programme.name}", bold=True, size=14)])
    sheet.append(["A = aanwezig, X = afwezig, V = verontschuldigd"])
    sheet.append([])
    sheet.append([sheet.cell(h, bold=True) for h in (
        ["Kind", "Schooljaar"] + [format_datetime(s.starts_at) for s in sessions]
        + ["Aanwezig", "Afwezig", "Verontschuldigd", "Aanwezigheid %", "2x na elkaar afwezig"])])
    for e in enrolments:
        fig = per_child.get(e.id)
        sheet.append([e.child_name, e.school_year_label]
                     + [SHORT.get(marks.get((s.id, e.id)), "") for s in sessions]
                     + [fig.present, fig.absent, fig.excused, fig.rate, "ja" if fig.flagged else ""])
    sheet.append(["Aanwezigheid per sessie (%)", ""] + [per_session[s.id].rate for s in sessions])
    data = book.to_bytes()
    audit.record_list_read("groups_attendance", [e.family_id for e in enrolments], object_id=programme.id,
                           detail="aanwezigheidslijst excel", action="export")
    return send_xlsx(data, f"aanwezigheden-{programme.ref}.xlsx")


# --------------------------------------------------------------------------- calendar and .ics


def _calendar_sessions(start: datetime, end: datetime, scope: str) -> list[GroupSession]:
    stmt = (select(GroupSession).options(selectinload(GroupSession.programme))
            .join(Programme, Programme.id == GroupSession.programme_id)
            .where(GroupSession.starts_at < end, GroupSession.ends_at > start, Programme.archived.is_(False))
            .order_by(GroupSession.starts_at, GroupSession.id))
    if scope != "alle" and not current_user.is_admin:
        stmt = stmt.where(Programme.team_id.in_(current_user.team_ids()))
    return list(db.session.scalars(stmt.limit(2000)))


def _by_day(sessions: list[GroupSession], first: date, days: int) -> dict[date, list[GroupSession]]:
    result: dict[date, list[GroupSession]] = {first + timedelta(days=i): [] for i in range(days)}
    for s in sessions:
        d = max(s.starts_at.date(), first)
        while d <= s.ends_at.date() and d in result:
            result[d].append(s)
            d += timedelta(days=1)
    return result


@bp.get("/kalender")
def calendar_month():
    today = date.today()
    first = arg_month("maand", today.replace(day=1))
    scope = arg_choice("team", ("mijn", "alle"), "mijn")
    grid_start = first - timedelta(days=first.weekday())
    nxt = (first + timedelta(days=32)).replace(day=1)
    grid_end = nxt + timedelta(days=(7 - nxt.weekday()) % 7)
    days = (grid_end - grid_start).days
    sessions = _calendar_sessions(datetime.combine(grid_start, datetime.min.time()),
                                  datetime.combine(grid_end, datetime.min.time()), scope)
    by_day = _by_day(sessions, grid_start, days)
    weeks = [[grid_start + timedelta(days=w * 7 + i) for i in range(7)] for w in range(days // 7)]
    prev = (first - timedelta(days=1)).replace(day=1)
    return render_template("groups/calendar_month.html", weeks=weeks, by_day=by_day, first=first, today=today,
                           prev=prev, next=nxt, month_label=month_label(first), scope=scope)


@bp.get("/kalender/week")
def calendar_week():
    today = date.today()
    day = arg_date("dag", today)
    scope = arg_choice("team", ("mijn", "alle"), "mijn")
    monday = day - timedelta(days=day.weekday())
    sessions = _calendar_sessions(datetime.combine(monday, datetime.min.time()),
                                  datetime.combine(monday + timedelta(days=7), datetime.min.time()), scope)
    by_day = _by_day(sessions, monday, 7)
    return render_template("groups/calendar_week.html", by_day=by_day, monday=monday, today=today, scope=scope,
                           prev=monday - timedelta(days=7), next=monday + timedelta(days=7),
                           week_no=monday.isocalendar()[1])


@bp.get("/<int:programme_id>/agenda.ics")
def ics(programme_id: int):
    from icalendar import Calendar, Event

    programme = db.session.scalar(select(Programme).options(selectinload(Programme.leaders))
                                  .where(Programme.id == programme_id))
    if programme is None:
        abort(404)
    sessions = list(db.session.scalars(select(GroupSession).options(selectinload(GroupSession.partner))
                                       .where(GroupSession.programme_id == programme_id).order_by(GroupSession.starts_at)))
    cal = Calendar()
    cal.add("prodid", "-//Huis van het Kind//intranet groepswerking//NL")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", programme.name)
    cal.add("x-wr-timezone", "Europe/Brussels")
    stamp = datetime.now(TZ)
    for s in sessions:
        ev = Event()
        ev.add("uid", f"groups-session-{s.id}@hvhk-intranet")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", s.starts_at.replace(tzinfo=TZ))
        ev.add("dtend", s.ends_at.replace(tzinfo=TZ))
        title = f"{programme.name}: {s.theme}" if s.theme else f"{programme.name} ({s.kind_label.lower()})"
        ev.add("summary", title)
        if s.location or programme.location:
            ev.add("location", s.location or programme.location)
        ev.add("description", f"{s.kind_label}. Begeleiders: " + ", ".join(u.display_name for u in programme.leaders)
               + (f". Blok door {s.partner.name}" if s.partner else ""))
        ev.add("status", "CANCELLED" if s.cancelled else "CONFIRMED")
        ev.add("sequence", s.version)
        cal.add_component(ev)
    try:
        cal.add_missing_timezones()
    except AttributeError:  # older icalendar: the TZID parameter alone
        pass
    return send_download(cal.to_ical(), f"{programme.ref}.ics", "text/calendar; charset=utf-8")


# --------------------------------------------------------------------------- fragments for hooks


@bp.get("/gezin/<int:family_id>/paneel")
def family_panel(family_id: int):
    from core.access import require_family

    require_family(family_id, "groups_enrolment")
    enrolments = list(db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.person), selectinload(Enrolment.programme)
                                  .selectinload(Programme.team))
        .where(Enrolment.family_id == family_id).order_by(Enrolment.created_at.desc())))
    ids = [e.id for e in enrolments]
    rates = {}
    if ids:
        for eid, present, recorded in db.session.execute(
                select(Attendance.enrolment_id, func.sum(case((Attendance.status == "present", 1), else_=0)),
                       func.count(Attendance.id))
                .join(GroupSession, GroupSession.id == Attendance.session_id)
                .where(Attendance.enrolment_id.in_(ids), GroupSession.cancelled.is_(False))
                .group_by(Attendance.enrolment_id)):
            rates[eid] = round(100 * (present or 0) / recorded) if recorded else None
    audit.record_read("groups_enrolment", None, family_id=family_id, detail="gezinspaneel")
    return render(None, "groups/_family_panel.html", title="Groepsaanbod", family_id=family_id,
                  enrolments=enrolments, mine=current_user.team_ids(), is_admin=current_user.is_admin, rates=rates)


@bp.get("/widget/deze-week")
def widget_week():
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    sessions = _calendar_sessions(datetime.combine(monday, datetime.min.time()),
                                  datetime.combine(monday + timedelta(days=7), datetime.min.time()), "mijn")
    return render(None, "groups/_widget_week.html", title="Groepssessies deze week", sessions=sessions[:15],
                  more=len(sessions) > 15)
