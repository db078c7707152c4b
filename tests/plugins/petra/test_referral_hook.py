"""A guided referral at closure (and a referral elsewhere at intake) is handed to other plugins through
``hvhk_referral_recorded``, inside the same transaction."""

from __future__ import annotations

import types
from datetime import date, timedelta

import pytest

from core.hookspecs import hookimpl

CALLS: list[dict] = []


def _spy_module():
    mod = types.ModuleType("petra_referral_spy")

    @hookimpl
    def hvhk_referral_recorded(referral):
        CALLS.append(referral)

    mod.hvhk_referral_recorded = hvhk_referral_recorded
    return mod


@pytest.fixture
def spy_client(app_factory, app):
    CALLS.clear()
    return app_factory(HVHK_PLUGINS="petra", HVHK_EXTRA_PLUGINS=[("spy", _spy_module())]).test_client()


def test_closure_with_referral_calls_the_hook(spy_client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30))
    login(spy_client, "worker")
    resp = spy_client.post(f"/petra/traject/{t.id}/afronding", data={
        "version": str(t.version), "closed_on": date.today().isoformat(), "closure_reason": "doorverwijzing",
        "closure_org_id": str(world["cgg"].id), "closure_accompanied": "y"})
    assert resp.status_code == 302
    assert len(CALLS) == 1
    call = CALLS[0]
    assert call["family_id"] == world["fam"].id and call["organisation_id"] == world["cgg"].id
    assert call["accompanied"] is True and call["source"] == "petra" and call["source_ref"] == t.ref
    assert call["date"] == date.today() and call["user_id"] == world["users"]["worker"].id


def test_closure_going_on_independently_calls_no_hook(spy_client, login, world, make_trajectory):
    t = make_trajectory(world["petra"], world["fam"], world["lotte"], start_on=date.today() - timedelta(days=30))
    login(spy_client, "worker")
    resp = spy_client.post(f"/petra/traject/{t.id}/afronding", data={
        "version": str(t.version), "closed_on": date.today().isoformat(), "closure_reason": "zelfstandig",
        "closure_org_id": "0"})
    assert resp.status_code == 302 and CALLS == []
