"""Network: partner organisations, contacts, relations, the network map and pages shared with partners."""

from __future__ import annotations

import os
from datetime import date

from flask import url_for
from sqlalchemy import delete, func, or_, select, update

from core.extensions import db
from core.hookspecs import hookimpl
from core.ui import NavItem, Panel, RetentionRule, SearchResult, Widget

from . import models  # noqa: F401  (registers the tables)
from .models import Contact, EcoTie, Referral, Service


@hookimpl
def hvhk_plugin_info():
    return {"label": "Netwerk en partners",
            "description": "Sociale kaart, netwerkkaart, relaties, ecomap, verwijzingen en partnerportaal."}


@hookimpl
def hvhk_blueprints():
    from .portal import bp as portal_bp
    from .views import bp

    return [bp, portal_bp]


@hookimpl
def hvhk_migrations():
    return os.path.join(os.path.dirname(__file__), "migrations")


@hookimpl
def hvhk_nav_items(user):
    return [NavItem("Sociale kaart", url_for("network.directory"), 40),
            NavItem("Netwerkkaart", url_for("network.network_map"), 41)]


@hookimpl
def hvhk_dashboard_widgets(user):
    return [Widget("Netwerk en partners", url=url_for("network.widget"), order=40)]


@hookimpl
def hvhk_family_panels(family, user):
    return [Panel("network-ecomap", "Netwerk rond het gezin (ecomap)",
                  url_for("network.family_ecomap", family_id=family.id), 60),
            Panel("network-referrals", "Verwijzingen naar partners",
                  url_for("network.family_referrals", family_id=family.id), 61)]


@hookimpl
def hvhk_search(query, user):
    from core.models import Organisation

    key = "%" + query.lower().replace("%", "").replace("_", "") + "%"
    results = []
    orgs = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.municipality)
        .where(Organisation.archived.is_(False), func.lower(Organisation.name).like(key))
        .order_by(func.lower(Organisation.name)).limit(5)).all()
    for oid, name, mun in orgs:
        results.append(SearchResult(name, url_for("network.partner_page", org_id=oid), "Partner", mun or ""))
    contacts = db.session.execute(
        select(Contact.organisation_id, Contact.name, Contact.role, Contact.phone, Organisation.name)
        .join(Organisation, Organisation.id == Contact.organisation_id)
        .where(func.lower(Contact.name).like(key)).order_by(Contact.name).limit(3)).all()
    for oid, name, role, phone, org_name in contacts:
        detail = " · ".join(x for x in (role, org_name, phone) if x)
        results.append(SearchResult(name, url_for("network.partner_page", org_id=oid), "Contactpersoon", detail))
    services = db.session.execute(
        select(Service.organisation_id, Service.name, Organisation.name)
        .join(Organisation, Organisation.id == Service.organisation_id)
        .where(or_(func.lower(Service.name).like(key))).order_by(Service.name).limit(3)).all()
    for oid, name, org_name in services:
        results.append(SearchResult(name, url_for("network.partner_page", org_id=oid), "Aanbod", org_name))
    return results[:10]


@hookimpl
def hvhk_partner_pages(organisation):
    return [NavItem("Sociale kaart", url_for("network_portal.social_map"), 10),
            NavItem("Onze organisatie", url_for("network_portal.my_organisation"), 20),
            NavItem("Samenwerkingsakkoorden", url_for("network_portal.agreements"), 30),
            NavItem("Verwijzingen", url_for("network_portal.referrals"), 40)]


@hookimpl
def hvhk_referral_recorded(referral):
    """Store a referral another plugin recorded (e.g. PeTra's guided referral at closure). No commit."""
    from core.models import Family, Organisation

    family_id = referral.get("family_id")
    org_id = referral.get("organisation_id")
    if not family_id or not org_id or db.session.get(Family, family_id) is None \
            or db.session.get(Organisation, org_id) is None:
        return None
    source = str(referral.get("source") or "onbekend")[:40]
    source_ref = referral.get("source_ref")
    if source_ref:
        existing = db.session.scalar(select(Referral).where(Referral.source == source,
                                                            Referral.source_ref == str(source_ref)[:60],
                                                            Referral.organisation_id == org_id))
        if existing is not None:
            return None
    day = referral.get("date") or date.today()
    team_id = referral.get("team_id")
    if team_id is None and referral.get("user_id"):
        from core.access import involved_team_ids
        from core.models import User

        user = db.session.get(User, referral["user_id"])
        shared = involved_team_ids(family_id) & (user.team_ids() if user else set())
        team_id = min(shared) if shared else None
    db.session.add(Referral(
        family_id=family_id, organisation_id=org_id, referred_on=day,
        accompanied=bool(referral.get("accompanied")), waiting_status="registered", outcome="open",
        question=None, note=(referral.get("note") or None), source=source,
        source_ref=str(source_ref)[:60] if source_ref else None, team_id=team_id,
        created_by_id=referral.get("user_id")))
    db.session.flush()
    return None


def _tie_export(t: EcoTie) -> dict:
    return {"kind": t.kind, "label": t.label, "person_id": t.person_id, "organisation_id": t.organisation_id,
            "strength": t.strength, "note": t.note, "created_at": t.created_at.isoformat()}


@hookimpl
def hvhk_family_export(family):
    ties = db.session.scalars(select(EcoTie).where(EcoTie.family_id == family.id).order_by(EcoTie.id))
    refs = db.session.scalars(select(Referral).where(Referral.family_id == family.id).order_by(Referral.id))
    return {
        "ecomap": [_tie_export(t) for t in ties],
        "referrals": [{"ref": r.ref, "organisation_id": r.organisation_id, "organisation": r.organisation.name,
                       "date": r.referred_on.isoformat(), "accompanied": r.accompanied,
                       "waiting_status": r.waiting_status, "outcome": r.outcome, "question": r.question,
                       "note": r.note, "source": r.source, "source_ref": r.source_ref} for r in refs],
    }


@hookimpl
def hvhk_person_export(person, family):
    """The ecomap ties drawn around this person (a child) in ``family``'s ecomap; a tie in another household's
    ecomap belongs to that household. Referrals concern the whole family: they are in the family export."""
    ties = db.session.scalars(select(EcoTie).where(EcoTie.person_id == person.id, EcoTie.family_id == family.id)
                              .order_by(EcoTie.id))
    return {"network": {"ecomap": [_tie_export(t) for t in ties]}}


@hookimpl
def hvhk_family_erase(family):
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


@hookimpl
def hvhk_person_erase(person):
    """The ecomap ties drawn around this person are removed; the family's other ties and its referrals stay."""
    removed = db.session.execute(delete(EcoTie).where(EcoTie.person_id == person.id)).rowcount or 0
    return {"removed": removed, "kept": 0}


# --------------------------------------------------------------------------- retention

RETENTION_YEARS = 5  # no figure in the practice's documents (see README)
_HAS_TEXT = or_(Referral.question.is_not(None), Referral.note.is_not(None))


def _referrals_due(cutoff: date):
    """Referrals made before ``cutoff`` that still hold a request for help or a note."""
    return (select(Referral.id.label("id"), Referral.ref.label("label"), Referral.referred_on.label("since"),
                   Referral.family_id.label("family_id"))
            .where(_HAS_TEXT, Referral.referred_on < cutoff))


def clear_referral_texts(ids: list[int]) -> int:
    """Clear the request for help and the internal note; the row stays for the per-partner figures.
    Bumps the version so an open edit form notices. Does not commit."""
    if not ids:
        return 0
    return db.session.execute(update(Referral).where(Referral.id.in_(list(ids))).values(
        question=None, note=None, version=Referral.version + 1)).rowcount or 0


@hookimpl
def hvhk_retention_rules():
    return [RetentionRule(
        key="network_referral", label="Doorverwijzingen (hulpvraag en notitie)", default_years=RETENTION_YEARS,
        action="hulpvraag en interne notitie wissen; de verwijzing zelf blijft voor de cijfers per partner",
        due=_referrals_due, apply=clear_referral_texts, holding_label="doorverwijzingen met hulpvraag of notitie",
        holding=lambda: db.session.scalar(select(func.count()).select_from(Referral).where(_HAS_TEXT)))]


@hookimpl
def hvhk_demo_data(session, scale):
    from .demo import load_demo

    load_demo(session, scale)
