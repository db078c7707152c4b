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
def hvhk_due_items(user, until):
    """Sessions to prepare (no plan yet) and absences to follow up in the programmes ``user`` leads."""
    from datetime import date

    from core.plugins import team_ids_for
    from core.ui import DueItem

    teams = team_ids_for(user)
    if not teams or user.is_partner:
        return []
    today = date.today()
    out = [DueItem(kind="Sessie voorbereiden", reference=s.programme.ref, due=s.starts_at.date(),
                   url=url_for("groups.session_detail", session_id=s.id), plugin="groups",
                   detail=f"{s.programme.name}: {s.theme or s.kind_label.lower()} ({format_date(s.starts_at.date())})")
           for s in queries.sessions_to_prepare(user.id, teams, today, until)]
    out += [DueItem(kind="Afwezigheid opvolgen", reference=s.programme.ref, due=s.starts_at.date(),
                    url=url_for("groups.attendance", session_id=s.id), plugin="groups", family_id=e.family_id,
                    detail=f"{e.child_name} · {s.programme.name}")
            for s, e in queries.absences_to_follow_up(user.id, teams, today)]
    return out


@hookimpl
def hvhk_agenda_items(user, start, end):
    """The sessions of the programmes ``user`` leads (the place is the group's venue, never a family's)."""
    from core.plugins import team_ids_for
    from core.ui import AgendaItem

    teams = team_ids_for(user)
    if not teams or user.is_partner:
        return []
    return [AgendaItem(kind=s.kind_label, reference=s.programme.ref, starts_at=s.starts_at, ends_at=s.ends_at,
                       url=url_for("groups.session_detail", session_id=s.id), plugin="groups",
                       title=s.programme.name + (f": {s.theme}" if s.theme else ""),
                       place=s.location or s.programme.location or "", place_public=True,
                       uid=f"groups-session-{s.id}")
            for s in queries.led_sessions(user.id, teams, start, end)]


@hookimpl
def hvhk_my_caseload(user):
    from datetime import date

    from core.plugins import team_ids_for
    from core.ui import CaseItem

    teams = team_ids_for(user)
    if not teams or user.is_partner:
        return []
    return [CaseItem(kind="Groep", reference=p.ref, label=f"{p.name} · {n} ingeschreven",
                     url=url_for("groups.show", programme_id=p.id), plugin="groups")
            for p, n in queries.my_programmes(user.id, teams, date.today())]


@hookimpl
def hvhk_search(query, user):
    return [SearchResult(label=p.name, url=url_for("groups.show", programme_id=p.id), kind="Groep",
                         detail=f"{p.kind_label} · {format_date(p.start_date)}")
            for p in queries.search_programmes(query)]


@hookimpl
def hvhk_billable_units(period):
    """A ``Select`` of the programmes with a session in the period (``core.finance.UNIT_COLUMNS``)."""
    return queries.billable_units(period)


@hookimpl
def hvhk_billable_hours(period):
    """A ``Select`` of staff hours per programme and session kind: duration × leaders, once per programme."""
    return queries.billable_hours(period)


@hookimpl
def hvhk_group_participation(person_ids, period):
    """Sessions and full or multi-day sessions each person attended in the period (counts only)."""
    return queries.group_participation(person_ids, period)


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
def hvhk_report_figures(period, team_ids):
    """The groups section of the house's report: programmes, sessions, enrolments, attendance."""
    from .reports import report_figures

    return report_figures(period, team_ids)


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
