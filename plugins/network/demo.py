"""Demo data of the network plugin: about 150 fictional organisations in and around Genk, As, Oudsbergen and
Zutendaal (1,000 at large scales) with profiles, contacts, offers and relations; referrals and ecomaps for
some families; consents and referrals to the partner school so its user sees the portal at work.

Deterministic (seeded) and written with bulk inserts. Names are made up by combining words.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import func, insert, select

from core.demo_data import FAMILY_NAMES, GIVEN_PARENT, enable_for_teams
from core.demo_story import PARENTING, RECEPTION, TRAJECTORIES, bulk_insert, story_for
from core.models import Involvement, Organisation, fold

from .models import SECTOR_FOR_KIND, Contact, EcoTie, Partner, PartnerChange, Referral, Relation, Service

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
    "leerlingenbegeleiding": ("clb", 1, ["CLB-antenne {m}"],
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
# districts: an organisation named after one lies in its municipality
DISTRICTS = {"Waterschei": "Genk", "Winterslag": "Genk", "Zwartberg": "Genk", "Termien": "Genk", "Bret": "Genk",
             "Gelieren": "Genk", "Sledderlo": "Genk", "Boxbergheide": "Genk", "Kolderhof": "Genk",
             "Meeuwen": "Oudsbergen", "Opglabbeek": "Oudsbergen"}
# contact roles that fit the organisation: by a word in its name first, else by sector
ROLES_BY_WORD = {"Logopedie": ["logopedist"], "Huisarts": ["huisarts", "praktijkassistent"],
                 "Kinesitherapie": ["kinesitherapeut"], "kinderpsychologie": ["psycholoog", "onthaalmedewerker"],
                 "Wijkgezondheidscentrum": ["verpleegkundige", "maatschappelijk werker"],
                 "Politie": ["wijkagent"], "Justitiehuis": ["justitieassistent"],
                 "Slachtofferhulp": ["medewerker slachtofferhulp"], "Bibliotheek": ["bibliothecaris"],
                 "Muziekschool": ["directeur", "leerkracht"], "Voedselbank": ["coördinator vrijwilligers"],
                 "Kinderopvang": ["verantwoordelijke kinderopvang"], "Consultatiebureau": ["verpleegkundige"]}
ROLES = {
    "onderwijs": ["zorgcoördinator", "directeur", "leerlingenbegeleider", "brugfiguur"],
    "leerlingenbegeleiding": ["CLB-medewerker", "maatschappelijk werker", "psycholoog", "teamverantwoordelijke"],
    "welzijn": ["maatschappelijk werker", "onthaalmedewerker", "jeugdconsulent", "teamverantwoordelijke"],
    "gezondheid": ["psycholoog", "onthaalmedewerker"],
    "jeugdhulp": ["contextbegeleider", "intakemedewerker", "teamverantwoordelijke"],
    "gezinsondersteuning": ["gezinsondersteuner", "onthaalmedewerker", "coördinator"],
    "handicap": ["intakemedewerker", "begeleider", "teamverantwoordelijke"],
    "vrije_tijd": ["jeugdverantwoordelijke", "trainer", "voorzitter"],
    "lokaal_bestuur": ["beleidsmedewerker jeugd", "coördinator Huis van het Kind", "onthaalmedewerker"],
    "politie_justitie": ["wijkagent", "justitieassistent"],
    "wonen_werk_inkomen": ["woonbegeleider", "trajectbegeleider", "onthaalmedewerker"],
    "informeel": ["coördinator vrijwilligers", "buddy-coördinator", "vrijwilliger"],
}
# who refers to whom: the seeds' routes (school -> CLB, secondary school -> the city's reporting point,
# CLB and reporting point -> the PeTra team) and services that send families on to others
REFERS_TO = {"leerlingenbegeleiding": ("gezondheid", "jeugdhulp", "handicap"),
             "welzijn": ("informeel", "wonen_werk_inkomen", "gezinsondersteuning"),
             "gezinsondersteuning": ("gezondheid", "informeel", "vrije_tijd"),
             "gezondheid": ("jeugdhulp", "handicap"), "jeugdhulp": ("gezondheid", "welzijn")}


def _role(rng, name: str, sector: str) -> str:
    for word, roles in ROLES_BY_WORD.items():
        if word in name:
            return rng.choice(roles)
    return rng.choice(ROLES[sector])
TIE_LABELS_INFORMAL = ["grootmoeder", "grootvader", "tante", "oom", "buurvrouw", "buurman", "beste vriend(in)",
                       "meter", "peter", "nieuwe partner van mama", "oudere zus", "vriendin van mama"]


def _phone(rng: random.Random, mobile: bool) -> str:
    if mobile:
        return f"04{rng.randint(70, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
    return f"089 {rng.randint(30, 89)} {rng.randint(10, 99)} {rng.randint(10, 99)}"


def _slug(text: str) -> str:
    return "".join(c for c in fold(text) if c.isalnum())[:24] or "info"


def load_demo(session, scale: int = 1) -> dict:
    story = story_for(session)
    if story is None:
        return {}
    rng = random.Random(60601)
    enable_for_teams(session, story.team_names(TRAJECTORIES) + story.team_names(PARENTING)
                     + story.team_names(RECEPTION))
    today = story.timeline.today
    target = 150 if scale <= 1 else min(1000, 150 * scale)

    existing = list(session.execute(select(Organisation.id, Organisation.name, Organisation.kind,
                                           Organisation.municipality).order_by(Organisation.id)).all())
    names = {n for _, n, _, _ in existing}
    new_rows = []
    hubs_by_house = {}
    for house in story.houses:
        if house.name not in names:
            new_rows.append({"name": house.name, "kind": "gemeente", "municipality": house.town, "archived": False,
                             "version": 1, "_sector": "gezinsondersteuning"})
            names.add(house.name)
    sectors = list(SECTOR_WEIGHTS)
    weights = [SECTOR_WEIGHTS[s] for s in sectors]
    attempts = 0
    while len(existing) + len(new_rows) < target and attempts < target * 20:
        attempts += 1
        sector = rng.choices(sectors, weights)[0]
        kind, _line, patterns, _offers = TEMPLATES[sector]
        mun = rng.choice(AREA)
        pattern = rng.choice(patterns)
        word = rng.choice(WORDS)
        mun = DISTRICTS.get(word, mun)
        name = pattern.format(w=word, m=mun)
        if "{m}" not in pattern and word not in DISTRICTS and rng.random() < 0.5:
            name = f"{name} {mun}"
        if name in names:
            name = f"{name} {rng.choice(['Noord', 'Zuid', 'Centrum', 'Oost', 'West'])}"
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
    id_of = {n: i for i, n, _s, _m in orgs}
    for house in story.houses:
        hubs_by_house[house.index] = id_of[house.name]
    have_profile = set(session.scalars(select(Partner.organisation_id)))

    partners, contacts, services = [], [], []
    for oid, name, sector, mun in orgs:
        line = TEMPLATES[sector][1]
        if name.startswith(("CGG", "CKG")) or "meldpunt" in name:
            line = 2 if name.startswith(("CGG", "CKG")) else 1
        area = [mun] if mun else ["Genk"]
        if sector in ("leerlingenbegeleiding", "welzijn", "gezondheid", "jeugdhulp") and rng.random() < 0.5:
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
                "organisation_id": oid, "name": f"{given} {family}", "role": _role(rng, name, sector),
                "phone": _phone(rng, rng.random() < 0.5), "email": f"{_slug(given)}.{_slug(family)}@{_slug(name)}.example.be",
                "is_primary": i == 0, "shareable": rng.random() < 0.85, "version": 1,
            })
        offers = TEMPLATES[sector][3]
        for offer in rng.sample(offers, rng.randint(1, min(2, len(offers)))):
            oname, amin, amax, cost, wait = offer
            services.append({"organisation_id": oid, "name": oname, "description": None, "age_min": amin,
                             "age_max": amax, "cost": cost, "cost_note": "volgens inkomen" if cost == "betalend" else None,
                             "waiting_time": wait, "shareable": rng.random() < 0.9, "version": 1})

    # the partner school's user kept its own page up to date: contacts and an offer changed, with history
    changes = []
    linde = story.partner_org_id
    if linde is not None:
        mine = [c for c in contacts if c["organisation_id"] == linde]
        mine[0].update(role="zorgcoördinator")
        old_phone, mine[0]["phone"] = mine[0]["phone"], _phone(rng, True)
        when = datetime.combine(today - timedelta(days=40), time(10, 12))
        changes.append(dict(organisation_id=linde, user_id=story.partner_user_id, at=when, object_type="contact",
                            object_id=None, action="update", field="phone", old_value=old_phone,
                            new_value=mine[0]["phone"]))
        contacts.append({"organisation_id": linde, "name": "Pascale Zorgcoördinator", "role": "brugfiguur",
                         "phone": _phone(rng, True), "email": "pascale@basisschooldelinde.example.be",
                         "is_primary": False, "shareable": True, "version": 1})
        changes.append(dict(organisation_id=linde, user_id=story.partner_user_id, at=when + timedelta(minutes=3),
                            object_type="contact", object_id=None, action="create", field=None, old_value=None,
                            new_value="Pascale Zorgcoördinator"))
        services.append({"organisation_id": linde, "name": "Brugfiguur voor ouders", "description":
                         "Laagdrempelig aanspreekpunt voor ouders op school, ook in het Turks en Arabisch.",
                         "age_min": 3, "age_max": 12, "cost": "gratis", "cost_note": None, "waiting_time": "geen",
                         "shareable": True, "version": 1})
        changes.append(dict(organisation_id=linde, user_id=story.partner_user_id, at=when + timedelta(days=12),
                            object_type="service", object_id=None, action="update", field="waiting_time",
                            old_value="2 weken", new_value="geen"))
        changes.append(dict(organisation_id=linde, user_id=story.partner_user_id, at=when + timedelta(days=12, hours=1),
                            object_type="profile", object_id=None, action="update", field="last_verified",
                            old_value=None, new_value=today.isoformat()))
        for p in partners:
            if p["organisation_id"] == linde:
                p["last_verified"] = (when + timedelta(days=12)).date()
    bulk_insert(session, Partner, partners)
    bulk_insert(session, Contact, contacts)
    bulk_insert(session, Service, services)
    bulk_insert(session, PartnerChange, changes)

    relations = _relations(rng, story, orgs, hubs_by_house, today)
    bulk_insert(session, Relation, relations)

    # referrals the story decided (reception and the trajectory team referring families on), and ecomaps
    referrals = []
    for r in story.referrals:
        referrals.append({
            "family_id": r.family_id, "organisation_id": r.organisation_id, "referred_on": r.on,
            "accompanied": r.accompanied, "waiting_status": r.waiting_status, "outcome": r.outcome,
            "question": r.question, "note": ("Interne notitie: ouders vragen een tolk bij het eerste gesprek."
                                             if r.family_id % 4 == 0 else None),
            "source": "network", "source_ref": r.trajectory_ref, "team_id": r.house.teams[r.team_key],
            "created_at": datetime.combine(r.on, time(11)), "version": 1})
    team_of: dict[int, int] = {}
    for fid, tid in session.execute(select(Involvement.family_id, Involvement.team_id)
                                    .where(Involvement.ended_at.is_(None)).order_by(Involvement.id)):
        team_of.setdefault(fid, tid)
    services_for_ties = [o for o in orgs if o[2] in ("gezondheid", "jeugdhulp", "welzijn", "gezinsondersteuning",
                                                     "vrije_tijd", "informeel")] or orgs
    ties = []
    for t in story.trajectories:
        if t.archive or not t.start_on or t.family_id not in team_of or rng.random() > 0.35:
            continue
        for _ in range(rng.randint(3, 6)):
            informal = rng.random() < 0.6
            org = rng.choice(services_for_ties)
            ties.append({"family_id": t.family_id, "person_id": t.child_id if rng.random() < 0.5 else None,
                         "kind": "informeel" if informal else "dienst",
                         "label": rng.choice(TIE_LABELS_INFORMAL) if informal else org[1][:160],
                         "organisation_id": None if informal else org[0],
                         "strength": rng.choice(["sterk", "gewoon", "gewoon", "zwak", "stressvol"]),
                         "team_id": team_of[t.family_id], "created_by_id": t.lead,
                         "created_at": datetime.combine(t.start_on, time(15)), "version": 1})
    bulk_insert(session, Referral, referrals)
    bulk_insert(session, EcoTie, ties)
    for step in STEPS:
        step(session, story)
    session.flush()
    return {"organisations": len(orgs), "relations": len(relations), "referrals": len(referrals)}


# Further demo parts of this plugin, each step(session, story), run after the rows above (one line each).
STEPS: list = []


def _relations(rng, story, orgs, hubs_by_house, today) -> list[dict]:
    """Relations that make sense: the seeds' referral routes, agreements of the house with welfare and care
    partners, shared offers with leisure and volunteers, and consultation between care partners in one area;
    about 8% of organisations stay islands."""
    relations, pairs = [], set()

    def add(s, t, kind, structural=True, agreement=False, description=None):
        if s is None or t is None or s == t or (s, t) in pairs or (t, s) in pairs:
            return
        pairs.add((s, t))
        start = today - timedelta(days=rng.randint(60, 1500)) if agreement else None
        relations.append({
            "source_id": s, "target_id": t, "kind": kind,
            "direction": "heen" if kind == "verwijsroute" else "wederzijds", "structural": structural,
            "description": description,
            "privacy_terms": "Enkel gegevens delen met schriftelijke toestemming van de ouders; doelgebonden en "
                             "minimaal." if agreement else None,
            "secrecy_terms": "Gedeeld beroepsgeheim enkel binnen het overleg, in het belang van het kind." if agreement else None,
            "start_date": start, "end_date": start + timedelta(days=365 * 3) if agreement and rng.random() < 0.5 else None,
            "review_date": (today + timedelta(days=rng.randint(-30, 300))) if agreement else None, "version": 1,
        })

    house_of_mun = {h.town: h for h in story.houses}
    genk = story.houses[0]
    # the seeds' routes first: CLB and the city's reporting point to the trajectory team, schools to the CLB
    for h in story.houses:
        hub = hubs_by_house[h.index]
        add(h.clb, hub, "verwijsroute", description="Aanmelding voor een pedagogisch traject (het CLB als draaischijf)")
        add(h.meldpunt, hub, "verwijsroute", description="Aanmeldingen uit het secundair onderwijs via het meldpunt")
        for sid in h.schools["lager"]:
            add(sid, h.clb, "verwijsroute", description="Zorgvragen over leerlingen gaan via het CLB")
        for sid in h.schools["secundair"]:
            add(sid, h.meldpunt, "verwijsroute", description="Aanmeldingsformulier via het stedelijk meldpunt")
            add(sid, h.clb, "consult")
        if h.ocmw:
            add(hub, h.ocmw, "samenwerkingsakkoord", agreement=True)
    if story.partner_org_id:
        add(hubs_by_house[0], story.partner_org_id, "samenwerkingsakkoord", agreement=True)
    clbs = [o for o in orgs if o[2] == "leerlingenbegeleiding"]
    by_sector: dict[str, list] = {}
    for o in orgs:
        by_sector.setdefault(o[2], []).append(o)
    hub_ids = set(hubs_by_house.values())
    islands = set(rng.sample([o[0] for o in orgs if o[0] not in hub_ids], max(1, len(orgs) // 12)))
    for oid, _name, sector, mun in orgs:
        if oid in islands or oid in hub_ids:
            continue
        house = house_of_mun.get(mun, genk)
        hub = hubs_by_house[house.index]
        if sector == "onderwijs":
            near = [c for c in clbs if c[3] == mun] or [(house.clb,)]
            add(oid, near[0][0], "verwijsroute", description="Zorgvragen over leerlingen gaan via het CLB")
        elif sector in ("welzijn", "jeugdhulp", "gezinsondersteuning", "gezondheid") and rng.random() < 0.6:
            add(hub, oid, rng.choice(["samenwerkingsakkoord", "consult"]), agreement=rng.random() < 0.5)
        elif sector in ("vrije_tijd", "informeel") and rng.random() < 0.4:
            add(hub, oid, "gedeeld_aanbod", structural=rng.random() < 0.5)
        if sector in REFERS_TO:
            targets = [o for s in REFERS_TO[sector] for o in by_sector.get(s, []) if o[0] not in islands]
            near = [o for o in targets if o[3] == mun] or targets
            for other in rng.sample(near, min(len(near), rng.randint(1, 2))):
                add(oid, other[0], "verwijsroute", structural=rng.random() < 0.7)
        if sector in ("welzijn", "jeugdhulp", "gezondheid", "gezinsondersteuning"):
            peers = [o for o in by_sector.get(sector, []) if o[3] == mun and o[0] != oid and o[0] not in islands]
            if peers and rng.random() < 0.5:
                add(oid, rng.choice(peers)[0], "consult", structural=False)
    return relations
