"""The ``hvhk`` command: init, serve, demo, create-user (plus Flask's and Flask-Migrate's ``db`` commands)."""

from __future__ import annotations

import os
import sys

import click
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


def register_commands(app) -> None:
    for cmd in (init_command, demo_command, create_user_command):
        app.cli.add_command(cmd)


main.add_command(serve_command)
