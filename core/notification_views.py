"""Pages of the bell: my notifications, mark read, my mail preferences (every user sees only their own)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import BooleanField, StringField
from wtforms.validators import Email, Length, Optional

from . import mail
from .extensions import db
from .forms import Form
from .notifications import (
    KIND_LABELS,
    Notification,
    connect_signals,
    mark_all_read,
    mark_read,
    preferences_for,
    save_preferences,
    unread_count,
)
from .pagination import paginate

bp = Blueprint("notifications", __name__, url_prefix="/meldingen")


class PreferencesForm(Form):
    email = StringField("Je e-mailadres", validators=[Optional(), Length(max=200),
                                                       Email("Geen geldig e-mailadres.")],
                        filters=[lambda v: v.strip() if isinstance(v, str) else v])
    daily_digest = BooleanField("Dagelijks overzicht per e-mail (wat vervalt en hoeveel meldingen ongelezen zijn)")
    mail_task_assigned = BooleanField("Meteen een e-mail als iemand mij een taak toewijst")
    mail_referral = BooleanField("Meteen een e-mail bij een nieuwe aanmelding voor mijn team")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        wants_mail = self.daily_digest.data or self.mail_task_assigned.data or self.mail_referral.data
        if ok and wants_mail and not self.email.data and mail.mail_enabled():
            self.email.errors = [*self.email.errors, "Geef een e-mailadres, of vink de e-mails uit."]
            return False
        return ok


def _safe_path(url: str | None) -> str:
    """Only a path on this site (a notification's link is a path; never send anyone elsewhere)."""
    parts = urlsplit(url or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return url_for("notifications.index")
    return parts.path + ("?" + parts.query if parts.query else "")


@bp.get("/")
def index():
    page = paginate(select(Notification).where(Notification.user_id == current_user.id)
                    .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return render_template("core/notifications/index.html", page=page, labels=KIND_LABELS,
                           unread=unread_count(current_user.id))


@bp.get("/bel")
def bell():
    """The bell with the unread count, loaded by htmx after the page (the page itself runs no query for it)."""
    return render_template("core/notifications/_bell.html", unread=unread_count(current_user.id))


@bp.post("/<int:notification_id>/gelezen")
def read(notification_id: int):
    if not mark_read(current_user, notification_id):
        abort(404)
    db.session.commit()
    if request.form.get("open") == "1":
        n = db.session.get(Notification, notification_id)
        return redirect(_safe_path(n.url))
    return redirect(url_for("notifications.index"))


@bp.post("/alles-gelezen")
def read_all():
    n = mark_all_read(current_user)
    db.session.commit()
    flash(f"{n} melding{'en' if n != 1 else ''} als gelezen gemarkeerd." if n else "Er waren geen ongelezen "
          "meldingen.", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/voorkeuren", methods=["GET", "POST"])
def preferences():
    prefs = preferences_for(current_user.id)
    form = PreferencesForm(data=None if request.method == "POST" else {
        "email": current_user.email, "daily_digest": prefs.daily_digest,
        "mail_task_assigned": prefs.mail_task_assigned, "mail_referral": prefs.mail_referral})
    if request.method == "POST" and form.validate():
        save_preferences(current_user, daily_digest=form.daily_digest.data,
                         mail_task_assigned=form.mail_task_assigned.data, mail_referral=form.mail_referral.data,
                         email=form.email.data)
        db.session.commit()
        flash("Je voorkeuren zijn opgeslagen.", "success")
        return redirect(url_for("notifications.preferences"))
    status = 422 if request.method == "POST" else 200
    return render_template("core/notifications/preferences.html", form=form, mail_on=mail.mail_enabled(),
                           mail_from=current_app.config.get("MAIL_FROM")), status


def init_app(app) -> None:
    app.register_blueprint(bp)
    connect_signals()
