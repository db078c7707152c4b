"""Fixtures for the network plugin: teams, users, partner organisations with profiles, a partner user."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.extensions import db
from core.models import Consent
from core.testing import saved
from plugins.network.models import Contact, Partner, Referral, Relation, Service


@pytest.fixture
def make_partner(app, make_org):
    def factory(name: str, kind: str = "andere", municipality: str = "Genk", *, sector: str = "welzijn", line: int = 1,
                verified_days_ago: int | None = 10, contact: str | None = None, shareable: bool = True,
                service: str | None = None, areas=None):
        org = make_org(name, kind=kind, municipality=municipality)
        p = Partner(organisation_id=org.id, sector=sector, line=line, province="Limburg",
                    last_verified=None if verified_days_ago is None else date.today() - timedelta(days=verified_days_ago))
        p.set_municipalities(areas or [municipality])
        db.session.add(p)
        if contact:
            db.session.add(Contact(organisation_id=org.id, name=contact, role="zorgcoördinator",
                                   phone="089 30 20 10", email="contact@example.be", is_primary=True,
                                   shareable=shareable))
        if service:
            db.session.add(Service(organisation_id=org.id, name=service, age_min=6, age_max=12, cost="gratis",
                                   waiting_time="2 weken", shareable=True))
        db.session.commit()
        return org

    return factory


@pytest.fixture
def world(app, make_team, make_user, make_family, make_partner):
    """PeTra and Onthaal with the network plugin, Financiële dienst without; a partner school with a partner
    user, a CLB and a CGG; a family PeTra works with and one nobody works with."""
    petra = make_team("PeTra", plugins=("network",))
    onthaal = make_team("Onthaal", plugins=("network",))
    finance = make_team("Financiële dienst", plugins=())
    school = make_partner("Basisschool De Linde", "school", sector="onderwijs", contact="Pascale Peeters",
                          service="Zorgoverleg")
    clb = make_partner("CLB Genk", "clb", sector="leerlingenbegeleiding", contact="Carla Claes",
                       service="Leerlingenbegeleiding")
    cgg = make_partner("CGG Limburg", "cgg", "Hasselt", sector="gezondheid", line=2, contact="Geert Geerts",
                       shareable=False, service="Kinderpsychiatrie")
    users = {
        "worker": make_user("worker", {petra: "member"}),
        "onthaal": make_user("onthaal", {onthaal: "member"}),
        "finance": make_user("finance", {finance: "member"}),
        "partner": make_user("partner", organisation=school),
        "clbuser": make_user("clbuser", organisation=clb),
        "admin": make_user("admin", admin=True),
    }
    fam = make_family("Peeters", involved=(petra,))
    other = make_family("Janssens")
    return dict(petra=petra, onthaal=onthaal, finance=finance, school=school, clb=clb, cgg=cgg, users=users,
                fam=fam, other=other)


@pytest.fixture
def make_referral(app):
    def factory(family, org, question="Samen kijken naar de overgang na de middag.", note="Interne notitie X"):
        return saved(Referral(family_id=family.id, organisation_id=org.id, referred_on=date.today(),
                              accompanied=True, waiting_status="registered", outcome="open",
                              question=question, note=note, source="network"))

    return factory


@pytest.fixture
def give_consent(app):
    def factory(family, org, kinds="verwijzing"):
        return saved(Consent(family_id=family.id, organisation_id=org.id, purpose="Afstemming",
                             info_kinds=kinds, given_on=date.today() - timedelta(days=1)))

    return factory


@pytest.fixture
def make_relation(app):
    def factory(a, b, kind="verwijsroute", **kw):
        return saved(Relation(source_id=a.id, target_id=b.id, kind=kind, **kw))

    return factory
