"""Tasks: a small to-do list of the core, visible to the team that owns each task.

A task belongs to one of the creator's teams, is assigned to the creator or a member of that team, may be about
a family (then it follows the family's need-to-know: only users who may open the family see the task) or about
a plugin's record (a local URL and a pseudonymous reference). Every write is audited; an edit of a task
someone else changed meanwhile is refused (version column). Creating a task for, or reassigning it to, a
colleague sends ``core.signals.task_assigned``.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from . import audit, signals
from .access import can_see_family
from .extensions import db
from .forms import Form, VersionedForm, conflict_safe
from .models import Family, Involvement, Membership, User, utcnow
from .operations import Refused, require
from .pagination import paginate
from .params import arg_choice, arg_id, arg_str
from .work import Task

bp = Blueprint("tasks", __name__, url_prefix="/taken")


# --------------------------------------------------------------------------- who sees which task


def visible_families_clause(user, family_column):
    """SQL: the record has no family, or one of ``user``'s teams is involved with it (admins: any)."""
    if user.is_admin:
        return True
    return or_(family_column.is_(None), family_column.in_(
        select(Involvement.family_id).where(Involvement.ended_at.is_(None),
                                            Involvement.team_id.in_(select(Membership.team_id)
                                                                    .where(Membership.user_id == user.id)))))


def visible_tasks(user):
    """Tasks of ``user``'s teams whose family (if any) ``user`` may see."""
    return select(Task).where(Task.team_id.in_(select(Membership.team_id).where(Membership.user_id == user.id)),
                              visible_families_clause(user, Task.family_id))


def get_task(task_id: int) -> Task:
    """The task when the current user may see it; 404 otherwise (a refusal about a family is logged)."""
    task = db.session.get(Task, task_id)
    if task is None or task.team_id not in current_user.team_ids():
        abort(404)
    if task.family_id is not None and not can_see_family(current_user, task.family_id):
        audit.record_denied("task", task.id, family_id=task.family_id)
        abort(404)
    return task


def colleague_choices(user) -> list[tuple[int, str]]:
    """The user and the members of their teams (one query)."""
    rows = db.session.execute(
        select(User.id, User.display_name).join(Membership, Membership.user_id == User.id)
        .where(Membership.team_id.in_(user.team_ids() or {-1}), User.active.is_(True))
        .distinct().order_by(User.display_name)).all()
    out = [(user.id, f"Mezelf ({user.display_name})")]
    out += [(uid, name) for uid, name in rows if uid != user.id]
    return out


# --------------------------------------------------------------------------- operations (never commit)


def _check_assignment(user, team_id: int, assignee_id: int) -> None:
    require(team_id in user.team_ids(), "Kies een van je eigen teams.", "team_id")
    member = db.session.scalar(select(Membership.id).where(Membership.team_id == team_id,
                                                          Membership.user_id == assignee_id))
    require(member is not None, "Je kan een taak enkel toewijzen aan jezelf of aan een collega van dit team.",
            "assignee_id")


def _check_link(user, family_id: int | None, object_url: str | None) -> None:
    if family_id is not None:
        require(can_see_family(user, family_id),
                "Je kan geen taak maken over een gezin waarmee je team niet betrokken is.", "title")
    if object_url:
        require(object_url.startswith("/") and not object_url.startswith("//") and "\\" not in object_url,
                "Een taak kan alleen naar een pagina van het intranet verwijzen.", "title")


def create_task(user, *, title: str, team_id: int, assignee_id: int, due_on: date | None = None,
                family_id: int | None = None, plugin: str | None = None, object_url: str | None = None,
                reference: str | None = None, today: date | None = None) -> Task:
    require(title and title.strip(), "Geef de taak een titel.", "title")
    require(due_on is None or due_on >= (today or date.today()),
            "De vervaldatum van een nieuwe taak kan niet in het verleden liggen.", "due_on")
    _check_assignment(user, team_id, assignee_id)
    _check_link(user, family_id, object_url)
    task = Task(title=title.strip(), team_id=team_id, assignee_id=assignee_id, due_on=due_on, family_id=family_id,
                plugin=plugin or None, object_url=object_url or None, reference=reference or None,
                created_by_id=user.id)
    db.session.add(task)
    db.session.flush()
    audit.record("create", "task", task.id, family_id=family_id, user_id=user.id)
    if assignee_id != user.id:
        signals.task_assigned.send(task, assignee_id=assignee_id, by_user_id=user.id)
    return task


def update_task(task: Task, user, *, title: str, team_id: int, assignee_id: int, due_on: date | None) -> None:
    require(title and title.strip(), "Geef de taak een titel.", "title")
    require(due_on is None or due_on == task.due_on or due_on >= date.today(),
            "Een nieuwe vervaldatum kan niet in het verleden liggen.", "due_on")
    _check_assignment(user, team_id, assignee_id)
    reassigned = assignee_id != task.assignee_id
    changed = [name for name, old, new in (("titel", task.title, title.strip()), ("team", task.team_id, team_id),
                                           ("toegewezen", task.assignee_id, assignee_id),
                                           ("vervaldatum", task.due_on, due_on)) if old != new]
    task.title, task.team_id, task.assignee_id, task.due_on = title.strip(), team_id, assignee_id, due_on
    audit.record("update", "task", task.id, family_id=task.family_id, detail=", ".join(changed) or None,
                 user_id=user.id)
    if reassigned and assignee_id != user.id:
        signals.task_assigned.send(task, assignee_id=assignee_id, by_user_id=user.id)


def set_done(task: Task, user, done: bool) -> None:
    if done == task.done:
        raise Refused("Deze taak was al " + ("afgevinkt." if done else "open."))
    task.done_at, task.done_by_id = (utcnow(), user.id) if done else (None, None)
    audit.record("update", "task", task.id, family_id=task.family_id, detail="klaar" if done else "heropend",
                 user_id=user.id)


# --------------------------------------------------------------------------- forms


def _opt_int(value):
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class TaskForm(Form):
    title = StringField("Taak", validators=[DataRequired(), Length(max=200)])
    due_on = DateField("Vervaldatum", validators=[Optional()])
    team_id = SelectField("Team", coerce=_opt_int, validate_choice=False)
    assignee_id = SelectField("Toegewezen aan", coerce=_opt_int, validate_choice=False)
    family_id = HiddenField()
    plugin = HiddenField()
    reference = HiddenField(validators=[Optional(), Length(max=40)])
    object_url = HiddenField(validators=[Optional(), Length(max=300)])

    def fill_choices(self, user):
        self.team_id.choices = [(t.id, t.name) for t in sorted((m.team for m in user.memberships),
                                                              key=lambda t: t.name)]
        self.assignee_id.choices = colleague_choices(user)

    def validate_team_id(self, field):
        if field.data is None:
            raise ValidationError("Kies een team.")

    def validate_assignee_id(self, field):
        if field.data is None:
            raise ValidationError("Kies aan wie je de taak toewijst.")


class TaskEditForm(VersionedForm, TaskForm):
    pass


class DoneForm(VersionedForm):
    pass


# --------------------------------------------------------------------------- views


@bp.get("/")
def index():
    scope = arg_choice("wie", ["mij", "team"], "mij")
    state = arg_choice("status", ["open", "klaar"], "open")
    stmt = visible_tasks(current_user).options(joinedload(Task.assignee), joinedload(Task.family),
                                               joinedload(Task.team))
    if scope == "mij":
        stmt = stmt.where(Task.assignee_id == current_user.id)
    stmt = stmt.where(Task.done_at.is_(None) if state == "open" else Task.done_at.is_not(None))
    stmt = stmt.order_by(Task.due_on.is_(None), Task.due_on, Task.id)
    page = paginate(stmt)
    audit.record_list_read("task", [(t.family_id, t.id) for t in page.items if t.family_id], detail="lijst: taken")
    return render_template("core/work/tasks.html", page=page, scope=scope, state=state, today=date.today(),
                           done_form=DoneForm())


@bp.route("/nieuw", methods=["GET", "POST"])
def new():
    if not current_user.team_ids():
        abort(403)
    form = TaskForm()
    form.fill_choices(current_user)
    family = None
    if request.method == "GET":
        family_id = arg_id("gezin")
        if family_id is not None:
            from .access import require_family

            family = require_family(family_id, "task")
            form.family_id.data = family_id
        form.plugin.data = arg_str("module", max_len=80)
        form.reference.data = arg_str("ref", max_len=40)
        form.object_url.data = arg_str("url", max_len=300)
        form.title.data = arg_str("titel", max_len=200)
        form.assignee_id.data = current_user.id
    else:
        fid = _opt_int(form.family_id.data)
        family = db.session.get(Family, fid) if fid and can_see_family(current_user, fid) else None
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            create_task(current_user, title=form.title.data, team_id=form.team_id.data,
                        assignee_id=form.assignee_id.data, due_on=form.due_on.data,
                        family_id=_opt_int(form.family_id.data), plugin=form.plugin.data,
                        object_url=form.object_url.data, reference=form.reference.data)
        if save.saved:
            flash("Taak opgeslagen.", "success")
            return redirect(url_for("tasks.index"))
    return render_template("core/work/task_form.html", form=form, task=None, family=family), save.status


@bp.route("/<int:task_id>", methods=["GET", "POST"])
def edit(task_id: int):
    task = get_task(task_id)
    form = TaskEditForm(obj=task if request.method == "GET" else None)
    form.fill_choices(current_user)
    if task.assignee_id not in {v for v, _ in form.assignee_id.choices}:
        form.assignee_id.choices.append((task.assignee_id, task.assignee.display_name))
    if task.family_id:
        audit.record_read("task", task.id, family_id=task.family_id)
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(task)
            update_task(task, current_user, title=form.title.data, team_id=form.team_id.data,
                        assignee_id=form.assignee_id.data, due_on=form.due_on.data)
        if save.saved:
            flash("Taak bijgewerkt.", "success")
            return redirect(url_for("tasks.index"))
    return render_template("core/work/task_form.html", form=form, task=task, family=task.family), save.status


@bp.post("/<int:task_id>/klaar")
def toggle_done(task_id: int):
    task = get_task(task_id)
    form = DoneForm()
    done = request.form.get("klaar") == "1"
    save = conflict_safe(form, flash_message=True)
    if form.validate_on_submit():
        with save:
            save.check(task)
            set_done(task, current_user, done)
        if save.saved:
            flash("Taak afgevinkt." if done else "Taak heropend.", "success")
    else:
        flash("Het formulier is verlopen: probeer opnieuw.", "error")
    return redirect(url_for("core.index") if request.form.get("terug") == "start" else url_for("tasks.index"))


def init_app(app) -> None:
    app.register_blueprint(bp)

