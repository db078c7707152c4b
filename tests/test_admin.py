"""Admin pages: the audit log filtered by user, family and period; teams; organisations; refused to others."""

from datetime import date, timedelta

from core.extensions import db
from core.models import Organisation, Team


def test_audit_log_filters_by_user_family_and_period(client, make_team, make_user, make_family, login, app):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    make_user("root", admin=True)
    fam_a = make_family("Claes", involved=(team,))
    fam_b = make_family("Maes", involved=(team,))
    worker = app.test_client()
    login(worker, "worker")
    worker.get(f"/gezinnen/{fam_a.id}")
    worker.get(f"/gezinnen/{fam_b.id}")
    login(client, "root")
    by_family = client.get(f"/beheer/logboek?gezin={fam_a.id}").get_data(as_text=True)
    assert f'>{fam_a.id}</a>' in by_family and f'>{fam_b.id}</a>' not in by_family
    by_user = client.get("/beheer/logboek?gebruiker=worker").get_data(as_text=True)
    assert "worker" in by_user and "root" not in by_user.split("<tbody>")[1]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    empty = client.get(f"/beheer/logboek?van={tomorrow}").get_data(as_text=True)
    assert "<tbody></tbody>" in empty


def test_admin_creates_teams_and_organisations_with_dutch_validation(client, make_user, login):
    make_user("root", admin=True)
    login(client, "root")
    assert client.post("/beheer/teams", data={"name": "Opvoedingswinkel"}).status_code == 302
    resp = client.post("/beheer/teams", data={"name": "Opvoedingswinkel"})
    assert "Er bestaat al een team met deze naam" in resp.get_data(as_text=True)
    assert db.session.query(Team).count() == 1
    resp = client.post("/beheer/organisaties", data={"name": "", "kind": "clb"})
    assert "Geef de naam van de organisatie" in resp.get_data(as_text=True)
    assert client.post("/beheer/organisaties", data={"name": "CLB Genk", "kind": "clb", "municipality": "Genk"}).status_code == 302
    assert db.session.query(Organisation).one().kind_label == "CLB"


def test_admin_pages_are_refused_to_managers_and_members(client, make_team, make_user, login):
    team = make_team("PeTra")
    make_user("manager", {team: "manager"})
    login(client, "manager")
    for url in ("/beheer/", "/beheer/gebruikers", "/beheer/logboek", "/beheer/modules", "/beheer/bewaartermijnen"):
        assert client.get(url).status_code == 403, url
    assert client.post("/beheer/teams", data={"name": "Nieuw"}).status_code == 403
