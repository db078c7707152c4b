"""Query parameters (issue 14, defect 6): bad values in the query string answer a Dutch 400 that names the
parameter, never a 500; every view reads them through ``core.params`` (a test reads the source)."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from core.demo import load_demo

ROOT = Path(__file__).resolve().parent.parent
BAD_VALUES = ["-1", "0", "99999999999", "abc", "", "%00", "x" * 5000, "2024-02-30", "1e3", "१२"]


def _body(resp) -> str:
    return resp.get_data().decode("utf-8", "replace")  # an xlsx or ics answer is bytes


def _assert_dutch_400(resp, name: str):
    body = _body(resp)
    assert resp.status_code == 400, (resp.status_code, body[:300])
    assert "Ongeldige aanvraag" in body and f"‘{name}’" in body and "Toegelaten" in body
    assert "Traceback" not in body


@pytest.fixture
def demo(app):
    load_demo(scale=1)
    return app


# --------------------------------------------------------------------------- the named defects


@pytest.mark.parametrize("year", ["-1", "0", "99999", "abc"])
def test_year_overview_refuses_a_bad_year_in_dutch(demo, client, login, year):
    login(client, "worker")
    resp = client.get(f"/petra/jaaroverzicht?jaar={year}")
    _assert_dutch_400(resp, "jaar")
    assert "2000 tot en met 2100" in _body(resp)
    assert client.get(f"/petra/jaaroverzicht?jaar={date.today().year}").status_code == 200
    assert client.get("/petra/jaaroverzicht?jaar=").status_code == 200  # empty: this year


@pytest.mark.parametrize("days", ["abc", "-1", "99999999999"])
def test_team_meeting_refuses_bad_days_in_dutch(demo, client, login, days):
    login(client, "worker")
    _assert_dutch_400(client.get(f"/petra/teamoverleg?dagen={days}"), "dagen")
    assert client.get("/petra/teamoverleg?dagen=30").status_code == 200


@pytest.mark.parametrize("target", ["/petra/%0AX:%201", "/petra/%0D%0ASet-Cookie:%20x=1", "/%5C%5Cevil.example",
                                    "/\\evil.example", "https://evil.example/", "//evil.example/"])
def test_login_with_a_bad_next_goes_to_the_start_page(demo, client, target):
    resp = client.post(f"/login?next={target}", data={"username": "worker", "password": "huisvanhetkind"})
    assert resp.status_code == 302, _body(resp)[:300]
    assert resp.headers["Location"] == "/"


def test_login_keeps_a_good_next(demo, client):
    resp = client.post("/login?next=/petra/teamoverleg%3Fdagen%3D7",
                       data={"username": "worker", "password": "huisvanhetkind"})
    assert resp.headers["Location"] == "/petra/teamoverleg?dagen=7"


def test_page_number_is_checked(demo, client, login):
    login(client, "worker")
    for bad in ("0", "-3", "abc", "99999999999"):
        _assert_dutch_400(client.get(f"/gezinnen/?q=pe&pagina={bad}"), "pagina")
    assert client.get("/gezinnen/?q=pe&pagina=2").status_code == 200
    assert client.get("/gezinnen/?q=pe&pagina=").status_code == 200


def test_params_functions(app):
    from core.params import BadParameter, arg_bool, arg_choice, arg_date, arg_int, arg_month, arg_str

    with app.test_request_context("/?n=7&d=2025-03-01&e=01/02/2024&m=2025-11&c=alle&s=%20zoek%20&b=ja&z="):
        assert arg_int("n", min=1, max=10) == 7
        assert arg_int("z", 5) == 5 and arg_int("absent") is None
        assert arg_date("d") == date(2025, 3, 1) and arg_date("e") == date(2024, 2, 1)
        assert arg_month("m") == date(2025, 11, 1)
        assert arg_choice("c", [("mijn", "Mijn teams"), ("alle", "Alle")], "mijn") == "alle"
        assert arg_str("s") == "zoek" and arg_bool("b") is True and arg_bool("z") is False
        with pytest.raises(BadParameter) as e:
            arg_int("n", min=8, max=10)
        assert "‘n’" in e.value.hvhk_message and "8 tot en met 10" in e.value.hvhk_message
        for call in (lambda: arg_date("n"), lambda: arg_month("d"), lambda: arg_choice("c", ["mijn"]),
                     lambda: arg_str("s", max_len=2), lambda: arg_bool("n"), lambda: arg_date("d", max=date(2020, 1, 1))):
            with pytest.raises(BadParameter):
                call()


# --------------------------------------------------------------------------- no hand-parsed query strings

HAND_PARSED = [
    re.compile(r"int\(\s*request\.(args|values)"),
    re.compile(r"request\.args\.get\([^)]*type\s*="),
    re.compile(r"request\.args\[[^\]]*\]"),
    re.compile(r"request\.args\.get\("),
    re.compile(r"fromisoformat\(\s*request\.args"),
    re.compile(r"request\.args\.getlist\("),
]


# the login's return address is not parsed: ``core.auth._safe_next`` takes it whole or sends to the start page
ALLOWED = {("core/auth.py", 'request.args.get("next")')}


def test_no_view_parses_the_query_string_by_hand():
    """Views read query parameters with ``core.params``; ``request.args`` only goes whole into a GET form
    (WTForms checks it) or into the paging links."""
    offenders = []
    files = sorted((ROOT / "plugins").rglob("*.py")) + sorted((ROOT / "core").glob("*.py"))
    for path in files:
        if "migrations" in path.parts or path.name == "params.py":
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(p.search(line) for p in HAND_PARSED) and not any(
                    str(path.relative_to(ROOT)) == f and snippet in line for f, snippet in ALLOWED):
                offenders.append(f"{path.relative_to(ROOT)}:{no}: {line.strip()}")
    assert offenders == [], "read query parameters with core.params:\n" + "\n".join(offenders)


def test_the_source_test_catches_hand_parsing():
    samples = ['year = int(request.args.get("jaar", 2024))', 'x = request.args.get("team", type=int)',
               'q = (request.args.get("q") or "")']
    assert all(any(p.search(s) for p in HAND_PARSED) for s in samples)
    assert not any(p.search('args = {k: v for k, v in request.args.items() if k != "pagina"}') for p in HAND_PARSED)


# --------------------------------------------------------------------------- fuzzing every GET route


class _RecordingArgs(ImmutableMultiDict):
    """The query string of one request, noting which names a view asked for."""

    asked: set[str]

    def _note(self, key):
        if isinstance(key, str):
            self.asked.add(key)

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        self._note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        self._note(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


def _recording_request_class(asked: set[str], base: type[Request] = Request):
    class RecordingRequest(base):  # on the app's own class: htmx-flask's request carries ``htmx``
        parameter_storage_class = type("Args", (_RecordingArgs,), {"asked": asked})

    return RecordingRequest


def _fallback_url(rule) -> str | None:
    """The rule with every id 1 (for routes no page links to)."""
    values = {}
    for arg in rule.arguments:
        if arg not in rule._converters:
            continue
        conv = rule._converters[arg]
        if isinstance(conv, IntegerConverter):
            values[arg] = 1
        elif conv.__class__.__name__ == "AnyConverter":
            values[arg] = sorted(conv.items)[0]
        else:
            return None
    return rule.build(values, append_unknown=False)[1]


LINK = re.compile(r'(?:href|hx-get|action)="(/[^"#?]*)')


def _crawl(app, client, asked: set[str]) -> dict[str, tuple[str, set[str]]]:
    """Follow the links a user sees (so ids are ones this user may open) and note, per GET endpoint, one URL
    and the query parameters its view reads. Routes no page links to are tried with id 1."""
    adapter = app.url_map.bind("localhost")
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and not r.endpoint.endswith("static")]
    queue = [u for r in rules if not r.arguments and (u := _fallback_url(r))]
    found: dict[str, tuple[str, set[str]]] = {}
    while queue:
        path = html.unescape(queue.pop(0))
        try:
            endpoint, _ = adapter.match(path, method="GET")
        except Exception:  # a link to a POST-only route, a static file, another site
            continue
        if endpoint in found or endpoint.endswith("static") or "logout" in path:
            continue
        asked.clear()
        resp = client.get(path)
        assert resp.status_code < 500, f"GET {path} answered {resp.status_code}"
        found[endpoint] = (path, set(asked) - {"csrf_token"})
        if resp.status_code == 200 and "text/html" in resp.content_type:
            queue.extend(LINK.findall(resp.get_data(as_text=True)))
        if not queue:  # pages nothing links to (for this user): their URL with id 1
            queue = [u for r in rules if r.endpoint not in found and r.arguments and (u := _fallback_url(r))]
            rules = []
    return found


@pytest.mark.parametrize("username", ["admin", "worker"])
def test_every_get_route_survives_bad_query_parameters(demo, login, username):
    """Walk every GET route on demo data, learn which query parameters it reads, then send each of them
    every bad value: no answer is a 5xx or shows a traceback."""
    from urllib.parse import quote

    asked: set[str] = set()
    app = demo
    old_class = app.request_class
    app.request_class = _recording_request_class(asked, old_class)
    try:
        client = app.test_client()
        login(client, username)
        found = _crawl(app, client, asked)
        known = {url: names for url, names in found.values() if names}
        assert len(found) >= 60 and len(known) >= 15, known
        failures = []
        requests = 0
        for url, names in sorted(known.items()):
            for name in sorted(names):
                for value in BAD_VALUES:
                    requests += 1
                    raw = value if value == "%00" else quote(value)
                    resp = client.get(f"{url}?{name}={raw}")
                    body = _body(resp)
                    if resp.status_code >= 500 or "Traceback" in body:
                        failures.append(f"{url}?{name}={value[:20]} -> {resp.status_code}")
                    elif resp.status_code == 400 and "Ongeldige" not in body:
                        failures.append(f"{url}?{name}={value[:20]} -> 400 without a Dutch message")
        print(f"{username}: {len(found)} GET routes, {len(known)} read query parameters, {requests} requests")
        assert failures == [], "\n".join(failures[:30])
    finally:
        app.request_class = old_class
