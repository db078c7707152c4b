"""Start page (dashboard tiles from hooks), global search (from hooks) and the health check."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from .access import partner_view, public_view
from .audit import ACTION_LABELS
from .extensions import db
from .params import arg_str
from .plugins import current_plugins, user_hook
from .ui import NavItem

bp = Blueprint("core", __name__)


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    if current_user.is_partner:
        host = current_plugins()
        items = [NavItem("Start", url_for("core.index"), 0)]
        if current_user.organisation is not None:
            for group in host.hook_available("hvhk_partner_pages")(organisation=current_user.organisation):
                items.extend(group or [])
        return sorted(items, key=lambda i: (i.order, i.label))
    items = [NavItem("Start", url_for("core.index"), 0), NavItem("Gezinnen", url_for("families.directory"), 10)]
    if current_user.team_ids():
        items += [NavItem("Agenda", url_for("agenda.index"), 5), NavItem("Taken", url_for("tasks.index"), 6)]
    for group in user_hook("hvhk_nav_items")(user=current_user):
        items.extend(group or [])
    if current_user.managed_team_ids() or current_user.is_admin:
        items.append(NavItem("Teams", url_for("teams.index"), 90))
    if current_user.is_admin:
        items.append(NavItem("Beheer", url_for("admin.index"), 95))
    return sorted(items, key=lambda i: (i.order, i.label))


def active_nav_url(items: list[NavItem]) -> str | None:
    """The menu entry for the current page: the longest URL that the path starts with."""
    path = request.path
    matches = [i.url for i in items if i.url != "/" and path.startswith(i.url)]
    if not matches:
        return "/" if path == "/" else None
    return max(matches, key=len)


@bp.get("/")
@partner_view
def index():
    if current_user.is_partner:
        pages = []
        if current_user.organisation is not None:
            for group in current_plugins().hook_available("hvhk_partner_pages")(organisation=current_user.organisation):
                pages.extend(group or [])
        return render_template("core/partner_home.html", pages=pages)
    widgets = []
    for group in user_hook("hvhk_dashboard_widgets")(user=current_user):
        widgets.extend(group or [])
    widgets.sort(key=lambda w: (w.order, w.title))
    from . import mywork

    work = mywork.context(current_user) if mywork.shows_mywork(current_user) else None
    return render_template("core/index.html", widgets=widgets, work=work)


@bp.get("/zoeken")
def search():
    query = arg_str("q", max_len=100)
    results = []
    if len(query) >= 2:
        from .families import search_results_for_global

        results.extend(search_results_for_global(query))
        for group in user_hook("hvhk_search")(query=query, user=current_user):
            results.extend((group or [])[:10])
    return render_template("core/search.html", query=query, results=results)


@bp.get("/healthz")
@public_view
def healthz():
    """200 when the database answers within HVHK_HEALTH_TIMEOUT seconds (its own connection), else 503. A GET
    or HEAD is answered by ``HealthCheck`` before Flask; this view serves ``url_for`` and the route list."""
    status, body = health_answer(current_app._get_current_object(), db.engine)
    return current_app.response_class(body, status=status, mimetype="application/json")


def health_answer(app, engine) -> tuple[int, bytes]:
    """(status, JSON body) of the health check."""
    from .database import database_answers

    try:
        ok = database_answers(engine, app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {}),
                              app.config["HVHK_HEALTH_TIMEOUT"])
    except Exception:
        ok = False
    if not ok:
        return 503, json.dumps({"database": "onbereikbaar", "status": "fout"}).encode()
    return 200, json.dumps({"database": "ok", "plugins": app.extensions["hvhk_plugins"].names,
                            "status": "ok"}).encode()


class HealthCheck:
    """WSGI middleware: ``GET``/``HEAD /healthz`` answered before Flask. A load balancer asks it every few
    seconds; it needs no session, login, CSRF, template or plugin hook, only the database's answer, so it
    pays none of them (Flask's request pipeline cost 4-5 times the check itself). Same body and the same
    security headers as every other response; other methods go on to Flask (405)."""

    HEADERS = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
               ("Referrer-Policy", "same-origin"), ("Cache-Control", "no-store")]

    def __init__(self, app, wsgi_app):
        from .security import CSP, PERMISSIONS_POLICY

        self.app, self.wsgi_app, self.engine = app, wsgi_app, None
        self.headers = [*self.HEADERS, ("Content-Security-Policy", CSP), ("Permissions-Policy", PERMISSIONS_POLICY)]

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/healthz" or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        if self.engine is None:
            with self.app.app_context():
                self.engine = db.engine
        status, body = health_answer(self.app, self.engine)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *self.headers]
        if environ.get("wsgi.url_scheme") == "https":
            headers.append(("Strict-Transport-Security", "max-age=31536000"))
        start_response("200 OK" if status == 200 else "503 SERVICE UNAVAILABLE", headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["action_label"] = lambda action: ACTION_LABELS.get(action, "ander")
    from .audit import actor_label, object_label

    app.jinja_env.globals["actor_label"] = actor_label
    app.jinja_env.globals["object_label"] = object_label
    app.jinja_env.globals["active_nav_url"] = active_nav_url
    app.jinja_env.globals["demo_mode"] = lambda: current_app.config["HVHK_DEMO"]
    from . import (
        admin,
        agenda,
        calendar_feed,
        families,
        notification_views,
        report_views,
        tasks,
        teams,
        twofactor,
    )

    report_views.init_app(app)

    twofactor.init_app(app)
    admin.init_app(app)
    teams.init_app(app)
    families.init_app(app)
    tasks.init_app(app)
    agenda.init_app(app)
    calendar_feed.init_app(app)
    notification_views.init_app(app)
