"""Login, logout, password change and login throttling (in the database, so it holds across processes)."""

from __future__ import annotations

import functools
import math
import secrets
from datetime import timedelta
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from . import audit
from .access import partner_view, public_view
from .errors import render_error
from .extensions import db
from .forms import Form
from .models import LoginAttempt, User, utcnow
from .passwords import password_problem
from .security import end_other_sessions, end_session, start_session

bp = Blueprint("auth", __name__)

DEMO_ACCOUNTS = [
    ("admin", "beheerder"),
    ("manager", "teamverantwoordelijke PeTra"),
    ("worker", "medewerker PeTra"),
    ("finance", "financiële dienst"),
    ("onthaal", "onthaalteam (zonder PeTra)"),
    ("partner", "zorgcoördinator van een partnerschool"),
]


class LoginForm(Form):
    username = StringField("Gebruikersnaam", validators=[DataRequired()])
    password = PasswordField("Wachtwoord", validators=[DataRequired()])


class PasswordChangeForm(Form):
    current = PasswordField("Huidig wachtwoord", validators=[DataRequired()])
    new = PasswordField("Nieuw wachtwoord", validators=[DataRequired()])
    repeat = PasswordField("Herhaal nieuw wachtwoord",
                           validators=[DataRequired(), EqualTo("new", "De twee wachtwoorden zijn niet gelijk.")])

    def validate_new(self, field):
        problem = password_problem(field.data, current_user.username)
        if problem:
            raise ValidationError(problem)


def _client_address() -> str:
    return (request.remote_addr or "onbekend")[:64]


def throttle_wait(username: str, address: str, *, counting_own: bool = False) -> int:
    """Seconds the client must wait before the next attempt (0 = may try). ``counting_own``: the caller's own
    attempt is already recorded (``begin_attempt``), so the limit is one more."""
    cfg = current_app.config
    own = 1 if counting_own else 0
    window = timedelta(minutes=cfg["HVHK_LOGIN_WINDOW_MINUTES"])
    since = utcnow() - window
    waits = []
    for column, value, limit in (
        (LoginAttempt.username, username.lower(), cfg["HVHK_LOGIN_MAX_FAILS_USER"]),
        (LoginAttempt.address, address, cfg["HVHK_LOGIN_MAX_FAILS_ADDRESS"]),
    ):
        # failures since the last success of this key, within the window
        last_ok = db.session.scalar(select(func.max(LoginAttempt.at)).where(
            column == value, LoginAttempt.success.is_(True), LoginAttempt.at >= since))
        start = max(since, last_ok) if last_ok else since
        fails = db.session.execute(
            select(func.count(), func.min(LoginAttempt.at)).where(
                column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= start)
        ).one()
        if fails[0] >= limit + own:
            waits.append((fails[1] + window - utcnow()).total_seconds())
    return max(0, math.ceil(max(waits))) if waits else 0


def begin_attempt(username: str, address: str) -> tuple[LoginAttempt | None, int]:
    """Record a login attempt (as a failure) and commit it BEFORE counting, so attempts running at the same
    time in any process see each other: of n parallel attempts at most the limit get their password checked.
    Returns ``(attempt, 0)``: go ahead, check, then set ``attempt.success`` and commit; or ``(None, seconds)``:
    refused, and the refused attempt is removed again (it neither counts nor extends the wait)."""
    attempt = LoginAttempt(username=username.lower(), address=address, success=False, at=utcnow())
    db.session.add(attempt)
    db.session.flush()
    attempt_id = attempt.id
    db.session.commit()
    wait = throttle_wait(username, address, counting_own=True)
    if wait:
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
        db.session.commit()
        return None, wait
    return attempt, 0


def too_many_attempts(wait: int):
    minutes = max(1, math.ceil(wait / 60))
    return render_error(429, f"Te veel mislukte aanmeldpogingen. Probeer het opnieuw over {minutes} "
                             f"minu{'ut' if minutes == 1 else 'ten'}.", {"Retry-After": str(wait)})


@functools.cache
def _stand_in_hash() -> str:
    """A hash of a random password with today's parameters, checked for unknown usernames."""
    return generate_password_hash(secrets.token_urlsafe(24), method="scrypt")


def password_matches(user: User | None, password: str) -> bool:
    """Check ``password``; for an unknown user check a stand-in hash of the same cost, so the answer takes as
    long and a username cannot be found out by timing."""
    if user is None:
        check_password_hash(_stand_in_hash(), password)
        return False
    return user.check_password(password)


def _safe_next(target: str | None) -> str:
    """A path on this site, else the start page. Refused: a scheme or host, ``//`` or any backslash (browsers
    read ``/\\x`` as ``//x``), control characters (a newline in the Location header is a 500) and length."""
    if target and len(target) <= 2000 and "\\" not in target and not any(ord(c) < 32 or ord(c) == 127 for c in target):
        parts = urlparse(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("core.index")


@bp.route("/login", methods=["GET", "POST"])
@public_view
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    if request.method == "POST" and form.validate():
        username = form.username.data.strip().lower()
        attempt, wait = begin_attempt(username, _client_address())
        if wait:
            return too_many_attempts(wait)
        user = db.session.scalar(select(User).where(func.lower(User.username) == username))
        ok = password_matches(user, form.password.data)
        attempt.success = bool(ok and user.active)
        if not ok or not user.active:
            audit.record("login_failed", "user", user.id if user else None, detail="gedeactiveerd" if ok else None)
            db.session.commit()
            form.password.errors = ["Onbekende gebruikersnaam of verkeerd wachtwoord."
                                    if not ok else "Deze account is gedeactiveerd. Neem contact op met de beheerder."]
            return render_template("core/login.html", form=form, demo=_demo_accounts()), 200
        session.clear()
        if user.totp_secret:  # second step: a code from the authenticator app
            db.session.commit()
            session["2fa_user"] = user.id
            session["2fa_next"] = request.args.get("next")
            return redirect(url_for("twofactor.verify"))
        start_session(user)
        audit.record("login", "user", user.id, user_id=user.id)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    if session.pop("expired", False):
        flash("Je sessie is verlopen omdat je een tijd niets deed. Meld je opnieuw aan.", "warning")
    return render_template("core/login.html", form=form, demo=_demo_accounts())


def _demo_accounts():
    return DEMO_ACCOUNTS if current_app.config["HVHK_DEMO"] else None


@bp.post("/logout")
@partner_view
def logout():
    audit.record("logout", "user", current_user.id)
    end_session()  # the session row goes: a copy of the cookie no longer works
    db.session.commit()
    flash("Je bent afgemeld.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@partner_view
def password():
    form = PasswordChangeForm()
    if request.method == "POST" and form.validate():
        if not current_user.check_password(form.current.data):
            form.current.errors = ["Je huidige wachtwoord klopt niet."]
        else:
            current_user.set_password(form.new.data)
            end_other_sessions(current_user)
            audit.record("password", "user", current_user.id)
            db.session.commit()
            login_user(current_user._get_current_object())  # the session token rotated: keep this session, end all others
            flash("Je wachtwoord is gewijzigd. Je andere sessies zijn afgemeld.", "success")
            return redirect(url_for("core.index"))
    return render_template("core/password.html", form=form)


def init_app(app) -> None:
    app.register_blueprint(bp)
