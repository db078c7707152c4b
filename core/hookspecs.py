"""The plugin contract: every hook a plugin may implement.

A plugin is a module (or package) registered under the entry-point group ``hvhk.plugins``; the entry
point's name is the plugin's name (``petra = "plugins.petra"``). It implements any of the hooks below with
``@hookimpl`` (``from core.hookspecs import hookimpl``). Call rules:

- Hooks that take ``user`` are called only for plugins enabled for one of that user's teams (admins get
  every available plugin). A plugin never has to check team enablement inside these hooks.
- Hooks without ``user`` (billable work, export, erasure, demo data, partner pages) are called for every
  *available* plugin: data rights and finance must reach every plugin's data, also when a team has
  switched the plugin off (switching off never hides data from a subject-access request).
- Every hook returns plain data (lists of dicts or small dataclasses from ``core.ui``); it must not
  commit unless the spec says so.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("hvhk")
hookimpl = pluggy.HookimplMarker("hvhk")


# --------------------------------------------------------------------------- set-up


@hookspec
def hvhk_plugin_info():
    """Describe the plugin for the admin and team pages.

    Return ``{"label": "PeTra-trajecten", "description": "..."}`` (Dutch, shown to managers).
    """


@hookspec
def hvhk_blueprints():
    """Return a list of Flask blueprints to register.

    The core guards every blueprint a plugin returns: anonymous users are sent to the login page, and
    users none of whose teams enabled the plugin get 404, before any view runs. Views still check
    record-level access (the owning team, the family's involvement) themselves. A view meant for partner
    users must be marked with ``core.access.partner_view``; the guard then lets partner users of any
    organisation through when the plugin is available, and the view checks the organisation.
    """


@hookspec
def hvhk_migrations():
    """Return the absolute path of the plugin's Alembic versions folder (its own branch), or None.

    Optional: without it the core uses the ``migrations`` folder next to the plugin package's ``__init__.py``
    when there is one.

    The plugin's first revision has ``branch_labels = ("<plugin name>",)`` and ``depends_on`` the core
    revision it needs. ``hvhk init`` upgrades all heads.
    """


# --------------------------------------------------------------------------- per-user UI (team-filtered)


@hookspec
def hvhk_nav_items(user):
    """Return menu entries for ``user``: a list of ``core.ui.NavItem``."""


@hookspec
def hvhk_dashboard_widgets(user):
    """Return tiles for the start page: a list of ``core.ui.Widget``.

    A widget has a title and either a ``url`` (loaded lazily with htmx; preferred) or ready ``html``.
    """


@hookspec
def hvhk_search(query, user):
    """Return results for the global search box: a list of ``core.ui.SearchResult`` (at most 10).

    ``query`` is the raw text the user typed (already stripped, at least 2 characters).
    Return only what ``user`` may open.
    """


@hookspec
def hvhk_family_panels(family, user):
    """Return panels for the family page: a list of ``core.ui.Panel``.

    Called only when ``user`` may see the family's details. A panel names a URL of the plugin that
    renders an HTML fragment; the family page loads it with htmx so a slow panel does not hold the page.
    The panel's view must check access again (``core.access.require_family``) and audit its read.
    """


@hookspec
def hvhk_due_items(user, until):
    """Return what is due for ``user`` on or before ``until`` (a date), overdue items included: a list of
    ``core.ui.DueItem`` (evaluations, SDQs, roundtables, open fees, sessions to prepare, ...).

    Only items of records ``user`` works on (their trajectories, the programmes they lead) or may open.
    "Mijn werk" lists them; the daily e-mail digest counts them by ``kind`` and never shows ``detail``.
    """


@hookspec
def hvhk_agenda_items(user, start, end):
    """Return the plugin's own entries for ``user``'s agenda between ``start`` and ``end`` (datetimes, end
    exclusive): a list of ``core.ui.AgendaItem`` (the group sessions of the programmes they lead). The agenda
    pages and the user's calendar feed show them next to the core's appointments."""


@hookspec
def hvhk_my_caseload(user):
    """Return ``user``'s own cases for "Mijn werk": a list of ``core.ui.CaseItem`` (the trajectories they lead
    or co-lead, the programmes they lead with their enrolments). One or two queries, whatever the caseload."""


# --------------------------------------------------------------------------- cross-plugin data (not team-filtered)


@hookspec
def hvhk_billable_units(period):
    """Return a SQLAlchemy ``Select`` of the plugin's units of billable work for ``period`` (a
    ``core.ui.Period``): one row per unit (a trajectory, a group programme) that is active in the period or has
    a fee due or paid in it, with exactly the labelled columns of ``core.finance.UNIT_COLUMNS``::

        kind ("trajectory" | "group_programme" | ...), unit_id (the plugin's id of the unit),
        ref (pseudonymous: "PT-2025-0007"), team_id, start, end (dates or NULL), status (English code),
        status_label (Dutch), age_group ("lager" | "secundair" | NULL),
        fee_due (NULL without a fee), fee_due_on, fee_paid (amount received or NULL), fee_paid_on,
        fee_waived (boolean)

    Never names. The core and costing aggregate it in SQL (``core.finance``: fees due, paid, waived and open
    have one definition there), page it and stream it into the cost sheet; return a ``Select``, not rows.
    """


@hookspec
def hvhk_group_participation(person_ids, period):
    """How often these people took part in group work in ``period`` (a ``core.ui.Period``), from attendance.

    A list of dicts, one per person who attended anything, never with names::

        {"person_id": 12, "sessions": 5,   # regular group sessions attended (e.g. Wednesday afternoons)
         "days": 1}                       # full days or multi-day stays attended (a Saturday, a camp)

    PeTra counts the group part of a trajectory with it (000:397-398). Only counts: the caller has already
    checked that its user may see these people.
    """


@hookspec
def hvhk_billable_hours(period):
    """Return a SQLAlchemy ``Select`` of staff hours in ``period``: the columns of ``core.finance.HOUR_COLUMNS``
    (``kind``, ``unit_id`` as in ``hvhk_billable_units``, ``activity`` code, ``hours``), one row per unit and
    activity. Work for a group is reported once, per programme, by the plugin that runs the group, never
    again per child.
    """


@hookspec
def hvhk_report_figures(period, team_ids):
    """Return the plugin's section of the house's report for ``period`` (a ``core.ui.Period``), restricted to
    the teams ``team_ids`` (a set of ids; None: the whole house): a ``core.reports.Section`` (title, tables
    of (label, number) rows, optional chart) or None. Counts only, computed with SQL aggregates (a constant
    number of queries, whatever the data size), never names. The report shows numbers under 5 as "< 5"
    wherever it leaves the intranet.

    Also return, in ``Section.people``, a ``Select`` of the distinct ``(person_id, family_id, role, team_id)``
    the plugin served in the period (role "kind" or "ouder"), so the core counts each person once per period
    whatever the number of plugins that served them.
    """


@hookspec
def hvhk_report_access(user):
    """Return True when ``user`` may see the house's report (``/rapport``) for every team, e.g. the costing
    plugin's finance team. Admins always may; a team's managers see their own teams' report without it."""


@hookspec
def hvhk_referral_recorded(referral):
    """A plugin recorded an outgoing referral of a family to an organisation (e.g. PeTra at closure).

    ``referral`` is a dict: ``family_id``, ``organisation_id``, ``date``, ``accompanied`` (warm handover),
    ``source`` (plugin name), ``source_ref`` (pseudonymous reference), ``note``, ``user_id``.
    A plugin that keeps referrals (network) stores it. Called within the caller's transaction: do not commit.
    """


@hookspec
def hvhk_audit_labels():
    """Return Dutch labels for the plugin's audit ``object_type`` keys: ``{"petra_trajectory": "PeTra-traject"}``.

    The audit log and "Wie keek er naar dit gezin?" show these labels, never the internal key.
    """


@hookspec
def hvhk_family_export(family):
    """Return the plugin's part of a subject-access export of ``family``: a JSON-serialisable dict."""


@hookspec
def hvhk_family_erase(family):
    """Erase or anonymise the plugin's data about ``family`` (no names, dates of birth, addresses or free text
    may remain; financial rows are kept pseudonymised). Return a dict ``{"removed": n, "kept": n}``.
    Do not commit: the core commits once, after every plugin did its part.
    """


@hookspec
def hvhk_person_export(person, family):
    """Return the plugin's part of a subject-access export for one ``person`` (a core ``Person``) made from
    household ``family`` (a core ``Family`` the person belongs to): what the plugin holds about that person
    in particular *within that household* (a child's trajectories, enrolments, ecomap ties whose family is
    ``family``), a JSON-serialisable dict. Records that link the person to another household stay out: they
    belong to that household's export (see ``core.rights.person_export``). What concerns the whole family
    belongs in ``hvhk_family_export``.
    """


@hookspec
def hvhk_person_erase(person):
    """Erase or anonymise the plugin's data about one ``person``, the same way ``hvhk_family_erase`` does
    for a family, but only the records linked to that person: the rest of the family is untouched.
    Return ``{"removed": n, "kept": n}``. Do not commit.
    """


@hookspec
def hvhk_retention_rules():
    """Return the plugin's kinds of records that hold personal data and have a retention term: a list of
    ``core.ui.RetentionRule``.

    The core shows every rule on /beheer/bewaartermijnen (admins set the term per rule, in years) and in
    ``hvhk retention``. For a term it computes a cutoff date and calls ``rule.due(cutoff)``, which returns
    a SQLAlchemy ``Select`` of the records past their term with the columns ``id``, ``label`` (a
    pseudonymous reference, never a name), ``since`` (the date the term counts from) and ``family_id``
    (or NULL). The core leaves out families under a legal hold, counts, lists, and on ``--apply`` calls
    ``rule.apply(ids)`` in batches; apply anonymises like erasure does and must not commit.
    Records already anonymised must no longer be due.
    """


@hookspec
def hvhk_partner_pages(organisation):
    """Return pages that users of partner ``organisation`` may see: a list of ``core.ui.NavItem``."""


@hookspec
def hvhk_demo_data(session, scale):
    """Add fictional demo data through ``session`` (core data exists already). ``scale`` 1 is a
    realistic single house (about 300 families); larger scales multiply volumes for benchmarks.
    Must be deterministic (seed a ``random.Random``) and must not commit (flush instead): the core loads the
    whole demo in one transaction, so an interrupted load leaves nothing behind.
    """


@hookspec
def hvhk_team_enabled(team):
    """Called on this plugin only, right after a manager switched it on for ``team``."""


@hookspec
def hvhk_team_disabled(team):
    """Called on this plugin only, right after a manager switched it off for ``team``. Never delete data."""
