"""Network on "Mijn werk": partner pages not checked for ``stale_months`` (or never), for the managers of the
teams that keep the social map; not for members, not for teams without the plugin."""

from __future__ import annotations

from datetime import date, timedelta

from core.plugins import current_plugins


def _due(app, user):
    with app.test_request_context():
        return [i for g in current_plugins().hook_for(user, "hvhk_due_items")(
            user=user, until=date.today() + timedelta(days=14)) for i in g]


def test_stale_partner_pages_for_managers(app, world, make_user, make_partner):
    manager = make_user("netmanager", {world["petra"]: "manager"})
    stale = make_partner("Jeugdhuis Oud", verified_days_ago=500)
    never = make_partner("Sportclub Nooit", verified_days_ago=None)
    items = _due(app, manager)
    names = [i.reference for i in items]
    assert names[:2] == ["Sportclub Nooit", "Jeugdhuis Oud"]  # never checked first, then the oldest
    assert "CLB Genk" not in names  # checked 10 days ago
    assert all(i.plugin == "network" and i.family_id is None for i in items)
    assert items[1].url.endswith(f"/organisatie/{stale.id}") and items[0].url.endswith(f"/organisatie/{never.id}")
    assert items[1].overdue(date.today() + timedelta(days=1))
    # a member or someone without the plugin gets nothing
    assert _due(app, world["users"]["worker"]) == []
    assert _due(app, world["users"]["finance"]) == []
