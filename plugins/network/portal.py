"""The partner portal: pages for users of a partner organisation (User.organisation_id set, no team).

Every view here is a ``partner_view`` and checks the organisation itself: partner users see the shared
social map (shareable offers and contacts), their own organisation's page (where they keep contacts and
offers up to date; every change is logged for staff), the agreements their organisation is party to, and
referrals of families to their organisation only while the family's consent covers "verwijzing", showing
only what the consent names. Anything else answers 404, also for guessed ids. Staff get 404 here too:
they use the staff pages.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core import audit
from core.access import consent_covers, consented_family_ids, partner_organisation, partner_view
from core.extensions import db
from core.forms import conflict_safe
from core.geo import MUNICIPALITIES
from core.models import INFO_KIND_LABELS, Family, Organisation
from core.pagination import page_number as _page_no

from . import operations, queries
from .forms import GeneralDetailsForm
from .models import LINES, OUTCOMES, SECTORS, WAITING_STATUSES, Referral, change_labels
from .queries import contacts_by_org, directory_page, is_stale, partner_for, services_by_org
from .views import _args_without_page, _directory_filters, item_page, item_remove

bp = Blueprint("network_portal", __name__, url_prefix="/netwerk/portaal", template_folder="templates")
bp.context_processor(change_labels)

SEEN = "Het Huis van het Kind ziet je wijziging."


@bp.get("/")
@partner_view
def social_map():
    org = partner_organisation()
    f = _directory_filters()
    f.stale = False
    page = directory_page(f, _page_no(), shareable_only=True)
    ids = [o.id for o, _ in page.items]
    return render_template("network/portal/social_map.html", org=org, page=page, f=f, args=_args_without_page(),
                           contacts=contacts_by_org(ids, shareable_only=True),
                           services=services_by_org(ids, shareable_only=True),
                           sectors=SECTORS, lines=LINES, municipalities=sorted(MUNICIPALITIES))


@bp.get("/organisatie/<int:org_id>")
@partner_view
def organisation(org_id: int):
    mine = partner_organisation()
    if org_id == mine.id:
        return redirect(url_for("network_portal.my_organisation"))
    org = db.session.get(Organisation, org_id)
    if org is None or org.archived:
        abort(404)
    return render_template("network/portal/organisation.html", org=org, partner=partner_for(org),
                           contacts=contacts_by_org([org.id], shareable_only=True)[org.id],
                           services=services_by_org([org.id], shareable_only=True)[org.id])


@bp.get("/mijn-organisatie")
@partner_view
def my_organisation():
    org = partner_organisation()
    partner = partner_for(org)
    changes = [change for change, _ in queries.recent_changes(org.id, limit=15)]
    return render_template("network/portal/my_organisation.html", org=org, partner=partner,
                           contacts=contacts_by_org([org.id])[org.id], services=services_by_org([org.id])[org.id],
                           changes=changes, stale=is_stale(partner))


@bp.route("/mijn-organisatie/contact/nieuw", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/mijn-organisatie/contact/<int:item_id>", methods=["GET", "POST"])
@partner_view
def contact_edit(item_id: int | None):
    return item_page("contact", partner_organisation(), item_id, back=url_for("network_portal.my_organisation"), done=SEEN)


@bp.route("/mijn-organisatie/aanbod/nieuw", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/mijn-organisatie/aanbod/<int:item_id>", methods=["GET", "POST"])
@partner_view
def service_edit(item_id: int | None):
    return item_page("aanbod", partner_organisation(), item_id, back=url_for("network_portal.my_organisation"), done=SEEN)


@bp.post("/mijn-organisatie/<any(contact, aanbod):what>/<int:item_id>/verwijderen")
@partner_view
def item_delete(what: str, item_id: int):
    return item_remove(what, partner_organisation(), item_id, back=url_for("network_portal.my_organisation"), done=SEEN)


@bp.route("/mijn-organisatie/algemeen", methods=["GET", "POST"])
@partner_view
def general_details():
    """The partner corrects their own organisation's website, main phone number and sector (never another's:
    the organisation is the user's own, whatever the request says)."""
    org = partner_organisation()
    partner = partner_for(org) or queries.default_partner(org)
    form = GeneralDetailsForm()
    if request.method == "GET":
        form.website.data, form.phone.data, form.sector.data = partner.website, partner.phone, partner.sector
        form.version.data = partner.version
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            if partner.id is not None:
                save.check(partner)
            changed = operations.edit_general_details(
                org, {k: form[k].data for k in operations.GENERAL_FIELDS}, user=current_user)
        if save.saved:
            flash(f"Opgeslagen. {SEEN}" if changed else "Er was niets gewijzigd.", "success")
            return redirect(url_for("network_portal.my_organisation"))
    return render_template("network/portal/general.html", form=form, org=org), save.status


@bp.post("/mijn-organisatie/nagekeken")
@partner_view
def confirm_verified():
    """The partner confirms that the page is correct: the "last verified" date becomes today (logged)."""
    org = partner_organisation()
    with conflict_safe(flash_message=True) as save:
        operations.confirm_partner_page(org, user=current_user)
    if save.saved:
        flash("Bedankt! Je gegevens staan als nagekeken op vandaag.", "success")
    return redirect(url_for("network_portal.my_organisation"))


@bp.get("/afspraken")
@partner_view
def agreements():
    org = partner_organisation()
    return render_template("network/portal/agreements.html", org=org, agreements=queries.agreements_of(org.id))


@bp.get("/verwijzingen")
@partner_view
def referrals():
    org = partner_organisation()
    page = queries.partner_referrals_page(org.id, consented_family_ids(org.id, "verwijzing"), _page_no())
    kinds = queries.covered_kinds(org.id, list({r.family_id for r in page.items}))
    families = queries.families_by_id([fid for fid, k in kinds.items() if "contactgegevens" in k])
    audit.record_list_read("network_referral", [(r.family_id, r.id) for r in page.items], detail="partnerportaal")
    return render_template("network/portal/referrals.html", org=org, page=page, kinds=kinds, families=families,
                           args={})


def _referral_for_partner(org: Organisation, ref_id: int) -> Referral:
    ref = db.session.get(Referral, ref_id)
    if ref is None or ref.organisation_id != org.id:
        abort(404)
    if not consent_covers(ref.family_id, org.id, "verwijzing"):
        audit.record_denied("network_referral", ref.id, family_id=ref.family_id, detail="geen toestemming")
        abort(404)
    return ref


@bp.get("/verwijzingen/<int:ref_id>")
@partner_view
def referral(ref_id: int):
    org = partner_organisation()
    ref = _referral_for_partner(org, ref_id)
    kinds = queries.covered_kinds(org.id, [ref.family_id])[ref.family_id]
    family = db.session.get(Family, ref.family_id) if "contactgegevens" in kinds else None
    audit.record_read("network_referral", ref.id, family_id=ref.family_id, detail="partnerportaal")
    return render_template("network/portal/referral.html", org=org, ref=ref, kinds=kinds, family=family,
                           kind_labels=INFO_KIND_LABELS, waiting=WAITING_STATUSES, outcomes=OUTCOMES)


@bp.post("/verwijzingen/<int:ref_id>/status")
@partner_view
def referral_status(ref_id: int):
    org = partner_organisation()
    ref = _referral_for_partner(org, ref_id)
    with conflict_safe(flash_message=True) as save:
        operations.record_referral_outcome(ref, waiting_status=request.form.get("waiting_status", ""),
                                           outcome=request.form.get("outcome", ""), user=current_user)
    if save.saved:
        flash("Status bijgewerkt.", "success")
    return redirect(url_for("network_portal.referral", ref_id=ref.id))
