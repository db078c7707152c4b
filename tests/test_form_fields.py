"""The shared field macro: a valid field carries no aria-invalid/aria-describedby at all (a screen reader would
otherwise hear every field as invalid); a field with an error points at its message."""

from __future__ import annotations

import re


def test_valid_fields_are_not_announced_as_invalid(client, app, make_team, make_user, login):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in page
    assert '"None"' not in page and "aria-invalid" not in page

    make_user("anna", {make_team("Noord"): "member"})
    login(client, "anna")
    page = client.get("/account/wachtwoord").get_data(as_text=True)
    assert 'type="password"' in page and '"None"' not in page and "aria-invalid" not in page


def test_a_field_with_an_error_points_at_its_message(client, app, make_team, make_user, login):
    make_user("anna", {make_team("Noord"): "member"})
    login(client, "anna")
    page = client.post("/account/wachtwoord", data={}).get_data(as_text=True)
    invalid = re.findall(r'<input[^>]*aria-invalid="true"[^>]*>', page)
    assert invalid, page
    for tag in invalid:
        field_id = re.search(r'\sid="([^"]+)"', tag).group(1)
        assert f'aria-describedby="{field_id}-fout"' in tag
        assert f'id="{field_id}-fout"' in page
