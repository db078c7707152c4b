"""Form helpers shared by the core and the plugins: Dutch messages, version checks, safe parsing."""

from __future__ import annotations

import functools
from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from markupsafe import Markup, escape
from wtforms import HiddenField
from wtforms.csrf.core import CSRFTokenField
from wtforms.i18n import get_translations
from wtforms.validators import ValidationError
from wtforms.widgets import Select, html_params

from . import idempotency
from .formatting import belgian_phone

CONFLICT_MESSAGE = (
    "Iemand anders heeft dit intussen gewijzigd. Je wijzigingen zijn niet opgeslagen maar staan hieronder "
    "nog ingevuld: vergelijk ze met de nieuwste versie (herlaad in een ander tabblad) en sla opnieuw op."
)


class FastSelect(Select):
    """wtforms' ``Select`` widget with the same HTML, byte for byte, built without ``html_params`` and a
    ``Markup`` per option: for the lists of teams, municipalities and people on pages every worker opens many
    times a day (``SelectField("Team", widget=FastSelect())``). Groups, ``multiple`` and options with their
    own attributes go the usual way."""

    def __call__(self, field, **kwargs):
        if self.multiple or field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = vars(getattr(field, "flags", None) or {})
        for k in self.validation_attrs:
            if k in flags and k not in kwargs:
                kwargs[k] = flags[k]
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for choice in field._iter_choices_normalized():
            if choice.render_kw:
                html.append(self.render_option(choice))
                continue
            value = str(choice.value) if isinstance(choice.value, bool) else choice.value
            html.append(f'<option {"selected " if choice.selected else ""}value="{escape(value)}">'
                        f'{escape(choice.label or choice.value)}</option>')
        html.append("</select>")
        return Markup("".join(html))


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


class ConflictSafeSave:
    """``with conflict_safe(form) as save:`` around the changes of one save; see ``conflict_safe``."""

    def __init__(self, form=None, *, flash_message: bool = False):
        self.form = form
        self.flash_message = flash_message or form is None
        self.saved = False
        self.conflict = False
        self.refused = None  # the core.operations.Refused that stopped the save, if any
        self._checked = None

    def check(self, obj) -> None:
        """Refuse the save (an ``EditConflict``) when ``obj`` changed since the form was opened: the form's
        hidden ``version`` differs from ``obj.version``."""
        self._checked = obj
        check_version(obj, self.form.version.data if self.form is not None else None)

    @property
    def status(self) -> int:
        """The HTTP status to render the form with: 409 after a conflict, 422 after a refused operation,
        else 200."""
        return 409 if self.conflict else 422 if self.refused is not None else 200

    def __enter__(self) -> ConflictSafeSave:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        from flask import flash
        from sqlalchemy.orm.exc import StaleDataError

        from .extensions import db
        from .operations import Refused

        if exc_type is not None and issubclass(exc_type, Refused):
            db.session.rollback()
            self.refused = exc
            field = (getattr(self.form, exc.field, None)
                     if self.form is not None and exc.field and not self.flash_message else None)
            if field is not None:
                field.errors = [*field.errors, exc.message]
            elif self.form is not None and not self.flash_message:
                self.form.form_errors.append(exc.message)
            else:
                flash(exc.message, "error")
            return True
        if exc_type is None:
            try:
                db.session.commit()
            except StaleDataError:
                exc_type = StaleDataError
            else:
                self.saved = True
                return False
        if not issubclass(exc_type, EditConflict | StaleDataError):
            db.session.rollback()
            return False
        db.session.rollback()
        self.conflict = True
        if self.flash_message:
            flash(CONFLICT_MESSAGE, "error")
        else:
            self.form.form_errors.append(CONFLICT_MESSAGE)
            self._offer_newest_version()
        return True

    def _offer_newest_version(self) -> None:
        """The form shows the user's input and now carries the newest version: after comparing, saving
        again is a deliberate overwrite instead of the same refusal forever."""
        from sqlalchemy.exc import SQLAlchemyError

        version = getattr(self.form, "version", None)
        if self._checked is None or version is None:
            return
        try:
            version.data = self._checked.version  # reloaded after the rollback
        except SQLAlchemyError:  # the record is gone: keep the old version, the next save is refused again
            pass


def conflict_safe(form=None, *, flash_message: bool = False) -> ConflictSafeSave:
    """The save of an edit form, safe against a concurrent edit of the same record.

    Inside the block, call ``save.check(obj)`` before changing a versioned record and make the changes;
    do not commit. At the end of the block the session is committed. When ``save.check`` finds another
    version, or the commit hits SQLAlchemy's ``StaleDataError`` (two saves passed the check at the same
    moment and the version column refused the later one), everything is rolled back, ``save.conflict`` is
    set and the Dutch ``CONFLICT_MESSAGE`` is added to the form (or flashed when there is no form or
    ``flash_message=True``). Render the form again with ``save.status`` (409): what the user typed is
    kept, with the newest version in the hidden field. Any other error is rolled back and raised::

        with conflict_safe(form) as save:
            save.check(partner)
            partner.phone = form.phone.data
            audit.record("update", "network_partner", partner.id)
        if save.saved:
            flash("Gegevens opgeslagen.", "success")
            return redirect(url_for(...))
        return render_template("network/partner_form.html", form=form), save.status
    """
    return ConflictSafeSave(form, flash_message=flash_message)


PHONE_MESSAGE = "Geen Belgisch telefoonnummer. Schrijf het bv. als 089 12 34 56, 0470 12 34 56 of +32 89 12 34 56."


def belgian_phone_number(message: str = PHONE_MESSAGE):
    """Validator: an empty field or a Belgian phone number (``core.formatting.belgian_phone``). The field keeps
    what the user typed; store ``belgian_phone(field.data)``, the number written the Flemish way."""
    def _check(form, field):
        if field.data and field.data.strip() and belgian_phone(field.data) is None:
            raise ValidationError(message)

    return _check


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
