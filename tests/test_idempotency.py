"""Every form carries an idempotency key: the same submit sent twice stores once and the second answer shows the
first result; a refused submit keeps its key usable; keys expire. (Issue 14, defect 2; the database faults that
make people resubmit are in test_outage.py.)"""

import re
from datetime import timedelta

from sqlalchemy import func, select

from core.extensions import db
from core.idempotency import IdempotencyKey
from core.models import Family, utcnow

KEY_RE = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


def _key(page: str) -> str:
    m = KEY_RE.search(page)
    assert m, "the form carries no idempotency key"
    return m.group(1)


def _family(team, label="Claes", **over):
    data = {"label": label, "postcode": "3600", "municipality": "Genk", "role": "kind", "given_name": "Lotte",
            "family_name": label, "birth_date": "2016-05-01", "team_id": team.id, "reason": "Nieuw gezin"}
    data.update(over)
    return data


def test_every_rendering_of_a_form_gets_its_own_key(client, make_team, make_user, login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    login(client, "worker")
    first = _key(client.get("/gezinnen/nieuw").get_data(as_text=True))
    second = _key(client.get("/gezinnen/nieuw").get_data(as_text=True))
    assert first != second and len(first) >= 16


def test_a_second_submit_of_the_same_form_stores_nothing_and_shows_the_first_result(client, make_team, make_user,
                                                                                     login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    login(client, "worker")
    key = _key(client.get("/gezinnen/nieuw").get_data(as_text=True))
    first = client.post("/gezinnen/nieuw", data=_family(team, idempotency_key=key), headers={"Referer": "/gezinnen/nieuw"})
    assert first.status_code == 302
    family_url = first.headers["Location"]
    again = client.post("/gezinnen/nieuw", data=_family(team, idempotency_key=key), headers={"Referer": "/gezinnen/nieuw"})
    assert again.status_code == 303 and again.headers["Location"] == family_url
    assert db.session.scalar(select(func.count()).select_from(Family)) == 1
    page = client.get(family_url).get_data(as_text=True)
    assert "Dit formulier was al verstuurd en is één keer bewaard" in page
    # a new rendering of the form is a new submit
    key2 = _key(client.get("/gezinnen/nieuw").get_data(as_text=True))
    resp = client.post("/gezinnen/nieuw", data=_family(team, "Janssens", given_name="Mila", idempotency_key=key2))
    assert resp.status_code == 302 and resp.headers["Location"] != family_url
    assert db.session.scalar(select(func.count()).select_from(Family)) == 2


def test_a_refused_submit_keeps_its_key_for_the_corrected_one(client, make_team, make_user, login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    login(client, "worker")
    key = _key(client.get("/gezinnen/nieuw").get_data(as_text=True))
    refused = client.post("/gezinnen/nieuw", data=_family(team, postcode="12", idempotency_key=key))
    assert refused.status_code == 200 and "4 cijfers" in refused.get_data(as_text=True)
    assert _key(refused.get_data(as_text=True)) == key  # the same attempt: nothing was stored
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    saved = client.post("/gezinnen/nieuw", data=_family(team, idempotency_key=key))
    assert saved.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Family)) == 1
    row = db.session.scalar(select(IdempotencyKey))
    assert row.key == key and row.result_url == saved.headers["Location"]


def test_keys_are_per_user(client, app, make_team, make_user, login):
    team = make_team("PeTra")
    make_user("anna", {team: "member"})
    make_user("bert", {team: "member"})
    login(client, "anna")
    key = _key(client.get("/gezinnen/nieuw").get_data(as_text=True))
    assert client.post("/gezinnen/nieuw", data=_family(team, idempotency_key=key)).status_code == 302
    other = app.test_client()
    login(other, "bert")
    resp = other.post("/gezinnen/nieuw", data=_family(team, "Janssens", given_name="Mila", idempotency_key=key))
    assert resp.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Family)) == 2


def test_old_keys_expire(client, make_team, make_user, login):
    team = make_team("PeTra")
    user = make_user("worker", {team: "member"})
    db.session.add(IdempotencyKey(user_id=user.id, key="o" * 24, created_at=utcnow() - timedelta(hours=25),
                                  result_url="/"))
    db.session.add(IdempotencyKey(user_id=user.id, key="n" * 24, created_at=utcnow() - timedelta(hours=1),
                                  result_url="/"))
    db.session.commit()
    login(client, "worker")
    key = _key(client.get("/gezinnen/nieuw").get_data(as_text=True))
    assert client.post("/gezinnen/nieuw", data=_family(team, idempotency_key=key)).status_code == 302
    db.session.expire_all()
    assert sorted(db.session.scalars(select(IdempotencyKey.key))) == sorted([key, "n" * 24])


def test_a_submit_without_key_or_with_a_malformed_one_is_processed_as_before(client, make_team, make_user, login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    login(client, "worker")
    assert client.post("/gezinnen/nieuw", data=_family(team)).status_code == 302
    assert client.post("/gezinnen/nieuw", data=_family(team, "Janssens", given_name="Mila",
                                                       idempotency_key="<script>")).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_only_the_validated_form_keeps_the_submitted_key(app):
    """A page with two forms, shown again after a refused submit of one: the other form must not carry the same
    key, or sending it first would make the corrected first form look like a resubmit."""
    from wtforms import StringField
    from wtforms.validators import DataRequired

    from core.forms import Form

    class Note(Form):
        text = StringField(validators=[DataRequired()])

    class Other(Form):
        name = StringField()

    key = "k" * 24
    with app.test_request_context("/", method="POST", data={"idempotency_key": key, "text": ""}):
        submitted, other = Note(meta={"csrf": False}), Other(meta={"csrf": False})
        assert not submitted.validate()
        assert submitted.idempotency_key._value() == key
        assert other.idempotency_key._value() not in (key, "")
    with app.test_request_context("/"):
        html = str(Note().csrf_token)  # the key travels with the CSRF token in every template
        assert 'name="csrf_token"' in html and 'name="idempotency_key"' in html


def test_a_double_click_while_the_first_submit_is_in_flight_stores_once(client, app, make_team, make_user, login,
                                                                       is_postgres):
    """The first submit has written its key but not committed yet when the second arrives: the second waits on
    the unique (user, key) constraint, fails when the first commits, and shows the first result."""
    import threading
    import time

    from sqlalchemy import insert, text

    team = make_team("PeTra")
    user = make_user("worker", {team: "member"})
    login(client, "worker")
    key = _key(client.get("/gezinnen/nieuw").get_data(as_text=True))
    first = db.engine.connect()  # the first submit, in flight
    try:
        first.execute(insert(IdempotencyKey).values(user_id=user.id, key=key, created_at=utcnow(),
                                                    result_url="/gezinnen/4242"))
        data = _family(team, idempotency_key=key)
        answer = {}
        second = threading.Thread(target=lambda: answer.update(resp=client.post("/gezinnen/nieuw", data=data)))
        second.start()
        if is_postgres:  # wait until the second submit is blocked on the first one's uncommitted key
            with db.engine.connect() as probe:
                for _ in range(1200):
                    blocked = probe.execute(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()")).scalar()
                    if blocked or not second.is_alive():
                        break
                    time.sleep(0.025)
            assert blocked, f"the second submit never waited for the first one's key: {answer!r}"
        else:
            time.sleep(1)
        first.commit()
    finally:
        first.close()  # never leave the key's lock behind for the next test
    second.join(timeout=60)
    resp = answer["resp"]
    assert resp.status_code == 303 and resp.headers["Location"] == "/gezinnen/4242"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Family)) == 0
