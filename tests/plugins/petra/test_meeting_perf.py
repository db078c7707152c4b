"""The team meeting page is flat in the data size: a constant number of queries whether the team has 5 or 50
running trajectories, and audit rows only for the trajectories it shows (a page of each list)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry, Family, FamilyMember, Involvement, Person
from plugins.petra.models import Trajectory


def _running(team, n: int, start: int, lead) -> None:
    """``n`` running trajectories of as many families, all past the maximum duration (every list shows them)."""
    for i in range(start, start + n):
        fam = Family(label=f"Gezin{i}", municipality="Genk")
        db.session.add(fam)
        db.session.flush()
        child = Person(given_name=f"Kind{i}", family_name=f"Gezin{i}", birth_date=date(2014, 1, 1))
        db.session.add(child)
        db.session.flush()
        db.session.add(FamilyMember(family_id=fam.id, person_id=child.id, role="kind"))
        db.session.add(Involvement(family_id=fam.id, team_id=team.id, reason="test", source="petra"))
        db.session.add(Trajectory(ref=f"PT-2025-{i:04d}", team_id=team.id, family_id=fam.id, child_id=child.id,
                                  status="ongoing", phase=3, referred_on=date.today() - timedelta(days=400),
                                  referrer_kind="school", channel="rechtstreeks", question="Vraag",
                                  start_on=date.today() - timedelta(days=300), max_months=6,
                                  lead_worker_id=lead.id, decision="start", age_group="lager"))
    db.session.commit()


def _view(client, count_queries) -> tuple[int, int, str]:
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    with count_queries() as n:
        resp = client.get("/petra/teamoverleg")
    assert resp.status_code == 200
    after = db.session.scalar(select(func.count()).select_from(AuditEntry))
    return n.count, after - before, resp.get_data(as_text=True)


def test_meeting_page_costs_constant_queries_and_audits_only_rows_shown(client, login, world, count_queries):
    lead = world["users"]["worker"]
    _running(world["petra"], 5, 1, lead)
    login(client, "worker")
    client.get("/petra/teamoverleg")  # warm caches (plugin lists, settings)
    q5, audit5, body5 = _view(client, count_queries)
    assert "PT-2025-0001" in body5
    _running(world["petra"], 45, 100, lead)
    q50, audit50, body50 = _view(client, count_queries)
    print(f"team meeting: {q5} queries / {audit5} audit rows with 5, {q50} queries / {audit50} audit rows with 50")
    assert q50 == q5
    # audit rows: one per family shown, and the page shows at most one page (25) of each list
    shown = {ref for ref in (f"PT-2025-{i:04d}" for i in [*range(1, 6), *range(100, 145)]) if ref in body50}
    assert audit50 == len(shown) <= 25
    assert "PT-2025-0144" not in body50 and "Volgende" in body50
    # the counts stop early: exact up to 100 near the maximum duration, up to a page (25) of what is due
    assert "Bijna of over de maximale duur (50)" in body50 and "te doen (meer dan 25)" in body50
    assert "te doen (5)" in body5
    # the next page of the discussion list shows (and audits) the rest
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    with count_queries() as n:
        body = client.get("/petra/teamoverleg?pagina_bespreken=2").get_data(as_text=True)
    assert n.count == q5
    assert "PT-2025-0144" in body
    entries = list(db.session.scalars(select(AuditEntry.object_id).where(AuditEntry.id > before)))
    assert len(entries) == len(set(entries)) <= 50


def test_latest_start_turns_the_duration_rules_into_a_bound_on_the_start():
    """``start_on <= latest_start(fn, m, limit)`` holds exactly when ``fn(start_on, m) <= limit``: the SQL rule
    of the meeting page says the same as ``logic.duration_of`` and ``logic.due_items``."""
    from plugins.petra import logic

    for limit in (date(2025, 2, 28), date(2024, 2, 29), date(2025, 3, 31), date(2025, 8, 15), date(2025, 12, 31)):
        for m in (1, 4, 5, 6, 7, 24):
            for fn in (logic.end_of, logic.half_way):
                bound = logic.latest_start(fn, m, limit)
                for offset in range(-70, 70):
                    start = bound + timedelta(days=offset)
                    assert (fn(start, m) <= limit) == (start <= bound), (fn.__name__, m, limit, start)


def test_meeting_pagers_and_team_choice_keep_the_period(client, login, world):
    """``?dagen=`` (new referrals since) survives paging a list and picking another team."""
    import re
    from html import unescape

    lead = world["users"]["worker"]
    _running(world["petra"], 30, 300, lead)
    login(client, "admin")
    body = client.get(f"/petra/teamoverleg?team={world['petra'].id}&dagen=30").get_data(as_text=True)
    nexts = [unescape(h) for h in re.findall(r'href="([^"]*)" rel="next"', body)]
    assert nexts and all("dagen=30" in h and f"team={world['petra'].id}" in h for h in nexts)
    assert '<input type="hidden" name="dagen" value="30">' in body
    second = client.get(nexts[0]).get_data(as_text=True)
    prevs = [unescape(h) for h in re.findall(r'href="([^"]*)" rel="prev"', second)]
    assert prevs and all("dagen=30" in h for h in prevs)
    # the default period adds nothing to the links
    plain = client.get(f"/petra/teamoverleg?team={world['petra'].id}").get_data(as_text=True)
    assert "dagen=" not in plain
