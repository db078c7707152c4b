"""The trajectory page costs a fixed number of queries, whatever the number of contacts, decisions and SDQs,
and it still shows what it showed: the norms from the start on, the intake's talks, which contacts were
corrected, and one link per contact to correct and to remove it."""

from __future__ import annotations

from datetime import date, timedelta

from core.extensions import db
from plugins.petra.models import Contact, ContactVersion

# a worker of the team: user, trajectory, family access, settings, SDQ, contacts with their corrections, the
# tallies (norms and intake), planned roundtables, the group work's hook, decisions, roundtables, goals and
# open concerns, audit (16 before on this main: corrections, intake talks and open concerns apart)
SHOW_QUERIES = 13


def _page(client, count_queries, t) -> tuple[int, str]:
    path = f"/petra/traject/{t.id}"
    with count_queries() as n:
        resp = client.get(path)
    assert resp.status_code == 200
    return n.count, resp.get_data(as_text=True)


def test_trajectory_page_has_a_fixed_query_count(client, login, world, make_trajectory, count_queries):
    start = date.today() - timedelta(days=60)
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=start, lead=world["users"]["worker"],
                        contacts=3)
    login(client, "worker")
    client.get(f"/petra/traject/{t.id}")  # warm per-process caches
    few, _ = _page(client, count_queries, t)
    for i in range(40):
        db.session.add(Contact(trajectory_id=t.id, on_date=start + timedelta(days=i % 30), minutes=45,
                               kind="gesprek_ouders", place="thuis", parties="ouders", note=f"m{i}"))
    # two clarifying talks before the start: shown for the intake, never toward the norms
    db.session.add(Contact(trajectory_id=t.id, on_date=start - timedelta(days=10), minutes=30, kind="gesprek_ouders",
                           place="thuis", parties="kind,ouders"))
    db.session.add(Contact(trajectory_id=t.id, on_date=start - timedelta(days=5), minutes=30, kind="sessie_kind",
                           place="school", parties="kind,school"))
    db.session.commit()
    newest = db.session.scalar(db.select(Contact).where(Contact.trajectory_id == t.id)
                               .order_by(Contact.on_date.desc(), Contact.id.desc()).limit(1))
    db.session.add(ContactVersion(contact_id=newest.id, version=1, on_date=newest.on_date, minutes=10,
                                  kind=newest.kind, place=newest.place, parties=newest.parties, note="oud",
                                  replaced_by_id=world["users"]["worker"].id))
    db.session.commit()
    many, body = _page(client, count_queries, t)
    print(f"trajectory page: {few} queries with 3 contacts, {many} with 45")
    assert many == few <= SHOW_QUERIES
    assert "Gesprekken met ouders: <strong>40</strong>" in body  # from the start on only
    assert "Sessies met het kind: <strong>3</strong>" in body
    assert "gesprekken met kind 2, ouders 1, school 1" in body  # the intake's talks
    assert body.count("(verbeterd)") == 1
    assert f"/petra/traject/{t.id}/contact/{newest.id}/verbeteren" in body
    assert body.count("Verwijderen…</button>") == 20 and body.count("Verbeteren</a>") == 20
    assert "Alle contacten tonen" in body
