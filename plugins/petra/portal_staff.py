"""Staff pages for what comes in through the partner portal: the portal referrals on the waiting list (accept
into a family record, matched through ``core.people.search``, or decline with a reason the partner sees) and,
on the trajectory page, who of the school confirmed to attend a roundtable planned ahead (planning itself is
``views.plan_roundtable``: an appointment in the core's agenda). Routes on the PeTra blueprint."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from core import audit, people
from core.extensions import db
from core.forms import conflict_safe
from core.params import arg_str
from core.plugins import team_ids_for

from . import logic, operations, queries
from .forms import AcceptForm, DeclineForm
from .models import (
    CONTRA_INDICATIONS,
    INDICATIONS,
    PROBLEM_KINDS,
    RISKS,
    PortalReferral,
    labels,
)
from .views import bp

LABELS = {"indication": labels(INDICATIONS), "contra": labels(CONTRA_INDICATIONS),
          "problem": labels(PROBLEM_KINDS), "risk": labels(RISKS)}


def portal_context(planned) -> dict:
    """What the trajectory page shows of the portal: per roundtable planned ahead (appointments), who of the
    school (or another partner) confirmed to attend. One query."""
    return {"school_attendees": queries.roundtable_attendees([a.id for a in planned]), "portal_labels": LABELS}


def _portal_referral(referral_id: int) -> PortalReferral:
    pr = db.session.get(PortalReferral, referral_id)
    if pr is None:
        abort(404)
    if not (current_user.is_admin or pr.team_id in team_ids_for()):
        audit.record_denied("petra_portal_referral", pr.id,
                            family_id=pr.trajectory.family_id if pr.trajectory else None,
                            detail="niet het ontvangende team")
        abort(404)
    return pr


def _page(pr: PortalReferral, decline_form: DeclineForm | None = None, accept_error: str | None = None):
    family_id = pr.trajectory.family_id if pr.trajectory else None
    audit.record_read("petra_portal_referral", pr.id, family_id=family_id)
    query = arg_str("zoek", max_len=100) or pr.child_name
    results = []
    if pr.status == "pending" and query:
        birth_year = pr.birth_date.year if pr.birth_date and not arg_str("zoek", max_len=100) else None
        results = people.search(current_user, query, birth_year=birth_year, roles=("kind",), per_page=10,
                                purpose="PeTra-aanmelding via portaal: kind zoeken").items
    if decline_form is None:
        decline_form = DeclineForm(formdata=None)
        decline_form.version.data = pr.version
    warnings = logic.referral_warnings(
        school_level=pr.school_level, school_year=pr.school_year, birth_date=pr.birth_date,
        home_municipality=pr.municipality, school_municipality=pr.school.municipality if pr.school else None,
        contra=pr.contra_keys, settings=logic.load_settings(), on=pr.referred_on)
    return render_template("petra/portal_referral.html", pr=pr, results=results, query=query,
                           decline_form=decline_form, warnings=warnings, labels=LABELS, accept_error=accept_error)


@bp.get("/portaal-aanmelding/<int:referral_id>")
def portal_referral(referral_id: int):
    return _page(_portal_referral(referral_id))


@bp.post("/portaal-aanmelding/<int:referral_id>/aanvaarden")
def accept_portal_referral(referral_id: int):
    pr = _portal_referral(referral_id)
    form = AcceptForm()
    save = conflict_safe(form)
    if form.validate_on_submit():
        child_id = int(form.child_id.data) if (form.child_id.data or "").isdigit() else None
        family_id = int(form.family_id.data) if (form.family_id.data or "").isdigit() else None
        with save:
            save.check(pr)
            t = operations.accept_portal_referral(pr, current_user, child_id=child_id, family_id=family_id,
                                                  token=form.sleutel.data or None)
        if save.saved:
            flash(f"Aanmelding {pr.ref} aanvaard: traject {t.ref} staat op de wachtlijst.", "success")
            return redirect(url_for("petra.show", trajectory_id=t.id))
    message = (form.form_errors or [None])[0] or next(
        (e for errors in form.errors.values() for e in errors if isinstance(e, str)), None)
    if save.refused is not None:
        message = save.refused.message
    return _page(pr, accept_error=message or "Niet aanvaard."), save.status if save.status != 200 else 422


@bp.post("/portaal-aanmelding/<int:referral_id>/weigeren")
def decline_portal_referral(referral_id: int):
    pr = _portal_referral(referral_id)
    form = DeclineForm()
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(pr)
            operations.decline_portal_referral(pr, current_user, form.decline_reason.data)
        if save.saved:
            flash(f"Aanmelding {pr.ref} niet aanvaard; de partner ziet de reden in het portaal.", "success")
            return redirect(url_for("petra.waiting_list"))
    return _page(pr, decline_form=form), save.status if save.status != 200 else 422


__all__ = ["portal_context"]
