"""Benchmark of the groups plugin: demo data at a scale, then timings and query counts of the main pages.

Prints figures; never passes or fails on time.

    HVHK_PLUGINS=groups python bench/groups_bench.py --scale 33 [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

from common import load_plugin_demo, login_client, page_table, plugin_bench
from sqlalchemy import select


def main() -> None:
    app, args = plugin_bench("groups")

    from core.extensions import db
    from plugins.groups.demo import load_demo
    from plugins.groups.models import Attendance, Enrolment, GroupSession, Programme

    with app.app_context():
        load_plugin_demo("groups", load_demo, args.scale, (Programme, GroupSession, Enrolment, Attendance))
        pid = db.session.scalar(select(Programme.id).order_by(Programme.id.desc()).where(
            Programme.name.like("PeTra-groep lager%")))
        sid = db.session.scalar(select(GroupSession.id).where(GroupSession.programme_id == pid,
                                                              GroupSession.kind == "session").order_by(GroupSession.starts_at))
        db.session.remove()

    client = login_client(app, "worker")
    page_table(app, client, [
        f"/groepen/{pid}", "/groepen/", "/groepen/?team=alle", "/groepen/kalender", "/groepen/kalender?team=alle",
        "/groepen/kalender/week", f"/groepen/sessies/{sid}/aanwezigheden", f"/groepen/{pid}/agenda.ics",
        f"/groepen/{pid}/aanwezigheidslijst.xlsx", "/groepen/widget/deze-week", "/zoeken?q=petra"], args.repeat)


if __name__ == "__main__":
    main()
