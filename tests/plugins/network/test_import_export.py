"""Import of partners from xlsx/csv with a per-row report; export to xlsx (read back with openpyxl)."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core.extensions import db
from core.models import Organisation
from plugins.network.models import Contact, Partner, Service

HEADER = ["Naam", "Sector", "Lijn", "Gemeenten", "Telefoon", "E-mail", "Contactpersoon", "Rol",
          "Telefoon contactpersoon", "E-mail contactpersoon", "Aanbod", "Laatst nagekeken"]


def _xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _upload(client, data: io.BytesIO, name: str):
    return client.post("/netwerk/import", data={"file": (data, name)}, content_type="multipart/form-data")


def test_import_xlsx_keeps_valid_rows_and_reports_bad_ones(client, login, world):
    login(client, "worker")
    rows = [
        HEADER,
        ["Jeugdhuis De Kei", "vrije_tijd", 0, "Genk, As", "089 35 12 12", "info@dekei.be", "Kobe Maes", "jeugdwerker",
         "0470 11 22 33", "kobe@dekei.be", "Open huis; Zomerkamp", "12/03/2026"],
        ["Praktijk Zonder Sector", "toerisme", 1, "Genk", "", "", "", "", "", "", "", ""],
        ["Slechte Mail vzw", "welzijn", 1, "As", "", "info@@slecht", "", "", "", "", "", ""],
        ["Slecht Nummer vzw", "Welzijn (CAW, OCMW)", 1, "As", "12-34", "", "", "", "", "", "", ""],
        ["", "welzijn", 1, "Genk", "", "", "", "", "", "", "", ""],
        ["Logopedie Bosrand", "Gezondheid", 2, "Oudsbergen", "+32 89 12 34 56", "", "Lien Lemmens", "logopedist",
         "", "lien@bosrand.be", "Logopedie", ""],
        ["CLB Genk", "leerlingenbegeleiding", 1, "Genk, Zutendaal", "", "", "Nieuwe Collega", "onthaal",
         "089 11 11 11", "", "", ""],
        ["Onbekende Gemeente vzw", "welzijn", 1, "Atlantis", "", "", "", "", "", "", "", ""],
        ["Lijn Fout vzw", "welzijn", 5, "Genk", "", "", "", "", "", "", "", ""],
    ]
    resp = _upload(client, _xlsx(rows), "partners.xlsx")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<strong>2</strong> nieuwe organisaties" in html and "<strong>1</strong> bijgewerkt" in html
    assert "<strong>6</strong> rijen geweigerd" in html
    assert "Onbekende sector ‘toerisme’" in html
    assert "E-mail: Geen geldig e-mailadres" in html
    assert "Telefoon: Geen geldig telefoonnummer" in html
    assert "Naam ontbreekt." in html
    assert "Onbekende gemeente ‘Atlantis’" in html
    assert "Lijn ‘5’ moet 0, 1 of 2 zijn." in html
    kei = db.session.scalar(select(Organisation).where(Organisation.name == "Jeugdhuis De Kei"))
    p = db.session.scalar(select(Partner).where(Partner.organisation_id == kei.id))
    assert p.sector == "vrije_tijd" and p.line == 0 and p.municipality_list == ["Genk", "As"]
    assert p.last_verified.isoformat() == "2026-03-12"
    assert {s.name for s in db.session.scalars(select(Service).where(Service.organisation_id == kei.id))} == {
        "Open huis", "Zomerkamp"}
    assert db.session.scalar(select(Contact.name).where(Contact.organisation_id == kei.id)) == "Kobe Maes"
    clb = db.session.scalar(select(Partner).where(Partner.organisation_id == world["clb"].id))
    assert clb.municipality_list == ["Genk", "Zutendaal"]
    assert db.session.scalar(select(func.count(Organisation.id)).where(Organisation.name.like("%vzw"))) == 0


def test_import_csv_with_semicolons(client, login, world):
    login(client, "worker")
    text = ("Naam;Sector;Lijn;Gemeenten;E-mail\n"
            "Buddywerking Termien;informeel;0;Genk;buddy@termien.be\n"
            "Foute Rij;onbekend;1;Genk;\n")
    resp = _upload(client, io.BytesIO(text.encode("utf-8")), "partners.csv")
    html = resp.get_data(as_text=True)
    assert "<strong>1</strong> nieuwe organisatie," in html and "Onbekende sector" in html
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Buddywerking Termien")) is not None


def test_import_with_missing_columns_is_refused_with_a_message(client, login, world):
    login(client, "worker")
    before = db.session.scalar(select(func.count(Organisation.id)))
    resp = _upload(client, _xlsx([["Organisatie", "Telefoon"], ["Iets", "089 00 00 00"]]), "partners.xlsx")
    html = resp.get_data(as_text=True)
    assert "Verplichte kolommen ontbreken: Sector" in html
    assert db.session.scalar(select(func.count(Organisation.id))) == before


def test_import_refuses_other_file_types_and_broken_files(client, login, world):
    login(client, "worker")
    html = _upload(client, io.BytesIO(b"hello"), "partners.txt").get_data(as_text=True)
    assert "Enkel .xlsx- of .csv-bestanden." in html
    html = _upload(client, io.BytesIO(b"not a zip"), "partners.xlsx").get_data(as_text=True)
    assert "kon niet gelezen worden" in html


def test_export_xlsx_reads_back(client, login, world):
    login(client, "worker")
    resp = client.get("/netwerk/export.xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == ["Organisaties", "Contactpersonen", "Aanbod", "Relaties"]
    rows = list(wb["Organisaties"].iter_rows(values_only=True))
    assert rows[0][0] == "Naam"
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"Basisschool De Linde", "CLB Genk", "CGG Limburg"}
    assert by_name["CLB Genk"][10] == "Carla Claes"
    contacts = list(wb["Contactpersonen"].iter_rows(values_only=True))
    assert ("CGG Limburg", "Geert Geerts") in {(r[0], r[1]) for r in contacts}


def test_export_then_import_round_trip(client, login, world):
    login(client, "worker")
    data = client.get("/netwerk/export.xlsx").data
    resp = _upload(client, io.BytesIO(data), "partners.xlsx")
    html = resp.get_data(as_text=True)
    assert "<strong>3</strong> bijgewerkt" in html and "<strong>0</strong> rijen geweigerd" in html


def test_import_template_downloads(client, login, world):
    login(client, "worker")
    wb = load_workbook(io.BytesIO(client.get("/netwerk/import/voorbeeld.xlsx").data))
    assert wb.active.cell(1, 1).value == "Naam"


def test_export_keeps_text_that_looks_like_a_formula_as_text(client, login, world):
    db.session.add(Contact(organisation_id=world["school"].id, name='=HYPERLINK("http://x","klik")',
                           phone="089 00 00 00"))
    db.session.commit()
    login(client, "worker")
    wb = load_workbook(io.BytesIO(client.get("/netwerk/export.xlsx").data))
    cells = [row[1] for row in wb["Contactpersonen"].iter_rows(min_row=2)]
    risky = [c for c in cells if str(c.value).startswith("=")]
    assert risky and all(c.data_type == "s" for c in risky)
