"""Fixtures for the groups plugin: teams, users, families and a ready programme."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from core.testing import saved
from plugins.groups.logic import now_local
from plugins.groups.models import Attendance, Enrolment, GroupSession, Programme


@pytest.fixture
def world(app, make_team, make_staff, make_org, make_family):
    """PeTra (groups on) with a member and a manager, Opvoedingswinkel (groups on), Onthaal (groups off),
    a partner user, and two families with children in the 5th year of primary school."""
    petra = make_team("PeTra", plugins=("groups",))
    ovw = make_team("Opvoedingswinkel", plugins=("groups",))
    onthaal = make_team("Onthaal", plugins=())
    school = make_org("Basisschool De Linde")
    users = make_staff(petra, ovw=ovw, onthaal=onthaal, school=school)
    fam = make_family("Peeters", children=(("Lotte", date(2015, 3, 14)), ("Finn", date(2016, 6, 1))))
    fam2 = make_family("Öztürk", children=(("Elif", date(2015, 9, 2)),))
    return dict(petra=petra, ovw=ovw, onthaal=onthaal, school=school, users=users, fam=fam, fam2=fam2)


@pytest.fixture
def make_programme(app):
    def factory(team, name="PeTra-groep lager", capacity=8, location="Campus O3 - atelier", leaders=(),
                age_group="lager", **kw) -> Programme:
        p = Programme(team_id=team.id, name=name, kind=kw.pop("kind", "cycle"), age_group=age_group,
                      capacity=capacity, location=location, start_date=kw.pop("start_date", date.today()), **kw)
        p.leaders = list(leaders)
        return saved(p)

    return factory


@pytest.fixture
def make_session(app):
    def factory(programme, starts_at: datetime, hours: float = 3, **kw) -> GroupSession:
        return saved(GroupSession(programme_id=programme.id, starts_at=starts_at,
                                  ends_at=starts_at + timedelta(hours=hours), kind=kw.pop("kind", "session"),
                                  **kw))

    return factory


@pytest.fixture
def enrol_person(app):
    def factory(programme, person, family, status="enrolled", priority=2, waiting_since=None) -> Enrolment:
        return saved(Enrolment(programme_id=programme.id, person_id=person.id, family_id=family.id,
                               status=status, priority=priority, waiting_since=waiting_since))

    return factory


@pytest.fixture
def mark(app):
    def factory(session, enrolment, status):
        saved(Attendance(session_id=session.id, enrolment_id=enrolment.id, status=status))

    return factory


def past(days: int, hour: int = 13, minute: int = 30) -> datetime:
    return datetime.combine((now_local() - timedelta(days=days)).date(), time(hour, minute))


def future(days: int, hour: int = 13, minute: int = 30) -> datetime:
    return datetime.combine((now_local() + timedelta(days=days)).date(), time(hour, minute))
