"""Two-factor login with TOTP: set-up with a QR code, login with a code or a recovery code, requirement per team."""

import re

import pyotp

from core.extensions import db
from core.models import Setting, User


def _setup_2fa(client) -> tuple[str, list[str]]:
    page = client.get("/account/tweestap").get_data(as_text=True)
    assert "data:image/svg+xml;base64," in page  # the QR code, inline (no external service)
    secret = re.search(r"Sleutel: <code>([A-Z2-7]+)</code>", page).group(1)
    resp = client.post("/account/tweestap", data={"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert "klopt niet" in resp.get_data(as_text=True)
    resp = client.post("/account/tweestap", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", resp.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def test_setup_then_login_needs_a_code(client, make_user, login, app):
    make_user("worker")
    login(client, "worker")
    secret, codes = _setup_2fa(client)
    client.post("/logout")
    resp = client.post("/login", data={"username": "worker", "password": "huisvanhetkind"})
    assert resp.headers["Location"].endswith("/login/tweestap")
    assert client.get("/").status_code == 302  # not logged in until the second step
    assert "klopt niet" in client.post("/login/tweestap", data={"code": "123456"}).get_data(as_text=True)
    # a code from a previous login is not accepted twice, so use a recovery code here
    resp = client.post("/login/tweestap", data={"code": codes[0]})
    assert resp.status_code == 302 and client.get("/").status_code == 200
    client.post("/logout")
    client.post("/login", data={"username": "worker", "password": "huisvanhetkind"})
    assert "klopt niet" in client.post("/login/tweestap", data={"code": codes[0]}).get_data(as_text=True)  # used
    assert db.session.get(User, 1).totp_secret == secret


def test_totp_code_logs_in(client, make_user, login):
    user = make_user("worker")
    secret = pyotp.random_base32()
    user.totp_secret = secret
    db.session.commit()
    client.post("/login", data={"username": "worker", "password": "huisvanhetkind"})
    resp = client.post("/login/tweestap", data={"code": pyotp.TOTP(secret).now()})
    assert resp.status_code == 302 and client.get("/").status_code == 200


def test_team_requirement_forces_setup_first(client, make_team, make_user, login):
    team = make_team("PeTra")
    team.require_2fa = True
    db.session.commit()
    make_user("worker", {team: "member"})
    login(client, "worker")
    resp = client.get("/gezinnen/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/tweestap")
    htmx = client.get("/gezinnen/", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/account/tweestap"
    _setup_2fa(client)
    assert client.get("/gezinnen/").status_code == 200
    assert "verplicht" in client.post("/account/tweestap/uitzetten", follow_redirects=True).get_data(as_text=True)


def test_admin_requires_2fa_for_partner_accounts(client, make_org, make_user, login, app):
    make_user("root", admin=True)
    make_user("partner", organisation=make_org("Basisschool De Linde"))
    login(client, "root")
    client.post("/beheer/instellingen", data={"require_2fa_partners": "1"})
    assert db.session.get(Setting, "require_2fa_partners").value == "1"
    partner = app.test_client()
    login(partner, "partner")
    assert partner.get("/").headers["Location"].endswith("/account/tweestap")
