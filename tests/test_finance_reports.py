"""Finance that agrees with itself (PeTra's fee list and year overview, the costing actual-cost page and the cost
sheet recalculated by LibreOffice give the same figures on the demo data) and the house's report (/rapport):
access, one count per person, "< 5" in what leaves the intranet, no names, a constant number of queries."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, union_all

from core import finance
from core.demo import load_demo
from core.extensions import db
from core.models import Person
from core.reports import PEOPLE_COLUMNS, report
from core.ui import Period

DEMO_PASSWORD = "huisvanhetkind"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
YEAR = date.today().year


@pytest.fixture
def demo(app):
    load_demo(scale=1)
    return app


def _euro(text: str) -> Decimal:
    return Decimal(text.replace("€", "").replace("\xa0", "").replace(".", "").replace(",", ".").strip())


def _fee_rows(html: str) -> dict[str, tuple[int, Decimal]]:
    rows = re.findall(r'data-fee="(\w+)"><(?:th|td)[^>]*>[^<]*</(?:th|td)><td[^>]*>(\d+)</td><td[^>]*>([^<]*)<', html)
    return {k: (int(n), _euro(a)) for k, n, a in rows}


def _get(client, login, user, url):
    login(client, user, DEMO_PASSWORD)
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    client.post("/logout")
    return resp


def test_the_three_fee_views_and_the_cost_sheet_agree_on_the_demo(demo, client, login, tmp_path):
    from plugins.costing.models import CostModel

    actual_page = _get(client, login, "finance", f"/kostprijs/werkelijk?jaar={YEAR}").get_data(as_text=True)
    year_page = _get(client, login, "manager", f"/petra/jaaroverzicht?jaar={YEAR}").get_data(as_text=True)
    fees_page = _get(client, login, "manager", "/petra/bijdragen").get_data(as_text=True)
    on_costing, on_petra = _fee_rows(actual_page), _fee_rows(year_page)
    assert set(on_costing) == {"due", "paid", "waived", "open"}
    assert on_costing == on_petra  # only PeTra charges fees: the house's figures are PeTra's
    assert on_costing["paid"][1] > 0 and on_costing["due"][1] > 0
    # the fee list shows what is open today, whenever it was due: the same definition over every year
    open_total = _euro(re.search(r"Totaal open: <strong>([^<]*)</strong>", fees_page).group(1))
    from plugins.petra import queries as petra_queries
    from plugins.petra.models import Trajectory

    team_ids = set(db.session.scalars(select(Trajectory.team_id).distinct()))
    assert open_total == petra_queries.fee_figures(team_ids).open

    # the cost sheet of the source model over the same year, recalculated by a real spreadsheet engine
    m = db.session.scalar(select(CostModel).where(CostModel.preset.is_not(None)).order_by(CostModel.id))
    login(client, "finance", DEMO_PASSWORD)
    resp = client.get(f"/kostprijs/{m.id}/export.xlsx?van={YEAR}-01-01&tot={YEAR}-12-31")
    sheet_page = client.get(f"/kostprijs/{m.id}").get_data(as_text=True)
    model_actuals = client.get(f"/kostprijs/werkelijk?van={YEAR}-01-01&tot={YEAR}-12-31&model={m.id}").get_data(as_text=True)
    assert resp.status_code == 200
    if not SOFFICE:
        pytest.skip("LibreOffice is not installed (CI installs it)")
    src = tmp_path / "in" / "kostprijs.xlsx"
    src.parent.mkdir()
    src.write_bytes(resp.data)
    out = tmp_path / "out"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--norestore",
                    "--convert-to", "xlsx", "--outdir", str(out), str(src)], check=True, capture_output=True,
                   timeout=180)
    wb = load_workbook(out / "kostprijs.xlsx", data_only=True)
    summary = {row[0].value: row[1].value for row in wb["Samenvatting"].iter_rows(min_row=2)}

    def cents(v) -> Decimal:
        return Decimal(str(v)).quantize(Decimal("0.01"))

    assert cents(summary["Werkelijk: bijdragen verschuldigd"]) == on_costing["due"][1]
    assert cents(summary["Werkelijk: bijdragen betaald"]) == on_costing["paid"][1]
    assert cents(summary["Werkelijk: bijdragen kwijtgescholden"]) == on_costing["waived"][1]
    assert int(summary["Werkelijk: bijdragen kwijtgescholden (aantal)"]) == on_costing["waived"][0]
    assert cents(summary["Werkelijk: bijdragen open"]) == on_costing["open"][1]
    # the team totals of the actual-cost page against the same model
    total_row = model_actuals.split('<tr class="costing-result"><th scope="row">Totaal</th>')[1].split("</tr>")[0]
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in total_row.split("<td")[1:]]
    assert int(summary["Werkelijk: trajecten gestart in de periode"]) == int(cells[0])
    assert cents(summary["Werkelijk: kost aan uurtarief"]) == _euro(cells[5])
    assert cents(summary["Opbrengst aan vaste prijs"]) == _euro(cells[6])
    assert cents(summary["Kost volgens model (methode 1)"]) == _euro(cells[10])
    # every result of the model's page is in the sheet, the "overhead added, full fee" one included
    scenario = re.search(r'data-scenario="only_overhead"><th scope="row">[^<]*</th><td class="num">([^<]*)<',
                         sheet_page).group(1)
    assert _euro(scenario) == Decimal("5483.48")
    assert cents(summary["Kost per traject, enkel overhead erbij (iedereen het volle deelnamegeld)"]) == Decimal("5483.48")
    assert "Aandachtspunten tegenover de praktijk" in sheet_page and "3 voorziet (000:402)" in sheet_page
    assert any("3 voorziet (000:402)" in str(v) for v in summary.values())
    assert not any(p in str(c.value) for ws in wb for row in ws.iter_rows() for c in row
                   for p in ("Peeters", "Janssens") if c.value)


# --------------------------------------------------------------------------- the house's report


@pytest.mark.parametrize("user,status", [("worker", 403), ("onthaal", 403), ("manager", 200), ("finance", 200),
                                         ("admin", 200)])
def test_who_may_see_the_report(demo, client, login, user, status):
    login(client, user, DEMO_PASSWORD)
    for url in ("/rapport/", "/rapport/afdruk", "/rapport/rapport.xlsx"):
        resp = client.get(url)
        assert resp.status_code == status, (user, url)
        if status == 403:
            assert "Bereikt in de periode" not in resp.get_data(as_text=True)


def test_a_manager_sees_their_teams_and_finance_the_house(demo, client, login):
    login(client, "manager", DEMO_PASSWORD)
    mine = client.get(f"/rapport/?jaar={YEAR}").get_data(as_text=True)
    client.post("/logout")
    login(client, "finance", DEMO_PASSWORD)
    house = client.get(f"/rapport/?jaar={YEAR}").get_data(as_text=True)
    assert "mijn teams" in mine and "het hele huis" in house

    def families(html):
        return int(re.search(r'<th scope="row">Gezinnen</th><td class="num">([\d.]+)<', html).group(1).replace(".", ""))

    assert 0 < families(mine) <= families(house)
    assert "Opvoedingswinkel" in house.split('id="sectie-teams"')[1].split("</section>")[0]
    assert "Opvoedingswinkel" not in mine.split('id="sectie-teams"')[1].split("</section>")[0]


def test_a_person_counts_once_whatever_the_number_of_plugins(demo):
    period = Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
    sections, failed = report(period, None)
    assert not failed
    keys = [s.key for s in sections]
    assert keys[:4] == ["bereik", "gemeenten", "teams", "modules"] and {"petra", "groups", "network"} <= set(keys)
    reach = dict(sections[0].tables[0].rows)
    people = [s.people for s in sections if s.people is not None]
    subs = [p.subquery() for p in people]
    u = union_all(*[select(*[s.c[n] for n in PEOPLE_COLUMNS]) for s in subs]).subquery()
    rows = db.session.execute(select(u.c.person_id, u.c.role)).all()
    children = {p for p, role in rows if role == "kind"}
    assert len(rows) > len(children)  # some children were served more than once (several plugins or records)
    assert reach["Kinderen"] == len(children)
    per_plugin = dict(sections[3].tables[0].rows)
    assert sum(per_plugin.values()) >= reach["Gezinnen"] == len({f for f, in db.session.execute(select(u.c.family_id))})
    municipalities = sum(n for _, n in sections[1].tables[0].rows)
    assert municipalities == reach["Gezinnen"]


def test_small_numbers_leave_the_intranet_as_less_than_five_and_no_names(demo, client, login):
    login(client, "finance", DEMO_PASSWORD)
    screen = client.get(f"/rapport/?jaar={YEAR}").get_data(as_text=True)
    printed = client.get(f"/rapport/afdruk?jaar={YEAR}").get_data(as_text=True)
    resp = client.get(f"/rapport/rapport.xlsx?jaar={YEAR}")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    wb = load_workbook(io.BytesIO(resp.data))
    values = [c.value for ws in wb for row in ws.iter_rows(min_row=2) for c in row[1:2]]
    assert "< 5" in values
    assert not any(isinstance(v, int) and 0 < v < 5 for v in values)
    assert {"Rapport", "Bereik", "PeTra-trajecten", "Groepsaanbod"} <= set(wb.sheetnames)
    assert "&lt; 5" in printed and 'class="num">&lt; 5<' not in screen
    names = [f"{g} {s}" for g, s in db.session.execute(select(Person.given_name, Person.family_name).limit(300))]
    cells = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value)
    for name in names:
        assert name not in printed and name not in screen and name not in cells


def test_the_report_costs_the_same_number_of_queries_whatever_the_data(app, client, login, make_user, count_queries):
    make_user("baas", admin=True)
    login(client, "baas")
    client.get("/rapport/")
    with count_queries() as empty:
        assert client.get("/rapport/").status_code == 200
    load_demo(scale=1)
    with count_queries() as full:
        assert client.get("/rapport/").status_code == 200
    assert 0 < full.count <= empty.count + 2  # the plugins' sections are a fixed number of aggregates


def test_a_bad_period_is_a_dutch_400(demo, client, login):
    login(client, "finance", DEMO_PASSWORD)
    resp = client.get("/rapport/?soort=eeuw")
    assert resp.status_code == 400 and "soort" in resp.get_data(as_text=True)
    resp = client.get("/rapport/?soort=schooljaar&jaar=2025")
    assert resp.status_code == 200 and "01/09/2025" in resp.get_data(as_text=True)


def test_fee_figures_follow_the_definitions(demo):
    from plugins.petra import queries as petra_queries
    from plugins.petra.models import Fee

    period = Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
    f = petra_queries.fee_figures(_petra_teams(), period)
    paid = db.session.scalar(select(func.coalesce(func.sum(func.coalesce(Fee.paid_amount, Fee.amount)), 0))
                             .where(Fee.paid_on.between(period.start, period.end)))
    due = db.session.scalar(select(func.coalesce(func.sum(Fee.amount), 0))
                            .where(Fee.due_on.between(period.start, period.end), Fee.waived.is_(False)))
    assert f.paid == Decimal(str(paid)).quantize(Decimal("0.01"))
    assert f.due == Decimal(str(due)).quantize(Decimal("0.01"))
    assert finance.FEE_DEFINITIONS.keys() == {"due", "paid", "waived", "open"}


def _petra_teams() -> set[int]:
    from plugins.petra.models import Trajectory

    return set(db.session.scalars(select(Trajectory.team_id).distinct()))
