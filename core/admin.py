"""Administration: users, teams, organisations, plugin availability and the audit log."""

from __future__ import annotations

from flask import Blueprint, render_template

from .access import admin_required

bp = Blueprint("admin", __name__, url_prefix="/beheer")


@bp.get("/")
@admin_required
def index():
    return render_template("core/admin/index.html")


def init_app(app) -> None:
    app.register_blueprint(bp)
