"""Import of partners from an Excel (.xlsx) or CSV file, with a per-row report; export to Excel.

Valid rows are kept even when other rows are rejected. A row whose name matches an existing organisation
(case-insensitive) updates that organisation's profile and adds its contact person when new.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import func, select

from core.extensions import db
from core.formatting import format_date
from core.geo import MUNICIPALITIES
from core.models import Organisation, fold

from .forms import email_problem, phone_problem
from .models import (
    COST_LABELS,
    LINE_LABELS,
    RELATION_KIND_LABELS,
    SECTOR_LABELS,
    SECTORS,
    Contact,
    Partner,
    Relation,
    Service,
)

# column key -> (header in the file, required)
COLUMNS = [
    ("naam", "Naam", True),
    ("sector", "Sector", True),
    ("lijn", "Lijn", False),
    ("gemeenten", "Gemeenten", False),
    ("eerstelijnszone", "Eerstelijnszone", False),
    ("provincie", "Provincie", False),
    ("website", "Website", False),
    ("telefoon", "Telefoon", False),
    ("email", "E-mail", False),
    ("contactpersoon", "Contactpersoon", False),
    ("rol", "Rol", False),
    ("contact_telefoon", "Telefoon contactpersoon", False),
    ("contact_email", "E-mail contactpersoon", False),
    ("aanbod", "Aanbod", False),
    ("laatst_nagekeken", "Laatst nagekeken", False),
]
HEADER_ALIASES = {fold(h): k for k, h, _ in COLUMNS} | {fold(k): k for k, _, _ in COLUMNS} | {
    "organisatie": "naam", "beleidsdomein": "sector", "gemeente": "gemeenten", "werkgebied": "gemeenten",
    "e mail": "email", "mail": "email", "tel": "telefoon", "contact": "contactpersoon", "functie": "rol",
    "laatst gecontroleerd": "laatst_nagekeken", "nagekeken": "laatst_nagekeken",
}
SECTOR_LOOKUP = {fold(k): k for k, _ in SECTORS} | {fold(v): k for k, v in SECTORS}
MUNICIPALITY_LOOKUP = {fold(m): m for m in MUNICIPALITIES}
MAX_ROWS = 5000
KIND_FOR_SECTOR = {"onderwijs": "school", "leerlingenbegeleiding": "clb", "lokaal_bestuur": "gemeente"}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str, list[str]]] = field(default_factory=list)  # row number, name, reasons
    fatal: str | None = None

    @property
    def accepted(self) -> int:
        return self.created + self.updated


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_rows(storage) -> list[list[str]]:
    name = (getattr(storage, "filename", "") or "").lower()
    raw = storage.read()
    if name.endswith(".csv"):
        text = None
        for enc in ("utf-8-sig", "cp1252"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise ValueError("Het CSV-bestand kon niet gelezen worden (onbekende tekenset).")
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
        except csv.Error:
            class dialect(csv.excel):  # noqa: N801
                delimiter = ";" if text.count(";") > text.count(",") else ","
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises several kinds for a broken file
        raise ValueError("Het Excel-bestand kon niet gelezen worden. Bewaar het als .xlsx en probeer opnieuw.") from e
    ws = wb.worksheets[0]
    rows = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def _parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError


def import_file(storage) -> ImportReport:
    report = ImportReport()
    try:
        rows = _read_rows(storage)
    except ValueError as e:
        report.fatal = str(e)
        return report
    rows = [r for r in rows if any(c for c in r)]
    if not rows:
        report.fatal = "Het bestand is leeg."
        return report
    header = [HEADER_ALIASES.get(fold(h)) for h in rows[0]]
    missing = [h for k, h, req in COLUMNS if req and k not in header]
    if missing:
        report.fatal = ("Verplichte kolommen ontbreken: " + ", ".join(missing)
                        + ". De eerste rij moet de kolomnamen bevatten (zie het sjabloon).")
        return report
    if len(rows) - 1 > MAX_ROWS:
        report.fatal = f"Te veel rijen ({len(rows) - 1}); importeer hoogstens {MAX_ROWS} rijen per bestand."
        return report

    existing = {fold(n): i for i, n in db.session.execute(select(Organisation.id, Organisation.name))}
    seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        values = {k: (row[i] if i < len(row) else "") for i, k in enumerate(header) if k}
        reasons: list[str] = []
        name = values.get("naam", "").strip()
        if not name:
            reasons.append("Naam ontbreekt.")
        elif len(name) > 200:
            reasons.append("Naam is langer dan 200 tekens.")
        sector_text = values.get("sector", "")
        sector = SECTOR_LOOKUP.get(fold(sector_text))
        if not sector_text:
            reasons.append("Sector ontbreekt.")
        elif sector is None:
            reasons.append(f"Onbekende sector ‘{sector_text[:60]}’. Kies uit: " + ", ".join(k for k, _ in SECTORS) + ".")
        line = 1
        if values.get("lijn"):
            try:
                line = int(float(values["lijn"].replace(",", ".")))
                if line not in LINE_LABELS:
                    raise ValueError
            except ValueError:
                reasons.append(f"Lijn ‘{values['lijn'][:20]}’ moet 0, 1 of 2 zijn.")
        muns = []
        for part in (values.get("gemeenten") or "").replace(";", ",").split(","):
            if part.strip():
                m = MUNICIPALITY_LOOKUP.get(fold(part))
                if m is None:
                    reasons.append(f"Onbekende gemeente ‘{part.strip()[:60]}’.")
                else:
                    muns.append(m)
        for key, label in (("telefoon", "Telefoon"), ("contact_telefoon", "Telefoon contactpersoon")):
            msg = phone_problem(values.get(key))
            if msg:
                reasons.append(f"{label}: {msg}")
        for key, label in (("email", "E-mail"), ("contact_email", "E-mail contactpersoon")):
            msg = email_problem(values.get(key))
            if msg:
                reasons.append(f"{label}: {msg}")
        website = values.get("website") or None
        if website and not website.startswith(("http://", "https://")):
            website = "https://" + website
        verified = None
        if values.get("laatst_nagekeken"):
            try:
                verified = _parse_date(values["laatst_nagekeken"][:10])
            except ValueError:
                reasons.append("Laatst nagekeken: geen geldige datum (dd/mm/jjjj).")
        key = fold(name)
        if name and key in seen:
            reasons.append("Deze organisatie staat al hoger in het bestand.")
        if reasons:
            report.rejected.append((number, name, reasons))
            continue
        seen.add(key)
        org_id = existing.get(key)
        if org_id is None:
            org = Organisation(name=name, kind=KIND_FOR_SECTOR.get(sector, "andere"),
                               municipality=muns[0] if muns else None)
            db.session.add(org)
            db.session.flush()
            partner = Partner(organisation_id=org.id)
            db.session.add(partner)
            report.created += 1
            existing[key] = org.id
        else:
            org = db.session.get(Organisation, org_id)
            partner = db.session.scalar(select(Partner).where(Partner.organisation_id == org_id))
            if partner is None:
                partner = Partner(organisation_id=org_id)
                db.session.add(partner)
            report.updated += 1
        partner.sector = sector
        partner.line = line
        if muns:
            partner.set_municipalities(muns)
        partner.care_zone = values.get("eerstelijnszone") or partner.care_zone
        partner.province = values.get("provincie") or partner.province or "Limburg"
        partner.website = website or partner.website
        partner.phone = values.get("telefoon") or partner.phone
        partner.email = values.get("email") or partner.email
        partner.last_verified = verified or partner.last_verified or date.today()
        contact_name = values.get("contactpersoon")
        if contact_name:
            known = db.session.scalar(select(Contact).where(Contact.organisation_id == org.id,
                                                            func.lower(Contact.name) == contact_name.lower()))
            if known is None:
                db.session.add(Contact(organisation_id=org.id, name=contact_name[:160], role=values.get("rol") or None,
                                       phone=values.get("contact_telefoon") or None,
                                       email=values.get("contact_email") or None, is_primary=True, shareable=True))
        offer = values.get("aanbod")
        if offer:
            for item in [o.strip() for o in offer.split(";") if o.strip()]:
                db.session.add(Service(organisation_id=org.id, name=item[:200], shareable=True))
        db.session.flush()
    return report


HEADERS_OUT = ["Naam", "Soort", "Sector", "Lijn", "Gemeenten", "Eerstelijnszone", "Provincie", "Website", "Telefoon",
               "E-mail", "Contactpersoon", "Rol", "Telefoon contactpersoon", "E-mail contactpersoon", "Aanbod",
               "Laatst nagekeken"]


def _row(ws, values: list) -> list:
    """Cells for a write-only sheet; text starting with "=" stays text (no formula injection from partner input)."""
    out = []
    for v in values:
        if isinstance(v, str) and v.startswith("="):
            cell = WriteOnlyCell(ws, value=v)
            cell.data_type = "s"
            out.append(cell)
        else:
            out.append(v)
    return out


def export_workbook() -> bytes:
    """All organisations with profile, first contact and offers; sheets for contacts, offers and relations."""
    orgs = db.session.execute(
        select(Organisation, Partner).outerjoin(Partner, Partner.organisation_id == Organisation.id)
        .where(Organisation.archived.is_(False)).order_by(func.lower(Organisation.name))
    ).all()
    contacts: dict[int, list[Contact]] = {}
    for c in db.session.scalars(select(Contact).order_by(Contact.is_primary.desc(), Contact.name)):
        contacts.setdefault(c.organisation_id, []).append(c)
    services: dict[int, list[Service]] = {}
    for s in db.session.scalars(select(Service).order_by(Service.name)):
        services.setdefault(s.organisation_id, []).append(s)
    names = {o.id: o.name for o, _ in orgs}

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Organisaties")
    ws.append(HEADERS_OUT)
    for org, p in orgs:
        first = (contacts.get(org.id) or [None])[0]
        ws.append(_row(ws, [
            org.name, org.kind_label, SECTOR_LABELS.get(p.sector, p.sector) if p else "", p.line if p else None,
            ", ".join(p.municipality_list) if p else (org.municipality or ""), p.care_zone if p else None,
            p.province if p else None, p.website if p else None, p.phone if p else None, p.email if p else None,
            first.name if first else None, first.role if first else None, first.phone if first else None,
            first.email if first else None, "; ".join(s.name for s in services.get(org.id, [])),
            p.last_verified if p else None,
        ]))
    ws = wb.create_sheet("Contactpersonen")
    ws.append(_row(ws, ["Organisatie", "Naam", "Rol", "Telefoon", "E-mail", "Eerste aanspreekpunt", "Deelbaar"]))
    for oid, cs in contacts.items():
        for c in cs:
            ws.append(_row(ws, [names.get(oid, ""), c.name, c.role, c.phone, c.email, "ja" if c.is_primary else "nee",
                       "ja" if c.shareable else "nee"]))
    ws = wb.create_sheet("Aanbod")
    ws.append(_row(ws, ["Organisatie", "Aanbod", "Van leeftijd", "Tot leeftijd", "Kostprijs", "Wachttijd", "Deelbaar"]))
    for oid, ss in services.items():
        for s in ss:
            ws.append(_row(ws, [names.get(oid, ""), s.name, s.age_min, s.age_max, COST_LABELS.get(s.cost, s.cost),
                       s.waiting_time, "ja" if s.shareable else "nee"]))
    ws = wb.create_sheet("Relaties")
    ws.append(_row(ws, ["Van", "Naar", "Soort", "Richting", "Structureel", "Start", "Einde", "Evalueren op"]))
    for r in db.session.scalars(select(Relation).order_by(Relation.id)):
        ws.append(_row(ws, [names.get(r.source_id, ""), names.get(r.target_id, ""), RELATION_KIND_LABELS.get(r.kind, r.kind),
                   r.direction, "ja" if r.structural else "nee", r.start_date, r.end_date, r.review_date]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Partners"
    ws.append([h for _, h, _ in COLUMNS])
    ws.append(["Voorbeeld vzw", "welzijn", 1, "Genk, As", "ELZ Genk", "Limburg", "https://voorbeeld.be",
               "089 00 00 00", "info@voorbeeld.be", "Jan Voorbeeld", "onthaal", "0470 00 00 00",
               "jan@voorbeeld.be", "Onthaal; Budgetbegeleiding", format_date(date.today())])
    sheet = wb.create_sheet("Sectoren")
    sheet.append(["Code", "Sector"])
    for k, v in SECTORS:
        sheet.append([k, v])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
