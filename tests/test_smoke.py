def test_healthz_answers_200_with_json(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json()["database"] == "ok"


def test_login_then_start_page(client, make_user, make_team, login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    login(client, "worker")
    resp = client.get("/")
    assert resp.status_code == 200
    assert "Dag Worker" in resp.get_data(as_text=True)
