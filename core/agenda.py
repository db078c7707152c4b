"""The agenda: appointments planned ahead (a roundtable, a home visit, a parent talk, ...) and the entries
plugins keep themselves (``hvhk_agenda_items``: the group sessions a user leads), in week and day views.

An appointment is visible to its staff participants and its creator; one about a family also only to those who
may see the family (every staff participant must be able to). Overlapping appointments of the user are a
warning before saving (a second confirm keeps the input), never a block. Plugins plan appointments through
``plan_appointment`` (PeTra's roundtables planned ahead) and link the record made when it took place with
``mark_held``. Operations never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, TimeField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from . import audit
from .access import can_see_family
from .extensions import db
from .forms import Form, VersionedForm, conflict_safe
from .models import Family, User
from .operations import require
from .params import arg_choice, arg_date, arg_id, arg_str
from .plugins import current_plugins
from .tasks import colleague_choices, visible_families_clause
from .work import APPOINTMENT_KIND_LABELS, APPOINTMENT_KINDS, Appointment, AppointmentParticipant

bp = Blueprint("agenda", __name__, url_prefix="/agenda")


# --------------------------------------------------------------------------- reads


def mine(user):
    """Appointments ``user`` takes part in or made, whose family (if any) ``user`` may see."""
    takes_part = exists().where(AppointmentParticipant.appointment_id == Appointment.id,
                                AppointmentParticipant.user_id == user.id)
    return select(Appointment).where(or_(takes_part, Appointment.created_by_id == user.id),
                                     visible_families_clause(user, Appointment.family_id))


def appointments_between(user, start: datetime, end: datetime, *, include_cancelled: bool = False):
    stmt = (mine(user).options(selectinload(Appointment.participants).joinedload(AppointmentParticipant.user))
            .where(Appointment.starts_at < end, Appointment.ends_at > start).order_by(Appointment.starts_at))
    if not include_cancelled:
        stmt = stmt.where(Appointment.status != "cancelled")
    return list(db.session.scalars(stmt))


def overlapping(user_id: int, starts_at: datetime, ends_at: datetime, exclude_id: int | None = None) -> list:
    """``user_id``'s planned appointments that overlap the period (as participant or creator)."""
    takes_part = exists().where(AppointmentParticipant.appointment_id == Appointment.id,
                                AppointmentParticipant.user_id == user_id)
    stmt = select(Appointment).where(or_(takes_part, Appointment.created_by_id == user_id),
                                     Appointment.status != "cancelled",
                                     Appointment.starts_at < ends_at, Appointment.ends_at > starts_at)
    if exclude_id is not None:
        stmt = stmt.where(Appointment.id != exclude_id)
    return list(db.session.scalars(stmt.order_by(Appointment.starts_at)))


@dataclass
class Entry:
    """One line in the agenda views: an appointment or a plugin's item."""

    kind: str
    reference: str
    title: str
    starts_at: datetime
    ends_at: datetime
    url: str
    place: str = ""
    status: str = ""
    appointment: Appointment | None = None


def plugin_items(user, start: datetime, end: datetime) -> list:
    items = []
    for group in current_plugins().hook_for(user, "hvhk_agenda_items")(user=user, start=start, end=end):
        items.extend(group or [])
    return items


def entries_between(user, start: datetime, end: datetime) -> list[Entry]:
    out = [Entry(a.kind_label, a.reference or "", a.title or "", a.starts_at, a.ends_at,
                 url_for("agenda.show", appointment_id=a.id), a.place or "", a.status_label, a)
           for a in appointments_between(user, start, end)]
    out += [Entry(i.kind, i.reference, i.title, i.starts_at, i.ends_at, i.url, i.place) for i in
            plugin_items(user, start, end)]
    out.sort(key=lambda e: (e.starts_at, e.kind))
    return out


# --------------------------------------------------------------------------- operations (never commit)


def _check(user, *, kind: str, starts_at: datetime, ends_at: datetime, participant_ids: set[int],
           family_id: int | None, object_url: str | None) -> None:
    require(kind in APPOINTMENT_KIND_LABELS, "Kies een soort afspraak.", "kind")
    require(ends_at > starts_at, "Het einde ligt vóór (of op) het begin: kies een later einduur.", "end")
    require(ends_at - starts_at <= timedelta(days=3), "Een afspraak duurt hoogstens drie dagen.", "end")
    colleagues = {uid for uid, _ in colleague_choices(user)}
    outsiders = participant_ids - colleagues
    require(not outsiders, "Deelnemers zijn jezelf of collega's van je teams.", "participants")
    if family_id is not None:
        require(can_see_family(user, family_id),
                "Je kan geen afspraak maken over een gezin waarmee je team niet betrokken is.", "kind")
        blind = [u for u in db.session.scalars(select(User).where(User.id.in_(participant_ids)))
                 if not can_see_family(u, family_id)]
        require(not blind, "Niet betrokken bij dit gezin (need-to-know): "
                + ", ".join(u.display_name for u in blind) + ".", "participants")
    if object_url:
        require(object_url.startswith("/") and not object_url.startswith("//") and "\\" not in object_url,
                "Een afspraak kan alleen naar een pagina van het intranet verwijzen.", "kind")


def plan_appointment(user, *, kind: str, starts_at: datetime, ends_at: datetime, place: str | None = None,
                     participant_ids=(), external_participants: str | None = None, title: str | None = None,
                     family_id: int | None = None, plugin: str | None = None, object_type: str | None = None,
                     object_id: int | None = None, object_url: str | None = None, reference: str | None = None,
                     subkind: str | None = None) -> Appointment:
    """Plan an appointment; ``user`` always takes part. Refused (Dutch, with its field) on bad input."""
    ids = set(participant_ids) | {user.id}
    _check(user, kind=kind, starts_at=starts_at, ends_at=ends_at, participant_ids=ids, family_id=family_id,
           object_url=object_url)
    a = Appointment(kind=kind, title=(title or "").strip() or None, starts_at=starts_at, ends_at=ends_at,
                    place=(place or "").strip() or None,
                    external_participants=(external_participants or "").strip() or None, family_id=family_id,
                    plugin=plugin, object_type=object_type, object_id=object_id, object_url=object_url,
                    reference=reference, subkind=subkind, created_by_id=user.id)
    a.participants = [AppointmentParticipant(user_id=uid) for uid in sorted(ids)]
    db.session.add(a)
    db.session.flush()
    audit.record("create", "appointment", a.id, family_id=family_id, detail=kind, user_id=user.id)
    return a


def update_appointment(a: Appointment, user, *, kind: str, starts_at: datetime, ends_at: datetime,
                       place: str | None, participant_ids, external_participants: str | None,
                       title: str | None) -> None:
    require(a.status == "planned", "Deze afspraak is al " + a.status_label.lower() + ": je kan ze niet meer wijzigen.")
    ids = set(participant_ids) | {user.id}
    _check(user, kind=kind, starts_at=starts_at, ends_at=ends_at, participant_ids=ids, family_id=a.family_id,
           object_url=None)
    a.kind, a.starts_at, a.ends_at = kind, starts_at, ends_at
    a.place = (place or "").strip() or None
    a.external_participants = (external_participants or "").strip() or None
    a.title = (title or "").strip() or None
    keep = {p.user_id: p for p in a.participants}
    a.participants = [keep.get(uid) or AppointmentParticipant(user_id=uid) for uid in sorted(ids)]
    audit.record("update", "appointment", a.id, family_id=a.family_id, user_id=user.id)


def cancel_appointment(a: Appointment, user) -> None:
    require(a.status == "planned", "Deze afspraak is al " + a.status_label.lower() + ".")
    a.status = "cancelled"
    audit.record("update", "appointment", a.id, family_id=a.family_id, detail="geannuleerd", user_id=user.id)


def mark_held(a: Appointment, user, *, held_on: date, object_type: str | None = None,
              object_id: int | None = None) -> None:
    """The appointment took place on ``held_on`` (its day moves there, the hours stay) and made the plugin's
    record ``object_type``/``object_id`` (e.g. the roundtable that was recorded)."""
    require(a.status == "planned", "Deze afspraak is al " + a.status_label.lower() + ".")
    if held_on != a.starts_at.date():
        shift = datetime.combine(held_on, a.starts_at.time()) - a.starts_at
        a.starts_at, a.ends_at = a.starts_at + shift, a.ends_at + shift
    a.status = "held"
    if object_type:
        a.object_type, a.object_id = object_type, object_id
    audit.record("update", "appointment", a.id, family_id=a.family_id, detail="gehouden", user_id=user.id)


def planned_for(object_type: str, object_id: int) -> list[Appointment]:
    """Planned appointments about one plugin record (e.g. the roundtables planned for a trajectory)."""
    return list(db.session.scalars(select(Appointment).where(
        Appointment.object_type == object_type, Appointment.object_id == object_id,
        Appointment.status == "planned").order_by(Appointment.starts_at)))


def get_appointment(appointment_id: int) -> Appointment:
    """The appointment when the current user takes part in it or made it (and may see its family); else 404."""
    a = db.session.get(Appointment, appointment_id)
    if a is None or (current_user.id not in a.participant_ids and a.created_by_id != current_user.id):
        abort(404)
    if a.family_id is not None and not can_see_family(current_user, a.family_id):
        audit.record_denied("appointment", a.id, family_id=a.family_id)
        abort(404)
    return a


# --------------------------------------------------------------------------- forms


def _opt_int(value):
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class AppointmentForm(Form):
    kind = SelectField("Soort", choices=APPOINTMENT_KINDS)
    title = StringField("Omschrijving", validators=[Optional(), Length(max=200)])
    day = DateField("Datum", validators=[DataRequired()])
    start = TimeField("Begin", validators=[DataRequired()])
    end = TimeField("Einde", validators=[DataRequired()])
    place = StringField("Plaats", validators=[Optional(), Length(max=200)])
    participants = SelectMultipleField("Collega's die deelnemen", coerce=int, validate_choice=False)
    external_participants = StringField("Externe deelnemers (functie, geen namen van gezinnen)",
                                        validators=[Optional(), Length(max=300)])
    family_id = HiddenField()
    confirm = HiddenField()

    def validate_end(self, field):
        if field.data and self.start.data and field.data <= self.start.data:
            raise ValidationError("Het einde ligt vóór (of op) het begin: kies een later einduur.")

    def period(self) -> tuple[datetime, datetime]:
        return datetime.combine(self.day.data, self.start.data), datetime.combine(self.day.data, self.end.data)

    def fingerprint(self) -> str:
        s, e = self.period()
        return f"{s.isoformat()}|{e.isoformat()}"


class AppointmentEditForm(VersionedForm, AppointmentForm):
    pass


class CancelForm(VersionedForm):
    pass


def overlap_warning(form: AppointmentForm, exclude_id: int | None = None) -> list[Appointment]:
    """The user's appointments overlapping the form's period, unless the user confirmed this very period."""
    if form.confirm.data == form.fingerprint():
        return []
    clash = overlapping(current_user.id, *form.period(), exclude_id=exclude_id)
    if clash:
        form.confirm.data = form.fingerprint()
    return clash


# --------------------------------------------------------------------------- views


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@bp.get("/")
def index():
    view = arg_choice("weergave", ["week", "dag"], "week")
    day = arg_date("datum", date.today())
    first = _monday(day) if view == "week" else day
    n = 7 if view == "week" else 1
    start = datetime.combine(first, time.min)
    end = start + timedelta(days=n)
    entries = entries_between(current_user, start, end)
    days = [(first + timedelta(days=i), [e for e in entries if e.starts_at.date() <= first + timedelta(days=i)
                                        <= (e.ends_at - timedelta(microseconds=1)).date()]) for i in range(n)]
    step = timedelta(days=n)
    return render_template("core/work/agenda.html", view=view, day=day, first=first, days=days,
                           prev=first - step, next=first + step, today=date.today())


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    if not current_user.team_ids():
        abort(403)
    form = AppointmentForm()
    form.participants.choices = colleague_choices(current_user)
    family = None
    fid = arg_id("gezin") if request.method == "GET" else _opt_int(form.family_id.data)
    if fid is not None:
        from .access import require_family

        family = require_family(fid, "appointment")
    if request.method == "GET":
        form.family_id.data = fid
        form.kind.data = arg_choice("soort", list(APPOINTMENT_KIND_LABELS), "andere")
        form.day.data = arg_date("datum", date.today())
        form.start.data, form.end.data = time(9, 0), time(10, 0)
        form.participants.data = [current_user.id]
        form.title.data = arg_str("titel", max_len=200)
    clash: list = []
    save = conflict_safe(form)
    if form.validate_on_submit() and not (clash := overlap_warning(form)):
        with save:
            a = plan_appointment(current_user, kind=form.kind.data, starts_at=form.period()[0],
                                 ends_at=form.period()[1], place=form.place.data,
                                 participant_ids=form.participants.data,
                                 external_participants=form.external_participants.data, title=form.title.data,
                                 family_id=fid)
        if save.saved:
            flash("Afspraak opgeslagen.", "success")
            return redirect(url_for("agenda.index", datum=a.starts_at.date().isoformat()))
    return render_template("core/work/appointment_form.html", form=form, appointment=None, family=family,
                           clash=clash), save.status


@bp.route("/<int:appointment_id>", methods=["GET", "POST"])
def show(appointment_id: int):
    a = get_appointment(appointment_id)
    if a.family_id:
        audit.record_read("appointment", a.id, family_id=a.family_id)
    form = AppointmentEditForm(obj=a if request.method == "GET" else None)
    form.participants.choices = colleague_choices(current_user)
    known = {v for v, _ in form.participants.choices}
    form.participants.choices += [(p.user_id, p.user.display_name) for p in a.participants if p.user_id not in known]
    if request.method == "GET":
        form.day.data, form.start.data, form.end.data = a.starts_at.date(), a.starts_at.time(), a.ends_at.time()
        form.participants.data = sorted(a.participant_ids)
    clash: list = []
    save = conflict_safe(form)
    if form.validate_on_submit() and not (clash := overlap_warning(form, exclude_id=a.id)):
        with save:
            save.check(a)
            update_appointment(a, current_user, kind=form.kind.data, starts_at=form.period()[0],
                               ends_at=form.period()[1], place=form.place.data,
                               participant_ids=form.participants.data,
                               external_participants=form.external_participants.data, title=form.title.data)
        if save.saved:
            flash("Afspraak bijgewerkt.", "success")
            return redirect(url_for("agenda.index", datum=a.starts_at.date().isoformat()))
    family = db.session.get(Family, a.family_id) if a.family_id else None
    return render_template("core/work/appointment_form.html", form=form, appointment=a, family=family,
                           clash=clash, cancel_form=CancelForm(obj=a)), save.status


@bp.post("/<int:appointment_id>/annuleren")
def cancel(appointment_id: int):
    a = get_appointment(appointment_id)
    form = CancelForm()
    save = conflict_safe(form, flash_message=True)
    if form.validate_on_submit():
        with save:
            save.check(a)
            cancel_appointment(a, current_user)
        if save.saved:
            flash("Afspraak geannuleerd.", "success")
    return redirect(url_for("agenda.index", datum=a.starts_at.date().isoformat()))


def init_app(app) -> None:
    app.register_blueprint(bp)

