"""A test plugin that answers ``hvhk_due_items``: the items are set by the test (``ITEMS``), each with a
``detail`` that names a (fictional) child, which must never leave the intranet."""

from __future__ import annotations

from core.hookspecs import hookimpl

ITEMS: dict[int, list] = {}  # user id -> [DueItem, ...]
FAIL_FOR: set[int] = set()  # user ids whose items cannot be read (a broken plugin)


@hookimpl
def hvhk_plugin_info():
    return {"label": "Vervaldata (test)", "description": "Testmodule voor hvhk_due_items"}


@hookimpl
def hvhk_due_items(user, until):
    if user.id in FAIL_FOR:
        raise RuntimeError("kapotte testmodule")
    return [item for item in ITEMS.get(user.id, []) if item.due <= until]
