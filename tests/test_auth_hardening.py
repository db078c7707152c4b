"""Security defects of issue 13 in the accounts code: logout ends the session on the server (3), the proxy
setting is read from the environment (4), login costs the same for unknown users and the throttle is atomic (7),
and the pending two-factor secret stays on the server (10)."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import ConfigError
from core.extensions import db
from core.models import AuditEntry, LoginAttempt, User, UserSession, utcnow

PASSWORD = "huisvanhetkind"
WRONG = "fout-wachtwoord-123"


def _login(client, username, password=PASSWORD, **kwargs):
    return client.post("/login", data={"username": username, "password": password}, **kwargs)


def _cookie(client) -> str:
    return client.get_cookie("hvhk_session").value


# --------------------------------------------------------------------------- defect 3: logout ends the session


def test_a_cookie_saved_before_logout_no_longer_works(app, client, make_user):
    make_user("worker")
    assert _login(client, "worker").status_code == 302
    saved = _cookie(client)
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    # an attacker (or the browser's back-up of the cookie) replays the cookie from before the logout
    replay = app.test_client()
    replay.set_cookie("hvhk_session", saved)
    assert replay.get("/").status_code == 302
    assert replay.get("/gezinnen/").status_code == 302


def test_logout_ends_only_that_session(app, make_user):
    make_user("worker")
    laptop, desk = app.test_client(), app.test_client()
    _login(laptop, "worker")
    _login(desk, "worker")
    laptop.post("/logout")
    assert laptop.get("/").status_code == 302
    assert desk.get("/").status_code == 200


def test_password_change_ends_the_other_sessions_and_keeps_this_one(app, make_user):
    make_user("worker")
    here, elsewhere = app.test_client(), app.test_client()
    _login(here, "worker")
    _login(elsewhere, "worker")
    saved = _cookie(here)
    resp = here.post("/account/wachtwoord", data={"current": PASSWORD, "new": "fiets-regen-Genk-2031",
                                                  "repeat": "fiets-regen-Genk-2031"})
    assert resp.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    replay = app.test_client()  # the cookie from before the change carried the old session
    replay.set_cookie("hvhk_session", saved)
    assert replay.get("/").status_code == 302
    user = db.session.scalar(select(User).where(User.username == "worker"))
    assert db.session.scalar(select(db.func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id)) == 1


def test_deactivation_by_an_admin_ends_the_sessions(app, make_user, login):
    user = make_user("worker")
    worker = app.test_client()
    login(worker, "worker")
    saved = _cookie(worker)
    make_user("root", admin=True)
    admin = app.test_client()
    login(admin, "root")
    admin.post(f"/beheer/gebruikers/{user.id}/actief")  # off
    admin.post(f"/beheer/gebruikers/{user.id}/actief")  # on again: the old session stays ended
    replay = app.test_client()
    replay.set_cookie("hvhk_session", saved)
    assert replay.get("/").status_code == 302


def test_sessions_end_after_their_maximum_lifetime_and_old_rows_are_removed(app_factory, app, make_user):
    a = app_factory(HVHK_SESSION_MAX_HOURS=12)
    make_user("worker")
    client = a.test_client()
    _login(client, "worker")
    assert client.get("/").status_code == 200
    row = db.session.scalar(select(UserSession))
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get("/").status_code == 302  # past its lifetime, whatever the cookie says
    other = a.test_client()
    _login(other, "worker")  # a login clears the rows that expired
    rows = db.session.scalars(select(UserSession)).all()
    assert len(rows) == 1 and rows[0].expires_at > utcnow() + timedelta(hours=11)


def test_the_database_keeps_a_digest_of_the_session_id_never_the_id(app, client, make_user):
    from flask.sessions import SecureCookieSessionInterface

    make_user("worker")
    _login(client, "worker")
    payload = SecureCookieSessionInterface().get_signing_serializer(app).loads(_cookie(client))
    sid = payload["_hvhk_sid"]
    row = db.session.scalar(select(UserSession))
    assert row.token_hash == hashlib.sha256(sid.encode()).hexdigest() and sid not in row.token_hash


# --------------------------------------------------------------------------- defect 4: behind a proxy


def _failed_logins_from(client, addresses, *, usernames=None, proxies=("10.0.0.2",)):
    for i, address in enumerate(addresses):
        name = usernames[i] if usernames else f"onbekend{i}"
        _login(client, name, WRONG, headers={"X-Forwarded-For": ", ".join((address, *proxies[1:]))},
               environ_base={"REMOTE_ADDR": proxies[0]})


def test_behind_proxy_is_read_from_the_environment_and_counts_the_real_client(app_factory, app, make_user,
                                                                               monkeypatch):
    monkeypatch.setenv("HVHK_BEHIND_PROXY", "1")
    a = app_factory()
    make_user("worker")
    client = a.test_client()
    # 20 failed logins from 20 addresses behind the proxy: none of them reaches the address limit
    _failed_logins_from(client, [f"203.0.113.{i}" for i in range(1, 21)])
    resp = _login(a.test_client(), "worker", headers={"X-Forwarded-For": "198.51.100.7"},
                  environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert resp.status_code == 302
    # the audit log and the throttle hold the client's address, not the proxy's
    addresses = {e.address for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed"))}
    assert addresses == {f"203.0.113.{i}" for i in range(1, 21)}
    assert db.session.scalar(select(AuditEntry.address).where(AuditEntry.action == "login")) == "198.51.100.7"
    assert "10.0.0.2" not in {a for (a,) in db.session.execute(select(LoginAttempt.address))}


def test_one_address_at_its_limit_does_not_lock_out_the_others(app_factory, app, make_user, monkeypatch):
    monkeypatch.setenv("HVHK_BEHIND_PROXY", "1")
    a = app_factory()
    make_user("worker")
    client = a.test_client()
    _failed_logins_from(client, ["203.0.113.66"] * 20)
    assert _login(client, "worker", headers={"X-Forwarded-For": "203.0.113.66"},
                  environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 429
    assert _login(a.test_client(), "worker", headers={"X-Forwarded-For": "198.51.100.7"},
                  environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 302


def test_behind_https_the_cookie_is_secure_and_hsts_is_sent(app_factory, app, make_user, monkeypatch):
    monkeypatch.setenv("HVHK_BEHIND_PROXY", "1")
    a = app_factory()
    make_user("worker")
    # over HTTPS Flask-WTF also wants the Referer of the same site, as a browser sends it
    resp = _login(a.test_client(), "worker", headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https",
                                                     "Referer": "https://localhost/login"})
    assert resp.status_code == 302
    assert "Secure" in resp.headers["Set-Cookie"]
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = a.test_client().get("/login", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers


def test_proxy_count_takes_the_address_that_many_hops_back(app_factory, app, make_user, monkeypatch):
    monkeypatch.setenv("HVHK_BEHIND_PROXY", "1")
    monkeypatch.setenv("HVHK_PROXY_COUNT", "2")
    a = app_factory()
    assert a.config["HVHK_PROXY_COUNT"] == 2
    client = a.test_client()
    # the client forges a first entry; the two proxies append the real client and the first proxy
    _login(client, "onbekend", WRONG, headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.5, 10.0.0.1"},
           environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert db.session.scalar(select(AuditEntry.address).where(AuditEntry.action == "login_failed")) == "203.0.113.5"


def test_without_the_setting_forwarded_headers_are_ignored(app_factory, app, make_user, monkeypatch):
    monkeypatch.delenv("HVHK_BEHIND_PROXY", raising=False)
    a = app_factory(HVHK_LOGIN_MAX_FAILS_ADDRESS=3)
    make_user("worker")
    client = a.test_client()
    _failed_logins_from(client, ["203.0.113.1", "203.0.113.2", "203.0.113.3"])
    # a client cannot escape the address limit by sending X-Forwarded-For itself
    resp = _login(client, "worker", headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"},
                  environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert resp.status_code == 429
    assert "Strict-Transport-Security" not in resp.headers
    assert {e.address for e in db.session.scalars(select(AuditEntry))} == {"10.0.0.2"}


@pytest.mark.parametrize("count", ["0", "twee", "-1"])
def test_a_wrong_proxy_count_stops_the_app_with_a_clear_message(app_factory, app, monkeypatch, count):
    monkeypatch.setenv("HVHK_BEHIND_PROXY", "1")
    monkeypatch.setenv("HVHK_PROXY_COUNT", count)
    with pytest.raises(ConfigError, match="HVHK_PROXY_COUNT"):
        app_factory()


# --------------------------------------------------------------------------- defect 7: login timing, throttle


class ScryptCounter:
    """Counts the scrypt computations behind every password check (werkzeug calls ``hashlib.scrypt``); the real
    function runs."""

    def __init__(self, monkeypatch):
        self.calls: list[tuple[int, int, int]] = []
        self._lock = threading.Lock()
        real = hashlib.scrypt

        def counting(password, *, salt, n, r, p, **kwargs):
            with self._lock:
                self.calls.append((n, r, p))
            return real(password, salt=salt, n=n, r=r, p=p, **kwargs)

        monkeypatch.setattr(hashlib, "scrypt", counting)

    def take(self) -> list[tuple[int, int, int]]:
        with self._lock:
            calls, self.calls = self.calls, []
        return calls


def test_an_unknown_username_costs_the_same_password_check_as_a_known_one(app, client, make_user, monkeypatch):
    from werkzeug.security import generate_password_hash

    user = make_user("worker")
    user.password_hash = generate_password_hash(PASSWORD, method="scrypt")  # today's parameters
    make_user("oud", active=False)
    db.session.commit()
    counter = ScryptCounter(monkeypatch)
    _login(client, "niemand-anders", WRONG)  # the first unknown name may prepare the stand-in hash
    counter.take()
    per_login = []
    for name in ("niemand", "worker", "oud", "nog-iemand"):  # unknown, known, deactivated, unknown
        resp = _login(client, name, WRONG)
        assert resp.status_code == 200
        per_login.append(counter.take())
    assert [len(c) for c in per_login] == [1, 1, 1, 1], per_login
    assert len(set(c[0] for c in per_login)) == 1  # the same scrypt parameters (n, r, p) as a real hash


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Visitor:
    """One browser: fetches the login form (cookie + CSRF token) first, posts when told."""

    def __init__(self, base: str):
        import http.cookiejar

        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())
        with self.opener.open(base + "/login", timeout=30) as resp:
            self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', resp.read().decode()).group(1)

    def login(self, username: str, password: str) -> tuple[int, str]:
        body = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": self.token}).encode()
        try:
            with self.opener.open(urllib.request.Request(self.base + "/login", data=body), timeout=60) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _burst(base: str, username: str, n: int = 20) -> list[tuple[int, str]]:
    """n visitors post a wrong password for one account at the same moment, from n threads."""
    visitors = [_Visitor(base) for _ in range(n)]
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        barrier.wait()
        results[i] = visitors[i].login(username, WRONG)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def _checked(results) -> int:
    """Answers that say the password was wrong: each one had its password checked."""
    return sum(1 for status, body in results if status == 200 and "verkeerd wachtwoord" in body)


def test_parallel_wrong_passwords_get_at_most_the_limit_of_checks_threads(app, make_user, monkeypatch):
    """A real threaded HTTP server in this process: the scrypt computations are counted directly."""
    from werkzeug.serving import make_server

    make_user("worker")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        counter = ScryptCounter(monkeypatch)
        results = _burst(base, "worker")
        checks = len(counter.take())
    finally:
        server.shutdown()
        thread.join(10)
    assert all(r is not None for r in results)
    print(f"threads: {checks} of 20 parallel wrong passwords had their password checked")
    assert checks <= 5, f"{checks} password checks past a limit of 5"
    assert _checked(results) == checks
    assert sum(1 for status, _ in results if status == 429) == 20 - checks


@pytest.fixture
def gunicorn_server(app, database_url, tmp_path):
    """One gunicorn with two worker processes of eight threads each on the test database."""
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="shared-secret-key-for-both-processes-0123456789",
               HVHK_INSTANCE=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "8", "-b", f"127.0.0.1:{port}",
                             "core:create_app()"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("gunicorn did not start: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_parallel_wrong_passwords_get_at_most_the_limit_of_checks_processes(gunicorn_server, make_user):
    """Two server processes with threads on one database: the throttle holds across them."""
    make_user("worker")
    results = _burst(gunicorn_server, "worker")
    assert all(r is not None for r in results)
    checks = _checked(results)
    print(f"processes: {checks} of 20 parallel wrong passwords had their password checked")
    assert checks <= 5, f"{checks} password checks past a limit of 5"
    assert sum(1 for status, _ in results if status == 429) == 20 - checks
    # attempts refused in the crush may have kept the count below the limit: one by one, the rest of the five
    later = [_Visitor(gunicorn_server).login("worker", WRONG) for _ in range(6)]
    assert checks + _checked(later) == 5 and later[-1][0] == 429
    status, _ = _Visitor(gunicorn_server).login("worker", PASSWORD)
    assert status == 429  # the account waits now, also with the right password


def test_throttled_attempts_do_not_extend_the_lock(app, client, make_user):
    make_user("worker")
    for _ in range(5):
        _login(client, "worker", WRONG)
    for _ in range(10):
        assert _login(client, "worker", WRONG).status_code == 429
    fails = db.session.scalar(select(db.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == "worker", LoginAttempt.success.is_(False)))
    assert fails == 5


# --------------------------------------------------------------------------- defect 10: pending TOTP secret


def _cookie_payload(app, client) -> dict:
    from flask.sessions import SecureCookieSessionInterface

    return SecureCookieSessionInterface().get_signing_serializer(app).loads(_cookie(client))


def test_the_pending_totp_secret_is_kept_on_the_server_not_in_the_cookie(app, client, make_user, login):
    import pyotp

    make_user("worker")
    login(client, "worker")
    page = client.get("/account/tweestap").get_data(as_text=True)
    secret = re.search(r"Sleutel: <code>([A-Z2-7]+)</code>", page).group(1)
    payload = _cookie_payload(app, client)
    assert secret not in repr(payload)
    raw = _cookie(client)
    assert secret not in raw
    # the same secret is shown again (it is kept), also by another server process
    again = app.test_client()
    again.set_cookie("hvhk_session", raw)
    assert secret in again.get("/account/tweestap").get_data(as_text=True)
    assert secret not in repr(_cookie_payload(app, again))
    resp = client.post("/account/tweestap", data={"code": pyotp.TOTP(secret).now()})
    assert len(re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", resp.get_data(as_text=True))) == 10
    assert db.session.scalar(select(User.totp_secret).where(User.username == "worker")) == secret
    assert db.session.scalar(select(UserSession.totp_pending_secret)) is None


def test_a_pending_secret_ends_with_its_session(app, client, make_user, login):
    make_user("worker")
    login(client, "worker")
    first = re.search(r"Sleutel: <code>([A-Z2-7]+)</code>", client.get("/account/tweestap").get_data(as_text=True))
    client.post("/logout")
    assert db.session.scalar(select(db.func.count()).select_from(UserSession)) == 0
    login(client, "worker")
    second = re.search(r"Sleutel: <code>([A-Z2-7]+)</code>", client.get("/account/tweestap").get_data(as_text=True))
    assert first.group(1) != second.group(1)
