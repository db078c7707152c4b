"""Who gets what: owning team edits and sees children; other teams read the planning only (403 on children's
data, logged); a team without the plugin and partners get 404; no CSRF token gets 400; constant queries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry, Family, FamilyMember, Person
from plugins.groups.logic import now_local
from plugins.groups.models import Attendance, Enrolment, GroupSession, Programme


def past(days, hour=13, minute=30):
    return datetime.combine((now_local() - timedelta(days=days)).date(), time(hour, minute))


@pytest.fixture
def setup(world, make_programme, make_session, enrol_person):
    p = make_programme(world["petra"], name="PeTra-groep lager", leaders=[world["users"]["worker"]])
    s = make_session(p, past(1))
    e = enrol_person(p, world["fam"].children()[0], world["fam"])
    return p, s, e


CHILD_URLS = [
    "/groepen/{p}/aanwezigheidslijst", "/groepen/{p}/aanwezigheidslijst.xlsx", "/groepen/{p}/inschrijven",
    "/groepen/{p}/bewerken", "/groepen/{p}/reeks", "/groepen/{p}/sessies/nieuw", "/groepen/sessies/{s}/aanwezigheden",
    "/groepen/sessies/{s}/verwittigen", "/groepen/sessies/{s}/bewerken", "/groepen/inschrijvingen/{e}",
]
POSTS = [
    ("/groepen/sessies/{s}/aanwezigheden/{e}", {"status": "present"}), ("/groepen/sessies/{s}/annuleren", {}),
    ("/groepen/inschrijvingen/{e}/uitschrijven", {}), ("/groepen/inschrijvingen/{e}/toelaten", {}),
    ("/groepen/{p}/archiveren", {}), ("/groepen/{p}/reeks", {"weekday": "2", "first_day": "2025-02-17", "start_time": "13:30", "end_time": "16:30",
                             "count": "2"}),
]


def _fmt(url, p, s, e):
    return url.format(p=p.id, s=s.id, e=e.id)


def test_owner_team_sees_children(client, login, world, setup):
    p, s, e = setup
    login(client, "worker")
    assert "Lotte Peeters" in client.get(f"/groepen/{p.id}").get_data(as_text=True)
    # reading the participant list is in the family's audit trail
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "view", AuditEntry.object_type == "groups_programme",
        AuditEntry.family_id == world["fam"].id)) == 1
    for url in CHILD_URLS:
        assert client.get(_fmt(url, p, s, e)).status_code == 200, url


def test_other_team_reads_planning_but_not_children(client, login, world, setup):
    p, s, e = setup
    login(client, "ovw")
    body = client.get(f"/groepen/{p.id}").get_data(as_text=True)
    assert "PeTra-groep lager" in body and "Alleen-lezen" in body and "Lotte" not in body and "Peeters" not in body
    session_page = client.get(f"/groepen/sessies/{s.id}")
    assert session_page.status_code == 200 and "Aanwezigheden:" not in session_page.get_data(as_text=True)
    assert client.get(f"/groepen/{p.id}/agenda.ics").status_code == 200
    for url in CHILD_URLS:
        assert client.get(_fmt(url, p, s, e)).status_code == 403, url
    for url, data in POSTS:
        assert client.post(_fmt(url, p, s, e), data=data).status_code == 403, url
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    assert db.session.scalar(select(func.count(GroupSession.id))) == 1
    assert db.session.get(Enrolment, e.id).status == "enrolled"
    denied = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "denied"))
    assert denied == len(CHILD_URLS) + len(POSTS)
    # the list shows other teams' programmes only when asked
    assert "PeTra-groep lager" not in client.get("/groepen/").get_data(as_text=True)
    assert "PeTra-groep lager" in client.get("/groepen/?team=alle").get_data(as_text=True)


def test_team_without_plugin_and_partner_get_404(client, login, world, setup):
    p, s, e = setup
    for user in ("onthaal", "partner"):
        client.post("/logout")
        login(client, user)
        for url in ["/groepen/", "/groepen/{p}", "/groepen/{p}/agenda.ics", "/groepen/kalender",
                    "/groepen/gezin/{f}/paneel"] + CHILD_URLS:
            assert client.get(url.format(p=p.id, s=s.id, e=e.id, f=world["fam"].id)).status_code == 404, (user, url)
        for url, data in POSTS:
            assert client.post(_fmt(url, p, s, e), data=data).status_code == 404, (user, url)
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_anonymous_goes_to_login(client, setup):
    p, s, e = setup
    resp = client.get(f"/groepen/{p.id}")
    assert resp.status_code in (302, 401) and "login" in resp.headers.get("Location", "login")


def test_no_csrf_token_is_refused(client, login, setup):
    p, s, e = setup
    login(client, "worker")
    resp = client.post(f"/groepen/sessies/{s.id}/aanwezigheden/{e.id}", data={"status": "present"}, csrf=False)
    assert resp.status_code == 400
    resp = client.post("/groepen/nieuw", data={"name": "x", "capacity": "3"}, csrf=False)
    assert resp.status_code == 400
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    assert db.session.scalar(select(func.count(Programme.id))) == 1


def test_team_without_groups_cannot_create(client, login, world, make_team, make_user, enable_plugin):
    # a user whose only team has the plugin but who is... an admin can; a member of a team switched off cannot
    enable_plugin(world["ovw"], "groups", on=False)
    login(client, "ovw")
    assert client.get("/groepen/nieuw").status_code == 404


def test_family_panel_needs_family_access(client, login, world, setup):
    p, s, e = setup
    fam = world["fam"]
    login(client, "ovw")  # Opvoedingswinkel is not involved with the family
    assert client.get(f"/groepen/gezin/{fam.id}/paneel").status_code == 403
    client.post("/logout")
    from core.access import register_involvement

    register_involvement(fam, world["petra"], "test", user_id=world["users"]["worker"].id)
    db.session.commit()
    login(client, "worker")
    db.session.add(Attendance(session_id=s.id, enrolment_id=e.id, status="present"))
    db.session.commit()
    body = client.htmx_get(f"/groepen/gezin/{fam.id}/paneel").get_data(as_text=True)
    assert "PeTra-groep lager" in body and "Lotte Peeters" in body and "<html" not in body and "100%" in body


def _grow(world, p, sessions, n_children):
    """Add children (each in a family) and attendance for every session."""
    for i in range(n_children):
        fam = Family(label=f"Gezin{i}", municipality="Genk")
        db.session.add(fam)
        db.session.flush()
        kid = Person(given_name=f"Kind{i}", family_name=f"Gezin{i}", birth_date=date(2015, 1, 1),
                     school_level="lager", school_year=5)
        db.session.add(kid)
        db.session.flush()
        db.session.add(FamilyMember(family_id=fam.id, person_id=kid.id, role="kind"))
        e = Enrolment(programme_id=p.id, person_id=kid.id, family_id=fam.id,
                      status="enrolled" if i % 5 else "waiting", priority=2, waiting_since=datetime(2025, 1, 1))
        db.session.add(e)
        db.session.flush()
        for s in sessions:
            db.session.add(Attendance(session_id=s.id, enrolment_id=e.id, status="present" if i % 3 else "absent"))
    db.session.commit()


def test_programme_page_query_count_is_constant(client, login, world, make_programme, make_session, count_queries):
    login(client, "worker")
    counts = []
    for n in (3, 30):
        p = make_programme(world["petra"], name=f"Groep {n}", capacity=40,
                           leaders=[world["users"]["worker"], world["users"]["manager"]])
        sessions = [make_session(p, past(7 * k + 1)) for k in range(n // 3)]
        _grow(world, p, sessions, n)
        client.get(f"/groepen/{p.id}")  # warm-up
        with count_queries() as c:
            resp = client.get(f"/groepen/{p.id}")
        assert resp.status_code == 200 and f"Kind{n - 1}" in resp.get_data(as_text=True)
        counts.append(c.count)
    assert counts[0] == counts[1], counts


def test_attendance_page_query_count_is_constant(client, login, world, make_programme, make_session, count_queries):
    """The attendance page of a session: session and programme, the children with their marks, the audit
    INSERT (plus the request's fixed user and plugin queries), whatever the number of children and marks."""
    login(client, "worker")
    counts = []
    for n in (3, 30):
        p = make_programme(world["petra"], name=f"Groep {n}", capacity=40)
        sessions = [make_session(p, past(7 * k + 1)) for k in range(2)]
        _grow(world, p, sessions, n)
        url = f"/groepen/sessies/{sessions[0].id}/aanwezigheden"
        client.get(url)  # warm-up
        with count_queries() as c:
            resp = client.get(url)
        assert resp.status_code == 200 and f"Kind{n - 1} Gezin{n - 1}" in resp.get_data(as_text=True)
        counts.append(c.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 5, counts


def test_programme_list_query_count_is_constant(client, login, world, make_programme, count_queries):
    login(client, "worker")
    counts = []
    for n in (3, 30):
        for i in range(n - (3 if n == 30 else 0)):
            make_programme(world["petra"], name=f"Groep {n}-{i}")
        with count_queries() as c:
            assert client.get("/groepen/").status_code == 200
        counts.append(c.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 4, counts  # user, plugin switches, the page of programmes with their team, the counts


# --------------------------------------------------------------------------- issue 13, defect 9


def _denied_families(object_type=None):
    stmt = select(AuditEntry.family_id).where(AuditEntry.action == "denied")
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    return sorted(db.session.scalars(stmt), key=lambda f: f or 0)


@pytest.fixture
def two_families(world, setup, make_family, enrol_person, make_session):
    """The PeTra group with Lotte Peeters and Elif Öztürk enrolled and Noor Claes on the waiting list."""
    p, s, e = setup
    e2 = enrol_person(p, world["fam2"].children()[0], world["fam2"])
    fam3 = make_family("Claes", children=(("Noor", date(2015, 1, 1)),))
    enrol_person(p, fam3.children()[0], fam3, status="waiting")
    return p, s, e, e2, fam3


def test_refused_enrolment_read_names_its_family(client, login, world, setup):
    p, s, e = setup
    login(client, "ovw")
    assert client.get(f"/groepen/inschrijvingen/{e.id}").status_code == 403
    assert _denied_families("groups_enrolment") == [world["fam"].id]


def test_refused_session_attendance_writes_one_entry_per_family(client, login, world, two_families):
    p, s, e, e2, fam3 = two_families
    login(client, "ovw")
    resp = client.get(f"/groepen/sessies/{s.id}/aanwezigheden")
    assert resp.status_code == 403 and "Lotte" not in resp.get_data(as_text=True)
    assert _denied_families("groups_attendance") == sorted([world["fam"].id, world["fam2"].id])


def test_refused_attendance_list_and_excel_write_one_entry_per_family(client, login, world, two_families):
    p, s, e, e2, fam3 = two_families
    login(client, "ovw")
    assert client.get(f"/groepen/{p.id}/aanwezigheidslijst").status_code == 403
    assert _denied_families("groups_attendance") == sorted([world["fam"].id, world["fam2"].id])
    assert client.get(f"/groepen/{p.id}/aanwezigheidslijst.xlsx").status_code == 403
    assert len(_denied_families("groups_attendance")) == 4


def test_refused_notify_and_enrol_pages_name_their_families(client, login, world, two_families):
    p, s, e, e2, fam3 = two_families
    login(client, "ovw")
    assert client.get(f"/groepen/sessies/{s.id}/verwittigen").status_code == 403
    assert _denied_families("groups_session") == sorted([world["fam"].id, world["fam2"].id])
    lotte = world["fam"].children()[0]
    assert client.get(f"/groepen/{p.id}/inschrijven?person_id={lotte.id}&family_id={world['fam'].id}"
                      ).status_code == 403
    assert world["fam"].id in _denied_families("groups_enrolment")
    # a refused change of an enrolment names the family too
    assert client.post(f"/groepen/inschrijvingen/{e2.id}/uitschrijven").status_code == 403
    assert world["fam2"].id in _denied_families("groups_enrolment")


def test_refusals_appear_in_the_familys_who_looked(client, login, world, setup, make_user):
    p, s, e = setup
    login(client, "ovw")
    client.get(f"/groepen/sessies/{s.id}/aanwezigheden")
    admin = world["users"]["admin"]
    assert admin is not None
    other = client.application.test_client()
    login(other, "admin")
    body = other.get(f"/gezinnen/{world['fam'].id}").get_data(as_text=True)
    assert "toegang geweigerd" in body
