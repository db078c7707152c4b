"""PeTra in the partner portal: a partner (school, CLB, other service) refers a child online, follows its own
referrals, and a school follows the trajectories of its pupils while the family's consent covers it.

Access: every view is a ``partner_view`` and checks the organisation itself; staff get 404 here (they use the
staff pages). A trajectory opens only for the organisation that is its school or its referrer, and only while
an active consent of the family shares "trajectverloop" (following the trajectory) with that organisation:
``core.access.consent_covers`` is asked on every request, so a withdrawn consent closes the page at once.
What opens: the worker to contact and the team's phone and e-mail, planned and held roundtables with their
agreements, the plan's goals for the school and their evaluation. Nothing else of the family. Every read is
audited with the family; a refusal is logged and answers 404 without data.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from core import audit
from core.access import consent_covers, consented_family_ids, partner_organisation, partner_view
from core.extensions import db
from core.forms import conflict_safe
from core.models import Organisation

from . import logic, operations, queries
from .forms import AttendeeForm, PortalReferralForm
from .models import (
    CONTRA_INDICATIONS,
    INDICATIONS,
    RoundtableAttendee,
    Trajectory,
)

bp = Blueprint("petra_portal", __name__, url_prefix="/petra/portaal", template_folder="templates")
CONSENT_KIND = "trajectverloop"  # core.models.INFO_KINDS: "Verloop van het traject"


def _school_trajectory(org: Organisation, trajectory_id: int) -> Trajectory:
    """The trajectory when ``org`` is its school or referrer and the family's consent covers following it now;
    404 otherwise (a refusal about an existing trajectory is logged with its family)."""
    t = db.session.get(Trajectory, trajectory_id)
    if t is None or not queries.is_school_view(t, org.id):
        abort(404)
    if not consent_covers(t.family_id, org.id, CONSENT_KIND):
        audit.record_denied("petra_trajectory", t.id, family_id=t.family_id,
                            detail="partnerportaal: geen toestemming")
        abort(404)
    return t


# --------------------------------------------------------------------------- following the trajectory


@bp.get("/")
@partner_view
def trajectories():
    org = partner_organisation()
    page = queries.school_trajectories(org.id, consented_family_ids(org.id, CONSENT_KIND))
    audit.record_list_read("petra_trajectory", [(t.family_id, t.id) for t in page.items],
                           detail="partnerportaal: lijst")
    return render_template("petra/portal/trajectories.html", org=org, page=page)


def _trajectory_page(org: Organisation, t: Trajectory, form: AttendeeForm | None = None, form_for: int | None = None):
    settings = logic.load_settings()
    planned = queries.planned_roundtables(t.id, upcoming_only=True)  # appointments in the core's agenda
    audit.record_read("petra_trajectory", t.id, family_id=t.family_id, detail="partnerportaal")
    return render_template(
        "petra/portal/trajectory.html", org=org, t=t, phone=settings.get("portal_phone"),
        email=settings.get("portal_email"), planned=planned, attendees=queries.roundtable_attendees(
            [a.id for a in planned], org.id), held=queries.roundtables_of(t.id), goals=queries.school_goals(t.id), form=form or AttendeeForm(),
        form_for=form_for)


@bp.get("/traject/<int:trajectory_id>")
@partner_view
def trajectory(trajectory_id: int):
    org = partner_organisation()
    return _trajectory_page(org, _school_trajectory(org, trajectory_id))


def _planned_of(t: Trajectory, planned_id: int):
    """The roundtable planned ahead for ``t`` (a planned appointment about the trajectory), else 404."""
    p = operations.planned_roundtable(t, planned_id)
    if p is None:
        abort(404)
    return p


@bp.post("/traject/<int:trajectory_id>/rondetafel/<int:planned_id>/deelnemer")
@partner_view
def add_attendee(trajectory_id: int, planned_id: int):
    """The school confirms who of its organisation attends a planned roundtable."""
    org = partner_organisation()
    t = _school_trajectory(org, trajectory_id)
    p = _planned_of(t, planned_id)
    form = AttendeeForm()
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            operations.confirm_attendee(t, p, current_user, org, name=form.name.data, role=form.role.data)
        if save.saved:
            flash(f"{form.name.data} staat op de lijst voor de rondetafel.", "success")
            return redirect(url_for("petra_portal.trajectory", trajectory_id=t.id))
    return _trajectory_page(org, t, form, p.id), save.status if save.status != 200 else 422


@bp.post("/traject/<int:trajectory_id>/rondetafel/<int:planned_id>/deelnemer/<int:attendee_id>/verwijderen")
@partner_view
def remove_attendee(trajectory_id: int, planned_id: int, attendee_id: int):
    org = partner_organisation()
    t = _school_trajectory(org, trajectory_id)
    p = _planned_of(t, planned_id)
    a = db.session.get(RoundtableAttendee, attendee_id)
    if a is None or a.appointment_id != p.id or a.organisation_id != org.id:
        abort(404)
    with conflict_safe(flash_message=True) as save:
        operations.remove_attendee(t, p, a, current_user, org)
    if save.saved:
        flash("Deelnemer van de lijst gehaald.", "success")
    return redirect(url_for("petra_portal.trajectory", trajectory_id=t.id))


# --------------------------------------------------------------------------- online referral


@bp.get("/aanmeldingen")
@partner_view
def referrals():
    org = partner_organisation()
    page = queries.partner_portal_referrals(org.id)
    audit.record_list_read("petra_portal_referral", [(r.trajectory.family_id, r.id) for r in page.items
                                                     if r.trajectory is not None], detail="partnerportaal")
    return render_template("petra/portal/referrals.html", org=org, page=page)


def _portal_form(org: Organisation) -> tuple[PortalReferralForm, list]:
    form = PortalReferralForm()
    teams = queries.portal_team_choices()
    form.team_id.choices = [(t.id, t.name) for t in teams]
    form.school_id.choices = queries.organisation_choices(("school",), "— geen / onbekend —")
    return form, teams


def _warnings(form: PortalReferralForm) -> list[str]:
    school = db.session.get(Organisation, form.school_id.data) if form.school_id.data else None
    return logic.referral_warnings(
        school_level=form.school_level.data or None, school_year=form.school_year.data,
        birth_date=form.birth_date.data, home_municipality=form.municipality.data,
        school_municipality=school.municipality if school else None, contra=[],
        settings=logic.load_settings())


@bp.route("/aanmelding", methods=["GET", "POST"])
@partner_view
def referral():
    """A referral through the portal. Age and region only warn: the partner confirms and sends anyway."""
    org = partner_organisation()
    form, teams = _portal_form(org)
    if not teams:
        abort(404)
    if len(teams) == 1:
        form.team_id.data = teams[0].id
    if not form.is_submitted():
        form.indications.data, form.contra_indications.data = [], []
        form.problem_kinds.data, form.risks.data = [], []
        if org.kind == "school":
            form.school_id.data = org.id
        form.referrer_name.data = current_user.display_name
    warnings: list[str] = []
    save = conflict_safe(form)
    status = 200
    if form.validate_on_submit():
        warnings = _warnings(form)
        if warnings and not form.confirm_warnings.data:
            status = 422
        else:
            values = {name: form[name].data for name in operations.PORTAL_FIELDS}
            values.update({name: form[name].data for name in (
                "referrer_name", "referrer_role", "referrer_phone", "referrer_email", "given_name", "family_name",
                "birth_date", "municipality", "parents_informed_by")})
            values["parents_agreed"] = form.parents_agreed.data == "ja"
            with save:
                pr = operations.submit_portal_referral(current_user, org, values, team_id=form.team_id.data,
                                                       warnings_confirmed=bool(warnings))
            if save.saved:
                flash(f"Aanmelding {pr.ref} verstuurd. Het PeTra-team neemt contact met je op; de status volg je "
                      "hier.", "success")
                return redirect(url_for("petra_portal.referrals"))
    elif form.is_submitted():
        warnings = _warnings(form) if form.birth_date.data else []
        status = 422
    return render_template("petra/portal/referral.html", org=org, form=form, teams=teams, warnings=warnings,
                           indications=INDICATIONS, contra=CONTRA_INDICATIONS, today=date.today()), \
        (save.status if save.status != 200 else status)


__all__ = ["bp", "CONSENT_KIND"]
