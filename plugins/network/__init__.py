"""Network: partner organisations, contacts, relations, the network map and pages shared with partners."""

from core.hookspecs import hookimpl


@hookimpl
def hvhk_plugin_info():
    return {"label": "Netwerk en partners", "description": "Sociale kaart, relaties, verwijzingen en partnerportaal."}
