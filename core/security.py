"""Login requirement by default, server-side sessions, idle expiry, partner confinement, the reverse proxy
and security headers."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, abort, current_app, g, jsonify, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from .extensions import db, login_manager
from .held import remember_version, version_subquery
from .models import Membership, User, UserSession, utcnow
from .ui import htmx_redirect

SESSION_KEY = "_hvhk_sid"  # the session id in the signed cookie; the database keeps only its digest

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (behind a proxy: HVHK_BEHIND_PROXY)."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def new_session_id(user: User) -> str:
    """Record a new server-side session for ``user`` and return its id (for the cookie); the caller commits.
    Sessions past their lifetime are deleted here, so the table holds only live ones."""
    now = utcnow()
    db.session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    sid = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=_digest(sid), created_at=now,
                      expires_at=now + timedelta(hours=current_app.config["HVHK_SESSION_MAX_HOURS"]))
    db.session.add(row)
    g._hvhk_user_session = row
    return sid


def start_session(user: User) -> None:
    """Log ``user`` in (password and second step checked) with a new server-side session; the caller commits.
    Clear the old session first (``session.clear()``) so no id from before the login survives."""
    sid = new_session_id(user)
    login_user(user)
    session[SESSION_KEY] = sid
    session.permanent = True


def end_session() -> None:
    """End the current session on the server and in the cookie (logout, idle expiry); the caller commits."""
    sid = session.get(SESSION_KEY)
    if isinstance(sid, str):
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _digest(sid)))
    g.pop("_hvhk_user_session", None)
    logout_user()
    session.clear()


def end_other_sessions(user: User) -> None:
    """End every session of ``user`` except the current one (after a password change); the caller commits."""
    sid = session.get(SESSION_KEY)
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if isinstance(sid, str):
        query = query.where(UserSession.token_hash != _digest(sid))
    db.session.execute(query)


def current_user_session() -> UserSession | None:
    """The database row of the current login session (None when nobody is logged in)."""
    if not current_user.is_authenticated:  # loads the user, and with it the row
        return None
    return g.get("_hvhk_user_session")


@login_manager.user_loader
def load_user(user_id: str):
    """The user of this cookie, if its session is still open on the server: the session row exists (logout
    deletes it) and has not expired, the user is active and the cookie's token is the user's current one
    (a password change or deactivation rotates it)."""
    sid = session.get(SESSION_KEY)
    try:
        uid, token = user_id.split(":", 1)
        uid = int(uid)
    except (ValueError, TypeError, AttributeError):
        return None
    if not isinstance(sid, str):
        return None
    found = db.session.execute(  # one query: the user, the session row and the user's teams (menus, access, 2FA),
        # and the version of what this process holds between requests (core.held: no query for those)
        select(User, UserSession, version_subquery())
        .join(UserSession, UserSession.user_id == User.id)
        .options(joinedload(User.memberships).joinedload(Membership.team))
        .where(User.id == uid, UserSession.token_hash == _digest(sid), UserSession.expires_at > utcnow())
    ).unique().first()
    if found is None:
        return None
    user, row, version = found
    remember_version(version)
    if not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    g._hvhk_user_session = row
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
        end_session()
        db.session.commit()
        session["expired"] = True
        return unauthorized()
    if last is None or now - last >= min(60.0, idle / 30):
        # written at most once a minute (30-minute idle limit): the signed cookie is not re-made and re-sent on
        # every request; the idle limit is then kept to within that minute
        session["seen"] = now
    if not session.permanent:
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
    resp.headers["Permissions-Policy"] = PERMISSIONS_POLICY
    if request.is_secure:
        resp.headers["Strict-Transport-Security"] = "max-age=31536000"
    user = g.get("_login_user")  # never load the user here: this also runs on the 503 page of a database outage
    if user is not None and getattr(user, "is_authenticated", False) and request.endpoint != "static":
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def refuse_control_characters():
    """before_request: a NUL or other control character in a submitted value is never typed by a person, and
    PostgreSQL refuses NUL in text. Answer 400 in Dutch before any view sees it (tabs and newlines are fine)."""
    sources = (request.args,) if request.method in ("GET", "HEAD", "OPTIONS") else (request.args, request.form)
    for values in sources:  # a GET has no form body: not parsed for nothing on every page view
        for value in values.values():
            if _CONTROL.search(value):
                from werkzeug.exceptions import BadRequest

                e = BadRequest()
                e.hvhk_message = ("Je invoer bevat onzichtbare controletekens die niet bewaard kunnen worden. "
                                  "Ga terug, verwijder ze (typ de tekst opnieuw in plaats van te plakken) en probeer opnieuw.")
                raise e


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _proxy_count(value) -> int:
    from . import ConfigError

    try:
        count = int(str(value).strip())
    except ValueError:
        count = 0
    if count < 1:
        raise ConfigError(f"HVHK_PROXY_COUNT must be the number of reverse proxies in front of the app, 1 or more "
                          f"(got {value!r}).")
    return count


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Meld je aan om deze pagina te zien."
    login_manager.session_protection = "basic"

    app.session_interface = HttpsAwareSessionInterface()
    app.config["HVHK_PROXY_COUNT"] = _proxy_count(app.config.get("HVHK_PROXY_COUNT", 1))
    if app.config.get("HVHK_BEHIND_PROXY"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust X-Forwarded-For and -Proto as set by that many proxies: request.remote_addr becomes the client's
        # address (audit log, login throttle) and request.is_secure follows the browser's HTTPS (Secure cookie,
        # HSTS). The Host header is not taken from X-Forwarded-Host: the proxy passes Host on itself.
        count = app.config["HVHK_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
    from .audit import commit_reads

    app.before_request(require_login)
    app.before_request(refuse_control_characters)
    app.after_request(security_headers)
    app.after_request(commit_reads)
