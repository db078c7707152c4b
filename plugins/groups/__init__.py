"""Groups: planning group programmes, sessions, camps, enrolment, waiting lists and attendance.

Access (see ``access.py``): every user of a team with the plugin enabled reads the planning of every
programme (sessions, rooms, leaders, calendar, .ics); children's data (enrolments, waiting list,
attendance, contact lists, exports) and every change belong to the owning team (and admins) only:
other teams get 403, and the refusal is audit-logged. Enrolling a child registers the owning team's
involvement with the child's family (``core.access.register_involvement``).
"""

from __future__ import annotations

from flask import url_for

from core.formatting import format_date
from core.hookspecs import hookimpl
from core.ui import NavItem, Panel, RetentionRule, SearchResult, Widget

from . import operations, queries  # they import .models: the tables are known to the metadata
from .models import Enrolment

# No retention figure in the house's documents: 2 years after the programme's last session, long enough for a
# follow-up group and the yearly report (see README).
RETENTION_YEARS = 2
RETENTION_KEY = "groups_enrolment"


@hookimpl
def hvhk_plugin_info():
    return {"label": "Groepswerking", "description": "Groepen, sessies, kampen, inschrijvingen en aanwezigheden."}


@hookimpl
def hvhk_blueprints():
    from .views import bp

    return [bp]


@hookimpl
def hvhk_nav_items(user):
    return [NavItem("Groepen", url_for("groups.index"), 30)]


@hookimpl
def hvhk_family_panels(family, user):
    return [Panel(id="groups-enrolments", title="Groepsaanbod", url=url_for("groups.family_panel", family_id=family.id),
                  order=40)]


@hookimpl
def hvhk_dashboard_widgets(user):
    return [Widget(title="Groepssessies deze week", url=url_for("groups.widget_week"), order=30)]


@hookimpl
def hvhk_search(query, user):
    return [SearchResult(label=p.name, url=url_for("groups.show", programme_id=p.id), kind="Groep",
                         detail=f"{p.kind_label} · {format_date(p.start_date)}")
            for p in queries.search_programmes(query)]


@hookimpl
def hvhk_billable_work(period):
    """Staff hours per programme in the period: each session's duration x the number of leaders, per kind."""
    return queries.billable_work(period)


@hookimpl
def hvhk_family_export(family):
    return {"groups": queries.export_enrolments(Enrolment.family_id == family.id)}


@hookimpl
def hvhk_person_export(person, family):
    """The enrolments of this child (or, in a parent group, this parent) through ``family``, with attendance;
    an enrolment through another household (its note, its team's programme) belongs to that household."""
    return {"groups": queries.export_enrolments((Enrolment.person_id == person.id) & (Enrolment.family_id == family.id))}


@hookimpl
def hvhk_family_erase(family):
    """Detach the family's enrolments (see ``operations.detach_enrolments``): the rows and their attendance stay
    without child, family or note, so programme counts and attendance rates do not change. Programmes and
    sessions hold no personal data and stay, so the house's hours (billable work) are unchanged too."""
    removed, kept = operations.erase_family(family.id)
    return {"removed": removed, "kept": kept}


@hookimpl
def hvhk_person_erase(person):
    """Detach only this person's enrolments; a sibling's enrolment stays linked."""
    removed, kept = operations.erase_person(person.id)
    return {"removed": removed, "kept": kept}


@hookimpl
def hvhk_retention_rules():
    return [RetentionRule(
        key=RETENTION_KEY, label="Inschrijvingen in groepsaanbod (met aanwezigheden)", default_years=RETENTION_YEARS,
        action="kind en gezin loskoppelen en de opmerking wissen; de inschrijving en de aanwezigheden blijven "
               "als ‘(gewist)’, zodat aantallen deelnemers en aanwezigheidscijfers kloppen",
        due=queries.due_enrolments, apply=operations.apply_retention, holding=queries.holding)]


@hookimpl
def hvhk_demo_data(session, scale):
    from .demo import load_demo

    load_demo(session, scale)


@hookimpl
def hvhk_audit_labels():
    """Dutch labels of the groups plugin's audit object types."""
    return {
        "groups_programme": "groepsaanbod",
        "groups_session": "groepssessie",
        "groups_enrolment": "inschrijving in een groep",
        "groups_attendance": "aanwezigheden in een groep",
        "groups_programme_leader": "begeleider van een groep",
        "groups_programme_partner": "partner van een groep",
        "groups_last_session": "laatste sessie van een groep",
    }
