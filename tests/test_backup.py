"""Backup and restore on the configured database (SQLite by default, PostgreSQL with DATABASE_URL).

A restore refuses every file that is not a complete backup of this application that this install can
read, with one line and exit code 1, and then the database is exactly as it was (no file, schema or row
changed or left behind). A good backup comes back exactly, and the replaced data is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from core.backup import SAFETY_SCHEMA_PREFIX, BackupError, backup, restore
from core.extensions import db
from core.models import Family, User


@pytest.fixture(autouse=True)
def _needs_pg_tools(is_postgres):
    if is_postgres and not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")):
        pytest.skip("the PostgreSQL client tools are not installed")


@pytest.fixture
def safety_copies(app, is_postgres):
    """Removes the safety copies a successful restore leaves (files next to the SQLite database, schemas)."""
    yield
    db.session.remove()
    if is_postgres:
        with db.engine.begin() as conn:
            for name in _schemas():
                if name.startswith(SAFETY_SCHEMA_PREFIX):
                    conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    else:
        live = Path(db.engine.url.database)
        for p in live.parent.glob(live.name + ".before-restore-*"):
            p.unlink()


def _schemas() -> set[str]:
    with db.engine.connect() as conn:
        return set(conn.scalars(text("SELECT nspname FROM pg_namespace")))


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every table of the app's schema."""
    db.session.remove()
    tables = sorted(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        return {t: sorted((tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}"'))), key=repr) for t in tables}


def _surroundings(is_postgres: bool) -> set[str]:
    """What a restore could leave behind: files next to the SQLite database, or the schemas of the database."""
    if is_postgres:
        return _schemas()
    live = Path(db.engine.url.database)
    return {p.name for p in live.parent.iterdir()}


def _some_data(make_family, make_user):
    make_family("Öztürk", children=(("Elif", None),))
    make_family("Peeters")
    make_user("anna")


def _rezip(good: Path, out: Path, payload: bytes | None = None, payload_name: str | None = None,
           **manifest_changes) -> Path:
    """A copy of the backup ``good`` with another payload (and a manifest whose checksum matches it)."""
    with zipfile.ZipFile(good) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        name = manifest["payload"]["name"]
        data = zf.read(name) if payload is None else payload
    name = payload_name or name
    manifest["payload"].update(name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    manifest.update(manifest_changes)
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(name, data)
        zf.writestr("manifest.json", json.dumps(manifest))
    return out


def _other_sqlite_app(path: Path) -> bytes:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes (body) VALUES ('boodschappenlijst')")
    con.commit()
    con.close()
    return path.read_bytes()


def _other_pg_app(tmp_path: Path) -> bytes:
    """A pg_dump archive of another application's schema."""
    from core.backup import _pg_conninfo

    with db.engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA otherapp"))
        conn.execute(text("CREATE TABLE otherapp.notes (id serial PRIMARY KEY, body text)"))
        conn.execute(text("INSERT INTO otherapp.notes (body) VALUES ('boodschappenlijst')"))
    try:
        uri, env = _pg_conninfo()
        out = tmp_path / "otherapp.pgdump"
        subprocess.run(["pg_dump", "--format=custom", "--schema=otherapp", f"--file={out}", uri], env=env, check=True)
        return out.read_bytes()
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA otherapp CASCADE"))


def _newer_schema_backup(tmp_path: Path) -> Path:
    """A real backup of a database whose schema has a revision this install does not know (a newer version)."""
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('core_9999')"))
    try:
        return Path(backup(str(tmp_path / "newer.hvhk.zip")))
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version WHERE version_num = 'core_9999'"))


def _damaged_file(case: str, good: Path, tmp_path: Path, is_postgres: bool) -> Path:
    raw = good.read_bytes()
    out = tmp_path / f"{case}.bak"
    with zipfile.ZipFile(good) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        payload = zf.read(manifest["payload"]["name"])
    if case == "empty":
        out.write_bytes(b"")
    elif case == "truncated":
        out.write_bytes(raw[: len(raw) // 2])
    elif case == "random_bytes":
        out.write_bytes(random.Random(7).randbytes(64 * 1024))
    elif case == "another_sqlite_db":
        _other_sqlite_app(out)
    elif case == "bare_database_copy":  # the app's own database, but not in the backup format (no manifest)
        out.write_bytes(payload)
    elif case == "flipped_byte":
        data = bytearray(raw)
        start = raw.index(manifest["payload"]["name"].encode()) + 200  # inside the payload's data
        for i in range(start, start + 16):
            data[i] ^= 0xFF
        out.write_bytes(bytes(data))
    elif case == "truncated_payload_forged_manifest":  # a cut payload whose manifest was made to match it
        _rezip(good, out, payload[: len(payload) // 2])
    elif case == "another_app_forged_manifest":
        foreign = _other_pg_app(tmp_path) if is_postgres else _other_sqlite_app(tmp_path / "foreign.sqlite3")
        _rezip(good, out, foreign)
    elif case == "newer_schema":
        out = _newer_schema_backup(tmp_path)
    elif case == "newer_backup_format":
        _rezip(good, out, format_version=99)
    elif case == "other_database_kind":
        if is_postgres:
            _rezip(good, out, payload_name="database.sqlite3", database="sqlite", schema=None)
        else:
            _rezip(good, out, payload_name="database.pgdump", database="postgresql", schema="public")
    elif case == "zip_of_something_else":
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("foto.jpg", b"\xff\xd8\xff" + bytes(100))
    else:
        raise AssertionError(case)
    return out


DAMAGED = ["empty", "truncated", "random_bytes", "another_sqlite_db", "bare_database_copy", "flipped_byte",
           "truncated_payload_forged_manifest", "another_app_forged_manifest", "newer_schema", "newer_backup_format",
           "other_database_kind", "zip_of_something_else"]
EXPECTED = {  # a word of the one line each case answers with
    "empty": "empty (0 bytes)", "truncated": "damaged or incomplete", "random_bytes": "not a backup",
    "another_sqlite_db": "bare SQLite database", "bare_database_copy": "not a backup made by 'hvhk backup'",
    "flipped_byte": "damaged or incomplete", "truncated_payload_forged_manifest": "damaged or incomplete",
    "another_app_forged_manifest": "", "newer_schema": "core_9999", "newer_backup_format": "newer version",
    "other_database_kind": "backup of a", "zip_of_something_else": "not a backup made by 'hvhk backup'",
}


@pytest.mark.parametrize("case", DAMAGED)
def test_a_damaged_or_foreign_file_is_refused_and_nothing_changes(app, make_family, make_user, tmp_path,
                                                                   is_postgres, case):
    _some_data(make_family, make_user)
    good = Path(backup(str(tmp_path / "good.hvhk.zip")))
    bad = _damaged_file(case, good, tmp_path, is_postgres)
    before, around = _snapshot(), _surroundings(is_postgres)

    result = app.test_cli_runner().invoke(args=["restore", str(bad), "--yes"])

    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert EXPECTED[case] in lines[0] and "Nothing was changed." in lines[0]
    assert _snapshot() == before
    assert _surroundings(is_postgres) == around
    # and the database still works
    assert {f.label for f in db.session.scalars(select(Family))} == {"Öztürk", "Peeters"}


def test_the_function_raises_backup_error_for_every_damaged_file(app, make_family, make_user, tmp_path, is_postgres):
    _some_data(make_family, make_user)
    good = Path(backup(str(tmp_path / "good.hvhk.zip")))
    for case in ("empty", "truncated", "truncated_payload_forged_manifest", "another_app_forged_manifest"):
        bad = _damaged_file(case, good, tmp_path, is_postgres)
        with pytest.raises(BackupError) as err:
            restore(str(bad))
        assert "\n" not in str(err.value)


def test_round_trip_brings_every_row_back_exactly_and_keeps_the_replaced_data(app, tmp_path, is_postgres,
                                                                              safety_copies):
    from core.demo import load_demo

    load_demo(scale=1)
    fam = db.session.scalars(select(Family).order_by(Family.id)).first()
    fam_id = fam.id
    fam.notes = "Regel één\nRegel twee — met ‘aanhalingstekens’ en een emoji 🙂"
    # an account with no records of its own, removed after the backup (demo accounts are referenced by demo rows)
    db.session.add(User(username="tijdelijk", display_name="Tijdelijke Gebruiker", password_hash="x"))
    db.session.commit()
    before = _snapshot()
    assert sum(len(rows) for rows in before.values()) > 2000
    path = backup(str(tmp_path / "demo.hvhk.zip"))
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == "hvhk-backup" and manifest["tables"]["family"] == 300
    with db.engine.connect() as conn:
        assert manifest["revisions"] == sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))

    # changes after the backup: an edit, a new family, a removed account
    db.session.get(Family, fam_id).label = "Gewijzigd na de backup"
    db.session.add(Family(label="Nieuw na de backup"))
    db.session.delete(db.session.scalar(select(User).where(User.username == "tijdelijk")))
    db.session.commit()

    result = restore(path)

    assert _snapshot() == before
    assert result.upgrade_needed is False and result.safety_copy
    # the sequences came back too: a new record gets a fresh id
    db.session.add(Family(label="Na het terugzetten"))
    db.session.commit()
    assert db.session.scalar(select(Family.id).where(Family.label == "Na het terugzetten")) > 300
    # the safety copy holds the data as it was just before the restore
    if is_postgres:
        schema = result.safety_copy.split()[2]
        assert schema.startswith(SAFETY_SCHEMA_PREFIX)
        labels = set(db.session.scalars(text(f'SELECT label FROM "{schema}".family')))
    else:
        assert result.safety_copy.startswith(db.engine.url.database)
        con = sqlite3.connect(result.safety_copy)
        labels = {r[0] for r in con.execute("SELECT label FROM family")}
        con.close()
    assert {"Gewijzigd na de backup", "Nieuw na de backup"} <= labels


def test_restore_through_the_command_says_where_the_replaced_data_is(app, make_family, tmp_path, safety_copies):
    make_family("Voor")
    runner = app.test_cli_runner()
    out = tmp_path / "b.hvhk.zip"
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0 and f"Backup written to {out}." in result.output
    again = runner.invoke(args=["backup", "--out", str(out)])
    assert again.exit_code == 1 and "already exists" in again.output
    make_family("Na de backup")
    db.session.remove()
    result = runner.invoke(args=["restore", str(out), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Database restored" in result.output and "The data it replaced is kept in" in result.output
    assert [f.label for f in db.session.scalars(select(Family))] == ["Voor"]


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="a private SQLite file")
def test_a_backup_of_an_older_schema_is_restored_and_upgraded_by_the_command(app_factory, tmp_path):
    """A backup made before a migration this install has is restored, then migrated to this version."""
    from flask_migrate import downgrade

    from core.backup import install_heads
    from core.cli import upgrade_all

    own = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'own.sqlite3'}")
    with own.app_context():
        if "groups_0002" not in install_heads():
            pytest.skip("the groups plugin is not installed")
        upgrade_all()
        with db.engine.connect() as conn:
            current = sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))
        downgrade(revision="groups_0001")  # as an older version of the app left it
        db.session.add(Family(label="Van vroeger"))
        db.session.commit()
        path = backup(str(tmp_path / "old.hvhk.zip"))
        upgrade_all()
        db.session.add(Family(label="Van nu"))
        db.session.commit()
        db.session.remove()
        result = own.test_cli_runner().invoke(args=["restore", path, "--yes"])
        assert result.exit_code == 0, result.output
        assert "made by an older version: its schema is upgraded" in result.output
        with db.engine.connect() as conn:
            assert sorted(conn.scalars(text("SELECT version_num FROM alembic_version"))) == current
            assert list(conn.scalars(text("SELECT label FROM family"))) == ["Van vroeger"]
            cols = {c["name"] for c in inspect(conn).get_columns("groups_enrolment")}
        assert "anonymised_at" in cols
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="SQLite locking")
def test_sqlite_restore_is_refused_while_the_database_is_in_use(app, make_family, tmp_path):
    make_family("In gebruik")
    path = backup(str(tmp_path / "b.hvhk.zip"))
    before, around = _snapshot(), _surroundings(False)
    other = sqlite3.connect(db.engine.url.database)  # another process of the app, say
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("SELECT count(*) FROM family").fetchone()
    try:
        with pytest.raises(BackupError, match="in use"):
            restore(path)
    finally:
        other.close()
    assert _snapshot() == before and _surroundings(False) == around


def test_postgresql_restore_is_refused_while_the_app_is_connected(app, make_family, tmp_path, is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL only")
    make_family("In gebruik")
    path = backup(str(tmp_path / "b.hvhk.zip"))
    before, around = _snapshot(), _surroundings(True)
    from sqlalchemy import create_engine

    other = create_engine(db.engine.url)  # another worker of the app
    with other.connect() as conn:
        conn.execute(text("SELECT 1"))
        with pytest.raises(BackupError, match=r"^The database is in use \(1 other connection\(s\); is the app "):
            restore(path)
    other.dispose()
    assert _snapshot() == before and _surroundings(True) == around


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgresql"), reason="SQLite file commands")
def test_the_commands_on_a_fresh_folder(tmp_path):
    """The issue's reproduction with the real ``hvhk`` command: restoring a 0-byte file used to wipe the database."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HVHK_DEMO")}
    env["SECRET_KEY"] = "s" * 40
    hvhk = [sys.executable, "-c", "from core.cli import main; main()"]

    def run(*args):
        return subprocess.run(hvhk + list(args), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    assert run("init").returncode == 0
    assert run("create-user", "anna", "--name", "Anna", "--password", "zomer-aan-zee-Genk").returncode == 0
    made = run("backup", "--out", "nacht.hvhk.zip")
    assert made.returncode == 0, made.stderr
    (tmp_path / "empty.bak").write_bytes(b"")
    refused = run("restore", "empty.bak", "--yes")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == ["Error: empty.bak is empty (0 bytes): it is not a backup. "
                                                   "Nothing was changed."]
    con = sqlite3.connect(tmp_path / "instance" / "hvhk.sqlite3")
    assert con.execute("SELECT username FROM app_user").fetchall() == [("anna",)]
    con.close()
    assert run("create-user", "bert", "--name", "Bert", "--password", "zomer-aan-zee-Genk").returncode == 0
    back = run("restore", "nacht.hvhk.zip", "--yes")
    assert back.returncode == 0, back.stderr
    assert "hvhk.sqlite3.before-restore-" in back.stdout
    con = sqlite3.connect(tmp_path / "instance" / "hvhk.sqlite3")
    assert con.execute("SELECT username FROM app_user").fetchall() == [("anna",)]
    con.close()
    prompt = subprocess.run(hvhk + ["restore", "nacht.hvhk.zip"], cwd=tmp_path, env=env, input="n\n",
                            capture_output=True, text=True, timeout=300)
    assert prompt.returncode == 1 and "Aborted" in prompt.stderr
