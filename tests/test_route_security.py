"""Walks every route of the app (core, installed plugins and the test plugin): anonymous users are sent to
the login page, partner users are refused staff routes, and no POST is accepted without a CSRF token."""

import pytest
from werkzeug.routing import FloatConverter, IntegerConverter

# the calendar feed answers a secret token, not a login (a wrong token is a 404: tests/test_mywork.py)
PUBLIC = {"calendar_feed.feed", "auth.login", "twofactor.verify", "static", "core.healthz"}


def _url(rule) -> str:
    values = {}
    for arg in rule.arguments:
        if arg not in rule._converters:  # supplied by the rule's defaults
            continue
        converter = rule._converters[arg]
        conv = converter.__class__.__name__
        if conv == "AnyConverter":
            values[arg] = sorted(converter.items)[0]
        else:
            numeric = isinstance(converter, IntegerConverter | FloatConverter)
            values[arg] = 1 if numeric else "x"
    return rule.build(values, append_unknown=False)[1]


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC]


@pytest.fixture
def full_app(app_factory, app):
    import hello_plugin

    return app_factory(HVHK_PLUGINS="all", HVHK_EXTRA_PLUGINS=[("hello", hello_plugin)])


def test_every_route_sends_anonymous_users_to_login(full_app):
    client = full_app.test_client()
    rules = _rules(full_app)
    assert len(rules) > 20
    for rule in rules:
        url = _url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(url, method=method, headers={"X-CSRFToken": client.csrf_token()},
                               data={"csrf_token": client.csrf_token()})
            assert resp.status_code in (302, 401), f"{method} {url} answered {resp.status_code} to an anonymous user"
            if resp.status_code == 302:
                assert "/login" in resp.headers["Location"], f"{method} {url} redirects elsewhere"
            htmx = client.open(url, method=method, headers={"HX-Request": "true", "X-CSRFToken": client.csrf_token()})
            assert htmx.status_code == 401 and htmx.headers.get("HX-Redirect", "").startswith("/login"), \
                f"htmx {method} {url} must get 401 with HX-Redirect"


def test_every_staff_route_refuses_a_partner_user(full_app, make_org, make_user, login):
    school = make_org("Basisschool De Linde")
    make_user("partner", organisation=school)
    client = full_app.test_client()
    login(client, "partner")
    checked = 0
    for rule in _rules(full_app):
        view = full_app.view_functions[rule.endpoint]
        if getattr(view, "_hvhk_partner_view", False):
            continue
        url = _url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(url, method=method, headers={"X-CSRFToken": client.csrf_token()},
                               data={"csrf_token": client.csrf_token()})
            assert resp.status_code in (403, 404), f"partner got {resp.status_code} on {method} {url}"
            checked += 1
    assert checked > 20


def test_every_post_route_refuses_a_request_without_csrf_token(full_app, make_user, login):
    make_user("root", admin=True)
    client = full_app.test_client()
    login(client, "root")
    posts = [r for r in full_app.url_map.iter_rules() if "POST" in r.methods]
    assert len(posts) > 10
    for rule in posts:
        resp = client.post(_url(rule), data={}, csrf=False)
        assert resp.status_code == 400, f"POST {rule.rule} without CSRF token answered {resp.status_code}"
        assert "Ongeldige aanvraag" in resp.get_data(as_text=True)


def test_error_pages_are_dutch_and_never_show_a_traceback(full_app, make_user, login):
    make_user("worker")
    client = full_app.test_client()
    login(client, "worker")
    resp = client.get("/bestaat-niet")
    assert resp.status_code == 404
    body = resp.get_data(as_text=True)
    assert "Niet gevonden" in body and "Traceback" not in body and 'lang="nl-BE"' in body
