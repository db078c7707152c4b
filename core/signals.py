"""Events one part of the intranet announces and another may act on, without importing each other
(Flask's blinker signals; a receiver runs inside the sender's request and transaction: it must not commit).

- ``task_assigned``: sender is the ``Task``; kwargs ``assignee_id`` and ``by_user_id``. Sent when a task is
  created for, or reassigned to, a colleague.
- ``referral_received``: sender is the plugin name (``"petra"``); kwargs ``team_id``, ``reference`` (a
  pseudonymous reference, never a name) and ``url`` (the page behind login). Sent when a referral lands on
  a team's waiting list (also one sent by a partner through the portal).

Notifications (in the app and by e-mail) subscribe to these; a sender never needs to know who listens.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

task_assigned = _signals.signal("task-assigned")
referral_received = _signals.signal("referral-received")
