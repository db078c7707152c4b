"""The demo tells one believable story across the whole house: the consistency rules, checked on the loaded demo
(scale 1, on SQLite and PostgreSQL). Each test names its rule; the rules are listed in ``RULES``."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.demo_story import Timeline, easter, school_year_end, school_year_start
from core.extensions import db
from core.models import (
    ChangeRecord,
    Consent,
    Family,
    FamilyMember,
    Involvement,
    Organisation,
    Team,
    TeamPlugin,
)

RULES = """
- no attendance before the enrolment, none for a waiting-list entry, none for a session still to come
- a PeTra group meets on school days only (info moment, Wednesday sessions, showcase); only its group day or
  weekend (multiday, a camp or stay) may fall on a weekend or in a holiday; its sessions are on Wednesdays
- no session of any programme on a Saturday or Sunday unless it is a multiday activity (camp, stay, group day)
- no two sessions of 180 minutes or more on the same day for the same programme
- a programme's name carries the season and year of its first session (najaar: Sep-Dec, voorjaar: Jan-Jun)
- a child in a PeTra group has a trajectory with that team: enrolled after its start roundtable, the
  trajectory ongoing while the group has not ended, closed only after the last session the child attended;
  a child on the waiting list has a running trajectory
- every group session a child attended is a 'groepssessie' contact of the trajectory on that day, and back
- a trajectory's dates follow its phases (referred <= decision <= start <= phase 3 <= phase 4 <= closed <=
  today) and its status fits them; at most three talks per party before the start roundtable
- contacts fall between the decision and the closure, on weekdays (the group weekend excepted)
- notes fit their contact kind; roundtables are held on school days, the start roundtable on the start date
- involvements are dated at the team's first activity with the family (referral, enrolment), never later
  than any of its records, and not all on one day
- consents have a giver (a parent of the family); withdrawn ones say when and by whom, after they were given
- families whose preferred channel is e-mail have an e-mail address
- outcomes vary: some SDQ totals worse at the end, most better; some trajectories stopped early
- the seeds' referral routes exist (CLB and the city's reporting point to the PeTra team, a school to the CLB);
  contact roles fit the organisation's sector
- partner edits with their history, family change history, and records past their retention term exist
- every demo role's start page shows tiles that answer with content
"""


@pytest.fixture
def demo(app):
    from core.demo import load_demo

    load_demo(scale=1)
    return app


def _petra_programmes():
    from plugins.groups.models import Programme

    petra_teams = select(TeamPlugin.team_id).where(TeamPlugin.plugin == "petra", TeamPlugin.enabled.is_(True))
    return {p.id: p for p in db.session.scalars(select(Programme).where(
        Programme.team_id.in_(petra_teams), Programme.kind == "cycle"))}


def test_the_school_calendar():
    assert easter(2026) == date(2026, 4, 5) and easter(2027) == date(2027, 3, 28)
    assert school_year_start(2025) == date(2025, 8, 25) and school_year_end(2025) == date(2026, 7, 3)
    tl = Timeline(date(2026, 11, 30))
    assert tl.start == date(2025, 8, 25) and tl.school_years == [2025, 2026]
    assert not tl.is_school_day(date(2025, 10, 29))  # autumn break
    assert not tl.is_school_day(date(2025, 12, 31)) and not tl.is_school_day(date(2026, 4, 8))  # Christmas, Easter
    assert not tl.is_school_day(date(2026, 2, 18))  # carnival (krokus)
    assert not tl.is_school_day(date(2026, 11, 11)) and not tl.is_school_day(date(2026, 8, 5))
    assert tl.is_school_day(date(2026, 11, 25)) and not tl.is_school_day(date(2026, 11, 28))
    assert Timeline(date(2026, 7, 20)).school_years == [2024, 2025]  # the summer belongs to the year just ended


def test_attendance_follows_enrolment_and_time(demo):
    from plugins.groups.models import Attendance, Enrolment, GroupSession

    rows = db.session.execute(select(Attendance.status, Enrolment.status, Enrolment.enrolled_at, GroupSession.starts_at)
                              .join(Enrolment, Enrolment.id == Attendance.enrolment_id)
                              .join(GroupSession, GroupSession.id == Attendance.session_id)).all()
    assert len(rows) > 300
    now = datetime.now()
    for _mark, status, enrolled_at, starts_at in rows:
        assert status == "enrolled"
        assert enrolled_at is not None and enrolled_at <= starts_at, (enrolled_at, starts_at)
        assert starts_at <= now


def test_group_sessions_keep_to_school_weeks_weekdays_and_one_long_session_a_day(demo):
    from plugins.groups.models import GroupSession, Programme

    tl = Timeline(date.today())
    petra = _petra_programmes()
    assert len(petra) >= 6
    per_day = defaultdict(int)
    for s, prog in db.session.execute(select(GroupSession, Programme).join(Programme)):
        day = s.starts_at.date()
        if s.kind != "multiday":
            assert day.weekday() < 5, (prog.name, s.starts_at)
        if prog.id in petra:
            if s.kind != "multiday":
                assert tl.is_school_day(day), (prog.name, s.kind, day)
            if s.kind == "session":
                assert day.weekday() == 2 and s.starts_at.time().hour == 13, (prog.name, s.starts_at)
            if s.kind == "multiday":
                assert s.location, "a group day or weekend says where it is held"
        if (s.ends_at - s.starts_at) >= timedelta(minutes=180):
            per_day[(prog.id, day)] += 1
    assert max(per_day.values()) == 1


def test_programme_names_match_their_season(demo):
    from plugins.groups.models import GroupSession, Programme

    firsts = dict(db.session.execute(select(GroupSession.programme_id, func.min(GroupSession.starts_at))
                                     .where(GroupSession.kind != "info").group_by(GroupSession.programme_id)).all())
    programmes = list(db.session.scalars(select(Programme)))
    assert 10 <= len(programmes) <= 16  # a believable number for one house over two school years
    for p in programmes:
        first = firsts[p.id]
        m = re.search(r"(najaar|voorjaar|zomer)? ?(\d{4})", p.name)
        assert m and int(m.group(2)) == first.year, p.name
        if m.group(1) == "najaar":
            assert 9 <= first.month <= 12, p.name
        if m.group(1) == "voorjaar":
            assert 1 <= first.month <= 6, p.name
        if p.name.startswith("Zomerschool"):
            assert first.month in (7, 8)


def test_trajectory_status_fits_group_enrolment(demo):
    from plugins.groups.models import Attendance, Enrolment, GroupSession
    from plugins.petra.models import Trajectory

    petra = _petra_programmes()
    today = date.today()
    last_session = dict(db.session.execute(select(GroupSession.programme_id, func.max(GroupSession.ends_at))
                                           .group_by(GroupSession.programme_id)).all())
    first_session = dict(db.session.execute(select(GroupSession.programme_id, func.min(GroupSession.starts_at))
                                            .where(GroupSession.kind == "session")
                                            .group_by(GroupSession.programme_id)).all())
    attended = defaultdict(list)
    for eid, starts in db.session.execute(select(Attendance.enrolment_id, GroupSession.starts_at)
                                          .join(GroupSession).where(Attendance.status == "present")):
        attended[eid].append(starts.date())
    enrolments = list(db.session.scalars(select(Enrolment).where(Enrolment.programme_id.in_(list(petra)))))
    assert sum(e.status == "enrolled" for e in enrolments) >= 30 and any(e.status == "waiting" for e in enrolments)
    for e in enrolments:
        prog = petra[e.programme_id]
        t = db.session.scalar(select(Trajectory).where(Trajectory.child_id == e.person_id,
                                                       Trajectory.team_id == prog.team_id))
        assert t is not None, f"child in {prog.name} without a trajectory"
        if e.status == "waiting":
            assert t.status in ("clarifying", "ongoing"), (prog.name, t.ref, t.status)
            continue
        assert t.start_on is not None and t.start_on < e.enrolled_at.date() <= first_session[prog.id].date()
        if last_session[prog.id].date() >= today:
            assert t.status == "ongoing", (prog.name, t.ref, t.status)
        else:
            assert t.status in ("ongoing", "closed"), (prog.name, t.ref, t.status)
        if t.closed_on:
            assert all(d <= t.closed_on for d in attended[e.id]), (t.ref, t.closed_on, attended[e.id])


def test_attended_group_sessions_are_the_trajectorys_group_contacts(demo):
    from plugins.groups.models import Attendance, Enrolment, GroupSession
    from plugins.petra.models import Contact, Trajectory

    petra = _petra_programmes()
    present = {(person, day.date()) for person, day in db.session.execute(
        select(Enrolment.person_id, GroupSession.starts_at).select_from(Attendance).join(Enrolment).join(GroupSession)
        .where(Attendance.status == "present", Enrolment.programme_id.in_(list(petra)),
               GroupSession.kind.in_(("session", "multiday"))))}
    contacts = set(db.session.execute(select(Trajectory.child_id, Contact.on_date).join(Trajectory)
                                      .where(Contact.kind == "groepssessie")).all())
    assert present and present == contacts


def test_trajectory_dates_follow_the_phases(demo):
    from plugins.petra.models import Contact, Roundtable, Trajectory

    tl = Timeline(date.today())
    today = date.today()
    trajectories = list(db.session.scalars(select(Trajectory)))
    for t in trajectories:
        chain = [d for d in (t.referred_on, t.decision_on, t.start_on, t.phase3_on, t.phase4_on, t.closed_on) if d]
        assert chain == sorted(chain) and chain[-1] <= today, t.ref
        expect = {"waiting": t.decision is None and t.phase == 1,
                  "not_started": t.decision == "geen_start",
                  "referred": t.decision == "elders" and bool(t.decision_org_id),
                  "clarifying": t.decision == "start" and t.start_on is None and t.phase == 2,
                  "ongoing": bool(t.start_on) and t.closed_on is None and t.phase >= 2,
                  "closed": bool(t.start_on and t.closed_on and t.closure_reason) and t.phase == 4}
        assert expect[t.status], (t.ref, t.status)
    by_id = {t.id: t for t in trajectories}
    before_start = defaultdict(int)
    for c in db.session.scalars(select(Contact)):
        t = by_id[c.trajectory_id]
        assert t.decision_on and t.decision_on <= c.on_date <= (t.closed_on or today), (t.ref, c.kind, c.on_date)
        assert c.on_date.weekday() < 5 or (c.kind == "groepssessie" and c.place == "elders"), (t.ref, c.on_date)
        if t.start_on is None or c.on_date < t.start_on:
            before_start[(t.id, c.parties)] += 1
    assert max(before_start.values()) <= 3
    for r in db.session.scalars(select(Roundtable)):
        t = by_id[r.trajectory_id]
        assert tl.is_school_day(r.held_on), (t.ref, r.kind, r.held_on)
        if r.kind == "start":
            assert r.held_on == t.start_on


def test_notes_fit_their_contact_kind(demo):
    from plugins.petra.demo import NOTES
    from plugins.petra.models import Contact

    n = 0
    for kind, note, place in db.session.execute(select(Contact.kind, Contact.note, Contact.place)):
        n += 1
        if kind == "groepssessie":
            assert note in ("Groepsdag", "Groepsweekend") or note.startswith("Groepssessie: "), note
            assert place in ("huis_van_het_kind", "elders")
        else:
            assert note in NOTES[kind], (kind, note)
        if note and "uisbezoek" in note:
            assert place == "huisbezoek", (kind, note, place)
        if kind == "telefoon_online":
            assert place == "telefoon_online"
    assert n > 1000


def test_involvements_are_dated_at_the_first_activity(demo):
    from plugins.groups.models import Enrolment, Programme
    from plugins.network.models import Referral
    from plugins.petra.models import Trajectory

    first = defaultdict(list)
    for fid, tid, day in db.session.execute(select(Trajectory.family_id, Trajectory.team_id, Trajectory.referred_on)):
        first[(fid, tid)].append(datetime.combine(day, datetime.min.time()))
    for fid, tid, at in db.session.execute(select(Enrolment.family_id, Programme.team_id, Enrolment.created_at)
                                           .join(Programme)):
        first[(fid, tid)].append(at)
    for fid, tid, day in db.session.execute(select(Referral.family_id, Referral.team_id, Referral.referred_on)):
        first[(fid, tid)].append(datetime.combine(day, datetime.max.time()))
    involvements = list(db.session.scalars(select(Involvement)))
    assert len({i.started_at.date() for i in involvements}) > 100
    have = {(i.family_id, i.team_id): i for i in involvements}
    for key, dates in first.items():
        inv = have.get(key)
        assert inv is not None, f"a record of team {key[1]} for family {key[0]} without an involvement"
        first_day = min(d.date() for d in dates)
        assert inv.started_at.date() <= first_day, (key, inv.started_at, first_day)
        assert inv.started_at.date() == first_day or inv.source == "manueel", (key, inv.started_at, first_day)


def test_consents_have_givers_and_withdrawals_say_when(demo):
    consents = list(db.session.scalars(select(Consent)))
    assert len(consents) > 40 and any(c.withdrawn_at for c in consents)
    parents = set(db.session.execute(select(FamilyMember.family_id, FamilyMember.person_id)
                                     .where(FamilyMember.role == "ouder")).all())
    for c in consents:
        assert (c.family_id, c.given_by_person_id) in parents
        if c.withdrawn_at:
            assert c.withdrawn_by_id and c.withdrawn_at.date() >= c.given_on


def test_families_that_prefer_email_have_an_address(demo):
    rows = db.session.execute(select(Family.contact_channels, Family.email)).all()
    assert any("e-mail" in (ch or "") for ch, _ in rows)
    for channels, email in rows:
        if "e-mail" in (channels or ""):
            assert email and "@" in email


def test_outcomes_vary(demo):
    from plugins.petra.models import SdqResult, Trajectory

    pairs = defaultdict(dict)
    for tid, inf, moment, total in db.session.execute(select(SdqResult.trajectory_id, SdqResult.informant,
                                                             SdqResult.moment, SdqResult.total)):
        pairs[(tid, inf)][moment] = total
    diffs = [p["na"] - p["voor"] for p in pairs.values() if len(p) == 2]
    assert sum(d < 0 for d in diffs) > sum(d > 0 for d in diffs) > 0
    reasons = set(db.session.scalars(select(Trajectory.closure_reason).where(Trajectory.status == "closed")))
    assert {"zelfstandig", "doorverwijzing"} <= reasons and reasons & {"vroegtijdig_gezin", "vroegtijdig_school"}


def test_the_seeds_referral_routes_and_fitting_contact_roles(demo):
    from plugins.network.demo import ROLES, ROLES_BY_WORD
    from plugins.network.models import Contact, Partner, Relation

    name = dict(db.session.execute(select(Organisation.id, Organisation.name)).all())
    routes = {(name[s], name[t]) for s, t in db.session.execute(
        select(Relation.source_id, Relation.target_id).where(Relation.kind == "verwijsroute"))}
    hub = "Huis van het Kind Genk - Campus O3"
    assert ("CLB Genk", hub) in routes and ("Stad Genk - stedelijk meldpunt", hub) in routes
    assert ("Basisschool De Linde", "CLB Genk") in routes
    assert ("Atheneum Genk-Noord", "Stad Genk - stedelijk meldpunt") in routes
    for s, t in routes:  # a school refers to a CLB or the reporting point, nowhere else
        if s.startswith(("Basisschool", "Secundaire school")):
            assert "CLB" in t or "meldpunt" in t, (s, t)
    allowed = {r for roles in ROLES_BY_WORD.values() for r in roles}
    for org_name, sector, role in db.session.execute(
            select(Organisation.name, Partner.sector, Contact.role).join(Partner, Partner.organisation_id == Organisation.id)
            .join(Contact, Contact.organisation_id == Organisation.id)):
        assert role in ROLES[sector] or role in allowed, (org_name, sector, role)
    for org_name, mun in db.session.execute(select(Organisation.name, Organisation.municipality)):
        if org_name.startswith("CLB-antenne"):
            assert org_name.endswith(mun), (org_name, mun)


def test_history_partner_edits_and_records_past_retention(demo):
    from plugins.network.models import PartnerChange

    assert db.session.scalar(select(func.count(ChangeRecord.id))) > 5
    assert db.session.scalar(select(func.count(PartnerChange.id))) >= 3
    with demo.test_request_context():
        from core.rights import retention_rules

        due = {}
        for rule in retention_rules():
            cutoff = date.today() - timedelta(days=365 * rule.default_years)
            due[rule.key] = db.session.scalar(select(func.count()).select_from(rule.due(cutoff).subquery()))
    assert due["petra_closed_trajectory"] >= 2 and due["archived_family"] >= 2, due


@pytest.mark.parametrize("username", ["admin", "manager", "worker", "finance", "onthaal", "partner"])
def test_every_role_sees_work_on_the_start_page(demo, client, login, username):
    login(client, username)
    page = client.get("/")
    assert page.status_code == 200
    tiles = [url for url in re.findall(r'hx-get="([^"]+)" hx-trigger="load"', page.get_data(as_text=True))
             if url != "/meldingen/bel"]  # the header's bell, not a tile
    if username == "partner":
        html = client.get("/netwerk/portaal/verwijzingen").get_data(as_text=True)
        assert html.count('href="/netwerk/portaal/verwijzingen/') >= 3
        return
    assert len(tiles) >= (1 if username == "finance" else 2), tiles
    for url in tiles:
        resp = client.get(url, headers={"HX-Request": "true"})
        assert resp.status_code == 200 and len(re.sub(r"<[^>]+>|\s", "", resp.get_data(as_text=True))) > 20, url


def test_larger_scales_repeat_the_stories_over_several_houses(app):
    from core.demo import load_demo
    from plugins.groups.models import Programme
    from plugins.petra.models import Trajectory

    load_demo(scale=2)
    teams = dict(db.session.execute(select(Team.id, Team.name)).all())
    per_team = dict(db.session.execute(select(Trajectory.team_id, func.count()).group_by(Trajectory.team_id)).all())
    assert len(per_team) == 2 and min(per_team.values()) >= 100, {teams[k]: v for k, v in per_team.items()}
    assert {teams[k] for k in per_team} == {"PeTra", "PeTra Hasselt"}
    assert db.session.scalar(select(func.count(func.distinct(Programme.team_id)))) == 6
