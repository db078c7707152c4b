"""Every state change of the groups plugin, one function each: programmes, sessions, enrolment and the waiting
list, attendance marks, and the detaching of enrolments for erasure and retention.

Each operation checks what is allowed (``core.operations``: a ``Refused`` with a Dutch message and the form field
it belongs to), writes, and writes the audit entry with the family where a family's record changes. The acting
user is passed in; operations never read the request or the logged-in user and never commit: the view commits
(``core.forms.conflict_safe``), so one request is one transaction. Reads are in ``queries.py``, pure rules in
``logic.py``. Who may act on a programme (its owning team) is checked by the views (``access.py``) before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from core import audit, people
from core.extensions import db
from core.formatting import format_period
from core.models import Organisation, User, utcnow
from core.operations import Refused, require, transition
from core.plugins import team_ids_for

from .logic import Conflict, Slot, card_fit_warning, enrolment_roles, now_local
from .models import (
    ATTENDANCE_LABELS,
    ENROLMENT_STATUS_LABELS,
    Attendance,
    Enrolment,
    GroupSession,
    Programme,
)
from .queries import (
    enrolled_count,
    enrolment_of,
    find_conflicts,
    first_waiting,
    mark_of,
    programme_change_conflicts,
)

# where an enrolment may go: a withdrawn child can be enrolled again (or land on the waiting list)
ENROLMENT_FLOW = {"waiting": {"enrolled", "withdrawn"}, "enrolled": {"withdrawn"},
                  "withdrawn": {"enrolled", "waiting"}}
INVOLVEMENT_REASON = "Inschrijving groepsaanbod: {}"
OWN_TEAM_ONLY = "Je kan een groep enkel aan je eigen team toewijzen."


class PlanningConflict(Refused):
    """The sessions would overlap others in the same room or with the same leader (``conflicts``): refused
    until the user confirms (``confirm_conflicts=True``)."""

    def __init__(self, conflicts: list[Conflict]):
        super().__init__("Er zijn planningsconflicten (zie boven). Vink dit aan om toch op te slaan.",
                         field="confirm_conflicts")
        self.conflicts = conflicts


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _refuse_conflicts(conflicts: list[Conflict], confirmed: bool) -> None:
    if conflicts and not confirmed:
        raise PlanningConflict(conflicts)


# --------------------------------------------------------------------------- programmes


def _apply_programme(programme: Programme, user: User, *, name: str, team_id: int, kind: str, age_group: str,
                     capacity: int, age_min: int | None = None, age_max: int | None = None,
                     location: str | None = None, start_date: date | None = None, end_date: date | None = None,
                     themes: str | None = None, description: str | None = None, leader_ids: Iterable[int] = (),
                     partner_ids: Iterable[int] = ()) -> None:
    require(team_id in team_ids_for(user), OWN_TEAM_ONLY, "team_id")
    require(_text(name), "Geef de groep een naam.", "name")
    require(capacity is not None and capacity >= 1, "De capaciteit moet minstens 1 zijn (en hoogstens 500).",
            "capacity")
    require(not (start_date and end_date and end_date < start_date), "De einddatum ligt vóór de begindatum.",
            "end_date")
    programme.name = name.strip()
    programme.team_id = team_id
    programme.kind = kind
    programme.age_group = age_group
    programme.age_min = age_min if age_group == "leeftijd" else None
    programme.age_max = age_max if age_group == "leeftijd" else None
    programme.capacity = capacity
    programme.location = _text(location)
    programme.start_date = start_date
    programme.end_date = end_date
    programme.themes = _text(themes)
    programme.description = _text(description)
    programme.leaders = list(db.session.scalars(select(User).where(User.id.in_(list(leader_ids)))))
    programme.partners = list(db.session.scalars(select(Organisation).where(Organisation.id.in_(list(partner_ids)))))


def create_programme(user: User, **fields: Any) -> Programme:
    """A new programme for one of the user's teams (``team_id``) with the fields of ``ProgrammeForm``
    (``leader_ids``, ``partner_ids`` as ids)."""
    programme = Programme()
    _apply_programme(programme, user, **fields)
    db.session.add(programme)
    db.session.flush()
    audit.record("create", "groups_programme", programme.id, user_id=user.id)
    return programme


def edit_programme(programme: Programme, user: User, *, confirm_conflicts: bool = False, **fields: Any) -> None:
    """Change a programme. A new room or other leaders that clash with its coming sessions are refused with
    ``PlanningConflict`` unless confirmed."""
    require(fields.get("team_id") in team_ids_for(user), OWN_TEAM_ONLY, "team_id")
    location, leader_ids = _text(fields.get("location")), set(fields.get("leader_ids") or ())
    if location != programme.location or leader_ids != {u.id for u in programme.leaders}:
        names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(leader_ids))).all())
        _refuse_conflicts(programme_change_conflicts(programme, location, leader_ids, names), confirm_conflicts)
    _apply_programme(programme, user, **fields)
    audit.record("update", "groups_programme", programme.id, user_id=user.id)


def archive_programme(programme: Programme, user: User) -> None:
    """The programme leaves lists, calendars and conflict checks; nothing is deleted."""
    require(not programme.archived, "Deze groep is al gearchiveerd.")
    programme.archived = True
    audit.record("archive", "groups_programme", programme.id, user_id=user.id)


def restore_programme(programme: Programme, user: User) -> None:
    require(programme.archived, "Deze groep is niet gearchiveerd.")
    programme.archived = False
    audit.record("restore", "groups_programme", programme.id, user_id=user.id)


# --------------------------------------------------------------------------- sessions


def _leader_names(programme: Programme) -> dict[int, str]:
    return {u.id: u.display_name for u in programme.leaders}


def plan_series(programme: Programme, user: User, slots: list[Slot], *, location: str | None = None,
                theme: str | None = None, confirm_conflicts: bool = False) -> list[GroupSession]:
    """A session for each slot (``logic.generate_series``) in the given room (else the programme's) with one
    theme. Clashes with other sessions are refused (``PlanningConflict``) unless confirmed."""
    require(slots, "Er valt geen enkele sessie in deze reeks.", "count")
    location = _text(location)
    _refuse_conflicts(find_conflicts(slots, location or programme.location, [u.id for u in programme.leaders],
                                     leader_names=_leader_names(programme)), confirm_conflicts)
    sessions = [GroupSession(programme_id=programme.id, kind="session", starts_at=s.starts_at, ends_at=s.ends_at,
                             location=location, theme=_text(theme)) for s in slots]
    db.session.add_all(sessions)
    audit.record("create", "groups_session", programme.id, detail=f"reeks van {len(slots)}", user_id=user.id)
    return sessions


def _apply_session(session: GroupSession, programme: Programme, *, kind: str, starts_at: datetime,
                   ends_at: datetime, location: str | None = None, theme: str | None = None,
                   partner_id: int | None = None, plan: str | None = None, reflection: str | None = None,
                   confirm_conflicts: bool = False, now: datetime | None = None) -> None:
    require(ends_at > starts_at, "Het einde van de sessie ligt vóór (of op) het begin.", "end_time")
    allowed = {o.id for o in programme.partners} | ({session.partner_id} if session.partner_id else set())
    require(not partner_id or partner_id in allowed, "Kies een partner van de groep.", "partner_id")
    reflection = _text(reflection)
    # a reflection looks back: it is written once the session has begun
    require(reflection == session.reflection or reflection is None or starts_at <= (now or now_local()),
            "Een reflectie schrijf je na de sessie; deze sessie is nog niet begonnen.", "reflection")
    location = _text(location)
    _refuse_conflicts(find_conflicts([Slot(starts_at, ends_at)], location or programme.location,
                                     [u.id for u in programme.leaders], exclude_session_id=session.id,
                                     leader_names=_leader_names(programme)), confirm_conflicts)
    session.kind = kind
    session.starts_at, session.ends_at = starts_at, ends_at
    session.location = location
    session.theme = _text(theme)
    session.partner_id = partner_id or None
    session.plan = _text(plan)
    session.reflection = reflection


def add_session(programme: Programme, user: User, **fields: Any) -> GroupSession:
    """One session, info moment, showcase or multi-day event (``SessionForm``'s fields, with ``starts_at`` and
    ``ends_at``). Refused: an end before the start, a partner not of the programme, a reflection before the
    session, a planning conflict that is not confirmed."""
    session = GroupSession(programme_id=programme.id)
    _apply_session(session, programme, **fields)
    db.session.add(session)
    db.session.flush()
    audit.record("create", "groups_session", session.id, user_id=user.id)
    return session


def edit_session(session: GroupSession, user: User, **fields: Any) -> bool:
    """Change, move or reflect on a session (the rules of ``add_session``); True when it moved (another time
    or room: the families and leaders must be told)."""
    before = (session.starts_at, session.ends_at, session.location)
    _apply_session(session, session.programme, **fields)
    moved = before != (session.starts_at, session.ends_at, session.location)
    audit.record("update", "groups_session", session.id, detail="verplaatst" if moved else None, user_id=user.id)
    return moved


def cancel_session(session: GroupSession, user: User) -> None:
    require(not session.cancelled, "Deze sessie is al geannuleerd.")
    session.cancelled = True
    audit.record("archive", "groups_session", session.id, detail="geannuleerd", user_id=user.id)


def restore_session(session: GroupSession, user: User) -> None:
    """Undo a cancellation: the session takes place after all."""
    require(session.cancelled, "Deze sessie is niet geannuleerd.")
    session.cancelled = False
    audit.record("restore", "groups_session", session.id, detail="annulering ongedaan", user_id=user.id)


# --------------------------------------------------------------------------- enrolment and waiting list


def enrol(programme: Programme, user: User, card: people.PersonCard, *, token: str | None = None,
          priority: int = 2, photo_consent: bool = False, film_consent: bool = False, note: str | None = None,
          confirm_fit: bool = False) -> Enrolment:
    """Enrol the person of ``card`` (a ``core.people`` card; ``token`` the search's token for a household the
    team is not involved with yet). Registers the programme team's involvement with the household
    (``core.people.involve``, logged). A full programme puts the child on the waiting list. A withdrawn
    enrolment is enrolled again. Refused: already on the list, a fit warning that is not confirmed."""
    existing = enrolment_of(programme.id, card.person_id)
    require(existing is None or existing.status == "withdrawn",
            f"{card.full_name} staat al op de lijst van deze groep "
            f"({existing.status_label.lower() if existing else ''}). Een kind kan maar één keer ingeschreven worden.")
    warning = card_fit_warning(programme, card)
    require(not warning or confirm_fit, f"{warning} Vink aan om toch in te schrijven.", "confirm_fit")
    record = people.involve(user, programme.team_id, card.person_id, card.family_id,
                            reason=INVOLVEMENT_REASON.format(programme.name), source="groups", token=token,
                            roles=enrolment_roles(programme))
    full = enrolled_count(programme.id) >= programme.capacity
    now = utcnow()
    target = "waiting" if full else "enrolled"
    if existing is None:
        enrolment = Enrolment(programme_id=programme.id, person_id=record.person.id, status=target,
                              created_by_id=user.id)
        db.session.add(enrolment)
    else:  # enrolled again after a withdrawal
        enrolment = existing
        transition(enrolment, "status", target, ENROLMENT_FLOW, ENROLMENT_STATUS_LABELS)
    enrolment.family_id = record.family.id
    enrolment.priority = priority
    enrolment.waiting_since = now if full else None
    enrolment.enrolled_at = None if full else now
    enrolment.photo_consent = photo_consent
    enrolment.film_consent = film_consent
    enrolment.note = _text(note)
    try:
        db.session.flush()
    except IntegrityError:  # the same child enrolled a moment ago (double click, two workers)
        raise Refused(f"{card.full_name} staat al op de lijst van deze groep.") from None
    audit.record("create", "groups_enrolment", enrolment.id, family_id=record.family.id,
                 detail="wachtlijst" if full else "ingeschreven", user_id=user.id)
    return enrolment


def _require_linked(enrolment: Enrolment) -> None:
    require(not enrolment.detached, "Deze inschrijving is gewist: er is geen kind meer aan gekoppeld.")


def edit_enrolment(enrolment: Enrolment, user: User, *, priority: int, photo_consent: bool, film_consent: bool,
                   note: str | None = None) -> None:
    """Priority on the waiting list, photo and film consent, the note."""
    _require_linked(enrolment)
    enrolment.priority = priority
    enrolment.photo_consent = photo_consent
    enrolment.film_consent = film_consent
    enrolment.note = _text(note)
    audit.record("update", "groups_enrolment", enrolment.id, family_id=enrolment.family_id, user_id=user.id)


def promote_from_waiting_list(enrolment: Enrolment, user: User) -> None:
    """Admit a child from the waiting list to the group; refused when the group is full."""
    _require_linked(enrolment)
    require(enrolment.status == "waiting", "Deze inschrijving staat niet op de wachtlijst.")
    programme = enrolment.programme
    require(enrolled_count(programme.id) < programme.capacity,
            f"De groep is volzet ({programme.capacity} plaatsen). Verhoog de capaciteit of schrijf eerst "
            "iemand uit.")
    transition(enrolment, "status", "enrolled", ENROLMENT_FLOW, ENROLMENT_STATUS_LABELS)
    enrolment.enrolled_at = utcnow()
    audit.record("update", "groups_enrolment", enrolment.id, family_id=enrolment.family_id,
                 detail="van wachtlijst naar ingeschreven", user_id=user.id)


def withdraw(enrolment: Enrolment, user: User) -> Enrolment | None:
    """Take a child off the group or the waiting list (a detached enrolment too: it frees the place). Returns
    the first on the waiting list when a place came free (to be admitted by hand), else None."""
    was = transition(enrolment, "status", "withdrawn", ENROLMENT_FLOW, ENROLMENT_STATUS_LABELS)
    audit.record("update", "groups_enrolment", enrolment.id, family_id=enrolment.family_id, detail="uitgeschreven",
                 user_id=user.id)
    return first_waiting(enrolment.programme_id) if was == "enrolled" else None


# --------------------------------------------------------------------------- attendance


def attendance_refusal(session: GroupSession, now: datetime | None = None) -> str | None:
    """Why no attendance can be marked at this session now (cancelled, not begun), else None."""
    if session.cancelled:
        return "Deze sessie is geannuleerd: je kan geen aanwezigheden registreren."
    if session.starts_at > (now or now_local()):
        return (f"Deze sessie begint pas op {format_period(session.starts_at, session.ends_at)}. Aanwezigheden "
                "registreer je vanaf het begin van de sessie.")
    return None


def _insert_mark(values: dict) -> int | None:
    """Insert a first mark unless one exists (the unique index on session and child decides, also against a
    concurrent insert); the new row's id, or None when another mark was there first. No rollback needed."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(db.session.get_bind().dialect.name)
    if dialect is None:  # pragma: no cover - another database: a plain insert, a concurrent one raises
        return db.session.scalar(insert(Attendance).values(**values).returning(Attendance.id))
    stmt = dialect.insert(Attendance).values(**values).on_conflict_do_nothing(
        index_elements=["session_id", "enrolment_id"])
    return db.session.scalar(stmt.returning(Attendance.id))


def mark_attendance(session: GroupSession, enrolment: Enrolment, status: str, expected: str, user: User,
                    *, now: datetime | None = None) -> Attendance | None:
    """Store the child's mark (``present``, ``absent``, ``excused``) if it is still ``expected`` (the mark the
    user's page showed, "" for none): a compare-and-set, so when another tablet changed it meanwhile nothing is
    written and the stored ``Attendance`` is returned (a conflict: the user chooses). The same mark twice is no
    conflict and writes nothing. Returns None when stored (audited with the family) or unchanged.

    Refused: a cancelled session or one that has not begun, another status, a child no longer enrolled (unless
    it has a mark at this session to correct). Does not commit; nothing is rolled back on a race.
    """
    refusal = attendance_refusal(session, now)
    require(refusal is None, refusal or "", "status")
    require(status in ATTENDANCE_LABELS, "Kies aanwezig, afwezig of verontschuldigd.", "status")
    row = mark_of(session.id, enrolment.id)
    require(enrolment.status == "enrolled" or row is not None, "Dit kind is niet (meer) ingeschreven in deze groep.",
            "status")
    for attempt in range(3):
        if attempt:
            row = mark_of(session.id, enrolment.id, fresh=True)
        if row is not None and row.status == status:
            return None
        if row is not None and row.status != expected:
            return row
        stamp = dict(status=status, recorded_at=utcnow(), recorded_by_id=user.id)
        if row is None:
            row_id = _insert_mark(dict(session_id=session.id, enrolment_id=enrolment.id, **stamp))
        else:  # one statement: a mark changed since we read it is never overwritten
            done = db.session.execute(update(Attendance).where(Attendance.id == row.id, Attendance.status == expected)
                                      .values(**stamp).execution_options(synchronize_session=False)).rowcount
            row_id = row.id if done else None
        if row_id is not None:
            audit.record("update", "groups_attendance", row_id, family_id=enrolment.family_id, detail=status,
                         user_id=user.id)
            return None
    # others changed the mark three times between our reads: show what is stored now
    return mark_of(session.id, enrolment.id, fresh=True)  # pragma: no cover


# --------------------------------------------------------------------------- erasure and retention


def detach_enrolments(ids: Iterable[int]) -> tuple[int, int]:
    """Detach these enrolments from their child and family (erasure, retention): ``person_id``, ``family_id``
    and ``note`` are cleared and ``anonymised_at`` set; the rows and their attendance stay, so counts and rates do
    not change. Enrolments detached before are left alone. Returns ``(removed, kept)``: nothing is deleted; kept
    = the enrolments detached now plus their attendance rows. Audited by the core's erasure and retention."""
    ids = list(ids)
    if not ids:
        return 0, 0
    n_att = db.session.scalar(select(func.count(Attendance.id)).where(Attendance.enrolment_id.in_(
        select(Enrolment.id).where(Enrolment.id.in_(ids), Enrolment.anonymised_at.is_(None))))) or 0
    return 0, apply_retention(ids) + n_att


def apply_retention(ids: Iterable[int]) -> int:
    """Detach the enrolments past their retention term (the core passes batches of ids from
    ``queries.due_enrolments``); how many changed."""
    ids = list(ids)
    if not ids:
        return 0
    return db.session.execute(
        update(Enrolment).where(Enrolment.id.in_(ids), Enrolment.anonymised_at.is_(None))
        .values(person_id=None, family_id=None, note=None, anonymised_at=utcnow(),
                version=Enrolment.version + 1)).rowcount or 0


def erase_family(family_id: int) -> tuple[int, int]:
    """Detach every enrolment of the family (see ``detach_enrolments``)."""
    return detach_enrolments(db.session.scalars(select(Enrolment.id).where(Enrolment.family_id == family_id)))


def erase_person(person_id: int) -> tuple[int, int]:
    """Detach only this person's enrolments; a sibling's enrolment stays linked."""
    return detach_enrolments(db.session.scalars(select(Enrolment.id).where(Enrolment.person_id == person_id)))
