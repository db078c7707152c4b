"""Data flows one way: plugins import core; core never imports a plugin; no plugin imports another."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_core_never_imports_a_plugin():
    offenders = [f"{p.relative_to(ROOT)}: {name}" for p in (ROOT / "core").rglob("*.py")
                 for name in _imports(p) if name == "plugins" or name.startswith("plugins.")]
    assert offenders == []


def test_no_plugin_imports_another_plugin():
    plugins = [d for d in (ROOT / "plugins").iterdir() if d.is_dir() and not d.name.startswith("_")]
    assert plugins, "no plugins found"
    offenders = []
    for plugin in plugins:
        for path in plugin.rglob("*.py"):
            for name in _imports(path):
                if name.startswith("plugins.") and not (name == f"plugins.{plugin.name}"
                                                        or name.startswith(f"plugins.{plugin.name}.")):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_the_checker_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from plugins.petra.models import Trajectory\nimport plugins.groups\n")
    assert _imports(bad) == ["plugins.petra.models", "plugins.groups"]
