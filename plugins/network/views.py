"""Staff pages of the network plugin: directory, partner pages, relations, map, referrals, ecomap, import/export.

None of these views is a partner view: the core guard answers 404 to partner users and to staff whose
teams did not enable the plugin. Family data is checked with ``core.access.require_family`` and audited.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core import audit
from core.access import register_involvement, require_family
from core.extensions import db
from core.forms import conflict_safe
from core.geo import MUNICIPALITIES
from core.models import (
    ORGANISATION_KIND_LABELS,
    ORGANISATION_KINDS,
    FamilyMember,
    Organisation,
    Person,
    User,
    utcnow,
)
from core.pagination import Page
from core.pagination import page_number as _page_no
from core.params import arg_bool, arg_choice, arg_id, arg_str
from core.plugins import team_ids_for
from core.ui import render, wants_fragment
from core.xlsx import send_xlsx

from . import ecomap, importer
from .forms import (
    ContactForm,
    ImportForm,
    PartnerForm,
    ReferralForm,
    RelationForm,
    ServiceForm,
    TieForm,
)
from .models import (
    LINE_LABELS,
    LINES,
    RELATION_COLOURS,
    RELATION_KIND_LABELS,
    RELATION_KINDS,
    SECTOR_COLOURS,
    SECTOR_LABELS,
    SECTORS,
    Contact,
    EcoTie,
    Partner,
    PartnerChange,
    Referral,
    Relation,
    Service,
    change_labels,
)
from .queries import (
    PAGE_SIZE,
    SETTINGS,
    DirectoryFilters,
    MapFilters,
    contacts_by_org,
    directory_page,
    is_stale,
    map_data,
    organisation_choices,
    partner_for,
    referral_stats,
    relations_of,
    services_by_org,
    stale_before,
    stale_months,
)

bp = Blueprint("network", __name__, url_prefix="/netwerk", template_folder="templates",
               static_folder="static", static_url_path="/static")
bp.context_processor(change_labels)


def _org_or_404(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    return org


def _directory_filters() -> DirectoryFilters:
    return DirectoryFilters(
        q=arg_str("q", max_len=100),
        sector=arg_choice("sector", SECTOR_LABELS, ""),
        line=arg_choice("lijn", ("0", "1", "2"), ""),
        municipality=arg_choice("gemeente", MUNICIPALITIES, ""),
        service=arg_str("aanbod", max_len=100),
        stale=arg_bool("verouderd"),
    )


# --------------------------------------------------------------------------- directory


@bp.get("/")
def directory():
    f = _directory_filters()
    page = directory_page(f, _page_no())
    ids = [o.id for o, _ in page.items]
    contacts = contacts_by_org(ids)
    services = services_by_org(ids)
    args = {k: v for k, v in request.args.items() if k != "pagina"}
    return render_template("network/directory.html", page=page, f=f, contacts=contacts, services=services,
                           args=args, sectors=SECTORS, lines=LINES, municipalities=sorted(MUNICIPALITIES),
                           limit=stale_before(), months=stale_months(), is_stale=is_stale,
                           may_manage=_may_manage_settings())


@bp.get("/tegel")
def widget():
    limit = stale_before()
    total = db.session.scalar(select(func.count(Organisation.id)).where(Organisation.archived.is_(False)))
    verified = db.session.scalar(
        select(func.count(Partner.id)).join(Organisation, Organisation.id == Partner.organisation_id)
        .where(Organisation.archived.is_(False), Partner.last_verified >= limit))
    waiting = db.session.scalar(select(func.count(Referral.id)).where(Referral.waiting_status == "waiting"))
    since = utcnow() - timedelta(days=14)
    changes = db.session.scalar(select(func.count(PartnerChange.id)).where(PartnerChange.at >= since))
    reviews = db.session.scalar(select(func.count(Relation.id)).where(Relation.review_date.is_not(None),
                                                                     Relation.review_date <= date.today()))
    return render(None, "network/widget.html", title="Netwerk en partners", total=total or 0,
                  stale=(total or 0) - (verified or 0), waiting=waiting or 0, changes=changes or 0, reviews=reviews or 0)


@bp.get("/wijzigingen")
def partner_changes():
    """Recent edits partner users made to their own pages, newest first (paginated in SQL)."""
    page_no = _page_no()
    rows = db.session.execute(
        select(PartnerChange, Organisation.name, User.display_name)
        .join(Organisation, Organisation.id == PartnerChange.organisation_id)
        .outerjoin(User, User.id == PartnerChange.user_id)
        .order_by(PartnerChange.at.desc(), PartnerChange.id.desc())
        .offset((page_no - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    page = Page(items=rows[:PAGE_SIZE], number=page_no, has_next=len(rows) > PAGE_SIZE)
    return render_template("network/changes.html", page=page, args={})


# --------------------------------------------------------------------------- one partner


@bp.get("/organisatie/<int:org_id>")
def partner_page(org_id: int):
    org = _org_or_404(org_id)
    partner = partner_for(org, create=False)
    contacts = contacts_by_org([org.id])[org.id]
    services = services_by_org([org.id])[org.id]
    relations = relations_of(org.id)
    stats = referral_stats([org.id]).get(org.id)
    changes = list(db.session.execute(
        select(PartnerChange, User.display_name).outerjoin(User, User.id == PartnerChange.user_id)
        .where(PartnerChange.organisation_id == org.id)
        .order_by(PartnerChange.at.desc(), PartnerChange.id.desc()).limit(30)
    ).all())
    portal_users = list(db.session.scalars(
        select(User.display_name).where(User.organisation_id == org.id, User.active.is_(True)).order_by(User.display_name)))
    return render_template("network/partner.html", org=org, partner=partner, contacts=contacts, services=services,
                           relations=relations, stats=stats, changes=changes, stale=is_stale(partner),
                           months=stale_months(), portal_users=portal_users, kind_labels=ORGANISATION_KIND_LABELS)


def _fill_partner_form(form: PartnerForm, org: Organisation, partner: Partner) -> None:
    form.name.data = org.name
    form.sector.data = partner.sector
    form.line.data = str(partner.line)
    form.municipalities.data = partner.municipality_list
    for name in ("care_zone", "province", "website", "phone", "email", "description", "last_verified"):
        getattr(form, name).data = getattr(partner, name)
    form.version.data = partner.version


def _apply_partner_form(form: PartnerForm, org: Organisation, partner: Partner) -> list[str]:
    changed = []
    if org.name != form.name.data.strip():
        org.name = form.name.data.strip()
        changed.append("name")
    values = {
        "sector": form.sector.data, "line": int(form.line.data),
        "care_zone": (form.care_zone.data or "").strip() or None, "province": (form.province.data or "").strip() or None,
        "website": (form.website.data or "").strip() or None, "phone": (form.phone.data or "").strip() or None,
        "email": (form.email.data or "").strip() or None, "description": (form.description.data or "").strip() or None,
        "last_verified": form.last_verified.data,
    }
    for k, v in values.items():
        if getattr(partner, k) != v:
            setattr(partner, k, v)
            changed.append(k)
    muns = [m for m in (form.municipalities.data or []) if m in MUNICIPALITIES]
    if partner.municipality_list != muns:
        partner.set_municipalities(muns)
        changed.append("municipalities")
    if muns and org.municipality is None:
        org.municipality = muns[0]
    return changed


@bp.route("/organisatie/nieuw", methods=["GET", "POST"])
def partner_new():
    form = PartnerForm()
    kind = request.form.get("kind") or "andere"
    if kind not in ORGANISATION_KIND_LABELS:
        kind = "andere"
    if request.method == "GET":
        form.line.data = "1"
        form.province.data = "Limburg"
        form.last_verified.data = date.today()
    if form.validate_on_submit():
        muns = [m for m in (form.municipalities.data or []) if m in MUNICIPALITIES]
        org = Organisation(name=form.name.data.strip(), kind=kind, municipality=muns[0] if muns else None)
        db.session.add(org)
        db.session.flush()
        partner = Partner(organisation_id=org.id)
        db.session.add(partner)
        _apply_partner_form(form, org, partner)
        db.session.flush()
        audit.record("create", "network_partner", org.id)
        db.session.commit()
        flash("Organisatie toegevoegd.", "success")
        return redirect(url_for("network.partner_page", org_id=org.id))
    return render_template("network/partner_form.html", form=form, org=None, kinds=ORGANISATION_KINDS, kind=kind)


@bp.route("/organisatie/<int:org_id>/bewerken", methods=["GET", "POST"])
def partner_edit(org_id: int):
    org = _org_or_404(org_id)
    partner = partner_for(org)
    db.session.flush()
    form = PartnerForm()
    if request.method == "GET":
        _fill_partner_form(form, org, partner)
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(partner)
            changed = _apply_partner_form(form, org, partner)
            if changed:
                audit.record("update", "network_partner", org.id, detail=",".join(changed))
        if save.saved:
            flash("Gegevens opgeslagen.", "success")
            return redirect(url_for("network.partner_page", org_id=org.id))
    return render_template("network/partner_form.html", form=form, org=org, kinds=None, kind=None), save.status


@bp.post("/organisatie/<int:org_id>/nagekeken")
def partner_verified(org_id: int):
    org = _org_or_404(org_id)
    partner = partner_for(org)
    partner.last_verified = date.today()
    audit.record("update", "network_partner", org.id, detail="last_verified")
    db.session.commit()
    flash("Gemarkeerd als nagekeken vandaag.", "success")
    return redirect(url_for("network.partner_page", org_id=org.id))


def _sub_item(model, org_id: int, item_id: int):
    item = db.session.get(model, item_id)
    if item is None or item.organisation_id != org_id:
        abort(404)
    return item


def _contact_values(form: ContactForm) -> dict:
    return {"name": form.name.data.strip(), "role": (form.role.data or "").strip() or None,
            "phone": (form.phone.data or "").strip() or None, "email": (form.email.data or "").strip() or None,
            "is_primary": bool(form.is_primary.data), "shareable": bool(form.shareable.data)}


def _service_values(form: ServiceForm) -> dict:
    return {"name": form.name.data.strip(), "description": (form.description.data or "").strip() or None,
            "age_min": form.age_min.data, "age_max": form.age_max.data, "cost": form.cost.data,
            "cost_note": (form.cost_note.data or "").strip() or None,
            "waiting_time": (form.waiting_time.data or "").strip() or None, "shareable": bool(form.shareable.data)}


def save_item(model, form, org: Organisation, item_id: int | None, values_of, *, log_partner: bool = False):
    """Create or update a contact or service from ``form``. Returns (item, error_status or None)."""
    item = _sub_item(model, org.id, item_id) if item_id else None
    if not form.validate_on_submit():
        return item, None
    values = values_of(form)
    object_type = "contact" if model is Contact else "service"
    with conflict_safe(form) as save:
        if item is None:
            item = model(organisation_id=org.id, **values)
            db.session.add(item)
            db.session.flush()
            changes = [("create", None, None, values.get("name"))]
        else:
            save.check(item)
            changes = []
            for k, v in values.items():
                old = getattr(item, k)
                if old != v:
                    changes.append(("update", k, old, v))
                    setattr(item, k, v)
            db.session.flush()
        if model is Contact and values.get("is_primary"):
            for other in db.session.scalars(select(Contact).where(Contact.organisation_id == org.id,
                                                                  Contact.id != item.id, Contact.is_primary.is_(True))):
                other.is_primary = False
        if log_partner:
            for action, field, old, new in changes:
                db.session.add(PartnerChange(organisation_id=org.id, user_id=current_user.id, object_type=object_type,
                                             object_id=item.id, action=action, field=field,
                                             old_value=None if old is None else str(old)[:2000],
                                             new_value=None if new is None else str(new)[:2000]))
        if changes:
            audit.record("create" if changes[0][0] == "create" else "update", f"network_{object_type}", item.id,
                         detail=",".join(c[1] for c in changes if c[1]) or None)
    if save.conflict:
        return (item if item_id else None), 409
    return item, 0


def fill_form(form, item, fields: list[str]) -> None:
    for name in fields:
        getattr(form, name).data = getattr(item, name)
    form.version.data = item.version


CONTACT_FIELDS = ["name", "role", "phone", "email", "is_primary", "shareable"]
SERVICE_FIELDS = ["name", "description", "age_min", "age_max", "cost", "cost_note", "waiting_time", "shareable"]


@bp.route("/organisatie/<int:org_id>/contact/nieuw", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/organisatie/<int:org_id>/contact/<int:item_id>", methods=["GET", "POST"])
def contact_edit(org_id: int, item_id: int | None):
    org = _org_or_404(org_id)
    form = ContactForm()
    if request.method == "GET" and item_id:
        fill_form(form, _sub_item(Contact, org.id, item_id), CONTACT_FIELDS)
    item, status = save_item(Contact, form, org, item_id, _contact_values)
    if status == 0:
        flash("Contactpersoon opgeslagen.", "success")
        return redirect(url_for("network.partner_page", org_id=org.id))
    return render_template("network/item_form.html", form=form, org=org, item=item, what="contactpersoon",
                           fields=CONTACT_FIELDS, back=url_for("network.partner_page", org_id=org.id)), status or 200


@bp.route("/organisatie/<int:org_id>/aanbod/nieuw", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/organisatie/<int:org_id>/aanbod/<int:item_id>", methods=["GET", "POST"])
def service_edit(org_id: int, item_id: int | None):
    org = _org_or_404(org_id)
    form = ServiceForm()
    if request.method == "GET" and item_id:
        fill_form(form, _sub_item(Service, org.id, item_id), SERVICE_FIELDS)
    item, status = save_item(Service, form, org, item_id, _service_values)
    if status == 0:
        flash("Aanbod opgeslagen.", "success")
        return redirect(url_for("network.partner_page", org_id=org.id))
    return render_template("network/item_form.html", form=form, org=org, item=item, what="aanbod",
                           fields=SERVICE_FIELDS, back=url_for("network.partner_page", org_id=org.id)), status or 200


@bp.post("/organisatie/<int:org_id>/<any(contact, aanbod):what>/<int:item_id>/verwijderen")
def item_delete(org_id: int, what: str, item_id: int):
    org = _org_or_404(org_id)
    model = Contact if what == "contact" else Service
    item = _sub_item(model, org.id, item_id)
    db.session.delete(item)
    audit.record("archive", f"network_{'contact' if model is Contact else 'service'}", item_id)
    db.session.commit()
    flash("Verwijderd.", "success")
    return redirect(url_for("network.partner_page", org_id=org.id))


# --------------------------------------------------------------------------- relations


@bp.get("/relaties")
def relations():
    kind = arg_choice("soort", RELATION_KIND_LABELS, "")
    page_no = _page_no()
    stmt = select(Relation).options(selectinload(Relation.source), selectinload(Relation.target))
    if kind:
        stmt = stmt.where(Relation.kind == kind)
    if arg_bool("evalueren"):
        stmt = stmt.where(Relation.review_date.is_not(None), Relation.review_date <= date.today())
    stmt = stmt.order_by(Relation.kind, Relation.id).offset((page_no - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    rows = list(db.session.scalars(stmt))
    page = Page(items=rows[:PAGE_SIZE], number=page_no, has_next=len(rows) > PAGE_SIZE)
    args = {k: v for k, v in request.args.items() if k != "pagina"}
    return render_template("network/relations.html", page=page, kind=kind, kinds=RELATION_KINDS, args=args,
                           today=date.today())


def _relation_form(obj=None) -> RelationForm:
    form = RelationForm()
    choices = organisation_choices()
    form.source_id.choices = choices
    form.target_id.choices = choices
    return form


RELATION_FIELDS = ["source_id", "target_id", "kind", "direction", "description", "privacy_terms", "secrecy_terms",
                   "start_date", "end_date", "review_date"]


@bp.route("/relaties/nieuw", methods=["GET", "POST"], defaults={"rel_id": None})
@bp.route("/relaties/<int:rel_id>", methods=["GET", "POST"])
def relation_edit(rel_id: int | None):
    rel = None
    if rel_id is not None:
        rel = db.session.get(Relation, rel_id)
        if rel is None:
            abort(404)
    form = _relation_form()
    if request.method == "GET":
        if rel is not None:
            fill_form(form, rel, RELATION_FIELDS)
            form.structural.data = "1" if rel.structural else "0"
        else:
            form.source_id.data = arg_id("van")
    save = conflict_safe(form)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in RELATION_FIELDS}
        for k in ("description", "privacy_terms", "secrecy_terms"):
            values[k] = (values[k] or "").strip() or None
        values["structural"] = form.structural.data == "1"
        with save:
            if rel is None:
                rel = Relation(**values)
                db.session.add(rel)
                db.session.flush()
                audit.record("create", "network_relation", rel.id)
            else:
                save.check(rel)
                changed = [k for k, v in values.items() if getattr(rel, k) != v]
                for k in changed:
                    setattr(rel, k, values[k])
                audit.record("update", "network_relation", rel.id, detail=",".join(changed))
        if save.saved:
            flash("Relatie opgeslagen.", "success")
            return redirect(url_for("network.partner_page", org_id=rel.source_id))
    return render_template("network/relation_form.html", form=form, rel=rel), save.status


@bp.post("/relaties/<int:rel_id>/verwijderen")
def relation_delete(rel_id: int):
    rel = db.session.get(Relation, rel_id)
    if rel is None:
        abort(404)
    source_id = rel.source_id
    db.session.delete(rel)
    audit.record("archive", "network_relation", rel_id)
    db.session.commit()
    flash("Relatie verwijderd.", "success")
    return redirect(url_for("network.partner_page", org_id=source_id))


# --------------------------------------------------------------------------- network map


def _map_filters() -> MapFilters:
    f = _directory_filters()
    return MapFilters(sector=f.sector, line=f.line, municipality=f.municipality,
                      kind=arg_choice("soort", RELATION_KIND_LABELS, ""), focus=arg_id("focus"))


def _focus_by_name(f: MapFilters) -> bool:
    """``?naam=`` focuses the map on the first organisation whose name contains the text. False: not found."""
    name = arg_str("naam", max_len=100)
    if not name:
        return True
    key = "%" + name.lower().replace("%", "").replace("_", "") + "%"
    found = db.session.scalar(select(Organisation.id).where(Organisation.archived.is_(False),
                                                            func.lower(Organisation.name).like(key))
                              .order_by(func.length(Organisation.name), Organisation.name).limit(1))
    if found:
        f.focus = found
    return found is not None


@bp.get("/kaart")
def network_map():
    f = _map_filters()
    name_found = _focus_by_name(f)
    data = map_data(f)
    pos = {n["id"]: n for n in data["nodes"]}
    islands = [n for n in data["nodes"] if n["island"]]
    focus_org = db.session.get(Organisation, f.focus) if f.focus else None
    return render_template("network/map.html", data=data, pos=pos, f=f, islands=islands, sectors=SECTORS,
                           lines=LINES, kinds=RELATION_KINDS, municipalities=sorted(MUNICIPALITIES),
                           sector_colours=SECTOR_COLOURS, relation_colours=RELATION_COLOURS,
                           sector_labels=SECTOR_LABELS, kind_labels=RELATION_KIND_LABELS, focus_org=focus_org,
                           line_labels=LINE_LABELS, args=dict(request.args.items()),
                           args_nofocus={k: v for k, v in request.args.items() if k not in ("focus", "naam")},
                           name_not_found=not name_found)


@bp.get("/kaart.json")
def network_map_json():
    f = _map_filters()
    _focus_by_name(f)
    data = map_data(f)
    return jsonify(data)


# --------------------------------------------------------------------------- referrals: per partner


@bp.get("/verwijzingen")
def referral_overview():
    page_no = _page_no()
    stats_q = (select(Referral.organisation_id, func.count(Referral.id).label("n"))
               .group_by(Referral.organisation_id).order_by(func.count(Referral.id).desc(), Referral.organisation_id)
               .offset((page_no - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    rows = db.session.execute(stats_q).all()
    page = Page(items=rows[:PAGE_SIZE], number=page_no, has_next=len(rows) > PAGE_SIZE)
    ids = [r[0] for r in page.items]
    orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))} if ids else {}
    stats = referral_stats(ids) if ids else {}
    return render_template("network/referral_overview.html", page=page, orgs=orgs, stats=stats, args={})


# --------------------------------------------------------------------------- import / export


@bp.route("/import", methods=["GET", "POST"])
def import_partners():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        report = importer.import_file(form.file.data)
        if report.fatal:
            form.file.errors = list(form.file.errors) + [report.fatal]
        else:
            audit.record("create", "network_import", None, detail=f"{report.created} nieuw, {report.updated} bijgewerkt, "
                                                                  f"{len(report.rejected)} geweigerd")
            db.session.commit()
    return render_template("network/import.html", form=form, report=report, columns=importer.COLUMNS)


@bp.get("/export.xlsx")
def export_partners():
    data = importer.export_workbook()
    audit.record_read("network_export", None, detail="partners")
    return send_xlsx(data, f"partners-{date.today():%Y%m%d}.xlsx")


@bp.get("/import/voorbeeld.xlsx")
def import_template():
    return send_xlsx(importer.template_workbook(), "partners-sjabloon.xlsx")


# --------------------------------------------------------------------------- a family's network


def _user_team_for_family(family_id: int) -> int | None:
    """The team of the current user that owns new network work for this family: involved and with network on."""
    from core.access import involved_team_ids

    involved = involved_team_ids(family_id)
    mine = current_user.team_ids()
    with_plugin = team_ids_for()
    for pool in (involved & mine & with_plugin, involved & mine, mine & with_plugin):
        if pool:
            return min(pool)
    return None


def _family_people(family_id: int) -> list[Person]:
    return list(db.session.scalars(
        select(Person).join(FamilyMember, FamilyMember.person_id == Person.id)
        .where(FamilyMember.family_id == family_id, FamilyMember.role == "kind").order_by(Person.given_name)))


def _tie_form(family_id: int, people: list[Person]) -> TieForm:
    form = TieForm()
    form.person_id.choices = [(0, "Het hele gezin")] + [(p.id, p.given_name) for p in people]
    form.organisation_id.choices = [(0, "—")] + organisation_choices()
    return form


def _ecomap_ctx(family, form, people):
    ties = list(db.session.scalars(select(EcoTie).options(selectinload(EcoTie.organisation))
                                   .where(EcoTie.family_id == family.id).order_by(EcoTie.kind, EcoTie.id)))
    names = {p.id: p.given_name for p in people}
    return dict(family=family, ties=ties, form=form, drawing=ecomap.layout(family.label, ties, names),
                names=names)


@bp.route("/gezin/<int:family_id>/ecomap", methods=["GET", "POST"])
def family_ecomap(family_id: int):
    family = require_family(family_id, "network_ecomap")
    people = _family_people(family_id)
    form = _tie_form(family_id, people)
    if request.method == "POST":
        if form.validate_on_submit():
            org_id = (form.organisation_id.data or None) if form.kind.data == "dienst" else None
            label = (form.label.data or "").strip()
            if not label and org_id:
                org = db.session.get(Organisation, org_id)
                label = org.name[:160] if org else ""
            tie = EcoTie(family_id=family.id, person_id=form.person_id.data or None, kind=form.kind.data,
                         label=label, strength=form.strength.data,
                         organisation_id=org_id,
                         note=(form.note.data or "").strip() or None, team_id=_user_team_for_family(family_id),
                         created_by_id=current_user.id)
            db.session.add(tie)
            db.session.flush()
            if tie.team_id:
                register_involvement(family, tie.team_id, "Ecomap bijgehouden", source="network")
            audit.record("create", "network_eco_tie", tie.id, family_id=family.id)
            db.session.commit()
            if not wants_fragment():
                flash("Band toegevoegd aan de ecomap.", "success")
                return redirect(url_for("network.family_ecomap", family_id=family_id))
            form = _tie_form(family_id, people)
            form.label.data = ""
        else:
            status = 200 if wants_fragment() else 422
            return render(None, "network/_ecomap.html", title="Ecomap", **_ecomap_ctx(family, form, people)), status
    else:
        audit.record_read("network_ecomap", family.id, family_id=family.id)
    return render(None, "network/_ecomap.html", title=f"Ecomap gezin {family.label}",
                  **_ecomap_ctx(family, form, people))


@bp.post("/gezin/<int:family_id>/ecomap/<int:tie_id>/verwijderen")
def family_tie_delete(family_id: int, tie_id: int):
    family = require_family(family_id, "network_eco_tie", tie_id)
    tie = db.session.get(EcoTie, tie_id)
    if tie is None or tie.family_id != family.id:
        abort(404)
    db.session.delete(tie)
    audit.record("archive", "network_eco_tie", tie_id, family_id=family.id)
    db.session.commit()
    if wants_fragment():
        people = _family_people(family_id)
        return render_template("network/_ecomap.html", **_ecomap_ctx(family, _tie_form(family_id, people), people))
    return redirect(url_for("network.family_ecomap", family_id=family_id))


@bp.get("/gezin/<int:family_id>/verwijzingen")
def family_referrals(family_id: int):
    family = require_family(family_id, "network_referral")
    referrals = list(db.session.scalars(
        select(Referral).options(selectinload(Referral.organisation))
        .where(Referral.family_id == family.id).order_by(Referral.referred_on.desc(), Referral.id.desc())))
    audit.record_read("network_referral", None, family_id=family.id)
    return render(None, "network/_family_referrals.html", title=f"Verwijzingen gezin {family.label}",
                  family=family, referrals=referrals)


REFERRAL_FIELDS = ["organisation_id", "referred_on", "accompanied", "waiting_status", "outcome", "question", "note"]


@bp.route("/gezin/<int:family_id>/verwijzingen/nieuw", methods=["GET", "POST"], defaults={"ref_id": None})
@bp.route("/gezin/<int:family_id>/verwijzingen/<int:ref_id>", methods=["GET", "POST"])
def referral_edit(family_id: int, ref_id: int | None):
    family = require_family(family_id, "network_referral", ref_id)
    ref = None
    if ref_id is not None:
        ref = db.session.get(Referral, ref_id)
        if ref is None or ref.family_id != family.id:
            abort(404)
    form = ReferralForm()
    form.organisation_id.choices = organisation_choices()
    if request.method == "GET":
        if ref is not None:
            fill_form(form, ref, REFERRAL_FIELDS)
            audit.record_read("network_referral", ref.id, family_id=family.id)
        else:
            form.referred_on.data = date.today()
    save = conflict_safe(form)
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in REFERRAL_FIELDS}
        values["question"] = (values["question"] or "").strip() or None
        values["note"] = (values["note"] or "").strip() or None
        values["accompanied"] = bool(values["accompanied"])
        with save:
            if ref is None:
                ref = Referral(family_id=family.id, source="network", team_id=_user_team_for_family(family_id),
                               created_by_id=current_user.id, **values)
                db.session.add(ref)
                db.session.flush()
                if ref.team_id:
                    register_involvement(family, ref.team_id, "Verwijzing naar een partner", source="network")
                audit.record("create", "network_referral", ref.id, family_id=family.id)
            else:
                save.check(ref)
                changed = [k for k, v in values.items() if getattr(ref, k) != v]
                for k in changed:
                    setattr(ref, k, values[k])
                audit.record("update", "network_referral", ref.id, family_id=family.id, detail=",".join(changed))
        if save.saved:
            flash("Verwijzing opgeslagen.", "success")
            return redirect(url_for("families.show", family_id=family.id))
    return render_template("network/referral_form.html", form=form, family=family, ref=ref), save.status


# --------------------------------------------------------------------------- settings


def _may_manage_settings() -> bool:
    return SETTINGS.may_edit(current_user)


@bp.route("/instellingen", methods=["GET", "POST"])
def settings():
    return SETTINGS.view(title="Instellingen sociale kaart", template="network/settings.html",
                         next_url=url_for("network.directory"), message="Instelling opgeslagen.")
