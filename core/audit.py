"""The audit log: who did what to which record, when; never the data itself.

``record`` adds an entry to the current transaction, so a change and its audit entry are committed
together or not at all. Reads are different: ``record_read`` (one record) and ``record_list_read`` (a list
that shows several families) keep their entries aside and ``commit_reads`` (an after_request hook) writes
them in one insert and commits after the view has rendered its page, so the page is not reloaded from the
database after a commit expired it, and a rollback in the view (an edit conflict) does not lose them.
Outside a request they are committed at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import insert

from .extensions import db
from .models import AuditEntry


def _actor_id() -> int | None:
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user.id
    return None


def record(action: str, object_type: str, object_id: int | None = None, *, family_id: int | None = None,
           detail: str | None = None, user_id: int | None = None) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        object_type=object_type,
        object_id=object_id,
        family_id=family_id,
        detail=(detail or None) and detail[:300],
        user_id=user_id if user_id is not None else _actor_id(),
        address=request.remote_addr if has_request_context() else "cli",
    )
    db.session.add(entry)
    return entry


def record_read(object_type: str, object_id: int | None = None, *, family_id: int | None = None,
                detail: str | None = None) -> None:
    """A read of one record: written and committed at the end of the request (at once outside one)."""
    _keep_reads([_row("view", object_type, object_id, family_id, detail)])


def record_list_read(object_type: str, families: Iterable, *, object_id: int | None = None,
                     detail: str | None = None, action: str = "view") -> int:
    """A page, export or print that shows several families: one entry per family, in one insert, written
    and committed at the end of the request like ``record_read``.

    ``families`` holds family ids, or ``(family_id, object_id)`` pairs when each family's entry should name
    its own record (the first pair of a family counts); ``None`` ids are skipped. ``object_id`` is the one
    record the list belongs to (a programme, a session). ``action="export"`` for a download. Returns the
    number of families logged."""
    seen: dict[int, int | None] = {}
    for item in families:
        fid, oid = item if isinstance(item, tuple) else (item, object_id)
        if fid and fid not in seen:
            seen[fid] = oid
    _keep_reads([_row(action, object_type, oid, fid, detail) for fid, oid in sorted(seen.items())])
    return len(seen)


def _row(action: str, object_type: str, object_id: int | None, family_id: int | None, detail: str | None) -> dict:
    return dict(action=action, object_type=object_type, object_id=object_id, family_id=family_id,
                detail=(detail or None) and detail[:300], user_id=_actor_id(),
                address=request.remote_addr if has_request_context() else "cli")


def _keep_reads(rows: list[dict]) -> None:
    if not rows:
        return
    if has_request_context():
        g.setdefault("_hvhk_reads", []).extend(rows)
    else:
        db.session.execute(insert(AuditEntry.__table__), rows)
        db.session.commit()


def commit_reads(response):
    """after_request: write and commit the read entries the view recorded (the page is rendered by now)."""
    rows = g.pop("_hvhk_reads", None)
    if rows:
        if response.status_code < 500:
            db.session.execute(insert(AuditEntry.__table__), rows)  # one INSERT in the request's transaction (Core: no ORM bulk path)
            session = db.session()
            keep = session.expire_on_commit
            session.expire_on_commit = False  # the page is rendered: nothing loaded needs reloading (the user)
            try:
                session.commit()
            finally:
                session.expire_on_commit = keep
        else:
            db.session.rollback()
    return response


def record_denied(object_type: str, object_id: int | None = None, *, family_id: int | None = None,
                  detail: str | None = None) -> None:
    """Log a refused access in its own transaction, so it survives the abort that follows."""
    db.session.rollback()
    record("denied", object_type, object_id, family_id=family_id, detail=detail)
    db.session.commit()


ACTION_LABELS = {
    "view": "bekeken",
    "create": "aangemaakt",
    "update": "gewijzigd",
    "archive": "gearchiveerd",
    "delete": "verwijderd",
    "restore": "hersteld",
    "denied": "toegang geweigerd",
    "export": "geëxporteerd",
    "erase": "gewist",
    "involve": "betrokkenheid geregistreerd",
    "uninvolve": "betrokkenheid beëindigd",
    "consent": "toestemming geregistreerd",
    "withdraw": "toestemming ingetrokken",
    "plugin_on": "module aangezet",
    "plugin_off": "module uitgezet",
    "login": "aangemeld",
    "login_failed": "aanmelding mislukt",
    "logout": "afgemeld",
    "password": "wachtwoord gewijzigd",
    "retention": "bewaartermijn toegepast",
}

# Human labels for the audit log and "Wie keek er naar dit gezin?": the core's own object types; plugins add
# theirs through ``hvhk_audit_labels``. The interface never shows an internal key.
CORE_OBJECT_LABELS = {
    "family": "gezinsfiche",
    "person": "gezinslid",
    "consent": "toestemming",
    "involvement": "betrokkenheid van een team",
    "family_history": "geschiedenis en logboek",
    "family_export": "inzage-export van het gezin",
    "family_erase": "wissen van het gezin",
    "person_export": "inzage-export van een gezinslid",
    "person_erase": "wissen van een gezinslid",
    "archived_family": "gearchiveerd gezin",
    "change_history": "wijzigingsgeschiedenis",
    "user": "gebruiker",
    "team": "team",
    "setting": "instelling",
    "plugin_setting": "module-instelling",
    "plugin": "module",
    "organisation": "organisatie",
    "task": "taak",
    "appointment": "afspraak",
    "calendar_feed": "agendafeed",
    "mywork": "Mijn werk",
    "notification": "melding",
    "notification_preference": "meldings- en e-mailvoorkeuren",
    "report": "jaarrapport",
}
FALLBACK_OBJECT_LABEL = "ander gegeven"


def object_labels() -> dict[str, str]:
    """Every known object type's Dutch label: the core's and every installed plugin's (``hvhk_audit_labels``);
    an installed plugin's labels count even where it is switched off, as its old entries stay in the log."""
    from .plugins import current_plugins

    labels = dict(CORE_OBJECT_LABELS)
    for group in current_plugins().pm.hook.hvhk_audit_labels():
        labels.update(group or {})
    return labels


def object_label(key: str | None, labels: dict[str, str] | None = None) -> str:
    labels = labels if labels is not None else object_labels()
    return labels.get(key or "", FALLBACK_OBJECT_LABEL)


def actor_label(user) -> str:
    """A readable actor: "Anna Peeters (PeTra-team)", "Pascale Zorgcoördinator (CLB Genk)", "systeem".
    Load ``User.memberships`` -> ``Membership.team`` and ``User.organisation`` with the entries (no N+1)."""
    if user is None:
        return "systeem"
    teams = sorted(m.team.name for m in user.memberships if m.team is not None)
    if teams:
        return f"{user.display_name} ({', '.join(teams)})"
    if user.organisation is not None:
        return f"{user.display_name} ({user.organisation.name})"
    if user.is_admin:
        return f"{user.display_name} (beheerder)"
    return user.display_name


def actor_options():
    """Loader options for AuditEntry queries that show ``actor_label``."""
    from sqlalchemy.orm import selectinload

    from .models import Membership, User

    return (selectinload(AuditEntry.user).selectinload(User.memberships).selectinload(Membership.team),
            selectinload(AuditEntry.user).selectinload(User.organisation))


def who_looked(family_id: int, *, days: int = 15, scan: int = 400) -> list[dict]:
    """"Wie keek er naar dit gezin?": one line per person per day, newest first, with the Dutch labels of
    what they opened and did. Grouped in SQL (user, day, object type, action) over the newest ``scan``
    groups, so a worker's own repeated views never push everyone else off the list. Constant queries."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import joinedload

    from .models import Membership, User

    day = func.date(AuditEntry.at).label("day")
    last = func.max(AuditEntry.at).label("last")
    grouped = (select(AuditEntry.user_id, day, AuditEntry.object_type, AuditEntry.action, last)
               .where(AuditEntry.family_id == family_id)
               .group_by(AuditEntry.user_id, day, AuditEntry.object_type, AuditEntry.action)
               .order_by(last.desc()).limit(scan).subquery())
    # one query: the groups with their users (teams, organisation) for the readable actor
    rows = db.session.execute(
        select(grouped.c.user_id, grouped.c.day, grouped.c.object_type, grouped.c.action, grouped.c.last, User)
        .outerjoin(User, User.id == grouped.c.user_id)
        .options(joinedload(User.memberships).joinedload(Membership.team), joinedload(User.organisation))
        .order_by(grouped.c.last.desc())
    ).unique().all()
    labels = object_labels()
    lines: dict[tuple, dict] = {}
    for user_id, d, object_type, action, at, user in rows:
        key = (user_id, str(d))
        line = lines.get(key)
        if line is None:
            if len(lines) >= days:
                continue
            line = lines[key] = {"user_id": user_id, "last": at, "what": [], "actions": set(), "user": user}
        label = object_label(object_type, labels)
        if label not in line["what"]:
            line["what"].append(label)
        line["actions"].add(ACTION_LABELS.get(action, "ander"))
        line["last"] = max(line["last"], at)
    out = []
    for line in lines.values():
        line["who"] = actor_label(line.pop("user"))
        line["actions"] = sorted(line["actions"])
        out.append(line)
    return out
