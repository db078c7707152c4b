"""Two tablets marking the same child (issue 14, defect 5): the later mark never replaces the earlier one
silently; its user sees who marked what and when, and chooses. With htmx (the row) and without JavaScript
(the whole page, 409)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select

from core.extensions import db
from core.models import AuditEntry
from plugins.groups.models import Attendance

from .conftest import past


@pytest.fixture
def two_tablets(app, world, make_programme, make_session, enrol_person, login):
    """The worker and the manager, each on a tablet, both opened the attendance page before anyone marked."""
    p = make_programme(world["petra"], leaders=[world["users"]["worker"], world["users"]["manager"]])
    s = make_session(p, past(1))
    fam = world["fam"]
    lotte, finn = fam.children()
    e, e2 = enrol_person(p, lotte, fam), enrol_person(p, finn, fam)
    a, b = app.test_client(), app.test_client()
    login(a, "worker")
    login(b, "manager")
    for c in (a, b):
        page = c.get(f"/groepen/sessies/{s.id}/aanwezigheden").get_data(as_text=True)
        assert 'name="vorige" value=""' in page
    return s, e, e2, a, b


def _mark(client, s, e, status, previous, htmx=True):
    return client.post(f"/groepen/sessies/{s.id}/aanwezigheden/{e.id}", data={"status": status, "vorige": previous},
                       htmx=htmx)


def _stored(e):
    db.session.expire_all()
    row = db.session.scalar(select(Attendance).where(Attendance.enrolment_id == e.id))
    return (row.status, row.recorded_by_id) if row else None


def _updates(e) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.object_type == "groups_attendance", AuditEntry.action == "update", AuditEntry.detail.is_not(None),
        AuditEntry.family_id == e.family_id))


def test_the_second_tablet_sees_the_conflict_and_keeps_its_own_mark_on_request(world, two_tablets):
    s, e, _, a, b = two_tablets
    worker, manager = world["users"]["worker"], world["users"]["manager"]
    assert _mark(a, s, e, "present", "").status_code == 200
    resp = _mark(b, s, e, "absent", "")  # tablet B still shows no mark
    row = resp.get_data(as_text=True)
    assert resp.status_code == 200 and row.lstrip().startswith('<div class="groups-att-row') and "<html" not in row
    assert "Niet bewaard: Worker duidde Lotte Peeters" in row and "<strong>aanwezig</strong>" in row
    assert "jij koos <strong>afwezig</strong>" in row and "Wat klopt?" in row
    assert "Afwezig: mijn keuze" in row and "Aanwezig: laten staan" in row
    assert 'name="vorige" value="present"' in row  # the choice is made knowing the stored mark
    assert _stored(e) == ("present", worker.id)  # nothing overwritten
    # B keeps its own mark
    resp = _mark(b, s, e, "absent", "present")
    assert resp.status_code == 200 and "Niet bewaard" not in resp.get_data(as_text=True)
    assert 'aria-pressed="true">Afwezig' in resp.get_data(as_text=True)
    assert _stored(e) == ("absent", manager.id)
    assert _updates(e) == 2
    # and now A, whose page still shows "present", is the one that is told
    row = _mark(a, s, e, "excused", "present").get_data(as_text=True)
    assert "Niet bewaard: Manager duidde Lotte Peeters" in row and "<strong>afwezig</strong>" in row
    assert _stored(e) == ("absent", manager.id)


def test_leaving_the_other_mark_writes_nothing(world, two_tablets):
    s, e, _, a, b = two_tablets
    worker = world["users"]["worker"]
    _mark(a, s, e, "present", "")
    assert "Niet bewaard" in _mark(b, s, e, "absent", "").get_data(as_text=True)
    row = _mark(b, s, e, "present", "present").get_data(as_text=True)  # "Aanwezig: laten staan"
    assert "Niet bewaard" not in row and 'aria-pressed="true">Aanwezig' in row
    assert _stored(e) == ("present", worker.id) and _updates(e) == 1


def test_the_same_mark_from_both_tablets_is_no_conflict(world, two_tablets):
    s, e, _, a, b = two_tablets
    _mark(a, s, e, "present", "")
    row = _mark(b, s, e, "present", "").get_data(as_text=True)
    assert "Niet bewaard" not in row and 'aria-pressed="true">Aanwezig' in row
    assert _stored(e) == ("present", world["users"]["worker"].id) and _updates(e) == 1


def test_without_javascript_the_page_shows_the_conflict_with_409(world, two_tablets):
    s, e, e2, a, b = two_tablets
    _mark(a, s, e, "present", "", htmx=False)
    _mark(a, s, e2, "absent", "", htmx=False)
    resp = _mark(b, s, e, "excused", "", htmx=False)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "<html" in body and "Je keuze is niet bewaard" in body
    assert "Niet bewaard: Worker duidde Lotte Peeters" in body and "Verontschuldigd: mijn keuze" in body
    assert f'id="kind-{e2.id}"' in body and "groups-att-absent" in body  # the rest of the page is fresh
    assert _stored(e)[0] == "present"
    resp = _mark(b, s, e, "excused", "present", htmx=False)
    assert resp.status_code == 302 and _stored(e) == ("excused", world["users"]["manager"].id)


def test_a_form_without_the_previous_mark_never_overwrites(world, two_tablets):
    s, e, _, a, b = two_tablets
    _mark(a, s, e, "present", "")
    resp = b.post(f"/groepen/sessies/{s.id}/aanwezigheden/{e.id}", data={"status": "absent"}, htmx=True)
    assert "Niet bewaard" in resp.get_data(as_text=True) and _stored(e)[0] == "present"


def test_the_same_user_in_two_windows_is_told_too(world, two_tablets):
    s, e, _, a, _b = two_tablets
    _mark(a, s, e, "present", "")
    row = _mark(a, s, e, "absent", "").get_data(as_text=True)
    assert "Niet bewaard: jijzelf (in een ander venster) duidde" in row


@pytest.mark.parametrize("first", ["", "excused"])
def test_a_mark_stored_between_reading_and_writing_is_not_overwritten(app, world, two_tablets, first):
    """Tablet A has read the child's mark and is about to write when tablet B's mark is committed: A must not
    overwrite it (the unique index for a first mark, a compare-and-set for a change) but show the conflict.
    The interleaving is forced: A's request pauses right after its read until B's request has finished."""
    s, e, _, a, b = two_tablets
    if first:
        _mark(a, s, e, first, "")
    url = f"/groepen/sessies/{s.id}/aanwezigheden/{e.id}"  # no ORM object is touched inside the thread
    a_has_read, b_is_done = threading.Event(), threading.Event()
    answers = {}

    def pause_after_read(conn, cursor, statement, *args):
        if (threading.current_thread().name == "tablet-a" and not a_has_read.is_set()
                and statement.lstrip().upper().startswith("SELECT") and "groups_attendance.recorded_by_id" in statement):
            a_has_read.set()
            b_is_done.wait(20)

    def tablet_a():
        answers["a"] = a.post(url, data={"status": "present", "vorige": first}, htmx=True).get_data(as_text=True)

    event.listen(db.engine, "after_cursor_execute", pause_after_read)
    try:
        thread = threading.Thread(target=tablet_a, name="tablet-a")
        thread.start()
        assert a_has_read.wait(20)
        answers["b"] = _mark(b, s, e, "absent", first).get_data(as_text=True)
        b_is_done.set()
        thread.join(30)
    finally:
        event.remove(db.engine, "after_cursor_execute", pause_after_read)
    assert "Niet bewaard" not in answers["b"]
    assert "Niet bewaard: Manager duidde Lotte Peeters" in answers["a"] and "jij koos <strong>aanwezig</strong>" in answers["a"]
    assert _stored(e) == ("absent", world["users"]["manager"].id)
    assert _updates(e) == (2 if first else 1)
