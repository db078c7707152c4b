"""No English text or internal key reaches the interface.

As every demo role, on the demo data, the pages reachable from the start page (same-origin links and the
htmx panels' ``hx-get`` URLs, breadth first to depth 2, one page per route shape) are rendered and their
visible text (tags, attributes, scripts and styles removed) is searched for: audit object types
(``petra_trajectory``), ``user #``, English status codes, WTForms' English messages, ISO dates and amounts
written as ``€ 50.00``. Also: "who looked" is one line per person per day, with labels, and a readable actor.
"""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import urldefrag, urlparse

import pytest
from sqlalchemy import select

from core.audit import CORE_OBJECT_LABELS, object_labels
from core.demo import load_demo
from core.extensions import db
from core.models import Family, Involvement, Membership, Team, User

ROLES = ["admin", "manager", "worker", "finance", "onthaal", "partner"]
ENGLISH_STATUSES = ["absent", "clarifying", "closed", "enrolled", "excused", "not_started", "ongoing", "planned",
                    "present", "referred", "registered", "started", "waiting", "withdrawn", "completed",
                    "declined", "refused"]
WTFORMS_ENGLISH = ["Field must", "This field is required", "Not a valid", "Invalid input", "Invalid email",
                   "Invalid URL", "Number must be"]
SKIP = re.compile(r"(\.xlsx|\.zip|\.json|/export|/download|xlsx|/healthz|/logout|/static/|/afdruk|/print)", re.I)
LINK = re.compile(r'(?:href|hx-get)="(/[^"#]*)"')


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return htmllib.unescape(page)


def problems_in(text: str, keys: list[str]) -> list[str]:
    found = [k for k in keys if re.search(rf"(?<![\w/.-]){re.escape(k)}(?![\w/.-])", text)]
    found += [w for w in ENGLISH_STATUSES if re.search(rf"(?<![\w-]){w}(?![\w-])", text)]
    found += [w for w in WTFORMS_ENGLISH if w in text]
    if "user #" in text:
        found.append("user #")
    found += [f"ISO date {m}" for m in re.findall(r"(?<![\w/-])\d{4}-\d{2}-\d{2}(?![\w/-])", text)][:3]
    found += [f"amount {m}" for m in re.findall(r"€\s?\d+\.\d{2}(?!\d)", text)][:3]
    return found


def shape(url: str) -> str:
    parts = urlparse(url)
    return re.sub(r"\d+", "N", parts.path) + ("?" + ",".join(sorted(p.split("=")[0] for p in parts.query.split("&")))
                                            if parts.query else "")


def crawl(client, depth: int = 2, limit: int = 70) -> dict[str, str]:
    """{url: visible text} of the pages reachable from the start page."""
    seen, pages, queue = set(), {}, [("/", 0)]
    while queue and len(pages) < limit:
        url, d = queue.pop(0)
        if shape(url) in seen or SKIP.search(url):
            continue
        seen.add(shape(url))
        headers = {"HX-Request": "true"} if "/paneel" in url or "/panel" in url else {}
        resp = client.get(url, headers=headers)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        body = resp.get_data(as_text=True)
        pages[url] = visible_text(body)
        if d < depth:
            queue.extend((urldefrag(htmllib.unescape(u))[0], d + 1) for u in LINK.findall(body))
    return pages


@pytest.fixture
def demo(app):
    load_demo()
    return app


@pytest.mark.parametrize("role", ROLES)
def test_no_internal_key_or_english_reaches_the_pages(demo, client, login, role):
    login(client, role)
    keys = sorted(k for k in object_labels() if "_" in k)  # "family", "team" ... are Dutch-looking words too
    pages = crawl(client)
    assert len(pages) >= (3 if role == "partner" else 8), sorted(pages)
    bad = {url: found for url, text in pages.items() if (found := problems_in(text, keys))}
    assert not bad, f"{role}: internal keys or English on {len(bad)} pages: {bad}"


def test_every_object_type_in_the_audit_log_has_a_dutch_label(demo, client, login):
    """After the demo data and a walk by every role, every object type in the log has a label."""
    from core.models import AuditEntry

    for role in ROLES:
        c = demo.test_client()
        login(c, role)
        crawl(c, depth=1, limit=25)
    labels = object_labels()
    used = set(db.session.scalars(select(AuditEntry.object_type).distinct()))
    assert used and not (used - set(labels)), f"no label for {used - set(labels)}"
    assert set(CORE_OBJECT_LABELS) <= set(labels)
    assert labels["petra_trajectory"] == "PeTra-traject" and labels["network_ecomap"] == "ecomap van het gezin"


def test_who_looked_is_one_line_per_person_per_day_with_labels(demo, client, login):
    admin_user = db.session.scalar(select(User).where(User.username == "worker"))
    team_ids = [m.team_id for m in db.session.scalars(select(Membership).where(Membership.user_id == admin_user.id))]
    fam_id = db.session.scalar(select(Involvement.family_id).where(Involvement.team_id.in_(team_ids),
                                                                   Involvement.ended_at.is_(None)).limit(1))
    family = db.session.get(Family, fam_id)
    login(client, "worker")
    for _ in range(6):  # five panels and the page itself, six times: still one line for this worker today
        client.get(f"/gezinnen/{fam_id}")
    page = client.get(f"/gezinnen/{fam_id}").get_data(as_text=True)
    section = page[page.index("Wie keek er naar dit gezin?"):]
    section = section[:section.index("</table>")]
    teams = ", ".join(sorted(db.session.scalars(select(Team.name).where(Team.id.in_(team_ids)))))
    who = f"{admin_user.display_name} ({teams})"
    assert section.count(who) == 1, section
    assert "gezinsfiche" in section and "bekeken" in section
    assert "user #" not in section and "family" not in visible_text(section)
    assert family is not None


def test_audit_log_names_people_teams_and_roles(demo, client, login):
    login(client, "admin")
    worker = db.session.scalar(select(User).where(User.username == "worker"))
    team = db.session.scalar(select(Team).order_by(Team.id).limit(1))
    client.post(f"/beheer/gebruikers/{worker.id}/teams", data={"team_id": team.id, "role": "member"})
    text = visible_text(client.get("/beheer/logboek").get_data(as_text=True))
    assert f"{team.name}: Medewerker" in text
    assert "user #" not in text and not re.search(r"team \d+", text)
    assert worker.display_name in text or "An Beheerder (beheerder)" in text
