"""``hvhk new-plugin``: the drawn plugin is a working package whose own tests pass with the intranet's
pytest plugin, and bad names are refused without writing anything."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from core.cli import main


def _run_cli(*args):
    return CliRunner().invoke(main, ["new-plugin", *args], catch_exceptions=False)


@pytest.mark.parametrize("name", ["", "X", "9lives", "a-b", "petra", "core", "class", "x" * 31, "dubbel__streep"])
def test_bad_names_are_refused_and_nothing_is_written(tmp_path, name):
    result = _run_cli(name, "--dir", str(tmp_path))
    assert result.exit_code == 2
    assert "Error:" in result.output
    assert list(tmp_path.iterdir()) == []


def test_existing_folder_is_not_overwritten(tmp_path):
    (tmp_path / "demo_x").mkdir()
    (tmp_path / "demo_x" / "mine.txt").write_text("keep")
    result = _run_cli("demo_x", "--dir", str(tmp_path))
    assert result.exit_code == 2
    assert (tmp_path / "demo_x" / "mine.txt").read_text() == "keep"
    assert [p.name for p in (tmp_path / "demo_x").iterdir()] == ["mine.txt"]


def test_drawn_plugin_has_the_rooms_and_its_tests_pass(tmp_path):
    result = _run_cli("demo_x", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    root = tmp_path / "demo_x"
    for room in ("__init__.py", "models.py", "operations.py", "queries.py", "views.py", "forms.py",
                 "templates/demo_x/index.html", "migrations/demo_x_0001_initial.py"):
        assert (root / "demo_x" / room).is_file(), room
    assert 'demo_x = "demo_x"' in (root / "pyproject.toml").read_text()
    assert not list(root.rglob("*.tmpl")) and "__PKG" not in (root / "demo_x" / "views.py").read_text()

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # its own SQLite, never ours
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=root, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "3 passed" in run.stdout

    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0, lint.stdout
