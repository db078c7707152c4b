"""The house's report page (``/rapport``): a period chooser, the sections on screen with inline SVG bars, the
printable page and the xlsx workbook (one sheet per section). Managers see their teams' report; admins and
whoever a plugin grants the house's view (``hvhk_report_access``: costing's finance) the house's; others 403.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from . import audit
from .formatting import format_date
from .params import arg_choice, arg_date, arg_int
from .plugins import current_plugins
from .reports import SMALL, Period, calendar_year, masked, report, school_year
from .xlsx import COUNT, Book, send_xlsx

bp = Blueprint("report", __name__, url_prefix="/rapport")
KINDS = ("kalenderjaar", "schooljaar", "periode")


def format_period_dates(period: Period) -> str:
    return f"{format_date(period.start)} – {format_date(period.end)}"


def _scope() -> tuple[set[int] | None, str]:
    """The teams in the user's report (None: the house) and its Dutch name; 403 for anyone else."""
    user = current_user
    if user.is_partner:
        abort(404)
    if user.is_admin or any(current_plugins().hook_available("hvhk_report_access")(user=user)):
        return None, "het hele huis"
    managed = user.managed_team_ids()
    if not managed:
        abort(403)
    return set(managed), "mijn teams"


def _period() -> Period:
    kind = arg_choice("soort", KINDS, "kalenderjaar")
    year = arg_int("jaar", date.today().year, min=2000, max=2100)
    if kind == "schooljaar":
        return school_year(year)
    if kind == "periode":
        start = arg_date("van", date(year, 1, 1))
        end = arg_date("tot", date(year, 12, 31))
        if end < start:
            start, end = end, start
        return Period(start, end, "periode")
    return calendar_year(year)


def _context():
    team_ids, scope = _scope()
    period = _period()
    sections, failed = report(period, team_ids)
    return dict(period=period, sections=sections, failed=failed, scope=scope, kinds=KINDS,
                kind=arg_choice("soort", KINDS, "kalenderjaar"), year=arg_int("jaar", date.today().year, min=2000,
                                                                                max=2100))


@bp.get("/")
@login_required
def index():
    ctx = _context()
    audit.record_read("report", None, detail=f"{ctx['period'].start}..{ctx['period'].end}")
    return render_template("core/report.html", masked=lambda n: n, printable=False, **ctx)


@bp.get("/afdruk")
@login_required
def printable():
    """The page to print (or save as PDF): numbers under 5 shown as "< 5", no menus, no names."""
    ctx = _context()
    audit.record_read("report", None, detail=f"afdruk {ctx['period'].start}..{ctx['period'].end}")
    return render_template("core/report.html", masked=masked, printable=True, **ctx)


@bp.get("/rapport.xlsx")
@login_required
def export():
    """One sheet per section; numbers under 5 as "< 5" (text), the rest as counts with Flemish formats."""
    ctx = _context()
    book = Book()
    info = book.sheet("Rapport", [40, 30])
    info.header(["Rapport", ""])
    info.append(["Periode", format_period_dates(ctx["period"])])
    info.append(["Bereik", ctx["scope"]])
    info.append(["Kleine aantallen", f"Aantallen onder {SMALL} staan als \"< {SMALL}\"."])
    used = {"Rapport"}
    for section in ctx["sections"]:
        title = section.title[:31]
        n = 2
        while title in used:
            title = f"{section.title[:28]} {n}"
            n += 1
        used.add(title)
        sh = book.sheet(title, [50, 14])
        sh.header([section.title, "Aantal"])
        for table in section.tables:
            sh.append([sh.cell(table.title, bold=True), None])
            for label, value in table.rows:
                shown = masked(value)
                sh.append([str(label), sh.cell(shown, COUNT) if isinstance(shown, int) else shown])
    audit.record("export", "report", None, detail=f"xlsx {ctx['period'].start}..{ctx['period'].end}")
    from .extensions import db

    db.session.commit()
    return send_xlsx(book, f"rapport-{ctx['period'].start:%Y%m%d}-{ctx['period'].end:%Y%m%d}.xlsx")


def init_app(app) -> None:
    app.register_blueprint(bp)
