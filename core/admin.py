"""Administration: users, teams, organisations, plugin availability and the audit log (read-only)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from . import audit
from .access import admin_required
from .audit import ACTION_LABELS
from .extensions import db
from .formatting import belgian_phone
from .forms import CONFLICT_MESSAGE, Form, belgian_phone_number
from .models import (
    ORGANISATION_KINDS,
    ROLES,
    AuditEntry,
    Membership,
    Organisation,
    PluginState,
    Setting,
    Team,
    User,
)
from .pagination import paginate
from .params import arg_int
from .passwords import password_problem
from .plugins import current_plugins
from .ui import confirm_first

bp = Blueprint("admin", __name__, url_prefix="/beheer")
PAGE_SIZE = 50


@bp.before_request
@admin_required
def _only_admins():
    return None


@bp.get("/")
def index():
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "teams": db.session.scalar(select(func.count(Team.id))),
        "organisations": db.session.scalar(select(func.count(Organisation.id))),
    }
    from .mail import mail_enabled, outbox_summary, smtp_config

    mail_state = {"on": mail_enabled(), "server": smtp_config().where() if mail_enabled() else None,
                  "outbox": outbox_summary()}
    return render_template("core/admin/index.html", counts=counts, mail=mail_state)


@bp.post("/e-mail/opnieuw")
def mail_requeue():
    """Failed or uncertain mails back in the queue (Beheer > E-mail); uncertain ones only after a warning."""
    from .mail import REQUEUE_KINDS, requeue

    which = request.form.get("welke", "")
    if which not in REQUEUE_KINDS:
        abort(400)
    if which == "onzeker":
        asked = confirm_first(
            title="Onzekere e-mails opnieuw versturen",
            question="Onzekere e-mails opnieuw in de wachtrij zetten?",
            explanation="De verbinding viel weg terwijl de mailserver deze berichten kreeg: ze kunnen al "
                        "aangekomen zijn. Opnieuw versturen kan ze een tweede keer bezorgen. Doe het enkel als de "
                        "mailserver bevestigt dat ze niet vertrokken.",
            confirm_label="Ja, opnieuw versturen", cancel_url=url_for("admin.index"), warning=True)
        if asked:
            return asked
    n = requeue(which)
    audit.record("update", "mail_outbox", None, detail=f"opnieuw in de wachtrij ({which}): {n}")
    db.session.commit()
    flash(f"{n} e-mail{'s' if n != 1 else ''} opnieuw in de wachtrij: ze vertrekken bij de volgende run van "
          "hvhk send-mail." if n else "Er was niets om opnieuw te versturen.", "success" if n else "info")
    return redirect(url_for("admin.index"))


# --------------------------------------------------------------------------- users


class UserForm(Form):
    username = StringField("Gebruikersnaam", validators=[
        DataRequired("Geef een gebruikersnaam."), Length(min=2, max=80),
        Regexp(r"^[a-z0-9._-]+$", message="Enkel kleine letters, cijfers, punt, streepje en liggend streepje.")],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v])
    display_name = StringField("Volledige naam", validators=[DataRequired("Geef de naam."), Length(max=160)])
    email = StringField("E-mail", validators=[Optional(), Email("Geen geldig e-mailadres.")])
    kind = SelectField("Soort account", choices=[("staff", "Medewerker"), ("partner", "Partner (externe organisatie)")])
    organisation_id = SelectField("Organisatie (voor partners)", coerce=int, validators=[Optional()])
    is_admin = BooleanField("Beheerder")
    password = PasswordField("Wachtwoord", validators=[DataRequired("Geef een startwachtwoord.")])

    def validate_password(self, field):
        problem = password_problem(field.data, self.username.data)
        if problem:
            raise ValidationError(problem)

    def validate_username(self, field):
        if db.session.scalar(select(User.id).where(User.username == field.data)):
            raise ValidationError("Deze gebruikersnaam bestaat al.")

    def validate_organisation_id(self, field):
        if self.kind.data == "partner" and not field.data:
            raise ValidationError("Een partneraccount hoort bij een organisatie.")


class ResetPasswordForm(Form):
    password = PasswordField("Nieuw wachtwoord", validators=[DataRequired("Geef een nieuw wachtwoord.")])

    def validate_password(self, field):
        problem = password_problem(field.data)
        if problem:
            raise ValidationError(problem)


class MembershipForm(Form):
    team_id = SelectField("Team", coerce=int)
    role = SelectField("Rol", choices=ROLES)


def _org_choices():
    return [(0, "—")] + [(o.id, o.name) for o in db.session.scalars(select(Organisation).order_by(Organisation.name))]


@bp.get("/gebruikers")
def users():
    result = paginate(
        select(User).options(selectinload(User.memberships).selectinload(Membership.team), selectinload(User.organisation))
        .order_by(User.username))
    return render_template("core/admin/users.html", users=result.items, page=result.number, has_next=result.has_next)


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
def create_user():
    form = UserForm()
    form.organisation_id.choices = _org_choices()
    if request.method == "POST" and form.validate():
        user = User(username=form.username.data, display_name=form.display_name.data, email=form.email.data or None,
                    is_admin=form.is_admin.data and form.kind.data == "staff",
                    organisation_id=form.organisation_id.data if form.kind.data == "partner" else None)
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.flush()
        audit.record("create", "user", user.id)
        db.session.commit()
        flash(f"Account {user.username} is aangemaakt.", "success")
        return redirect(url_for("admin.user", user_id=user.id))
    return render_template("core/admin/user_new.html", form=form)


@bp.get("/gebruikers/<int:user_id>")
def user(user_id: int):
    u = db.session.get(User, user_id) or abort(404)
    mform = MembershipForm()
    mform.team_id.choices = [(t.id, t.name) for t in db.session.scalars(select(Team).order_by(Team.name))]
    return render_template("core/admin/user.html", u=u, mform=mform, pform=ResetPasswordForm())


@bp.post("/gebruikers/<int:user_id>/wachtwoord")
def reset_password(user_id: int):
    u = db.session.get(User, user_id) or abort(404)
    form = ResetPasswordForm()
    if form.validate():
        u.set_password(form.password.data)
        audit.record("password", "user", u.id, detail="reset door beheerder")
        db.session.commit()
        flash(f"Het wachtwoord van {u.username} is gewijzigd; zijn of haar sessies zijn afgemeld.", "success")
        return redirect(url_for("admin.user", user_id=u.id))
    mform = MembershipForm()
    mform.team_id.choices = [(t.id, t.name) for t in db.session.scalars(select(Team).order_by(Team.name))]
    return render_template("core/admin/user.html", u=u, mform=mform, pform=form), 400


@bp.post("/gebruikers/<int:user_id>/actief")
def toggle_active(user_id: int):
    u = db.session.get(User, user_id) or abort(404)
    if u.id == current_user.id:
        flash("Je kan je eigen account niet deactiveren.", "error")
        return redirect(url_for("admin.user", user_id=u.id))
    u.active = not u.active
    if not u.active:
        import secrets

        u.session_token = secrets.token_hex(16)  # ends every open session at once
    audit.record("update", "user", u.id, detail="geactiveerd" if u.active else "gedeactiveerd")
    db.session.commit()
    flash(f"{u.username} is {'weer actief' if u.active else 'gedeactiveerd (niet verwijderd)'}.", "success")
    return redirect(url_for("admin.user", user_id=u.id))


@bp.post("/gebruikers/<int:user_id>/teams")
def add_membership(user_id: int):
    u = db.session.get(User, user_id) or abort(404)
    if u.is_partner:
        flash("Een partneraccount hoort bij geen enkel team.", "error")
        return redirect(url_for("admin.user", user_id=u.id))
    form = MembershipForm()
    form.team_id.choices = [(t.id, t.name) for t in db.session.scalars(select(Team).order_by(Team.name))]
    if form.validate():
        m = db.session.scalar(select(Membership).where(Membership.user_id == u.id, Membership.team_id == form.team_id.data))
        if m is None:
            m = Membership(user_id=u.id, team_id=form.team_id.data)
            db.session.add(m)
        m.role = form.role.data
        team_name = dict(form.team_id.choices).get(form.team_id.data, "")
        audit.record("update", "user", u.id, detail=f"{team_name}: {dict(ROLES).get(form.role.data, '')}")
        db.session.commit()
        flash("Teamlidmaatschap opgeslagen.", "success")
    return redirect(url_for("admin.user", user_id=u.id))


@bp.post("/gebruikers/<int:user_id>/teams/<int:team_id>/verwijderen")
def remove_membership(user_id: int, team_id: int):
    m = db.session.scalar(select(Membership).where(Membership.user_id == user_id, Membership.team_id == team_id))
    if m is None:
        abort(404)
    team = db.session.get(Team, team_id)
    db.session.delete(m)
    audit.record("update", "user", user_id, detail=f"{team.name if team else 'team'}: uit team")
    db.session.commit()
    flash("Uit het team gehaald.", "success")
    return redirect(url_for("admin.user", user_id=user_id))


# --------------------------------------------------------------------------- teams


class TeamForm(Form):
    name = StringField("Naam", validators=[DataRequired("Geef een naam."), Length(max=120)])
    description = StringField("Omschrijving", validators=[Optional(), Length(max=500)])
    phone = StringField("Telefoon van het team", validators=[Optional(), Length(max=40), belgian_phone_number()],
                        render_kw={"type": "tel", "autocomplete": "off"},
                        description="Wie geen toegang heeft tot een gezin, belt dit nummer. Bv. 089 12 34 56.")
    require_2fa = BooleanField("Tweestapsaanmelding verplicht voor leden")

    def __init__(self, *args, team_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_id = team_id

    def validate_name(self, field):
        q = select(Team.id).where(Team.name == field.data.strip())
        if self.team_id is not None:
            q = q.where(Team.id != self.team_id)
        if db.session.scalar(q):
            raise ValidationError("Er bestaat al een team met deze naam.")


class TeamEditForm(TeamForm):
    require_2fa = None  # switched on its own on the list (admin.team_2fa)
    seen = HiddenField()  # what the page showed (``_team_seen``): a save over another admin's change is refused


def _team_seen(name: str, description: str | None, phone: str | None) -> str:
    """A fingerprint of a team's editable fields (the team has no version column)."""
    return hashlib.sha256(json.dumps([name, description, phone]).encode()).hexdigest()[:24]


@bp.route("/teams", methods=["GET", "POST"])
def teams():
    form = TeamForm()
    if request.method == "POST" and form.validate():
        team = Team(name=form.name.data.strip(), description=form.description.data or None,
                    phone=belgian_phone(form.phone.data), require_2fa=form.require_2fa.data)
        db.session.add(team)
        db.session.flush()
        audit.record("create", "team", team.id)
        db.session.commit()
        flash(f"Team {team.name} is aangemaakt.", "success")
        return redirect(url_for("admin.teams"))
    rows = list(db.session.scalars(select(Team).options(selectinload(Team.memberships)).order_by(Team.name)))
    return render_template("core/admin/teams.html", teams=rows, form=form), 422 if form.errors else 200


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
def team_edit(team_id: int):
    team = db.session.get(Team, team_id) or abort(404)
    form = TeamEditForm(obj=team, team_id=team.id)
    current = (team.name, team.description, team.phone)
    conflict = False
    if request.method == "GET":
        form.seen.data = _team_seen(*current)
    elif form.validate():
        new = (form.name.data.strip(), form.description.data or None, belgian_phone(form.phone.data))
        # compare-and-set on the values this request read: another admin's save in between matches no row
        conflict = form.seen.data != _team_seen(*current) or db.session.execute(
            update(Team).where(Team.id == team.id, Team.name == current[0], Team.description.is_not_distinct_from(
                current[1]), Team.phone.is_not_distinct_from(current[2]))
            .values(name=new[0], description=new[1], phone=new[2])).rowcount != 1
        if not conflict:
            changed = [label for label, was, now in zip(("naam", "omschrijving", "telefoon"), current, new, strict=True)
                       if was != now]
            if changed:
                audit.record("update", "team", team.id, detail=", ".join(changed))
            db.session.commit()
            flash(f"Team {new[0]} is opgeslagen.", "success")
            return redirect(url_for("admin.teams"))
        db.session.rollback()
        team = db.session.get(Team, team_id) or abort(404)
        form.seen.data = _team_seen(team.name, team.description, team.phone)  # saving again overwrites knowingly
    status = 409 if conflict else 422 if form.errors else 200
    return render_template("core/admin/team_edit.html", team=team, form=form,
                           conflict=CONFLICT_MESSAGE if conflict else None), status


@bp.post("/teams/<int:team_id>/tweestap")
def team_2fa(team_id: int):
    team = db.session.get(Team, team_id) or abort(404)
    team.require_2fa = request.form.get("on") == "1"
    audit.record("update", "team", team.id, detail=f"tweestap verplicht: {'ja' if team.require_2fa else 'nee'}")
    db.session.commit()
    flash(f"Tweestapsaanmelding is {'verplicht' if team.require_2fa else 'niet meer verplicht'} voor {team.name}.",
          "success")
    return redirect(url_for("admin.teams"))


@bp.route("/instellingen", methods=["GET", "POST"])
def settings():
    row = db.session.get(Setting, "require_2fa_partners")
    if request.method == "POST":
        if row is None:
            row = Setting(key="require_2fa_partners", value="0")
            db.session.add(row)
        row.value = "1" if request.form.get("require_2fa_partners") == "1" else "0"
        audit.record("update", "setting", None, detail=f"tweestap verplicht voor partners: {'ja' if row.value == '1' else 'nee'}")
        db.session.commit()
        flash("Instellingen opgeslagen.", "success")
        return redirect(url_for("admin.settings"))
    return render_template("core/admin/settings.html", partners_2fa=bool(row and row.value == "1"))


RETENTION_PER_CLICK = 500


def retention_form(rules, formdata=None):
    """One field per retention rule (name = the rule's key), 1 to 30 years."""

    class RetentionForm(Form):
        pass

    for rule in rules:
        setattr(RetentionForm, rule.key, IntegerField(
            f"{rule.label} (jaren)", validators=[InputRequired("Geef een aantal jaren."),
                                                 NumberRange(1, 30, "Geef een bewaartermijn tussen 1 en 30 jaar.")]))
    return RetentionForm(formdata=formdata)


@bp.route("/bewaartermijnen", methods=["GET", "POST"])
def retention():
    """Retention per kind of record: the terms, what is past them, applying them, and what still holds
    personal data. The core's rules and every plugin's (``hvhk_retention_rules``)."""
    from .rights import (
        apply_retention,
        personal_data_overview,
        retention_report,
        retention_rules,
        retention_years,
        set_retention_years,
    )

    rules = retention_rules()
    by_key = {r.key: r for r in rules}
    action = request.form.get("actie")
    form = retention_form(rules, request.form if action == "termijn" else None)
    if action != "termijn":
        for rule in rules:
            getattr(form, rule.key).data = retention_years(rule)
    status = 200
    if action == "termijn":
        if form.validate():
            for rule in rules:
                if getattr(form, rule.key).data != retention_years(rule):
                    set_retention_years(rule, getattr(form, rule.key).data)
            db.session.commit()
            flash("Bewaartermijnen opgeslagen.", "success")
            return redirect(url_for("admin.retention"))
        status = 400
    elif action == "toepassen":
        chosen = [by_key[k] for k in request.form.getlist("regel") if k in by_key]
        if not chosen:
            flash("Kies minstens één soort gegevens om te anonimiseren.", "error")
            return redirect(url_for("admin.retention"))
        # a click does at most PER_CLICK records per kind, so the page answers within seconds; the rest
        # stays listed (or goes with `hvhk retention --apply`, which prints its progress)
        done = {rule.label: apply_retention(rule, limit=RETENTION_PER_CLICK) for rule in chosen}
        db.session.commit()
        left = sum(st.due for st in retention_report(sample=0, keys={r.key for r in chosen}))
        flash("Geanonimiseerd: " + "; ".join(f"{label}: {n}" for label, n in done.items()) + "."
              + (f" Nog {left} te gaan: klik opnieuw of gebruik hvhk retention --apply." if left else ""), "success")
        return redirect(url_for("admin.retention"))
    return render_template("core/admin/retention.html", form=form, report=retention_report(),
                           overview=personal_data_overview()), status


# --------------------------------------------------------------------------- organisations


class OrganisationForm(Form):
    name = StringField("Naam", validators=[DataRequired("Geef de naam van de organisatie."), Length(max=200)])
    kind = SelectField("Soort", choices=ORGANISATION_KINDS)
    municipality = StringField("Gemeente", validators=[Optional(), Length(max=100)])


@bp.route("/organisaties", methods=["GET", "POST"])
def organisations():
    form = OrganisationForm()
    if request.method == "POST" and form.validate():
        org = Organisation(name=form.name.data.strip(), kind=form.kind.data, municipality=form.municipality.data or None)
        db.session.add(org)
        db.session.flush()
        audit.record("create", "organisation", org.id)
        db.session.commit()
        flash(f"{org.name} is toegevoegd.", "success")
        return redirect(url_for("admin.organisations"))
    result = paginate(select(Organisation).order_by(Organisation.name))
    return render_template("core/admin/organisations.html", orgs=result.items, form=form, page=result.number,
                           has_next=result.has_next)


# --------------------------------------------------------------------------- plugins


@bp.get("/modules")
def plugins():
    host = current_plugins()
    available = host.available_names()
    return render_template("core/admin/plugins.html", infos=host.all_info(), available=available)


@bp.post("/modules/<name>")
def plugin_availability(name: str):
    host = current_plugins()
    if name not in host.names:
        abort(404)
    state = db.session.get(PluginState, name) or PluginState(name=name)
    state.available = request.form.get("available") == "1"
    db.session.add(state)
    audit.record("plugin_on" if state.available else "plugin_off", "plugin", None, detail=f"{host.info(name).label}: beschikbaarheid")
    db.session.commit()
    flash(f"Module {host.info(name).label} is {'beschikbaar' if state.available else 'niet meer beschikbaar'} voor de teams.", "success")
    return redirect(url_for("admin.plugins"))


# --------------------------------------------------------------------------- audit log


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    gebruiker = StringField("Gebruiker", validators=[Optional()])
    gezin = IntegerField("Gezinsnummer", validators=[Optional()])
    van = DateField("Van", validators=[Optional()])
    tot = DateField("Tot en met", validators=[Optional()])


@bp.get("/logboek")
def audit_log():
    form = AuditFilterForm(request.args)
    stmt = select(AuditEntry).options(*audit.actor_options())
    if form.validate():
        if form.gebruiker.data:
            stmt = stmt.join(User, User.id == AuditEntry.user_id).where(User.username == form.gebruiker.data.strip().lower())
        if form.gezin.data:
            stmt = stmt.where(AuditEntry.family_id == form.gezin.data)
        if form.van.data:
            stmt = stmt.where(AuditEntry.at >= datetime.combine(form.van.data, time.min))
        if form.tot.data:
            stmt = stmt.where(AuditEntry.at < datetime.combine(form.tot.data + timedelta(days=1), time.min))
    before = arg_int("voor", min=1)
    if before:  # keyset pagination: fast at any depth
        stmt = stmt.where(AuditEntry.id < before)
    rows = list(db.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1)))
    args = {k: v for k, v in request.args.items() if k != "voor"}
    next_before = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return render_template("core/admin/audit.html", form=form, entries=rows[:PAGE_SIZE], labels=ACTION_LABELS,
                           object_labels=audit.object_labels(),
                           args=args, next_before=next_before)


def init_app(app) -> None:
    app.register_blueprint(bp)
