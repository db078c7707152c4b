"""The ``hvhk`` command: init, serve, demo, create-user (plus Flask's and Flask-Migrate's ``db`` commands)."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select


def _create_app():
    from . import ConfigError, create_app

    try:
        return create_app()
    except ConfigError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)


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
def init_command():
    """Create or upgrade the database schema (all migration heads)."""
    upgrade_all()
    click.echo("Database is up to date.")


@click.command("demo")
@click.option("--scale", default=1, show_default=True, help="1 = one house (about 300 families).")
@with_appcontext
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
def create_user_command(username: str, display_name: str, admin: bool, password: str):
    """Create a staff account."""
    from .extensions import db
    from .models import User
    from .passwords import password_problem

    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    if db.session.scalar(select(User).where(User.username == username.lower())):
        raise click.ClickException(f"User {username} already exists.")
    user = User(username=username.lower(), display_name=display_name, is_admin=admin)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {username}.")


@click.command("serve")
@click.option("--demo", is_flag=True, help="Demo mode: SQLite in instance/, fictional data, demo accounts.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
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

    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)


@click.command("export-family")
@click.argument("family_id", type=int)
@click.option("--person", "person_id", type=int, metavar="PERSON_ID",
              help="Only what is held about this member of the family (subject access for one person).")
@click.option("--out", type=click.Path(dir_okay=False),
              help="Zip file to write (default gezin-ID-inzage.zip or persoon-ID-inzage.zip).")
@with_appcontext
def export_family_command(family_id: int, person_id: int | None, out: str | None):
    """Subject access: write a zip with everything held about one family, or one of its members (HTML + JSON)."""
    from sqlalchemy import select

    from .extensions import db
    from .models import Family, FamilyMember
    from .rights import export_zip, person_export_zip

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
    db.session.commit()
    path = out or (f"persoon-{person_id}-inzage.zip" if member else f"gezin-{family_id}-inzage.zip")
    with open(path, "wb") as fh:
        fh.write(payload)
    click.echo(f"Wrote {path} ({len(payload)} bytes).")


@click.command("retention")
@click.option("--dry-run", "mode", flag_value="dry-run", default=True, help="List what is past its term (default).")
@click.option("--apply", "mode", flag_value="apply", help="Anonymise what is past its term.")
@click.option("--kind", "kinds", multiple=True, metavar="KEY",
              help="Only this kind of record (repeatable); see the keys the dry run prints.")
@with_appcontext
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
def backup_command(out: str | None):
    """Back up the database (SQLite: online backup API; PostgreSQL: pg_dump)."""
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
def restore_command(path: str, yes: bool):
    """Restore the database from a backup made with 'hvhk backup' (replaces all current data)."""
    from .backup import BackupError, restore

    if not yes and not click.confirm("This replaces every record in the database. Continue?"):
        raise click.Abort()
    try:
        restore(path)
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo("Database restored.")


def register_commands(app) -> None:
    for cmd in (init_command, demo_command, create_user_command, export_family_command, retention_command,
                backup_command, restore_command):
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
