"""Forms for family records. Messages in Dutch; what the user typed is kept on every refusal."""

from __future__ import annotations

from datetime import date

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .forms import FastSelect, Form, VersionedForm
from .geo import MUNICIPALITIES, is_valid_postcode, postcode_matches
from .models import INFO_KINDS, MEMBER_ROLES
from .vocabulary import SCHOOL_LEVEL_CHOICES, school_year_validators

CHANNELS = [("telefoon", "Telefoon"), ("e-mail", "E-mail"), ("berichtenapp", "Berichtenapp (WhatsApp, Signal, …)")]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class FamilyForm(VersionedForm):
    label = StringField("Gezinsnaam", validators=[DataRequired("Geef een naam voor het gezin (bv. de familienaam)."),
                                                  Length(max=200)], filters=[_strip])
    street = StringField("Straat en huisnummer", validators=[Optional(), Length(max=200)], filters=[_strip])
    postcode = StringField("Postcode", validators=[Optional()], filters=[_strip])
    municipality = StringField("Gemeente", validators=[Optional(), Length(max=100)], filters=[_strip],
                               description="Bv. Genk, As, Oudsbergen, Zutendaal")
    languages = StringField("Taal of talen thuis", validators=[Optional(), Length(max=200)], filters=[_strip])
    contact_channels = MultiCheckboxField("Hoe contacteren we het gezin liefst?", choices=CHANNELS,
                                          validators=[Optional()])
    phone = StringField("Telefoon", validators=[Optional(), Length(max=40)], filters=[_strip])
    email = StringField("E-mail", validators=[Optional(), Email("Geen geldig e-mailadres."), Length(max=200)],
                        filters=[_strip])
    has_vt = BooleanField("Verhoogde tegemoetkoming (VT)")
    notes = TextAreaField("Notities", validators=[Optional(), Length(max=5000)])

    def validate_postcode(self, field):
        if field.data and not is_valid_postcode(field.data):
            raise ValidationError("Een Belgische postcode heeft 4 cijfers (1000 tot 9999).")

    def validate_municipality(self, field):
        if field.data and self.postcode.data and is_valid_postcode(self.postcode.data):
            known = {k.lower(): k for k in MUNICIPALITIES}
            name = known.get(field.data.lower(), field.data)
            field.data = name
            if not postcode_matches(self.postcode.data, name):
                raise ValidationError(f"Postcode {self.postcode.data} hoort niet bij {name}.")

    def validate_phone(self, field):
        if field.data:
            digits = "".join(c for c in field.data if c.isdigit())
            if len(digits) < 9 or len(digits) > 13 or any(c not in "0123456789 +/.-()" for c in field.data):
                raise ValidationError("Geen geldig telefoonnummer (bv. 0470 12 34 56 of +32 89 12 34 56).")


def validate_birth(role: str, born: date | None, expected: bool, today: date | None = None) -> str | None:
    """A Dutch message when a date of birth does not fit the member's role, else None."""
    today = today or date.today()
    if born is None:
        return "Geef de (verwachte) geboortedatum." if role in ("verwacht",) else None
    if role == "verwacht" or expected:
        if born < today:
            return "De verwachte geboortedatum van een ongeboren kind ligt in de toekomst."
        if (born - today).days > 300:
            return "Een verwachte geboortedatum ligt hoogstens 10 maanden in de toekomst."
        return None
    if born > today:
        return "De geboortedatum ligt in de toekomst. Voor een ongeboren kind kies je ‘Verwacht kind’."
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if role == "kind" and age > 24:
        return "Een kind in het Huis van het Kind is hoogstens 24 jaar. Registreer een oudere persoon als ouder of opvoeder."
    if age > 120:
        return "Deze geboortedatum is niet geloofwaardig."
    return None


class PersonForm(VersionedForm):
    role = SelectField("Rol in het gezin", choices=MEMBER_ROLES, default="kind")
    relation = StringField("Relatie (optioneel)", validators=[Optional(), Length(max=80)], filters=[_strip],
                           description="Bv. grootmoeder, pleegvader, stiefmoeder")
    given_name = StringField("Voornaam", validators=[DataRequired("Geef een voornaam."), Length(max=120)],
                             filters=[_strip])
    family_name = StringField("Familienaam", validators=[DataRequired("Geef een familienaam."), Length(max=120)],
                              filters=[_strip])
    birth_date = DateField("Geboortedatum (of verwachte datum)", validators=[Optional()])
    gender = StringField("Gender, zoals het gezin het zegt", validators=[Optional(), Length(max=60)], filters=[_strip])
    school_id = SelectField("School", coerce=str, validators=[Optional()])
    school_level = SelectField("Onderwijsniveau", choices=SCHOOL_LEVEL_CHOICES, validators=[Optional()])
    school_year = IntegerField("Jaar", validators=school_year_validators("Een jaar tussen 1 en 7."),
                               description="Bv. 4 voor het 4de leerjaar")
    class_teacher = StringField("Klasleerkracht", validators=[Optional(), Length(max=160)], filters=[_strip])

    def validate_birth_date(self, field):
        problem = validate_birth(self.role.data, field.data, self.role.data == "verwacht")
        if problem:
            raise ValidationError(problem)

    def validate_school_id(self, field):
        valid = {str(v) for v, _ in self.school_id.choices}
        if field.data and field.data not in valid:
            raise ValidationError("Onbekende school: kies een school uit de lijst (of vraag de beheerder ze toe te voegen).")

    def validate_school_level(self, field):
        if self.role.data not in ("kind",) and (field.data or self.school_id.data):
            if self.school_id.data:
                raise ValidationError("Schoolgegevens horen enkel bij een kind.")


class NewFamilyForm(FamilyForm, PersonForm):
    """A new family with its first member (so the duplicate check has a name and a date of birth)."""

    team_id = SelectField("Team dat betrokken is", coerce=int)
    reason = StringField("Reden van betrokkenheid", validators=[DataRequired("Geef kort de reden."), Length(max=300)],
                         filters=[_strip], default="Nieuw gezin geregistreerd")
    confirm_duplicate = BooleanField("Ik heb de gelijkaardige personen bekeken en maak toch een nieuw gezin aan")


class InvolvementForm(Form):
    team_id = SelectField("Team", coerce=int, widget=FastSelect())  # on every family page
    reason = StringField("Reden", validators=[DataRequired("Geef de reden waarom je team betrokken is."),
                                              Length(min=5, max=300)], filters=[_strip])


class ConsentForm(Form):
    organisation_id = SelectField("Met welke organisatie", coerce=int)
    purpose = StringField("Doel", validators=[DataRequired("Geef het doel van het delen."), Length(max=300)],
                          filters=[_strip], description="Bv. afstemming begeleiding met de school")
    info_kinds = MultiCheckboxField("Welke informatie", choices=INFO_KINDS,
                                    validators=[DataRequired("Kies minstens één soort informatie.")])
    given_by_person_id = SelectField("Gegeven door", coerce=int)
    given_on = DateField("Gegeven op", validators=[DataRequired("Geef de datum waarop de toestemming gegeven werd.")])
    valid_until = DateField("Geldig tot (optioneel)", validators=[Optional()])

    def validate_given_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError("Toestemming kan niet in de toekomst gegeven zijn.")

    def validate_valid_until(self, field):
        if field.data and self.given_on.data and field.data < self.given_on.data:
            raise ValidationError("De einddatum ligt voor de datum waarop de toestemming gegeven werd.")


class FamilySearchForm(Form):
    class Meta:
        csrf = False

    q = StringField("Naam", validators=[Optional(), Length(max=100)], filters=[_strip])
    geboren = DateField("Geboortedatum", validators=[Optional()])
    gemeente = SelectField("Gemeente", validators=[Optional()], widget=FastSelect())
    archief = RadioField("Toon", choices=[("", "Actieve gezinnen"), ("1", "Ook gearchiveerde")], default="",
                         validators=[Optional()])
