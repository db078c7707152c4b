"""Costing: the cost model of a trajectory, actual costs and the Excel cost sheet."""

from core.hookspecs import hookimpl


@hookimpl
def hvhk_plugin_info():
    return {"label": "Kostprijs", "description": "Kostprijsmodel, werkelijke kosten en export naar Excel."}
