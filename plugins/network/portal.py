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
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from core import audit
from core.access import consent_covers, consented_family_ids, partner_view
from core.extensions import db
from core.geo import MUNICIPALITIES
from core.models import INFO_KIND_LABELS, Consent, Family, Organisation
from core.pagination import Page

from .forms import ContactForm, ServiceForm
from .models import (
    LINES,
    OUTCOMES,
    SECTORS,
    WAITING_STATUSES,
    Contact,
    Partner,
    PartnerChange,
    Referral,
    Relation,
    Service,
    change_labels,
)
from .queries import PAGE_SIZE, contacts_by_org, directory_page, is_stale, services_by_org
from .views import (
    CONTACT_FIELDS,
    SERVICE_FIELDS,
    _contact_values,
    _directory_filters,
    _page_no,
    _service_values,
    _sub_item,
    fill_form,
    save_item,
)

bp = Blueprint("network_portal", __name__, url_prefix="/netwerk/portaal", template_folder="templates")
bp.context_processor(change_labels)


def own_org() -> Organisation:
    if not current_user.is_partner or current_user.organisation_id is None:
        abort(404)
    org = db.session.get(Organisation, current_user.organisation_id)
    if org is None or org.archived:
        abort(404)
    return org


@bp.get("/")
@partner_view
def social_map():
    org = own_org()
    f = _directory_filters()
    f.stale = False
    page = directory_page(f, _page_no(), shareable_only=True)
    ids = [o.id for o, _ in page.items]
    args = {k: v for k, v in request.args.items() if k != "pagina"}
    return render_template("network/portal/social_map.html", org=org, page=page, f=f, args=args,
                           contacts=contacts_by_org(ids, shareable_only=True),
                           services=services_by_org(ids, shareable_only=True),
                           sectors=SECTORS, lines=LINES, municipalities=sorted(MUNICIPALITIES))


@bp.get("/organisatie/<int:org_id>")
@partner_view
def organisation(org_id: int):
    mine = own_org()
    if org_id == mine.id:
        return redirect(url_for("network_portal.my_organisation"))
    org = db.session.get(Organisation, org_id)
    if org is None or org.archived:
        abort(404)
    partner = db.session.scalar(select(Partner).where(Partner.organisation_id == org.id))
    return render_template("network/portal/organisation.html", org=org, partner=partner,
                           contacts=contacts_by_org([org.id], shareable_only=True)[org.id],
                           services=services_by_org([org.id], shareable_only=True)[org.id])


@bp.get("/mijn-organisatie")
@partner_view
def my_organisation():
    org = own_org()
    partner = db.session.scalar(select(Partner).where(Partner.organisation_id == org.id))
    changes = list(db.session.scalars(
        select(PartnerChange).where(PartnerChange.organisation_id == org.id)
        .order_by(PartnerChange.at.desc(), PartnerChange.id.desc()).limit(15)))
    return render_template("network/portal/my_organisation.html", org=org, partner=partner,
                           contacts=contacts_by_org([org.id])[org.id], services=services_by_org([org.id])[org.id],
                           changes=changes, stale=is_stale(partner))


@bp.route("/mijn-organisatie/contact/nieuw", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/mijn-organisatie/contact/<int:item_id>", methods=["GET", "POST"])
@partner_view
def contact_edit(item_id: int | None):
    org = own_org()
    form = ContactForm()
    if request.method == "GET" and item_id:
        fill_form(form, _sub_item(Contact, org.id, item_id), CONTACT_FIELDS)
    item, status = save_item(Contact, form, org, item_id, _contact_values, log_partner=True)
    if status == 0:
        flash("Contactpersoon opgeslagen. Het Huis van het Kind ziet je wijziging.", "success")
        return redirect(url_for("network_portal.my_organisation"))
    return render_template("network/item_form.html", form=form, org=org, item=item, what="contactpersoon",
                           fields=CONTACT_FIELDS, back=url_for("network_portal.my_organisation")), status or 200


@bp.route("/mijn-organisatie/aanbod/nieuw", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/mijn-organisatie/aanbod/<int:item_id>", methods=["GET", "POST"])
@partner_view
def service_edit(item_id: int | None):
    org = own_org()
    form = ServiceForm()
    if request.method == "GET" and item_id:
        fill_form(form, _sub_item(Service, org.id, item_id), SERVICE_FIELDS)
    item, status = save_item(Service, form, org, item_id, _service_values, log_partner=True)
    if status == 0:
        flash("Aanbod opgeslagen. Het Huis van het Kind ziet je wijziging.", "success")
        return redirect(url_for("network_portal.my_organisation"))
    return render_template("network/item_form.html", form=form, org=org, item=item, what="aanbod",
                           fields=SERVICE_FIELDS, back=url_for("network_portal.my_organisation")), status or 200


@bp.post("/mijn-organisatie/<any(contact, aanbod):what>/<int:item_id>/verwijderen")
@partner_view
def item_delete(what: str, item_id: int):
    org = own_org()
    model = Contact if what == "contact" else Service
    item = _sub_item(model, org.id, item_id)
    object_type = "contact" if model is Contact else "service"
    db.session.add(PartnerChange(organisation_id=org.id, user_id=current_user.id, object_type=object_type,
                                 object_id=item.id, action="delete", old_value=item.name))
    db.session.delete(item)
    audit.record("archive", f"network_{object_type}", item_id)
    db.session.commit()
    flash("Verwijderd. Het Huis van het Kind ziet je wijziging.", "success")
    return redirect(url_for("network_portal.my_organisation"))


@bp.post("/mijn-organisatie/nagekeken")
@partner_view
def confirm_verified():
    """The partner confirms that the page is correct: the "last verified" date becomes today (logged)."""
    from datetime import date

    org = own_org()
    partner = db.session.scalar(select(Partner).where(Partner.organisation_id == org.id))
    if partner is None:
        from .queries import partner_for

        partner = partner_for(org)
    old = partner.last_verified
    partner.last_verified = date.today()
    db.session.add(PartnerChange(organisation_id=org.id, user_id=current_user.id, object_type="profile",
                                 object_id=org.id, action="update", field="last_verified",
                                 old_value=old.isoformat() if old else None, new_value=date.today().isoformat()))
    audit.record("update", "network_partner", org.id, detail="last_verified")
    db.session.commit()
    flash("Bedankt! Je gegevens staan als nagekeken op vandaag.", "success")
    return redirect(url_for("network_portal.my_organisation"))


@bp.get("/afspraken")
@partner_view
def agreements():
    org = own_org()
    rows = list(db.session.scalars(
        select(Relation).options(selectinload(Relation.source), selectinload(Relation.target))
        .where(Relation.kind == "samenwerkingsakkoord", or_(Relation.source_id == org.id, Relation.target_id == org.id))
        .order_by(Relation.start_date.desc().nullslast(), Relation.id)))
    return render_template("network/portal/agreements.html", org=org, agreements=rows)


def _covered_kinds(org_id: int, family_ids: list[int]) -> dict[int, set[str]]:
    """Per family: the info kinds its active consents share with the organisation (to show only those)."""
    from datetime import date

    result: dict[int, set[str]] = {f: set() for f in family_ids}
    if not family_ids:
        return result
    for c in db.session.scalars(select(Consent).where(Consent.organisation_id == org_id,
                                                      Consent.family_id.in_(family_ids),
                                                      Consent.withdrawn_at.is_(None))):
        if c.is_active_on(date.today()):
            result[c.family_id] |= set(c.kinds)
    return result


@bp.get("/verwijzingen")
@partner_view
def referrals():
    org = own_org()
    allowed = consented_family_ids(org.id, "verwijzing")
    page_no = _page_no()
    rows = []
    if allowed:
        rows = list(db.session.scalars(
            select(Referral).where(Referral.organisation_id == org.id, Referral.family_id.in_(allowed))
            .order_by(Referral.referred_on.desc(), Referral.id.desc())
            .offset((page_no - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    page = Page(items=rows[:PAGE_SIZE], number=page_no, has_next=len(rows) > PAGE_SIZE)
    kinds = _covered_kinds(org.id, list({r.family_id for r in page.items}))
    families = {}
    contact_ids = [fid for fid, k in kinds.items() if "contactgegevens" in k]
    if contact_ids:
        families = {f.id: f for f in db.session.scalars(select(Family).where(Family.id.in_(contact_ids)))}
    for r in page.items:
        audit.record("view", "network_referral", r.id, family_id=r.family_id, detail="partnerportaal")
    db.session.commit()
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
    org = own_org()
    ref = _referral_for_partner(org, ref_id)
    kinds = _covered_kinds(org.id, [ref.family_id])[ref.family_id]
    family = db.session.get(Family, ref.family_id) if "contactgegevens" in kinds else None
    audit.record_read("network_referral", ref.id, family_id=ref.family_id, detail="partnerportaal")
    return render_template("network/portal/referral.html", org=org, ref=ref, kinds=kinds, family=family,
                           kind_labels=INFO_KIND_LABELS, waiting=WAITING_STATUSES, outcomes=OUTCOMES)


@bp.post("/verwijzingen/<int:ref_id>/status")
@partner_view
def referral_status(ref_id: int):
    org = own_org()
    ref = _referral_for_partner(org, ref_id)
    waiting = request.form.get("waiting_status", "")
    outcome = request.form.get("outcome", "")
    if waiting not in dict(WAITING_STATUSES) or outcome not in dict(OUTCOMES):
        flash("Kies een geldige status en een geldig resultaat.", "error")
        return redirect(url_for("network_portal.referral", ref_id=ref.id))
    changed = []
    for field, value, shown in (("waiting_status", waiting, dict(WAITING_STATUSES)), ("outcome", outcome, dict(OUTCOMES))):
        if getattr(ref, field) != value:  # the change log keeps the Dutch labels, as a person reads them
            db.session.add(PartnerChange(organisation_id=org.id, user_id=current_user.id, object_type="referral",
                                         object_id=ref.id, action="update", field=field,
                                         old_value=shown.get(getattr(ref, field), getattr(ref, field)),
                                         new_value=shown[value]))
            setattr(ref, field, value)
            changed.append(field)
    if changed:
        audit.record("update", "network_referral", ref.id, family_id=ref.family_id, detail=",".join(changed))
    db.session.commit()
    flash("Status bijgewerkt.", "success")
    return redirect(url_for("network_portal.referral", ref_id=ref.id))
