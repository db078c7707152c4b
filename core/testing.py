"""The intranet's pytest plugin: the fixtures the core's tests use, shipped for third-party plugins.

Installed with the package (entry point ``pytest11``), so a plugin's own test suite gets them without copying
anything. The schema is built once per session by running the real migrations (all heads, the core's and
every loaded plugin's); every test then starts from empty tables. ``DATABASE_URL`` selects PostgreSQL
(the database is emptied!); the default is a temporary SQLite file.

A plugin that is not installed as a package can be loaded for its tests by overriding ``hvhk_extra_plugins``
in its ``conftest.py``::

    import my_plugin

    @pytest.fixture(scope="session")
    def hvhk_extra_plugins():
        return [("my_plugin", my_plugin)]

Fixtures: ``app`` (an app context with empty tables), ``client`` (a test client that sends the CSRF token
with every POST), ``app_factory`` (more apps on the same database), ``make_team``, ``make_user``,
``make_staff`` (the usual users of a test), ``make_org``, ``make_family``, ``enable_plugin``, ``login``,
``count_queries``, ``is_postgres``; and ``saved(obj)`` for a plugin's own factories (add, commit, return it).
"""

from __future__ import annotations

import hashlib
import os
from datetime import date

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, text

from core import create_app
from core.extensions import db
from core.models import (
    Family,
    FamilyMember,
    Involvement,
    Membership,
    Organisation,
    Person,
    Team,
    TeamPlugin,
    User,
)

PASSWORD = "huisvanhetkind"
_HASH_CACHE: dict[str, str] = {}


def _password_hash(password: str) -> str:
    if password not in _HASH_CACHE:
        from werkzeug.security import generate_password_hash

        _HASH_CACHE[password] = generate_password_hash(password, method="scrypt")
    return _HASH_CACHE[password]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def make_app(database_url: str, tmp_path, **config):
    cfg = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "HVHK_LOGIN_MAX_FAILS_USER": 5,
    }
    cfg.update(config)
    return create_app(cfg)


@pytest.fixture(scope="session")
def hvhk_extra_plugins() -> list:
    """Plugins handed to every app of the session next to the installed ones: ``[(name, module), ...]``."""
    return []


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory, hvhk_extra_plugins):
    app = make_app(database_url, tmp_path_factory.mktemp("schema"), HVHK_EXTRA_PLUGINS=hvhk_extra_plugins)
    with app.app_context():
        if database_url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
                for (name,) in conn.execute(text("SELECT nspname FROM pg_namespace "  # left by restore tests
                                                 "WHERE nspname LIKE 'hvhk\\_before\\_restore\\_%'")):
                    conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        else:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        from core.cli import upgrade_all

        upgrade_all()
        from sqlalchemy import inspect

        existing = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    return existing


def _empty_tables(database_url: str, existing: set[str]) -> None:
    # only tables the migrations made: another app in this session may have imported more plugin models
    tables = [t.name for t in db.metadata.sorted_tables if t.name in existing]
    with db.engine.begin() as conn:
        if database_url.startswith("postgresql"):
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for t in reversed(tables):
                conn.execute(text(f'DELETE FROM "{t}"'))
            conn.execute(text("PRAGMA foreign_keys=ON"))


class HvhkClient(FlaskClient):
    """A test client that sends a valid CSRF token with every POST unless told ``csrf=False``."""

    def csrf_token(self) -> str:
        with self.session_transaction() as s:
            if "csrf_token" not in s:
                s["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
            raw = s["csrf_token"]
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post(self, *args, csrf: bool = True, htmx: bool = False, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if htmx:
            headers["HX-Request"] = "true"
        if csrf:
            data = kwargs.get("data")
            if data is None or isinstance(data, dict):
                data = dict(data or {})
                data.setdefault("csrf_token", self.csrf_token())
                kwargs["data"] = data
            headers.setdefault("X-CSRFToken", self.csrf_token())
        return super().post(*args, headers=headers, **kwargs)

    def open(self, *args, **kwargs):
        # Each request gets its own app context (its own ``g`` and database session), as in production;
        # otherwise the test's pushed context would be shared and hide missing commits or leak current_user.
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def htmx_get(self, *args, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        headers["HX-Request"] = "true"
        return super().get(*args, headers=headers, **kwargs)


@pytest.fixture
def app_factory(_schema, database_url, tmp_path, hvhk_extra_plugins):
    """Build extra apps (other plugin sets) on the same database: ``app_factory(HVHK_PLUGINS="none")``."""
    apps = []

    def factory(**config):
        config.setdefault("HVHK_EXTRA_PLUGINS", list(hvhk_extra_plugins))
        a = make_app(database_url, tmp_path, **config)
        a.test_client_class = HvhkClient
        apps.append(a)
        return a

    yield factory
    for a in apps:
        with a.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def migration_app(app_factory, database_url, tmp_path):
    """An app on an empty database of its own, for migration tests (``upgrade``/``downgrade`` to any revision):
    a fresh SQLite file, or a fresh schema in the PostgreSQL database, dropped afterwards."""
    import uuid

    if not database_url.startswith("postgresql"):
        yield app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'migration.sqlite3'}")
        return
    schema = f"mig_{uuid.uuid4().hex[:8]}"
    mig = app_factory(SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": f"-csearch_path={schema}"}})
    with mig.app_context(), db.engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield mig
    finally:
        with mig.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            db.engine.dispose()


@pytest.fixture
def app(app_factory, database_url, _schema):
    a = app_factory()
    ctx = a.app_context()
    ctx.push()
    _empty_tables(database_url, _schema)
    yield a
    db.session.remove()
    ctx.pop()


@pytest.fixture
def client(app) -> HvhkClient:
    return app.test_client()


@pytest.fixture
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


# --------------------------------------------------------------------------- factories


def saved(obj):
    """``obj`` added to the session and committed; returns it (the end of every row factory)."""
    db.session.add(obj)
    db.session.commit()
    return obj



@pytest.fixture
def make_team(app):
    def factory(name: str, plugins: tuple[str, ...] | list[str] = (), description: str | None = None) -> Team:
        team = Team(name=name, description=description)
        db.session.add(team)
        db.session.flush()
        for p in plugins:
            db.session.add(TeamPlugin(team_id=team.id, plugin=p, enabled=True))
        db.session.commit()
        return team

    return factory


@pytest.fixture
def enable_plugin(app):
    def enable(team: Team, plugin: str, on: bool = True) -> None:
        row = db.session.query(TeamPlugin).filter_by(team_id=team.id, plugin=plugin).one_or_none()
        if row is None:
            row = TeamPlugin(team_id=team.id, plugin=plugin, enabled=on)
            db.session.add(row)
        row.enabled = on
        db.session.commit()

    return enable


@pytest.fixture
def make_user(app):
    def factory(username: str, teams: dict | None = None, *, admin: bool = False,
                organisation: Organisation | None = None, password: str = PASSWORD, active: bool = True) -> User:
        """``teams`` maps a Team (or its name) to "member" or "manager"."""
        user = User(username=username, display_name=username.capitalize(), is_admin=admin,
                    organisation_id=organisation.id if organisation else None, active=active)
        user.password_hash = _password_hash(password)
        db.session.add(user)
        db.session.flush()
        for team, role in (teams or {}).items():
            if isinstance(team, str):
                team = db.session.query(Team).filter_by(name=team).one()
            db.session.add(Membership(user_id=user.id, team_id=team.id, role=role))
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_staff(make_user):
    def factory(team: Team, *, ovw: Team | None = None, onthaal: Team | None = None,
                school: Organisation | None = None) -> dict[str, User]:
        """The usual users of a test, by key: ``worker`` and ``manager`` (member and manager of ``team``),
        ``ovw`` (member of ``ovw``), ``onthaal`` (member of ``onthaal``), ``partner`` (a user of the
        organisation ``school``) and ``admin``; created in that order, each user whose team or organisation is
        not given left out."""
        users = {"worker": make_user("worker", {team: "member"}),
                 "manager": make_user("manager", {team: "manager"})}
        if ovw is not None:
            users["ovw"] = make_user("ovw", {ovw: "member"})
        if onthaal is not None:
            users["onthaal"] = make_user("onthaal", {onthaal: "member"})
        if school is not None:
            users["partner"] = make_user("partner", organisation=school)
        users["admin"] = make_user("admin", admin=True)
        return users

    return factory


@pytest.fixture
def make_org(app):
    def factory(name: str, kind: str = "school", municipality: str | None = "Genk") -> Organisation:
        return saved(Organisation(name=name, kind=kind, municipality=municipality))

    return factory


@pytest.fixture
def make_family(app):
    def factory(label: str = "Peeters", municipality: str = "Genk", *, children=(("Lotte", date(2015, 3, 14)),),
                parents=(("Sarah", None),), involved: tuple[Team, ...] = (), has_vt: bool = False,
                postcode: str | None = None) -> Family:
        from core.geo import MUNICIPALITIES

        fam = Family(label=label, municipality=municipality, has_vt=has_vt, street="Kerkstraat 1",
                     postcode=postcode or MUNICIPALITIES.get(municipality, (("3600",), ""))[0][0])
        db.session.add(fam)
        db.session.flush()
        for given, born in children:
            p = Person(given_name=given, family_name=label, birth_date=born, school_level="lager", school_year=5)
            db.session.add(p)
            db.session.flush()
            db.session.add(FamilyMember(family_id=fam.id, person_id=p.id, role="kind"))
        for given, born in parents:
            p = Person(given_name=given, family_name=label, birth_date=born)
            db.session.add(p)
            db.session.flush()
            db.session.add(FamilyMember(family_id=fam.id, person_id=p.id, role="ouder"))
        for team in involved:
            db.session.add(Involvement(family_id=fam.id, team_id=team.id, reason="test"))
        db.session.commit()
        return fam

    return factory


@pytest.fixture
def login():
    def do_login(client, username: str, password: str = PASSWORD):
        resp = client.post("/login", data={"username": username, "password": password})
        assert resp.status_code in (302, 303), f"login of {username} failed: {resp.status_code}"
        return resp

    return do_login


@pytest.fixture
def count_queries(app):
    """``with count_queries() as n: ...`` then ``n.count`` is the number of SQL statements run."""
    from contextlib import contextmanager

    class Counter:
        count = 0
        statements: list[str] = []

    @contextmanager
    def counting():
        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, params, context, executemany):
            counter.count += 1
            counter.statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
