"""Shared family records: directory and search, family page, members, involvement, consent, history."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("families", __name__, url_prefix="/gezinnen")


@bp.get("/")
def directory():
    return render_template("core/families/directory.html")


def search_results_for_global(query: str):
    return []


def init_app(app) -> None:
    app.register_blueprint(bp)
