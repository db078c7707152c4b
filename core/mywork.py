"""Mijn werk: the start page of a staff member. Their day (today's appointments and agenda items), what is due
or overdue for them (``hvhk_due_items`` of every plugin switched on for their teams), their open tasks and their
own cases (``hvhk_my_caseload``), above the team tiles (``hvhk_dashboard_widgets``). A constant number of
queries: one or two per plugin hook, whatever the caseload."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import joinedload

from . import audit
from .extensions import db
from .plugins import user_hook
from .tasks import visible_tasks
from .work import Task

DUE_AHEAD_DAYS = 14
MAX_TASKS = 30


def due_items(user, until: date) -> list:
    items = []
    for group in user_hook("hvhk_due_items")(user=user, until=until):
        items.extend(group or [])
    items.sort(key=lambda i: (i.due, i.kind, i.reference))
    return items


def caseload(user) -> list:
    items = []
    for group in user_hook("hvhk_my_caseload")(user=user):
        items.extend(group or [])
    return items


def my_tasks(user) -> list[Task]:
    stmt = (visible_tasks(user).options(joinedload(Task.family), joinedload(Task.team), joinedload(Task.assignee))
            .where(Task.assignee_id == user.id, Task.done_at.is_(None))
            .order_by(Task.due_on.is_(None), Task.due_on, Task.id).limit(MAX_TASKS))
    return list(db.session.scalars(stmt).unique())


def context(user, today: date | None = None) -> dict:
    from .agenda import entries_between

    today = today or date.today()
    start = datetime.combine(today, time.min)
    entries = entries_between(user, start, start + timedelta(days=1))
    due = due_items(user, today + timedelta(days=DUE_AHEAD_DAYS))
    tasks = my_tasks(user)
    cases = caseload(user)
    audit.record_list_read("mywork", [i.family_id for i in due] + [c.family_id for c in cases]
                           + [t.family_id for t in tasks], detail="mijn werk")
    return dict(today=today, entries=entries, due=due, overdue=sum(1 for i in due if i.overdue(today)),
                tasks=tasks, cases=cases, due_days=DUE_AHEAD_DAYS)


def shows_mywork(user) -> bool:
    """Staff with a team get "Mijn werk" on the start page (an admin without a team gets the tiles only)."""
    return user.is_staff and bool(user.team_ids())

