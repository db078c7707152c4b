"""Import of partners from an Excel (.xlsx) or CSV file, with a per-row report; export to Excel.

Valid rows are kept even when other rows are rejected. A row whose name matches an existing organisation
(case-insensitive) updates that organisation's profile and adds its contact person when new. This module
reads and checks (``parse_file``) and writes the workbooks; ``operations.import_partners`` writes the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from core.extensions import db
from core.geo import MUNICIPALITIES
from core.models import Organisation, fold
from core.xlsx import Book, ImportFileError, read_table

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
MAX_COLUMNS = 50


@dataclass
class PartnerRow:
    """One valid row of an import file, checked and normalised (what ``operations.import_partners`` writes)."""

    name: str
    sector: str
    line: int = 1
    municipalities: list[str] = field(default_factory=list)
    care_zone: str | None = None
    province: str | None = None
    website: str | None = None
    phone: str | None = None
    email: str | None = None
    last_verified: date | None = None
    contact_name: str | None = None
    contact_role: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    offers: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str, list[str]]] = field(default_factory=list)  # row number, name, reasons
    fatal: str | None = None
    rows: list[PartnerRow] = field(default_factory=list)  # the valid rows, to be written

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


def _parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError


def parse_file(storage) -> ImportReport:
    """Read the file within the kit's limits (``core.xlsx.read_table``) and check it row by row: the valid rows
    in ``report.rows``, the others with their reasons in ``report.rejected``. Writes nothing."""
    report = ImportReport()
    try:
        table = read_table(storage, max_rows=MAX_ROWS, max_cols=MAX_COLUMNS)
    except ImportFileError as e:
        report.fatal = str(e)
        return report
    if not table:
        report.fatal = "Het bestand is leeg."
        return report
    header = [HEADER_ALIASES.get(fold(_cell(h))) for h in table[0].values]
    missing = [h for k, h, req in COLUMNS if req and k not in header]
    if missing:
        report.fatal = ("Verplichte kolommen ontbreken: " + ", ".join(missing)
                        + ". De eerste rij moet de kolomnamen bevatten (zie het sjabloon).")
        return report

    seen: set[str] = set()
    for number, cells in table[1:]:
        row = [_cell(c) for c in cells]
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
        report.rows.append(PartnerRow(
            name=name, sector=sector, line=line, municipalities=muns,
            care_zone=values.get("eerstelijnszone") or None, province=values.get("provincie") or None,
            website=website, phone=values.get("telefoon") or None, email=values.get("email") or None,
            last_verified=verified, contact_name=values.get("contactpersoon") or None,
            contact_role=values.get("rol") or None, contact_phone=values.get("contact_telefoon") or None,
            contact_email=values.get("contact_email") or None,
            offers=[o.strip() for o in (values.get("aanbod") or "").split(";") if o.strip()]))
    return report


def import_file(storage, user=None) -> ImportReport:
    """Read the file (``parse_file``) and write its valid rows (``operations.import_partners``); no commit."""
    from .operations import import_partners

    report = parse_file(storage)
    if not report.fatal:
        report.created, report.updated = import_partners(report.rows, rejected=len(report.rejected), user=user)
    return report


HEADERS_OUT = ["Naam", "Soort", "Sector", "Lijn", "Gemeenten", "Eerstelijnszone", "Provincie", "Website", "Telefoon",
               "E-mail", "Contactpersoon", "Rol", "Telefoon contactpersoon", "E-mail contactpersoon", "Aanbod",
               "Laatst nagekeken"]


def export_workbook() -> bytes:
    """All organisations with profile, first contact and offers; sheets for contacts, offers and relations.
    Every name is a text cell (``core.xlsx``): partner input can never become a formula."""
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

    book = Book()
    sheet = book.sheet("Organisaties", [34, 14, 24, 6, 28, 18, 12, 28, 16, 26, 22, 18, 18, 26, 40, 14])
    sheet.header(HEADERS_OUT)
    for org, p in orgs:
        first = (contacts.get(org.id) or [None])[0]
        sheet.append([
            org.name, org.kind_label, SECTOR_LABELS.get(p.sector, p.sector) if p else "", p.line if p else None,
            ", ".join(p.municipality_list) if p else (org.municipality or ""), p.care_zone if p else None,
            p.province if p else None, p.website if p else None, p.phone if p else None, p.email if p else None,
            first.name if first else None, first.role if first else None, first.phone if first else None,
            first.email if first else None, "; ".join(s.name for s in services.get(org.id, [])),
            p.last_verified if p else None,
        ])
    sheet = book.sheet("Contactpersonen", [34, 24, 20, 16, 26, 12, 10])
    sheet.header(["Organisatie", "Naam", "Rol", "Telefoon", "E-mail", "Eerste aanspreekpunt", "Deelbaar"])
    for oid, cs in contacts.items():
        for c in cs:
            sheet.append([names.get(oid, ""), c.name, c.role, c.phone, c.email, c.is_primary, c.shareable])
    sheet = book.sheet("Aanbod", [34, 34, 10, 10, 14, 16, 10])
    sheet.header(["Organisatie", "Aanbod", "Van leeftijd", "Tot leeftijd", "Kostprijs", "Wachttijd", "Deelbaar"])
    for oid, ss in services.items():
        for s in ss:
            sheet.append([names.get(oid, ""), s.name, s.age_min, s.age_max, COST_LABELS.get(s.cost, s.cost),
                          s.waiting_time, s.shareable])
    sheet = book.sheet("Relaties", [34, 34, 18, 12, 10, 12, 12, 12])
    sheet.header(["Van", "Naar", "Soort", "Richting", "Structureel", "Start", "Einde", "Evalueren op"])
    for r in db.session.scalars(select(Relation).order_by(Relation.id)):
        sheet.append([names.get(r.source_id, ""), names.get(r.target_id, ""),
                      RELATION_KIND_LABELS.get(r.kind, r.kind), r.direction, r.structural, r.start_date,
                      r.end_date, r.review_date])
    return book.to_bytes()


def template_workbook() -> bytes:
    """The import template: the columns, one example row, and the sector codes on a second sheet."""
    book = Book()
    sheet = book.sheet("Partners", [24, 14, 6, 16, 16, 12, 24, 16, 22, 18, 12, 20, 20, 28, 16])
    sheet.header([h for _, h, _ in COLUMNS])
    sheet.append(["Voorbeeld vzw", "welzijn", 1, "Genk, As", "ELZ Genk", "Limburg", "https://voorbeeld.be",
                  "089 00 00 00", "info@voorbeeld.be", "Jan Voorbeeld", "onthaal", "0470 00 00 00",
                  "jan@voorbeeld.be", "Onthaal; Budgetbegeleiding", date.today()])
    sheet = book.sheet("Sectoren", [24, 40])
    sheet.header(["Code", "Sector"])
    for k, v in SECTORS:
        sheet.append([k, v])
    return book.to_bytes()
