"""Demo data of the network plugin: about 150 fictional organisations in and around Genk, As, Oudsbergen and
Zutendaal (1,000 at large scales) with profiles, contacts, offers and relations; referrals and ecomaps for
some families; consents and referrals to the partner school so its user sees the portal at work.

Deterministic (seeded) and written with bulk inserts. Names are made up by combining words.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from core.demo_data import FAMILY_NAMES, GIVEN_PARENT, enable_for_teams
from core.models import Consent, Family, FamilyMember, Involvement, Organisation, Person, Team, fold

from .models import SECTOR_FOR_KIND, Contact, EcoTie, Partner, Referral, Relation, Service

AREA = ["Genk", "Genk", "Genk", "As", "Oudsbergen", "Zutendaal", "Hasselt", "Maasmechelen",
        "Houthalen-Helchteren", "Zonhoven", "Diepenbeek", "Lanaken", "Bilzen-Hoeselt"]
CARE_ZONE = {"Genk": "ELZ Kempenland-Genk", "As": "ELZ Kempenland-Genk", "Oudsbergen": "ELZ Noord-Limburg",
             "Zutendaal": "ELZ Kempenland-Genk", "Hasselt": "ELZ Hasselt", "Maasmechelen": "ELZ Maasland",
             "Houthalen-Helchteren": "ELZ Noord-Limburg", "Zonhoven": "ELZ Hasselt", "Diepenbeek": "ELZ Hasselt",
             "Lanaken": "ELZ Maasland", "Bilzen-Hoeselt": "ELZ Haspengouw"}
WORDS = ["De Regenboog", "Het Anker", "De Toekomst", "Zonnebloem", "De Wegwijzer", "Kolibrie", "De Horizon",
         "De Klimop", "Het Klaverblad", "De Kameleon", "Sterrenhemel", "De Vlieger", "Het Kompas", "De Brug",
         "Vlinderhof", "De Bron", "Het Nest", "De Springplank", "Zevensprong", "De Boomhut", "Lindehof",
         "Heidebloem", "Mijnstreek", "De Kei", "Bosrand", "Vennehof", "Kolderhof", "Waterschei", "Winterslag",
         "Zwartberg", "Termien", "Bret", "Gelieren", "Sledderlo", "Boxbergheide", "Meeuwen", "Opglabbeek"]
# sector -> (kind, line, name templates, offers (name, age_min, age_max, cost, waiting))
TEMPLATES = {
    "onderwijs": ("school", 1, ["Basisschool {w}", "Kleuterschool {w}", "Secundaire school {w}", "Academie {w}"],
                  [("Zorgoverleg met ouders", 3, 12, "gratis", None), ("Huiswerkbegeleiding", 6, 14, "gratis", None),
                   ("Brugfiguur voor ouders", 3, 14, "gratis", None)]),
    "leerlingenbegeleiding": ("clb", 1, ["CLB-antenne {w}"],
                              [("Leerlingenbegeleiding", 3, 18, "gratis", "1 week"),
                               ("Onthaal schoolvragen", 3, 18, "gratis", None)]),
    "welzijn": ("caw", 1, ["Sociaal huis {m}", "Buurtwerk {w}", "Welzijnsschakel {w}", "JAC-antenne {w}"],
                [("Onthaal en eerste hulpvragen", None, None, "gratis", "geen"),
                 ("Budgetbegeleiding", 18, None, "gratis", "4 weken"), ("Jongerenonthaal", 12, 25, "gratis", "1 week")]),
    "gezondheid": ("cgg", 2, ["Huisartsenpraktijk {w}", "Logopediepraktijk {w}", "Centrum voor kinderpsychologie {w}",
                              "Kinesitherapie {w}", "Wijkgezondheidscentrum {w}"],
                   [("Ontwikkelingsonderzoek", 0, 12, "betalend", "3 maanden"),
                    ("Kinder- en jongerenpsychologie", 6, 18, "betalend", "8 weken"),
                    ("Logopedie", 3, 16, "betalend", "6 weken")]),
    "jeugdhulp": ("andere", 2, ["Contextbegeleiding {w}", "Thuisbegeleiding {w}", "Dagcentrum {w}",
                                "Kortdurende opvang {w}"],
                  [("Contextbegeleiding aan huis", 0, 18, "gratis", "10 weken"),
                   ("Dagbegeleiding in groep", 6, 14, "gratis", "3 maanden"), ("Crisisopvang", 0, 18, "gratis", "geen")]),
    "gezinsondersteuning": ("kind_en_gezin", 1, ["Kinderopvang {w}", "Consultatiebureau {w}", "Speel-o-theek {w}",
                                                 "Ontmoetingsplek {w}"],
                            [("Consultatiebureau", 0, 3, "gratis", None), ("Speel- en ontmoetingsmoment", 0, 6, "gratis", None),
                             ("Opvoedingsondersteuning", 0, 18, "gratis", "2 weken")]),
    "handicap": ("andere", 2, ["Multifunctioneel centrum {w}", "Thuisbegeleidingsdienst {w}"],
                 [("Rechtstreeks toegankelijke hulp", 0, 21, "gratis", "6 maanden"),
                  ("Mobiele begeleiding", 0, 21, "betalend", "4 maanden")]),
    "vrije_tijd": ("andere", 0, ["Voetbalclub {w}", "Zwemclub {w}", "Chiro {w}", "Scouts {w}", "KSA {w}",
                                 "Jeugdhuis {w}", "Muziekschool {w}", "Turnkring {w}", "Bibliotheek {m}"],
                   [("Wekelijkse activiteit", 6, 16, "betalend", None), ("Zomerkamp", 8, 16, "betalend", None),
                    ("Vrijetijdspas-korting", 3, 18, "gratis", None)]),
    "lokaal_bestuur": ("gemeente", 1, ["Dienst Jeugd {m}", "Dienst Welzijn {m}", "Huis van het Kind {m}"],
                       [("Vrijetijdsaanbod voor kinderen", 3, 18, "betalend", None),
                        ("Loket kinderopvang", 0, 12, "gratis", None)]),
    "politie_justitie": ("andere", 2, ["Politie wijkpost {w}", "Justitiehuis {m}", "Slachtofferhulp {m}"],
                         [("Wijkagent", None, None, "gratis", None), ("Herstelgericht aanbod", 12, 18, "gratis", "4 weken")]),
    "wonen_werk_inkomen": ("andere", 1, ["Sociaal verhuurkantoor {w}", "Trajectbegeleiding werk {w}",
                                         "Kringwinkel {w}"],
                           [("Woonbegeleiding", 18, None, "gratis", "8 weken"), ("Begeleiding naar werk", 18, None, "gratis", "2 weken")]),
    "informeel": ("andere", 0, ["Vrijwilligerspunt {w}", "Buddywerking {w}", "Huiswerkklas {w}", "Buurtmoeders {w}",
                                "Voedselbank {m}"],
                  [("Buddy voor een gezin", 0, 18, "gratis", "6 weken"), ("Huiswerkklas", 6, 14, "gratis", None),
                   ("Voedselpakket", None, None, "gratis", None)]),
}
SECTOR_WEIGHTS = {"onderwijs": 18, "leerlingenbegeleiding": 3, "welzijn": 12, "gezondheid": 12, "jeugdhulp": 8,
                  "gezinsondersteuning": 10, "handicap": 4, "vrije_tijd": 18, "lokaal_bestuur": 4,
                  "politie_justitie": 3, "wonen_werk_inkomen": 4, "informeel": 8}
ROLES = ["zorgcoördinator", "directeur", "maatschappelijk werker", "onthaalmedewerker", "teamverantwoordelijke",
         "psycholoog", "brugfiguur", "jeugdconsulent", "trainer", "coördinator vrijwilligers"]
TIE_LABELS_INFORMAL = ["grootmoeder", "grootvader", "tante", "oom", "buurvrouw", "buurman", "beste vriend(in)",
                       "meter", "peter", "nieuwe partner van mama", "oudere zus", "vriendin van mama"]


def _phone(rng: random.Random, mobile: bool) -> str:
    if mobile:
        return f"04{rng.randint(70, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
    return f"089 {rng.randint(30, 89)} {rng.randint(10, 99)} {rng.randint(10, 99)}"


def _slug(text: str) -> str:
    return "".join(c for c in fold(text) if c.isalnum())[:24] or "info"


def load_demo(session, scale: int = 1) -> dict:
    rng = random.Random(60601)
    enable_for_teams(session, ["PeTra", "Opvoedingswinkel", "Onthaal"])
    today = date.today()
    target = 150 if scale <= 1 else min(1000, 150 * scale)

    existing = list(session.execute(select(Organisation.id, Organisation.name, Organisation.kind,
                                           Organisation.municipality)).all())
    names = {n for _, n, _, _ in existing}
    new_rows = []
    hub_name = "Huis van het Kind Genk - Campus O3"
    if hub_name not in names:
        new_rows.append({"name": hub_name, "kind": "gemeente", "municipality": "Genk", "archived": False,
                         "version": 1, "_sector": "gezinsondersteuning"})
        names.add(hub_name)
    sectors = list(SECTOR_WEIGHTS)
    weights = [SECTOR_WEIGHTS[s] for s in sectors]
    attempts = 0
    while len(existing) + len(new_rows) < target and attempts < target * 20:
        attempts += 1
        sector = rng.choices(sectors, weights)[0]
        kind, _line, patterns, _offers = TEMPLATES[sector]
        mun = rng.choice(AREA)
        pattern = rng.choice(patterns)
        name = pattern.format(w=rng.choice(WORDS), m=mun)
        if "{m}" not in pattern and rng.random() < 0.5:
            name = f"{name} {mun}"
        if name in names:
            name = f"{name} {rng.choice(['Noord', 'Zuid', 'Centrum', 'Oost', 'West', 'II', 'III'])}"
        if name in names:
            continue
        names.add(name)
        new_rows.append({"name": name, "kind": kind, "municipality": mun, "archived": False, "version": 1,
                         "_sector": sector})
    before = session.scalar(select(func.max(Organisation.id))) or 0
    if new_rows:
        session.execute(insert(Organisation), [{k: v for k, v in r.items() if k != "_sector"} for r in new_rows])
    added = session.execute(select(Organisation.id, Organisation.name).where(Organisation.id > before)).all()
    sector_of_new = {r["name"]: r["_sector"] for r in new_rows}

    orgs = []  # (id, name, sector, municipality)
    for oid, name, kind, mun in existing:
        orgs.append((oid, name, SECTOR_FOR_KIND.get(kind, "welzijn"), mun))
    mun_of_new = {r["name"]: r["municipality"] for r in new_rows}
    for oid, name in added:
        orgs.append((oid, name, sector_of_new[name], mun_of_new[name]))
    have_profile = set(session.scalars(select(Partner.organisation_id)))

    partners, contacts, services = [], [], []
    for oid, name, sector, mun in orgs:
        line = TEMPLATES[sector][1]
        if name.startswith(("CGG", "CKG")):
            line = 2
        area = [mun] if mun else ["Genk"]
        if rng.random() < 0.35:
            area = sorted(set(area + rng.sample(["Genk", "As", "Oudsbergen", "Zutendaal"], rng.randint(1, 3))))
        verified = today - timedelta(days=rng.choice([rng.randint(5, 300), rng.randint(5, 300), rng.randint(380, 900)]))
        if oid not in have_profile:
            partners.append({
                "organisation_id": oid, "sector": sector, "line": line, "municipalities": "," + ",".join(area) + ",",
                "care_zone": CARE_ZONE.get(mun or "Genk"), "province": "Limburg",
                "website": f"https://www.{_slug(name)}.example.be", "phone": _phone(rng, False),
                "email": f"info@{_slug(name)}.example.be", "description": None, "last_verified": verified,
                "version": 1,
            })
        for i in range(rng.choice([1, 1, 2, 2, 3])):
            given, family = rng.choice(GIVEN_PARENT), rng.choice(FAMILY_NAMES)
            contacts.append({
                "organisation_id": oid, "name": f"{given} {family}", "role": rng.choice(ROLES),
                "phone": _phone(rng, rng.random() < 0.5), "email": f"{_slug(given)}.{_slug(family)}@{_slug(name)}.example.be",
                "is_primary": i == 0, "shareable": rng.random() < 0.85, "version": 1,
            })
        offers = TEMPLATES[sector][3]
        for offer in rng.sample(offers, rng.randint(1, min(2, len(offers)))):
            oname, amin, amax, cost, wait = offer
            services.append({"organisation_id": oid, "name": oname, "description": None, "age_min": amin,
                             "age_max": amax, "cost": cost, "cost_note": "volgens inkomen" if cost == "betalend" else None,
                             "waiting_time": wait, "shareable": rng.random() < 0.9, "version": 1})
    for table, rows in ((Partner, partners), (Contact, contacts), (Service, services)):
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(table), rows[chunk:chunk + 5000])

    # relations: hubs (Campus O3, CLB, OCMW, CGG) with many ties; about 8% of organisations stay islands
    ids_by_sector: dict[str, list[int]] = {}
    for oid, _n, sector, _m in orgs:
        ids_by_sector.setdefault(sector, []).append(oid)
    id_of = {n: i for i, n, _s, _m in orgs}
    org_names_all = {i: n for i, n, _s, _m in orgs}
    hub = id_of.get(hub_name)
    hubs = [id_of[n] for n in ("CLB Genk", "Vrij CLB Limburg-Oost", "OCMW Genk", "CGG Limburg", "CAW Limburg - JAC Genk")
            if n in id_of]
    relations = []
    pairs: set[tuple[int, int]] = set()

    def add(s, t, kind, structural=True, agreement=False):
        if s == t or (s, t) in pairs or (t, s) in pairs:
            return
        pairs.add((s, t))
        start = today - timedelta(days=rng.randint(60, 1500)) if agreement else None
        relations.append({
            "source_id": s, "target_id": t, "kind": kind,
            "direction": "heen" if kind == "verwijsroute" else "wederzijds", "structural": structural,
            "description": None,
            "privacy_terms": "Enkel gegevens delen met schriftelijke toestemming van de ouders; doelgebonden en "
                             "minimaal." if agreement else None,
            "secrecy_terms": "Gedeeld beroepsgeheim enkel binnen het overleg, in het belang van het kind." if agreement else None,
            "start_date": start, "end_date": start + timedelta(days=365 * 3) if agreement and rng.random() < 0.5 else None,
            "review_date": (today + timedelta(days=rng.randint(-30, 300))) if agreement else None, "version": 1,
        })

    islands = set(rng.sample([o[0] for o in orgs if o[0] not in hubs and o[0] != hub], max(1, len(orgs) // 12)))
    for oid, _name, sector, _m in orgs:
        if oid in islands or oid == hub or oid in hubs:
            continue
        if sector == "onderwijs" and hubs:
            add(oid, rng.choice(hubs[:2]), "verwijsroute")
            if hub and rng.random() < 0.5:
                add(hub, oid, "samenwerkingsakkoord", agreement=True)
        elif hub and sector in ("gezinsondersteuning", "welzijn", "jeugdhulp") and rng.random() < 0.7:
            add(hub, oid, rng.choice(["samenwerkingsakkoord", "consult", "gedeeld_aanbod"]),
                agreement=rng.random() < 0.5)
        others = [o for o in rng.sample(orgs, 3) if o[0] not in islands]
        for other in others[: rng.randint(1, 2)]:
            add(oid, other[0], rng.choice(["verwijsroute", "consult", "gedeeld_aanbod", "consult"]),
                structural=rng.random() < 0.6)
    if hub:
        for h in hubs:
            add(hub, h, "coordinatiemandaat" if "CLB" in org_names_all[h] else "samenwerkingsakkoord", agreement=True)
    linde = id_of.get("Basisschool De Linde")
    if hub and linde:
        pairs.discard((hub, linde))
        pairs.discard((linde, hub))
        relations = [r for r in relations if {r["source_id"], r["target_id"]} != {hub, linde}]
        add(hub, linde, "samenwerkingsakkoord", agreement=True)
    for chunk in range(0, len(relations), 5000):
        session.execute(insert(Relation), relations[chunk:chunk + 5000])

    # referrals and ecomaps for families some team works with
    team_ids = {n: i for i, n in session.execute(select(Team.name, Team.id))}
    petra = team_ids.get("PeTra")
    team_of: dict[int, int] = {}
    for fid, tid in session.execute(select(Involvement.family_id, Involvement.team_id)
                                    .where(Involvement.ended_at.is_(None)).order_by(Involvement.id)):
        team_of.setdefault(fid, tid)
    fam_ids = sorted(team_of)
    targets = [o[0] for o in orgs if o[2] in ("gezondheid", "jeugdhulp", "welzijn", "gezinsondersteuning",
                                                "vrije_tijd", "informeel")] or [o[0] for o in orgs]
    referrals, ties = [], []
    for fid in fam_ids:
        if rng.random() < 0.25:
            for _ in range(rng.choice([1, 1, 2])):
                day = today - timedelta(days=rng.randint(3, 500))
                waiting = rng.choice(["registered", "waiting", "started", "started", "not_started"])
                outcome = {"started": rng.choice(["ongoing", "completed"]), "not_started": rng.choice(
                    ["declined", "refused", "referred"])}.get(waiting, "open")
                referrals.append({"family_id": fid, "organisation_id": rng.choice(targets), "referred_on": day,
                                  "accompanied": rng.random() < 0.55, "waiting_status": waiting, "outcome": outcome,
                                  "question": None, "note": None, "source": "network", "source_ref": None,
                                  "team_id": team_of[fid], "version": 1})
        if rng.random() < 0.15:
            for _ in range(rng.randint(3, 7)):
                informal = rng.random() < 0.6
                org = rng.choice(targets)
                ties.append({"family_id": fid, "kind": "informeel" if informal else "dienst",
                             "label": rng.choice(TIE_LABELS_INFORMAL) if informal else "",
                             "organisation_id": None if informal else org,
                             "strength": rng.choice(["sterk", "gewoon", "gewoon", "zwak", "stressvol"]),
                             "team_id": team_of[fid], "version": 1})
    org_names = {o[0]: o[1] for o in orgs}
    for t in ties:
        if t["kind"] == "dienst":
            t["label"] = org_names[t["organisation_id"]][:160]

    # the partner school: three families with referrals, two of them with consent
    if linde:
        pupils = list(session.scalars(
            select(FamilyMember.family_id).join(Person, Person.id == FamilyMember.person_id)
            .where(Person.school_id == linde).distinct().order_by(FamilyMember.family_id).limit(3)))
        consents = []
        for i, fid in enumerate(pupils):
            referrals.append({"family_id": fid, "organisation_id": linde, "referred_on": today - timedelta(days=10 + i),
                              "accompanied": i != 1, "waiting_status": "registered", "outcome": "open",
                              "question": "Samen met school bekijken hoe we de overgang naar de klas na de "
                                          "middagpauze rustiger maken.", "note": "Interne notitie: niet delen.",
                              "source": "network", "source_ref": None, "team_id": petra, "version": 1})
            if i < 2:
                consents.append({"family_id": fid, "organisation_id": linde,
                                 "purpose": "Afstemming met school over de hulpvraag",
                                 "info_kinds": "verwijzing,contactgegevens" if i == 0 else "verwijzing",
                                 "given_on": today - timedelta(days=20)})
        if consents:
            session.execute(insert(Consent), consents)
        with_petra = set(session.scalars(select(Involvement.family_id).where(
            Involvement.team_id == petra, Involvement.family_id.in_(pupils), Involvement.ended_at.is_(None))))
        missing = [fid for fid in pupils if fid not in with_petra]
        if petra and missing:
            session.execute(insert(Involvement), [{"family_id": fid, "team_id": petra, "source": "network",
                                                   "reason": "Afstemming met school (demo)"} for fid in missing])
    for table, rows in ((Referral, referrals), (EcoTie, ties)):
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(table), rows[chunk:chunk + 5000])
    session.flush()
    assert session.scalar(select(func.count(Family.id))) is not None
    return {"organisations": len(orgs), "relations": len(relations), "referrals": len(referrals)}
