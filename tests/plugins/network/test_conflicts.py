"""Issue 14, defect 4: a racing edit of a partner page answered 500 (the plugin caught only its own conflict
error, not SQLAlchemy's StaleDataError). Now: the Dutch 409 page with what was typed."""

from __future__ import annotations

from racing import edited_meanwhile
from sqlalchemy import select

from core.extensions import db
from plugins.network.models import Contact, Partner


def test_racing_edit_of_a_partner_page_is_a_dutch_409_with_the_input_kept(client, login, world):
    org = world["clb"]
    partner = db.session.scalar(select(Partner).where(Partner.organisation_id == org.id))
    login(client, "worker")
    data = {"name": "CLB Genk", "sector": "leerlingenbegeleiding", "line": "1", "municipalities": ["Genk"],
            "phone": "089 99 99 99", "email": "onthaal@clb.example.be", "version": str(partner.version)}
    with edited_meanwhile(Partner, partner.id, phone="011 22 33 44") as ran:
        resp = client.post(f"/netwerk/organisatie/{org.id}/bewerken", data=data)
    assert ran, "the concurrent edit did not happen"
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "Iemand anders heeft dit intussen gewijzigd" in html and 'value="089 99 99 99"' in html
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).phone == "011 22 33 44"


def test_racing_edit_of_a_partner_contact_is_a_dutch_409(client, login, world):
    org = world["clb"]
    c = db.session.scalar(select(Contact).where(Contact.organisation_id == org.id))
    login(client, "worker")
    data = {"name": "Carla Claes", "role": "directeur", "phone": "089 30 20 11", "version": str(c.version)}
    with edited_meanwhile(Contact, c.id, role="zorgcoördinator a.i.") as ran:
        resp = client.post(f"/netwerk/organisatie/{org.id}/contact/{c.id}", data=data)
    assert ran
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert "Iemand anders heeft dit intussen gewijzigd" in html and 'value="directeur"' in html
    db.session.expire_all()
    assert db.session.get(Contact, c.id).role == "zorgcoördinator a.i."
