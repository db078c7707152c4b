"""Forms of the PeTra plugin (Dutch messages; errors next to the field; input kept on refusal)."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import Form, VersionedForm, not_in_future
from core.vocabulary import (
    CONCERN_OUTCOMES,
    CONCERN_STEPS,
    SCHOOL_LEVEL_CHOICES,
    TEAM_DECISIONS,
    school_year_validators,
)

from .models import (
    ACTION_STATUSES,
    CHANNELS,
    CLOSURE_REASONS,
    CONTACT_KINDS,
    CONTRA_INDICATIONS,
    DECISIONS,
    EVALUATIONS,
    GOAL_PARTIES,
    INDICATIONS,
    INFORMANTS,
    MOMENTS,
    PARTIES,
    PAY_METHODS,
    PLACES,
    PLAN_FORMS,
    PLAN_INTENSITIES,
    PROBLEM_KINDS,
    REFERRER_KINDS,
    RISKS,
    ROUNDTABLE_KINDS,
    ROUNDTABLE_PARTICIPANTS,
    SDQ_SCALES,
)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _opt_int(value):
    if value in (None, "", "0", 0):
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _conditional(ok: bool, checks) -> bool:
    """Conditional requirements (a field required only for some choices), added after the normal validation."""
    for field, failed, message in checks:
        if failed:
            field.errors = list(field.errors) + [message]
            ok = False
    return ok


class _SchoolAndQuestion:
    """The school, the question and the indications: the same fields when registering and correcting."""

    school_id = SelectField("School", coerce=_opt_int, default=0)
    school_level = SelectField("Onderwijsniveau", choices=SCHOOL_LEVEL_CHOICES, default="")
    school_year = IntegerField("Leerjaar", validators=school_year_validators("Kies een leerjaar van 1 tot 7."))
    question = TextAreaField("Hulpvraag (in de woorden van de aanmelder)",
                             validators=[DataRequired(), Length(max=4000)])
    indications = MultiCheckboxField("Indicaties", choices=INDICATIONS)
    contra_indications = MultiCheckboxField("Contra-indicaties", choices=CONTRA_INDICATIONS)
    problem_kinds = MultiCheckboxField("Soort problemen", choices=PROBLEM_KINDS)
    risks = MultiCheckboxField("Risico", choices=RISKS)


class ReferralForm(_SchoolAndQuestion, Form):
    team_id = SelectField("Team", coerce=int)
    referred_on = DateField("Datum van aanmelding", validators=[DataRequired(), not_in_future()])
    referrer_kind = SelectField("Wie meldt aan", choices=REFERRER_KINDS)
    referrer_org_id = SelectField("Organisatie van de aanmelder", coerce=_opt_int, default=0)
    referrer_contact = StringField("Contactpersoon", validators=[Optional(), Length(max=200)])
    channel = SelectField("Kanaal", choices=CHANNELS)
    child_id = HiddenField()
    family_id = HiddenField()  # the household the child was found in (a child may belong to two)
    sleutel = HiddenField()  # the search's token for a child of a household the team is not involved with
    given_name = StringField("Voornaam kind", validators=[Optional(), Length(max=120)])
    family_name = StringField("Familienaam kind", validators=[Optional(), Length(max=120)])
    birth_date = DateField("Geboortedatum", validators=[Optional(), not_in_future()])
    municipality = StringField("Woonplaats (gemeente)", validators=[Optional(), Length(max=100)])
    safety_concern = BooleanField("Er is een zorg over de veiligheid van het kind of de ouders (wordt een open "
                                  "zorg die de begeleiders stap voor stap opvolgen)")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.child_id.data:
            for f, msg in ((self.given_name, "Kies een kind uit de gezinsdossiers of vul de voornaam van een nieuw kind in."),
                           (self.family_name, "Vul de familienaam in."),
                           (self.municipality, "Vul de woonplaats in.")):
                if not (f.data or "").strip():
                    f.errors = list(f.errors) + [msg]
                    ok = False
        return ok


class ReferralEditForm(_SchoolAndQuestion, VersionedForm):
    """Correct the referral after registration (the child stays; the team does not change)."""

    referred_on = DateField("Datum van aanmelding", validators=[DataRequired(), not_in_future()])
    referrer_kind = SelectField("Wie meldt aan", choices=REFERRER_KINDS)
    referrer_org_id = SelectField("Organisatie van de aanmelder", coerce=_opt_int, default=0)
    referrer_contact = StringField("Contactpersoon", validators=[Optional(), Length(max=200)])
    channel = SelectField("Kanaal", choices=CHANNELS)


class DecisionForm(VersionedForm):
    decision = SelectField("Beslissing", choices=[("", "— kies —")] + DECISIONS, default="",
                           validators=[DataRequired("Kies een beslissing.")])
    decision_on = DateField("Datum", validators=[DataRequired(), not_in_future()])
    lead_worker_id = SelectField("Hoofdbegeleider", coerce=_opt_int, default=0)
    second_worker_id = SelectField("Tweede begeleider (optioneel)", coerce=_opt_int, default=0)
    decision_org_id = SelectField("Doorverwezen naar", coerce=_opt_int, default=0)
    decision_reason = TextAreaField("Reden / toelichting", validators=[Optional(), Length(max=2000)])
    upbringing = TextAreaField("Opvoedingssituatie", validators=[Optional(), Length(max=4000)])
    life_events = TextAreaField("Ingrijpende gebeurtenissen (life-events)", validators=[Optional(), Length(max=4000)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        checks = [
            (self.lead_worker_id, self.decision.data == "start" and not self.lead_worker_id.data,
             "Kies een hoofdbegeleider om te starten."),
            (self.second_worker_id, bool(self.second_worker_id.data) and self.second_worker_id.data == self.lead_worker_id.data,
             "De tweede begeleider moet iemand anders zijn dan de hoofdbegeleider."),
            (self.decision_org_id, self.decision.data == "elders" and not self.decision_org_id.data,
             "Kies de organisatie waarnaar je doorverwijst."),
            (self.decision_reason, self.decision.data == "geen_start" and not (self.decision_reason.data or "").strip(),
             "Geef de reden waarom het traject niet start."),
        ]
        return _conditional(ok, checks)


class WorkersForm(VersionedForm):
    lead_worker_id = SelectField("Hoofdbegeleider", coerce=_opt_int, default=0)
    second_worker_id = SelectField("Tweede begeleider (optioneel)", coerce=_opt_int, default=0)
    max_months = IntegerField("Maximale duur (maanden)", validators=[
        InputRequired(), NumberRange(1, 24, "Kies tussen 1 en 24 maanden.")])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        return _conditional(ok, [
            (self.lead_worker_id, not self.lead_worker_id.data, "Kies een hoofdbegeleider."),
            (self.second_worker_id, bool(self.second_worker_id.data) and self.second_worker_id.data == self.lead_worker_id.data,
             "De tweede begeleider moet iemand anders zijn dan de hoofdbegeleider."),
        ])


class ContactForm(Form):
    on_date = DateField("Datum", validators=[DataRequired(), not_in_future("Een contact kan niet in de toekomst liggen.")])
    minutes = IntegerField("Duur (minuten)", validators=[InputRequired(), NumberRange(5, 720, "Geef een duur tussen 5 en 720 minuten.")])
    kind = SelectField("Soort", choices=CONTACT_KINDS)
    place = SelectField("Plaats", choices=PLACES)
    parties = MultiCheckboxField("Wie nam deel", choices=PARTIES)
    note = StringField("Korte notitie", validators=[Optional(), Length(max=500)])

    def validate_parties(self, field):
        if not field.data:
            raise ValidationError("Duid aan wie deelnam (kind, ouders en/of school).")


class RoundtableDetailsForm(Form):
    """What a roundtable records besides its kind and date (also completed afterwards)."""

    minutes = IntegerField("Duur (minuten)", default=120,
                           validators=[InputRequired(), NumberRange(15, 480, "Geef een duur tussen 15 en 480 minuten.")])
    participants = MultiCheckboxField("Deelnemers", choices=ROUNDTABLE_PARTICIPANTS)
    other_participants = StringField("Andere deelnemers (functie)", validators=[Optional(), Length(max=300)])
    agreements = TextAreaField("Afspraken", validators=[Optional(), Length(max=4000)])

    def validate_participants(self, field):
        if not field.data:
            raise ValidationError("Een rondetafel zonder deelnemers kan niet: duid aan wie aanwezig was.")


class RoundtableForm(RoundtableDetailsForm):
    kind = SelectField("Soort rondetafel", choices=ROUNDTABLE_KINDS)
    held_on = DateField("Datum", validators=[DataRequired(), not_in_future("Een rondetafel registreer je na afloop: de datum ligt in de toekomst. Plan hem vooruit met 'Rondetafel plannen'.")])


class RoundtableEditForm(VersionedForm, RoundtableDetailsForm):
    pass


class GoalForm(Form):
    party = SelectField("Voor wie", choices=GOAL_PARTIES)
    goal = StringField("Doel (positief geformuleerd)", validators=[DataRequired(), Length(max=500)])
    action = StringField("Eerste actie", validators=[Optional(), Length(max=500)])
    who = StringField("Wie doet het", validators=[Optional(), Length(max=200)])


class ActionForm(Form):
    description = StringField("Actie", validators=[DataRequired(), Length(max=500)])
    who = StringField("Wie", validators=[Optional(), Length(max=200)])
    due_on = DateField("Tegen", validators=[Optional()])


class ActionStatusForm(VersionedForm):
    status = SelectField("Status", choices=ACTION_STATUSES)
    due_on = DateField("Tegen", validators=[Optional()])


class PlanShapeForm(VersionedForm):
    plan_form = SelectField("Vorm van het traject", choices=[("", "— nog niet bepaald —"), *PLAN_FORMS], default="")
    plan_intensity = SelectField("Intensiteit", choices=[("", "— nog niet bepaald —"), *PLAN_INTENSITIES], default="")


class ContactEditForm(VersionedForm, ContactForm):
    """Correct a contact; the version as it was stays visible as history."""


class TeamDecisionForm(Form):
    held_on = DateField("Datum van het teamoverleg",
                        validators=[DataRequired(), not_in_future("Het overleg ligt in de toekomst.")])
    decision = SelectField("Beslissing van het team", choices=[("", "— kies —"), *TEAM_DECISIONS], default="",
                           validators=[DataRequired("Kies een beslissing.")])
    present = MultiCheckboxField("Aanwezig", coerce=int)
    note = TextAreaField("Toelichting", validators=[Optional(), Length(max=2000)])

    def validate_present(self, field):
        if not field.data:
            raise ValidationError("Duid aan wie aanwezig was op het overleg.")


class SupervisionForm(Form):
    held_on = DateField("Datum", validators=[DataRequired(), not_in_future(
        "Een supervisie noteer je na afloop: de datum ligt in de toekomst.")])
    notes = TextAreaField("Notities", validators=[DataRequired("Vul de notities van de supervisie in."),
                                                  Length(max=8000)])


class ConcernForm(Form):
    raised_on = DateField("Datum", validators=[DataRequired(), not_in_future()])
    description = TextAreaField("Wat is de zorg?", validators=[DataRequired("Beschrijf de zorg."), Length(max=4000)])


class ConcernStepForm(Form):
    step = SelectField("Stap", choices=CONCERN_STEPS)
    on_date = DateField("Datum", validators=[DataRequired(), not_in_future()])
    by_id = SelectField("Door", coerce=int)
    outcome = SelectField("Beslissing (bij de stap 'beslissen')", choices=[("", "—"), *CONCERN_OUTCOMES], default="")
    note = TextAreaField("Notitie", validators=[Optional(), Length(max=4000)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        return _conditional(ok, [(self.outcome, self.step.data == "decide" and not self.outcome.data,
                                  "Kies wat er beslist is.")])


class EvaluationForm(VersionedForm):
    moment = SelectField("Moment", choices=[("interim", "Tussentijdse evaluatie"), ("final", "Eindevaluatie")])
    result = SelectField("Resultaat", choices=EVALUATIONS[1:])
    note = StringField("Toelichting", validators=[Optional(), Length(max=500)])


def _score(label):
    return IntegerField(label, validators=[
        InputRequired("Vul deze score in (0 tot 10)."),
        NumberRange(0, 10, "Een schaalscore ligt tussen 0 en 10."),
    ])


class SdqForm(Form):
    informant = SelectField("Informant", choices=INFORMANTS)
    moment = SelectField("Moment", choices=MOMENTS)
    taken_on = DateField("Afgenomen op", validators=[DataRequired(), not_in_future()])
    emotional = _score(SDQ_SCALES[0][1])
    conduct = _score(SDQ_SCALES[1][1])
    hyperactivity = _score(SDQ_SCALES[2][1])
    peer = _score(SDQ_SCALES[3][1])
    prosocial = _score(SDQ_SCALES[4][1])


class FeeForm(VersionedForm):
    action = SelectField("Wat", choices=[("betaald", "Betaling registreren"), ("kwijtschelden", "Kwijtschelden"),
                                         ("open", "Terug open zetten")])
    paid_on = DateField("Betaald op", validators=[Optional(), not_in_future()])
    paid_amount = DecimalField("Bedrag", places=2, validators=[Optional(), NumberRange(0, 1000, "Geef een bedrag tussen 0 en 1000 euro.")])
    method = SelectField("Betaalwijze", choices=[("", "—")] + PAY_METHODS, default="")
    waive_reason = StringField("Reden van kwijtschelding", validators=[Optional(), Length(max=300)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        checks = [
            (self.paid_on, self.action.data == "betaald" and not self.paid_on.data and not self.paid_on.errors,
             "Vul de datum van betaling in."),
            (self.method, self.action.data == "betaald" and not self.method.data, "Kies de betaalwijze."),
            (self.waive_reason, self.action.data == "kwijtschelden" and not (self.waive_reason.data or "").strip(),
             "Geef de reden van de kwijtschelding."),
        ]
        return _conditional(ok, checks)


class PhaseForm(VersionedForm):
    phase = SelectField("Naar fase", coerce=int, choices=[(3, "Ondersteuning"), (4, "Evaluatie en afronding")])
    on = DateField("Vanaf", validators=[DataRequired(), not_in_future()])


class ClosureForm(VersionedForm):
    closed_on = DateField("Datum van afronding", validators=[DataRequired(), not_in_future()])
    closure_reason = SelectField("Reden van afronding", choices=[("", "— kies —")] + CLOSURE_REASONS, default="",
                                 validators=[DataRequired("Kies de reden van afronding.")])
    final_evaluation = TextAreaField("Eindevaluatie", validators=[Optional(), Length(max=4000)])
    closure_org_id = SelectField("Doorverwezen naar", coerce=_opt_int, default=0)
    closure_accompanied = BooleanField("Warme overdracht (begeleide doorverwijzing)")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        checks = [(self.closure_org_id, self.closure_reason.data == "doorverwijzing" and not self.closure_org_id.data,
                   "Kies de organisatie waarnaar je begeleid doorverwijst.")]
        return _conditional(ok, checks)


def _sdq_cutoffs(form, field):
    parts = (field.data or "").split(",")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValidationError("Geef twee getallen gescheiden door een komma, bv. 14,17.")
    a, b = (int(p) for p in parts)
    if not 0 < a < b <= 40:
        raise ValidationError("Het eerste getal moet kleiner zijn dan het tweede, beide tussen 1 en 40.")


def _region(form, field):
    if not [m for m in (field.data or "").split(",") if m.strip()]:
        raise ValidationError("Geef minstens één gemeente.")


def _count(label: str, maximum: int = 99):
    return IntegerField(label, validators=[InputRequired(), NumberRange(0, maximum)])


class SettingsForm(Form):
    """The PeTra settings page (``logic.SETTINGS``): field names are the setting keys."""

    max_months = IntegerField("Maximale duur van een traject (maanden)", validators=[
        InputRequired(), NumberRange(1, 24, "Kies tussen 1 en 24 maanden.")])
    warn_days = _count("Waarschuwen zoveel dagen voor het einde", 365)
    norm_sessie_kind = _count("Richtaantal sessies met het kind")
    norm_gesprek_ouders = _count("Richtaantal gesprekken met ouders")
    norm_school = _count("Richtaantal contacten met school (rondetafels inbegrepen)")
    norm_rondetafel = _count("Richtaantal rondetafels")
    norm_ouder_kind = _count("Richtaantal ouder-kindactiviteiten")
    norm_groep_sessies = _count("Richtaantal groepssessies (woensdagnamiddagen)")
    norm_groep_dagen = _count("Richtaantal groepsdagen (een zaterdag of een meerdaagse)")
    fee_full = _count("Engagementsbijdrage (euro)", 1000)
    fee_vt = _count("Engagementsbijdrage met verhoogde tegemoetkoming (euro)", 1000)
    clarifying_max = _count("Maximum vraagverhelderingsgesprekken per partij voor de start", 20)
    sdq_ouder = StringField("SDQ-grenzen ouder (grensgebied, verhoogd)", validators=[_sdq_cutoffs])
    sdq_leerkracht = StringField("SDQ-grenzen leerkracht (grensgebied, verhoogd)", validators=[_sdq_cutoffs])
    sdq_kind = StringField("SDQ-grenzen kind zelf (grensgebied, verhoogd)", validators=[_sdq_cutoffs])
    region = StringField("Gemeenten van het werkingsgebied (komma's)", validators=[_region, Length(max=500)])
    portal_team_id = SelectField(
        "Team dat aanmeldingen via het partnerportaal ontvangt", coerce=_opt_int, default=0,
        description="Leeg: met één PeTra-team gaat elke aanmelding daarheen; met meer teams kiest de partner.")
    portal_phone = StringField("Telefoon van het team voor partners", validators=[Optional(), Length(max=40)])
    portal_email = StringField("E-mail van het team voor partners", validators=[Optional(), Length(max=200)])

    def __init__(self, *args, **kwargs):
        from core.plugins import plugin_teams

        super().__init__(*args, **kwargs)
        self.portal_team_id.choices = [(0, "— automatisch / de partner kiest —")] + [
            (t.id, t.name) for t in plugin_teams()]


# --------------------------------------------------------------------------- a roundtable planned ahead (agenda)


class RoundtablePlanForm(Form):
    """Plan a roundtable ahead: it becomes an appointment in the agenda of the trajectory's workers."""

    kind = SelectField("Soort rondetafel", choices=ROUNDTABLE_KINDS)
    day = DateField("Datum", validators=[DataRequired()])
    start = TimeField("Begin", validators=[DataRequired()])
    end = TimeField("Einde", validators=[DataRequired()])
    place = StringField("Plaats (bv. de school)", validators=[Optional(), Length(max=200)])
    participants = MultiCheckboxField("Uitgenodigd", choices=ROUNDTABLE_PARTICIPANTS)
    other_participants = StringField("Andere deelnemers (functie)", validators=[Optional(), Length(max=200)])
    confirm = HiddenField()

    def validate_end(self, field):
        if field.data and self.start.data and field.data <= self.start.data:
            raise ValidationError("Het einde ligt vóór (of op) het begin: kies een later einduur.")

    def validate_participants(self, field):
        if not field.data:
            raise ValidationError("Duid aan wie je uitnodigt.")


# --------------------------------------------------------------------------- partner portal, who attends a roundtable

AGREED = [("ja", "Ja, de ouders gaan akkoord met de aanmelding"), ("nee", "Nee, (nog) niet")]


class PortalReferralForm(_SchoolAndQuestion, Form):
    """A referral a partner sends through the portal: the staff referral's fields, plus who at the partner refers,
    the parents' agreement and who told them."""

    team_id = SelectField("PeTra-team", coerce=_opt_int, default=0)
    referrer_name = StringField("Jouw naam", validators=[DataRequired("Vul je naam in."), Length(max=200)])
    referrer_role = StringField("Jouw functie", validators=[Optional(), Length(max=120)])
    referrer_phone = StringField("Telefoon", validators=[Optional(), Length(max=40)])
    referrer_email = EmailField("E-mail", validators=[Optional(), Length(max=200)])
    given_name = StringField("Voornaam kind", validators=[DataRequired("Vul de voornaam van het kind in."),
                                                          Length(max=120)])
    family_name = StringField("Familienaam kind", validators=[DataRequired("Vul de familienaam in."),
                                                             Length(max=120)])
    birth_date = DateField("Geboortedatum", validators=[DataRequired("Vul de geboortedatum in."), not_in_future()])
    municipality = StringField("Woonplaats (gemeente)", validators=[DataRequired("Vul de woonplaats in."),
                                                                   Length(max=100)])
    parents_agreed = RadioField("Gaan de ouders akkoord met deze aanmelding?", choices=AGREED,
                                validators=[DataRequired("Duid aan of de ouders akkoord gaan.")])
    parents_informed_by = StringField("Wie heeft de aanmelding met de ouders besproken?",
                                      validators=[Optional(), Length(max=200)])
    confirm_warnings = BooleanField("Ik heb de opmerkingen gelezen en meld toch aan")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        return _conditional(ok, [
            (self.parents_agreed, self.parents_agreed.data == "nee",
             "Aanmelden kan alleen met het akkoord van de ouders: PeTra werkt vrijwillig en vraagt hun "
             "engagement. Bespreek de aanmelding eerst met de ouders."),
            (self.parents_informed_by, self.parents_agreed.data == "ja"
             and not (self.parents_informed_by.data or "").strip(),
             "Vul in wie de aanmelding met de ouders besproken heeft."),
        ])


class DeclineForm(VersionedForm):
    decline_reason = TextAreaField("Reden (de partner ziet die in het portaal)",
                                   validators=[DataRequired("Geef de reden: de partner ziet die."), Length(max=2000)])


class AcceptForm(VersionedForm):
    child_id = HiddenField()
    family_id = HiddenField()
    sleutel = HiddenField()


class AttendeeForm(Form):
    name = StringField("Naam", validators=[DataRequired("Vul de naam in."), Length(max=160)])
    role = SelectField("Functie", choices=[c for c in ROUNDTABLE_PARTICIPANTS if c[0] not in ("ouders", "kind")])
