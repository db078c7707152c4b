"""Two-factor login with TOTP (an authenticator app) and one-time recovery codes.

Admins can require it per team (``Team.require_2fa``) and for every partner account (the setting
``require_2fa_partners``). A user who must use it and has not set it up is sent to the set-up page first.
"""

from __future__ import annotations

import base64
import io
import secrets
import time

import pyotp
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from . import audit
from .access import partner_view, public_view
from .extensions import db
from .forms import Form
from .models import RecoveryCode, Setting, User, utcnow
from .security import current_user_session, start_session
from .ui import htmx_redirect

bp = Blueprint("twofactor", __name__)
ISSUER = "Huis van het Kind"


class CodeForm(Form):
    code = StringField("Code", validators=[DataRequired("Geef de code uit je app of een herstelcode."),
                                           Length(max=40)], filters=[lambda v: (v or "").strip().replace(" ", "")])


def setting_on(key: str) -> bool:
    row = db.session.get(Setting, key)
    return bool(row and row.value == "1")


def requires_2fa(user: User) -> bool:
    if user.is_partner:
        return setting_on("require_2fa_partners")
    return any(m.team.require_2fa for m in user.memberships)  # loaded with the user (core.security.load_user)


def verify_totp(user: User, code: str) -> bool:
    """A current TOTP code (one step of clock drift either way), never the same code twice."""
    if not user.totp_secret or not code.isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = int(time.time())
    for drift in (0, -1, 1):
        step = now // 30 + drift
        if totp.at(step * 30) == code and (user.totp_last_step or 0) < step:
            user.totp_last_step = step
            return True
    return False


def use_recovery_code(user: User, code: str) -> bool:
    codes = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                          RecoveryCode.used_at.is_(None)))
    for rc in codes:
        if check_password_hash(rc.code_hash, code.lower()):
            rc.used_at = utcnow()
            return True
    return False


def new_recovery_codes(user: User) -> list[str]:
    for rc in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(rc)
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(10)]
    for c in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=generate_password_hash(c, method="scrypt")))
    return codes


def qr_data_uri(uri: str) -> str:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    img.save(buf)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


@bp.route("/login/tweestap", methods=["GET", "POST"])
@public_view
def verify():
    user_id = session.get("2fa_user")
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active:
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if request.method == "POST" and form.validate():
        from .auth import _client_address, _safe_next, begin_attempt, too_many_attempts

        attempt, wait = begin_attempt(user.username, _client_address())
        if wait:
            return too_many_attempts(wait)
        ok = verify_totp(user, form.code.data) or use_recovery_code(user, form.code.data)
        attempt.success = ok
        if ok:
            target = session.get("2fa_next")
            session.clear()
            start_session(user)
            audit.record("login", "user", user.id, user_id=user.id, detail="tweestap")
            db.session.commit()
            return redirect(_safe_next(target))
        audit.record("login_failed", "user", user.id, user_id=user.id, detail="tweestap")
        db.session.commit()
        form.code.errors = ["Deze code klopt niet (of werd al gebruikt). Probeer de nieuwste code uit je app."]
    return render_template("core/twofactor_verify.html", form=form)


@bp.route("/account/tweestap", methods=["GET", "POST"])
@partner_view
def setup():
    form = CodeForm()
    user = current_user._get_current_object()
    if user.totp_secret:
        return render_template("core/twofactor_status.html", required=requires_2fa(user), codes=None)
    # the secret waiting for its first code is kept with this login session in the database, never in the
    # cookie (which the browser can read); it ends with the session
    pending = current_user_session()
    if pending is None:  # no server-side session behind this login: log in again
        return redirect(url_for("auth.login"))
    secret = pending.totp_pending_secret
    if not secret:
        secret = pending.totp_pending_secret = pyotp.random_base32()
        db.session.commit()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    if request.method == "POST" and form.validate():
        candidate = User(totp_secret=secret)
        if verify_totp(candidate, form.code.data):
            user.totp_secret = secret
            user.totp_last_step = candidate.totp_last_step
            codes = new_recovery_codes(user)
            pending.totp_pending_secret = None
            audit.record("update", "user", user.id, detail="tweestapsaanmelding aangezet")
            db.session.commit()
            return render_template("core/twofactor_status.html", required=requires_2fa(user), codes=codes)
        form.code.errors = ["Deze code klopt niet. Controleer of de klok van je telefoon juist staat."]
    return render_template("core/twofactor_setup.html", form=form, secret=secret, qr=qr_data_uri(uri),
                           required=requires_2fa(user))


@bp.post("/account/tweestap/herstelcodes")
@partner_view
def regenerate():
    if not current_user.totp_secret:
        abort(404)
    codes = new_recovery_codes(current_user)
    audit.record("update", "user", current_user.id, detail="nieuwe herstelcodes")
    db.session.commit()
    return render_template("core/twofactor_status.html", required=requires_2fa(current_user), codes=codes)


@bp.post("/account/tweestap/uitzetten")
@partner_view
def disable():
    if requires_2fa(current_user):
        flash("Tweestapsaanmelding is verplicht voor je account en kan niet uitgezet worden.", "error")
        return redirect(url_for("twofactor.setup"))
    current_user.totp_secret = None
    for rc in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == current_user.id)):
        db.session.delete(rc)
    audit.record("update", "user", current_user.id, detail="tweestapsaanmelding uitgezet")
    db.session.commit()
    flash("Tweestapsaanmelding staat uit.", "success")
    return redirect(url_for("twofactor.setup"))


ALLOWED_DURING_SETUP = {"twofactor.setup", "auth.logout", "static"}


def enforce_setup():
    """before_request: users who must use two-factor login set it up before anything else."""
    if not current_user.is_authenticated or request.endpoint in ALLOWED_DURING_SETUP or request.endpoint is None:
        return None
    if current_user.totp_secret is None and requires_2fa(current_user):
        if request.htmx:
            return htmx_redirect(url_for("twofactor.setup"))
        flash("Je team vraagt tweestapsaanmelding. Stel ze eerst in.", "warning")
        return redirect(url_for("twofactor.setup"))
    return None


def init_app(app) -> None:
    app.register_blueprint(bp)
