"""Benchmark of the network plugin: demo data at a scale (1,000 organisations from scale 7 up), then timings,
query counts and sizes of the directory, the network map (HTML and JSON) and the partner portal.

Prints figures; never passes or fails on time.

    HVHK_PLUGINS=network python bench/network_bench.py --scale 10 [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

from common import load_plugin_demo, login_client, page_table, plugin_bench
from sqlalchemy import select


def main() -> None:
    app, args = plugin_bench("network")

    from core.extensions import db
    from core.models import Organisation
    from plugins.network.demo import load_demo
    from plugins.network.models import Contact, EcoTie, Referral, Relation, Service

    with app.app_context():
        load_plugin_demo("network", load_demo, args.scale, (Organisation, Contact, Service, Relation, Referral, EcoTie))
        clb = db.session.scalar(select(Organisation.id).where(Organisation.name == "CLB Genk"))
        fam = db.session.scalar(select(Referral.family_id).order_by(Referral.id))
        db.session.remove()

    page_table(app, login_client(app, "worker"), [
        "/netwerk/", "/netwerk/?pagina=20", "/netwerk/?sector=gezondheid&gemeente=Genk", "/netwerk/?aanbod=logopedie",
        "/netwerk/?verouderd=1", f"/netwerk/organisatie/{clb}", "/netwerk/kaart.json", "/netwerk/kaart",
        "/netwerk/kaart?soort=samenwerkingsakkoord", "/netwerk/relaties", "/netwerk/verwijzingen",
        f"/netwerk/gezin/{fam}/verwijzingen", f"/netwerk/gezin/{fam}/ecomap", "/netwerk/export.xlsx",
        "/zoeken?q=clb"], args.repeat, size=True)
    page_table(app, login_client(app, "partner"), [
        "/netwerk/portaal/", "/netwerk/portaal/mijn-organisatie", "/netwerk/portaal/afspraken",
        "/netwerk/portaal/verwijzingen"], args.repeat, size=True)


if __name__ == "__main__":
    main()
