"""Staff pages of the network plugin: directory, partner pages, relations, map, referrals, ecomap, import/export.

None of these views is a partner view: the core guard answers 404 to partner users and to staff whose
teams did not enable the plugin. Family data is checked with ``core.access.require_family`` and audited.
A view binds a form, calls one operation (``operations``, inside ``conflict_safe``) or query (``queries``)
and renders.
"""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from core import audit
from core.access import require_family
from core.extensions import db
from core.forms import conflict_safe
from core.geo import MUNICIPALITIES
from core.models import ORGANISATION_KIND_LABELS, ORGANISATION_KINDS, Organisation
from core.pagination import page_number as _page_no
from core.params import arg_bool, arg_choice, arg_id, arg_int, arg_str
from core.ui import confirm_first, render, wants_fragment
from core.xlsx import send_xlsx

from . import ecomap, importer, operations, queries
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
    Referral,
    Relation,
    Service,
    change_labels,
)
from .operations import CONTACT_FIELDS, REFERRAL_FIELDS, SERVICE_FIELDS, TIE_FIELDS
from .queries import (
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


def _args_without_page() -> dict:
    return {k: v for k, v in request.args.items() if k != "pagina"}


def _form_values(form, fields) -> dict:
    return {name: form[name].data for name in fields}


def save_new_or_edit(save, record, create, edit):
    """Inside ``save`` (``conflict_safe``): ``create()`` when ``record`` is None, else check the form's version
    against it and ``edit(record)``. Returns the record (the new one after a create)."""
    with save:
        if record is None:
            record = create()
        else:
            save.check(record)
            edit(record)
    return record


def fill_form(form, item, fields) -> None:
    for name in fields:
        getattr(form, name).data = getattr(item, name)
    form.version.data = item.version


# --------------------------------------------------------------------------- directory


@bp.get("/")
def directory():
    f = _directory_filters()
    page = directory_page(f, _page_no())
    contacts, offers = queries.directory_summary([o.id for o, _ in page.items])
    return render_template("network/directory.html", page=page, f=f, contacts=contacts, offers=offers,
                           args=_args_without_page(), sectors=SECTORS, lines=LINES,
                           municipalities=sorted(MUNICIPALITIES), limit=stale_before(), months=stale_months(),
                           is_stale=is_stale, may_manage=SETTINGS.may_edit(current_user))


@bp.get("/tegel")
def widget():
    return render(None, "network/widget.html", title="Netwerk en partners", **queries.widget_counts())


@bp.get("/wijzigingen")
def partner_changes():
    """Recent edits partner users made to their own pages, newest first (paginated in SQL)."""
    return render_template("network/changes.html", page=queries.partner_changes_page(_page_no()), args={})


# --------------------------------------------------------------------------- one partner


@bp.get("/organisatie/<int:org_id>")
def partner_page(org_id: int):
    org = _org_or_404(org_id)
    partner = partner_for(org)
    return render_template("network/partner.html", org=org, partner=partner,
                           contacts=contacts_by_org([org.id])[org.id], services=services_by_org([org.id])[org.id],
                           relations=relations_of(org.id), stats=referral_stats([org.id]).get(org.id),
                           changes=queries.recent_changes(org.id), stale=is_stale(partner), months=stale_months(),
                           portal_users=queries.portal_users(org.id), kind_labels=ORGANISATION_KIND_LABELS)


PARTNER_FIELDS = ["name", "sector", "line", "municipalities", *operations.PROFILE_FIELDS]


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
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            org = operations.create_partner(_form_values(form, PARTNER_FIELDS), kind=kind, user=current_user)
        if save.saved:
            flash("Organisatie toegevoegd.", "success")
            return redirect(url_for("network.partner_page", org_id=org.id))
    return render_template("network/partner_form.html", form=form, org=None, kinds=ORGANISATION_KINDS,
                           kind=kind), save.status


@bp.route("/organisatie/<int:org_id>/bewerken", methods=["GET", "POST"])
def partner_edit(org_id: int):
    org = _org_or_404(org_id)
    partner = partner_for(org)
    form = PartnerForm()
    if request.method == "GET":
        fill_form(form, partner or queries.default_partner(org), operations.PROFILE_FIELDS)
        form.name.data = org.name
        form.line.data = str(form.line.data)
        form.municipalities.data = (partner or queries.default_partner(org)).municipality_list
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            if partner is not None:  # also a profile made since the form was opened: the form has no version
                save.check(partner)
            operations.edit_partner(org, _form_values(form, PARTNER_FIELDS), user=current_user)
        if save.saved:
            flash("Gegevens opgeslagen.", "success")
            return redirect(url_for("network.partner_page", org_id=org.id))
    return render_template("network/partner_form.html", form=form, org=org, kinds=None, kind=None), save.status


@bp.post("/organisatie/<int:org_id>/nagekeken")
def partner_verified(org_id: int):
    org = _org_or_404(org_id)
    with conflict_safe(flash_message=True) as save:
        operations.confirm_partner_page(org, user=current_user)
    if save.saved:
        flash("Gemarkeerd als nagekeken vandaag.", "success")
    return redirect(url_for("network.partner_page", org_id=org.id))


# contacts and offers: the same pages for staff and (portal.py) for the organisation's own partner users
ITEMS = {"contact": (Contact, ContactForm, CONTACT_FIELDS, "contactpersoon", "Contactpersoon opgeslagen."),
         "aanbod": (Service, ServiceForm, SERVICE_FIELDS, "aanbod", "Aanbod opgeslagen.")}


def _sub_item(model, org_id: int, item_id: int):
    item = db.session.get(model, item_id)
    if item is None or item.organisation_id != org_id:
        abort(404)
    return item


def item_page(what: str, org: Organisation, item_id: int | None, *, back: str, done: str = ""):
    """Add (``item_id`` None) or edit a contact person (``what="contact"``) or an offer (``"aanbod"``) of
    ``org``; back to ``back`` with the flash message of the kind plus ``done`` when saved."""
    model, form_class, fields, label, message = ITEMS[what]
    item = _sub_item(model, org.id, item_id) if item_id else None
    form = form_class()
    if request.method == "GET" and item is not None:
        fill_form(form, item, fields)
    save = conflict_safe(form)
    if form.validate_on_submit():
        values = _form_values(form, fields)
        save_new_or_edit(save, item, lambda: operations.add_item(model, org, values, user=current_user),
                         lambda it: operations.edit_item(it, values, user=current_user))
        if save.saved:
            flash(f"{message} {done}".strip(), "success")
            return redirect(back)
    return render_template("network/item_form.html", form=form, org=org, item=item, what=label, fields=fields,
                           back=back), save.status


def item_remove(what: str, org: Organisation, item_id: int, *, back: str, done: str = ""):
    """Delete a contact person or an offer of ``org``."""
    item = _sub_item(ITEMS[what][0], org.id, item_id)
    kind = "contactpersoon" if what == "contact" else "aanbod"
    asked = confirm_first(
        title=f"{kind.capitalize()} verwijderen", question=f"{kind.capitalize()} ‘{item.name}’ van {org.name} verwijderen?",
        explanation=f"Het verdwijnt van de sociale kaart en uit het partnerportaal; de wijziging blijft in het "
                    f"logboek van {org.name}.",
        confirm_label="Ja, verwijderen", cancel_url=back)
    if asked:
        return asked
    with conflict_safe(flash_message=True) as save:
        operations.delete_item(item, user=current_user)
    if save.saved:
        flash(f"Verwijderd. {done}".strip(), "success")
    return redirect(back)


@bp.route("/organisatie/<int:org_id>/contact/nieuw", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/organisatie/<int:org_id>/contact/<int:item_id>", methods=["GET", "POST"])
def contact_edit(org_id: int, item_id: int | None):
    org = _org_or_404(org_id)
    return item_page("contact", org, item_id, back=url_for("network.partner_page", org_id=org.id))


@bp.route("/organisatie/<int:org_id>/aanbod/nieuw", methods=["GET", "POST"], defaults={"item_id": None})
@bp.route("/organisatie/<int:org_id>/aanbod/<int:item_id>", methods=["GET", "POST"])
def service_edit(org_id: int, item_id: int | None):
    org = _org_or_404(org_id)
    return item_page("aanbod", org, item_id, back=url_for("network.partner_page", org_id=org.id))


@bp.post("/organisatie/<int:org_id>/<any(contact, aanbod):what>/<int:item_id>/verwijderen")
def item_delete(org_id: int, what: str, item_id: int):
    org = _org_or_404(org_id)
    return item_remove(what, org, item_id, back=url_for("network.partner_page", org_id=org.id))


# --------------------------------------------------------------------------- relations


@bp.get("/relaties")
def relations():
    kind = arg_choice("soort", RELATION_KIND_LABELS, "")
    page = queries.relations_page(_page_no(), kind=kind, review_due=arg_bool("evalueren"))
    return render_template("network/relations.html", page=page, kind=kind, kinds=RELATION_KINDS,
                           args=_args_without_page(), today=date.today())


FORM_RELATION_FIELDS = [f for f in operations.RELATION_FIELDS if f != "structural"]


@bp.route("/relaties/nieuw", methods=["GET", "POST"], defaults={"rel_id": None})
@bp.route("/relaties/<int:rel_id>", methods=["GET", "POST"])
def relation_edit(rel_id: int | None):
    rel = None
    if rel_id is not None:
        rel = db.session.get(Relation, rel_id)
        if rel is None:
            abort(404)
    form = RelationForm()
    form.source_id.choices = form.target_id.choices = organisation_choices()
    if request.method == "GET":
        if rel is not None:
            fill_form(form, rel, FORM_RELATION_FIELDS)
            form.structural.data = "1" if rel.structural else "0"
        else:
            form.source_id.data = arg_id("van")
    save = conflict_safe(form)
    if form.validate_on_submit():
        values = _form_values(form, FORM_RELATION_FIELDS) | {"structural": form.structural.data == "1"}
        rel = save_new_or_edit(save, rel, lambda: operations.add_relation(values, user=current_user),
                               lambda r: operations.edit_relation(r, values, user=current_user))
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
    asked = confirm_first(
        title="Relatie verwijderen",
        question=f"De relatie tussen {rel.source.name} en {rel.target.name} verwijderen?",
        explanation="Ze verdwijnt van de netwerkkaart en uit de lijsten. Het logboek houdt bij wie ze verwijderde.",
        confirm_label="Ja, verwijderen", cancel_url=url_for("network.relation_edit", rel_id=rel.id))
    if asked:
        return asked
    with conflict_safe(flash_message=True) as save:
        operations.delete_relation(rel, user=current_user)
    if save.saved:
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
    found = queries.organisation_named(name)
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
    return current_app.response_class(queries.map_json(f), mimetype="application/json")


# --------------------------------------------------------------------------- referrals: per partner


@bp.get("/verwijzingen")
def referral_overview():
    page, orgs, stats = queries.referral_overview(_page_no())
    return render_template("network/referral_overview.html", page=page, orgs=orgs, stats=stats, args={})


# --------------------------------------------------------------------------- import / export


@bp.route("/import", methods=["GET", "POST"])
def import_partners():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        report = importer.parse_file(form.file.data)
        if report.fatal:
            form.file.errors = list(form.file.errors) + [report.fatal]
        else:
            with conflict_safe(form):
                report.created, report.updated = operations.import_partners(
                    report.rows, rejected=len(report.rejected), user=current_user)
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


def _tie_form(people) -> TieForm:
    form = TieForm()
    form.person_id.choices = [(0, "Het hele gezin")] + [(p.id, p.given_name) for p in people]
    return form


def _org_picker_ctx(query: str, chosen_id: int | None, page: int = 1) -> dict:
    """What the organisation picker shows: the chosen organisation and a page of what the search found."""
    chosen = db.session.get(Organisation, chosen_id) if chosen_id else None
    return dict(org_query=query, orgs=queries.pick_organisations(query, page), chosen_org=chosen)


def _ecomap_ctx(family, form, people):
    ties = queries.family_ties(family.id)
    names = {p.id: p.given_name for p in people}
    return dict(family=family, ties=ties, form=form, drawing=ecomap.layout(family.label, ties, names),
                names=names, **_org_picker_ctx("", form.organisation_id.data))


def _tie_of(family, tie_id: int) -> EcoTie:
    tie = db.session.get(EcoTie, tie_id)
    if tie is None or tie.family_id != family.id:
        abort(404)
    return tie


@bp.route("/gezin/<int:family_id>/ecomap", methods=["GET", "POST"])
def family_ecomap(family_id: int):
    family = require_family(family_id, "network_ecomap")
    people = queries.family_children(family_id)
    form = _tie_form(people)
    if request.method == "GET":
        audit.record_read("network_ecomap", family.id, family_id=family.id)
        return render(None, "network/_ecomap.html", title=f"Ecomap gezin {family.label}",
                      **_ecomap_ctx(family, form, people))
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            operations.add_tie(family, _form_values(form, TIE_FIELDS), user=current_user)
        if save.saved:
            if not wants_fragment():
                flash("Band toegevoegd aan de ecomap.", "success")
                return redirect(url_for("network.family_ecomap", family_id=family_id))
            form = _tie_form(people)
            form.label.data = ""
            return render(None, "network/_ecomap.html", title=f"Ecomap gezin {family.label}",
                          **_ecomap_ctx(family, form, people))
    status = 200 if wants_fragment() else 422  # htmx swaps only a 2xx answer
    return render(None, "network/_ecomap.html", title="Ecomap", **_ecomap_ctx(family, form, people)), status


@bp.get("/gezin/<int:family_id>/ecomap/organisaties")
def family_tie_organisations(family_id: int):
    """The ecomap's organisation picker (htmx): a page of organisations whose name holds ``organisatie``."""
    family = require_family(family_id, "network_ecomap")
    return render(None, "network/_org_options.html", title=f"Organisaties · ecomap gezin {family.label}",
                  family=family, **_org_picker_ctx(arg_str("organisatie", max_len=100),
                                                   arg_int("organisation_id", None, min=0),
                                                   _page_no()))


@bp.route("/gezin/<int:family_id>/ecomap/<int:tie_id>", methods=["GET", "POST"])
def family_tie_edit(family_id: int, tie_id: int):
    family = require_family(family_id, "network_eco_tie", tie_id)
    tie = _tie_of(family, tie_id)
    people = queries.family_children(family_id)
    form = _tie_form(people)
    if request.method == "GET":
        fill_form(form, tie, TIE_FIELDS)
        form.person_id.data = tie.person_id or 0
        form.organisation_id.data = tie.organisation_id or 0
        audit.record_read("network_eco_tie", tie.id, family_id=family.id)
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            save.check(tie)
            operations.edit_tie(tie, family, _form_values(form, TIE_FIELDS), user=current_user)
        if save.saved:
            flash("Band gewijzigd.", "success")
            return redirect(url_for("families.show", family_id=family.id))
    return render_template("network/tie_form.html", form=form, family=family, tie=tie,
                           **_org_picker_ctx("", form.organisation_id.data)), save.status


@bp.post("/gezin/<int:family_id>/ecomap/<int:tie_id>/verwijderen")
def family_tie_delete(family_id: int, tie_id: int):
    family = require_family(family_id, "network_eco_tie", tie_id)
    tie = _tie_of(family, tie_id)
    asked = confirm_first(
        title="Band verwijderen", question=f"De band ‘{tie.label}’ van het ecogram verwijderen?",
        explanation="Ze verdwijnt van het ecogram van het gezin. Opnieuw toevoegen kan altijd.",
        confirm_label="Ja, verwijderen", cancel_url=url_for("families.show", family_id=family_id))
    if asked:
        return asked
    with conflict_safe(flash_message=True):
        operations.end_tie(tie, family, user=current_user)
    if wants_fragment():
        people = queries.family_children(family_id)
        return render_template("network/_ecomap.html", **_ecomap_ctx(family, _tie_form(people), people))
    return redirect(url_for("network.family_ecomap", family_id=family_id))


@bp.get("/gezin/<int:family_id>/verwijzingen")
def family_referrals(family_id: int):
    family = require_family(family_id, "network_referral")
    referrals = queries.family_referrals(family.id)
    audit.record_read("network_referral", None, family_id=family.id)
    return render(None, "network/_family_referrals.html", title=f"Verwijzingen gezin {family.label}",
                  family=family, referrals=referrals)


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
        values = _form_values(form, REFERRAL_FIELDS)
        save_new_or_edit(save, ref, lambda: operations.record_referral(
            family, values, user=current_user, team_id=queries.team_for_family(current_user, family.id)),
            lambda r: operations.edit_referral(r, values, user=current_user))
        if save.saved:
            flash("Verwijzing opgeslagen.", "success")
            return redirect(url_for("families.show", family_id=family.id))
    return render_template("network/referral_form.html", form=form, family=family, ref=ref), save.status


# --------------------------------------------------------------------------- settings


@bp.route("/instellingen", methods=["GET", "POST"])
def settings():
    """Managers of a team with the plugin and admins set the months after which data are "possibly out of date"."""
    if not SETTINGS.may_edit(current_user):
        abort(403)
    form = SETTINGS.make_form()
    save = conflict_safe(form)
    if form.validate_on_submit():
        with save:
            operations.change_settings(form.data, user=current_user)
        if save.saved:
            flash("Instelling opgeslagen.", "success")
            return redirect(url_for("network.directory"))
    return render_template("network/settings.html", form=form, title="Instellingen sociale kaart",
                           settings=SETTINGS), save.status
