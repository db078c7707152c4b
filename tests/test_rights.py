"""Data rights: subject-access export, erasure with preview and legal hold, retention, backup round trip."""

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, inspect, select, text

from core.extensions import db
from core.models import AuditEntry, ChangeRecord, Consent, Family, FamilyMember, Person, utcnow


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
    summary = zf.read("overzicht.html").decode()
    assert "Elif" in summary and "<td>bekeken</td>" in summary and "<td>view</td>" not in summary
    page = client.get(f"/gezinnen/{fam.id}").get_data(as_text=True)
    assert "bekeken" in page and "<td>view " not in page  # who looked, in Dutch
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


def _age_family(fam, days: int, archived: bool = True) -> None:
    db.session.execute(text("UPDATE family SET archived = :t, updated_at = :d WHERE id = :i"),
                       {"t": archived, "d": utcnow() - timedelta(days=days), "i": fam.id})
    db.session.commit()
    db.session.expire_all()


def test_retention_lists_and_anonymises_what_is_past_its_term(app, make_family):
    old = make_family("Oud")
    recent = make_family("Recent")
    held = make_family("Rechtszaak")
    for fam, age in ((old, 6 * 365), (recent, 30), (held, 6 * 365)):
        _age_family(fam, age)
    db.session.get(Family, held.id).legal_hold = True
    db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "--dry-run", "--kind", "archived_family"])
    assert dry.exit_code == 0, dry.output
    assert "archived_family: Gearchiveerde gezinnen zonder betrokken team, term 5 years" in dry.output
    assert f"Gezin #{old.id} (since" in dry.output and "1 past their term" in dry.output
    assert f"Gezin #{held.id}" not in dry.output and f"Gezin #{recent.id}" not in dry.output
    assert db.session.get(Family, old.id).anonymised_at is None
    applied = runner.invoke(args=["retention", "--apply", "--kind", "archived_family"])
    assert "  1/1\n" in applied.output and "anonymised 1:" in applied.output, applied.output
    db.session.expire_all()
    assert db.session.get(Family, old.id).anonymised_at is not None
    assert db.session.get(Family, recent.id).anonymised_at is None
    assert db.session.get(Family, held.id).label == "Rechtszaak"
    logged = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "retention"))
    assert (logged.object_type, logged.object_id, logged.family_id) == ("archived_family", old.id, old.id)


def test_retention_of_change_history_keeps_the_audit_log(app, client, make_user, make_family, login):
    make_user("root", admin=True)
    fam = make_family("Claes")
    login(client, "root")
    client.post(f"/gezinnen/{fam.id}/bewerken", data={"version": fam.version, "label": "Claes",
                                                     "street": "Kerkstraat 1", "municipality": "Genk"})
    client.post(f"/gezinnen/{fam.id}/bewerken", data={"version": fam.version + 1, "label": "Claes",
                                                     "street": "Molenweg 9", "municipality": "Genk"})
    rows = db.session.scalars(select(ChangeRecord).where(ChangeRecord.family_id == fam.id)).all()
    assert any(r.old_value == "Kerkstraat 1" for r in rows)
    first = min(r.id for r in rows)
    db.session.execute(text("UPDATE change_record SET at = :d WHERE id <= :i"),
                       {"d": utcnow() - timedelta(days=6 * 365), "i": first + 1})
    db.session.commit()
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    result = app.test_cli_runner().invoke(args=["retention", "--apply", "--kind", "change_history"])
    assert "anonymised 2:" in result.output, result.output
    db.session.expire_all()
    left = db.session.scalars(select(ChangeRecord).where(ChangeRecord.family_id == fam.id)).all()
    assert len(left) == len(rows) - 2 and all(r.id > first + 1 for r in left)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before + 2


def test_retention_deletes_old_login_attempts_and_old_read_notifications_only(app, client, make_user, login):
    """A year after the fact a login attempt (user name, IP address) and a read notification go; recent attempts
    (throttling counts them), recent and unread notifications stay; the overview counts both kinds."""
    from core.models import LoginAttempt
    from core.notifications import Notification
    from core.rights import personal_data_overview

    worker = make_user("lien")
    long_ago, lately = utcnow() - timedelta(days=400), utcnow() - timedelta(days=20)
    db.session.add_all([LoginAttempt(username="lien", address="10.0.0.1", at=long_ago, success=True),
                        LoginAttempt(username="lien", address="10.0.0.1", at=lately, success=False)])
    old_read, old_unread, new_read = (
        Notification(user_id=worker.id, kind="taak", text="Taak TK-1", created_at=long_ago, read_at=long_ago),
        Notification(user_id=worker.id, kind="taak", text="Taak TK-2", created_at=long_ago),
        Notification(user_id=worker.id, kind="taak", text="Taak TK-3", created_at=long_ago, read_at=lately))
    db.session.add_all([old_read, old_unread, new_read])
    db.session.commit()
    overview = personal_data_overview()
    assert overview["aanmeldpogingen"] == 2 and overview["meldingen"] == 3
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "--dry-run", "--kind", "login_attempt", "--kind", "read_notification"])
    assert "login_attempt: Aanmeldpogingen (gebruikersnaam en IP-adres), term 1 years" in dry.output, dry.output
    assert f"Melding #{old_read.id} (since" in dry.output and f"Melding #{old_unread.id}" not in dry.output
    applied = runner.invoke(args=["retention", "--apply", "--kind", "login_attempt", "--kind", "read_notification"])
    assert applied.exit_code == 0, applied.output
    db.session.expire_all()
    assert db.session.scalars(select(LoginAttempt.at)).all() == [lately]
    assert sorted(db.session.scalars(select(Notification.id))) == sorted([old_unread.id, new_read.id])
    logged = db.session.scalars(select(AuditEntry.object_type).where(AuditEntry.action == "retention")).all()
    assert sorted(logged) == ["login_attempt", "read_notification"]
    # logging in still works and is still throttled on the recent failures only
    login(client, "lien")
    assert client.get("/").status_code == 200


def test_retention_command_refuses_an_unknown_kind(app):
    result = app.test_cli_runner().invoke(args=["retention", "--kind", "alles"])
    assert result.exit_code == 2 and "unknown kind alles" in result.output


def test_retention_page_sets_terms_per_kind_and_applies_them(client, make_user, make_family, login):
    from core.models import Setting

    make_user("root", admin=True)
    old = make_family("Oud")
    _age_family(old, 3 * 365)
    login(client, "root")
    page = client.get("/beheer/bewaartermijnen").get_data(as_text=True)
    assert "Gearchiveerde gezinnen zonder betrokken team (jaren)" in page
    assert "Wijzigingsgeschiedenis" in page and "Niets is voorbij zijn bewaartermijn." in page
    bad = client.post("/beheer/bewaartermijnen", data={"actie": "termijn", "archived_family": "99",
                                                       "change_history": "abc"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Geef een bewaartermijn tussen 1 en 30 jaar." in body and 'value="99"' in body
    assert db.session.get(Setting, "retention_archived_family_years") is None
    from core.rights import retention_rules

    terms = {r.key: str(r.default_years) for r in retention_rules()}  # the plugins' rules are in the form too
    ok = client.post("/beheer/bewaartermijnen", data={**terms, "actie": "termijn", "archived_family": "2"})
    assert ok.status_code == 302
    assert db.session.get(Setting, "retention_archived_family_years").value == "2"
    assert db.session.get(Setting, "retention_change_history_years") is None  # unchanged stays default
    page = client.get("/beheer/bewaartermijnen").get_data(as_text=True)
    assert f"Gezin #{old.id}" in page
    done = client.post("/beheer/bewaartermijnen", data={"actie": "toepassen", "regel": "archived_family"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Family, old.id).anonymised_at is not None


def test_retention_page_applies_at_most_a_batch_per_click_and_says_what_is_left(client, make_user, make_family,
                                                                                  login, monkeypatch):
    import core.admin

    monkeypatch.setattr(core.admin, "RETENTION_PER_CLICK", 2)
    make_user("root", admin=True)
    old = [make_family(f"Oud {i}") for i in range(3)]
    for fam in old:
        _age_family(fam, 6 * 365)
    login(client, "root")
    nothing = client.post("/beheer/bewaartermijnen", data={"actie": "toepassen"}, follow_redirects=True)
    assert "Kies minstens één soort gegevens" in nothing.get_data(as_text=True)
    first = client.post("/beheer/bewaartermijnen", data={"actie": "toepassen", "regel": "archived_family"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Gearchiveerde gezinnen zonder betrokken team: 2." in first and "Nog 1 te gaan" in first
    db.session.expire_all()
    assert [db.session.get(Family, f.id).anonymised_at is not None for f in old] == [True, True, False]
    second = client.post("/beheer/bewaartermijnen", data={"actie": "toepassen", "regel": "archived_family"},
                         follow_redirects=True).get_data(as_text=True)
    assert "Gearchiveerde gezinnen zonder betrokken team: 1." in second and "Nog " not in second
    log = client.get("/beheer/logboek").get_data(as_text=True)
    assert "bewaartermijn toegepast" in log


def test_only_admins_reach_the_retention_page(client, make_team, make_user, login):
    team = make_team("PeTra")
    make_user("baas", {team: "manager"})
    login(client, "baas")
    assert client.get("/beheer/bewaartermijnen").status_code == 403
    assert client.post("/beheer/bewaartermijnen", data={"actie": "toepassen", "regel": "archived_family"}
                       ).status_code == 403


# --------------------------------------------------------------------------- one person


def _two_children(make_family, team):
    fam = make_family("Janssens", children=(("Noor", date(2013, 7, 9)), ("Vik", date(2016, 1, 22))),
                      parents=(("Sara", date(1984, 11, 30)),), involved=(team,))
    people = {m.person.given_name: m.person for m in fam.members}
    return fam, people


def test_person_export_holds_that_person_and_who_looked(client, make_team, make_user, make_family, login):
    team = make_team("PeTra")
    make_user("baas", {team: "manager"})
    fam, people = _two_children(make_family, team)
    login(client, "baas")
    client.get(f"/gezinnen/{fam.id}/leden/{people['Noor'].id}")
    resp = client.get(f"/gezinnen/{fam.id}/leden/{people['Noor'].id}/export")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(resp.data))
    data = json.loads(zf.read("gegevens.json"))
    assert data["person"]["given_name"] == "Noor" and data["person"]["birth_date"] == "2013-07-09"
    assert data["families"] == [{"family_id": fam.id, "family": "Janssens", "role": "kind", "relation": None}]
    assert "Vik" not in zf.read("gegevens.json").decode()
    assert any(e["action"] == "view" and e["object"] == "person" and e["by"] == "Baas" for e in data["audit_log"])
    assert "Noor" in zf.read("overzicht.html").decode()
    logged = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert (logged.object_type, logged.object_id, logged.family_id) == ("person", people["Noor"].id, fam.id)


def test_person_export_is_refused_to_members_and_to_uninvolved_managers(client, make_team, make_user, make_family,
                                                                        login):
    petra, other = make_team("PeTra"), make_team("Onthaal")
    make_user("worker", {petra: "member"})
    make_user("vreemde", {other: "manager"})
    fam, people = _two_children(make_family, petra)
    url = f"/gezinnen/{fam.id}/leden/{people['Noor'].id}/export"
    login(client, "worker")
    assert client.get(url).status_code == 403
    client.post("/afmelden")
    login(client, "vreemde")
    resp = client.get(url)
    assert resp.status_code in (403, 404) and b"Noor" not in resp.data
    assert client.get(f"/gezinnen/{fam.id}/leden/{people['Noor'].id}/wissen").status_code == 403
    denied = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "denied")).all()
    assert len(denied) >= 2


def test_person_from_another_family_is_not_found(client, make_team, make_user, make_family, login):
    make_user("root", admin=True)
    fam, people = _two_children(make_family, make_team("PeTra"))
    other = make_family("Peeters")
    login(client, "root")
    assert client.get(f"/gezinnen/{other.id}/leden/{people['Noor'].id}/export").status_code == 404
    assert client.get(f"/gezinnen/{other.id}/leden/{people['Noor'].id}/wissen").status_code == 404


def test_erasing_one_person_leaves_the_rest_of_the_family(client, make_team, make_user, make_family, login,
                                                          database_url):
    team = make_team("PeTra")
    make_user("root", admin=True)
    fam, people = _two_children(make_family, team)
    noor = people["Noor"]
    login(client, "root")
    client.post(f"/gezinnen/{fam.id}/leden/{noor.id}", data={
        "version": noor.version, "role": "kind", "given_name": "Noor", "family_name": "Janssens",
        "birth_date": "2013-07-09", "class_teacher": "meester Staf"})
    preview = client.get(f"/gezinnen/{fam.id}/leden/{noor.id}/wissen").get_data(as_text=True)
    assert "Wordt verwijderd" in preview and "Blijft bewaard" in preview
    wrong = client.post(f"/gezinnen/{fam.id}/leden/{noor.id}/wissen", data={"bevestiging": "Vik"})
    assert wrong.status_code == 400 and 'value="Vik"' in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, noor.id).given_name == "Noor"
    ok = client.post(f"/gezinnen/{fam.id}/leden/{noor.id}/wissen", data={"bevestiging": "noor"})
    assert ok.status_code == 302
    everything = _all_text(database_url)
    for secret in ("Noor", "2013-07-09", "meester Staf"):
        assert secret not in everything, f"{secret!r} remains after erasure"
    for kept in ("Vik", "2016-01-22", "Sara", "Janssens"):
        assert kept in everything, f"{kept!r} of the rest of the family was erased too"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(FamilyMember.family_id == fam.id)) == 3
    assert db.session.get(Family, fam.id).anonymised_at is None
    logged = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "erase"))
    assert (logged.object_type, logged.object_id, logged.family_id) == ("person", noor.id, fam.id)


def test_legal_hold_on_any_family_blocks_erasing_the_person(client, make_user, make_family, login):
    make_user("root", admin=True)
    a = make_family("Claes", children=(("Lotte", date(2015, 3, 14)),))
    b = make_family("Maes")
    lotte = db.session.scalar(select(Person).where(Person.given_name == "Lotte"))
    db.session.add(FamilyMember(family_id=b.id, person_id=lotte.id, role="kind"))
    b.legal_hold = True
    db.session.commit()
    login(client, "root")
    page = client.get(f"/gezinnen/{a.id}/leden/{lotte.id}/wissen").get_data(as_text=True)
    assert "Juridische bewaarplicht" in page and "Maes" in page
    resp = client.post(f"/gezinnen/{a.id}/leden/{lotte.id}/wissen", data={"bevestiging": "Lotte"})
    assert resp.status_code == 400
    db.session.expire_all()
    assert db.session.get(Person, lotte.id).given_name == "Lotte"


def test_export_family_command_for_one_person(app, make_family, make_team, tmp_path):
    fam, people = _two_children(make_family, make_team("PeTra"))
    out = tmp_path / "noor.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export-family", str(fam.id), "--person", str(people["Noor"].id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(zipfile.ZipFile(out).read("gegevens.json"))
    assert data["person"]["given_name"] == "Noor"
    stranger = runner.invoke(args=["export-family", str(fam.id), "--person", "999999"])
    assert stranger.exit_code == 1 and "not a member" in stranger.output


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
