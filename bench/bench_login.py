"""Log a bench client in without the login form (no password hashing in the measured loop)."""


def login_as(client, app, user_id: int) -> None:
    from core.extensions import db
    from core.models import User
    from core.security import SESSION_KEY, new_session_id

    user = db.session.get(User, user_id)
    sid = new_session_id(user)  # the server-side session the cookie refers to
    db.session.commit()
    with client.session_transaction() as s:
        s["_user_id"] = user.get_id()
        s["_fresh"] = True
        s[SESSION_KEY] = sid
