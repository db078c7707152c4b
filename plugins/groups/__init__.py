"""Groups: planning group programmes, sessions, camps, enrolment, waiting lists and attendance."""

from core.hookspecs import hookimpl


@hookimpl
def hvhk_plugin_info():
    return {"label": "Groepswerking", "description": "Groepen, sessies, kampen, inschrijvingen en aanwezigheden."}
