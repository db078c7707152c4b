"""The Huis van het Kind intranet core: ``create_app`` builds the Flask app and hosts the plugins."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

from . import database, mail
from .extensions import csrf, db, htmx, login_manager, migrate
from .plugins import PluginHost, guard_plugin_blueprints

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


class ConfigError(RuntimeError):
    """The app cannot start with these settings; the message says what to change."""


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "ja", "on")


class RecordId(IntegerConverter):
    """``<int:...>`` in every route: at most the largest id a column holds, so a huge number in a URL is a 404
    and never reaches the database (SQLite cannot bind it; PostgreSQL's integer would overflow)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict | None = None) -> Flask:
    """Build the app. Settings come from the environment, then from ``config`` (which wins).

    Environment: ``DATABASE_URL`` (default SQLite in ``instance/``), ``SECRET_KEY`` (required outside demo
    and test mode), ``HVHK_PLUGINS`` (comma-separated plugin names, 'all' (default) or 'none'),
    ``HVHK_DEMO`` (demo mode), ``HVHK_IDLE_MINUTES`` (idle session expiry, default 30),
    ``HVHK_SESSION_MAX_HOURS`` (a login session ends after this long in any case, default 12),
    ``HVHK_BEHIND_PROXY`` (trust X-Forwarded-For/-Proto of a reverse proxy) and ``HVHK_PROXY_COUNT`` (how many
    proxies set them, default 1),
    the database timeouts ``HVHK_DB_*`` and ``HVHK_HEALTH_TIMEOUT`` (``core.database.TIMEOUTS``),
    e-mail: ``SMTP_URL``, ``MAIL_FROM`` and ``HVHK_BASE_URL`` (``core.mail``).
    """
    config = dict(config or {})
    app = Flask(__name__, template_folder=str(TEMPLATES), instance_path=config.pop("INSTANCE_PATH", None)
                or os.environ.get("HVHK_INSTANCE") or str(Path.cwd() / "instance"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.url_map.converters["int"] = RecordId

    app.config.update(
        HVHK_DEMO=_truthy(os.environ.get("HVHK_DEMO")),
        TESTING=_truthy(os.environ.get("HVHK_TESTING")),
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL")
        or f"sqlite:///{Path(app.instance_path) / 'hvhk.sqlite3'}",
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        HVHK_PLUGINS=os.environ.get("HVHK_PLUGINS", "all"),
        HVHK_IDLE_MINUTES=int(os.environ.get("HVHK_IDLE_MINUTES", "30")),
        HVHK_SESSION_MAX_HOURS=int(os.environ.get("HVHK_SESSION_MAX_HOURS", "12")),
        HVHK_BEHIND_PROXY=_truthy(os.environ.get("HVHK_BEHIND_PROXY")),
        HVHK_PROXY_COUNT=os.environ.get("HVHK_PROXY_COUNT", "1"),
        HVHK_LOGIN_MAX_FAILS_USER=5,
        HVHK_LOGIN_MAX_FAILS_ADDRESS=20,
        HVHK_LOGIN_WINDOW_MINUTES=15,
        HVHK_EXTRA_PLUGINS=[],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="hvhk_session",
        # the cookie is re-sent when the session changes, which the idle check does at least once a minute
        # (core.security.require_login), not re-signed on every request
        SESSION_REFRESH_EACH_REQUEST=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which expires when idle
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        **database.settings_from_env(),
        **mail.settings_from_env(),
    )
    app.config.update(config)
    _check_config(app)

    app.permanent_session_lifetime = timedelta(minutes=app.config["HVHK_IDLE_MINUTES"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(app.config,
                                                                      app.config.get("SQLALCHEMY_ENGINE_OPTIONS"))

    db.init_app(app)
    database.ping_when_idle(app)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    _sqlite_pragmas(app)

    host = PluginHost(app.config["HVHK_PLUGINS"], app.config["HVHK_EXTRA_PLUGINS"])
    app.extensions["hvhk_plugins"] = host

    from . import auth, errors, formatting, security, views

    app.wsgi_app = views.HealthCheck(app, app.wsgi_app)  # before Flask (and inside ProxyFix, set up next)
    security.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)
    auth.init_app(app)
    views.init_app(app)
    app.before_request(guard_plugin_blueprints)
    host.register_blueprints(app)

    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True,
                     compare_type=True)
    from .cli import register_commands

    register_commands(app)
    return app


def _check_config(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        if app.config["HVHK_DEMO"] or app.config["TESTING"]:
            key_file = Path(app.instance_path) / "demo_secret_key"
            if not app.config["TESTING"]:
                if not key_file.exists():
                    key_file.write_text(secrets.token_hex(32))
                app.config["SECRET_KEY"] = key_file.read_text().strip()
            else:
                app.config["SECRET_KEY"] = secrets.token_hex(32)
        else:
            raise ConfigError(
                "SECRET_KEY is not set. Set the environment variable SECRET_KEY to a long random value "
                "(for example: python3 -c 'import secrets; print(secrets.token_hex(32))'), the same on every "
                "server process, or start the demo with 'hvhk serve --demo'."
            )
    if len(app.config["SECRET_KEY"]) < 16 and not app.config["TESTING"]:
        raise ConfigError("SECRET_KEY is too short: use at least 32 random characters.")
    try:
        mail.check_config(app.config)
    except mail.MailConfigError as e:
        raise ConfigError(str(e)) from None


_PRAGMAS_HOOKED = False


def _sqlite_pragmas(app: Flask) -> None:
    """Foreign keys, WAL and a busy timeout on every SQLite connection (hooked once per process)."""
    global _PRAGMAS_HOOKED
    if _PRAGMAS_HOOKED:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_conn, _record):
        if type(dbapi_conn).__module__.startswith("sqlite3"):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

    _PRAGMAS_HOOKED = True


@migrate.configure
def _version_locations(config):
    """Alembic looks for revisions in the core's folder and in every loaded plugin's own folder."""
    from flask import current_app

    folders = [str(Path(__file__).parent / "migrations" / "versions")]
    folders += current_app.extensions["hvhk_plugins"].migration_dirs()
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(folders))
    return config
