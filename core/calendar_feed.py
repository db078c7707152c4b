"""A personal iCalendar feed per user at a secret URL, for Outlook and phone agendas.

The URL carries a random token; only its SHA-256 digest is stored (``core.work.CalendarFeed``), so the URL is
shown once, when the user makes it. Making a new one replaces the old (which stops working at once), revoking
deletes it; both are a POST with CSRF on the settings page. A wrong or revoked token is a 404.

Nothing in the feed is family data: an event's title is its kind and a pseudonymous reference ("Rondetafel
PT-2026-0073"), its description only a link behind login, and it carries a place only when that cannot be a
family's address (never for a home visit or an appointment about a family). Every request is audited, without
family ids.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import delete, select

from . import audit
from .access import public_view
from .downloads import send_download
from .extensions import db
from .forms import Form
from .models import User, utcnow
from .work import APPOINTMENT_KIND_LABELS, Appointment, CalendarFeed

bp = Blueprint("calendar_feed", __name__)
TZ = ZoneInfo("Europe/Brussels")
PAST_DAYS = 31
FUTURE_DAYS = 366


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed(user) -> str:
    """Make (or replace) ``user``'s feed; return the token (shown once, never stored). Does not commit."""
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.add(CalendarFeed(user_id=user.id, token_hash=digest(token)))
    audit.record("create", "calendar_feed", user.id, user_id=user.id, detail="nieuwe geheime link")
    return token


def revoke_feed(user) -> bool:
    gone = db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id)).rowcount
    audit.record("delete", "calendar_feed", user.id, user_id=user.id, detail="ingetrokken")
    return bool(gone)


def summary(kind_label: str, reference: str | None) -> str:
    return f"{kind_label} {reference}".strip() if reference else kind_label


def build_calendar(user, now: datetime | None = None) -> bytes:
    """The feed of ``user``: their appointments and their plugins' agenda items, a month back, a year ahead."""
    from icalendar import Calendar, Event

    from .agenda import mine, plugin_items

    now = now or datetime.now()
    start, end = now - timedelta(days=PAST_DAYS), now + timedelta(days=FUTURE_DAYS)
    base = url_for("core.index", _external=True).rstrip("/")
    cal = Calendar()
    cal.add("prodid", "-//Huis van het Kind//intranet agenda//NL")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Huis van het Kind")
    cal.add("x-wr-timezone", "Europe/Brussels")
    stamp = datetime.now(TZ)
    appointments = db.session.scalars(mine(user).where(Appointment.starts_at < end, Appointment.ends_at > start)
                                      .order_by(Appointment.starts_at))
    for a in appointments:
        ev = Event()
        ev.add("uid", f"appointment-{a.id}@hvhk-intranet")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", a.starts_at.replace(tzinfo=TZ))
        ev.add("dtend", a.ends_at.replace(tzinfo=TZ))
        ev.add("summary", summary(APPOINTMENT_KIND_LABELS.get(a.kind, "Afspraak"), a.reference))
        ev.add("description", f"Details na aanmelden: {base}{url_for('agenda.show', appointment_id=a.id)}")
        if a.place and a.kind != "huisbezoek" and a.family_id is None and a.object_type is None:
            ev.add("location", a.place)
        ev.add("status", "CANCELLED" if a.status == "cancelled" else "CONFIRMED")
        ev.add("sequence", a.version)
        cal.add_component(ev)
    for i in plugin_items(user, start, end):
        ev = Event()
        ev.add("uid", f"{i.uid or i.plugin + '-' + i.reference + '-' + i.starts_at.isoformat()}@hvhk-intranet")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", i.starts_at.replace(tzinfo=TZ))
        ev.add("dtend", i.ends_at.replace(tzinfo=TZ))
        ev.add("summary", summary(i.kind, i.reference))
        ev.add("description", f"Details na aanmelden: {base}{i.url}")
        if i.place and i.place_public:
            ev.add("location", i.place)
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()


@bp.get("/agenda/feed/<token>.ics")
@public_view
def feed(token: str):
    if len(token) > 100:
        abort(404)
    row = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == digest(token)))
    user = db.session.get(User, row.user_id) if row is not None else None
    if user is None or not user.active or user.is_partner:
        abort(404)
    body = build_calendar(user)
    row.last_used_at = utcnow()
    audit.record("export", "calendar_feed", user.id, user_id=user.id, detail="agendafeed opgehaald")
    db.session.commit()
    return send_download(body, "agenda.ics", "text/calendar; charset=utf-8")


class FeedForm(Form):
    pass


@bp.get("/instellingen/agenda")
def settings():
    row = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == current_user.id))
    return render_template("core/work/feed_settings.html", feed=row, form=FeedForm(), url=None)


@bp.post("/instellingen/agenda/nieuw")
def regenerate():
    form = FeedForm()
    if not form.validate_on_submit():
        abort(400)
    token = new_feed(current_user)
    db.session.commit()
    row = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == current_user.id))
    url = url_for("calendar_feed.feed", token=token, _external=True)
    resp = render_template("core/work/feed_settings.html", feed=row, form=FeedForm(), url=url)
    return resp, 200, {"Cache-Control": "no-store"}


@bp.post("/instellingen/agenda/intrekken")
def revoke():
    form = FeedForm()
    if not form.validate_on_submit():
        abort(400)
    revoke_feed(current_user)
    db.session.commit()
    flash("De geheime link werkt niet meer.", "success")
    return redirect(url_for("calendar_feed.settings"))


def init_app(app) -> None:
    app.register_blueprint(bp)
