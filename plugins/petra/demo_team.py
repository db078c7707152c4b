"""Fictional demo rows of the PeTra team: two team meetings with decisions, a supervision log and concerns about
a child's safety at various steps. Deterministic; called from the demo hook with one line (``demo.load_demo``)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from core.models import Membership, User

from .models import Concern, ConcernStep, Supervision, TeamDecision, TeamMeeting, Trajectory

NOTES = {"start": "Start na de vraagverheldering; groepstraject voorzien.",
         "continue": "Loopt goed: school merkt minder conflicten op de speelplaats.",
         "change": "Meer inzetten op de ouders: twee extra gesprekken thuis.",
         "stop": "Doelen grotendeels bereikt; eindrondetafel plannen.",
         "refer": "Vraag ligt bij het CGG: begeleide doorverwijzing voorbereiden."}
SUPERVISION = ["Krachtgericht werken: hoe blijf je naast de ouders staan bij weerstand?",
               "Verbindend werken met de school: rollen aan de rondetafel.",
               "Grenzen van de eigen rol bij een verontrusting; zelfzorg."]


def demo_team(session, team_id: int, rng: random.Random | None = None, today: date | None = None) -> None:
    """Meetings and decisions, a supervision log, three concerns (just raised, consulted, decided)."""
    rng = rng or random.Random(5150)
    today = today or date.today()
    staff = list(session.execute(select(Membership.user_id, Membership.role).join(User, User.id == Membership.user_id)
                                 .where(Membership.team_id == team_id, User.organisation_id.is_(None))
                                 .order_by(Membership.user_id)))
    if not staff:
        return
    managers = [uid for uid, role in staff if role == "manager"] or [staff[0][0]]
    workers = [uid for uid, role in staff if role != "manager"] or [staff[0][0]]
    running = list(session.scalars(select(Trajectory).where(
        Trajectory.team_id == team_id, Trajectory.status.in_(("clarifying", "ongoing")),
        Trajectory.start_on.is_not(None), Trajectory.start_on <= today - timedelta(days=35))
        .order_by(Trajectory.id).limit(9)))
    if not running:
        return
    present = [uid for uid, _ in staff][:6]
    present_users = list(session.scalars(select(User).where(User.id.in_(present))))
    for weeks, chunk in ((4, running[:4]), (2, running[3:8])):
        m = TeamMeeting(team_id=team_id, held_on=today - timedelta(days=7 * weeks), created_by_id=managers[0],
                        present=present_users)
        session.add(m)
        session.flush()
        for t in chunk:
            decision = rng.choice(["continue", "continue", "change", "stop", "refer"])
            session.add(TeamDecision(meeting_id=m.id, trajectory_id=t.id, decision=decision, note=NOTES[decision],
                                     created_by_id=managers[0]))
    for i, text in enumerate(SUPERVISION):
        session.add(Supervision(team_id=team_id, worker_id=workers[0], manager_id=managers[0],
                                held_on=today - timedelta(days=60 * (len(SUPERVISION) - i)), notes=text))
    for t, steps in zip(running[-3:], (0, 2, 4), strict=False):
        raised = max(t.start_on, today - timedelta(days=20))
        lead = t.lead_worker_id or workers[0]
        c = Concern(trajectory_id=t.id, raised_on=raised, raised_by_id=lead, status="open",
                    description="Kind vertelt over harde ruzies thuis en is bang om naar huis te gaan.")
        plan = [("observe", lead, None, "Signalen genoteerd in de klas en tijdens de sessie."),
                ("consult", managers[0], None, "Besproken met de verantwoordelijke."),
                ("parents", lead, None, "Gesprek met mama: zij zoekt zelf ook hulp."),
                ("decide", managers[0], "specialised", "Samen met mama het CAW inschakelen.")]
        for n, (step, by, outcome, note) in enumerate(plan[:steps]):
            c.steps.append(ConcernStep(step=step, on_date=raised + timedelta(days=2 * n + 1), by_id=by,
                                       outcome=outcome, note=note))
        if steps == 4:
            c.status, c.outcome, c.closed_on = "closed", "specialised", raised + timedelta(days=7)
        session.add(c)
    session.flush()


__all__ = ["demo_team"]
