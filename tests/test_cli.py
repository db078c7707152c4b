"""The ``hvhk`` command on a fresh SQLite database in an empty folder."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
