"""Error pages in Dutch, never a traceback. A database outage answers 503."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

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


def render_error(code: int, message: str | None = None, extra_headers: dict | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    text = message or text
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
        log.warning("database error: %s", e.__class__.__name__)
        try:
            db.session.rollback()
        except Exception:  # pragma: no cover - the connection is gone
            pass
        return _bare(503)

    @app.errorhandler(Exception)
    def _crash(e):
        log.exception("unhandled error")
        try:
            db.session.rollback()
        except Exception:  # pragma: no cover
            pass
        return _bare(500)


def _bare(code: int):
    """An error page that needs no database (the menu comes from the database)."""
    title, text = MESSAGES[code]
    from flask import make_response

    body = (
        "<!doctype html><html lang='nl-BE'><head><meta charset='utf-8'><title>" + title +
        "</title><link rel='stylesheet' href='/static/pico.min.css'></head><body><main class='container'>"
        f"<h1>{title}</h1><p>{text}</p><p><a href='/'>Naar de startpagina</a></p></main></body></html>"
    )
    if request.accept_mimetypes.best == "application/json" and not request.accept_mimetypes.accept_html:
        resp = jsonify(error=text)
        resp.status_code = code
        return resp
    resp = make_response(body, code)
    if code == 503:
        resp.headers["Retry-After"] = "10"
    return resp
