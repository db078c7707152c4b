"""Forms of the network plugin, with the checks the importer shares (phone, e-mail, sector)."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import FastSelect, Form, VersionedForm, not_in_future
from core.geo import MUNICIPALITIES

from .models import (
    COSTS,
    DIRECTIONS,
    LINES,
    OUTCOMES,
    RELATION_KINDS,
    SECTORS,
    TIE_KINDS,
    TIE_STRENGTHS,
    WAITING_STATUSES,
)

PHONE_CHARS = re.compile(r"[\s./()\-]")
PHONE_RE = re.compile(r"^(\+[1-9][0-9]{7,13}|0[1-9][0-9]{7,8})$")


def phone_problem(value: str | None) -> str | None:
    """A Dutch message when ``value`` is not a plausible phone number (Belgian 0xx or international +xx)."""
    if not value or not value.strip():
        return None
    cleaned = PHONE_CHARS.sub("", value.strip())
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if not PHONE_RE.match(cleaned):
        return "Geen geldig telefoonnummer (bv. 089 30 20 10 of +32 89 30 20 10)."
    return None


def email_problem(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    try:
        validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return "Geen geldig e-mailadres (bv. naam@organisatie.be)."
    return None


def _phone(form, field):
    msg = phone_problem(field.data)
    if msg:
        raise ValidationError(msg)


def _email(form, field):
    msg = email_problem(field.data)
    if msg:
        raise ValidationError(msg)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def municipality_choices() -> list[tuple[str, str]]:
    return [(m, m) for m in sorted(MUNICIPALITIES)]


class PartnerForm(VersionedForm):
    name = StringField("Naam", validators=[DataRequired(), Length(max=200)])
    sector = SelectField("Sector / beleidsdomein", choices=SECTORS, validators=[DataRequired()])
    line = SelectField("Lijn", choices=[(str(k), v) for k, v in LINES], validators=[DataRequired()])
    municipalities = MultiCheckboxField("Werkgebied (gemeenten)", choices=municipality_choices(),
                                        validate_choice=False)
    care_zone = StringField("Eerstelijnszone", validators=[Optional(), Length(max=120)])
    province = StringField("Provincie", validators=[Optional(), Length(max=60)])
    website = StringField("Website", validators=[Optional(), Length(max=300),
                                                 URL(message="Geen geldige website (begin met https://).")])
    phone = StringField("Algemeen telefoonnummer", validators=[Optional(), Length(max=40), _phone])
    email = StringField("Algemeen e-mailadres", validators=[Optional(), Length(max=200), _email])
    description = TextAreaField("Omschrijving", validators=[Optional(), Length(max=4000)])
    last_verified = DateField("Laatst nagekeken op", validators=[Optional()])


class GeneralDetailsForm(VersionedForm):
    """What a partner corrects about their organisation in the portal."""
    website = StringField("Website", validators=[Optional(), Length(max=300),
                                                 URL(message="Geen geldige website (begin met https://).")])
    phone = StringField("Algemeen telefoonnummer", validators=[Optional(), Length(max=40), _phone])
    sector = SelectField("Sector / beleidsdomein", choices=SECTORS, validators=[DataRequired()])


class ContactForm(VersionedForm):
    name = StringField("Naam", validators=[DataRequired(), Length(max=160)])
    role = StringField("Functie of rol", validators=[Optional(), Length(max=160)])
    phone = StringField("Telefoon", validators=[Optional(), Length(max=40), _phone])
    email = StringField("E-mail", validators=[Optional(), Length(max=200), _email])
    is_primary = BooleanField("Eerste aanspreekpunt (wie bel je?)")
    shareable = BooleanField("Zichtbaar voor partners op de sociale kaart", default=True)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not (self.phone.data or "").strip() and not (self.email.data or "").strip():
            self.phone.errors.append("Geef een telefoonnummer of een e-mailadres.")
            return False
        return ok


class ServiceForm(VersionedForm):
    name = StringField("Aanbod", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Omschrijving", validators=[Optional(), Length(max=4000)])
    age_min = IntegerField("Vanaf leeftijd", validators=[Optional(), NumberRange(0, 99, "Tussen 0 en 99.")])
    age_max = IntegerField("Tot leeftijd", validators=[Optional(), NumberRange(0, 99, "Tussen 0 en 99.")])
    cost = SelectField("Kostprijs", choices=COSTS)
    cost_note = StringField("Toelichting kostprijs", validators=[Optional(), Length(max=200)])
    waiting_time = StringField("Gebruikelijke wachttijd", validators=[Optional(), Length(max=100)])
    shareable = BooleanField("Zichtbaar voor partners op de sociale kaart", default=True)

    def validate_age_max(self, field):
        if field.data is not None and self.age_min.data is not None and field.data < self.age_min.data:
            raise ValidationError("De maximumleeftijd ligt onder de minimumleeftijd.")


class RelationForm(VersionedForm):
    source_id = SelectField("Organisatie", coerce=int, validators=[DataRequired()])
    target_id = SelectField("Partner", coerce=int, validators=[DataRequired()])
    kind = SelectField("Soort relatie", choices=RELATION_KINDS)
    direction = SelectField("Richting", choices=DIRECTIONS)
    structural = SelectField("Aard", choices=[("1", "Structureel"), ("0", "Ad hoc")])
    description = TextAreaField("Omschrijving", validators=[Optional(), Length(max=4000)])
    privacy_terms = TextAreaField("Afspraken over privacy (gegevensdeling)", validators=[Optional(), Length(max=4000)])
    secrecy_terms = TextAreaField("Afspraken over beroepsgeheim", validators=[Optional(), Length(max=4000)])
    start_date = DateField("Start", validators=[Optional()])
    end_date = DateField("Einde", validators=[Optional()])
    review_date = DateField("Evalueren op", validators=[Optional()])

    def validate_target_id(self, field):
        if field.data and field.data == self.source_id.data:
            raise ValidationError("Een organisatie kan geen relatie met zichzelf hebben. Kies een andere partner.")

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("De einddatum ligt voor de startdatum.")


class TieForm(VersionedForm):  # in the ecomap panel of every family page: FastSelect
    kind = SelectField("Soort", choices=TIE_KINDS, widget=FastSelect())
    label = StringField("Wie of wat", validators=[Length(max=160)])
    person_id = SelectField("Rond", coerce=int, validate_choice=True, widget=FastSelect())
    # picked from a paged search (network/_org_picker.html), never a list of every organisation in the page
    organisation_id = IntegerField("Organisatie (bij een dienst)", validators=[Optional()], filters=[lambda v: v or 0])
    strength = SelectField("Band", choices=TIE_STRENGTHS, default="gewoon", widget=FastSelect())
    note = StringField("Opmerking", validators=[Optional(), Length(max=300)])

    def validate_label(self, field):
        if not (field.data or "").strip() and not (self.kind.data == "dienst" and self.organisation_id.data):
            raise ValidationError("Dit veld is verplicht: wie is het (bv. grootmoeder, buurvrouw Ria) of kies een "
                                  "organisatie bij een dienst.")


class ReferralForm(VersionedForm):
    organisation_id = SelectField("Naar organisatie", coerce=int, validators=[DataRequired()])
    referred_on = DateField("Datum", validators=[DataRequired(), not_in_future("De verwijsdatum ligt in de toekomst.")])
    accompanied = BooleanField("Warme overdracht (begeleider ging mee of belde samen met het gezin)")
    waiting_status = SelectField("Wachtstatus", choices=WAITING_STATUSES)
    outcome = SelectField("Resultaat", choices=OUTCOMES)
    question = TextAreaField("Hulpvraag (deelbaar met de partner bij toestemming)", validators=[Optional(), Length(max=2000)])
    note = TextAreaField("Interne opmerking (nooit gedeeld)", validators=[Optional(), Length(max=2000)])


class ImportForm(Form):
    file = FileField("Bestand (Excel .xlsx of .csv)", validators=[
        FileRequired("Kies een bestand."),
        FileAllowed(["xlsx", "csv"], "Enkel .xlsx- of .csv-bestanden."),
    ])


class SettingsForm(Form):
    stale_months = IntegerField("Gegevens gelden als mogelijk verouderd na (maanden)", description=(
        "Organisaties die langer niet nagekeken werden, krijgen het label 'mogelijk verouderd'. Standaard 12."),
        validators=[InputRequired("Geef een aantal maanden."), NumberRange(1, 120, "Tussen 1 en 120 maanden.")])
