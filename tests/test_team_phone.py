"""A team's phone number (core_0011): set by an admin, checked as a Belgian number with a Dutch message, shown
where a worker needs to reach the team (the no-access page of a family, the team lists)."""

import html
import re

import pytest
from sqlalchemy import inspect, select, text

from core.extensions import db
from core.formatting import belgian_phone, tel_uri
from core.models import AuditEntry, Team


@pytest.mark.parametrize("typed, stored", [
    ("089 12 34 56", "089 12 34 56"),
    ("089/12.34.56", "089 12 34 56"),
    ("+32 89 12 34 56", "089 12 34 56"),
    ("+32 (0)89 12 34 56", "089 12 34 56"),
    ("0032 470 12 34 56", "0470 12 34 56"),
    ("0470123456", "0470 12 34 56"),
    ("02-123 45 67", "02 123 45 67"),
    ("0800 12 345", "0800 12 345"),
])
def test_belgian_numbers_are_written_the_flemish_way(typed, stored):
    assert belgian_phone(typed) == stored
    assert tel_uri(typed) == "tel:+32" + stored[1:].replace(" ", "")


@pytest.mark.parametrize("typed", ["bel het onthaal", "089 12 AB 56", "089 12 34 5", "0470 12 34 567",
                                   "+31 20 123 4567", "12345678", "089 12 34 56 of 011 12 34 56", "", None])
def test_what_is_not_a_belgian_number_is_refused(typed):
    assert belgian_phone(typed) is None and tel_uri(typed) == ""


def test_an_admin_creates_a_team_with_a_phone_number(client, make_user, login):
    make_user("root", admin=True)
    login(client, "root")
    resp = client.post("/beheer/teams", data={"name": "Opvoedingswinkel", "phone": "+32 89/12.34.56"})
    assert resp.status_code == 302
    team = db.session.scalar(select(Team))
    assert team.phone == "089 12 34 56"  # stored normalised
    body = client.get("/beheer/teams").get_data(as_text=True)
    assert 'href="tel:+3289123456"' in body and "089 12 34 56" in body


def test_letters_give_a_dutch_message_next_to_the_field_and_keep_what_was_typed(client, make_user, login):
    make_user("root", admin=True)
    login(client, "root")
    resp = client.post("/beheer/teams", data={"name": "Onthaal", "phone": "089 12 AB 56"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert '<small class="field-error" id="phone-fout">Geen Belgisch telefoonnummer.' in body
    assert 'value="089 12 AB 56"' in body and 'aria-invalid="true"' in body
    assert db.session.scalar(select(Team)) is None


def _seen(client, team) -> str:
    """The fingerprint the edit page carries (what the admin saw)."""
    body = client.get(f"/beheer/teams/{team.id}").get_data(as_text=True)
    return re.search(r'name="seen" type="hidden" value="([0-9a-f]{24})"', body).group(1)


def test_two_admins_editing_one_team_the_second_save_is_refused_and_keeps_what_was_typed(client, make_team,
                                                                                          make_user, login):
    team = make_team("Opvoedingswinkel")
    make_user("root", admin=True)
    make_user("root2", admin=True)
    db.session.commit()
    login(client, "root")
    other = client.application.test_client()
    login(other, "root2")
    mine, theirs = _seen(client, team), _seen(other, team)
    assert other.post(f"/beheer/teams/{team.id}", data={"name": "Opvoedingswinkel", "phone": "089 11 22 33",
                                                        "seen": theirs}).status_code == 302
    late = client.post(f"/beheer/teams/{team.id}", data={"name": "Opvoedingswinkel", "phone": "089 99 88 77",
                                                         "seen": mine})
    body = late.get_data(as_text=True)
    assert late.status_code == 409 and "Iemand anders heeft dit intussen gewijzigd" in body
    assert 'value="089 99 88 77"' in body
    db.session.expire_all()
    assert db.session.get(Team, team.id).phone == "089 11 22 33"
    # saving again from the refreshed fingerprint overwrites knowingly
    again = re.search(r'name="seen" type="hidden" value="([0-9a-f]{24})"', body).group(1)
    assert client.post(f"/beheer/teams/{team.id}", data={"name": "Opvoedingswinkel", "phone": "089 99 88 77",
                                                          "seen": again}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Team, team.id).phone == "089 99 88 77"


def test_an_admin_sets_and_clears_the_phone_of_an_existing_team(client, make_team, make_user, login):
    team = make_team("PeTra-team", description="Trajecten")
    make_team("Onthaal")
    make_user("root", admin=True)
    db.session.commit()
    login(client, "root")
    assert 'name="phone"' in client.get(f"/beheer/teams/{team.id}").get_data(as_text=True)
    resp = client.post(f"/beheer/teams/{team.id}", data={"name": "PeTra-team", "description": "Trajecten",
                                                         "phone": "0470123456", "seen": _seen(client, team)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert team.phone == "0470 12 34 56" and team.description == "Trajecten"
    assert db.session.scalar(select(AuditEntry.detail).where(AuditEntry.object_type == "team")) == "telefoon"

    bad = client.post(f"/beheer/teams/{team.id}", data={"name": "PeTra-team", "phone": "bel Marleen",
                                                        "seen": _seen(client, team)})
    assert bad.status_code == 422 and "Geen Belgisch telefoonnummer" in bad.get_data(as_text=True)
    assert 'value="bel Marleen"' in bad.get_data(as_text=True)
    taken = client.post(f"/beheer/teams/{team.id}", data={"name": "Onthaal", "phone": "089 12 34 56"})
    assert "Er bestaat al een team met deze naam" in taken.get_data(as_text=True)
    db.session.expire_all()
    assert team.phone == "0470 12 34 56" and team.name == "PeTra-team"

    assert client.post(f"/beheer/teams/{team.id}", data={"name": "PeTra-team", "phone": "",
                                                         "seen": _seen(client, team)}).status_code == 302
    db.session.expire_all()
    assert team.phone is None


def test_only_admins_edit_a_team(client, make_team, make_user, login):
    team = make_team("PeTra-team")
    make_user("anna", {team: "manager"})
    db.session.commit()
    login(client, "anna")
    assert client.get(f"/beheer/teams/{team.id}").status_code == 403
    assert client.post(f"/beheer/teams/{team.id}", data={"name": "X", "phone": "089 12 34 56"}).status_code == 403
    db.session.expire_all()
    assert team.phone is None and team.name == "PeTra-team"


def test_the_no_access_page_gives_the_teams_phone_number(client, make_team, make_user, make_family, login):
    petra, owv, onthaal = make_team("PeTra-team"), make_team("Opvoedingswinkel"), make_team("Onthaal")
    petra.phone = "089 12 34 56"
    make_user("anna", {petra: "manager"})
    make_user("worker", {owv: "member"})
    db.session.commit()
    fam = make_family("Claes", involved=(petra, onthaal))
    login(client, "worker")
    resp = client.get(f"/gezinnen/{fam.id}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 403
    assert '<strong>PeTra-team</strong>, tel. <a href="tel:+3289123456">089 12 34 56</a>' in body
    assert "vraag het team via het onthaal" in body  # Onthaal: no number, no people
    assert "Lotte" not in body


def test_a_manager_sees_the_teams_number_on_the_team_pages(client, make_team, make_user, login):
    team = make_team("PeTra-team")
    team.phone = "011 12 34 56"
    make_user("anna", {team: "manager"})
    db.session.commit()
    login(client, "anna")
    for url in ("/teams/", f"/teams/{team.id}/modules"):
        body = html.unescape(client.get(url).get_data(as_text=True))
        assert 'href="tel:+3211123456"' in body and "011 12 34 56" in body, url


# --------------------------------------------------------------------------- the migration


def test_the_team_model_matches_the_migrations(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)

    def on_team(d):
        d = d[0] if isinstance(d, list) else d
        return any(p == "team" or getattr(p, "name", None) == "team" or
                   getattr(getattr(p, "table", None), "name", None) == "team" for p in d[1:])

    assert [d for d in diff if on_team(d)] == []
    assert {c["name"]: c for c in inspect(db.engine).get_columns("team")}["phone"]["nullable"] is True


def test_core_0011_adds_and_drops_the_phone_and_keeps_the_teams(migration_app):
    from flask_migrate import downgrade, upgrade

    with migration_app.app_context():
        upgrade(revision="core_0010")
        db.session.execute(text("INSERT INTO team (id, name, require_2fa) VALUES (1, 'PeTra', :f)"), {"f": False})
        db.session.commit()
        db.session.remove()
        upgrade(revision="core_0011")
        db.session.remove()
        assert db.session.execute(text("SELECT name, phone FROM team")).all() == [("PeTra", None)]
        db.session.execute(text("UPDATE team SET phone = '089 12 34 56'"))
        db.session.commit()
        db.session.remove()
        downgrade(revision="core_0010")
        db.session.remove()
        assert "phone" not in {c["name"] for c in inspect(db.engine).get_columns("team")}
        assert db.session.execute(text("SELECT name FROM team")).all() == [("PeTra",)]
        db.session.remove()
        upgrade(revision="core_0011")
        db.session.remove()
        assert db.session.execute(text("SELECT name, phone FROM team")).all() == [("PeTra", None)]
        db.session.remove()
