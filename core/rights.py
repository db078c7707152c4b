"""Data-subject rights: the export of everything held about a family or one person, erasure with a
preview, retention per kind of record.

The core gathers its own records and asks every available plugin for its part through
``hvhk_family_export``/``hvhk_person_export``, ``hvhk_family_erase``/``hvhk_person_erase`` and
``hvhk_retention_rules`` (switching a plugin off for a team never hides data
from a subject-access request or an erasure).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import render_template
from sqlalchemy import Integer, Select, String, cast, delete, func, literal, null, or_, select, update

from . import audit
from .extensions import db
from .models import (
    AuditEntry,
    ChangeRecord,
    Consent,
    Family,
    FamilyMember,
    Involvement,
    LoginAttempt,
    Person,
    Setting,
    utcnow,
)
from .plugins import current_plugins
from .ui import RetentionRule

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
        "audit_log": _audit_rows(AuditEntry.family_id == family.id),
        "plugins": {},
    }
    for name, part in current_plugins().call_each("hvhk_family_export", family=family).items():
        data["plugins"][name] = part
    return data


def _zip(data: dict, html: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("gegevens.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        zf.writestr("overzicht.html", html)
    return buf.getvalue()


def export_zip(family: Family) -> bytes:
    """A zip with ``gegevens.json`` (everything) and ``overzicht.html`` (a readable summary)."""
    data = family_export(family)
    payload = _zip(data, render_template("core/families/export.html", data=data, family=family))
    audit.record("export", "family", family.id, family_id=family.id)
    return payload


def _audit_rows(where) -> list[dict]:
    return [dict(at=e.at.isoformat(), by=e.user.display_name if e.user else None, action=e.action,
                 object=e.object_type, object_id=e.object_id, family_id=e.family_id)
            for e in db.session.scalars(select(AuditEntry).where(where).order_by(AuditEntry.at, AuditEntry.id))]


def person_export(person: Person, family: Family) -> dict:
    """What the house holds about one person *as a member of* ``family``, JSON-serialisable.

    The rule: a one-person export is made from one household (the family page it is opened from, or
    ``hvhk export-family ID --person PID``), by someone allowed to export that household (an admin or a
    manager of a team involved with it). It holds what that household's record covers, and nothing that only
    another household's record holds, whoever makes it:

    - the person's own record (name, birth date, school, ...), which every household of the person shows;
    - the membership of ``family`` only: another household of the person is not named, not even counted;
    - consents the person gave for ``family``; the change history of the person made through ``family``'s
      record; the audit log of ``family`` (every look at its pages, which show the person, and at the person);
    - from each plugin (``hvhk_person_export(person, family)``) only the records that link the person *and*
      ``family``: a trajectory, an enrolment or an ecomap tie of the person in another household, with its
      notes and its team, belongs to that household's export.

    A person in two households therefore needs two exports, each made by someone entitled to that
    household; together they hold everything. This keeps a subject-access export from becoming a side door
    into a household the exporting team is not involved with.
    """
    membership = db.session.scalar(select(FamilyMember).where(FamilyMember.person_id == person.id,
                                                              FamilyMember.family_id == family.id))
    if membership is None:
        raise ValueError(f"person {person.id} is not a member of family {family.id}")
    data = {
        "export_made_at": utcnow().isoformat(),
        "made_from_family_id": family.id,
        "person": _row(person, PERSON_FIELDS),
        "school": person.school.name if person.school else None,
        "families": [dict(family_id=family.id, family=family.label, role=membership.role,
                          relation=membership.relation)],
        "consents_given": [dict(organisation=c.organisation.name, purpose=c.purpose, info_kinds=c.kinds,
                                given_on=c.given_on.isoformat(),
                                withdrawn_at=c.withdrawn_at.isoformat() if c.withdrawn_at else None)
                           for c in db.session.scalars(select(Consent).where(Consent.given_by_person_id == person.id,
                                                                             Consent.family_id == family.id))],
        "history": [dict(at=c.at.isoformat(), by=c.user.display_name if c.user else None, field=c.field,
                         old=c.old_value, new=c.new_value)
                    for c in db.session.scalars(select(ChangeRecord).where(
                        ChangeRecord.object_type == "person", ChangeRecord.object_id == person.id,
                        ChangeRecord.family_id == family.id).order_by(ChangeRecord.at))],
        "audit_log": _audit_rows(AuditEntry.family_id == family.id),
        "plugins": {},
    }
    for name, part in current_plugins().call_each("hvhk_person_export", person=person, family=family).items():
        data["plugins"][name] = part
    return data


def person_export_zip(person: Person, family: Family) -> bytes:
    """The subject-access zip for one person as a member of ``family`` (see ``person_export``); logged with it."""
    data = person_export(person, family)
    payload = _zip(data, render_template("core/families/person_export.html", data=data, person=person,
                                         family=family))
    audit.record("export", "person", person.id, family_id=family.id)
    return payload


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


def _person_families(person: Person) -> list[Family]:
    return list(db.session.scalars(select(Family).join(FamilyMember, FamilyMember.family_id == Family.id)
                                   .where(FamilyMember.person_id == person.id).order_by(Family.id)))


def person_erase_preview(person: Person) -> dict:
    families = _person_families(person)
    held = [f for f in families if f.legal_hold]
    return {
        "blocked": bool(held),
        "held_families": held,
        "remove": {
            "naam, geboortedatum, gender, school en klasleerkracht": 1,
            "wijzigingsgeschiedenis van deze persoon": db.session.scalar(select(func.count()).where(
                ChangeRecord.object_type == "person", ChangeRecord.object_id == person.id)),
            "wat modules aan deze persoon koppelen (trajecten, inschrijvingen, netwerk)": "namen en vrije tekst",
        },
        "keep": {
            "het lidmaatschap van het gezin (als ‘gewist’)": len(families),
            "toestemmingen die deze persoon gaf (zonder naam)": db.session.scalar(select(func.count()).where(
                Consent.given_by_person_id == person.id)),
            "de rest van het gezin": "ongewijzigd",
        },
    }


def erase_person(person: Person) -> dict:
    """Anonymise one person in the core and in every plugin; the rest of their families stays.
    Refuses when one of the person's families is under a legal hold. Does not commit."""
    families = _person_families(person)
    if any(f.legal_hold for f in families):
        raise PermissionError("Voor een gezin van deze persoon geldt een juridische bewaarplicht: wissen is geblokkeerd.")
    summary = {"plugins": current_plugins().call_each("hvhk_person_erase", person=person)}
    db.session.execute(delete(ChangeRecord).where(ChangeRecord.object_type == "person",
                                                  ChangeRecord.object_id == person.id))
    db.session.execute(update(Consent).where(Consent.given_by_person_id == person.id).values(given_by_person_id=None))
    person.given_name, person.family_name, person.birth_date, person.gender = ERASED, ERASED, None, None
    person.class_teacher, person.school_id, person.school_level, person.school_year = None, None, None, None
    person.archived = True
    for f in families or [None]:
        audit.record("erase", "person", person.id, family_id=f.id if f else None)
    summary["core"] = {"people_anonymised": 1}
    return summary


# --------------------------------------------------------------------------- retention


def _archived_families_due(cutoff: date) -> Select:
    active = select(Involvement.family_id).where(Involvement.ended_at.is_(None))
    return (select(Family.id.label("id"), (literal("Gezin #") + cast(Family.id, String)).label("label"),
                   Family.updated_at.label("since"), Family.id.label("family_id"))
            .where(Family.archived.is_(True), Family.anonymised_at.is_(None),
                   Family.updated_at < datetime.combine(cutoff, time.min), Family.id.not_in(active)))


def _erase_families(ids: list[int]) -> int:
    for family in db.session.scalars(select(Family).where(Family.id.in_(ids))):
        erase_family(family)
    return len(ids)


def _history_due(cutoff: date) -> Select:
    return (select(ChangeRecord.id.label("id"),
                   (literal("Wijziging #") + cast(ChangeRecord.id, String)).label("label"),
                   ChangeRecord.at.label("since"), ChangeRecord.family_id.label("family_id"))
            .where(ChangeRecord.at < datetime.combine(cutoff, time.min)))


def _delete_history(ids: list[int]) -> int:
    return db.session.execute(delete(ChangeRecord).where(ChangeRecord.id.in_(ids))).rowcount or 0


def _login_attempts_due(cutoff: date) -> Select:
    return (select(LoginAttempt.id.label("id"), (literal("Aanmeldpoging #") + cast(LoginAttempt.id, String)).label("label"),
                   LoginAttempt.at.label("since"), cast(null(), Integer).label("family_id"))
            .where(LoginAttempt.at < datetime.combine(cutoff, time.min)))


def _delete_login_attempts(ids: list[int]) -> int:
    return db.session.execute(delete(LoginAttempt).where(LoginAttempt.id.in_(ids))).rowcount or 0


def _read_notifications_due(cutoff: date) -> Select:
    from .notifications import Notification

    return (select(Notification.id.label("id"), (literal("Melding #") + cast(Notification.id, String)).label("label"),
                   Notification.read_at.label("since"), cast(null(), Integer).label("family_id"))
            .where(Notification.read_at < datetime.combine(cutoff, time.min)))


def _delete_notifications(ids: list[int]) -> int:
    from .notifications import Notification

    return db.session.execute(delete(Notification).where(Notification.id.in_(ids))).rowcount or 0


CORE_RULES = [
    RetentionRule(
        key="archived_family", label="Gearchiveerde gezinnen zonder betrokken team", default_years=5,
        action="het hele gezin wissen zoals bij een wisverzoek, in de kern en in elke module",
        due=_archived_families_due, apply=_erase_families,
        holding=lambda: db.session.scalar(select(func.count()).where(Family.anonymised_at.is_(None)))),
    RetentionRule(
        key="change_history", label="Wijzigingsgeschiedenis (oude en nieuwe waarden)", default_years=5,
        action="de oude en nieuwe waarden verwijderen; het logboek (wie deed wat) blijft",
        due=_history_due, apply=_delete_history, holding_label="wijzigingen met oude en nieuwe waarden",
        holding=lambda: db.session.scalar(select(func.count()).select_from(ChangeRecord))),
    # Both hold personal data (a user name and an IP address; who was told what) and serve no purpose once old:
    # throttling counts the last hours of attempts, a read notification was seen.
    RetentionRule(
        key="login_attempt", label="Aanmeldpogingen (gebruikersnaam en IP-adres)", default_years=1,
        action="de pogingen verwijderen; het afremmen van aanmelden kijkt enkel naar de laatste uren",
        due=_login_attempts_due, apply=_delete_login_attempts, holding_label="aanmeldpogingen",
        holding=lambda: db.session.scalar(select(func.count()).select_from(LoginAttempt))),
    RetentionRule(
        key="read_notification", label="Gelezen meldingen", default_years=1,
        action="gelezen meldingen verwijderen; ongelezen meldingen blijven",
        due=_read_notifications_due, apply=_delete_notifications, holding_label="meldingen",
        holding=lambda: _notification_count()),
]


def _notification_count() -> int:
    from .notifications import Notification

    return db.session.scalar(select(func.count()).select_from(Notification))


def retention_rules() -> list[RetentionRule]:
    """The core's rules and every available plugin's, in a stable order."""
    rules = list(CORE_RULES)
    for _name, found in sorted(current_plugins().call_each("hvhk_retention_rules").items()):
        rules.extend(found or [])
    return rules


def setting_key(rule: RetentionRule) -> str:
    return f"retention_{rule.key}_years"


def retention_years(rule: RetentionRule) -> int:
    row = db.session.get(Setting, setting_key(rule))
    return int(row.value) if row else rule.default_years


def set_retention_years(rule: RetentionRule, years: int) -> None:
    row = db.session.get(Setting, setting_key(rule)) or Setting(key=setting_key(rule), value=str(years))
    row.value = str(years)
    db.session.add(row)
    audit.record("update", "setting", None, detail=f"{setting_key(rule)}={years}")


def cutoff_date(years: int, today: date | None = None) -> date:
    today = today or date.today()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def due_query(rule: RetentionRule, today: date | None = None, years: int | None = None) -> Select:
    """What ``rule`` finds past its term, leaving out families under a legal hold."""
    sub = rule.due(cutoff_date(years or retention_years(rule), today)).subquery()
    held = select(Family.id).where(Family.legal_hold.is_(True))
    return select(sub).where(or_(sub.c.family_id.is_(None), sub.c.family_id.not_in(held)))


@dataclass
class RetentionStatus:
    rule: RetentionRule
    years: int
    cutoff: date
    due: int
    sample: list = field(default_factory=list)


def retention_report(today: date | None = None, sample: int = 20, keys: set[str] | None = None) -> list[RetentionStatus]:
    out = []
    for rule in retention_rules():
        if keys and rule.key not in keys:
            continue
        years = retention_years(rule)
        q = due_query(rule, today, years).subquery()
        out.append(RetentionStatus(
            rule=rule, years=years, cutoff=cutoff_date(years, today),
            due=db.session.scalar(select(func.count()).select_from(q)),
            sample=[DueRecord(r.id, r.label, _as_date(r.since), r.family_id) for r in db.session.execute(
                select(q).order_by(q.c.since, q.c.id).limit(sample))] if sample else []))
    return out


@dataclass(frozen=True)
class DueRecord:
    id: int
    label: str
    since: date | None
    family_id: int | None


def _as_date(value) -> date | None:
    """``since`` as a date, also when an aggregate came back from SQLite as text."""
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    return date.fromisoformat(str(value)[:10])


BATCH = 500


def apply_retention(rule: RetentionRule, today: date | None = None, limit: int | None = None,
                    progress: Callable[[int, int], None] | None = None) -> int:
    """Anonymise what ``rule`` finds past its term (at most ``limit`` records, oldest ids first), in batches;
    log every record; call ``progress(done, total)`` after each batch. Does not commit."""
    years = retention_years(rule)
    q = due_query(rule, today, years).subquery()
    rows = db.session.execute(select(q.c.id, q.c.family_id).order_by(q.c.id).limit(limit)).all()
    done = 0
    for i in range(0, len(rows), BATCH):
        batch = rows[i:i + BATCH]
        done += rule.apply([r.id for r in batch])
        for r in batch:
            audit.record("retention", rule.key, r.id, family_id=r.family_id, detail=f"bewaartermijn {years} jaar")
        if progress:
            progress(i + len(batch), len(rows))
    return done


def personal_data_overview() -> dict:
    out = {
        "gezinnen met persoonsgegevens": db.session.scalar(select(func.count()).where(Family.anonymised_at.is_(None))),
        "waarvan gearchiveerd": db.session.scalar(select(func.count()).where(
            Family.anonymised_at.is_(None), Family.archived.is_(True))),
        "gewiste gezinnen": db.session.scalar(select(func.count()).where(Family.anonymised_at.is_not(None))),
        "personen met naam": db.session.scalar(select(func.count()).where(Person.given_name != ERASED)),
    }
    for rule in retention_rules():
        if rule.holding and rule.key != "archived_family":
            out[rule.holding_label or rule.label] = rule.holding()
    return out
