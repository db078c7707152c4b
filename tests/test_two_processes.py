"""Two app processes (gunicorn) on one database: a login, the login throttle and an edit conflict hold across
both, because the app keeps no state in process memory (signed cookie sessions, throttling in the database)."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

SECRET = "shared-secret-key-for-both-processes-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_servers(app, database_url, tmp_path):
    procs, urls = [], []
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=SECRET, HVHK_INSTANCE=str(tmp_path))
    for _ in range(2):
        port = _free_port()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "core:create_app()"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        urls.append(f"http://127.0.0.1:{port}")
    deadline = time.time() + 60
    for url in urls:
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.3)
    yield urls
    for p in procs:
        p.terminate()
        p.wait(timeout=10)


class Browser:
    """A cookie-keeping HTTP client; the same cookie jar can talk to either process."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def get(self, url):
        return self._open(urllib.request.Request(url))

    def post(self, url, data, form_url=None):
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                          self.get(form_url or url)[1])
        data = dict(data, csrf_token=token.group(1) or token.group(2))
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(url, data=body, method="POST"))

    def _open(self, req):
        try:
            with self.opener.open(req, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_login_throttle_and_edit_conflict_hold_across_two_processes(two_servers, make_team, make_user, make_family):
    a, b = two_servers
    team = make_team("PeTra")
    make_user("anna", {team: "member"})
    make_user("bert", {team: "member"})
    make_user("carla", {team: "member"})
    fam = make_family("Claes", involved=(team,))

    # a session made by process A is honoured by process B
    anna = Browser()
    status, _ = anna.post(a + "/login", {"username": "anna", "password": "huisvanhetkind"})
    assert status == 302
    status, body = anna.get(f"{b}/gezinnen/{fam.id}")
    assert status == 200 and "Gezin Claes" in body

    # five failures on A lock the account on B too
    mallory = Browser()
    for _ in range(5):
        mallory.post(a + "/login", {"username": "carla", "password": "fout-wachtwoord-123"})
    status, body = mallory.post(b + "/login", {"username": "carla", "password": "huisvanhetkind"})
    assert status == 429 and "Probeer het opnieuw" in body

    # Anna opens the form on A; Bert saves on B first; Anna's save on A is refused, her input kept
    status, form = anna.get(f"{a}/gezinnen/{fam.id}/bewerken")
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    bert = Browser()
    bert.post(b + "/login", {"username": "bert", "password": "huisvanhetkind"})
    status, _ = bert.post(f"{b}/gezinnen/{fam.id}/bewerken", {"version": version, "label": "Claes",
                                                             "street": "Bertstraat 2", "postcode": "3600",
                                                             "municipality": "Genk"})
    assert status == 302
    status, body = anna.post(f"{a}/gezinnen/{fam.id}/bewerken", {"version": version, "label": "Claes",
                                                                "street": "Annastraat 1", "postcode": "3600",
                                                                "municipality": "Genk"})
    assert status == 409 and "Iemand anders heeft dit intussen gewijzigd" in body and "Annastraat 1" in body
