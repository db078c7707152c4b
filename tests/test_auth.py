"""Accounts: login, throttling in the database, password rules, deactivation, idle expiry, headers."""

import time

import pytest

from core import ConfigError, create_app
from core.extensions import db
from core.models import LoginAttempt, User
from core.passwords import password_problem


def _login(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def test_login_and_logout(client, make_user, login):
    make_user("worker")
    assert client.get("/").status_code == 302
    login(client, "worker")
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_in_dutch(client, make_user):
    make_user("worker")
    resp = _login(client, "worker", "niet-het-juiste-wachtwoord")
    assert resp.status_code == 200
    assert "Onbekende gebruikersnaam of verkeerd wachtwoord" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_failed_logins_are_throttled_per_account(client, make_user, app):
    make_user("worker")
    for _ in range(5):
        _login(client, "worker", "fout-wachtwoord-123")
    resp = _login(client, "worker", "huisvanhetkind")  # even the right password waits now
    assert resp.status_code == 429
    assert "Probeer het opnieuw over 15 minuten" in resp.get_data(as_text=True)
    assert int(resp.headers["Retry-After"]) > 800
    # the count lives in the database: a second app (another server process) sees the same limit
    assert db.session.query(LoginAttempt).filter_by(username="worker", success=False).count() == 5


def test_throttle_holds_across_app_instances(app_factory, app, make_user):
    make_user("worker")
    first, second = app_factory().test_client(), app_factory().test_client()
    for _ in range(5):
        _login(first, "worker", "fout-wachtwoord-123")
    assert _login(second, "worker", "huisvanhetkind").status_code == 429


def test_failed_logins_are_throttled_per_client_address(app_factory, app, make_user):
    a = app_factory(HVHK_LOGIN_MAX_FAILS_ADDRESS=3)
    client = a.test_client()
    for name in ("a1", "a2", "a3"):
        _login(client, name, "fout-wachtwoord-123")
    make_user("worker")
    assert _login(client, "worker", "huisvanhetkind").status_code == 429
    other = a.test_client()
    resp = other.post("/login", data={"username": "worker", "password": "huisvanhetkind"},
                      environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert resp.status_code == 302


def test_deactivated_user_cannot_log_in_and_loses_open_sessions(client, make_user, login, app):
    user = make_user("worker")
    login(client, "worker")
    admin = make_user("root", admin=True)
    admin_client = app.test_client()
    login(admin_client, "root")
    assert admin_client.post(f"/beheer/gebruikers/{user.id}/actief").status_code == 302
    assert client.get("/").status_code == 302  # the open session ended at once
    resp = _login(client, "worker", "huisvanhetkind")
    assert "gedeactiveerd" in resp.get_data(as_text=True)
    assert db.session.get(User, user.id) is not None  # deactivated, never deleted
    assert admin.id


@pytest.mark.parametrize("password, ok", [
    ("kort", False), ("password1234", False), ("qwertyuiop123", False), ("aaaaaaaaaaaaaa", False),
    ("fiets-regen-Genk-2031", True), ("huisvanhetkind", True),
])
def test_password_rules(password, ok):
    assert (password_problem(password) is None) is ok


def test_user_changes_own_password_with_rules(client, make_user, login):
    make_user("worker")
    login(client, "worker")
    resp = client.post("/account/wachtwoord", data={"current": "huisvanhetkind", "new": "password1234",
                                                    "repeat": "password1234"})
    assert resp.status_code == 200 and "te algemeen" in resp.get_data(as_text=True)
    resp = client.post("/account/wachtwoord", data={"current": "huisvanhetkind", "new": "fiets-regen-Genk-2031",
                                                    "repeat": "fiets-regen-Genk-2031"})
    assert resp.status_code == 302
    client.post("/logout")
    assert _login(client, "worker", "fiets-regen-Genk-2031").status_code == 302


def test_admin_resets_password_and_creates_users(client, make_user, login, make_org):
    make_user("root", admin=True)
    login(client, "root")
    resp = client.post("/beheer/gebruikers/nieuw", data={"username": "nieuw", "display_name": "Nieuw Lid",
                                                         "kind": "staff", "organisation_id": "0", "password": "kort"})
    assert resp.status_code == 200 and "minstens 12 tekens" in resp.get_data(as_text=True)
    assert 'value="Nieuw Lid"' in resp.get_data(as_text=True)  # what was typed is kept
    resp = client.post("/beheer/gebruikers/nieuw", data={"username": "nieuw", "display_name": "Nieuw Lid",
                                                         "kind": "staff", "organisation_id": "0",
                                                         "password": "zomer-aan-zee-Genk"})
    assert resp.status_code == 302
    user = db.session.query(User).filter_by(username="nieuw").one()
    resp = client.post(f"/beheer/gebruikers/{user.id}/wachtwoord", data={"password": "winter-in-As-2027"})
    assert resp.status_code == 302
    other = client.application.test_client()
    assert _login(other, "nieuw", "winter-in-As-2027").status_code == 302


def test_idle_session_expires_and_htmx_gets_hx_redirect(app_factory, app, make_user, login):
    a = app_factory(HVHK_IDLE_MINUTES=0)
    make_user("worker")
    client = a.test_client()
    login(client, "worker")
    time.sleep(1.1)
    resp = client.get("/", headers={"HX-Request": "true"})
    assert resp.status_code == 401
    assert resp.headers["HX-Redirect"] == "/login"
    assert client.get("/").status_code == 302


def test_security_headers_and_cookie_flags(client, make_user):
    make_user("worker")
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    resp = _login(client, "worker", "huisvanhetkind")
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = client.application.test_client().post(  # a new browser: the session cookie is set (and only then:
        # an unchanged session is not re-sent on every request)
        "/login", data={"username": "worker", "password": "huisvanhetkind"}, base_url="https://localhost")
    assert "Secure" in https.headers["Set-Cookie"]


def test_the_app_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("HVHK_DEMO", raising=False)
    monkeypatch.delenv("HVHK_TESTING", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    demo = create_app({"INSTANCE_PATH": str(tmp_path), "HVHK_DEMO": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert len(demo.config["SECRET_KEY"]) >= 32


def test_open_redirect_after_login_is_refused(client, make_user):
    make_user("worker")
    resp = client.post("/login?next=https://evil.example/", data={"username": "worker", "password": "huisvanhetkind"})
    assert resp.headers["Location"] == "/"


def test_healthz_answers_503_when_the_database_is_unreachable(app_factory, app):
    broken = app_factory(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    resp = broken.test_client().get("/healthz")
    assert resp.status_code == 503
    assert resp.get_json()["database"] == "onbereikbaar"


def test_control_characters_are_refused_in_dutch_and_nothing_is_saved(client, make_user, login):
    """A NUL byte cannot be typed and PostgreSQL refuses it in text: 400 in Dutch, nothing saved (found by
    Hypothesis on PostgreSQL, where it used to answer 503)."""
    from core.models import Team

    make_user("root", admin=True)
    login(client, "root")
    resp = client.post("/beheer/teams", data={"name": "Team\x00X"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "controletekens" in body and "Traceback" not in body
    assert db.session.query(Team).count() == 0
    assert client.get("/gezinnen/?q=Cla%00es").status_code == 400
    assert client.post("/beheer/teams", data={"name": "Team\tnoord"}).status_code != 400  # a tab is fine


def test_a_value_the_database_refuses_is_a_400_not_an_outage(client, make_user, login, is_postgres):
    """A number too large for the column is the user's input, not the database being down."""
    make_user("root", admin=True)
    login(client, "root")
    resp = client.get("/gezinnen/999999999999999999999")
    assert resp.status_code in (400, 404), resp.status_code


def test_an_oversized_number_in_a_query_string_is_a_400(client, make_user, login):
    make_user("root", admin=True)
    login(client, "root")
    resp = client.get("/beheer/logboek?voor=99999999999999999999999")
    assert resp.status_code == 400 and "‘voor’" in resp.get_data(as_text=True)
