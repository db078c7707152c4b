"""Form helpers shared by the core and the plugins: Dutch messages, version checks, safe parsing."""

from __future__ import annotations

import functools
from datetime import date

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.i18n import get_translations
from wtforms.validators import ValidationError

CONFLICT_MESSAGE = (
    "Iemand anders heeft dit intussen gewijzigd. Je wijzigingen zijn niet opgeslagen maar staan hieronder "
    "nog ingevuld: vergelijk ze met de nieuwste versie (herlaad in een ander tabblad) en sla opnieuw op."
)


class EditConflict(Exception):
    pass


def check_version(obj, submitted) -> None:
    """Raise EditConflict when the record changed since the user opened the form."""
    try:
        submitted_version = int(submitted)
    except (TypeError, ValueError):
        raise EditConflict() from None
    if submitted_version != obj.version:
        raise EditConflict()


def not_in_future(message: str = "Deze datum ligt in de toekomst."):
    def _check(form, field):
        if field.data and field.data > date.today():
            raise ValidationError(message)

    return _check


# App-specific wording on top of WTForms' own Dutch catalogue (``wtforms/locale/nl``): friendlier hints for the
# formats our fields accept, "tekens" rather than "karakters", "getal" rather than "nummer".
DUTCH_MESSAGES = {
    "This field is required.": "Dit veld is verplicht.",
    "Not a valid date value.": "Geen geldige datum (dd/mm/jjjj of jjjj-mm-dd).",
    "Not a valid integer value.": "Geef een geheel getal.",
    "Not a valid decimal value.": "Geef een getal (bv. 12,5).",
    "Not a valid float value.": "Geef een getal (bv. 12,5).",
    "Not a valid choice.": "Kies een van de mogelijkheden.",
    "Invalid email address.": "Geen geldig e-mailadres.",
    "Not a valid time value.": "Geen geldig uur (uu:mm).",
    "Not a valid datetime value.": "Geen geldig tijdstip.",
    "Number must be between %(min)s and %(max)s.": "Geef een getal tussen %(min)s en %(max)s.",
    "Number must be at least %(min)s.": "Geef een getal van minstens %(min)s.",
    "Number must be at most %(max)s.": "Geef een getal van hoogstens %(max)s.",
    "Field must be at least %(min)d character long.": "Minstens %(min)d teken.",
    "Field must be at least %(min)d characters long.": "Minstens %(min)d tekens.",
    "Field cannot be longer than %(max)d character.": "Maximaal %(max)d teken.",
    "Field cannot be longer than %(max)d characters.": "Maximaal %(max)d tekens.",
    "Field must be between %(min)d and %(max)d characters long.": "Tussen %(min)d en %(max)d tekens.",
    "The CSRF token is missing.": "Het formulier is verlopen. Laad de pagina opnieuw.",
}
LOCALES = ["nl_BE", "nl"]


@functools.cache
def _wtforms_dutch():
    return get_translations(LOCALES)


class DutchTranslations:
    """WTForms translations object: WTForms' own Dutch messages, with ``DUTCH_MESSAGES`` taking precedence."""

    def gettext(self, string):
        return DUTCH_MESSAGES.get(string) or _wtforms_dutch().gettext(string)

    def ngettext(self, singular, plural, n):
        return DUTCH_MESSAGES.get(singular if n == 1 else plural) or _wtforms_dutch().ngettext(singular, plural, n)


class DutchMeta:
    locales = LOCALES

    def get_translations(self, form):
        return DutchTranslations()


class Form(FlaskForm):
    """Base form with Dutch built-in messages. Subclass this (or ``VersionedForm``) in plugins too."""

    class Meta(DutchMeta):
        pass


class VersionedForm(Form):
    """A form for a record with a ``version`` column: the version the user started from travels along."""

    version = HiddenField()
