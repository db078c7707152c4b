"""Log a bench client in without the login form (no password hashing in the measured loop)."""


def login_as(client, app, user_id: int) -> None:
    from core.extensions import db
    from core.models import User

    user = db.session.get(User, user_id)
    with client.session_transaction() as s:
        s["_user_id"] = user.get_id()
        s["_fresh"] = True
