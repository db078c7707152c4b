"""Core demo data: teams, accounts, organisations and fictional families (about 300 per scale unit).

Every name is made up by combining common first and family names; no real person from the source
documents appears. Deterministic (seeded) and written with bulk inserts so large scales stay fast.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta

from sqlalchemy import func, insert, select
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


def load_core_demo(session, scale: int = 1) -> dict:
    rng = random.Random(20251)
    today = date.today()
    pw_hash = generate_password_hash(DEMO_PASSWORD, method="scrypt")

    teams: dict[str, Team] = {}
    for name, desc in TEAMS:
        team = Team(name=name, description=desc)
        session.add(team)
        session.flush()
        teams[name] = team

    orgs: dict[str, Organisation] = {}
    for name, kind, mun in ORGANISATIONS:
        org = Organisation(name=name, kind=kind, municipality=mun)
        session.add(org)
        orgs[name] = org
    session.flush()

    for username, display, admin, team, role in USERS:
        user = User(username=username, display_name=display, is_admin=admin, password_hash=pw_hash)
        session.add(user)
        session.flush()
        if team:
            session.add(Membership(user_id=user.id, team_id=teams[team].id, role=role))
    for username, display, team in EXTRA_STAFF:
        user = User(username=username, display_name=display, password_hash=pw_hash)
        session.add(user)
        session.flush()
        session.add(Membership(user_id=user.id, team_id=teams[team].id,
                               role="manager" if "manager" in username else "member"))
    partner = User(username="partner", display_name="Pascale Zorgcoördinator", password_hash=pw_hash,
                   organisation_id=orgs["Basisschool De Linde"].id)
    session.add(partner)
    session.flush()

    schools_by_level = {
        "lager": [o.id for o in orgs.values() if o.kind == "school" and "Basisschool" in o.name],
        "secundair": [o.id for o in orgs.values() if o.kind == "school" and "Basisschool" not in o.name],
        "kleuter": [o.id for o in orgs.values() if o.kind == "school" and "Basisschool" in o.name],
    }

    n_families = 300 * scale
    fam_start = (session.scalar(select(func.max(Family.id))) or 0) + 1
    person_start = (session.scalar(select(func.max(Person.id))) or 0) + 1
    families, persons, members, involvements = [], [], [], []
    pid = person_start
    weights = [w for *_, w in PLACES]
    petra_id, ovw_id, onthaal_id = teams["PeTra"].id, teams["Opvoedingswinkel"].id, teams["Onthaal"].id
    for i in range(n_families):
        fid = fam_start + i
        fname = rng.choice(FAMILY_NAMES)
        mun, pc, _ = rng.choices(PLACES, weights)[0]
        langs = sorted({"Nederlands", rng.choice(LANGUAGES)})
        channels = rng.sample(["telefoon", "e-mail", "berichtenapp"], rng.randint(1, 2))
        families.append(dict(
            id=fid, label=fname, label_key=fold(fname), street=f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
            postcode=pc, municipality=mun, languages=", ".join(langs), contact_channels=", ".join(channels),
            phone=f"04{rng.randint(70, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            email=None, has_vt=rng.random() < 0.35, notes=None, archived=False, legal_hold=False, version=1,
        ))
        parent_count = rng.choice([1, 1, 2])
        for _ in range(parent_count):
            g = rng.choice(GIVEN_PARENT)
            born = today - timedelta(days=rng.randint(25 * 365, 50 * 365))
            persons.append(dict(id=pid, given_name=g, family_name=fname, given_key=fold(g), family_key=fold(fname),
                                birth_date=born, expected=False, gender=None, archived=False, version=1))
            members.append(dict(family_id=fid, person_id=pid, role="ouder"))
            pid += 1
        for _ in range(rng.choice([1, 1, 1, 2])):
            g = rng.choice(GIVEN_CHILD)
            age_days = rng.randint(30, 18 * 365)
            born = today - timedelta(days=age_days)
            level, year = usual_school_place(age_days // 365)
            school = rng.choice(schools_by_level[level]) if level else None
            persons.append(dict(id=pid, given_name=g, family_name=fname, given_key=fold(g), family_key=fold(fname),
                                birth_date=born, expected=False, gender=rng.choice(["meisje", "jongen", None]),
                                school_id=school, school_level=level, school_year=year,
                                class_teacher=f"juf {rng.choice(GIVEN_PARENT)}" if level == "lager" else None,
                                archived=False, version=1))
            members.append(dict(family_id=fid, person_id=pid, role="kind"))
            pid += 1
        if rng.random() < 0.04:
            exp = today + timedelta(days=rng.randint(20, 200))
            persons.append(dict(id=pid, given_name="(verwacht)", family_name=fname, given_key="verwacht",
                                family_key=fold(fname), birth_date=exp, expected=True, archived=False, version=1))
            members.append(dict(family_id=fid, person_id=pid, role="verwacht"))
            pid += 1
        r = rng.random()
        if r < 0.30:
            involvements.append(dict(family_id=fid, team_id=ovw_id, reason="Vraag rond opvoeding", source="manueel"))
        if 0.25 < r < 0.45:
            involvements.append(dict(family_id=fid, team_id=petra_id, reason="Aanmelding PeTra", source="manueel"))
        if i % 40 == 0:
            involvements.append(dict(family_id=fid, team_id=onthaal_id, reason="Eerste onthaalgesprek", source="manueel"))
    for chunk in range(0, len(families), 5000):
        session.execute(insert(Family), families[chunk:chunk + 5000])
    for chunk in range(0, len(persons), 5000):
        session.execute(insert(Person), persons[chunk:chunk + 5000])
    for chunk in range(0, len(members), 5000):
        session.execute(insert(FamilyMember), members[chunk:chunk + 5000])
    for chunk in range(0, len(involvements), 5000):
        session.execute(insert(Involvement), involvements[chunk:chunk + 5000])
    _fix_sequences(session)
    from .notifications import demo_notifications

    demo_notifications(session, today)
    return {"families": len(families), "persons": len(persons)}


def _fix_sequences(session) -> None:
    """After inserts with explicit ids, move PostgreSQL's sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    from sqlalchemy import text

    for table in ("family", "person"):
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"))
