"""The ``hvhk`` command on a fresh SQLite database in an empty folder."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.extensions import db

HVHK = [sys.executable, "-c", "from core.cli import main; main()"]


def _run(args, cwd, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "HVHK_DEMO")}
    full_env.update(env)
    return subprocess.run(HVHK + args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)


def test_init_refuses_without_secret_key_with_a_clear_message(tmp_path):
    result = _run(["init"], tmp_path)
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr


def test_init_demo_and_create_user_on_an_empty_folder(tmp_path):
    env = {"SECRET_KEY": "a" * 40, "HVHK_PLUGINS": os.environ.get("HVHK_PLUGINS", "all")}
    result = _run(["init"], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "instance" / "hvhk.sqlite3").exists()
    result = _run(["demo"], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert "Demo data loaded" in result.stdout
    again = _run(["demo"], tmp_path, **env)
    assert "only into an empty database" in again.stdout
    weak = _run(["create-user", "nieuw", "--name", "Nieuw Lid", "--password", "kort"], tmp_path, **env)
    assert weak.returncode != 0 and "minstens 12 tekens" in weak.stderr
    ok = _run(["create-user", "nieuw", "--name", "Nieuw Lid", "--password", "zomer-aan-zee-Genk"], tmp_path, **env)
    assert ok.returncode == 0, ok.stderr

    import sqlite3

    con = sqlite3.connect(Path(tmp_path) / "instance" / "hvhk.sqlite3")
    users = {row[0] for row in con.execute("select username from app_user")}
    assert {"admin", "manager", "worker", "finance", "onthaal", "partner", "nieuw"} <= users
    families = con.execute("select count(*) from family").fetchone()[0]
    assert 250 <= families <= 350
    accented = con.execute("select count(*) from family where label like '%ü%' or label like '%ş%'").fetchone()[0]
    assert accented > 0
    con.close()


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="SQLite demo only")
def test_serve_demo_answers_on_its_port(tmp_path):
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    log = open(tmp_path / "serve.log", "w")  # a file, not a pipe nobody reads (a full pipe would block the server)
    proc = subprocess.Popen(HVHK + ["serve", "--demo", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as resp:
                    body = resp.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("hvhk serve --demo did not answer within 120 s:\n" + (tmp_path / "serve.log").read_text()[-3000:])
        assert "Demo-accounts" in body and "huisvanhetkind" in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


# --------------------------------------------------------------------------- bad input: one line, exit code


def _one_error_line(result, code: int | None = None) -> str:
    """The command refused with exactly one line starting 'Error:' and a non-zero exit code, no traceback."""
    assert result.exit_code != 0, result.output
    if code is not None:
        assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("Error")]
    assert len(errors) == 1, result.output
    return errors[0]


@pytest.mark.parametrize("args, words", [
    (["export-family", str(2**31)], "not in the range"),
    (["export-family", str(2**63)], "not in the range"),
    (["export-family", "0"], "not in the range"),
    (["export-family", "--", "-5"], "not in the range"),
    (["export-family", "-5"], "No such option"),
    (["export-family", "abc"], "is not a valid integer"),
    (["export-family", "1", "--person", str(2**31)], "not in the range"),
    (["demo", "--scale", "0"], "not in the range"),
    (["demo", "--scale", "-1"], "not in the range"),
    (["demo", "--scale", "1000000"], "not in the range"),
    (["retention", "--kind", "onbekend"], "unknown kind"),
    (["restore", "/geen/zo/bestand.hvhk.zip", "--yes"], "does not exist"),
])
def test_bad_ids_scales_and_choices_get_one_line(app, args, words):
    line = _one_error_line(app.test_cli_runner().invoke(args=args), code=2)
    assert words in line


def test_export_family_to_a_missing_folder_or_a_folder_writes_nothing_and_logs_no_export(app, make_family, tmp_path):
    from core.models import AuditEntry

    fam = make_family("Claes")
    runner = app.test_cli_runner()
    for out, words in ((tmp_path / "bestaat-niet" / "inzage.zip", "does not exist"), (tmp_path, "is a directory")):
        line = _one_error_line(runner.invoke(args=["export-family", str(fam.id), "--out", str(out)]))
        assert words in line
    assert not (tmp_path / "bestaat-niet").exists()
    assert db.session.query(AuditEntry).filter(AuditEntry.action.like("%export%")).count() == 0
    missing = _one_error_line(runner.invoke(args=["export-family", "2147483647"]), code=1)
    assert "No family with id 2147483647" in missing


@pytest.mark.parametrize("username, name, words", [
    ("", "Lege Naam", "Invalid username ''"),
    ("   ", "Spaties", "Invalid username"),
    ("a" * 500, "Lange Naam", "Invalid username"),
    ("an na", "Met Spatie", "Enkel kleine letters"),
    ("anna<script>", "Haakjes", "Enkel kleine letters"),
    ("a", "Te Kort", "Invalid username"),
    ("anna", "", "Invalid --name"),
    ("anna", "x" * 500, "Invalid --name"),
])
def test_create_user_follows_the_admin_forms_rules(app, username, name, words):
    from core.models import User

    result = app.test_cli_runner().invoke(args=["create-user", username, "--name", name,
                                                "--password", "zomer-aan-zee-Genk"])
    assert words in _one_error_line(result, code=1)
    assert db.session.query(User).count() == 0


def test_create_user_lowercases_like_the_admin_form_and_refuses_a_duplicate(app):
    from core.models import User

    runner = app.test_cli_runner()
    ok = runner.invoke(args=["create-user", "  Anna.Peeters ", "--name", "Anna Peeters", "--password",
                             "zomer-aan-zee-Genk", "--admin"])
    assert ok.exit_code == 0, ok.output
    user = db.session.query(User).one()
    assert (user.username, user.display_name, user.is_admin) == ("anna.peeters", "Anna Peeters", True)
    again = runner.invoke(args=["create-user", "ANNA.PEETERS", "--name", "Anna", "--password", "zomer-aan-zee-Genk"])
    assert "already exists" in _one_error_line(again, code=1)
    weak = runner.invoke(args=["create-user", "bert", "--name", "Bert", "--password", "bert-bert-bert"])
    assert "gebruikersnaam" in _one_error_line(weak, code=1)


def test_backup_into_a_missing_folder_gets_one_line(app, tmp_path):
    line = _one_error_line(app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "nee" / "b.zip")]),
                           code=1)
    assert "does not exist" in line


@pytest.mark.parametrize("args, words", [
    (["serve", "--port", "0"], "not in the range"),
    (["serve", "--port", "70000"], "not in the range"),
    (["serve", "--port", "http"], "is not a valid integer"),
])
def test_serve_refuses_a_bad_port_before_starting(args, words):
    from click.testing import CliRunner

    from core.cli import main

    assert words in _one_error_line(CliRunner().invoke(main, args), code=2)


def test_commands_on_a_database_without_schema_answer_in_one_line(tmp_path):
    env = {"SECRET_KEY": "a" * 40}
    result = _run(["create-user", "anna", "--name", "Anna", "--password", "zomer-aan-zee-Genk"], tmp_path, **env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: The database refused this:") and "hvhk init" in lines[0]
    busy = _run(["export-family", "1"], tmp_path, **env)
    assert busy.returncode == 1 and len(busy.stderr.strip().splitlines()) == 1
