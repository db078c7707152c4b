"""The plugin kit in the core (docs/plugins.md, "The kit"): each function called directly and through a plugin
route. The plugin routes of the four built-in plugins are tested in tests/plugins/<name>/test_kit_use.py."""

from __future__ import annotations

import re

import pytest
from flask import get_flashed_messages
from jinja2 import ChoiceLoader, DictLoader
from racing import edited_meanwhile
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import StringField

from core import audit
from core.extensions import db
from core.forms import CONFLICT_MESSAGE, VersionedForm, conflict_safe
from core.models import AuditEntry, Family, Team, User
from core.plugins import current_plugins, enabled_plugins, plugin_name, team_ids_for
from core.ui import render, wants_fragment

# --------------------------------------------------------------------------- identity and teams


def test_plugin_name_comes_from_the_module_not_from_a_string(hello_app):
    with hello_app.app_context():
        assert plugin_name("plugins.petra.views") == "petra"
        assert plugin_name("plugins.petra") == "petra"
        assert plugin_name("plugins.network.portal") == "network"
        assert plugin_name("hello_plugin") == "hello"  # registered as "hello": the name is the registration's
        for outsider in ("plugins.petrax.views", "core.families", "hello_plugin_extra"):
            with pytest.raises(LookupError):
                plugin_name(outsider)
        with pytest.raises(LookupError):
            plugin_name()  # this test module belongs to no plugin
        with pytest.raises(LookupError):
            team_ids_for(plugin=None)


def test_a_plugin_route_gets_its_own_teams_without_naming_itself(hello_app, make_team, make_user, login,
                                                                   enable_plugin):
    a, b, c = make_team("Team A"), make_team("Team B"), make_team("Team C")
    enable_plugin(a, "hello")
    enable_plugin(c, "hello")
    make_user("anna", {a: "manager", b: "member"})
    make_user("bert", {a: "member", c: "member"})
    make_user("admin", admin=True)
    client = hello_app.test_client()
    login(client, "anna")
    assert client.get("/hello/teams").get_json() == {"plugin": "hello", "mine": ["Team A"], "managed": [a.id],
                                                     "all": ["Team A", "Team C"]}
    client.post("/logout")
    login(client, "bert")
    assert client.get("/hello/teams").get_json()["mine"] == ["Team A", "Team C"]
    assert client.get("/hello/teams").get_json()["managed"] == []
    client.post("/logout")
    login(client, "admin")
    assert client.get("/hello/teams").get_json()["mine"] == ["Team A", "Team C"]
    enable_plugin(c, "hello", on=False)
    assert client.get("/hello/teams").get_json()["mine"] == ["Team A"]


def test_enabled_plugins_and_teams_are_cached_per_request_only(hello_app, make_team, make_user, enable_plugin,
                                                                count_queries):
    a, b = make_team("Team A"), make_team("Team B")
    enable_plugin(a, "hello")
    anna_id = make_user("anna", {a: "member", b: "member"}).id
    admin_id = make_user("admin", admin=True).id
    with hello_app.test_request_context():
        anna, admin = db.session.get(User, anna_id), db.session.get(User, admin_id)
        assert "hello" in enabled_plugins(anna)
        assert team_ids_for(anna, "hello") == {a.id}
        with count_queries() as n:
            for _ in range(5):
                enabled_plugins(anna)
                team_ids_for(anna, "hello")
        assert n.count == 0
        # switching a plugin on in this request is seen at once
        current_plugins().set_team_enabled(db.session.get(Team, b.id), "hello", True, admin)
        assert team_ids_for(anna, "hello") == {a.id, b.id}
        db.session.rollback()
    with hello_app.app_context():  # outside a request nothing is cached: each call asks the database
        anna = db.session.get(User, anna_id)
        with count_queries() as n:
            enabled_plugins(anna)
            enabled_plugins(anna)
        assert n.count >= 2


def test_once_per_request_loads_once_in_a_request_and_again_in_the_next(hello_app):
    from core.plugins import forget_request_cache, once_per_request

    loads = []

    def load():
        loads.append(1)
        return len(loads)

    with hello_app.test_request_context():
        assert [once_per_request(("hello.x", 1), load) for _ in range(3)] == [1, 1, 1]
        assert once_per_request(("hello.x", 2), load) == 2  # another key is another fact
        forget_request_cache()
        assert once_per_request(("hello.x", 1), load) == 3
    with hello_app.test_request_context():  # the next request asks again
        assert once_per_request(("hello.x", 1), load) == 4
    with hello_app.app_context():  # outside a request: every call
        assert [once_per_request(("hello.x", 1), load) for _ in range(2)] == [5, 6]


# --------------------------------------------------------------------------- conflict-safe save


class StreetForm(VersionedForm):
    street = StringField()


def _form(version, street="Nieuwe straat 9") -> StreetForm:
    return StreetForm(formdata=MultiDict({"version": str(version), "street": street}), meta={"csrf": False})


def _street(family_id: int) -> str:
    with Session(db.engine) as other:  # what is committed, seen from another connection
        return other.get(Family, family_id).street


def test_conflict_safe_commits_a_save_from_the_current_version(app, make_family):
    fam = make_family("Claes")
    with app.test_request_context(method="POST"):
        form = _form(fam.version)
        with conflict_safe(form) as save:
            save.check(fam)
            fam.street = form.street.data
        assert save.saved and not save.conflict and save.status == 200
    assert _street(fam.id) == "Nieuwe straat 9"


def test_conflict_safe_refuses_an_old_version_keeps_the_input_and_offers_the_newest(app, make_family):
    fam = make_family("Claes")
    old = fam.version
    fam.street = "Intussen 1"
    db.session.commit()
    with app.test_request_context(method="POST"):
        form = _form(old)
        with conflict_safe(form) as save:
            save.check(fam)
            fam.street = form.street.data
            raise AssertionError("the body must stop at the version check")
        assert save.conflict and not save.saved and save.status == 409
        assert form.form_errors == [CONFLICT_MESSAGE] and form.street.data == "Nieuwe straat 9"
        assert form.version.data == old + 1  # saving again is a deliberate overwrite
    assert _street(fam.id) == "Intussen 1"


def test_conflict_safe_turns_a_racing_commit_into_the_same_conflict(app, make_family):
    fam = make_family("Claes")
    with app.test_request_context(method="POST"):
        form = _form(fam.version)
        with edited_meanwhile(Family, fam.id, street="Racer 2") as ran, conflict_safe(form) as save:
            save.check(fam)  # passes: the other save is not committed yet
            fam.street = form.street.data
        assert ran and save.conflict and save.status == 409 and form.form_errors == [CONFLICT_MESSAGE]
        assert form.version.data == fam.version  # the racer's version, reloaded after the rollback
    assert _street(fam.id) == "Racer 2"


def test_conflict_safe_flashes_without_a_form_and_lets_other_errors_through(app, make_family):
    fam = make_family("Claes")
    old = fam.version
    fam.street = "Intussen 1"
    db.session.commit()
    with app.test_request_context(method="POST"):
        with conflict_safe(_form(old), flash_message=True) as save:
            save.check(fam)
        assert save.conflict and get_flashed_messages(with_categories=True) == [("error", CONFLICT_MESSAGE)]
        with pytest.raises(ZeroDivisionError), conflict_safe(_form(fam.version)):
            fam.street = "Nooit"
            1 / 0  # noqa: B018
        assert not db.session.dirty  # rolled back
    assert _street(fam.id) == "Intussen 1"


def test_after_a_conflict_the_form_saves_on_the_second_try(client, app, make_team, make_user, make_family, login):
    team = make_team("PeTra")
    make_user("anna", {team: "member"})
    make_user("bert", {team: "member"})
    fam = make_family("Claes", involved=(team,))
    anna, bert = app.test_client(), app.test_client()
    login(anna, "anna")
    login(bert, "bert")
    base = {"version": fam.version, "label": "Claes", "postcode": "3600", "municipality": "Genk"}
    assert anna.post(f"/gezinnen/{fam.id}/bewerken", data=dict(base, street="Annastraat 1")).status_code == 302
    first = bert.post(f"/gezinnen/{fam.id}/bewerken", data=dict(base, street="Bertstraat 2"))
    assert first.status_code == 409
    html = first.get_data(as_text=True)
    newest = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    assert int(newest) == fam.version + 1 and "Bertstraat 2" in html
    again = bert.post(f"/gezinnen/{fam.id}/bewerken", data=dict(base, version=newest, street="Bertstraat 2"))
    assert again.status_code == 302
    assert _street(fam.id) == "Bertstraat 2"


# --------------------------------------------------------------------------- list reads


def _entries(**where) -> list[tuple]:
    with Session(db.engine) as other:
        stmt = select(AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id, AuditEntry.family_id,
                      AuditEntry.detail).order_by(AuditEntry.family_id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEntry, key) == value)
        return [tuple(r) for r in other.execute(stmt)]


def test_record_list_read_outside_a_request_commits_one_entry_per_family(app, make_family):
    a, b = make_family("Claes"), make_family("Peeters")
    n = audit.record_list_read("hello_thing", [a.id, a.id, None, (b.id, 9)], detail="lijst: test")
    assert n == 2
    assert _entries(object_type="hello_thing") == [("view", "hello_thing", None, a.id, "lijst: test"),
                                                   ("view", "hello_thing", 9, b.id, "lijst: test")]


def test_list_reads_in_a_request_are_written_in_one_insert_after_the_response(app, make_family, count_queries):
    fams = [make_family(f"Gezin{i}") for i in range(6)]
    with app.test_request_context():
        audit.record_list_read("hello_thing", [f.id for f in fams], object_id=7, action="export")
        audit.record_read("hello_thing", 7, family_id=fams[0].id)
        db.session.rollback()  # a rollback in the view (an edit conflict) keeps them
        assert _entries(object_type="hello_thing") == []  # nothing yet: the page is still being made
        with count_queries() as n:
            audit.commit_reads(app.response_class("ok"))
        inserts = [s for s in n.statements if s.lstrip().upper().startswith("INSERT INTO AUDIT_ENTRY")]
        assert len(inserts) == 1
    rows = _entries(object_type="hello_thing")
    assert len(rows) == 7 and {r[0] for r in rows} == {"export", "view"} and {r[2] for r in rows} == {7}
    with app.test_request_context():  # a failed page (5xx) logs no read: it showed nothing
        audit.record_list_read("hello_other", [fams[0].id])
        audit.commit_reads(app.response_class("kapot", status=500))
    assert _entries(object_type="hello_other") == []


# --------------------------------------------------------------------------- htmx


@pytest.fixture
def kit_templates(app):
    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "kit/page.html": "<main>volledige pagina {{ n }}</main>",
        "kit/_part.html": "<section>deel {{ n }}</section>",
    }), app.jinja_env.loader])
    return app


@pytest.mark.parametrize("headers,fragment", [
    ({}, False),
    ({"HX-Request": "true"}, True),
    ({"HX-Request": "false"}, False),
    ({"HX-Request": "true", "HX-Boosted": "true"}, False),  # a boosted link swaps the whole page
    ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
])
def test_render_answers_htmx_with_the_fragment_and_anything_else_with_the_page(kit_templates, headers, fragment):
    with kit_templates.test_request_context(headers=headers):
        assert wants_fragment() is fragment
        html = render("kit/page.html", "kit/_part.html", n=3)
        assert html == ("<section>deel 3</section>" if fragment else "<main>volledige pagina 3</main>")
        assert render("kit/page.html", n=3) == "<main>volledige pagina 3</main>"


def test_a_fragment_without_a_page_of_its_own_gets_the_layout_without_htmx(kit_templates, make_user, make_family):
    from flask_login import login_user

    fam = make_family("Claes")
    user = make_user("anna")
    with kit_templates.test_request_context():
        login_user(user)
        html = render(None, "kit/_part.html", title="Een paneel", n=4, family_id=fam.id)
        assert "<section>deel 4</section>" in html and "<h1>Een paneel</h1>" in html and "<nav" in html
        assert f'href="/gezinnen/{fam.id}"' in html
    with kit_templates.test_request_context(headers={"HX-Request": "true"}):
        assert render(None, "kit/_part.html", title="Een paneel", n=4) == "<section>deel 4</section>"
    with kit_templates.test_request_context(), pytest.raises(ValueError):
        render(None)


def test_htmx_after_an_expired_session_gets_hx_redirect_also_when_boosted(client, make_user):
    for headers in ({"HX-Request": "true"}, {"HX-Request": "true", "HX-Boosted": "true"}):
        resp = client.get("/gezinnen/", headers=headers)
        assert resp.status_code == 401 and resp.headers["HX-Redirect"] == "/login"
    assert client.get("/gezinnen/", headers={"HX-Request": "false"}).status_code == 302


def test_a_list_read_entry_gets_an_id_and_a_timestamp(app, make_family):
    """The bulk insert still fills the columns' defaults (SQLite and PostgreSQL alike)."""
    fam = make_family("Claes")
    audit.record_list_read("hello_thing", [fam.id])
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.at.is_not(None),
                                                                     AuditEntry.object_type == "hello_thing")) == 1


def test_paginate_union_pages_like_one_ordered_query_and_count_upto_stops_at_the_cap(app):
    """Several selects (one per municipality here, per team and status in PeTra), each cut at the end of the
    page, merge into the same pages as one ordered query over all of them; counts stop at cap + 1."""
    from core.pagination import count_upto, paginate, paginate_union

    towns = ("Genk", "Hasselt", "As")
    for i in range(23):
        db.session.add(Family(label=f"Gezin {i % 7:02d}", municipality=towns[i % 3], street="Kerkstraat 1",
                              postcode="3600"))
    db.session.commit()

    def of(*where):
        return select(Family.id, Family.label).where(*where)

    def order(cols):
        return [cols["label"].desc(), cols["id"]]

    for page in (1, 2, 3, 4):
        merged = paginate_union([of(Family.municipality == town) for town in towns], order, page, 5)
        single = paginate(of(Family.municipality.in_(towns)).order_by(Family.label.desc(), Family.id), page, 5,
                          rows=True)
        assert [tuple(r) for r in merged.items] == [tuple(r) for r in single.items]
        assert merged.has_next == single.has_next and merged.number == page
    assert paginate_union([], order, 1, 5).items == []
    assert count_upto(of(Family.municipality.in_(towns)), 10) == 11
    assert count_upto(of(Family.municipality == "As"), 10) == 7


def test_row_urls_builds_the_same_urls_as_url_for(app):
    from flask import url_for

    from core.ui import row_urls

    with app.test_request_context():
        family_url = row_urls("families.show", "family_id")
        assert [family_url(i) for i in (1, 42, 987654321)] == [url_for("families.show", family_id=i)
                                                               for i in (1, 42, 987654321)]

def test_held_values_are_loaded_once_and_follow_a_change_made_in_another_process(app_factory, app, make_team):
    """core.held: a value held by this process is loaded again once another process (another app here) wrote
    a watched table, and not before."""
    from sqlalchemy import func, select

    from core.extensions import db
    from core.held import held
    from core.models import TeamPlugin

    team = make_team("Onthaal")
    loads = []

    def load():
        loads.append(1)
        return db.session.scalar(select(func.count(TeamPlugin.id)))

    def value():
        with app.test_request_context():
            return held("test.switch_count", load)

    assert value() == 0 and value() == 0 and len(loads) == 1
    other = app_factory()
    with other.app_context():
        db.session.add(TeamPlugin(team_id=team.id, plugin="network", enabled=True))
        db.session.commit()
    assert value() == 1 and len(loads) == 2
    assert value() == 1 and len(loads) == 2

def test_fast_select_renders_what_wtforms_select_renders(app):
    from wtforms import Form, SelectField
    from wtforms.validators import DataRequired, Optional
    from wtforms.widgets import Select

    from core.forms import FastSelect

    choices = [(0, "Het hele gezin"), (3, 'Lotte "L" <b>&</b>'), (7, "")]

    def form_with(widget):
        class F(Form):
            a = SelectField("A", coerce=int, choices=choices, widget=widget, validators=[DataRequired()])
            b = SelectField("B", choices=[("", "Alle gemeenten"), ("As", "As"), ("x&y", "X & Y")], widget=widget,
                            validators=[Optional()])
            c = SelectField("C", choices=[(True, "ja"), (False, "nee")], coerce=lambda v: v == "True", widget=widget)
            d = SelectField("D", choices=[("1", "een", {"disabled": True}), ("2", "twee")], widget=widget)
        return F(data={"a": 3, "b": "x&y", "c": False, "d": "2"})

    slow, fast = form_with(Select()), form_with(FastSelect())
    for name in ("a", "b", "c", "d"):
        for kwargs in ({}, {"aria_invalid": "true", "autofocus": False}, {"class_": "x", "required": False}):
            assert str(fast[name](**kwargs)) == str(slow[name](**kwargs)), (name, kwargs)
    assert 'selected value="3"' in str(fast["a"]()) and "&lt;b&gt;" in str(fast["a"]())
