"""Every form of the core, fuzzed with property-based tests: no answer is a 500 and a refused form saves nothing.

The fields are read from the form page itself, so a field added later is fuzzed too.
"""

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.extensions import db
from core.models import Consent, Family, FamilyMember, Person, User

FIELD_RE = re.compile(r'<(?:input|select|textarea)[^>]*name="([^"]+)"')

values = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "1e309", "NaN", "2024-02-30", "31/12/2099",
                     "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "' OR 1=1 --", "\x00", "Öztürk", "3600",
                     "kind", "ouder", "verwacht", "y", "on"]),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.dates(min_value=date(1850, 1, 1), max_value=date(2200, 1, 1)).map(date.isoformat),
)


def _fields(html: str) -> list[str]:
    return sorted({n for n in FIELD_RE.findall(html) if n not in ("csrf_token",)})


def _counts() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Family, Person, FamilyMember,
                                                                                   Consent, User))


@pytest.fixture
def worker_client(app, make_team, make_user, make_family, make_org, login):
    team = make_team("PeTra")
    make_user("worker", {team: "member"})
    make_user("root", admin=True)
    make_org("Basisschool De Linde")
    fam = make_family("Claes", involved=(team,))
    client = app.test_client()
    login(client, "root")
    person = db.session.scalar(select(FamilyMember.person_id).where(FamilyMember.family_id == fam.id))
    return client, fam.id, person


FORMS = [
    "/gezinnen/nieuw",
    "/gezinnen/{fam}/bewerken",
    "/gezinnen/{fam}/leden/nieuw",
    "/gezinnen/{fam}/leden/{person}",
    "/gezinnen/{fam}/toestemming/nieuw",
    "/beheer/gebruikers/nieuw",
    "/beheer/teams",
    "/beheer/organisaties",
    "/account/wachtwoord",
]


@pytest.mark.parametrize("path", FORMS)
def test_fuzzed_forms_never_fail_and_refusals_save_nothing(worker_client, path):
    client, fam, person = worker_client
    url = path.format(fam=fam, person=person)
    page = client.get(url)
    assert page.status_code == 200, url
    fields = _fields(page.get_data(as_text=True))
    assert fields, f"no fields found on {url}"

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.fixed_dictionaries({}, optional={f: values for f in fields}))
    def run(data):
        before = _counts()
        resp = client.post(url, data=data)
        assert resp.status_code < 500, f"{url} answered {resp.status_code} to {data!r}"
        body = resp.get_data(as_text=True)
        assert "Traceback" not in body
        if resp.status_code != 302:  # refused or shown again: nothing may have been saved
            db.session.expire_all()
            assert _counts() == before, f"{url} saved part of a refused form {data!r}"

    run()
