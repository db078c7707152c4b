"""Pages of the groups plugin: programmes, sessions, enrolment, attendance, calendar, exports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound

from core import audit, people
from core.downloads import send_download
from core.extensions import db
from core.formatting import format_date, format_datetime, month_label
from core.forms import conflict_safe
from core.models import User
from core.operations import Refused
from core.pagination import Page
from core.pagination import page_number as _page_no
from core.params import INT_MAX, arg_choice, arg_date, arg_int, arg_month, arg_str
from core.people import PersonCard
from core.ui import confirm_first, render, wants_fragment
from core.xlsx import Book, send_xlsx

from . import operations, queries
from .access import get_programme, may_create, owner_team_choices, owns, programme_family_ids, require_owner
from .forms import EnrolForm, EnrolmentEditForm, ProgrammeForm, SeriesForm, SessionForm
from .logic import (
    TZ,
    WEEKDAY_LABELS,
    by_day,
    card_fit_warning,
    enrolment_roles,
    fit_warning,
    generate_series,
    now_local,
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


def _scope_teams(scope: str = "mijn") -> set[int] | None:
    """The teams whose programmes a list shows: the user's own, or every team (``alle``, or an admin)."""
    return None if scope == "alle" or current_user.is_admin else current_user.team_ids()


def _conflicts(save) -> list:
    """The planning conflicts that stopped a save (``operations.PlanningConflict``), to list above the form."""
    return getattr(save.refused, "conflicts", [])


# --------------------------------------------------------------------------- programmes


@bp.get("/")
def index():
    q = arg_str("q", max_len=100)
    scope = arg_choice("team", ("mijn", "alle"), "mijn")
    kind = arg_choice("soort", PROGRAMME_KINDS, "")
    page, counts = queries.programme_list(_scope_teams(scope), q=q, kind=kind if kind in dict(PROGRAMME_KINDS) else "",
                                          page_no=_page_no())
    args = {k: v for k, v in request.args.items() if k != "pagina"}
    return render_template("groups/index.html", page=page, counts=counts, q=q, scope=scope, kind=kind,
                           kinds=PROGRAMME_KINDS, args=args, can_create=may_create())


def _programme_form(programme: Programme | None = None) -> ProgrammeForm:
    form = ProgrammeForm(obj=programme if request.method == "GET" else None)
    form.team_id.choices = owner_team_choices()
    if programme is not None and programme.team_id not in {t for t, _ in form.team_id.choices}:
        form.team_id.choices.append((programme.team_id, programme.team.name))
    form.leader_ids.choices = queries.leader_choices()
    form.partner_ids.choices = queries.partner_choices()
    if request.method == "GET":
        if programme is not None:
            form.leader_ids.data = [u.id for u in programme.leaders]
            form.partner_ids.data = [o.id for o in programme.partners]
            form.version.data = programme.version
        else:
            form.leader_ids.data = [current_user.id]
    return form


@bp.route("/nieuw", methods=["GET", "POST"])
def create():
    form = _programme_form()
    if not form.team_id.choices:
        abort(403)
    save = conflict_safe(form)
    if request.method == "POST" and form.validate():
        with save:
            programme = operations.create_programme(current_user, **form.values())
        if save.saved:
            flash(f"Groep '{programme.name}' aangemaakt. Plan nu de sessies.", "success")
            return redirect(url_for("groups.show", programme_id=programme.id))
    return render_template("groups/programme_form.html", form=form, programme=None, conflicts=[]), save.status


@bp.route("/<int:programme_id>/bewerken", methods=["GET", "POST"])
def edit(programme_id: int):
    programme = get_programme(programme_id)
    require_owner(programme)
    form = _programme_form(programme)
    save = conflict_safe(form)
    if request.method == "POST" and form.validate():
        with save:
            save.check(programme)
            operations.edit_programme(programme, current_user, confirm_conflicts=form.confirm_conflicts.data,
                                      **form.values())
        if save.saved:
            flash("Groep opgeslagen.", "success")
            return redirect(url_for("groups.show", programme_id=programme.id))
    return render_template("groups/programme_form.html", form=form, programme=programme,
                           conflicts=_conflicts(save)), save.status


@bp.post("/<int:programme_id>/archiveren")
def archive(programme_id: int):
    """Archive (or restore) a programme: it leaves lists, calendars and conflict checks; nothing is deleted."""
    programme = get_programme(programme_id)
    require_owner(programme)
    restore = request.form.get("herstel") == "1"
    if not restore and not programme.archived:  # restoring needs no second step; archived twice is refused below
        asked = confirm_first(
            title="Groep archiveren", question=f"{programme.name} archiveren?",
            explanation="De groep verdwijnt uit de lijsten, kalenders en de controle op dubbele boekingen. Niets "
                        "wordt gewist: terugzetten kan op de pagina van de groep.",
            confirm_label="Ja, archiveren", cancel_url=url_for("groups.show", programme_id=programme_id))
        if asked:
            return asked
    with conflict_safe(flash_message=True) as save:
        (operations.restore_programme if restore else operations.archive_programme)(programme, current_user)
    if save.saved:
        flash("Groep teruggezet." if restore else "Groep gearchiveerd: ze staat niet meer in lijsten en kalenders.",
              "success")
    return redirect(url_for("groups.show", programme_id=programme_id))


def _planning(programme_id: int) -> tuple[Programme, list[GroupSession]]:
    """The programme (404 when there is none) and its sessions: the planning every team may read."""
    programme = queries.programme_with_people(programme_id)
    if programme is None:
        abort(404)
    return programme, queries.programme_sessions(programme_id)


@bp.get("/<int:programme_id>")
def show(programme_id: int):
    programme, sessions = _planning(programme_id)
    mine = owns(programme)
    enrolled, waiting, per_child, per_session = [], [], {}, {}
    if mine:
        enrolled, waiting = queries.participants(programme_id)
        per_child, per_session = queries.programme_attendance(programme_id, sessions, [e.id for e in enrolled])
        n_enrolled = len(enrolled)
    else:
        n_enrolled = queries.enrolled_count(programme_id)
    warnings = {e.id: fit_warning(programme, e.person) for e in enrolled + waiting}
    html = render_template("groups/show.html", programme=programme, sessions=sessions, mine=mine,
                           enrolled=enrolled, waiting=waiting, per_child=per_child, per_session=per_session,
                           n_enrolled=n_enrolled, warnings=warnings, now=now_local())
    if mine:
        audit.record_list_read("groups_programme", [e.family_id for e in enrolled + waiting], object_id=programme_id,
                               detail="deelnemers")
    return html


# --------------------------------------------------------------------------- sessions


@bp.route("/<int:programme_id>/reeks", methods=["GET", "POST"])
def series(programme_id: int):
    programme = get_programme(programme_id)
    require_owner(programme)
    form = SeriesForm()
    if request.method == "GET":
        form.location.data = programme.location
        if programme.start_date:
            form.first_day.data = programme.start_date
    preview, skipped, save = [], [], conflict_safe(form)
    if request.method == "POST" and form.validate():
        preview, skipped = generate_series(form.first_day.data, form.weekday.data, form.start_time.data,
                                           form.end_time.data, form.count.data, getattr(form, "skip_dates", set()))
        with save:
            operations.plan_series(programme, current_user, preview, location=form.location.data,
                                   theme=form.theme.data, confirm_conflicts=form.confirm_conflicts.data)
        if save.saved:
            msg = f"{len(preview)} sessies gepland op {WEEKDAY_LABELS[form.weekday.data]}."
            if skipped:
                msg += " Overgeslagen: " + ", ".join(format_date(d) for d in skipped) + "."
            flash(msg, "success")
            return redirect(url_for("groups.show", programme_id=programme.id))
    return render_template("groups/series_form.html", form=form, programme=programme, conflicts=_conflicts(save),
                           preview=preview, skipped=skipped), save.status


def _session_partner_choices(programme: Programme, session: GroupSession | None = None) -> list[tuple[int, str]]:
    partners = {o.id: o.name for o in programme.partners}
    if session is not None and session.partner is not None:
        partners.setdefault(session.partner.id, session.partner.name)
    return [(0, "— het eigen team —")] + sorted(partners.items(), key=lambda kv: kv[1])


@bp.route("/<int:programme_id>/sessies/nieuw", methods=["GET", "POST"])
def add_session(programme_id: int):
    programme = get_programme(programme_id)
    require_owner(programme)
    form = SessionForm()
    form.partner_id.choices = _session_partner_choices(programme)
    if request.method == "GET":
        form.kind.data = arg_choice("soort", form.kind.choices, "session")
        form.location.data = programme.location
    save = conflict_safe(form)
    if request.method == "POST" and form.validate():
        with save:
            operations.add_session(programme, current_user, **form.values())
        if save.saved:
            flash("Sessie gepland.", "success")
            return redirect(url_for("groups.show", programme_id=programme.id))
    return render_template("groups/session_form.html", form=form, programme=programme, session=None,
                           conflicts=_conflicts(save)), save.status


def _get_session(session_id: int) -> GroupSession:
    """The session with its programme (every caller checks the programme's team), or 404."""
    session = queries.session_with_programme(session_id)
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
        counts = queries.session_mark_counts(session.id)
        if session.kind == "showcase":  # who may not be filmed or photographed at the showcase
            no_consent = queries.without_image_consent(programme.id)
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
    save = conflict_safe(form)
    if request.method == "POST" and form.validate():
        with save:
            save.check(session)
            moved = operations.edit_session(session, current_user, **form.values())
        if save.saved:
            if moved:
                flash("Sessie verplaatst. Verwittig de gezinnen en begeleiders hieronder.", "warning")
                return redirect(url_for("groups.notify", session_id=session.id))
            flash("Sessie opgeslagen.", "success")
            return redirect(url_for("groups.session_detail", session_id=session.id))
    return render_template("groups/session_form.html", form=form, programme=programme, session=session,
                           conflicts=_conflicts(save)), save.status


@bp.post("/sessies/<int:session_id>/annuleren")
def cancel_session(session_id: int):
    session = _get_session(session_id)
    require_owner(session.programme, "groups_session", session.id)
    restore = request.form.get("herstel") == "1"
    with conflict_safe(flash_message=True) as save:
        (operations.restore_session if restore else operations.cancel_session)(session, current_user)
    if not save.saved:
        return redirect(url_for("groups.session_detail", session_id=session_id))
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
    enrolments, n_erased = queries.to_notify(programme.id)
    html = render_template("groups/notify.html", session=session, programme=programme, enrolments=enrolments,
                           n_erased=n_erased)
    audit.record_list_read("groups_session", [e.family_id for e in enrolments], object_id=session.id,
                           detail="contactgegevens voor verwittiging")
    return html


# --------------------------------------------------------------------------- enrolment


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


@bp.get("/inschrijven")
def enrol_pick_programme():
    """Entry point for other modules (e.g. PeTra): ``?person_id=`` then pick one of the team's programmes."""
    card = _open_person(None, "inschrijving groepsaanbod")
    if card is None:
        abort(404)
    programmes = queries.open_programmes(_scope_teams(), date.today())
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
        card = _open_person(enrolment_roles(programme), "inschrijving groepsaanbod")
    except NotFound:
        flash("Deze persoon staat niet als kind (of bij een oudergroep: als ouder) in een gezin.", "error")
    q = arg_str("q", max_len=100)
    birth_year = _birth_year()
    results = _search_children(q, _page_no(), enrolment_roles(programme), birth_year) if card is None else Page([], 1, False)
    warning = card_fit_warning(programme, card) if card is not None else None
    existing, save = None, conflict_safe(form)
    if card is not None:
        existing = queries.enrolment_of(programme.id, card.person_id)
        if request.method == "GET":
            form.person_id.data, form.family_id.data, form.sleutel.data = card.person_id, card.family_id, card.token
    if request.method == "POST" and card is not None and form.validate():
        with save:
            enrolment = operations.enrol(programme, current_user, card, **form.values())
        if save.saved:
            if enrolment.status == "waiting":
                flash(f"De groep is volzet: {card.given_name} staat op de wachtlijst.", "warning")
            else:
                flash(f"{card.full_name} is ingeschreven.", "success")
            late_warning = fit_warning(programme, enrolment.person) if card.record is None else None
            if late_warning:  # the school year, seen now the team is involved
                flash("Let op: " + late_warning, "warning")
            return redirect(url_for("groups.show", programme_id=programme.id))
    return render_template("groups/enrol.html", programme=programme, form=form, card=card,
                           results=results, q=q, birth_year=birth_year, warning=warning, existing=existing,
                           fits=lambda c: card_fit_warning(programme, c) is None,
                           full=queries.is_full(programme)), save.status


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
            operations.edit_enrolment(enrolment, current_user, **form.values())
        if save.saved:
            flash("Inschrijving opgeslagen.", "success")
            return redirect(url_for("groups.show", programme_id=enrolment.programme_id))
    if request.method == "GET":
        audit.record_read("groups_enrolment", enrolment.id, family_id=enrolment.family_id)
    return render_template("groups/enrolment_form.html", form=form, enrolment=enrolment), save.status


@bp.post("/inschrijvingen/<int:enrolment_id>/toelaten")
def promote(enrolment_id: int):
    enrolment = _get_enrolment(enrolment_id)
    with conflict_safe(flash_message=True) as save:
        operations.promote_from_waiting_list(enrolment, current_user)
    if save.saved:
        flash(f"{enrolment.child_name} is van de wachtlijst naar de groep gegaan.", "success")
    return redirect(url_for("groups.show", programme_id=enrolment.programme_id))


@bp.post("/inschrijvingen/<int:enrolment_id>/uitschrijven")
def withdraw(enrolment_id: int):
    enrolment = _get_enrolment(enrolment_id, detached_ok=True)
    asked = confirm_first(
        title="Uitschrijven", question=f"{enrolment.child_name} uitschrijven uit {enrolment.programme.name}?",
        explanation="De plaats komt vrij; wie eerst op de wachtlijst staat, schuift door. Opnieuw inschrijven "
                    "kan, maar dan achteraan de wachtlijst als de groep vol is.",
        confirm_label="Ja, uitschrijven", cancel_url=url_for("groups.show", programme_id=enrolment.programme_id))
    if asked:
        return asked
    with conflict_safe(flash_message=True) as save:
        nxt = operations.withdraw(enrolment, current_user)
        next_name = nxt.child_name if nxt is not None else None
    if save.saved:
        msg = f"{enrolment.child_name} is uitgeschreven."
        if next_name:
            msg += f" Eerste op de wachtlijst: {next_name}."
        flash(msg, "success")
    return redirect(url_for("groups.show", programme_id=enrolment.programme_id))


# --------------------------------------------------------------------------- attendance


@bp.get("/sessies/<int:session_id>/aanwezigheden")
def attendance(session_id: int):
    session = _get_session(session_id)
    programme = session.programme
    rows = queries.attendance_rows(session)
    if not owns(programme):
        require_owner(programme, "groups_attendance", session.id, family_ids=[r.family_id for r in rows])
    html = render_template("groups/attendance.html", session=session, programme=programme, enrolments=rows,
                           marks={r.id: r.mark for r in rows if r.mark}, statuses=ATTENDANCE_STATUSES,
                           refusal=operations.attendance_refusal(session))
    audit.record_list_read("groups_attendance", [r.family_id for r in rows], object_id=session.id)
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
    try:
        # the mark this page showed ("" = none); a form without it knows nothing, so any other mark is a conflict
        current = operations.mark_attendance(session, enrolment, status, request.form.get("vorige", ""),
                                             current_user)
    except Refused as refusal:
        db.session.rollback()
        if wants_fragment():
            # htmx swaps only 2xx answers: the row comes back unchanged with the refusal next to it
            mark = queries.mark_of(session.id, enrolment.id)
            return render_template("groups/_attendance_row.html", session=session, e=enrolment,
                                   mark=mark.status if mark else None, statuses=ATTENDANCE_STATUSES,
                                   error=refusal.message)
        return render_template("groups/attendance_refused.html", session=session, message=refusal.message), 400
    db.session.commit()
    if current is not None:
        return _attendance_conflict(session, enrolment, status, current)
    if wants_fragment():
        return render_template("groups/_attendance_row.html", session=session, e=enrolment, mark=status,
                               statuses=ATTENDANCE_STATUSES, error=None)
    return redirect(url_for("groups.attendance", session_id=session.id))


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
    rows = queries.attendance_rows(session)
    return render_template("groups/attendance.html", session=session, programme=programme, enrolments=rows,
                           marks={r.id: r.mark for r in rows if r.mark}, statuses=ATTENDANCE_STATUSES, refusal=None,
                           conflicts={enrolment.id: conflict}), 409


@bp.get("/<int:programme_id>/aanwezigheidslijst")
def attendance_list(programme_id: int):
    programme = get_programme(programme_id)
    require_owner(programme, "groups_attendance", family_ids=programme_family_ids(programme.id, ("enrolled",)))
    sessions, enrolments, marks, per_child, per_session = queries.attendance_grid(programme)
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
    sessions, enrolments, marks, per_child, per_session = queries.attendance_grid(programme)
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


def _calendar_sessions(start: date, end: date, scope: str) -> list[GroupSession]:
    return queries.calendar_sessions(_scope_teams(scope), datetime.combine(start, datetime.min.time()),
                                     datetime.combine(end, datetime.min.time()))


@bp.get("/kalender")
def calendar_month():
    today = date.today()
    first = arg_month("maand", today.replace(day=1))
    scope = arg_choice("team", ("mijn", "alle"), "mijn")
    grid_start = first - timedelta(days=first.weekday())
    nxt = (first + timedelta(days=32)).replace(day=1)
    grid_end = nxt + timedelta(days=(7 - nxt.weekday()) % 7)
    days = (grid_end - grid_start).days
    sessions = _calendar_sessions(grid_start, grid_end, scope)
    days_sessions = by_day(sessions, grid_start, days)
    weeks = [[grid_start + timedelta(days=w * 7 + i) for i in range(7)] for w in range(days // 7)]
    prev = (first - timedelta(days=1)).replace(day=1)
    return render_template("groups/calendar_month.html", weeks=weeks, by_day=days_sessions, first=first, today=today,
                           prev=prev, next=nxt, month_label=month_label(first), scope=scope)


@bp.get("/kalender/week")
def calendar_week():
    today = date.today()
    day = arg_date("dag", today)
    scope = arg_choice("team", ("mijn", "alle"), "mijn")
    monday = day - timedelta(days=day.weekday())
    sessions = _calendar_sessions(monday, monday + timedelta(days=7), scope)
    return render_template("groups/calendar_week.html", by_day=by_day(sessions, monday, 7), monday=monday,
                           today=today, scope=scope, prev=monday - timedelta(days=7), next=monday + timedelta(days=7),
                           week_no=monday.isocalendar()[1])


@bp.get("/<int:programme_id>/agenda.ics")
def ics(programme_id: int):
    from icalendar import Calendar, Event

    programme, sessions = _planning(programme_id)
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
    enrolments, rates = queries.family_enrolments(family_id)
    audit.record_read("groups_enrolment", None, family_id=family_id, detail="gezinspaneel")
    return render(None, "groups/_family_panel.html", title="Groepsaanbod", family_id=family_id,
                  enrolments=enrolments, mine=current_user.team_ids(), is_admin=current_user.is_admin, rates=rates)


@bp.get("/widget/deze-week")
def widget_week():
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    sessions = _calendar_sessions(monday, monday + timedelta(days=7), "mijn")
    return render(None, "groups/_widget_week.html", title="Groepssessies deze week", sessions=sessions[:15],
                  more=len(sessions) > 15)
