"""The core's own test fixtures. The shared ones (``app``, ``client``, ``make_user``, ...) come from the
intranet's pytest plugin ``core.testing``, installed with the package, which third-party plugins use too."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # for hello_plugin and due_plugin, the core's test plugins


@pytest.fixture
def hello_app(app_factory, app):
    """An app with the test plugin ``hello`` loaded next to the installed ones (same database as ``app``)."""
    import hello_plugin

    hello_plugin.CALLS.clear()
    return app_factory(HVHK_EXTRA_PLUGINS=[("hello", hello_plugin)])
