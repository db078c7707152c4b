"""Backups and restores of the whole database, the same way on SQLite and PostgreSQL.

A backup is one zip file holding ``manifest.json`` (a format marker, the kind of database, its schema
revisions (every Alembic head), the row count of every table, and the size and SHA-256 of the payload) and
the payload: a consistent copy of the SQLite file (SQLite's online backup API) or a ``pg_dump`` archive of
the app's schema, taken in the same snapshot as the counts. A backup is written under a temporary name and
renamed when complete.

A restore touches nothing until the file has been checked completely: the zip and its manifest, the
database kind, schema revisions this install knows, the payload's size and checksum, and then the payload
itself (SQLite: ``PRAGMA integrity_check``, the app's tables, revisions and row counts as in the manifest;
PostgreSQL: ``pg_restore`` reads the whole archive). Then:

- SQLite: the checked copy sits in a temporary file next to the database and replaces it with one atomic
  rename (``os.replace``) while an exclusive lock keeps others out. The replaced file stays next to it as
  ``<database>.before-restore-<time>``.
- PostgreSQL: one transaction renames the app's schema to ``hvhk_before_restore_<time>`` (the safety copy),
  recreates the schema from the archive and checks the revisions and every table's row count against the
  manifest before COMMIT. Any failure rolls the whole transaction back.

A restore is refused while other connections use the database (stop the app first). Every refusal raises
``BackupError`` with one line for the admin and leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from .database import close_health_connections
from .extensions import db

FORMAT = "hvhk-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOAD = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# tables without which a database is not one of this application (core_0001 makes them all)
REQUIRED_TABLES = frozenset({"alembic_version", "app_user", "team", "family", "person", "audit_entry"})
SAFETY_SCHEMA_PREFIX = "hvhk_before_restore_"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_REVISION = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20
# what reading a damaged zip member can raise
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
                ValueError, OSError)


class BackupError(RuntimeError):
    """A backup or restore could not be done. The message is one line for the admin; a refused restore
    changed nothing."""


@dataclass
class Manifest:
    database: str  # "sqlite" or "postgresql"
    created: str
    revisions: list[str]  # sorted
    tables: dict[str, int]  # table -> rows
    schema: str | None  # PostgreSQL schema the archive holds
    payload: str
    size: int
    sha256: str


@dataclass
class RestoreResult:
    safety_copy: str | None  # where the replaced data is kept (None: there was no database)
    upgrade_needed: bool  # the backup's schema is older than this install's: run the migrations


# --------------------------------------------------------------------------- schema revisions


def _script():
    from alembic.script import ScriptDirectory

    cfg = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(cfg.migrate.get_config(cfg.directory))


def install_heads() -> list[str]:
    """The schema revisions this install migrates to (every branch's head: the core's and each plugin's)."""
    return sorted(_script().get_heads())


def _as_tuple(value) -> tuple:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _schema_check(revisions: list[str], label: str) -> bool:
    """Refuse revisions this install does not know; True when the backup's schema is older than the install's
    (a head it has not reached: ``alembic_version`` lists only the revisions nothing else builds on)."""
    script = _script()
    known = {s.revision: s for s in script.walk_revisions()}
    unknown = [r for r in revisions if r not in known]
    if unknown:
        raise BackupError(f"{label} has schema revision(s) {', '.join(unknown)} that this install does not know: "
                          "it was made by a newer version of hvhk or with plugins that are not installed here.")
    reached, todo = set(), list(revisions)
    while todo:
        rev = todo.pop()
        if rev not in reached:
            reached.add(rev)
            todo.extend(_as_tuple(known[rev].down_revision) + _as_tuple(known[rev].dependencies))
    return not set(script.get_heads()) <= reached


# --------------------------------------------------------------------------- backup


def backup(out: str | None = None) -> str:
    """Write a backup of the whole database to ``out`` (default ``instance/backup-<time>.hvhk.zip``) and
    return its path. Refuses to overwrite a file."""
    dialect = db.engine.dialect.name
    if dialect not in PAYLOAD:
        raise BackupError(f"No backup method for {dialect}.")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(out) if out else Path(current_app.instance_path) / f"backup-{stamp}.hvhk.zip"
    if path.exists() or path.is_symlink():
        raise BackupError(f"{path} already exists: choose another file name (a backup never overwrites a file).")
    if not path.parent.is_dir():
        raise BackupError(f"Cannot write {path}: the folder {path.parent} does not exist.")
    partial = path.with_name(path.name + ".partial")
    try:
        work = Path(tempfile.mkdtemp(prefix=".hvhk-backup-", dir=path.parent))
    except OSError as e:
        raise BackupError(f"Cannot write in {path.parent}: {e.strerror or e}.") from None
    try:
        payload = work / PAYLOAD[dialect]
        info = _sqlite_copy(payload) if dialect == "sqlite" else _pg_dump(payload)
        manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "database": dialect,
                    "created": datetime.now(UTC).isoformat(timespec="seconds"), **info}
        _write_zip(partial, payload, manifest, zipfile.ZIP_DEFLATED if dialect == "sqlite" else zipfile.ZIP_STORED)
        os.replace(partial, path)
    except OSError as e:
        raise BackupError(f"Cannot write {path}: {e.strerror or e}.") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
        partial.unlink(missing_ok=True)
    return str(path)


def _sqlite_live() -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"Backups need a SQLite database file, not {name or 'an in-memory database'}.")
    return Path(name)


def _sqlite_tables(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                      "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _sqlite_copy(target: Path) -> dict:
    live = _sqlite_live()
    if not live.is_file():
        raise BackupError(f"There is no database at {live}.")
    src = sqlite3.connect(live)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, not one waiting for a -wal
        tables = _sqlite_tables(dst)
        counts = {t: dst.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        revisions = sorted(r[0] for r in dst.execute("SELECT version_num FROM alembic_version")) \
            if "alembic_version" in tables else []
    except sqlite3.Error as e:
        raise BackupError(f"The database could not be copied: {e}.") from None
    finally:
        dst.close()
        src.close()
    return {"revisions": revisions, "tables": counts, "schema": None}


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if not tool:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools "
                          "(Debian: apt-get install postgresql-client).")
    return tool


def _pg_conninfo() -> tuple[str, dict]:
    """A libpq URI without the password (which goes in the environment, not on a command line) and the env."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _first_error(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in lines:
        if "ERROR:" in ln:
            msg = ln.split("ERROR:", 1)[1].strip()
            return msg.removeprefix("hvhk: ")
    for ln in lines:
        if "error:" in ln:
            return ln.split("error:", 1)[1].strip()
    return lines[0] if lines else "no message"


def _pg_dump(target: Path) -> dict:
    pg_dump = _pg_tool("pg_dump")
    uri, env = _pg_conninfo()
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            schema = conn.scalar(text("SELECT current_schema()"))
            if not schema or not _NAME.match(schema):
                raise BackupError(f"Cannot back up the schema {schema!r}: use a plain lower-case schema name.")
            tables = list(conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1"),
                                       {"s": schema}))
            counts = {t: conn.scalar(text(f'SELECT count(*) FROM "{schema}"."{t}"')) for t in tables}
            revisions = sorted(conn.scalars(text(f'SELECT version_num FROM "{schema}".alembic_version'))) \
                if "alembic_version" in tables else []
            # pg_dump reads the same snapshot as the counts above
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            result = subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--schema={schema}",
                                     f"--snapshot={snapshot}", f"--file={target}", uri],
                                    capture_output=True, text=True, env=env)
    if result.returncode:
        raise BackupError(f"pg_dump failed: {_first_error(result.stderr)}")
    return {"revisions": revisions, "tables": counts, "schema": schema}


def _write_zip(target: Path, payload: Path, manifest: dict, compression: int) -> None:
    digest, size = hashlib.sha256(), 0
    with zipfile.ZipFile(target, "w", compression=compression, allowZip64=True) as zf:
        with open(payload, "rb") as src, zf.open(payload.name, "w", force_zip64=True) as dst:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                dst.write(chunk)
        manifest["payload"] = {"name": payload.name, "size": size, "sha256": digest.hexdigest()}
        zf.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())


# --------------------------------------------------------------------------- reading a backup


def _open_backup(path: str) -> zipfile.ZipFile:
    p = Path(path)
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            head = fh.read(16)
    except OSError as e:
        raise BackupError(f"Cannot read {path}: {e.strerror or e}.") from None
    if size == 0:
        raise BackupError(f"{path} is empty (0 bytes): it is not a backup.")
    try:
        return zipfile.ZipFile(p)
    except _READ_ERRORS:
        pass
    if head.startswith(b"SQLite format 3\x00"):
        raise BackupError(f"{path} is a bare SQLite database, not a backup made by 'hvhk backup'.")
    if head.startswith(b"PGDMP"):
        raise BackupError(f"{path} is a bare pg_dump archive, not a backup made by 'hvhk backup'.")
    if head.startswith(b"PK"):
        raise BackupError(f"{path} is damaged or incomplete (truncated?): it does not read as a whole zip file.")
    raise BackupError(f"{path} is not a backup made by 'hvhk backup'.")


def _damaged(path: str, why: str) -> BackupError:
    return BackupError(f"{path} is damaged or incomplete ({why}).")


def read_manifest(zf: zipfile.ZipFile, path: str) -> Manifest:
    """The manifest of an opened backup, checked for form (not yet against this install)."""
    try:
        raw = zf.read(MANIFEST)
    except KeyError:
        raise BackupError(f"{path} is a zip file but not a backup made by 'hvhk backup' (no {MANIFEST}).") from None
    except _READ_ERRORS as e:
        raise _damaged(path, f"its manifest does not read back: {e}") from None
    try:
        data = json.loads(raw)
    except ValueError:
        raise _damaged(path, "its manifest is not valid JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{path} is a zip file but not a backup made by 'hvhk backup'.")
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _damaged(path, "its manifest has no format version")
    if version > FORMAT_VERSION:
        raise BackupError(f"{path} was made by a newer version of hvhk (backup format {version}; this install "
                          f"reads format {FORMAT_VERSION}).")
    payload = data.get("payload")
    revisions, tables = data.get("revisions"), data.get("tables")
    ok = (data.get("database") in PAYLOAD and isinstance(payload, dict) and payload.get("name") == PAYLOAD[data["database"]]
          and isinstance(payload.get("size"), int) and payload["size"] >= 0
          and isinstance(payload.get("sha256"), str) and _SHA256.match(payload["sha256"])
          and isinstance(revisions, list) and all(isinstance(r, str) and _REVISION.match(r) for r in revisions)
          and isinstance(tables, dict) and all(isinstance(t, str) and _NAME.match(t) for t in tables)
          and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in tables.values())
          and (data.get("schema") is None or isinstance(data["schema"], str) and _NAME.match(data["schema"])))
    if not ok:
        raise _damaged(path, "its manifest is incomplete")
    if data["database"] == "postgresql" and not data.get("schema"):
        raise _damaged(path, "its manifest names no schema")
    if not revisions or not REQUIRED_TABLES <= set(tables):
        raise BackupError(f"{path} is not a backup of this application's database (no schema revision or "
                          f"missing tables: {', '.join(sorted(REQUIRED_TABLES - set(tables))) or 'alembic_version'}).")
    return Manifest(database=data["database"], created=str(data.get("created", "")), revisions=sorted(revisions),
                    tables=dict(tables), schema=data.get("schema"), payload=payload["name"], size=payload["size"],
                    sha256=payload["sha256"])


def _extract(zf: zipfile.ZipFile, m: Manifest, target: Path, path: str) -> None:
    """Write the payload to ``target``, checking its size and checksum against the manifest."""
    try:
        info = zf.getinfo(m.payload)
    except KeyError:
        raise _damaged(path, f"{m.payload} is missing") from None
    if info.file_size != m.size:
        raise _damaged(path, f"{m.payload} holds {info.file_size} bytes, the manifest says {m.size}")
    digest, size = hashlib.sha256(), 0
    try:
        with zf.open(info) as src, open(target, "wb") as dst:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if size > m.size:
                    break
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
    except OSError as e:
        raise BackupError(f"Cannot unpack {path} into {target.parent}: {e.strerror or e}.") from None
    except _READ_ERRORS as e:
        raise _damaged(path, f"its data does not read back: {e}") from None
    if size != m.size or digest.hexdigest() != m.sha256:
        raise _damaged(path, "its checksum does not match")


def check_backup(path: str) -> Manifest:
    """Open ``path`` and check its container and manifest against this install (database kind, schema
    revisions). Raises ``BackupError``; touches nothing."""
    with _open_backup(path) as zf:
        m = read_manifest(zf, path)
    _check_fits(m, path)
    return m


def _check_fits(m: Manifest, path: str) -> bool:
    dialect = db.engine.dialect.name
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    if m.database != dialect:
        raise BackupError(f"{path} is a backup of a {names[m.database]} database; this install uses "
                          f"{names.get(dialect, dialect)}.")
    return _schema_check(m.revisions, path)


# --------------------------------------------------------------------------- restore


def restore(path: str) -> RestoreResult:
    """Replace the database by the backup at ``path`` after checking it completely (see the module's text).
    Raises ``BackupError`` (and changes nothing) when the file is not a complete backup of this application
    that this install can read, or when the database is in use."""
    with _open_backup(path) as zf:
        m = read_manifest(zf, path)
        behind = _check_fits(m, path)
        db.session.remove()
        db.engine.dispose()
        close_health_connections()  # this process's own /healthz connection is not "another user"
        try:
            if m.database == "sqlite":
                safety = _restore_sqlite(zf, m, path)
            else:
                safety = _restore_pg(zf, m, path)
        finally:
            db.engine.dispose()
    return RestoreResult(safety_copy=safety, upgrade_needed=behind)


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d_%H%M%S")


def _check_sqlite_copy(copy: Path, m: Manifest, path: str) -> None:
    try:
        con = sqlite3.connect(copy)
    except sqlite3.Error as e:
        raise _damaged(path, f"SQLite: {e}") from None
    try:
        con.execute("PRAGMA journal_mode=DELETE")
        problems = [r[0] for r in con.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise _damaged(path, f"SQLite integrity check: {problems[0]}")
        tables = set(_sqlite_tables(con))
        missing = sorted((REQUIRED_TABLES | set(m.tables)) - tables)
        if missing:
            more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
            raise BackupError(f"{path} does not hold this application's database (missing tables: "
                              f"{', '.join(missing[:4])}{more}).")
        revisions = sorted(r[0] for r in con.execute("SELECT version_num FROM alembic_version"))
        if revisions != m.revisions:
            raise _damaged(path, "its schema revisions differ from its manifest")
        for table, rows in sorted(m.tables.items()):
            n = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            if n != rows:
                raise _damaged(path, f"table {table} holds {n} rows, the manifest says {rows}")
    except sqlite3.Error as e:
        raise _damaged(path, f"SQLite: {e}") from None
    finally:
        con.close()


def _restore_sqlite(zf: zipfile.ZipFile, m: Manifest, path: str) -> str | None:
    live = _sqlite_live().resolve()
    if not live.parent.is_dir():
        raise BackupError(f"The folder of the database, {live.parent}, does not exist.")
    try:
        fd, name = tempfile.mkstemp(prefix=f"{live.name}.restoring-", dir=live.parent)
    except OSError as e:
        raise BackupError(f"Cannot write next to the database in {live.parent}: {e.strerror or e}.") from None
    os.close(fd)
    copy = Path(name)
    try:
        _extract(zf, m, copy, path)
        _check_sqlite_copy(copy, m, path)
        return _swap_sqlite(copy, live)
    finally:
        for leftover in (copy, Path(f"{copy}-journal"), Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            leftover.unlink(missing_ok=True)


def _unique_path(base: Path) -> Path:
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def _swap_sqlite(copy: Path, live: Path) -> str | None:
    """Atomically put ``copy`` in the place of ``live``; keep ``live`` as a safety copy next to it."""
    if not live.exists():
        os.replace(copy, live)
        return None
    safety = _unique_path(live.with_name(f"{live.name}.before-restore-{_stamp()}"))
    con = sqlite3.connect(live, timeout=2, isolation_level=None)
    locked = False
    try:
        try:
            # Leaving WAL mode checkpoints everything into the file and needs every other connection closed.
            con.execute("PRAGMA journal_mode=DELETE").fetchone()
            con.execute("BEGIN EXCLUSIVE")  # nobody gets in until the swap is done
            locked = True
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise BackupError(f"The database {live} is in use (is the app still running?): stop it and "
                                  "try again.") from None
        except sqlite3.DatabaseError:
            pass  # the current database is itself damaged: replace it and keep it with its side files
        try:
            os.link(live, safety)
        except OSError:
            shutil.copy2(live, safety)
        if not locked:
            for side in ("-wal", "-shm", "-journal"):
                if Path(f"{live}{side}").exists():
                    os.replace(f"{live}{side}", f"{safety}{side}")
        os.replace(copy, live)
    finally:
        if locked:
            con.execute("ROLLBACK")
        con.close()
    return str(safety)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _restore_pg(zf: zipfile.ZipFile, m: Manifest, path: str) -> str:
    pg_restore, psql = _pg_tool("pg_restore"), _pg_tool("psql")
    uri, env = _pg_conninfo()
    with db.engine.connect() as conn:
        schema = conn.scalar(text("SELECT current_schema()"))
        dbname = conn.scalar(text("SELECT current_database()"))
        taken = set(conn.scalars(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
                                 {"p": SAFETY_SCHEMA_PREFIX + "%"}))
    db.engine.dispose()
    if schema != m.schema:
        raise BackupError(f"{path} holds the schema {m.schema}; this install uses the schema {schema}.")
    safety, n = f"{SAFETY_SCHEMA_PREFIX}{_stamp()}", 1
    while safety in taken:
        n += 1
        safety = f"{SAFETY_SCHEMA_PREFIX}{_stamp()}_{n}"
    try:
        work_dir = tempfile.TemporaryDirectory(prefix=".hvhk-restore-", dir=current_app.instance_path)
    except OSError as e:
        raise BackupError(f"Cannot write in {current_app.instance_path}: {e.strerror or e}.") from None
    with work_dir as work_name:
        work = Path(work_name)
        archive, script = work / m.payload, work / "restore.sql"
        _extract(zf, m, archive, path)
        # Converting the archive to SQL reads all of it (every data block): a damaged archive fails here,
        # before the database is touched.
        result = subprocess.run([pg_restore, "--no-owner", f"--file={script}", str(archive)],
                                capture_output=True, text=True)
        if result.returncode:
            raise _damaged(path, f"pg_restore: {_first_error(result.stderr).rstrip('.')}")
        s = _quote_ident(schema)
        (work / "before.sql").write_text(f"""
SET lock_timeout = '10s';
DO $hvhk$
DECLARE n integer;
BEGIN
  SELECT count(*) INTO n FROM pg_catalog.pg_stat_activity
   WHERE datname = current_database() AND usename = current_user AND pid <> pg_backend_pid()
     AND backend_type = 'client backend';
  IF n > 0 THEN
    RAISE EXCEPTION 'hvhk-busy: The database is in use (% other connection(s); is the app still running?): stop it and try again', n;
  END IF;
END
$hvhk$;
ALTER SCHEMA {s} RENAME TO {_quote_ident(safety)};
""")
        checks = [f"""
  IF (SELECT coalesce(array_agg(version_num::text ORDER BY version_num COLLATE "C"), '{{}}')
        FROM {s}.alembic_version) IS DISTINCT FROM ARRAY[{', '.join(map(_quote_literal, m.revisions))}]::text[] THEN
    RAISE EXCEPTION 'hvhk: the restored schema revisions differ from the manifest.';
  END IF;"""]
        for table, rows in sorted(m.tables.items()):
            checks.append(f"""
  SELECT count(*) INTO n FROM {s}.{_quote_ident(table)};
  IF n <> {int(rows)} THEN
    RAISE EXCEPTION 'hvhk: table {table} holds % rows after the restore, the manifest says {int(rows)}.', n;
  END IF;""")
        (work / "after.sql").write_text("DO $hvhk$\nDECLARE n bigint;\nBEGIN" + "".join(checks) + "\nEND\n$hvhk$;\n")
        result = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", uri,
                                 "-f", str(work / "before.sql"), "-f", str(script), "-f", str(work / "after.sql")],
                                capture_output=True, text=True, env=env)
        if result.returncode:
            error = _first_error(result.stderr).rstrip(".")
            if error.startswith("hvhk-busy: "):
                raise BackupError(error.removeprefix("hvhk-busy: ") + ".")
            raise BackupError(f"{path} could not be restored (its transaction was rolled back): {error}.")
    return f"the schema {safety} of database {dbname} (drop it with: DROP SCHEMA {safety} CASCADE)"
