"""The kit for a plugin's ``operations.py``: every state change is one function that checks the allowed
transition, writes, audits and calls the hooks, and never commits (the view commits, usually through
``core.forms.conflict_safe``, so one request is one transaction).

An operation that cannot be done raises ``Refused`` with a Dutch message (and optionally the form field it
belongs to). ``conflict_safe`` catches it: the transaction is rolled back, the message shows next to that
field (or above the form, or as a flash without a form) and what the user typed stays::

    # plugins/hello/operations.py
    from core.operations import Refused, transition

    FLOW = {"open": {"done", "cancelled"}, "done": {"open"}, "cancelled": set()}

    def close_thing(thing, *, on):
        transition(thing, "status", "done", FLOW, labels=STATUS_LABELS)
        if on < thing.opened_on:
            raise Refused("De afsluiting ligt vóór de opening.", field="on")
        thing.closed_on = on
        audit.record("update", "hello_thing", thing.id, family_id=thing.family_id, detail="afgesloten")

    # plugins/hello/views.py
    with conflict_safe(form) as save:
        save.check(thing)
        operations.close_thing(thing, on=form.on.data)
    if save.saved: ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class Refused(Exception):
    """The operation is not allowed now or breaks a rule. ``message`` is Dutch and shown to the user;
    ``field`` names the form field it belongs to (None: the form as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def require(condition: object, message: str, field: str | None = None) -> None:
    """Refuse with ``message`` unless ``condition`` holds."""
    if not condition:
        raise Refused(message, field)


def transition(obj, attr: str, to: str, allowed: Mapping[str, Iterable[str]],
               labels: Mapping[str, str] | None = None) -> str:
    """Move ``obj.<attr>`` to ``to`` when ``allowed[current]`` permits it; return the old value.

    ``allowed`` maps each state to the states it may go to (a state missing from it goes nowhere).
    The refusal names both states with their Dutch ``labels``.
    """
    current = getattr(obj, attr)
    if to not in set(allowed.get(current, ())):
        name = (labels or {}).get
        raise Refused(f"Dit kan niet meer: de status is '{name(current, current)}' en kan niet naar "
                      f"'{name(to, to)}'.")
    setattr(obj, attr, to)
    return current
