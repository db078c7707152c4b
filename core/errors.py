"""Error pages in Dutch, never a traceback. A database outage answers 503.

A 503 never claims "nothing was saved" when a COMMIT may have happened: when the connection died while a
COMMIT was under way the page says the outcome is unknown, that sending the same form again is safe (its
idempotency key makes it exactly-once, see ``core.idempotency``) and where to check.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import Markup
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from . import idempotency
from .extensions import db

log = logging.getLogger("hvhk")

MESSAGES = {
    400: ("Ongeldige aanvraag", "De aanvraag kon niet verwerkt worden. Ga terug en probeer opnieuw."),
    401: ("Niet aangemeld", "Meld je aan om verder te gaan."),
    403: ("Geen toegang", "Je hebt geen toegang tot deze pagina. Denk je dat je die wel nodig hebt voor je werk, "
                          "vraag het dan aan je teamverantwoordelijke."),
    404: ("Niet gevonden", "Deze pagina bestaat niet, of je hebt er geen toegang toe."),
    405: ("Niet toegestaan", "Deze actie kan niet op deze manier uitgevoerd worden."),
    409: ("Conflict", "Iemand anders heeft dit intussen gewijzigd. Herlaad de pagina en probeer opnieuw."),
    413: ("Bestand te groot", "Het bestand is te groot (maximaal 16 MB)."),
    429: ("Te veel pogingen", "Je hebt te veel pogingen gedaan. Probeer het over enkele minuten opnieuw."),
    500: ("Er liep iets mis", "Er liep iets mis aan onze kant. Je gegevens zijn niet half opgeslagen: "
                              "probeer het opnieuw. Blijft het probleem, meld het aan de beheerder."),
    503: ("Tijdelijk niet beschikbaar", "De databank is tijdelijk niet bereikbaar. Er is niets half opgeslagen. "
                                         "Probeer het over een ogenblik opnieuw."),
}
# The same outage, when this request's COMMIT may have happened, or did happen, before the connection broke.
UNKNOWN_TITLE = "Niet zeker of dit bewaard is"
UNKNOWN_TEXT = ("We weten niet zeker of dit bewaard is: de verbinding met de databank viel weg terwijl we je gegevens "
                "bewaarden.")
UNKNOWN_SAFE = "Je mag hetzelfde formulier gerust opnieuw versturen: het wordt nooit twee keer bewaard."
UNKNOWN_CHECK = "Kijk eerst na of het er staat voor je het opnieuw probeert."
SAVED_TEXT = {
    503: "Je gegevens zijn bewaard, maar daarna viel de verbinding met de databank weg, zodat we de volgende "
         "pagina niet konden tonen. Laad de pagina over een ogenblik opnieuw.",
    500: "Je gegevens zijn bewaard, maar daarna liep er iets mis aan onze kant. Laad de pagina opnieuw; blijft het "
         "probleem, meld het aan de beheerder.",
}


def render_error(code: int, message: str | None = None, extra_headers: dict | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    text = message or text
    if code >= 500 and idempotency.commit_state() != "none":  # never "nothing was saved" after a COMMIT
        return _bare(code if code in SAVED_TEXT else 500)
    if request.accept_mimetypes.best == "application/json" and not request.accept_mimetypes.accept_html:
        resp = jsonify(error=text)
        resp.status_code = code
    else:
        try:
            body = render_template("core/error.html", code=code, title=title, text=text)
        except Exception:  # the layout itself needs the database (menu); fall back to a bare page
            body = f"<!doctype html><html lang='nl-BE'><title>{title}</title><h1>{title}</h1><p>{text}</p></html>"
        resp = (body, code)
        from flask import make_response

        resp = make_response(resp)
    for k, v in (extra_headers or {}).items():
        resp.headers[k] = v
    return resp


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(e):
        return render_error(400, "Het formulier is verlopen of ongeldig (beveiligingscode ontbreekt). "
                                 "Laad de pagina opnieuw; wat je invulde, moet je mogelijk opnieuw ingeven.")

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        if isinstance(getattr(e, "original_exception", None), DBAPIError):  # raised after the view (after_request)
            return _db_down(e.original_exception)
        return render_error(e.code or 500, getattr(e, "hvhk_message", None))

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _bad_value(e):
        """The database refused a value (too long, out of range): the input was wrong, the database is fine."""
        log.warning("value refused by the database: %s", getattr(e, "orig", None).__class__.__name__)
        db.session.rollback()
        return render_error(400, "Een ingegeven waarde past niet (te lang, te groot of met ongeldige tekens). "
                                 "Ga terug, controleer je invoer en probeer opnieuw.")

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _db_down(e):
        if isinstance(e, IntegrityError) and idempotency.request_key() and idempotency.is_key_conflict(e):
            # the same form was processed by a concurrent submit (double click) that committed first
            _safe_rollback()
            return idempotency.replay(idempotency.lookup(*idempotency.request_key()))
        log.warning("database error: %s", e.__class__.__name__)
        _safe_rollback()
        return _bare(503)

    @app.errorhandler(Exception)
    def _crash(e):
        log.exception("unhandled error")
        _safe_rollback()
        return _bare(500)

    @app.teardown_appcontext
    def _teardown_session(_exc):
        """Runs before Flask-SQLAlchemy's own teardown: a ROLLBACK on a connection the database terminated raises,
        and an exception in teardown would reach the server as its English "Internal Server Error"."""
        try:
            db.session.remove()
        except Exception as e:
            log.warning("could not release the database session: %s", e.__class__.__name__)
            try:
                db.session.invalidate()
            except Exception:
                pass
            db.session.registry.clear()

    idempotency.init_app(app)


def _safe_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: drop it, the pool opens a new one
        try:
            db.session.invalidate()
        except Exception:
            pass


def _bare(code: int):
    """An error page that needs no database (the menu comes from the database). It says what happened to the
    user's data: nothing saved, saved, or unknown (a COMMIT was under way when the connection broke)."""
    title, text = MESSAGES[code]
    state = idempotency.commit_state()
    extra = Markup("")
    if state == "unknown":
        safe = idempotency.request_key() is not None
        title, text = UNKNOWN_TITLE, f"{UNKNOWN_TEXT} {UNKNOWN_SAFE if safe else UNKNOWN_CHECK}"
        extra = _unknown_help(safe)
    elif state == "saved":
        text = SAVED_TEXT[code]
    from flask import make_response

    if request.accept_mimetypes.best == "application/json" and not request.accept_mimetypes.accept_html:
        resp = jsonify(error=text, outcome=state)
        resp.status_code = code
        return resp
    body = Markup(
        "<!doctype html><html lang='nl-BE'><head><meta charset='utf-8'><title>{title}</title>"
        "<link rel='stylesheet' href='/static/pico.min.css'></head><body><main class='container'>"
        "<h1>{title}</h1><p id='hvhk-error-text'>{text}</p>{extra}<p><a href='/'>Naar de startpagina</a></p>"
        "</main></body></html>").format(title=title, text=text, extra=extra)
    resp = make_response(str(body), code)
    resp.headers["X-Hvhk-Outcome"] = state
    if code == 503:
        resp.headers["Retry-After"] = "10"
    return resp


_SECRET = re.compile(r"pass|wachtwoord|secret|totp|recovery|herstel", re.I)


def _unknown_help(safe: bool) -> Markup:
    """Where to check, and (for a form with an idempotency key) a button that sends the same form again."""
    back = idempotency.back_url()
    parts = []
    if back:
        parts.append(Markup("<p>Nakijken: <a href='{0}'>terug naar de pagina waar je het formulier invulde</a>.</p>")
                     .format(back))
    if not safe or request.files or any(_SECRET.search(name) for name in request.form):
        return Markup("").join(parts)  # no button that would need a file again or put a password in the page
    try:
        token = generate_csrf()
    except Exception:
        token = request.form.get("csrf_token", "")
    fields = Markup("").join(
        Markup("<input type='hidden' name='{0}' value='{1}'>").format(name, value)
        for name, value in request.form.items(multi=True) if name != "csrf_token")
    parts.append(Markup("<form method='post' action='{action}'><input type='hidden' name='csrf_token' value='{token}'>"
                        "{fields}<button type='submit'>Opnieuw versturen</button></form>")
                 .format(action=request.full_path.rstrip("?"), token=token, fields=fields))
    return Markup("").join(parts)
