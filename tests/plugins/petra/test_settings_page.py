"""PeTra's settings page goes through WTForms and the core's settings store."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import PluginSetting


def _rows() -> dict[str, str]:
    return dict(db.session.execute(select(PluginSetting.key, PluginSetting.value)
                                   .where(PluginSetting.plugin == "petra")).all())


def test_a_number_range_error_on_a_plugin_settings_page_is_dutch_next_to_the_field(client, login, world):
    """Defect: PeTra's settings page bypassed WTForms; now its form validates with Dutch messages and keeps
    what was typed."""
    from plugins.petra import logic

    login(client, "manager")
    body = client.post("/petra/instellingen", data=dict(logic.DEFAULTS, norm_school="-3", warn_days="veel",
                                                         region="  ")).get_data(as_text=True)
    assert 'id="norm_school-fout">Geef een getal tussen 0 en 99.</small>' in body
    assert 'id="warn_days-fout">Geef een geheel getal.' in body
    assert 'id="region-fout">Geef minstens één gemeente.</small>' in body
    assert 'value="-3"' in body and 'value="veel"' in body
    assert "must be" not in body and "Number" not in body
    assert logic.SETTINGS.get("norm_school") == 5
    assert client.post("/petra/instellingen", data=dict(logic.DEFAULTS, norm_school="7")).status_code == 302
    assert logic.SETTINGS.get("norm_school") == 7 and _rows() == {"norm_school": "7"}
    page = client.get("/petra/instellingen").get_data(as_text=True)
    assert 'id="norm_school"' in page and 'value="7"' in page
