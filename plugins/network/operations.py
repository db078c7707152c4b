"""Every state change of the network plugin, one function each (see ``core.operations``).

Each operation checks what it may do (raising ``core.operations.Refused`` with a Dutch message and the form
field it belongs to), writes, records the audit entry (with the family where a family is concerned) and, for a
partner user, the entry in the partner change log that staff read. Operations never commit and never read
``request``, ``flash`` or ``current_user``: the acting user is passed in as ``user``. The views commit (through
``core.forms.conflict_safe``), so one request is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, select, update

from core import audit
from core.access import register_involvement
from core.extensions import db
from core.geo import MUNICIPALITIES
from core.models import ORGANISATION_KIND_LABELS, Family, Organisation, fold
from core.operations import require

from . import models, queries
from .models import Contact, EcoTie, Partner, PartnerChange, Referral, Relation, Service

# outcomes that say the help has started: they need the waiting status "started"
STARTED_OUTCOMES = ("ongoing", "completed")


def _clean(value: Any) -> Any:
    """Strings stripped, empty strings None; other values as they are."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def _user_id(user) -> int | None:
    return getattr(user, "id", None)


def _log_partner_edit(user, org_id: int, object_type: str, object_id: int | None, action: str,
                      field: str | None = None, old: Any = None, new: Any = None) -> None:
    """A partner user's edit goes to the change log that staff read on the partner page (staff edits do not)."""
    if not getattr(user, "is_partner", False):
        return
    db.session.add(PartnerChange(organisation_id=org_id, user_id=_user_id(user), object_type=object_type,
                                 object_id=object_id, action=action, field=field,
                                 old_value=None if old is None else str(old)[:2000],
                                 new_value=None if new is None else str(new)[:2000]))


def _may_edit_organisation(user, org_id: int) -> None:
    """A partner user edits only their own organisation's page."""
    if getattr(user, "is_partner", False):
        require(user.organisation_id == org_id, "Je kan enkel de pagina van je eigen organisatie wijzigen.")


def _set_changed(obj, values: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """Set the attributes that differ; return (field, old, new) for each."""
    changes = []
    for key, value in values.items():
        old = getattr(obj, key)
        if old != value:
            setattr(obj, key, value)
            changes.append((key, old, value))
    return changes


def _require_choice(value: Any, labels: Mapping, field: str, what: str) -> None:
    """Refuse a value outside ``labels``: "Kies een <what>." (``what`` with its adjective: "geldige sector")."""
    require(value in labels, f"Kies een {what}.", field)


# --------------------------------------------------------------------------- partner profile

PROFILE_FIELDS = ("sector", "line", "care_zone", "province", "website", "phone", "email", "description",
                  "last_verified")


def ensure_partner(org: Organisation) -> Partner:
    """The network profile of ``org``; created with defaults from the core kind when missing (flushed)."""
    partner = queries.partner_for(org)
    if partner is None:
        partner = queries.default_partner(org)
        db.session.add(partner)
        db.session.flush()
    return partner


def _apply_profile(org: Organisation, partner: Partner, values: Mapping[str, Any]) -> list[str]:
    name = (values.get("name") or "").strip()
    require(name, "Geef de naam van de organisatie.", "name")
    require(len(name) <= 200, "Maximaal 200 tekens.", "name")
    _require_choice(values.get("sector"), models.SECTOR_LABELS, "sector", "geldige sector")
    require(str(values.get("line")) in {str(k) for k in models.LINE_LABELS}, "De lijn is 0, 1 of 2.", "line")
    changed = []
    if org.name != name:
        org.name = name
        changed.append("name")
    profile = {k: _clean(values.get(k)) for k in PROFILE_FIELDS if k in values}
    profile["line"] = int(values["line"])
    changed += [k for k, _, _ in _set_changed(partner, profile)]
    if "municipalities" in values:
        muns = [m for m in (values["municipalities"] or []) if m in MUNICIPALITIES]
        if partner.municipality_list != muns:
            partner.set_municipalities(muns)
            changed.append("municipalities")
        if muns and org.municipality is None:
            org.municipality = muns[0]
    return changed


GENERAL_FIELDS = ("website", "phone", "sector")


def edit_general_details(org: Organisation, values: Mapping[str, Any], *, user) -> list[str]:
    """A partner user (or staff) corrects the organisation's general details: website, main phone number,
    sector. Only their own organisation; each changed field is in the change log staff read and audited."""
    _may_edit_organisation(user, org.id)
    _require_choice(values.get("sector"), models.SECTOR_LABELS, "sector", "geldige sector")
    partner = ensure_partner(org)
    changes = _set_changed(partner, {k: _clean(values.get(k)) for k in GENERAL_FIELDS})
    for field, old, new in changes:
        _log_partner_edit(user, org.id, "profile", org.id, "update", field, old, new)
    if changes:
        audit.record("update", "network_partner", org.id, detail=",".join(f for f, _, _ in changes),
                     user_id=_user_id(user))
    return [f for f, _, _ in changes]


def create_partner(values: Mapping[str, Any], *, kind: str = "andere", user=None) -> Organisation:
    """A new organisation with its network profile. ``values``: name, sector, line, municipalities and the
    profile fields (``PROFILE_FIELDS``)."""
    require(kind in ORGANISATION_KIND_LABELS, "Kies een geldige soort organisatie.", "kind")
    muns = [m for m in (values.get("municipalities") or []) if m in MUNICIPALITIES]
    org = Organisation(name=(values.get("name") or "").strip(), kind=kind, municipality=muns[0] if muns else None)
    partner = Partner()
    _apply_profile(org, partner, values)
    db.session.add(org)
    db.session.flush()
    partner.organisation_id = org.id
    db.session.add(partner)
    db.session.flush()
    audit.record("create", "network_partner", org.id, user_id=_user_id(user))
    return org


def edit_partner(org: Organisation, values: Mapping[str, Any], *, user=None) -> list[str]:
    """Change the organisation's name and profile (created when missing); the changed fields."""
    _may_edit_organisation(user, org.id)
    changed = _apply_profile(org, ensure_partner(org), values)
    if changed:
        audit.record("update", "network_partner", org.id, detail=",".join(changed), user_id=_user_id(user))
    return changed


def confirm_partner_page(org: Organisation, *, user, on: date | None = None) -> Partner:
    """Staff or the organisation's own partner user confirm the page is correct: "last verified" becomes ``on``
    (today). A partner user's confirmation is in the change log staff read."""
    _may_edit_organisation(user, org.id)
    on = on or date.today()
    require(on <= date.today(), "De datum van nakijken ligt in de toekomst.", "last_verified")
    partner = ensure_partner(org)
    old = partner.last_verified
    partner.last_verified = on
    _log_partner_edit(user, org.id, "profile", org.id, "update", "last_verified",
                      old.isoformat() if old else None, on.isoformat())
    audit.record("update", "network_partner", org.id, detail="last_verified", user_id=_user_id(user))
    return partner


# --------------------------------------------------------------------------- contacts and offers

CONTACT_FIELDS = ["name", "role", "phone", "email", "is_primary", "shareable"]
SERVICE_FIELDS = ["name", "description", "age_min", "age_max", "cost", "cost_note", "waiting_time", "shareable"]
_ITEMS = {Contact: ("contact", CONTACT_FIELDS), Service: ("service", SERVICE_FIELDS)}


def _item_values(model, values: Mapping[str, Any]) -> dict:
    fields = _ITEMS[model][1]
    clean = {k: _clean(values.get(k)) for k in fields}
    for flag in ("is_primary", "shareable"):
        if flag in clean:
            clean[flag] = bool(clean[flag])
    require(clean["name"], "Dit veld is verplicht.", "name")
    if model is Contact:
        require(clean["phone"] or clean["email"], "Geef een telefoonnummer of een e-mailadres.", "phone")
    else:
        clean["cost"] = clean["cost"] or "gratis"
        _require_choice(clean["cost"], models.COST_LABELS, "cost", "geldige kostprijs")
        low, high = clean["age_min"], clean["age_max"]
        require(low is None or high is None or low <= high,
                "De maximumleeftijd ligt onder de minimumleeftijd.", "age_max")
    return clean


def _one_primary(item) -> None:
    """Only one contact person is called first."""
    if isinstance(item, Contact) and item.is_primary:
        for other in db.session.scalars(select(Contact).where(Contact.organisation_id == item.organisation_id,
                                                              Contact.id != item.id, Contact.is_primary.is_(True))):
            other.is_primary = False


def add_item(model, org: Organisation, values: Mapping[str, Any], *, user=None):
    """A new contact person (``model=Contact``) or offer (``Service``) of ``org``."""
    _may_edit_organisation(user, org.id)
    object_type = _ITEMS[model][0]
    clean = _item_values(model, values)
    item = model(organisation_id=org.id, **clean)
    db.session.add(item)
    db.session.flush()
    _one_primary(item)
    _log_partner_edit(user, org.id, object_type, item.id, "create", new=clean["name"])
    audit.record("create", f"network_{object_type}", item.id, user_id=_user_id(user))
    return item


def edit_item(item, values: Mapping[str, Any], *, user=None) -> list[str]:
    """Change a contact person or an offer; the changed fields."""
    _may_edit_organisation(user, item.organisation_id)
    object_type = _ITEMS[type(item)][0]
    changes = _set_changed(item, _item_values(type(item), values))
    db.session.flush()
    _one_primary(item)
    for field, old, new in changes:
        _log_partner_edit(user, item.organisation_id, object_type, item.id, "update", field, old, new)
    if changes:
        audit.record("update", f"network_{object_type}", item.id, detail=",".join(f for f, _, _ in changes),
                     user_id=_user_id(user))
    return [f for f, _, _ in changes]


def delete_item(item, *, user=None) -> None:
    """Remove a contact person or an offer."""
    _may_edit_organisation(user, item.organisation_id)
    object_type = _ITEMS[type(item)][0]
    _log_partner_edit(user, item.organisation_id, object_type, item.id, "delete", old=item.name)
    audit.record("archive", f"network_{object_type}", item.id, user_id=_user_id(user))
    db.session.delete(item)
    db.session.flush()


# --------------------------------------------------------------------------- relations

RELATION_FIELDS = ["source_id", "target_id", "kind", "direction", "structural", "description", "privacy_terms",
                   "secrecy_terms", "start_date", "end_date", "review_date"]


def _relation_values(values: Mapping[str, Any]) -> dict:
    clean = {k: _clean(values.get(k)) for k in RELATION_FIELDS}
    clean["structural"] = bool(clean["structural"])
    clean["direction"] = clean["direction"] or "wederzijds"
    for key in ("source_id", "target_id"):
        org = db.session.get(Organisation, clean[key]) if clean[key] else None
        require(org is not None, "Kies een organisatie.", key)
    require(clean["source_id"] != clean["target_id"],
            "Een organisatie kan geen relatie met zichzelf hebben. Kies een andere partner.", "target_id")
    _require_choice(clean["kind"], models.RELATION_KIND_LABELS, "kind", "geldige soort relatie")
    _require_choice(clean["direction"], models.DIRECTION_LABELS, "direction", "geldige richting")
    require(not (clean["start_date"] and clean["end_date"]) or clean["end_date"] >= clean["start_date"],
            "De einddatum ligt voor de startdatum.", "end_date")
    return clean


def add_relation(values: Mapping[str, Any], *, user=None) -> Relation:
    """A relation between two organisations (referral route, agreement, ...)."""
    rel = Relation(**_relation_values(values))
    db.session.add(rel)
    db.session.flush()
    audit.record("create", "network_relation", rel.id, user_id=_user_id(user))
    return rel


def edit_relation(rel: Relation, values: Mapping[str, Any], *, user=None) -> list[str]:
    changed = [f for f, _, _ in _set_changed(rel, _relation_values(values))]
    audit.record("update", "network_relation", rel.id, detail=",".join(changed), user_id=_user_id(user))
    return changed


def delete_relation(rel: Relation, *, user=None) -> None:
    audit.record("archive", "network_relation", rel.id, user_id=_user_id(user))
    db.session.delete(rel)
    db.session.flush()


# --------------------------------------------------------------------------- a family's ecomap

TIE_FIELDS = ["kind", "label", "person_id", "organisation_id", "strength", "note"]


def _tie_values(family: Family, values: Mapping[str, Any]) -> dict:
    clean = {k: _clean(values.get(k)) for k in TIE_FIELDS}
    clean["person_id"] = clean["person_id"] or None  # 0 in the form: the whole family
    clean["organisation_id"] = clean["organisation_id"] or None
    _require_choice(clean["kind"], models.TIE_KIND_LABELS, "kind", "geldige soort")
    clean["strength"] = clean["strength"] or "gewoon"
    _require_choice(clean["strength"], models.TIE_STRENGTH_LABELS, "strength", "geldige band")
    if clean["person_id"]:
        require(clean["person_id"] in {p.id for p in queries.family_children(family.id)},
                "Kies een kind van dit gezin of het hele gezin.", "person_id")
    if clean["kind"] != "dienst":
        clean["organisation_id"] = None
    org = db.session.get(Organisation, clean["organisation_id"]) if clean["organisation_id"] else None
    require(org is not None or not clean["organisation_id"], "Kies een bestaande organisatie.", "organisation_id")
    if not clean["label"] and org is not None:
        clean["label"] = org.name[:160]
    require(clean["label"], "Dit veld is verplicht: wie is het (bv. grootmoeder, buurvrouw Ria) of kies een "
                            "organisatie bij een dienst.", "label")
    require(len(clean["label"]) <= 160, "Maximaal 160 tekens.", "label")
    return clean


def add_tie(family: Family, values: Mapping[str, Any], *, user) -> EcoTie:
    """A tie in the family's ecomap: an informal person or a service, around the whole family or one child.
    The user's team that keeps the ecomap is registered as involved with the family."""
    tie = EcoTie(family_id=family.id, team_id=queries.team_for_family(user, family.id),
                 created_by_id=_user_id(user), **_tie_values(family, values))
    db.session.add(tie)
    db.session.flush()
    if tie.team_id:
        register_involvement(family, tie.team_id, "Ecomap bijgehouden", source="network", user_id=_user_id(user))
    audit.record("create", "network_eco_tie", tie.id, family_id=family.id, user_id=_user_id(user))
    return tie


def edit_tie(tie: EcoTie, family: Family, values: Mapping[str, Any], *, user=None) -> list[str]:
    """Change a tie (who, around whom, kind, strength, note); the changed fields."""
    require(tie.family_id == family.id, "Deze band hoort niet bij dit gezin.")
    changed = [f for f, _, _ in _set_changed(tie, _tie_values(family, values))]
    if changed:
        audit.record("update", "network_eco_tie", tie.id, family_id=family.id, detail=",".join(changed),
                     user_id=_user_id(user))
    return changed


def end_tie(tie: EcoTie, family: Family, *, user=None) -> None:
    """The tie is no longer part of the family's network: it leaves the ecomap."""
    require(tie.family_id == family.id, "Deze band hoort niet bij dit gezin.")
    audit.record("archive", "network_eco_tie", tie.id, family_id=family.id, user_id=_user_id(user))
    db.session.delete(tie)
    db.session.flush()


# --------------------------------------------------------------------------- referrals

REFERRAL_FIELDS = ["organisation_id", "referred_on", "accompanied", "waiting_status", "outcome", "question", "note"]


def _check_status(waiting_status: str, outcome: str) -> None:
    _require_choice(waiting_status, models.WAITING_LABELS, "waiting_status", "geldige wachtstatus")
    _require_choice(outcome, models.OUTCOME_LABELS, "outcome", "geldig resultaat")
    require(outcome not in STARTED_OUTCOMES or waiting_status == "started",
            f"Het resultaat '{models.OUTCOME_LABELS[outcome]}' kan enkel als de hulp gestart is: zet de wachtstatus op "
            f"'{models.WAITING_LABELS['started']}'.", "outcome")


def _referral_values(values: Mapping[str, Any]) -> dict:
    clean = {k: _clean(values.get(k)) for k in REFERRAL_FIELDS}
    clean["accompanied"] = bool(clean["accompanied"])
    clean["waiting_status"] = clean["waiting_status"] or "registered"
    clean["outcome"] = clean["outcome"] or "open"
    org = db.session.get(Organisation, clean["organisation_id"]) if clean["organisation_id"] else None
    require(org is not None, "Kies een organisatie.", "organisation_id")
    require(clean["referred_on"], "Geef de verwijsdatum.", "referred_on")
    require(clean["referred_on"] <= date.today(), "De verwijsdatum ligt in de toekomst.", "referred_on")
    _check_status(clean["waiting_status"], clean["outcome"])
    return clean


def record_referral(family: Family, values: Mapping[str, Any], *, user=None, source: str = "network",
                    source_ref: str | None = None, team_id: int | None = None) -> Referral | None:
    """A referral of the family to an organisation (``REFERRAL_FIELDS``) by ``team_id`` (the user's team that
    works with the family, ``queries.team_for_family``), which is registered as involved. A referral another plugin reports
    (``source`` with its ``source_ref``) is stored once: a repeat returns None."""
    clean = _referral_values(values)
    source = (source or "onbekend")[:40]
    source_ref = str(source_ref)[:60] if source_ref else None
    if source_ref and queries.referral_from(source, source_ref, clean["organisation_id"]) is not None:
        return None
    ref = Referral(family_id=family.id, source=source, source_ref=source_ref, team_id=team_id,
                   created_by_id=_user_id(user), **clean)
    db.session.add(ref)
    db.session.flush()
    if team_id:
        register_involvement(family, team_id, "Verwijzing naar een partner", source=source,
                             user_id=_user_id(user))
    audit.record("create", "network_referral", ref.id, family_id=family.id,
                 detail=None if source == "network" else f"bron {source}", user_id=_user_id(user))
    return ref


def edit_referral(ref: Referral, values: Mapping[str, Any], *, user=None) -> list[str]:
    """Staff change a referral (organisation, date, warm handover, status, outcome, texts)."""
    changed = [f for f, _, _ in _set_changed(ref, _referral_values(values))]
    audit.record("update", "network_referral", ref.id, family_id=ref.family_id, detail=",".join(changed),
                 user_id=_user_id(user))
    return changed


def record_referral_outcome(ref: Referral, *, waiting_status: str, outcome: str, user) -> list[str]:
    """The partner the family was referred to (or staff) update the waiting status and the outcome. A partner
    user may only do so for a referral to their own organisation; their change is in the change log (with
    the Dutch labels, as a person reads them)."""
    _may_edit_organisation(user, ref.organisation_id)
    _check_status(waiting_status, outcome)
    changed = []
    for field, value, labels in (("waiting_status", waiting_status, models.WAITING_LABELS),
                                 ("outcome", outcome, models.OUTCOME_LABELS)):
        old = getattr(ref, field)
        if old != value:
            _log_partner_edit(user, ref.organisation_id, "referral", ref.id, "update", field,
                              labels.get(old, old), labels[value])
            setattr(ref, field, value)
            changed.append(field)
    if changed:
        audit.record("update", "network_referral", ref.id, family_id=ref.family_id, detail=",".join(changed),
                     user_id=_user_id(user))
    return changed


# --------------------------------------------------------------------------- import

KIND_FOR_SECTOR = {"onderwijs": "school", "leerlingenbegeleiding": "clb", "lokaal_bestuur": "gemeente"}


def import_partners(rows: Iterable, *, rejected: int = 0, user=None) -> tuple[int, int]:
    """Write the valid rows of an import (``importer.PartnerRow``, read and checked by ``importer.parse_file``):
    a name that exists (case-insensitive) updates that organisation's profile and adds its contact person
    when new; other names create an organisation. One audit entry for the whole import (the counts, with
    ``rejected`` rows refused by the check). Returns (created, updated)."""
    existing = {fold(n): i for i, n in db.session.execute(select(Organisation.id, Organisation.name))}
    created = updated = 0
    for row in rows:
        org_id = existing.get(fold(row.name))
        if org_id is None:
            org = Organisation(name=row.name, kind=KIND_FOR_SECTOR.get(row.sector, "andere"),
                               municipality=row.municipalities[0] if row.municipalities else None)
            db.session.add(org)
            db.session.flush()
            partner = Partner(organisation_id=org.id)
            db.session.add(partner)
            existing[fold(row.name)] = org.id
            created += 1
        else:
            org = db.session.get(Organisation, org_id)
            partner = queries.partner_for(org) or Partner(organisation_id=org_id)
            db.session.add(partner)
            updated += 1
        partner.sector = row.sector
        partner.line = row.line
        if row.municipalities:
            partner.set_municipalities(row.municipalities)
        partner.care_zone = row.care_zone or partner.care_zone
        partner.province = row.province or partner.province or "Limburg"
        partner.website = row.website or partner.website
        partner.phone = row.phone or partner.phone
        partner.email = row.email or partner.email
        partner.last_verified = row.last_verified or partner.last_verified or date.today()
        if row.contact_name and queries.contact_named(org.id, row.contact_name) is None:
            db.session.add(Contact(organisation_id=org.id, name=row.contact_name[:160], role=row.contact_role,
                                   phone=row.contact_phone, email=row.contact_email, is_primary=True,
                                   shareable=True))
        for offer in row.offers:
            db.session.add(Service(organisation_id=org.id, name=offer[:200], shareable=True))
        db.session.flush()
    audit.record("create", "network_import", None, detail=f"{created} nieuw, {updated} bijgewerkt, {rejected} geweigerd",
                 user_id=_user_id(user))
    return created, updated


# --------------------------------------------------------------------------- settings

def change_settings(values: Mapping[str, Any], *, user=None) -> list[str]:
    """Store the plugin's settings (``queries.SETTINGS``: ``stale_months``, 1 to 120); the changed keys."""
    months = values.get("stale_months")
    require(isinstance(months, int) and 1 <= months <= 120, "Tussen 1 en 120 maanden.", "stale_months")
    return queries.SETTINGS.save({"stale_months": months}, user)


# --------------------------------------------------------------------------- data rights and retention

def erase_family(family: Family) -> dict:
    """Ecomap ties hold names of people around the family: removed. Referrals stay for the per-partner
    figures, without free text."""
    removed = db.session.execute(delete(EcoTie).where(EcoTie.family_id == family.id)).rowcount or 0
    kept = 0
    for r in db.session.scalars(select(Referral).where(Referral.family_id == family.id)):
        r.question = None
        r.note = None
        kept += 1
    db.session.flush()
    return {"removed": removed, "kept": kept}


def erase_person(person) -> dict:
    """The ecomap ties drawn around this person are removed; the family's other ties and its referrals stay."""
    removed = db.session.execute(delete(EcoTie).where(EcoTie.person_id == person.id)).rowcount or 0
    return {"removed": removed, "kept": 0}


def clear_referral_texts(ids: list[int]) -> int:
    """Clear the request for help and the internal note; the row stays for the per-partner figures.
    Bumps the version so an open edit form notices. Does not commit."""
    if not ids:
        return 0
    return db.session.execute(update(Referral).where(Referral.id.in_(list(ids))).values(
        question=None, note=None, version=Referral.version + 1)).rowcount or 0


