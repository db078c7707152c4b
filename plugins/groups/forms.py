"""Forms of the groups plugin (Dutch labels and messages)."""

from __future__ import annotations

from datetime import datetime

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired as _DataRequired
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError
from wtforms.validators import Length as _Length

from core.forms import Form, VersionedForm

from .logic import WEEKDAYS, parse_skip_dates
from .models import AGE_GROUPS, PRIORITIES, PROGRAMME_KINDS, SESSION_KINDS


def Required():  # noqa: N802
    return _DataRequired(message="Dit veld is verplicht.")


def Length(max: int):  # noqa: A002,N802
    return _Length(max=max, message=f"Maximaal {max} tekens.")


class ProgrammeForm(VersionedForm):
    name = StringField("Naam", validators=[Required(), Length(200)])
    team_id = SelectField("Team (eigenaar)", coerce=int)
    kind = SelectField("Soort aanbod", choices=PROGRAMME_KINDS)
    age_group = SelectField("Doelgroep", choices=AGE_GROUPS)
    age_min = IntegerField("Leeftijd vanaf", validators=[Optional(), NumberRange(0, 99, "Geef een leeftijd tussen 0 en 99.")])
    age_max = IntegerField("Leeftijd tot en met", validators=[Optional(), NumberRange(0, 99, "Geef een leeftijd tussen 0 en 99.")])
    capacity = IntegerField("Capaciteit (aantal plaatsen)", validators=[
        InputRequired(message="Geef de capaciteit (minstens 1)."),
        NumberRange(min=1, max=500, message="De capaciteit moet minstens 1 zijn (en hoogstens 500).")])
    location = StringField("Locatie of lokaal", validators=[Optional(), Length(200)])
    start_date = DateField("Van", validators=[Optional()])
    end_date = DateField("Tot en met", validators=[Optional()])
    leader_ids = SelectMultipleField("Begeleiders", coerce=int, validators=[Optional()])
    partner_ids = SelectMultipleField("Externe partners", coerce=int, validators=[Optional()])
    themes = StringField("Thema's", validators=[Optional(), Length(500)],
                         description="Gescheiden door komma's, bv. relaties, groepsdruk, gezag.")
    description = TextAreaField("Omschrijving", validators=[Optional(), Length(4000)])
    confirm_conflicts = BooleanField("Toch opslaan ondanks de planningsconflicten")

    def values(self) -> dict:
        """The fields as ``operations.create_programme``/``edit_programme`` take them."""
        return {name: getattr(self, name).data for name in (
            "name", "team_id", "kind", "age_group", "age_min", "age_max", "capacity", "location", "start_date",
            "end_date", "themes", "description")} | {"leader_ids": self.leader_ids.data or [],
                                                     "partner_ids": self.partner_ids.data or []}

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("De einddatum ligt vóór de begindatum.")

    def validate_age_max(self, field):
        if self.age_group.data == "leeftijd":
            if self.age_min.data is None and field.data is None:
                raise ValidationError("Geef minstens een leeftijd vanaf of tot.")
            if field.data is not None and self.age_min.data is not None and field.data < self.age_min.data:
                raise ValidationError("De maximumleeftijd is kleiner dan de minimumleeftijd.")


class SessionForm(VersionedForm):
    kind = SelectField("Soort", choices=SESSION_KINDS)
    start_day = DateField("Begindatum", validators=[_DataRequired(message="Geef een geldige datum.")])
    start_time = TimeField("Beginuur", validators=[_DataRequired(message="Geef een geldig uur (uu:mm).")])
    end_day = DateField("Einddatum", validators=[Optional()], description="Leeg: dezelfde dag. Voor een kamp of weekend: de laatste dag.")
    end_time = TimeField("Einduur", validators=[_DataRequired(message="Geef een geldig uur (uu:mm).")])
    location = StringField("Lokaal of locatie", validators=[Optional(), Length(200)],
                           description="Leeg: de locatie van de groep.")
    theme = StringField("Thema", validators=[Optional(), Length(200)])
    partner_id = SelectField("Blok verzorgd door (externe partner)", coerce=int, default=0)
    plan = TextAreaField("Plan", validators=[Optional(), Length(8000)])
    reflection = TextAreaField("Reflectie achteraf", validators=[Optional(), Length(8000)])
    confirm_conflicts = BooleanField("Toch opslaan ondanks de planningsconflicten")

    def values(self) -> dict:
        """The fields as ``operations.add_session``/``edit_session`` take them."""
        starts_at = datetime.combine(self.start_day.data, self.start_time.data)
        ends_at = datetime.combine(self.end_day.data or self.start_day.data, self.end_time.data)
        return dict(kind=self.kind.data, starts_at=starts_at, ends_at=ends_at, location=self.location.data,
                    theme=self.theme.data, partner_id=self.partner_id.data or None, plan=self.plan.data,
                    reflection=self.reflection.data, confirm_conflicts=self.confirm_conflicts.data)

    def validate_end_time(self, field):
        if not (self.start_day.data and self.start_time.data and field.data):
            return
        end_day = self.end_day.data or self.start_day.data
        if datetime.combine(end_day, field.data) <= datetime.combine(self.start_day.data, self.start_time.data):
            raise ValidationError("Het einde van de sessie ligt vóór (of op) het begin.")


class SeriesForm(Form):
    weekday = SelectField("Weekdag", coerce=int, choices=WEEKDAYS, default=2)
    first_day = DateField("Vanaf", validators=[_DataRequired(message="Geef een geldige datum.")])
    start_time = TimeField("Beginuur", validators=[_DataRequired(message="Geef een geldig uur (uu:mm).")])
    end_time = TimeField("Einduur", validators=[_DataRequired(message="Geef een geldig uur (uu:mm).")])
    count = IntegerField("Aantal weken (sessies)", default=6, validators=[
        InputRequired(message="Geef het aantal sessies (1 tot 52)."),
        NumberRange(1, 52, "Geef een aantal tussen 1 en 52.")],
        description="Overgeslagen weken tellen niet mee: de reeks schuift op.")
    skip = TextAreaField("Niet op deze datums (bv. schoolvakanties)", validators=[Optional(), Length(4000)],
                         description="Eén datum of periode per lijn, bv. 24/02/2025 of 03/03/2025 - 09/03/2025.")
    location = StringField("Lokaal of locatie", validators=[Optional(), Length(200)])
    theme = StringField("Thema (voor alle sessies)", validators=[Optional(), Length(200)])
    confirm_conflicts = BooleanField("Toch opslaan ondanks de planningsconflicten")

    def validate_end_time(self, field):
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError("Het einduur ligt vóór (of op) het beginuur.")

    def validate_skip(self, field):
        try:
            self.skip_dates = parse_skip_dates(field.data)
        except ValueError as e:
            raise ValidationError(str(e)) from None


class EnrolForm(Form):
    person_id = HiddenField()
    family_id = HiddenField()
    sleutel = HiddenField()  # the search's token for a child of a household the team is not involved with
    priority = SelectField("Prioriteit (wachtlijst)", coerce=int, choices=PRIORITIES, default=2)
    photo_consent = BooleanField("Toestemming voor foto's van het kind")
    film_consent = BooleanField("Toestemming voor film van het kind (toonmoment)")
    note = StringField("Opmerking", validators=[Optional(), Length(300)],
                       description="Geen gevoelige details: enkel wat de groep moet weten.")
    confirm_fit = BooleanField("Toch inschrijven: leeftijd of schooljaar wijkt af")

    def values(self) -> dict:
        """The choices as ``operations.enrol`` takes them (the person comes from the card)."""
        return dict(token=self.sleutel.data or None, priority=self.priority.data,
                    photo_consent=self.photo_consent.data, film_consent=self.film_consent.data,
                    note=self.note.data, confirm_fit=self.confirm_fit.data)


class EnrolmentEditForm(VersionedForm):
    priority = SelectField("Prioriteit (wachtlijst)", coerce=int, choices=PRIORITIES)
    photo_consent = BooleanField("Toestemming voor foto's van het kind")
    film_consent = BooleanField("Toestemming voor film van het kind (toonmoment)")
    note = StringField("Opmerking", validators=[Optional(), Length(300)])

    def values(self) -> dict:
        """The fields as ``operations.edit_enrolment`` takes them."""
        return dict(priority=self.priority.data, photo_consent=self.photo_consent.data,
                    film_consent=self.film_consent.data, note=self.note.data)
