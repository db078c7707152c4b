"""Small value types that hooks return to the core (menus, tiles, panels, search results, periods,
retention rules), and the one way to answer htmx (``wants_fragment``, ``render``, ``htmx_redirect``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app, render_template, request, url_for
from sqlalchemy import Select


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    order: int = 50


@dataclass(frozen=True)
class Widget:
    title: str
    url: str | None = None  # fragment loaded lazily with htmx
    html: str | None = None  # or ready markup (escape user data!)
    order: int = 50


@dataclass(frozen=True)
class Panel:
    id: str  # unique HTML id, e.g. "petra-trajectories"
    title: str
    url: str
    order: int = 50


@dataclass(frozen=True)
class SearchResult:
    label: str
    url: str
    kind: str  # shown beside the label, e.g. "Traject"
    detail: str = ""


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str = field(default="")

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


@dataclass(frozen=True)
class RetentionRule:
    """A kind of record with a retention term (``hvhk_retention_rules``)."""

    key: str  # stable and unique: "petra_closed_trajectory"; the setting is "retention_<key>_years"
    label: str  # Dutch, shown to admins: "Afgesloten PeTra-trajecten"
    default_years: int
    action: str  # Dutch, what applying does: "vrije tekst, plan en SDQ wissen; cijfers blijven"
    due: Callable[[date], Select]  # cutoff -> Select(id, label, since, family_id) of records past the term
    apply: Callable[[list[int]], int]  # anonymise these ids; return how many; do not commit
    holding: Callable[[], int] | None = None  # how many records of this kind still hold personal data
    holding_label: str | None = None  # Dutch label for that count on the overview (default: ``label``)


@dataclass(frozen=True)
class DueItem:
    """Something due for a user (``hvhk_due_items``): shown on "Mijn werk", counted in the e-mail digest.

    ``kind`` and ``reference`` may leave the intranet (digest, calendar feed) and never hold a name:
    ``kind`` is a Dutch label ("Evaluatie", "SDQ na"), ``reference`` a pseudonymous reference
    ("PT-2026-0073"). ``detail`` is shown only behind login (it may name the child)."""

    kind: str
    reference: str
    due: date
    url: str
    plugin: str
    family_id: int | None = None
    detail: str = ""

    def overdue(self, today: date) -> bool:
        return self.due < today


@dataclass(frozen=True)
class AgendaItem:
    """Something in a user's agenda that a plugin keeps (``hvhk_agenda_items``): a group session they lead.

    ``kind`` and ``reference`` may leave the intranet (the calendar feed: "Groepssessie GR-12") and never hold
    a name; ``title`` and ``place`` are shown behind login (``place`` goes into the feed only when
    ``place_public``: a meeting room, never a family's address)."""

    kind: str
    reference: str
    starts_at: datetime
    ends_at: datetime
    url: str
    plugin: str
    title: str = ""
    place: str = ""
    place_public: bool = False
    uid: str = ""  # stable id for the calendar feed ("groups-session-12")


@dataclass(frozen=True)
class CaseItem:
    """One of the user's own cases on "Mijn werk" (``hvhk_my_caseload``): a trajectory they lead, a programme
    with its enrolments. ``label`` is shown behind login only."""

    kind: str  # "Traject", "Groep"
    reference: str
    label: str
    url: str
    plugin: str
    status: str = ""
    family_id: int | None = None


# --------------------------------------------------------------------------- answering htmx

FRAGMENT_PAGE = "core/fragment_page.html"


_ROW_ID = 987_654_321  # stands for the row's id in a URL built once for a whole list


def row_urls(endpoint: str, key: str, **values) -> Callable[[int], str]:
    """The URL of ``endpoint`` for each row of a list, built once (``url_for`` per row is the most expensive
    part of a long table): ``row_urls("petra.correct_contact", "contact_id", trajectory_id=7)(c.id)``."""
    pattern = url_for(endpoint, **values, **{key: _ROW_ID})
    head, sep, tail = pattern.partition(str(_ROW_ID))
    if not sep:  # the id is not in the URL as such: build each one
        return lambda row_id: url_for(endpoint, **values, **{key: row_id})
    return lambda row_id: f"{head}{int(row_id)}{tail}"


def wants_fragment() -> bool:
    """True when htmx asks for part of a page (htmx-flask's ``request.htmx``): not for a boosted link or a
    history restore, which replace the whole page and need the full one."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(page: str | None, fragment: str | None = None, /, **ctx) -> str:
    """The fragment template for an htmx request, the full page otherwise.

    ``page`` is None for a fragment that has no page of its own (a family panel, a dashboard tile): without
    htmx (a direct link, no JavaScript) it is shown inside the base layout (``core/fragment_page.html``)
    under ``ctx["title"]``, with a link back to the family when ``family`` or ``family_id`` is given.
    ``fragment`` is None when the page itself is the answer to both. Returns the HTML; add a status as
    usual (``return render(...), 409``)."""
    if fragment is not None and wants_fragment():
        return render_template(fragment, **ctx)
    if page is not None:
        return render_template(page, **ctx)
    if fragment is None:
        raise ValueError("render() needs a page or a fragment template")
    return render_template(FRAGMENT_PAGE, fragment_template=fragment, **ctx)


def htmx_redirect(url: str, status: int = 401):
    """For any htmx request that must go elsewhere (an expired session, a required setup): ``HX-Redirect``
    makes the browser load ``url`` as a whole page, instead of swapping a login page into a fragment."""
    resp = current_app.response_class("", status=status)
    resp.headers["HX-Redirect"] = url
    return resp


def confirm_first(*, title: str, question: str, confirm_label: str, cancel_url: str,
                  explanation: str | None = None, warning: bool = False):
    """The second step of a destructive action (ending an involvement, unenrolling, switching a plugin off
    for a team, archiving, deleting): call it first in the POST view, ``if (r := confirm_first(...)): return r``.

    The first POST (the button on the page) answers a confirmation page with ``question`` and ``explanation``
    and two choices: ``confirm_label`` posts the same form again with ``bevestigd=1`` (a new CSRF token; the
    other fields are carried over as hidden inputs) and "Annuleren" goes back to ``cancel_url``. Without
    JavaScript that is a page of its own; from htmx (``hx-post`` on the button's form, ``hx-target`` the form)
    the same question is swapped in place of the button, as a small inline dialog. Returns None when the
    POST carries the confirmation: the view then does the work."""
    if request.form.get("bevestigd") == "1":
        return None
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "bevestigd")]
    ctx = dict(title=title, question=question, explanation=explanation, confirm_label=confirm_label,
               cancel_url=cancel_url, action=request.path, fields=fields, warning=warning)
    return render("core/confirm.html", "core/_confirm.html", **ctx)
