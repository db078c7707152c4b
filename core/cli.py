"""The ``hvhk`` command: init, serve, demo, create-user, send-mail (plus Flask's and Flask-Migrate's ``db`` commands)."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

# The largest id a record column holds (the same bound as the ``int`` URL converter, ``core.RecordId``).
RECORD_ID = click.IntRange(1, 2**31 - 1)


def _create_app():
    from . import ConfigError, create_app

    try:
        return create_app()
    except ConfigError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)


def one_line_errors(f):
    """Database errors end in one line and exit code 1, not a traceback (the schema may be missing, the
    database unreachable)."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except SQLAlchemyError as e:
            from .extensions import db

            db.session.rollback()
            detail = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
            raise click.ClickException(f"The database refused this: {detail}. Is its schema up to date "
                                       "(hvhk init)?") from None

    return wrapper


def writable_file(path: str) -> Path:
    """``path`` as a file we may create or replace; one clear line when its folder is missing or not ours."""
    p = Path(path)
    if p.is_dir():
        raise click.ClickException(f"{path} is a folder; give a file name.")
    folder = p.parent
    if not folder.is_dir():
        raise click.ClickException(f"Cannot write {path}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise click.ClickException(f"Cannot write {path}: permission denied.")
    return p


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, add_default_commands=True)
def main():
    """Huis van het Kind intranet."""


def upgrade_all() -> None:
    """Create or upgrade the schema: every migration head (the core's and every plugin's branch)."""
    from flask_migrate import upgrade

    upgrade(revision="heads")


def has_users() -> bool:
    from .extensions import db
    from .models import User

    return db.session.scalar(select(User.id).limit(1)) is not None


@click.command("init")
@with_appcontext
@one_line_errors
def init_command():
    """Create or upgrade the database schema (all migration heads)."""
    upgrade_all()
    click.echo("Database is up to date.")


@click.command("demo")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 1000),
              help="1 = one house (about 300 families).")
@with_appcontext
@one_line_errors
def demo_command(scale: int):
    """Load fictional demo data (the core's and every plugin's)."""
    from .demo import load_demo

    upgrade_all()
    if has_users():
        click.echo("The database already holds data; demo data is loaded only into an empty database.")
        return
    load_demo(scale=scale)
    click.echo("Demo data loaded. Every demo account has the password 'huisvanhetkind'.")


@click.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", prompt="Full name")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.password_option()
@with_appcontext
@one_line_errors
def create_user_command(username: str, display_name: str, admin: bool, password: str):
    """Create a staff account (the same rules as the admin form)."""
    from werkzeug.datastructures import MultiDict
    from wtforms import Form as PlainForm

    from .admin import UserForm
    from .extensions import db
    from .forms import DutchMeta
    from .models import User
    from .passwords import password_problem

    class NewUser(PlainForm):  # the admin form's own fields and rules, without CSRF (no browser here)
        class Meta(DutchMeta):
            pass

        username = UserForm.username
        display_name = UserForm.display_name

    form = NewUser(MultiDict({"username": username, "display_name": display_name}))
    if not form.validate():
        field, errors = next(iter(form.errors.items()))
        label = {"username": "username", "display_name": "--name"}[field]
        raise click.ClickException(f"Invalid {label} {getattr(form, field).raw_data[0][:40]!r}: {errors[0]}")
    username = form.username.data
    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"User {username} already exists.")
    user = User(username=username, display_name=form.display_name.data, is_admin=admin)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {username}.")


@click.command("serve")
@click.option("--demo", is_flag=True, help="Demo mode: SQLite in instance/, fictional data, demo accounts.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def serve_command(demo: bool, host: str, port: int):
    """Serve the intranet (development server; use gunicorn in production)."""
    if demo:
        os.environ["HVHK_DEMO"] = "1"
    app = _create_app()
    with app.app_context():
        upgrade_all()
        if demo and not has_users():
            from .demo import load_demo

            click.echo("Loading demo data (once)...")
            load_demo(scale=1)
    if demo:
        click.echo(f"Demo: open http://{host}:{port}/ and log in as admin, manager, worker, finance, onthaal or "
                   "partner with the password 'huisvanhetkind'.")
    from werkzeug.serving import run_simple

    try:
        run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)
    except OSError as e:
        raise click.ClickException(f"Cannot serve on {host}:{port}: {e.strerror or e}.") from None


@click.command("export-family")
@click.argument("family_id", type=RECORD_ID)
@click.option("--person", "person_id", type=RECORD_ID, metavar="PERSON_ID",
              help="Only what is held about this member of the family (subject access for one person).")
@click.option("--out", type=click.Path(dir_okay=False),
              help="Zip file to write (default gezin-ID-inzage.zip or persoon-ID-inzage.zip).")
@with_appcontext
@one_line_errors
def export_family_command(family_id: int, person_id: int | None, out: str | None):
    """Subject access: write a zip with everything held about one family, or one of its members (HTML + JSON)."""
    from .extensions import db
    from .models import Family, FamilyMember
    from .rights import export_zip, person_export_zip

    path = writable_file(out or (f"persoon-{person_id}-inzage.zip" if person_id is not None
                                 else f"gezin-{family_id}-inzage.zip"))
    family = db.session.get(Family, family_id)
    if family is None:
        raise click.ClickException(f"No family with id {family_id}.")
    member = None
    if person_id is not None:
        member = db.session.scalar(select(FamilyMember).where(FamilyMember.family_id == family_id,
                                                               FamilyMember.person_id == person_id))
        if member is None:
            raise click.ClickException(f"Person {person_id} is not a member of family {family_id}.")
    with current_app.test_request_context():
        payload = person_export_zip(member.person, family) if member else export_zip(family)
    try:
        path.write_bytes(payload)
    except OSError as e:
        db.session.rollback()  # no audit entry for an export that was not written
        raise click.ClickException(f"Cannot write {path}: {e.strerror or e}.") from None
    db.session.commit()
    click.echo(f"Wrote {path} ({len(payload)} bytes).")


@click.command("retention")
@click.option("--dry-run", "mode", flag_value="dry-run", default=True, help="List what is past its term (default).")
@click.option("--apply", "mode", flag_value="apply", help="Anonymise what is past its term.")
@click.option("--kind", "kinds", multiple=True, metavar="KEY",
              help="Only this kind of record (repeatable); see the keys the dry run prints.")
@with_appcontext
@one_line_errors
def retention_command(mode: str, kinds: tuple[str, ...]):
    """List (or anonymise) records whose retention term has passed, per kind of record."""
    from .extensions import db
    from .rights import apply_retention, personal_data_overview, retention_report, retention_rules

    known = {r.key for r in retention_rules()}
    unknown = set(kinds) - known
    if unknown:
        raise click.BadParameter(f"unknown kind {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}",
                                 param_hint="--kind")
    with current_app.test_request_context():
        report = retention_report(sample=0 if mode == "apply" else 1000, keys=set(kinds) or None)
        for st in report:
            click.echo(f"{st.rule.key}: {st.rule.label}, term {st.years} years (before {st.cutoff:%Y-%m-%d}): "
                       f"{st.due} past their term")
            for row in st.sample:
                click.echo(f"  {row.label} (since {row.since:%Y-%m-%d})")
            if st.due > len(st.sample) and mode != "apply":
                click.echo(f"  ... and {st.due - len(st.sample)} more")
            if mode == "apply" and st.due:
                n = apply_retention(st.rule, progress=lambda done, total: click.echo(f"  {done}/{total}"))
                db.session.commit()
                click.echo(f"  anonymised {n}: {st.rule.action}")
        click.echo("Still holding personal data:")
        for what, n in personal_data_overview().items():
            click.echo(f"  {what}: {n}")


@click.command("backup")
@click.option("--out", type=click.Path(dir_okay=False), help="Backup file (default instance/backup-TIMESTAMP).")
@with_appcontext
@one_line_errors
def backup_command(out: str | None):
    """Back up the database into one file with a manifest and checksum (SQLite: online backup API;
    PostgreSQL: pg_dump)."""
    from .backup import BackupError, backup

    try:
        path = backup(out)
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Backup written to {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
@one_line_errors
def restore_command(path: str, yes: bool):
    """Restore the database from a backup made with 'hvhk backup' (replaces all current data; the replaced
    data is kept as a safety copy). Stop the app first."""
    from .backup import BackupError, check_backup, restore

    try:
        check_backup(path)  # refuse a wrong file before asking anything
        if not yes and not click.confirm("This replaces every record in the database (a safety copy of the "
                                         "current data is kept). Continue?"):
            raise click.Abort()
        result = restore(path)
    except BackupError as e:
        raise click.ClickException(f"{e} Nothing was changed.") from None
    click.echo(f"Database restored from {path}.")
    if result.safety_copy:
        click.echo(f"The data it replaced is kept in {result.safety_copy}.")
    if result.upgrade_needed:
        try:
            upgrade_all()
        except Exception as e:  # noqa: BLE001 - the restore itself is done; say what is left to do
            raise click.ClickException(f"The backup was made by an older version and upgrading its schema "
                                       f"failed: {str(e).splitlines()[0]}. Run 'hvhk init' to retry.") from None
        click.echo("The backup was made by an older version: its schema is upgraded to this version.")


@click.command("send-mail")
@click.option("--digest", is_flag=True, help="Also queue today's digest for everyone who wants one (run once a "
              "morning; a second run the same day queues nothing twice).")
@with_appcontext
@one_line_errors
def send_mail_command(digest: bool):
    """Send the queued e-mails (immediate mails; with --digest also today's digests). Safe to run twice or on
    two machines at once. Exit code 1 when something stays queued because the server refused or did not answer."""
    from datetime import date

    from .mail import expire_old_digests, purge_old, queue_digests, send_pending, smtp_config

    cfg = smtp_config()
    if cfg is None:
        click.echo("E-mail is off: SMTP_URL is not set (see docs/deployment.md). Nothing was queued or sent; "
                   "notifications are shown in the intranet only.")
        return
    if not current_app.config.get("HVHK_BASE_URL"):
        click.echo("Warning: HVHK_BASE_URL is not set: the links in the mails point at http://localhost:5000.",
                   err=True)
    today = date.today()
    purge_old()
    expired = expire_old_digests(today)
    if expired:
        click.echo(f"{expired} digest(s) of earlier days were never sent and expired.")
    if digest:
        q = queue_digests(today)
        click.echo(f"Digest {today.isoformat()}: {q.queued} queued, {q.already} already queued or sent, "
                   f"{q.nothing_due} with nothing to report.")
        for line in q.errors:
            click.echo(f"Error: {line}", err=True)
    report = send_pending(cfg, echo=lambda line: click.echo(line, err=True))
    click.echo(f"Sent {report.sent} e-mail(s) through {cfg.where()}; {report.waiting} waiting for the next run.")
    if report.unavailable:
        raise click.ClickException(f"E-mail niet verstuurd / not sent: {report.unavailable}. "
                                   "Everything not sent stays queued and is retried on the next run.")
    if not report.ok:
        raise click.ClickException(f"{len(report.refused) + len(report.uncertain)} e-mail(s) not sent (see above).")


def register_commands(app) -> None:
    for cmd in (init_command, demo_command, create_user_command, export_family_command, retention_command,
                backup_command, restore_command, send_mail_command):
        app.cli.add_command(cmd)


main.add_command(serve_command)


@click.command("new-plugin")
@click.argument("name")
@click.option("--dir", "directory", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder in which the plugin's folder is made.")
def new_plugin_command(name: str, directory: str):
    """Draw a working plugin NAME (entry point, blueprint, model, migration branch, template, tests)."""
    from .scaffold import ScaffoldError, new_plugin

    try:
        target = new_plugin(name, directory)
    except (ScaffoldError, OSError) as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    click.echo(f"Plugin '{name}' written to {target}. Next: cd {target} && python3 -m pytest; "
               "install it next to the intranet with python3 -m pip install -e .")


main.add_command(new_plugin_command)
