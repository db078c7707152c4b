"""Data rights: subject-access export, erasure with preview and legal hold, retention, backup round trip."""

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, inspect, select, text

from core.extensions import db
from core.models import AuditEntry, Consent, Family, FamilyMember, Person, utcnow


def _family_with_everything(make_family, make_org, team):
    fam = make_family("Öztürk", children=(("Elif", date(2014, 5, 1)),), parents=(("Ayla", date(1985, 2, 3)),),
                      involved=(team,))
    fam.notes = "Mama vraagt hulp bij huiswerkbegeleiding"
    fam.phone = "0470 11 22 33"
    school = make_org("Basisschool De Linde")
    parent = db.session.scalar(select(FamilyMember).where(FamilyMember.family_id == fam.id, FamilyMember.role == "ouder"))
    db.session.add(Consent(family_id=fam.id, organisation_id=school.id, purpose="Afstemming met juf Mieke",
                           info_kinds="verwijzing", given_by_person_id=parent.person_id, given_on=date.today()))
    db.session.commit()
    return fam


def test_export_zip_holds_json_html_and_who_looked(client, make_team, make_user, make_family, make_org, login):
    team = make_team("PeTra")
    make_user("baas", {team: "manager"})
    fam = _family_with_everything(make_family, make_org, team)
    login(client, "baas")
    client.get(f"/gezinnen/{fam.id}")
    resp = client.get(f"/gezinnen/{fam.id}/export")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(resp.data))
    assert set(zf.namelist()) == {"gegevens.json", "overzicht.html"}
    data = json.loads(zf.read("gegevens.json"))
    assert data["family"]["label"] == "Öztürk"
    assert {m["person"]["given_name"] for m in data["members"]} == {"Elif", "Ayla"}
    assert data["consents"][0]["purpose"] == "Afstemming met juf Mieke"
    assert any(e["action"] == "view" and e["by"] == "Baas" for e in data["audit_log"])
    assert "Elif" in zf.read("overzicht.html").decode()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export")) is not None


def test_plain_member_cannot_export(client, make_team, make_user, make_family, login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    fam = make_family("Claes", involved=(team,))
    login(client, "worker")
    assert client.get(f"/gezinnen/{fam.id}/export").status_code == 403


def _all_text(database_url) -> str:
    """Every text value in every table, to prove nothing of an erased family remains."""
    chunks = []
    insp = inspect(db.engine)
    with db.engine.connect() as conn:
        for table in insp.get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                chunks.extend(str(v) for v in row if v is not None)
    return "\n".join(chunks)


def test_erasure_preview_confirmation_and_nothing_remains(client, make_team, make_user, make_family, make_org, login,
                                                          database_url):
    team = make_team("PeTra")
    make_user("root", admin=True)
    fam = _family_with_everything(make_family, make_org, team)
    other = make_family("Peeters", involved=(team,))
    login(client, "root")
    client.post(f"/gezinnen/{fam.id}/bewerken", data={"version": fam.version, "label": "Öztürk", "street": "Molenweg 9",
                                                     "postcode": "3600", "municipality": "Genk"})
    preview = client.get(f"/gezinnen/{fam.id}/wissen").get_data(as_text=True)
    assert "Wordt verwijderd" in preview and "Blijft bewaard" in preview
    wrong = client.post(f"/gezinnen/{fam.id}/wissen", data={"bevestiging": "iets anders"})
    assert wrong.status_code == 400
    assert client.post(f"/gezinnen/{fam.id}/wissen", data={"bevestiging": "Öztürk"}).status_code == 302
    everything = _all_text(database_url)
    for secret in ("Öztürk", "Elif", "Ayla", "Molenweg", "huiswerk", "0470 11 22 33", "juf Mieke",
                   "2014-05-01", "1985-02-03"):
        assert secret not in everything, f"{secret!r} remains after erasure"
    # aggregates still add up: the rows exist, anonymised
    assert db.session.query(Family).count() == 2
    assert db.session.get(Family, other.id).label == "Peeters"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "erase")) is not None


def test_legal_hold_blocks_erasure(client, make_user, make_family, login):
    make_user("root", admin=True)
    fam = make_family("Claes")
    login(client, "root")
    client.post(f"/gezinnen/{fam.id}/bewaarplicht", data={"on": "1"})
    resp = client.post(f"/gezinnen/{fam.id}/wissen", data={"bevestiging": "Claes"})
    assert resp.status_code == 400 and "bewaarplicht" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Family, fam.id).label == "Claes"


def test_person_in_two_families_survives_erasure_of_one(app, make_family):
    from core.rights import erase_family

    a = make_family("Claes", children=(("Lotte", date(2015, 3, 14)),))
    b = make_family("Maes", children=())
    lotte = db.session.scalar(select(Person).where(Person.given_name == "Lotte"))
    db.session.add(FamilyMember(family_id=b.id, person_id=lotte.id, role="kind"))
    db.session.commit()
    with app.test_request_context():
        erase_family(a)
    db.session.commit()
    assert db.session.get(Person, lotte.id).given_name == "Lotte"
    assert db.session.scalar(select(FamilyMember).where(FamilyMember.family_id == a.id,
                                                        FamilyMember.person_id == lotte.id)) is None


def test_retention_lists_and_anonymises_what_is_past_its_term(app, make_family):
    from core.rights import retention_candidates

    old = make_family("Oud")
    recent = make_family("Recent")
    for fam, age in ((old, 6 * 365), (recent, 30)):
        db.session.execute(text("UPDATE family SET archived = :t, updated_at = :d WHERE id = :i"),
                           {"t": True, "d": utcnow() - timedelta(days=age), "i": fam.id})
    db.session.commit()
    db.session.expire_all()
    assert [f.id for f in retention_candidates()] == [old.id]
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "--dry-run"])
    assert f"family {old.id}" in dry.output and db.session.get(Family, old.id).anonymised_at is None
    applied = runner.invoke(args=["retention", "--apply"])
    assert "Anonymised 1 families" in applied.output, applied.output
    db.session.expire_all()
    assert db.session.get(Family, old.id).anonymised_at is not None
    assert db.session.get(Family, recent.id).anonymised_at is None


def test_export_family_command_writes_a_zip(app, make_family, tmp_path):
    fam = make_family("Claes")
    out = tmp_path / "inzage.zip"
    result = app.test_cli_runner().invoke(args=["export-family", str(fam.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "gegevens.json" in zipfile.ZipFile(out).namelist()


def test_backup_and_restore_round_trip(app, make_family, tmp_path, is_postgres):
    import shutil

    if is_postgres and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    make_family("Voor")
    runner = app.test_cli_runner()
    out = tmp_path / ("backup.pgdump" if is_postgres else "backup.sqlite3")
    result = runner.invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    make_family("Na de backup")
    assert db.session.query(Family).count() == 2
    db.session.remove()
    result = runner.invoke(args=["restore", str(out), "--yes"])
    assert result.exit_code == 0, result.output
    labels = [f.label for f in db.session.scalars(select(Family))]
    assert labels == ["Voor"]


def test_erasing_a_demo_family_removes_it_from_every_plugin_table(app, database_url):
    """A demo family with work in the plugins (trajectory, enrolment, ecomap, referrals): after erasure no
    name, date of birth, address or free text of it remains in any table, and the rows that counts and
    costs rely on are still there."""
    from core.demo import load_demo
    from core.rights import erase_family

    load_demo(scale=1)
    tables = set(inspect(db.engine).get_table_names())
    # the family with the most rows in plugin tables that point at it
    candidates = [t for t in ("petra_trajectory", "groups_enrolment", "network_eco_tie", "network_referral") if t in tables]
    if not candidates:
        pytest.skip("no plugin with family data is installed")
    union = " UNION ALL ".join(f"SELECT family_id FROM {t}" for t in candidates)
    fam_id = db.session.execute(text(f"SELECT family_id FROM ({union}) x GROUP BY family_id "
                                     "ORDER BY COUNT(*) DESC LIMIT 1")).scalar()
    fam = db.session.get(Family, fam_id)
    people = [m.person for m in fam.members
              if db.session.scalar(select(func.count()).where(FamilyMember.person_id == m.person_id)) == 1]
    secrets_ = {fam.label, fam.street} | {p.given_name for p in people} | {
        p.birth_date.isoformat() for p in people if p.birth_date}
    before = {t: db.session.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar() for t in tables}
    with app.test_request_context():
        erase_family(fam)
    db.session.commit()
    # every row that belongs to the family, directly or through a chain of foreign keys, holds none of it
    insp = inspect(db.engine)
    scope = {"family": "id = :f", "person": "id IN (SELECT person_id FROM family_member WHERE family_id = :f)"}
    grew = True
    while grew:
        grew = False
        for t in tables - set(scope):
            for fk in insp.get_foreign_keys(t):
                ref = fk["referred_table"]
                if ref in scope and len(fk["constrained_columns"]) == 1:
                    col = fk["constrained_columns"][0]
                    scope[t] = f'"{col}" IN (SELECT id FROM "{ref}" WHERE {scope[ref]})'
                    grew = True
                    break
    assert {"petra_contact", "groups_attendance"} & set(scope) or not {"petra_contact", "groups_attendance"} & tables
    print("checked tables:", sorted(scope))
    with db.engine.connect() as conn:
        for t, where in scope.items():
            for row in conn.execute(text(f'SELECT * FROM "{t}" WHERE {where}'), {"f": fam_id}):
                text_values = " ".join(str(v) for v in row if v is not None)
                for s in secrets_:
                    assert s not in text_values, f"{s!r} remains in {t}"
    after = {t: db.session.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar() for t in tables}
    for t in ("family", "petra_trajectory", "petra_fee", "groups_session", "groups_programme"):
        if t in tables:
            assert after[t] == before[t], f"{t} lost rows: counts and costs would no longer add up"
