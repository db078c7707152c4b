"""Data rights of one person (the ecomap ties drawn around a child) and retention of referrals' free text,
through the core's functions."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry, Person
from core.rights import apply_retention, erase_person, person_export, retention_report, retention_rules
from plugins.network.models import EcoTie, Referral


def _people(fam):
    return {m.person.given_name: m.person for m in fam.members}


def _ties(world):
    fam = world["fam"]
    people = _people(fam)
    lotte, sarah = people["Lotte"], people["Sarah"]
    db.session.add_all([
        EcoTie(family_id=fam.id, person_id=lotte.id, kind="informeel", label="voetbaltrainer Marc", strength="sterk",
               note="Lotte praat graag met hem"),
        EcoTie(family_id=fam.id, person_id=lotte.id, kind="dienst", label="logopedie", organisation_id=world["cgg"].id),
        EcoTie(family_id=fam.id, person_id=None, kind="informeel", label="grootmoeder", strength="sterk"),
        EcoTie(family_id=fam.id, person_id=sarah.id, kind="informeel", label="collega Els", strength="zwak"),
    ])
    db.session.commit()
    return lotte, sarah


def test_person_export_holds_the_persons_ecomap_ties_only(app, world, make_referral):
    lotte, sarah = _ties(world)
    make_referral(world["fam"], world["cgg"], question="Hulpvraag over het gezin")
    data = person_export(db.session.get(Person, lotte.id), world["fam"])
    json.dumps(data, default=str)
    part = data["plugins"]["network"]
    assert list(part) == ["network"] and list(part["network"]) == ["ecomap"]
    ties = part["network"]["ecomap"]
    assert [(t["label"], t["person_id"]) for t in ties] == [("voetbaltrainer Marc", lotte.id), ("logopedie", lotte.id)]
    assert ties[0]["note"] == "Lotte praat graag met hem" and ties[1]["organisation_id"] == world["cgg"].id
    assert "grootmoeder" not in json.dumps(part) and "Hulpvraag" not in json.dumps(part)
    other = person_export(db.session.get(Person, sarah.id), world["fam"])["plugins"]["network"]
    assert [t["label"] for t in other["network"]["ecomap"]] == ["collega Els"]


def test_person_erase_removes_only_the_persons_ties(app, world, make_referral):
    lotte, _sarah = _ties(world)
    r = make_referral(world["fam"], world["cgg"], question="Hulpvraag over het gezin", note="Interne notitie")
    summary = erase_person(db.session.get(Person, lotte.id))
    db.session.commit()
    assert summary["plugins"]["network"] == {"removed": 2, "kept": 0}
    db.session.expire_all()
    assert sorted(db.session.scalars(select(EcoTie.label))) == ["collega Els", "grootmoeder"]
    ref = db.session.get(Referral, r.id)
    assert (ref.question, ref.note) == ("Hulpvraag over het gezin", "Interne notitie")


def test_referral_ref_in_sql_matches_python(app, world):
    for rid in (7, 42, 123456, 1234567):
        db.session.add(Referral(id=rid, family_id=world["fam"].id, organisation_id=world["cgg"].id,
                                referred_on=date.today()))
    db.session.commit()
    rows = db.session.execute(select(Referral.id, Referral.ref).order_by(Referral.id)).all()
    assert [tuple(r) for r in rows] == [(7, "VW-000007"), (42, "VW-000042"), (123456, "VW-123456"),
                                        (1234567, "VW-1234567")]
    assert [db.session.get(Referral, rid).ref for rid, _ in rows] == [ref for _, ref in rows]


def test_retention_clears_old_referral_texts_and_keeps_the_rows(app, world, make_referral, make_family):
    six_years = date.today() - timedelta(days=6 * 365 + 2)
    old = make_referral(world["fam"], world["cgg"], question="Oude hulpvraag", note="Oude notitie")
    old.referred_on, old.outcome = six_years, "started"
    only_note = make_referral(world["fam"], world["clb"], question=None, note="Enkel een notitie")
    only_note.referred_on = six_years
    cleared = make_referral(world["fam"], world["school"], question=None, note=None)
    cleared.referred_on = six_years
    recent = make_referral(world["fam"], world["cgg"], question="Recente hulpvraag", note="Recente notitie")
    recent.referred_on = date.today() - timedelta(days=30)
    held_fam = make_family("Maes")
    held_fam.legal_hold = True
    held = make_referral(held_fam, world["cgg"], question="Hulpvraag onder bewaarplicht", note="Notitie")
    held.referred_on = six_years
    db.session.commit()

    with app.test_request_context():
        rule = next(r for r in retention_rules() if r.key == "network_referral")
        assert (rule.label, rule.default_years) == ("Doorverwijzingen (hulpvraag en notitie)", 5)
        assert rule.holding() == 4  # old, only_note, recent, held
        [st] = retention_report(keys={"network_referral"})
        assert st.years == 5 and st.due == 2
        assert [(r.id, r.label, r.since, r.family_id) for r in st.sample] == [
            (old.id, old.ref, six_years, world["fam"].id), (only_note.id, only_note.ref, six_years, world["fam"].id)]
        assert apply_retention(rule) == 2
        db.session.commit()
        assert rule.holding() == 2

    db.session.expire_all()
    assert db.session.scalar(select(func.count(Referral.id))) == 5
    o = db.session.get(Referral, old.id)
    assert (o.question, o.note) == (None, None)
    assert (o.organisation_id, o.referred_on, o.outcome, o.accompanied) == (world["cgg"].id, six_years, "started", True)
    assert db.session.get(Referral, only_note.id).note is None
    r = db.session.get(Referral, recent.id)
    assert (r.question, r.note) == ("Recente hulpvraag", "Recente notitie")
    h = db.session.get(Referral, held.id)
    assert (h.question, h.note) == ("Hulpvraag onder bewaarplicht", "Notitie")
    logged = sorted(db.session.execute(select(AuditEntry.object_type, AuditEntry.object_id, AuditEntry.family_id)
                                       .where(AuditEntry.action == "retention")).all())
    assert [tuple(x) for x in logged] == [("network_referral", old.id, world["fam"].id),
                                          ("network_referral", only_note.id, world["fam"].id)]
    with app.test_request_context():
        [st] = retention_report(keys={"network_referral"})
        assert st.due == 0
