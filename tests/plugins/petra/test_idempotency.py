"""PeTra contacts and plan actions are stored once however often the same form is sent (issue 14, defect 2):
through a full page and through htmx, where the form swapped in after a save carries a new key."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from core.extensions import db
from plugins.petra.models import Contact, PlanAction, PlanGoal

KEY_RE = re.compile(r'name="idempotency_key"(?: type="hidden")? value="([^"]+)"')


def _contact(key, note="Gesprek met mama", **over):
    data = {"on_date": date.today().isoformat(), "minutes": "45", "kind": "gesprek_ouders", "place": "huisbezoek",
            "parties": ["ouders"], "note": note, "idempotency_key": key}
    data.update(over)
    return data


def _count(model, **where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_the_same_contact_form_sent_twice_stores_one_contact(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30))
    login(client, "worker")
    page = client.get(f"/petra/traject/{t.id}").get_data(as_text=True)
    key = KEY_RE.search(page).group(1)
    first = client.post(f"/petra/traject/{t.id}/contact", data=_contact(key))
    assert first.status_code == 302
    second = client.post(f"/petra/traject/{t.id}/contact", data=_contact(key))
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]
    assert _count(Contact, trajectory_id=t.id, note="Gesprek met mama") == 1


def test_htmx_contact_resubmit_redirects_and_the_new_form_has_a_new_key(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30))
    login(client, "worker")
    page_url = f"/petra/traject/{t.id}"
    key = KEY_RE.search(client.get(page_url).get_data(as_text=True)).group(1)
    headers = {"HX-Current-URL": f"http://localhost{page_url}"}
    first = client.post(f"{page_url}/contact", data=_contact(key), htmx=True, headers=headers)
    fragment = first.get_data(as_text=True)
    assert first.status_code == 200 and "Contact opgeslagen." in fragment
    new_key = KEY_RE.search(fragment).group(1)
    assert new_key != key  # the next contact typed in the swapped-in form is a new submit
    again = client.post(f"{page_url}/contact", data=_contact(key), htmx=True, headers=headers)
    assert again.status_code == 200 and again.headers["HX-Redirect"] == page_url
    assert _count(Contact, trajectory_id=t.id, note="Gesprek met mama") == 1
    nxt = client.post(f"{page_url}/contact", data=_contact(new_key, note="Tweede gesprek"), htmx=True, headers=headers)
    assert nxt.status_code == 200 and "Contact opgeslagen." in nxt.get_data(as_text=True)
    assert _count(Contact, trajectory_id=t.id) == 2


def test_a_refused_contact_keeps_its_key_and_the_corrected_one_is_stored(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30))
    login(client, "worker")
    key = KEY_RE.search(client.get(f"/petra/traject/{t.id}").get_data(as_text=True)).group(1)
    refused = client.post(f"/petra/traject/{t.id}/contact", data=_contact(key, parties=[]), htmx=True)
    assert "Duid aan wie deelnam" in refused.get_data(as_text=True)
    assert KEY_RE.search(refused.get_data(as_text=True)).group(1) == key
    stored = client.post(f"/petra/traject/{t.id}/contact", data=_contact(key), htmx=True)
    assert "Contact opgeslagen." in stored.get_data(as_text=True)
    assert _count(Contact, trajectory_id=t.id) == 1


def test_the_hand_written_plan_action_form_carries_a_key_too(client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30))
    goal = PlanGoal(trajectory_id=t.id, party="kind", goal="Lotte speelt samen op de speelplaats")
    db.session.add(goal)
    db.session.commit()
    login(client, "worker")
    page = client.get(f"/petra/traject/{t.id}/plan").get_data(as_text=True)
    action_form = page[page.index("plan/doel/"):]
    key = KEY_RE.search(action_form).group(1)
    for _ in range(2):
        resp = client.post(f"/petra/traject/{t.id}/plan/doel/{goal.id}/actie",
                           data={"description": "Samen een spel kiezen", "who": "juf", "idempotency_key": key})
        assert resp.status_code in (302, 303)
    assert _count(PlanAction, goal_id=goal.id) == 1
