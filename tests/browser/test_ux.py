"""Real Chromium over the demo data, as every demo role.

- ``test_axe_every_page_of_every_role``: logs in, crawls the same-origin links from the start page (menu and
  main links, breadth first, to a bounded depth; one page per route shape, so ``/gezinnen/3`` and
  ``/gezinnen/7`` count once), injects the vendored axe-core (``vendor/axe-core``) into every page and fails
  on any violation, listing them all. Each page is also checked for horizontal overflow at phone size
  (390x844): ``document.documentElement.scrollWidth <= innerWidth``.
- ``test_phone_menu_every_item_and_logout``: at 390x844 opens the collapsed menu, follows every menu item
  (each page must not scroll sideways), then logs out through the user menu. The same at 768 px.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

from core.demo import load_demo

from .conftest import CHROMIUM, wait_until

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
ROLES = ["admin", "manager", "worker", "finance", "onthaal", "partner"]
MAX_DEPTH = 2
MAX_PAGES = 45
PHONE = {"width": 390, "height": 844}
SKIP = re.compile(r"(\.xlsx|\.zip|\.ics|\.csv|/export|/download|/afdruk|/print|/logout|/afmelden|xlsx|/healthz)",
                  re.I)


@pytest.fixture
def demo(app):
    load_demo()
    return app


def _shape(path: str) -> str:
    """One page per route shape: numbers (ids, years, page numbers) and the query's values don't count."""
    path = re.sub(r"\d+", "N", path)
    return path


def _context(browser, viewport):
    # bypass_csp: axe is injected as an inline script, which the app's CSP rightly forbids
    return browser.new_context(locale="nl-BE", viewport=viewport, bypass_csp=True)


def _login(page, base, username):
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "huisvanhetkind")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def _settle(page):
    page.wait_for_load_state("networkidle")
    # htmx panels load on "load": wait until no request is in flight any more
    wait_until(page, "() => !document.querySelector('.htmx-request')")


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _wide(page) -> list[str]:
    """The innermost elements that stick out on the right: what makes the page scroll sideways."""
    return page.evaluate("""() => {
        const w = window.innerWidth, out = [];
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > w + 1 && r.width > 0 && ![...el.children].some(c => c.getBoundingClientRect().right > w + 1)) {
                out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' ' + Math.round(r.right) + 'px');
            }
            if (out.length >= 5) break;
        }
        return out;
    }""")


def _axe(page) -> list[str]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, help: v.help,
            nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n').slice(1, 2).join(''))}));
    }""")
    return [f"{v['id']} ({v['help']}): " + " | ".join(v["nodes"]) for v in result]


def _links(page, base) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => new URL(e.getAttribute('href'), location.href).href)")
    out = []
    for href in hrefs:
        href = urldefrag(href)[0]
        if not href.startswith(base) or SKIP.search(href):
            continue
        out.append(href)
    return out


def _crawl(page, base) -> dict[str, list[str]]:
    """Visit pages breadth first; returns {url: problems}."""
    seen_shapes: set[str] = set()
    queue = [(base + "/", 0)]
    problems: dict[str, list[str]] = {}
    visited = 0
    while queue and visited < MAX_PAGES:
        url, depth = queue.pop(0)
        parts = urlparse(url)
        shape = _shape(parts.path) + ("?" + "&".join(sorted(k.split("=")[0] for k in parts.query.split("&")))
                                      if parts.query else "")
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        response = page.goto(url)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited += 1
        if response.status >= 500:
            problems[url] = [f"HTTP {response.status}"]
            continue
        _settle(page)
        found = _axe(page)
        over = _overflow(page)
        if over > 0:
            found.append(f"horizontal overflow at 390 px: {over} px too wide: {_wide(page)}")
        page.set_viewport_size({"width": 768, "height": 1024})  # a tablet: the same page, no reload
        over = _overflow(page)
        if over > 0:
            found.append(f"horizontal overflow at 768 px: {over} px too wide: {_wide(page)}")
        page.set_viewport_size(PHONE)
        if found:
            problems[url] = found
        if depth < MAX_DEPTH:
            queue.extend((link, depth + 1) for link in _links(page, base))
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_axe_every_page_of_every_role(demo, live_server, _browser, role):
    context = _context(_browser, PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _login(page, live_server.url, role)
        problems = _crawl(page, live_server.url)
        # the desktop header (menu always open) too
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(live_server.url + "/")
        _settle(page)
        desktop = _axe(page)
        if desktop:
            problems["/ (1280 px)"] = desktop
    finally:
        context.close()
    report = "\n".join(f"{url}\n  - " + "\n  - ".join(found) for url, found in problems.items())
    assert not problems, f"{role}: {len(problems)} pages with problems\n{report}"


@pytest.mark.parametrize("width", [390, 768])
@pytest.mark.parametrize("role", ROLES)
def test_phone_menu_every_item_and_logout(demo, live_server, _browser, role, width):
    if not CHROMIUM:
        pytest.skip("no Chromium")
    context = _context(_browser, {"width": width, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _login(page, live_server.url, role)
        page.goto(live_server.url + "/")
        menu = page.locator("#site-menu")
        assert not menu.is_visible(), "the menu is collapsed on a phone"
        header = page.locator(".site-header").bounding_box()
        assert header["height"] <= 80, f"compact header, not {header['height']} px"
        labels = page.locator("#site-menu .main-menu a").all_inner_texts()
        assert len(labels) >= 2
        too_wide = {}
        for label in labels:
            page.get_by_text("Menu", exact=True).click()
            assert menu.is_visible()
            page.locator("#site-menu .main-menu").get_by_role("link", name=label, exact=True).click()
            page.wait_for_load_state("networkidle")
            _settle(page)
            if _overflow(page) > 0:
                too_wide[label] = (page.url, _overflow(page), _wide(page))
        assert not too_wide, f"pages wider than {width} px: {too_wide}"
        page.get_by_text("Menu", exact=True).click()
        page.locator(".user-menu summary").click()
        page.get_by_role("button", name="Afmelden").click()
        page.wait_for_url(lambda url: "/login" in url)
        assert _overflow(page) <= 0
    finally:
        context.close()
