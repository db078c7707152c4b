"""Tasks, the agenda (overlap warning, need-to-know), the personal iCalendar feed and "Mijn werk": what a
worker sees, what a forbidden user does not get, and the Dutch messages for bad input."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from core import signals
from core.extensions import db
from core.models import AuditEntry
from core.work import Appointment, CalendarFeed, Task


@pytest.fixture
def office(app, make_team, make_user, make_family):
    """Team A (ann, bob) involved with the Peeters family; team B (cas) involved with nobody; dirk in both A
    and B; Janssens involved with team B only."""
    a = make_team("Team A")
    b = make_team("Team B")
    users = {
        "ann": make_user("ann", {a: "member"}),
        "bob": make_user("bob", {a: "member"}),
        "cas": make_user("cas", {b: "member"}),
        "admin": make_user("admin", admin=True),
    }
    peeters = make_family("Peeters", children=(("Lotte", date(2015, 3, 14)),), involved=(a,))
    janssens = make_family("Janssens", children=(("Mats", date(2014, 5, 1)),), involved=(b,))
    return dict(a=a, b=b, users=users, peeters=peeters, janssens=janssens)


def _task_form(office, **over):
    data = {"title": "Verslag rondetafel uittypen", "due_on": (date.today() + timedelta(days=3)).isoformat(),
            "team_id": str(office["a"].id), "assignee_id": str(office["users"]["ann"].id)}
    data.update(over)
    return data


# --------------------------------------------------------------------------- tasks


def test_task_create_assign_done_and_signal(client, login, office):
    ann, bob = office["users"]["ann"], office["users"]["bob"]
    sent = []

    def receiver(sender, **kw):
        sent.append((sender.id, kw))

    signals.task_assigned.connect(receiver)
    try:
        login(client, "ann")
        # for myself: no signal
        assert client.post("/taken/nieuw", data=_task_form(office)).status_code == 302
        assert sent == []
        # for a colleague: the signal names the assignee and who assigned it
        resp = client.post("/taken/nieuw", data=_task_form(office, title="Bel de school",
                                                               assignee_id=str(bob.id)))
        assert resp.status_code == 302
        task = db.session.scalar(select(Task).where(Task.title == "Bel de school"))
        assert sent == [(task.id, {"assignee_id": bob.id, "by_user_id": ann.id})]
    finally:
        signals.task_assigned.disconnect(receiver)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "task", AuditEntry.action == "create")) == 2
    # the team sees both; mine only mine
    assert "Bel de school" in client.get("/taken/?wie=team").get_data(as_text=True)
    assert "Bel de school" not in client.get("/taken/").get_data(as_text=True)
    # done, then undone
    resp = client.post(f"/taken/{task.id}/klaar", data={"version": str(task.version), "klaar": "1"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task.id).done
    assert "Bel de school" in client.get("/taken/?wie=team&status=klaar").get_data(as_text=True)
    client.post(f"/taken/{task.id}/klaar", data={"version": str(db.session.get(Task, task.id).version), "klaar": "0"})
    db.session.expire_all()
    assert not db.session.get(Task, task.id).done


def test_task_bad_input_dutch_next_to_field(client, login, office):
    login(client, "ann")
    resp = client.post("/taken/nieuw", data=_task_form(office, due_on=(date.today() - timedelta(days=1)).isoformat()))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'id="due_on-fout"' in body and "in het verleden" in body
    assert 'value="Verslag rondetafel uittypen"' in body  # the input stays
    # someone outside the team
    resp = client.post("/taken/nieuw", data=_task_form(office, assignee_id=str(office["users"]["cas"].id)))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="assignee_id-fout"' in body and "collega van dit team" in body
    # a team that is not mine
    resp = client.post("/taken/nieuw", data=_task_form(office, team_id=str(office["b"].id)))
    assert resp.status_code == 422 and "Kies een van je eigen teams" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0


def test_task_about_a_family_follows_need_to_know(client, login, office):
    ann = office["users"]["ann"]
    login(client, "ann")
    peeters, janssens = office["peeters"], office["janssens"]
    body = client.get(f"/taken/nieuw?gezin={peeters.id}").get_data(as_text=True)
    assert "Peeters" in body
    assert client.post("/taken/nieuw", data=_task_form(office, family_id=str(peeters.id))).status_code == 302
    task = db.session.scalar(select(Task))
    assert task.family_id == peeters.id and task.assignee_id == ann.id
    # a family ann's teams have nothing to do with: no form, no task
    assert client.get(f"/taken/nieuw?gezin={janssens.id}").status_code == 403
    resp = client.post("/taken/nieuw", data=_task_form(office, title="Over Janssens", family_id=str(janssens.id)))
    assert resp.status_code == 422 and "niet betrokken" in resp.get_data(as_text=True)
    # another team's member sees nothing of team A's tasks
    client.post("/logout")
    login(client, "cas")
    assert client.get(f"/taken/{task.id}").status_code == 404
    body = client.get("/taken/?wie=team").get_data(as_text=True)
    assert "Verslag rondetafel" not in body and "Peeters" not in body
    assert client.post(f"/taken/{task.id}/klaar", data={"version": "1", "klaar": "1"}).status_code == 404
    db.session.expire_all()
    assert not db.session.get(Task, task.id).done


def test_task_of_a_family_hidden_from_a_teammate_without_involvement(client, login, office, make_team,
                                                                     make_user):
    """dirk is in team A and C; a task of team C about Janssens (involved with C) stays hidden from ann."""
    c = make_team("Team C")
    make_user("dirk", {office["a"]: "member", c: "member"})
    from core.models import Involvement

    db.session.add(Involvement(family_id=office["janssens"].id, team_id=c.id, reason="test"))
    db.session.commit()
    login(client, "dirk")
    resp = client.post("/taken/nieuw", data=_task_form(office, title="Janssens opvolgen", team_id=str(office["a"].id),
                                                       assignee_id=str(office["users"]["ann"].id),
                                                       family_id=str(office["janssens"].id)))
    assert resp.status_code == 302
    task = db.session.scalar(select(Task))
    client.post("/logout")
    login(client, "ann")
    assert "Janssens opvolgen" not in client.get("/taken/").get_data(as_text=True)
    assert "Janssens" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/taken/{task.id}").status_code == 404
    denied = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "denied", AuditEntry.object_type == "task"))
    assert denied is not None and denied.family_id == office["janssens"].id


def test_task_edit_conflict(client, login, office):
    login(client, "ann")
    client.post("/taken/nieuw", data=_task_form(office))
    task = db.session.scalar(select(Task))
    from racing import edited_meanwhile

    form = _task_form(office, title="Nieuwe titel", version=str(task.version))
    with edited_meanwhile(Task, task.id, title="Door iemand anders") as ran:
        resp = client.post(f"/taken/{task.id}", data=form)
    assert ran and resp.status_code == 409 and "Iemand anders" in resp.get_data(as_text=True)
    assert 'value="Nieuwe titel"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "Door iemand anders"


# --------------------------------------------------------------------------- agenda


def _appt_form(day: date, start="10:00", end="11:00", **over):
    data = {"kind": "oudergesprek", "title": "", "day": day.isoformat(), "start": start, "end": end,
            "place": "Campus O3", "external_participants": ""}
    data.update(over)
    return data


def test_appointment_end_before_start_is_refused(client, login, office):
    login(client, "ann")
    resp = client.post("/agenda/nieuw", data=_appt_form(date.today(), "11:00", "10:00", place="Zaal 2"))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="end-fout"' in body and "Het einde ligt vóór" in body
    assert 'value="Zaal 2"' in body
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 0


def test_overlap_warns_then_a_second_confirm_saves(client, login, office):
    login(client, "ann")
    day = date.today() + timedelta(days=2)
    assert client.post("/agenda/nieuw", data=_appt_form(day)).status_code == 302
    resp = client.post("/agenda/nieuw", data=_appt_form(day, "10:30", "11:30", kind="huisbezoek",
                                                        place="Thuis bij het gezin"))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="overlap-warning"' in body and "Oudergesprek" in body
    assert 'value="Thuis bij het gezin"' in body  # the input stays
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1
    confirm = re.search(r'name="confirm"[^>]*value="([^"]+)"', body) or re.search(
        r'value="([^"]+)"[^>]*name="confirm"', body)
    resp = client.post("/agenda/nieuw", data=_appt_form(day, "10:30", "11:30", kind="huisbezoek",
                                                        confirm=confirm.group(1).replace("&#43;", "+")))
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 2
    # a different hour than the one confirmed warns again
    resp = client.post("/agenda/nieuw", data=_appt_form(day, "10:45", "11:15", confirm=confirm.group(1)))
    assert 'id="overlap-warning"' in resp.get_data(as_text=True)


def test_week_and_day_views(client, login, office):
    login(client, "ann")
    day = date.today() + timedelta(days=7)
    client.post("/agenda/nieuw", data=_appt_form(day, kind="rondetafel", title="Met de school",
                                                 participants=[str(office["users"]["bob"].id)]))
    week = client.get(f"/agenda/?datum={day.isoformat()}").get_data(as_text=True)
    assert "Rondetafel" in week and "Met de school" in week
    assert "Met de school" in client.get(f"/agenda/?weergave=dag&datum={day.isoformat()}").get_data(as_text=True)
    assert "Met de school" not in client.get(
        f"/agenda/?weergave=dag&datum={(day + timedelta(days=1)).isoformat()}").get_data(as_text=True)
    assert client.get("/agenda/?datum=gisteren").status_code == 400
    # bob takes part: he sees it too; cas (another team) does not, nor by its id
    client.post("/logout")
    login(client, "bob")
    assert "Met de school" in client.get(f"/agenda/?datum={day.isoformat()}").get_data(as_text=True)
    a = db.session.scalar(select(Appointment))
    client.post("/logout")
    login(client, "cas")
    assert "Met de school" not in client.get(f"/agenda/?datum={day.isoformat()}").get_data(as_text=True)
    assert client.get(f"/agenda/{a.id}").status_code == 404
    assert client.post(f"/agenda/{a.id}/annuleren", data={"version": "1"}).status_code == 404


def test_appointment_participants_and_family_rules(client, login, office):
    login(client, "ann")
    day = date.today() + timedelta(days=1)
    # cas is not a colleague of ann's teams
    resp = client.post("/agenda/nieuw", data=_appt_form(day, participants=[str(office["users"]["cas"].id)]))
    assert resp.status_code == 422 and 'id="participants-fout"' in resp.get_data(as_text=True)
    # a family ann may not see
    assert client.get(f"/agenda/nieuw?gezin={office['janssens'].id}").status_code == 403
    resp = client.post("/agenda/nieuw", data=_appt_form(day, family_id=str(office["janssens"].id)))
    assert resp.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 0
    # about Peeters: fine, and audited with the family
    assert client.post("/agenda/nieuw", data=_appt_form(day, kind="huisbezoek",
                                                        family_id=str(office["peeters"].id))).status_code == 302
    a = db.session.scalar(select(Appointment))
    assert a.family_id == office["peeters"].id
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "appointment",
                                                      AuditEntry.action == "create")).family_id == a.family_id


# --------------------------------------------------------------------------- the calendar feed


def _make_feed(client) -> str:
    body = client.post("/instellingen/agenda/nieuw").get_data(as_text=True)
    return re.search(r'value="(http[^"]+\.ics)"', body).group(1).replace("http://localhost", "")


def test_feed_has_kind_and_reference_only(client, login, office):
    from icalendar import Calendar

    login(client, "ann")
    day = date.today() + timedelta(days=3)
    client.post("/agenda/nieuw", data=_appt_form(day, kind="huisbezoek", title="Lotte Peeters thuis",
                                                 place="Kerkstraat 1, Genk", family_id=str(office["peeters"].id)))
    client.post("/agenda/nieuw", data=_appt_form(day, "14:00", "15:00", kind="andere", place="Zaal Noord"))
    url = _make_feed(client)
    assert db.session.scalar(select(CalendarFeed)).token_hash not in url  # only the digest is stored
    client.post("/logout")
    resp = client.get(url)  # no login needed
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    text = resp.get_data(as_text=True)
    cal = Calendar.from_ical(resp.data)
    events = [c for c in cal.walk("VEVENT")]
    assert sorted(str(e["SUMMARY"]) for e in events) == ["Afspraak", "Huisbezoek"]
    visit = next(e for e in events if str(e["SUMMARY"]) == "Huisbezoek")
    assert "LOCATION" not in visit  # a home visit's place is family data
    assert "/agenda/" in str(visit["DESCRIPTION"])
    assert next(e for e in events if str(e["SUMMARY"]) == "Afspraak")["LOCATION"] == "Zaal Noord"
    for name in ("Peeters", "Lotte", "Janssens", "Kerkstraat"):
        assert name not in text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "calendar_feed",
                                                       AuditEntry.action == "export"))
    assert entry.user_id == office["users"]["ann"].id and entry.family_id is None


def test_feed_wrong_revoked_and_regenerated_token(client, login, office):
    login(client, "ann")
    first = _make_feed(client)
    assert client.get(first).status_code == 200
    assert client.get(first[:-10] + "xxxxxx.ics").status_code == 404
    second = _make_feed(client)
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    client.post("/instellingen/agenda/intrekken")
    assert client.get(second).status_code == 404
    # a POST without CSRF changes nothing
    assert client.post("/instellingen/agenda/nieuw", csrf=False).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CalendarFeed)) == 0


def test_feed_of_another_user_shows_only_theirs(client, login, office):
    login(client, "ann")
    client.post("/agenda/nieuw", data=_appt_form(date.today() + timedelta(days=1), kind="oudergesprek"))
    client.post("/logout")
    login(client, "cas")
    url = _make_feed(client)
    text = client.get(url).get_data(as_text=True)
    assert "Oudergesprek" not in text and "VEVENT" not in text


# --------------------------------------------------------------------------- Mijn werk


def test_mywork_shows_today_tasks_and_constant_queries(client, login, office, count_queries):
    ann = office["users"]["ann"]
    login(client, "ann")
    today = date.today()
    client.post("/agenda/nieuw", data=_appt_form(today, "08:00", "08:30", title="Koffie met CLB"))
    client.post("/taken/nieuw", data=_task_form(office, title="Dossier aanvullen",
                                                family_id=str(office["peeters"].id)))
    body = client.get("/").get_data(as_text=True)
    assert "Mijn werk" in body and "Koffie met CLB" in body and "Dossier aanvullen" in body
    client.get("/")
    with count_queries() as few:
        client.get("/")
    for i in range(8):
        db.session.add(Task(team_id=office["a"].id, title=f"Taak {i}", assignee_id=ann.id,
                            family_id=office["peeters"].id, due_on=today - timedelta(days=i)))
        db.session.add(Appointment(kind="andere", starts_at=datetime.combine(today, time(9 + i)),
                                   ends_at=datetime.combine(today, time(9 + i, 30)), created_by_id=ann.id))
    db.session.commit()
    with count_queries() as many:
        body = client.get("/").get_data(as_text=True)
    assert "Taak 7" in body and "te laat" in body
    assert many.count == few.count
    # tasks with a family on the start page are family reads
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "mywork", AuditEntry.family_id == office["peeters"].id)) >= 1


def test_admin_without_team_keeps_the_tiles_page(client, login, office):
    login(client, "admin")
    body = client.get("/").get_data(as_text=True)
    assert "Mijn werk" not in body


def test_appointment_edit_cancel_and_conflict(client, login, office):
    login(client, "ann")
    day = date.today() + timedelta(days=5)
    client.post("/agenda/nieuw", data=_appt_form(day, title="Eerste versie"))
    a = db.session.scalar(select(Appointment))
    body = client.get(f"/agenda/{a.id}").get_data(as_text=True)
    assert 'value="Eerste versie"' in body and 'value="10:00"' in body
    resp = client.post(f"/agenda/{a.id}", data=_appt_form(day, "13:00", "14:00", title="Verplaatst",
                                                           version=str(a.version)))
    assert resp.status_code == 302
    db.session.expire_all()
    a = db.session.get(Appointment, a.id)
    assert a.title == "Verplaatst" and a.starts_at.hour == 13
    # a stale version is refused with the input kept
    resp = client.post(f"/agenda/{a.id}", data=_appt_form(day, "15:00", "16:00", title="Te laat",
                                                           version=str(a.version - 1)))
    assert resp.status_code == 409 and 'value="Te laat"' in resp.get_data(as_text=True)
    assert client.post(f"/agenda/{a.id}/annuleren", data={"version": str(a.version)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, a.id).status == "cancelled"
    assert "Verplaatst" not in client.get(f"/agenda/?datum={day.isoformat()}").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_type == "appointment")) == 3


def test_demo_feeds_carry_no_family_data(app, client):
    """With the demo loaded: every demo worker's feed, parsed with icalendar, holds planned roundtables and
    home visits but no name of any demo family, child or parent, and no street."""
    from icalendar import Calendar

    from core.calendar_feed import new_feed
    from core.demo import load_demo
    from core.models import Family, Person, User

    load_demo(scale=1)
    words = set()
    for given, family in db.session.execute(select(Person.given_name, Person.family_name)):
        words |= {given, family}
    for label, street in db.session.execute(select(Family.label, Family.street)):
        words |= {label} | ({street} if street else set())
    words = {w for w in words if w and len(w) > 3}
    users = list(db.session.scalars(select(User).where(User.id.in_(
        select(Appointment.created_by_id).distinct()))))
    assert users
    summaries = []
    with app.test_request_context():
        tokens = [(u, new_feed(u)) for u in users]
    db.session.commit()
    for user, token in tokens:
        resp = client.get(f"/agenda/feed/{token}.ics")
        assert resp.status_code == 200
        text = resp.get_data(as_text=True).replace("\r\n ", "")  # unfold long lines
        leaks = sorted(w for w in words if w in text)
        assert not leaks, f"{user.username}: {leaks[:5]}"
        summaries += [str(e["SUMMARY"]) for e in Calendar.from_ical(resp.data).walk("VEVENT")]
    assert any(s.startswith("Rondetafel PT-") for s in summaries)
    assert "Huisbezoek" in summaries
