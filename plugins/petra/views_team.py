"""Pages of the PeTra team: the team's decisions per trajectory and the minutes of a meeting, the supervision
log per worker, and concerns about a child's safety (step by step). Same blueprint as ``views.py``."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core import audit
from core.extensions import db
from core.forms import conflict_safe
from core.models import Membership, User
from core.plugins import team_ids_for, teams_for
from core.ui import render
from core.vocabulary import CONCERN_OUTCOME_LABELS, CONCERN_STEPS, TEAM_DECISION_LABELS

from . import operations, queries
from .access import get_trajectory
from .forms import ConcernForm, ConcernStepForm, SupervisionForm, TeamDecisionForm
from .models import Concern, TeamMeeting, Trajectory
from .views import _to_show, bp


def _managed() -> set[int]:
    """The PeTra teams the user really manages (an admin who is not their manager reads no supervision notes
    and no concerns: need-to-know)."""
    return team_ids_for(manager=True) & current_user.managed_team_ids()


def _staff_choices(team_id: int) -> list[tuple[int, str]]:
    return [(u.id, u.display_name) for u in queries.team_workers(team_id) if not u.is_partner]


# --------------------------------------------------------------------------- team decisions and minutes


@bp.route("/traject/<int:trajectory_id>/teambeslissing", methods=["GET", "POST"])
def team_decision(trajectory_id: int):
    """Record what the team decided about this trajectory at a meeting, with who was present."""
    t = get_trajectory(trajectory_id, what="teambeslissing")
    form = TeamDecisionForm()
    form.present.choices = _staff_choices(t.team_id)
    if request.method == "GET":
        form.held_on.data = date.today()
        meeting = queries.meeting_of(t.team_id, form.held_on.data)
        form.present.data = [u.id for u in meeting.present] if meeting else [current_user.id]
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            d = operations.record_team_decision(t, current_user, decision=form.decision.data,
                                                held_on=form.held_on.data, present_ids=form.present.data,
                                                note=form.note.data)
        if save.saved:
            flash(f"Teambeslissing opgeslagen: {d.decision_label}.", "success")
            return _to_show(t)
    return render_template("petra/team_decision.html", t=t, form=form,
                           decisions=queries.decisions_of(t.id)), save.status


def _meeting_or_404(meeting_id: int) -> TeamMeeting:
    m = db.session.get(TeamMeeting, meeting_id)
    if m is None or (m.team_id not in team_ids_for() and not current_user.is_admin):
        abort(404)
    return m


@bp.get("/teamoverleg/<int:meeting_id>/verslag")
def minutes(meeting_id: int):
    """The meeting's decisions as printable minutes (stays inside the house: names allowed; audited)."""
    m = _meeting_or_404(meeting_id)
    rows = queries.minutes_of(m.id)
    audit.record_list_read("petra_team_decision", [(r.family_id, r.trajectory_id) for r in rows], object_id=m.id,
                           detail="verslag teamoverleg")
    return render_template("petra/minutes.html", m=m, rows=rows, labels=TEAM_DECISION_LABELS, today=date.today())


# --------------------------------------------------------------------------- supervision log


@bp.get("/supervisie")
def supervision_index():
    """A manager sees the workers of the teams they manage; a worker goes to their own log."""
    managed = [t for t in teams_for(manager=True) if t.id in current_user.managed_team_ids()]
    if not managed:
        own = team_ids_for()
        if not own:
            abort(404)
        return redirect(url_for("petra.supervision", worker_id=current_user.id))
    rows = db.session.execute(
        db.select(User.id, User.display_name, Membership.team_id).join(Membership, Membership.user_id == User.id)
        .where(Membership.team_id.in_([t.id for t in managed]), User.active.is_(True),
               User.organisation_id.is_(None)).order_by(User.display_name)).all()
    names = {t.id: t.name for t in managed}
    return render_template("petra/supervision_index.html", rows=rows, team_names=names)


@bp.route("/supervisie/<int:worker_id>", methods=["GET", "POST"])
def supervision(worker_id: int):
    """The supervision log of one worker: the worker reads it, the managers of the worker's teams read and
    write it. Anyone else gets 404."""
    worker = db.session.get(User, worker_id)
    if worker is None:
        abort(404)
    managed = _managed() & worker.team_ids()
    if worker.id != current_user.id and not managed:
        audit.record_denied("petra_supervision", worker.id, detail="geen verantwoordelijke van deze medewerker")
        abort(404)
    visible = team_ids_for() if worker.id == current_user.id else managed
    form = SupervisionForm()
    save = conflict_safe(form)
    if request.method == "POST":
        if not managed:
            abort(403)
        team_id = min(managed)
        if form.validate_on_submit():
            with save:
                operations.write_supervision(current_user, team_id=team_id, worker_id=worker.id,
                                             held_on=form.held_on.data, notes=form.notes.data)
            if save.saved:
                flash("Supervisie opgeslagen.", "success")
                return redirect(url_for("petra.supervision", worker_id=worker.id))
    elif form.held_on.data is None:
        form.held_on.data = date.today()
    entries = queries.supervisions_of(worker.id, visible)
    audit.record_read("petra_supervision", worker.id, detail=f"supervisielog ({len(entries)})")
    return render_template("petra/supervision.html", worker=worker, entries=entries, form=form,
                           may_write=bool(managed)), save.status


# --------------------------------------------------------------------------- concerns about a child's safety


def _concern_trajectory(trajectory_id: int) -> Trajectory:
    """The trajectory, for its workers and the team's managers only: the rest of the team gets 403 (they know
    the trajectory but not its concerns), everyone else 404 (``get_trajectory``). Refusals are logged."""
    t = get_trajectory(trajectory_id, read=False)
    if not operations.may_see_concerns(t, current_user):
        audit.record_denied("petra_concern", t.id, family_id=t.family_id,
                            detail="geen begeleider van het traject of verantwoordelijke")
        abort(403)
    return t


def _concern_page(t: Trajectory, form=None, step_form=None, status: int = 200, step_concern_id: int | None = None):
    concerns = queries.concerns_of(t.id)
    audit.record_list_read("petra_concern", [(t.family_id, c.id) for c in concerns] or [(t.family_id, None)],
                           detail="zorgen over veiligheid")
    if form is None:
        form = ConcernForm(formdata=None)
        form.raised_on.data = date.today()
    staff = _staff_choices(t.team_id)
    forms = {}
    for c in concerns:
        if c.status != "open":
            continue
        if step_form is not None and c.id == step_concern_id:
            forms[c.id] = step_form
            continue
        f = ConcernStepForm(formdata=None)
        f.on_date.data = date.today()
        f.by_id.data = current_user.id
        f.step.data = _next_step(c)
        forms[c.id] = f
    for f in forms.values():
        f.by_id.choices = staff
    return render_template("petra/concerns.html", t=t, concerns=concerns, form=form, step_forms=forms,
                           outcomes=CONCERN_OUTCOME_LABELS), status


def _next_step(c: Concern) -> str:
    done = {s.step for s in c.steps}
    return next((key for key, _ in CONCERN_STEPS if key not in done), "decide")


@bp.route("/traject/<int:trajectory_id>/zorgen", methods=["GET", "POST"])
def concerns(trajectory_id: int):
    t = _concern_trajectory(trajectory_id)
    form = ConcernForm() if request.method == "POST" else None
    if form is not None:
        save = conflict_safe(form)
        if form.validate_on_submit():
            with save:
                operations.raise_concern(t, current_user, raised_on=form.raised_on.data,
                                         description=form.description.data)
            if save.saved:
                flash("Zorg geregistreerd. Volg ze op met de stappen.", "success")
                return redirect(url_for("petra.concerns", trajectory_id=t.id))
        return _concern_page(t, form=form, status=save.status if save.status != 200 else 422)
    return _concern_page(t)


@bp.post("/traject/<int:trajectory_id>/zorgen/<int:concern_id>/stap")
def concern_step(trajectory_id: int, concern_id: int):
    t = _concern_trajectory(trajectory_id)
    c = db.session.get(Concern, concern_id)
    if c is None or c.trajectory_id != t.id:
        abort(404)
    form = ConcernStepForm()
    form.by_id.choices = _staff_choices(t.team_id)
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            s = operations.concern_step(t, c, current_user, step=form.step.data, on_date=form.on_date.data,
                                        by_id=form.by_id.data, outcome=form.outcome.data or None,
                                        note=form.note.data)
        if save.saved:
            flash(f"Stap opgeslagen: {s.step_label}." + (" De zorg is afgesloten." if s.step == "decide" else ""),
                  "success")
            return redirect(url_for("petra.concerns", trajectory_id=t.id))
    db.session.expire_all()
    return _concern_page(t, step_form=form, step_concern_id=c.id,
                         status=save.status if save.status != 200 else 422)


@bp.get("/widget/zorgen")
def widget_concerns():
    """Dashboard tile for managers: the open concerns of the teams they manage (numbers and links, no names)."""
    teams = _managed()
    if not teams:
        abort(404)
    rows, total = queries.open_concerns(teams)
    audit.record_list_read("petra_concern", [(r.family_id, r.id) for r in rows], detail="tegel: open zorgen")
    return render(None, "petra/_widget_concerns.html", title="PeTra: open zorgen over veiligheid", rows=rows,
                  total=total, today=date.today())


__all__: list[str] = []
