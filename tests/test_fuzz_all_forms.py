"""Every form of every installed plugin (and the core), found by walking the app's routes on demo data and
fuzzed with property-based tests: whatever is typed, no answer is a 500 and no page shows a traceback."""

import html
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from core.demo import load_demo

FORM_RE = re.compile(r'<form\b([^>]*)>(.*?)</form>', re.S | re.I)
FIELD_RE = re.compile(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', re.I)
values = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["", "0", "-1", "11", "99999999999999999999", "1e309", "NaN", "2024-02-30", "2099-12-31",
                     "13:30", "25:99", "=1+1", "<b>x</b>", "' OR 1=1 --", "Öztürk", "3600", "y", "on", "1", "2"]),
    st.integers(min_value=-10**9, max_value=10**9).map(str),
)


def _forms(page: str, url: str):
    for attrs, body in FORM_RE.findall(page):
        if 'method="post"' not in attrs.lower() and "hx-post" not in attrs.lower():
            continue
        m = re.search(r'(?:hx-post|action)="([^"]*)"', attrs)
        action = html.unescape(m.group(1)) if m and m.group(1) else url
        fields = sorted({n for n in FIELD_RE.findall(body) if n != "csrf_token"})
        yield action, fields


def _url(rule) -> str | None:
    values_ = {}
    for arg in rule.arguments:
        if arg not in rule._converters:
            continue
        conv = rule._converters[arg]
        if conv.__class__.__name__ == "AnyConverter":
            values_[arg] = sorted(conv.items)[0]
        elif isinstance(conv, IntegerConverter):  # the app's RecordId is one too
            values_[arg] = 1
        else:
            return None
    return rule.build(values_, append_unknown=False)[1]


def _fuzz(client, action, fields, failures):
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.fixed_dictionaries({}, optional={f: values for f in fields}))
    def fuzz(data):
        resp = client.post(action, data=data)
        if resp.status_code >= 500 or "Traceback" in resp.get_data(as_text=True):
            failures.append((action, resp.status_code, data))
            raise AssertionError(f"{action} answered {resp.status_code} to {data!r}")

    fuzz()


def test_every_form_survives_fuzzing(app, login):
    load_demo(scale=1)
    client = app.test_client()
    login(client, "admin")
    forms: dict[str, list[str]] = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        url = _url(rule)
        if url is None or any(x in url for x in ("export", ".xlsx", ".ics", "logout", "wissen")):
            continue
        resp = client.get(url)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        for action, fields in _forms(resp.get_data(as_text=True), url):
            if fields and action.startswith("/") and "logout" not in action and "wissen" not in action:
                forms.setdefault(action, fields)
    assert len(forms) >= 10, f"only {len(forms)} forms found"
    print(f"fuzzing {len(forms)} forms: " + ", ".join(sorted(forms)))
    failures = []
    for action, fields in sorted(forms.items()):
        try:
            _fuzz(client, action, fields, failures)
        except AssertionError:
            pass
    assert failures == [], "\n".join(f"{a} -> {s} with {d!r}" for a, s, d in failures[:10])
