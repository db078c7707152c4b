"""Network: partner organisations, contacts, relations, the network map and pages shared with partners."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import func, or_, select

from core.extensions import db
from core.hookspecs import hookimpl
from core.ui import NavItem, Panel, RetentionRule, SearchResult, Widget

from . import models  # noqa: F401  (registers the tables)
from .models import EcoTie, Referral


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
def hvhk_nav_items(user):
    return [NavItem("Sociale kaart", url_for("network.directory"), 40),
            NavItem("Netwerkkaart", url_for("network.network_map"), 41)]


@hookimpl
def hvhk_due_items(user, until):
    """Partner pages not checked for ``stale_months`` (or never): for the managers of the teams that keep the
    social map, the longest-unchecked first (``queries.stale_partners``)."""
    from core.formatting import format_date
    from core.plugins import team_ids_for
    from core.ui import DueItem

    from . import queries

    if user.is_partner or not team_ids_for(user, manager=True):
        return []
    today = date.today()
    months = queries.stale_months()
    out = []
    for org, verified in queries.stale_partners(today=today):
        due = today if verified is None else min(today, _months_after(verified, months))
        out.append(DueItem(kind="Partnerfiche nakijken", reference=org.name[:60], due=due,
                           url=url_for("network.partner_page", org_id=org.id), plugin="network",
                           detail="nooit nagekeken" if verified is None else "laatst nagekeken " + format_date(verified)))
    return [i for i in out if i.due <= until]


def _months_after(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    return date(day.year + y, m + 1, min(day.day, 28))


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
    from .queries import search

    orgs, contacts, services = search(query)
    results = [SearchResult(name, url_for("network.partner_page", org_id=oid), "Partner", mun or "")
               for oid, name, mun in orgs]
    for oid, name, role, phone, org_name in contacts:
        detail = " · ".join(x for x in (role, org_name, phone) if x)
        results.append(SearchResult(name, url_for("network.partner_page", org_id=oid), "Contactpersoon", detail))
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
    """Store a referral another plugin recorded (e.g. PeTra's guided referral at closure), once per source
    and ``source_ref``, through ``operations.record_referral``. A referral that breaks its rules (an unknown
    family or organisation, a date in the future) is not stored and does not stop the caller. No commit."""
    from core.access import involved_team_ids
    from core.models import Family, User
    from core.operations import Refused

    from .operations import record_referral

    family = db.session.get(Family, referral.get("family_id") or 0)
    if family is None:
        return None
    user = db.session.get(User, referral["user_id"]) if referral.get("user_id") else None
    team_id = referral.get("team_id")
    if team_id is None and user is not None:
        shared = involved_team_ids(family.id) & user.team_ids()
        team_id = min(shared) if shared else None
    try:
        record_referral(family, {"organisation_id": referral.get("organisation_id"),
                                 "referred_on": referral.get("date") or date.today(),
                                 "accompanied": referral.get("accompanied"), "note": referral.get("note")},
                        user=user, source=str(referral.get("source") or "onbekend"),
                        source_ref=referral.get("source_ref"), team_id=team_id)
    except Refused:
        return None
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
    from .operations import erase_family

    return erase_family(family)


@hookimpl
def hvhk_person_erase(person):
    from .operations import erase_person

    return erase_person(person)


# --------------------------------------------------------------------------- retention

RETENTION_YEARS = 5  # no figure in the practice's documents (see README)
_HAS_TEXT = or_(Referral.question.is_not(None), Referral.note.is_not(None))


def _referrals_due(cutoff: date):
    """Referrals made before ``cutoff`` that still hold a request for help or a note."""
    return (select(Referral.id.label("id"), Referral.ref.label("label"), Referral.referred_on.label("since"),
                   Referral.family_id.label("family_id"))
            .where(_HAS_TEXT, Referral.referred_on < cutoff))


@hookimpl
def hvhk_retention_rules():
    from . import operations

    return [RetentionRule(
        key="network_referral", label="Doorverwijzingen (hulpvraag en notitie)", default_years=RETENTION_YEARS,
        action="hulpvraag en interne notitie wissen; de verwijzing zelf blijft voor de cijfers per partner",
        due=_referrals_due, apply=operations.clear_referral_texts, holding_label="doorverwijzingen met hulpvraag of notitie",
        holding=lambda: db.session.scalar(select(func.count()).select_from(Referral).where(_HAS_TEXT)))]


@hookimpl
def hvhk_demo_data(session, scale):
    from .demo import load_demo

    load_demo(session, scale)


@hookimpl
def hvhk_report_figures(period, team_ids):
    """The network section of the house's report: referrals by partner and sector, warm handovers."""
    from .reports import report_figures

    return report_figures(period, team_ids)


@hookimpl
def hvhk_audit_labels():
    """Dutch labels of the network plugin's audit object types."""
    return {
        "network_partner": "partnerorganisatie",
        "network_partner_change": "wijziging door een partner",
        "network_contact": "contactpersoon van een partner",
        "network_service": "aanbod van een partner",
        "network_relation": "relatie in het netwerk",
        "network_referral": "doorverwijzing naar een partner",
        "network_eco_tie": "band in de ecomap",
        "network_ecomap": "ecomap van het gezin",
        "network_export": "export van de sociale kaart",
        "network_import": "import van de sociale kaart",
        "network_portal": "partnerportaal",
    }
