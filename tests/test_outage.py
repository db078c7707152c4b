"""The database stops in the middle of use: pages answer 503 in Dutch, /healthz 503, nothing is half-written,
and the app recovers by itself once the database is back. Runs against PostgreSQL through a TCP proxy that
the test cuts (the real server keeps running for everything else)."""

import os
import time

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import Family

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                                reason="needs PostgreSQL (set DATABASE_URL)")


def test_database_outage_answers_503_and_recovers(app_factory, app, database_url, make_team, make_user,
                                                  make_family, login):
    from sqlalchemy.engine import make_url
    from tcpproxy import TcpProxy

    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    fam = make_family("Claes", involved=(team,))
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    port = proxy.start()
    proxied = app_factory(SQLALCHEMY_DATABASE_URI=url.set(port=port).render_as_string(hide_password=False),
                          SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}})
    client = proxied.test_client()
    login(client, "worker")
    assert client.get(f"/gezinnen/{fam.id}").status_code == 200

    proxy.stop()  # the database goes away
    started = time.perf_counter()
    page = client.get(f"/gezinnen/{fam.id}")
    answered_ms = (time.perf_counter() - started) * 1000
    assert page.status_code == 503
    body = page.get_data(as_text=True)
    assert "Tijdelijk niet beschikbaar" in body and "Traceback" not in body
    health = client.get("/healthz")
    assert health.status_code == 503
    save = client.post(f"/gezinnen/{fam.id}/bewerken", data={"version": fam.version, "label": "Half geschreven",
                                                             "postcode": "3600", "municipality": "Genk"})
    assert save.status_code == 503

    proxy.start(port)  # the database is back: no restart of the app needed
    started = time.perf_counter()
    assert client.get("/healthz").status_code == 200
    assert client.get(f"/gezinnen/{fam.id}").status_code == 200
    recovered_ms = (time.perf_counter() - started) * 1000
    # figures for the record (pytest -s); never asserted on
    print(f"\noutage: the family page answered 503 after {answered_ms:.0f} ms; once the database was back, "
          f"/healthz and the family page answered 200 after {recovered_ms:.0f} ms, without a restart")
    db.session.expire_all()
    assert db.session.scalar(select(Family.label).where(Family.id == fam.id)) == "Claes"  # nothing half-written
    proxy.stop()
