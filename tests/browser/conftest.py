"""Real-browser fixtures: the app served in a thread on the test database, driven by Debian's Chromium
through Playwright (``executable_path``; Playwright never downloads a browser here)."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("HVHK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def serve():
    """``serve(app)`` serves another app (e.g. one with a test plugin) for the rest of the test."""
    servers = []

    def start(app):
        server = LiveServer(app)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(app, serve):
    return serve(app)


@pytest.fixture(scope="session")
def _browser():
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_browser):
    context = _browser.new_context(locale="nl-BE", viewport={"width": 1024, "height": 768})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.console_errors = errors
    yield pg
    context.close()


def wait_until(page, expression: str, arg=None, timeout: float = 10_000, interval: float = 100):
    """Wait until the JavaScript ``expression`` (a function, given ``arg``) is truthy in the page.

    The app's CSP forbids evaluated script, and Playwright's ``wait_for_function`` polls with ``eval`` inside the
    page once its first check is false: the CSP then fails the test at random. ``page.evaluate`` goes through the
    DevTools protocol, which the CSP does not govern, so we poll from here."""
    waited = 0.0
    while True:
        result = page.evaluate(expression, arg)
        if result:
            return result
        if waited >= timeout:
            raise AssertionError(f"not true after {timeout / 1000:g} s: {expression}")
        page.wait_for_timeout(interval)
        waited += interval


def browser_login(page, live_server, username: str, password: str = "huisvanhetkind"):
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def browser_login_as(page, live_server):
    return lambda username, password="huisvanhetkind": browser_login(page, live_server, username, password)
