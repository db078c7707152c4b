"""PeTra: pedagogical trajectories for children (4th grade to 16), their parents and school."""

from core.hookspecs import hookimpl


@hookimpl
def hvhk_plugin_info():
    return {"label": "PeTra-trajecten", "description": "Pedagogische trajecten van aanmelding tot afronding."}
