"""No plugin carries a copy of what the core's kit offers (issue 15). The test reads the source:

- nobody parses the ``HX-Request`` header by hand: ``core.ui.wants_fragment``/``render`` (htmx-flask's
  ``request.htmx``) answer htmx;
- no plugin touches the core's private ``_hvhk_*`` names (``g._hvhk_reads`` and friends);
- no plugin spells its own name to find its teams: ``core.plugins.teams_for``/``team_ids_for``/
  ``plugin_teams`` know the plugin from the calling module, and the ``TeamPlugin`` table is the core's.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = sorted(d for d in (ROOT / "plugins").iterdir() if d.is_dir() and (d / "__init__.py").exists())

HX_REQUEST = re.compile(r"hx-request", re.IGNORECASE)
TEAM_LOOKUPS = {"teams_with", "team_ids_with", "teams_for", "team_ids_for", "plugin_teams", "enabled_for_team"}


def _sources(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        # the test client of the pytest plugin (core/testing.py) sends the header; it does not read it
        if "migrations" not in path.parts and path != ROOT / "core" / "testing.py":
            yield path


def hand_parsed_htmx(source: str) -> list[int]:
    """Lines that name the HX-Request header (reading it is htmx-flask's job)."""
    return [n for n, line in enumerate(source.splitlines(), 1) if HX_REQUEST.search(line)]


def private_core_names(source: str) -> list[int]:
    """Lines that use one of the core's private ``_hvhk_*`` names."""
    return [n for n, line in enumerate(source.splitlines(), 1) if "_hvhk_" in line]


def own_name_for_teams(source: str, plugin: str) -> list[str]:
    """Places where a plugin finds its teams by its own name: a team lookup called with the name as a string,
    a module constant holding the name, or any use of the core's ``TeamPlugin`` table."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            args = list(node.args) + [k.value for k in node.keywords]
            if name in TEAM_LOOKUPS and any(isinstance(a, ast.Constant) and a.value == plugin for a in args):
                found.append(f"line {node.lineno}: {name}({plugin!r})")
        elif isinstance(node, (ast.Name, ast.Attribute)):
            ident = node.id if isinstance(node, ast.Name) else node.attr
            if ident == "TeamPlugin":
                found.append(f"line {node.lineno}: TeamPlugin")
        elif isinstance(node, ast.alias) and node.name == "TeamPlugin":
            found.append("import of TeamPlugin")
    for node in tree.body:  # module level: PLUGIN = "costing"
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Constant) \
                and node.value.value == plugin:
            found.append(f"line {node.lineno}: constant {plugin!r}")
    return found


def test_nobody_parses_the_hx_request_header_by_hand():
    offenders = [f"{p.relative_to(ROOT)}:{n}" for folder in (ROOT / "core", ROOT / "plugins")
                 for p in _sources(folder) for n in hand_parsed_htmx(p.read_text())]
    assert offenders == []


def test_no_plugin_touches_the_cores_private_names():
    offenders = [f"{p.relative_to(ROOT)}:{n}" for plugin in PLUGINS for p in _sources(plugin)
                 for n in private_core_names(p.read_text())]
    assert offenders == []


def test_no_plugin_spells_its_own_name_to_find_its_teams():
    assert {p.name for p in PLUGINS} >= {"petra", "groups", "network", "costing"}
    offenders = [f"{p.relative_to(ROOT)} {hit}" for plugin in PLUGINS for p in _sources(plugin)
                 for hit in own_name_for_teams(p.read_text(), plugin.name)]
    assert offenders == []


def test_the_checkers_catch_what_the_plugins_used_to_do():
    """The copies the kit replaced, as they stood in the tree: each is caught."""
    assert hand_parsed_htmx('def _is_htmx():\n    return request.headers.get("HX-Request") == "true"\n') == [2]
    assert hand_parsed_htmx('if request.headers.get("hx-request"):\n    pass\n') == [1]
    assert hand_parsed_htmx("if request.htmx:\n    pass\n") == []
    assert private_core_names("from flask import g\ng._hvhk_reads_pending = True\n") == [2]
    assert own_name_for_teams('teams = current_plugins().teams_with("petra")\n', "petra") == [
        "line 1: teams_with('petra')"]
    assert own_name_for_teams('PLUGIN = "costing"\nx = teams_for(plugin=PLUGIN)\n', "costing") == [
        "line 1: constant 'costing'"]
    bad = ('from core.models import TeamPlugin\n'
           'q = select(TeamPlugin.team_id).where(TeamPlugin.plugin == "network")\n')
    assert "import of TeamPlugin" in own_name_for_teams(bad, "network")
    fine = 'teams = teams_for()\nregister_involvement(family, team, "Aanmelding", source="petra")\n'
    assert own_name_for_teams(fine, "petra") == []
