"""The network plugin's section of the house's report (``hvhk_report_figures``): outgoing referrals by partner
and by sector, warm handovers. Counts only, SQL aggregates (three queries), no names of people."""

from __future__ import annotations

from sqlalchemy import case, func, literal, select

from core.extensions import db
from core.models import FamilyMember, Organisation
from core.reports import Section, Table, in_period

from .models import SECTOR_LABELS, Partner, Referral

TOP_PARTNERS = 20


def report_figures(period, team_ids) -> Section:
    scope = [in_period(Referral.referred_on, period)]
    if team_ids is not None:
        scope.append(Referral.team_id.in_(list(team_ids) or [-1]))
    by_partner = db.session.execute(
        select(Organisation.name, func.count()).select_from(Referral).join(Organisation, Organisation.id == Referral.organisation_id)
        .where(*scope).group_by(Organisation.name).order_by(func.count().desc(), Organisation.name)
        .limit(TOP_PARTNERS)).all()
    by_sector = db.session.execute(
        select(Partner.sector, func.count()).select_from(Referral)
        .outerjoin(Partner, Partner.organisation_id == Referral.organisation_id)
        .where(*scope).group_by(Partner.sector).order_by(func.count().desc())).all()
    total, warm = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((Referral.accompanied.is_(True), 1), else_=0)), 0))
        .select_from(Referral).where(*scope)).one()
    # the children of the families referred count as reached by the house
    people = (select(FamilyMember.person_id.label("person_id"), Referral.family_id.label("family_id"),
                     literal("kind").label("role"), Referral.team_id.label("team_id"),
                     Referral.referred_on.label("since"))
              .join(FamilyMember, (FamilyMember.family_id == Referral.family_id) & (FamilyMember.role == "kind"))
              .where(*scope, Referral.team_id.is_not(None)))
    return Section("network", "Netwerk en doorverwijzingen", [
        Table(f"Doorverwijzingen per partner (de {TOP_PARTNERS} grootste)", [(n, int(c)) for n, c in by_partner],
              chart=True),
        Table("Doorverwijzingen per sector", [(SECTOR_LABELS.get(s, s or "(geen partnerfiche)"), int(c))
                                              for s, c in by_sector], chart=True),
        Table("Warme overdracht", [("Doorverwijzingen", int(total)), ("Met warme overdracht", int(warm)),
                                   ("Zonder", int(total) - int(warm))]),
    ], people=people, order=30)
