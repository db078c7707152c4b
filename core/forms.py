"""Form helpers shared by the core and the plugins: Dutch messages, version checks, safe parsing."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import HiddenField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import ValidationError

from . import idempotency

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
    "The CSRF token is missing.": "Het formulier is verlopen. Laad de pagina opnieuw.",
}


class DutchTranslations:
    """WTForms translations object: the built-in English messages in Dutch."""

    def gettext(self, string):
        return DUTCH_MESSAGES.get(string, string)

    def ngettext(self, singular, plural, n):
        if "at least" in singular:
            return f"Minstens {n} tekens." if "character" in singular else f"Minstens {n}."
        if "longer than" in singular:
            return f"Maximaal {n} tekens."
        return DUTCH_MESSAGES.get(singular if n == 1 else plural, singular if n == 1 else plural)


class DutchMeta:
    def get_translations(self, form):
        return DutchTranslations()


class IdempotencyKeyField(HiddenField):
    """The form's idempotency key (see ``core.idempotency``): made when the form is rendered, sent back with
    the submit; a second submit with the same key stores nothing and shows the first result.

    A form shown again keeps the submitted key only when it was the form validated in this request and its
    submit stored nothing (the same attempt, corrected); any other form on the page gets a fresh key."""

    validated = False

    def _value(self):
        self.data = idempotency.key_to_render(self.data if self.validated else None)
        return self.data

    def populate_obj(self, *args):
        pass


class _CsrfAndKeyField(CSRFTokenField):
    """``{{ form.csrf_token }}`` renders the idempotency key too, so every template of every form has it."""

    key_field: IdempotencyKeyField | None = None

    def __call__(self, **kwargs):
        html = super().__call__(**kwargs)
        return html + self.key_field() if self.key_field is not None else html


class _FormCSRF(_FlaskFormCSRF):
    field_class = _CsrfAndKeyField


class Form(FlaskForm):
    """Base form with Dutch built-in messages. Subclass this (or ``VersionedForm``) in plugins too.

    Every Form carries an idempotency key, rendered by ``{{ form.csrf_token }}``: nothing to do in a plugin."""

    class Meta(DutchMeta):
        csrf_class = _FormCSRF

    idempotency_key = IdempotencyKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        token = self._fields.get(self.meta.csrf_field_name) if self.meta.csrf else None
        if isinstance(token, _CsrfAndKeyField):
            token.key_field = self.idempotency_key

    def validate(self, extra_validators=None):
        self.idempotency_key.validated = True
        return super().validate(extra_validators)


class VersionedForm(Form):
    """A form for a record with a ``version`` column: the version the user started from travels along."""

    version = HiddenField()
