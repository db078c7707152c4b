"""Data-subject rights: the export of everything held about a family, erasure with a preview, retention.

The core gathers its own records and asks every available plugin for its part through
``hvhk_family_export`` and ``hvhk_family_erase`` (switching a plugin off for a team never hides data
from a subject-access request or an erasure).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timedelta

from flask import render_template
from sqlalchemy import delete, func, select, update

from . import audit
from .extensions import db
from .models import (
    AuditEntry,
    ChangeRecord,
    Consent,
    Family,
    FamilyMember,
    Involvement,
    Person,
    Setting,
    utcnow,
)
from .plugins import current_plugins

ERASED = "gewist"


def _row(obj, fields: list[str]) -> dict:
    out = {}
    for f in fields:
        v = getattr(obj, f)
        out[f] = v.isoformat() if isinstance(v, date | datetime) else v
    return out


PERSON_FIELDS = ["id", "given_name", "family_name", "birth_date", "expected", "gender", "school_id", "school_level",
                 "school_year", "class_teacher"]
FAMILY_FIELDS = ["id", "label", "street", "postcode", "municipality", "languages", "contact_channels", "phone",
                 "email", "has_vt", "notes", "archived", "created_at", "updated_at"]


def family_export(family: Family) -> dict:
    """Everything the core and every plugin hold about ``family``, JSON-serialisable."""
    members = db.session.scalars(select(FamilyMember).where(FamilyMember.family_id == family.id)).all()
    data = {
        "export_made_at": utcnow().isoformat(),
        "family": _row(family, FAMILY_FIELDS),
        "members": [dict(role=m.role, relation=m.relation, person=_row(m.person, PERSON_FIELDS)) for m in members],
        "involvements": [dict(team=i.team.name, reason=i.reason, source=i.source, started_at=i.started_at.isoformat(),
                              ended_at=i.ended_at.isoformat() if i.ended_at else None)
                         for i in db.session.scalars(select(Involvement).where(Involvement.family_id == family.id))],
        "consents": [dict(organisation=c.organisation.name, purpose=c.purpose, info_kinds=c.kinds,
                          given_by=c.given_by.full_name if c.given_by else None, given_on=c.given_on.isoformat(),
                          valid_until=c.valid_until.isoformat() if c.valid_until else None,
                          withdrawn_at=c.withdrawn_at.isoformat() if c.withdrawn_at else None)
                     for c in db.session.scalars(select(Consent).where(Consent.family_id == family.id))],
        "history": [dict(at=c.at.isoformat(), by=c.user.display_name if c.user else None, object=c.object_type,
                         field=c.field, old=c.old_value, new=c.new_value)
                    for c in db.session.scalars(select(ChangeRecord).where(ChangeRecord.family_id == family.id)
                                                .order_by(ChangeRecord.at))],
        "audit_log": [dict(at=e.at.isoformat(), by=e.user.display_name if e.user else None, action=e.action,
                           object=e.object_type, object_id=e.object_id)
                      for e in db.session.scalars(select(AuditEntry).where(AuditEntry.family_id == family.id)
                                                  .order_by(AuditEntry.at, AuditEntry.id))],
        "plugins": {},
    }
    for name, part in current_plugins().call_each("hvhk_family_export", family=family).items():
        data["plugins"][name] = part
    return data


def export_zip(family: Family) -> bytes:
    """A zip with ``gegevens.json`` (everything) and ``overzicht.html`` (a readable summary)."""
    data = family_export(family)
    payload = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    html = render_template("core/families/export.html", data=data, family=family)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("gegevens.json", payload)
        zf.writestr("overzicht.html", html)
    audit.record("export", "family", family.id, family_id=family.id)
    return buf.getvalue()


# --------------------------------------------------------------------------- erasure


def erase_preview(family: Family) -> dict:
    members = db.session.scalars(select(FamilyMember).where(FamilyMember.family_id == family.id)).all()
    shared = [m.person for m in members
              if db.session.scalar(select(func.count()).where(FamilyMember.person_id == m.person_id)) > 1]
    return {
        "blocked": family.legal_hold,
        "remove": {
            "gezinsgegevens (naam, adres, contact, notities)": 1,
            "personen (naam, geboortedatum, school, gender)": len(members) - len(shared),
            "wijzigingsgeschiedenis": db.session.scalar(select(func.count()).where(ChangeRecord.family_id == family.id)),
            "toestemmingen (doel wordt gewist)": db.session.scalar(select(func.count()).where(Consent.family_id == family.id)),
        },
        "keep": {
            "logboekregels (zonder gegevens)": db.session.scalar(select(func.count()).where(AuditEntry.family_id == family.id)),
            "personen die ook tot een ander gezin horen (enkel losgekoppeld)": len(shared),
            "financiële gegevens van modules (gepseudonimiseerd)": "zie modules",
        },
        "shared_people": shared,
    }


def erase_family(family: Family) -> dict:
    """Anonymise ``family`` in the core and in every plugin. Refuses under a legal hold. Does not commit."""
    if family.legal_hold:
        raise PermissionError("Voor dit gezin geldt een juridische bewaarplicht: wissen is geblokkeerd.")
    summary = {"plugins": current_plugins().call_each("hvhk_family_erase", family=family)}
    members = db.session.scalars(select(FamilyMember).where(FamilyMember.family_id == family.id)).all()
    people = 0
    for m in members:
        others = db.session.scalar(select(func.count()).where(FamilyMember.person_id == m.person_id,
                                                              FamilyMember.family_id != family.id))
        if not others:
            p = m.person
            p.given_name, p.family_name, p.birth_date, p.gender = ERASED, ERASED, None, None
            p.class_teacher, p.school_id, p.archived = None, None, True
            people += 1
        else:
            db.session.delete(m)
    db.session.execute(delete(ChangeRecord).where(ChangeRecord.family_id == family.id))
    db.session.execute(update(Consent).where(Consent.family_id == family.id)
                       .values(purpose=ERASED, given_by_person_id=None))
    db.session.execute(update(Involvement).where(Involvement.family_id == family.id).values(reason=ERASED))
    family.label = f"Gewist gezin {family.id}"
    family.street = family.postcode = family.languages = family.contact_channels = None
    family.phone = family.email = family.notes = None
    family.archived = True
    family.anonymised_at = utcnow()
    audit.record("erase", "family", family.id, family_id=family.id)
    summary["core"] = {"people_anonymised": people}
    return summary


# --------------------------------------------------------------------------- retention

DEFAULT_RETENTION_YEARS = 5


def retention_years() -> int:
    row = db.session.get(Setting, "retention_archived_family_years")
    return int(row.value) if row else DEFAULT_RETENTION_YEARS


def retention_candidates(today: date | None = None) -> list[Family]:
    """Archived families untouched for longer than the retention term, not under legal hold, with no
    active involvement: their personal data is past its term."""
    cutoff = datetime.combine((today or date.today()) - timedelta(days=365 * retention_years()), datetime.min.time())
    active = select(Involvement.family_id).where(Involvement.ended_at.is_(None))
    return list(db.session.scalars(
        select(Family).where(Family.archived.is_(True), Family.anonymised_at.is_(None), Family.legal_hold.is_(False),
                             Family.updated_at < cutoff, Family.id.not_in(active)).order_by(Family.id)))


def personal_data_overview() -> dict:
    return {
        "gezinnen met persoonsgegevens": db.session.scalar(select(func.count()).where(Family.anonymised_at.is_(None))),
        "waarvan gearchiveerd": db.session.scalar(select(func.count()).where(
            Family.anonymised_at.is_(None), Family.archived.is_(True))),
        "gewiste gezinnen": db.session.scalar(select(func.count()).where(Family.anonymised_at.is_not(None))),
        "personen met naam": db.session.scalar(select(func.count()).where(Person.given_name != ERASED)),
    }
