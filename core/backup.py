"""Backups: SQLite through its online backup API (consistent while the app runs); PostgreSQL through
pg_dump/pg_restore when they are installed."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from flask import current_app

from .extensions import db


class BackupError(RuntimeError):
    pass


def _sqlite_path() -> str:
    return db.engine.url.database


def _pg_url() -> str:
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup(out: str | None = None) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        path = out or str(Path(current_app.instance_path) / f"backup-{stamp}.sqlite3")
        src = sqlite3.connect(_sqlite_path())
        dst = sqlite3.connect(path)
        with dst:
            src.backup(dst)
        dst.close()
        src.close()
        return path
    if dialect == "postgresql":
        if not shutil.which("pg_dump"):
            raise BackupError("pg_dump is not installed: install the PostgreSQL client tools "
                              "(Debian: apt-get install postgresql-client) or back up on the database server.")
        path = out or str(Path(current_app.instance_path) / f"backup-{stamp}.pgdump")
        result = subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", _pg_url()],
                                capture_output=True, text=True)
        if result.returncode:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return path
    raise BackupError(f"No backup method for {dialect}.")


def restore(path: str) -> None:
    dialect = db.engine.dialect.name
    db.session.remove()
    db.engine.dispose()
    if dialect == "sqlite":
        src = sqlite3.connect(path)
        dst = sqlite3.connect(_sqlite_path())
        with dst:
            src.backup(dst)
        dst.close()
        src.close()
        return
    if dialect == "postgresql":
        if not shutil.which("pg_restore"):
            raise BackupError("pg_restore is not installed: install the PostgreSQL client tools "
                              "(Debian: apt-get install postgresql-client).")
        result = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                                 f"--dbname={_pg_url()}", path], capture_output=True, text=True)
        if result.returncode:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        return
    raise BackupError(f"No restore method for {dialect}.")
