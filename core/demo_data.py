"""Core demo data: teams, accounts, organisations and fictional families (about 300 per scale unit).

Every name is made up by combining common first and family names; no real person from the source
documents appears. Deterministic (seeded) and written with bulk inserts so large scales stay fast.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
import sys
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from .models import (
    Family,
    FamilyMember,
    Involvement,
    Membership,
    Organisation,
    Person,
    Team,
    TeamPlugin,
    User,
    fold,
    refresh_family_name_keys,
)
from .settings import plugin_of_module
from .vocabulary import usual_school_place

DEMO_PASSWORD = "huisvanhetkind"

FAMILY_NAMES = [
    "Peeters", "Janssens", "Claes", "Maes", "Jacobs", "Mertens", "Willems", "Goossens", "Wouters", "Lemmens",
    "Vanhoof", "Smeets", "Nijs", "Bosmans", "Kerkhofs", "Schepers", "Hendrickx", "Geerts", "Vos", "Vandeput",
    "Van den Bergh", "Vanderhoven", "Öztürk", "Yılmaz", "Çelik", "Kaya", "Demir", "Şahin", "Aydın", "Arslan",
    "El Amrani", "Benali", "Bouzid", "El Idrissi", "Lombardi", "Esposito", "Russo", "Nowak", "Kowalski",
    "Dubois", "Lefèvre", "Gérard", "Müller", "Schmitz", "Van Loon", "Bollen", "Reynders", "Thijs", "Moors",
    "Stevens", "Vrancken", "Nelissen", "Coenen", "Gielen", "Ramaekers", "Haesen", "Jorissen", "Pirotte",
]
GIVEN_CHILD = [
    "Lotte", "Noor", "Emma", "Lucas", "Finn", "Mila", "Elif", "Yusuf", "Ayşe", "Mohamed", "Sofia", "Giulia",
    "Jonas", "Wout", "Lina", "Zoë", "Chloé", "Matteo", "Amélie", "Seppe", "Kobe", "Nina", "Ilyas", "Marie",
    "Ella", "Liam", "Jules", "Louis", "Hanne", "Febe", "Emir", "Zeynep", "Adam", "Inès", "Noah", "Júlia",
    "Mats", "Lore", "Rayan", "Yasmine", "Stan", "Fien", "Mauro", "Ilias", "Lena", "Arda", "Elise", "Robin",
]
GIVEN_PARENT = [
    "Sarah", "Tom", "Katrien", "Bart", "Leen", "Kristof", "Ayla", "Mehmet", "Fatma", "Hassan", "Nadia",
    "Marco", "Elena", "Piotr", "Anna", "Sophie", "Pieter", "Els", "Wim", "Inge", "Hatice", "Ömer", "Samira",
    "Karim", "Chiara", "Davide", "Joke", "Stijn", "Griet", "Nathalie", "Dirk", "Veerle",
]
STREETS = ["Kerkstraat", "Stationsstraat", "Molenstraat", "Dorpsstraat", "Schoolstraat", "Weg naar As",
           "Hoogstraat", "Vennestraat", "Welzijnscampus", "Stalenstraat", "Hoefstraat", "Bosdel", "Kolderbos"]
# municipality, postcode, weight
PLACES = [("Genk", "3600", 60), ("As", "3665", 8), ("Oudsbergen", "3660", 8), ("Oudsbergen", "3670", 4),
          ("Zutendaal", "3690", 6), ("Hasselt", "3500", 6), ("Maasmechelen", "3630", 5), ("Houthalen-Helchteren", "3530", 3)]
LANGUAGES = ["Nederlands", "Nederlands", "Nederlands", "Turks", "Arabisch", "Italiaans", "Pools", "Frans", "Engels"]

# The house's teams. Which plugins a team uses is each plugin's own demo data (``enable_for_teams``).
TEAMS = [
    ("PeTra", "Pedagogische trajecten voor kinderen (4de leerjaar tot 16), hun ouders en school."),
    ("Opvoedingswinkel", "Opvoedingsondersteuning en groepsaanbod voor ouders."),
    ("Onthaal", "Onthaal en eerste vragen van gezinnen."),
    ("Financiële dienst", "Boekhouding, kostprijs en rapportering."),
]
USERS = [  # username, display name, admin, team, role
    ("admin", "An Beheerder", True, None, None),
    ("manager", "Marleen Teamverantwoordelijke", False, "PeTra", "manager"),
    ("worker", "Wouter Begeleider", False, "PeTra", "member"),
    ("finance", "Frieda Financiën", False, "Financiële dienst", "member"),
    ("onthaal", "Olga Onthaal", False, "Onthaal", "member"),
]
EXTRA_STAFF = [("petra2", "Petra Trajectbegeleider", "PeTra"), ("petra3", "Pieter Trajectbegeleider", "PeTra"),
               ("ovw", "Omar Opvoedingsondersteuner", "Opvoedingswinkel"),
               ("ovwmanager", "Odette Coördinator", "Opvoedingswinkel")]
ORGANISATIONS = [
    ("Basisschool De Linde", "school", "Genk"), ("Basisschool Het Kompas", "school", "Genk"),
    ("Basisschool De Bolster", "school", "As"), ("Vrije Basisschool Sint-Jan", "school", "Oudsbergen"),
    ("Gemeentelijke Basisschool De Horizon", "school", "Zutendaal"), ("Basisschool Kolderbos", "school", "Genk"),
    ("Atheneum Genk-Noord", "school", "Genk"), ("Sint-Jozefcollege Genk", "school", "Genk"),
    ("Middenschool De Brug", "school", "As"), ("Secundaire school Maasland", "school", "Maasmechelen"),
    ("CLB Genk", "clb", "Genk"), ("Vrij CLB Limburg-Oost", "clb", "Genk"), ("CAW Limburg - JAC Genk", "caw", "Genk"),
    ("OCMW Genk", "ocmw", "Genk"), ("CGG Limburg", "cgg", "Hasselt"), ("CKG De Vlinder", "ckg", "Genk"),
    ("Opvoedingswinkel Genk", "opvoedingswinkel", "Genk"), ("Kind en Gezin Genk", "kind_en_gezin", "Genk"),
    ("Stad Genk - stedelijk meldpunt", "gemeente", "Genk"), ("Gemeente As", "gemeente", "As"),
    ("Gemeente Oudsbergen", "gemeente", "Oudsbergen"), ("Gemeente Zutendaal", "gemeente", "Zutendaal"),
]


def enable_for_teams(session, team_names, plugin: str | None = None) -> list[Team]:
    """Demo data of a plugin: switch the calling plugin on for the demo teams named (those that exist).

    The plugin is the one whose package holds the caller, so a plugin's demo never spells its own name."""
    if plugin is None:
        plugin = plugin_of_module(sys._getframe(1).f_globals.get("__name__", ""))
    teams = list(session.scalars(select(Team).where(Team.name.in_(list(team_names))).order_by(Team.id)))
    have = set(session.scalars(select(TeamPlugin.team_id).where(TeamPlugin.plugin == plugin)))
    session.add_all([TeamPlugin(team_id=t.id, plugin=plugin, enabled=True) for t in teams if t.id not in have])
    session.flush()
    return teams


# Other houses at larger scales: the same stories repeat over several houses, each with its own teams.
HOUSE_TOWNS = [("Hasselt", "3500"), ("Maasmechelen", "3630"), ("Houthalen-Helchteren", "3530"), ("Lanaken", "3620"),
               ("Bilzen-Hoeselt", "3740"), ("Dilsen-Stokkem", "3650"), ("Zonhoven", "3520"), ("Diepenbeek", "3590"),
               ("Maaseik", "3680"), ("Bree", "3960")]
SCHOOL_WORDS = ["De Regenboog", "Het Kompas", "De Wegwijzer", "De Klimop", "Het Klaverblad", "De Vlieger",
                "Sint-Jozef", "De Horizon", "Het Spoor", "De Zonnewijzer"]
GAOZ = [p for p in PLACES if p[0] in ("Genk", "As", "Oudsbergen", "Zutendaal")]
CHANNEL_CHOICES = [[a] for a in ("telefoon", "e-mail", "berichtenapp")] + [
    [a, b] for a in ("telefoon", "e-mail", "berichtenapp") for b in ("telefoon", "e-mail", "berichtenapp") if a != b]


def _mobile(rnd) -> str:
    n = int(rnd() * 30_000_000)
    return f"04{70 + n // 1_000_000} {10 + n // 10_000 % 90} {10 + n // 100 % 90} {10 + n % 90}"


def _team_phone(house: int, k: int) -> str:
    """A fictional number per team: 089 99 .. .. (089 99 00 00 for the first house's first team)."""
    n = 990000 + house % 1000 * 10 + k
    return f"089 {n // 10000} {n // 100 % 100:02d} {n % 100:02d}"


def _houses(session, scale: int, orgs: dict[str, Organisation]):
    from .demo_story import FINANCE, PARENTING, RECEPTION, TRAJECTORIES, House

    keys = {"PeTra": TRAJECTORIES, "Opvoedingswinkel": PARENTING, "Onthaal": RECEPTION, "Financiële dienst": FINANCE}
    houses = []
    genk = House(index=0, name="Huis van het Kind Genk - Campus O3", town="Genk", places=PLACES,
                 rooms=["Campus O3 - polyvalente zaal", "Campus O3 - atelier", "Campus O3 - vergaderzaal 2",
                        "Campus O3 - tuinlokaal"])
    genk.schools = {
        "lager": [o.id for o in orgs.values() if o.kind == "school" and "Basisschool" in o.name],
        "secundair": [o.id for o in orgs.values() if o.kind == "school" and "Basisschool" not in o.name]}
    genk.clb, genk.ocmw = orgs["CLB Genk"].id, orgs["OCMW Genk"].id
    genk.meldpunt = orgs["Stad Genk - stedelijk meldpunt"].id
    houses.append(genk)
    for k, (town, pc) in enumerate(HOUSE_TOWNS[:max(0, min(scale, len(HOUSE_TOWNS) + 1) - 1)], start=1):
        h = House(index=k, name=f"Huis van het Kind {town}", town=town, places=[(town, pc, 1)],
                  rooms=[f"Huis van het Kind {town} - {r}" for r in ("zaal 1", "zaal 2", "ontmoetingsruimte",
                                                                       "speelzaal")])
        new = [(f"Basisschool {SCHOOL_WORDS[(k + i) % len(SCHOOL_WORDS)]} {town}", "school") for i in range(4)]
        new += [(f"Secundaire school {SCHOOL_WORDS[(k + 5 + i) % len(SCHOOL_WORDS)]} {town}", "school")
                for i in range(2)]
        new += [(f"CLB {town}", "clb"), (f"Stad {town} - meldpunt jeugd", "gemeente"), (f"OCMW {town}", "ocmw")]
        for name, kind in new:
            org = Organisation(name=name, kind=kind, municipality=town)
            session.add(org)
            orgs[name] = org
        session.flush()
        h.schools = {"lager": [orgs[n].id for n, _ in new[:4]], "secundair": [orgs[n].id for n, _ in new[4:6]]}
        h.clb, h.meldpunt, h.ocmw = orgs[f"CLB {town}"].id, orgs[f"Stad {town} - meldpunt jeugd"].id, orgs[f"OCMW {town}"].id
        houses.append(h)
    for h in houses:
        for k, (base, desc) in enumerate(TEAMS):
            if base == "Financiële dienst" and h.index:
                continue
            name = base if h.index == 0 or base == "Financiële dienst" else f"{base} {h.town}"
            team = Team(name=name, description=desc, phone=_team_phone(h.index, k))
            session.add(team)
            session.flush()
            h.teams[keys[base]], h.team_names[keys[base]] = team.id, name
    return houses


def load_core_demo(session, scale: int = 1) -> dict:
    """Teams, accounts, organisations and about 300 families per scale unit, each with its story decided here
    (``core.demo_story``) and kept on the session for the plugins' demo hooks."""
    from .demo_story import (
        PARENTING,
        RECEPTION,
        STORY_KEY,
        TRAJECTORIES,
        Timeline,
        Unit,
        build_story,
        bulk_insert,
    )
    from .models import AuditEntry, ChangeRecord, Consent

    rng = random.Random(20251)
    today = date.today()
    timeline = Timeline(today)
    ffold = functools.lru_cache(maxsize=None)(fold)  # the same few hundred names, folded once
    pw_hash = generate_password_hash(DEMO_PASSWORD, method="scrypt")

    orgs: dict[str, Organisation] = {}
    for name, kind, mun in ORGANISATIONS:
        org = Organisation(name=name, kind=kind, municipality=mun)
        session.add(org)
        orgs[name] = org
    session.flush()
    houses = _houses(session, scale, orgs)
    genk = houses[0]
    team_by_name = {name: tid for h in houses for k, tid in h.teams.items() for name in [h.team_names[k]]}

    users: dict[str, int] = {}
    for username, display, admin, team, role in USERS:
        user = User(username=username, display_name=display, is_admin=admin, password_hash=pw_hash)
        session.add(user)
        session.flush()
        users[username] = user.id
        if team:
            session.add(Membership(user_id=user.id, team_id=team_by_name[team], role=role))
    for username, display, team in EXTRA_STAFF:
        user = User(username=username, display_name=display, password_hash=pw_hash)
        session.add(user)
        session.flush()
        users[username] = user.id
        session.add(Membership(user_id=user.id, team_id=team_by_name[team],
                               role="manager" if "manager" in username else "member"))
    partner = User(username="partner", display_name="Pascale Zorgcoördinator", password_hash=pw_hash,
                   organisation_id=orgs["Basisschool De Linde"].id)
    session.add(partner)
    session.flush()
    users["partner"] = partner.id

    # scale units: unit 0 is the house of the named demo accounts; further units bring their own staff
    units = [Unit(index=0, house=genk, staff={
        TRAJECTORIES: [users["worker"], users["petra2"], users["petra3"], users["manager"]],
        PARENTING: [users["ovw"], users["ovwmanager"]], RECEPTION: [users["onthaal"]]})]
    staff_rows, member_rows = [], []
    next_user = (session.scalar(select(func.max(User.id))) or 0) + 1
    for u in range(1, max(1, scale)):
        house = houses[u % len(houses)]
        unit = Unit(index=u, house=house)
        for key, n, word in ((TRAJECTORIES, 4, "begeleider"), (PARENTING, 2, "opvoeding"), (RECEPTION, 1, "onthaal")):
            ids = []
            for i in range(n):
                g, f = GIVEN_PARENT[(u * 7 + i * 3) % len(GIVEN_PARENT)], FAMILY_NAMES[(u * 5 + i) % len(FAMILY_NAMES)]
                staff_rows.append(dict(id=next_user, username=f"{word}{u}.{i + 1}", display_name=f"{g} {f}",
                                       is_admin=False, password_hash=pw_hash))
                first_of_house = u == house.index and i == n - 1
                member_rows.append(dict(user_id=next_user, team_id=house.teams[key],
                                        role="manager" if first_of_house else "member"))
                ids.append(next_user)
                next_user += 1
            unit.staff[key] = ids
        units.append(unit)
    bulk_insert(session, User, staff_rows)
    bulk_insert(session, Membership, member_rows)

    fam_start = (session.scalar(select(func.max(Family.id))) or 0) + 1
    person_start = (session.scalar(select(func.max(Person.id))) or 0) + 1
    families, persons, members = [], [], []
    specs: dict[int, dict] = {}
    counter = {"fid": fam_start, "pid": person_start}
    lager_schools = {h.index: h.schools["lager"] for h in houses}
    sec_schools = {h.index: h.schools["secundair"] for h in houses}

    def person(fid, given, fname, born, role, **extra):
        pid = counter["pid"]
        counter["pid"] += 1
        persons.append(dict(id=pid, given_name=given, family_name=fname, given_key=ffold(given), family_key=ffold(fname),
                            birth_date=born, expected=role == "verwacht", gender=extra.pop("gender", None),
                            school_id=extra.get("school_id"), school_level=extra.get("school_level"),
                            school_year=extra.get("school_year"), class_teacher=extra.get("class_teacher"),
                            archived=False, version=1))
        members.append(dict(family_id=fid, person_id=pid, role=role))
        return pid

    def child(fid, fname, house, born, school_id=None):
        age = (today - born).days // 365
        level, year = usual_school_place(age)
        if level in ("lager", "kleuter"):
            school = school_id if school_id in lager_schools[house.index] else rng.choice(lager_schools[house.index])
        elif level == "secundair":
            school = school_id if school_id in sec_schools[house.index] else rng.choice(sec_schools[house.index])
        else:
            school = None
        return person(fid, rng.choice(GIVEN_CHILD), fname, born, "kind", gender=rng.choice(["meisje", "jongen", None]),
                      school_id=school, school_level=level, school_year=year,
                      class_teacher=f"juf {rng.choice(GIVEN_PARENT)}" if level == "lager" else None)

    rnd = rng.random
    cumulative, cumulative_w = {}, {}
    for places in [GAOZ] + [h.places for h in houses]:
        cumulative[id(places)] = [(m, pc) for m, pc, _ in places]
        cumulative_w[id(places)] = list(itertools.accumulate(w for *_, w in places))

    def make_family(unit, spec):
        house = unit.house
        fid = counter["fid"]
        counter["fid"] += 1
        kind = spec["story"]
        fname = FAMILY_NAMES[int(rnd() * len(FAMILY_NAMES))]
        places = GAOZ if (house.index == 0 and kind in ("traject", "archief")) else house.places
        mun, pc = cumulative[id(places)][bisect.bisect(cumulative_w[id(places)], rnd() * cumulative_w[id(places)][-1])]
        lang = LANGUAGES[int(rnd() * len(LANGUAGES))]
        langs = ["Nederlands"] if lang == "Nederlands" else sorted(["Nederlands", lang])
        channels = CHANNEL_CHOICES[int(rnd() * len(CHANNEL_CHOICES))]
        first = spec.get("referred") or spec.get("first") or (today - timedelta(days=rng.randint(30, 1500)))
        created = datetime.combine(first, datetime.min.time()) + timedelta(hours=9, minutes=rng.randint(0, 400))
        if kind == "gearchiveerd":
            created = datetime.combine(today - timedelta(days=365 * 6 + rng.randint(30, 400)), datetime.min.time())
        parents = []
        for _ in range(2 if rng.random() < 0.45 else 1):
            g = GIVEN_PARENT[int(rnd() * len(GIVEN_PARENT))]
            parents.append(person(fid, g, fname, today - timedelta(days=27 * 365 + int(rnd() * 25 * 365)), "ouder"))
        email = None
        if "e-mail" in channels:
            email = f"{ffold(persons[-len(parents)]['given_name'])}.{ffold(fname).replace(' ', '')}{fid % 97}@example.org"
        children = []
        if spec.get("born"):
            children.append(child(fid, fname, house, spec["born"], spec.get("school_id")))
        elif kind == "onthaal" and spec.get("school_id"):
            children.append(child(fid, fname, house, today - timedelta(days=rng.randint(7 * 365, 11 * 365)),
                                  spec["school_id"]))
        for _ in range(rng.choice([0, 1, 1, 2]) if children else rng.choice([1, 1, 1, 2])):
            children.append(child(fid, fname, house, today - timedelta(days=rng.randint(60, 17 * 365))))
        if children:  # parents are at least 20 years older than their eldest child
            eldest = min(persons[pid - person_start]["birth_date"] for pid in children)
            for pid in parents:
                row = persons[pid - person_start]
                if (eldest - row["birth_date"]).days < 20 * 365:
                    row["birth_date"] = eldest - timedelta(days=20 * 365 + int(rnd() * 16 * 365))
        if kind == "geen" and rng.random() < 0.04:
            person(fid, "(verwacht)", fname, today + timedelta(days=rng.randint(20, 200)), "verwacht")
            persons[-1]["given_key"] = "verwacht"
        has_vt = rng.random() < 0.35
        families.append(dict(
            id=fid, label=fname, label_key=ffold(fname), street=f"{STREETS[int(rnd() * len(STREETS))]} {int(rnd() * 180) + 1}",
            postcode=pc, municipality=mun, languages=", ".join(langs), contact_channels=", ".join(channels),
            phone=_mobile(rnd),
            email=email, has_vt=has_vt, notes=None, archived=kind == "gearchiveerd", legal_hold=False,
            created_at=created, updated_at=created, version=1))
        specs[fid] = dict(spec, house=house, first=first)
        return fid, parents, children, has_vt

    story = build_story(session, rng, timeline, houses, units, {n: o.id for n, o in orgs.items()}, make_family,
                        partner_org_id=orgs["Basisschool De Linde"].id, partner_user_id=users["partner"])
    story.users = users
    session.info[STORY_KEY] = story

    # involvements, each dated at the team's first activity with the family
    seen: dict[tuple[int, int], dict] = {}

    def involve(fid, team_id, when, reason, source, ended=None):
        key = (fid, team_id)
        if key in seen:
            if when < seen[key]["started_at"]:
                seen[key].update(started_at=when, reason=reason, source=source)
            return
        seen[key] = dict(family_id=fid, team_id=team_id, reason=reason, source=source, started_at=when,
                         ended_at=ended)

    for t in story.trajectories:
        when = datetime.combine(t.referred_on, datetime.min.time()) + timedelta(hours=9, minutes=t.family_id % 300)
        ended = datetime.combine(t.closed_on + timedelta(days=30), datetime.min.time()) if t.archive else None
        involve(t.family_id, t.unit.house.teams[TRAJECTORIES], when, "Aanmelding pedagogisch traject", "aanmelding",
                ended)
    for plan in story.groups:
        team = plan.unit.house.teams[plan.team_key]
        for p in plan.participants:
            involve(p.family_id, team, p.since, f"Inschrijving groepsaanbod: {plan.name}"[:300], "groepsaanbod")
    for fid, spec in specs.items():
        if spec["story"] == "onthaal":
            when = datetime.combine(spec["first"], datetime.min.time()) + timedelta(hours=9, minutes=30)
            involve(fid, spec["house"].teams[RECEPTION], when, "Eerste onthaalgesprek", "manueel")
        elif spec["story"] == "vraag":
            when = datetime.combine(spec["first"], datetime.min.time()) + timedelta(hours=14)
            involve(fid, spec["house"].teams[PARENTING], when, "Vraag rond opvoeding", "manueel")
    involvements = list(seen.values())
    story.families = sorted({i["family_id"] for i in involvements})

    # consents: given by a parent, recorded by a worker of the team; some withdrawn
    consents = []
    house_of = {fid: spec["house"].index for fid, spec in specs.items()}
    for c in story.consents:
        by = users["worker"] if house_of.get(c["family_id"]) == 0 else None
        c = dict(c, recorded_by_id=by, withdrawn_by_id=by if c["withdrawn_at"] else None,
                 created_at=datetime.combine(c["given_on"], datetime.min.time()) + timedelta(hours=10))
        consents.append(c)

    # change history: staff corrected contact details of some families (the family page shows it)
    changes = []
    for fam in families:
        if fam["archived"] or fam["id"] % 13:
            continue
        spec = specs[fam["id"]]
        if spec["story"] in ("geen", "gearchiveerd"):
            continue
        at = min(datetime.combine(today, datetime.min.time()) - timedelta(hours=2),
                 fam["created_at"] + timedelta(days=rng.randint(10, 90)))
        if at <= fam["created_at"]:
            continue
        old_phone = f"089 {rng.randint(30, 89)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
        who = users["onthaal"] if spec["story"] == "onthaal" else users["worker"]
        changes.append(dict(at=at, user_id=who, family_id=fam["id"], object_type="family", object_id=fam["id"],
                            field="phone", old_value=old_phone, new_value=fam["phone"]))
        fam["updated_at"] = at
    # who looked: the workers opened the family's record on the days they worked with it
    audit = []
    for t in story.trajectories:
        if t.lead is None or t.archive:
            continue
        for day in (t.decision_on, t.start_on, t.phase3_on, t.phase4_on, t.closed_on):
            if day:
                audit.append(dict(at=datetime(day.year, day.month, day.day, 14, t.family_id % 50),
                                  user_id=t.lead, action="view", object_type="family", object_id=t.family_id,
                                  family_id=t.family_id, detail=None, address="10.20.0.15"))
    for c in changes:
        audit.append(dict(at=c["at"], user_id=c["user_id"], action="update", object_type="family",
                          object_id=c["family_id"], family_id=c["family_id"], detail="phone", address="10.20.0.15"))
    bulk_insert(session, Family, families)
    bulk_insert(session, Person, persons)
    bulk_insert(session, FamilyMember, members)
    refresh_family_name_keys(session.connection(), min_family_id=fam_start)  # past the ORM: the search keys too
    bulk_insert(session, Involvement, involvements)
    bulk_insert(session, Consent, consents)
    bulk_insert(session, ChangeRecord, changes)
    bulk_insert(session, AuditEntry, sorted(audit, key=lambda a: a["at"]))
    _fix_sequences(session)
    from .notifications import demo_notifications

    demo_notifications(session, today)
    return {"families": len(families), "persons": len(persons)}


def _fix_sequences(session) -> None:
    """After inserts with explicit ids, move PostgreSQL's sequences past them."""
    from .demo_story import fix_sequences

    fix_sequences(session, ["family", "person", "app_user"])
