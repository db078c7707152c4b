"""The plugin host: discovery, HVHK_PLUGINS subsets, availability, per-team enablement and the guard."""

import importlib.metadata
import sys
import textwrap

import pytest
from sqlalchemy import select

from core import create_app
from core.extensions import db
from core.models import AuditEntry, TeamPlugin


def test_builtin_plugins_are_discovered_through_entry_points(app_factory):
    eps = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="hvhk.plugins")}
    host = app_factory(HVHK_PLUGINS="all").extensions["hvhk_plugins"]
    assert set(eps) == set(host.names)
    assert eps["petra"] == "plugins.petra"


def test_a_third_party_plugin_installed_as_a_distribution_is_discovered(tmp_path, database_url, monkeypatch, _schema):
    """A plugin package outside this repo, with its own dist-info entry point, loads like a built-in one."""
    (tmp_path / "hvhk_thirdparty.py").write_text(textwrap.dedent('''
        from core.hookspecs import hookimpl
        @hookimpl
        def hvhk_plugin_info():
            return {"label": "Derde partij", "description": "extern"}
    '''))
    dist = tmp_path / "hvhk_thirdparty-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hvhk-thirdparty\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[hvhk.plugins]\nderde = hvhk_thirdparty\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    a = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path / "i"),
                    "HVHK_PLUGINS": "derde"})
    host = a.extensions["hvhk_plugins"]
    assert "derde" in host.names
    with a.app_context():
        assert host.info("derde").label == "Derde partij"
        db.engine.dispose()
    sys.modules.pop("hvhk_thirdparty", None)


@pytest.mark.parametrize("setting, expected", [("none", set()), ("", set()), ("petra", {"petra"}),
                                               ("petra,costing", {"petra", "costing"})])
def test_hvhk_plugins_restricts_what_loads(app_factory, setting, expected):
    a = app_factory(HVHK_PLUGINS=setting)
    assert set(a.extensions["hvhk_plugins"].names) == expected


def test_app_without_any_plugin_serves_the_core(app_factory, app, make_user, make_team, make_family, login):
    bare = app_factory(HVHK_PLUGINS="none")
    team = make_team("Onthaal")
    make_user("onthaal", {team: "member"})
    fam = make_family("Peeters", involved=(team,))
    c = bare.test_client()
    login(c, "onthaal")
    assert c.get("/").status_code == 200
    assert c.get(f"/gezinnen/{fam.id}").status_code == 200
    assert c.get("/zoeken?q=pee").status_code == 200
    for rule in bare.url_map.iter_rules():
        assert not rule.rule.startswith(("/petra", "/groepen", "/netwerk", "/kostprijs"))


def _menu(client) -> str:
    return client.get("/").get_data(as_text=True)


def test_menu_widgets_search_and_routes_follow_team_enablement(hello_app, make_team, make_user, login, enable_plugin):
    team_a = make_team("Team A")
    team_b = make_team("Team B")
    make_user("anna", {team_a: "member"})
    make_user("bert", {team_b: "member"})
    enable_plugin(team_a, "hello")

    anna = hello_app.test_client()
    login(anna, "anna")
    page = _menu(anna)
    assert "Hallo-menu" in page and "Hallo-tegel" in page
    assert "Hallo-resultaat" in anna.get("/zoeken?q=xyz").get_data(as_text=True)
    assert anna.get("/hello/").status_code == 200

    bert = hello_app.test_client()
    login(bert, "bert")
    page = _menu(bert)
    assert "Hallo-menu" not in page and "Hallo-tegel" not in page
    assert "Hallo-resultaat" not in bert.get("/zoeken?q=xyz").get_data(as_text=True)
    assert bert.get("/hello/").status_code == 404
    assert bert.post("/hello/echo").status_code == 404

    enable_plugin(team_a, "hello", on=False)
    assert anna.get("/hello/").status_code == 404
    assert "Hallo-menu" not in _menu(anna)


def test_family_panels_come_from_enabled_plugins_only(hello_app, make_team, make_user, make_family, login, enable_plugin):
    team = make_team("Team A")
    make_user("anna", {team: "member"})
    fam = make_family("Claes", involved=(team,))
    c = hello_app.test_client()
    login(c, "anna")
    assert "Hallo-paneel" not in c.get(f"/gezinnen/{fam.id}").get_data(as_text=True)
    enable_plugin(team, "hello")
    html = c.get(f"/gezinnen/{fam.id}").get_data(as_text=True)
    assert "Hallo-paneel" in html and f'hx-get="/hello/panel/{fam.id}"' in html


def test_manager_toggles_plugin_with_htmx_audit_and_callbacks(hello_app, make_team, make_user, login):
    import hello_plugin

    team = make_team("Team A")
    make_user("baas", {team: "manager"})
    make_user("lid", {team: "member"})
    c = hello_app.test_client()
    login(c, "baas")
    page = c.get(f"/teams/{team.id}/modules")
    assert page.status_code == 200 and "Hallo" in page.get_data(as_text=True)
    resp = c.post(f"/teams/{team.id}/modules/hello", data={"enabled": "1"}, htmx=True)
    assert resp.status_code == 200
    assert 'id="module-hello"' in resp.get_data(as_text=True) and "Uitzetten" in resp.get_data(as_text=True)
    assert hello_plugin.CALLS == [("enabled", "Team A")]
    assert db.session.scalar(select(TeamPlugin.enabled).where(TeamPlugin.team_id == team.id)) is True
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plugin_on"))
    assert entry is not None and entry.detail == "Team A: Hallo"
    assert resp.headers["HX-Refresh"] == "true"  # the menu changes with the module

    # switching off asks first (the whole team loses the module), in place of the button
    ask = c.post(f"/teams/{team.id}/modules/hello", data={"enabled": "0"}, htmx=True)
    assert "Hallo uitzetten voor heel Team A?" in ask.get_data(as_text=True)
    assert hello_plugin.CALLS[-1] == ("enabled", "Team A")
    assert db.session.scalar(select(TeamPlugin.enabled).where(TeamPlugin.team_id == team.id)) is True
    resp = c.post(f"/teams/{team.id}/modules/hello", data={"enabled": "0", "bevestigd": "1"})
    assert resp.status_code == 302
    assert "Hallo staat nu uit voor Team A." in c.get(resp.headers["Location"]).get_data(as_text=True)
    assert hello_plugin.CALLS[-1] == ("disabled", "Team A")
    # switching off keeps the row (and so never deletes data)
    assert db.session.scalar(select(TeamPlugin.enabled).where(TeamPlugin.team_id == team.id)) is False

    member = hello_app.test_client()
    login(member, "lid")
    assert member.get(f"/teams/{team.id}/modules").status_code == 403
    assert member.post(f"/teams/{team.id}/modules/hello", data={"enabled": "1"}).status_code == 403


def test_admin_makes_a_plugin_unavailable_for_every_team(hello_app, make_team, make_user, login, enable_plugin):
    team = make_team("Team A")
    make_user("anna", {team: "member"})
    make_user("root", admin=True)
    enable_plugin(team, "hello")
    admin = hello_app.test_client()
    login(admin, "root")
    assert admin.post("/beheer/modules/hello", data={"available": "0"}).status_code == 302
    anna = hello_app.test_client()
    login(anna, "anna")
    assert anna.get("/hello/").status_code == 404
    assert "Hallo-menu" not in _menu(anna)
    admin.post("/beheer/modules/hello", data={"available": "1"})
    assert anna.get("/hello/").status_code == 200


def test_partner_reaches_only_partner_views_of_a_plugin(hello_app, make_org, make_user, login):
    school = make_org("Basisschool De Linde")
    make_user("partner", organisation=school)
    c = hello_app.test_client()
    login(c, "partner")
    assert "Hallo-partner" in c.get("/").get_data(as_text=True)
    assert c.get("/hello/partner").status_code == 200
    assert c.get("/hello/").status_code == 404
    assert c.get("/gezinnen/").status_code == 404
