"""Issue 14, defect 4 in costing: a racing save of a cost model hit StaleDataError and answered 500."""

from __future__ import annotations

from decimal import Decimal

from racing import edited_meanwhile

from core.extensions import db
from plugins.costing.calculation import PRESET_INPUTS
from plugins.costing.models import CostModel


def form_data(model: CostModel, **changes) -> dict:
    data = {k: str(v).replace(".", ",") for k, v in PRESET_INPUTS.as_dict().items()}
    data.update(name=model.name, year="2025", notes="", team_id=str(model.team_id), version=str(model.version))
    data.update(changes)
    return data


def test_racing_save_of_a_cost_model_is_a_dutch_409_with_the_input_kept(client, login, world, make_model):
    m = make_model(world["petra"])
    login(client, "finance")
    with edited_meanwhile(CostModel, m.id, notes="Intussen aangepast door een collega") as ran:
        resp = client.post(f"/kostprijs/{m.id}/bewerken", data=form_data(m, hourly_rate="47"))
    assert ran
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    assert "Iemand anders heeft dit intussen gewijzigd" in page and 'value="47"' in page
    db.session.expire_all()
    m = db.session.get(CostModel, m.id)
    assert m.notes == "Intussen aangepast door een collega" and m.hourly_rate != Decimal("47")
