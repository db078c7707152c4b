"""Login requirement by default, idle expiry, partner confinement and security headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask, abort, current_app, g, jsonify, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user

from .extensions import db, login_manager
from .models import User
from .ui import htmx_redirect

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (behind a proxy: HVHK_BEHIND_PROXY)."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


@login_manager.user_loader
def load_user(user_id: str):
    try:
        uid, token = user_id.split(":", 1)
        user = db.session.get(User, int(uid))
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or user.session_token != token:
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    login_url = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if request.htmx:
        return htmx_redirect(url_for("auth.login"))
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify(error="Je bent niet aangemeld."), 401
    return redirect(login_url)


def _view_flag(flag: str) -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, flag, False))


def require_login():
    """before_request: every endpoint needs a logged-in user unless marked public; partners only partner views."""
    if request.endpoint is None or request.endpoint == "static" or _view_flag("_hvhk_public"):
        return None
    if not current_user.is_authenticated:
        return unauthorized()
    now = datetime.now(UTC).timestamp()
    last = session.get("seen")
    idle = current_app.permanent_session_lifetime.total_seconds()
    if last is not None and now - last > idle:
        logout_user()
        session.clear()
        session["expired"] = True
        return unauthorized()
    session["seen"] = now
    session.permanent = True
    if current_user.is_partner and not _view_flag("_hvhk_partner_view"):
        abort(404)
    from .twofactor import enforce_setup

    return enforce_setup()


def security_headers(resp):
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Referrer-Policy"] = "same-origin"
    resp.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:
        resp.headers["Strict-Transport-Security"] = "max-age=31536000"
    user = g.get("_login_user")  # never load the user here: this also runs on the 503 page of a database outage
    if user is not None and getattr(user, "is_authenticated", False) and request.endpoint != "static":
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def refuse_control_characters():
    """before_request: a NUL or other control character in a submitted value is never typed by a person, and
    PostgreSQL refuses NUL in text. Answer 400 in Dutch before any view sees it (tabs and newlines are fine)."""
    for values in (request.args, request.form):
        for value in values.values():
            if _CONTROL.search(value):
                from werkzeug.exceptions import BadRequest

                e = BadRequest()
                e.hvhk_message = ("Je invoer bevat onzichtbare controletekens die niet bewaard kunnen worden. "
                                  "Ga terug, verwijder ze (typ de tekst opnieuw in plaats van te plakken) en probeer opnieuw.")
                raise e


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Meld je aan om deze pagina te zien."
    login_manager.session_protection = "basic"

    app.session_interface = HttpsAwareSessionInterface()
    if app.config.get("HVHK_BEHIND_PROXY"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    from .audit import commit_reads

    app.before_request(require_login)
    app.before_request(refuse_control_characters)
    app.after_request(security_headers)
    app.after_request(commit_reads)
