"""Destructive actions ask first (a second step that works without JavaScript, and inline through htmx),
ending your own team's involvement explains that you lose access at once, other teams' involvements cannot be
ended from the page, the no-access page names whom to call, and search results tell same-name families apart."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.extensions import db
from core.models import Family, Involvement


def test_ending_own_involvement_asks_and_explains_losing_access(client, make_team, make_user, make_family, login):
    petra, other = make_team("PeTra-team"), make_team("Opvoedingswinkel")
    make_user("worker", {petra: "member"})
    fam = make_family("Claes", involved=(petra, other))
    mine = db.session.scalar(select(Involvement).where(Involvement.family_id == fam.id, Involvement.team_id == petra.id))
    theirs = db.session.scalar(select(Involvement).where(Involvement.family_id == fam.id,
                                                         Involvement.team_id == other.id))
    login(client, "worker")
    page = client.get(f"/gezinnen/{fam.id}").get_data(as_text=True)
    assert f"/betrokkenheid/{mine.id}/stop" in page
    assert f"/betrokkenheid/{theirs.id}/stop" not in page  # no "beëindigen" on another team's involvement
    ask = client.post(f"/gezinnen/{fam.id}/betrokkenheid/{mine.id}/stop")
    body = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "Je verliest meteen de toegang tot dit gezin" in body
    assert 'name="bevestigd" value="1"' in body and 'name="csrf_token"' in body
    inline = client.post(f"/gezinnen/{fam.id}/betrokkenheid/{mine.id}/stop", htmx=True).get_data(as_text=True)
    assert 'role="alertdialog"' in inline and "<html" not in inline
    db.session.refresh(mine)
    assert mine.ended_at is None
    # another team's involvement: refused, nothing ended
    assert client.post(f"/gezinnen/{fam.id}/betrokkenheid/{theirs.id}/stop", data={"bevestigd": "1"}).status_code == 403
    done = client.post(f"/gezinnen/{fam.id}/betrokkenheid/{mine.id}/stop", data={"bevestigd": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/gezinnen/")
    db.session.refresh(mine)
    db.session.refresh(theirs)
    assert mine.ended_at is not None and theirs.ended_at is None
    # without CSRF: nothing
    assert client.post(f"/gezinnen/{fam.id}/archiveren", csrf=False, data={"bevestigd": "1"}).status_code in (400, 403)


def test_archiving_a_family_asks_first(client, make_team, make_user, make_family, login):
    team = make_team("PeTra-team")
    make_user("worker", {team: "member"})
    fam = make_family("Claes", involved=(team,))
    login(client, "worker")
    ask = client.post(f"/gezinnen/{fam.id}/archiveren")
    assert ask.status_code == 200 and "Gezin Claes archiveren?" in ask.get_data(as_text=True)
    assert db.session.get(Family, fam.id).archived is False
    client.post(f"/gezinnen/{fam.id}/archiveren", data={"bevestigd": "1"})
    db.session.expire_all()
    assert db.session.get(Family, fam.id).archived is True
    client.post(f"/gezinnen/{fam.id}/archiveren", data={"herstel": "1"})  # restoring needs no second step
    db.session.expire_all()
    assert db.session.get(Family, fam.id).archived is False


def test_no_access_page_names_whom_to_call(client, make_team, make_user, make_family, login):
    petra, owv = make_team("PeTra-team"), make_team("Opvoedingswinkel")
    boss = make_user("anna", {petra: "manager"})
    boss.display_name, boss.email = "Anna Peeters", "anna.peeters@hvhk.example"
    make_user("bert", {petra: "member"})
    make_user("worker", {owv: "member"})
    db.session.commit()
    fam = make_family("Claes", involved=(petra,))
    login(client, "worker")
    resp = client.get(f"/gezinnen/{fam.id}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 403
    assert "PeTra-team" in body and "Anna Peeters" in body and "mailto:anna.peeters@hvhk.example" in body
    assert "Lotte" not in body  # still no details


def test_search_tells_same_name_families_apart(client, make_team, make_user, make_family, login):
    team = make_team("Onthaal")
    make_user("worker", {team: "member"})
    make_family("Öztürk", "Gent", children=(("Elif", date(2014, 5, 1)), ("Emre", date(2017, 9, 2))))
    make_family("Öztürk", "Genk", children=(("Aylin", date(2019, 1, 3)),))
    login(client, "worker")
    body = client.get("/zoeken?q=öztürk").get_data(as_text=True)
    assert "Gezin Gezin" not in body
    assert "Öztürk — Gent, 2 kinderen (2014, 2017)" in body
    assert "Öztürk — Genk, 1 kind (2019)" in body
