"""Retake the README screenshot (docs/screenshot.png): the demo story loaded into a fresh SQLite file, the app
served on a local port, Debian's Chromium (through Playwright) logged in as the demo worker, the family page
of a family the worker follows (a running trajectory in the PeTra group) at 1280 pixels wide, every panel
loaded.

    python bench/screenshot.py [--out docs/screenshot.png]

Fictional data only (the demo story); prints the family page it took.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    chromium = os.environ.get("HVHK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("Chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1

    from playwright.sync_api import sync_playwright
    from sqlalchemy import select
    from werkzeug.serving import make_server

    from core import create_app
    from core.cli import upgrade_all
    from core.demo import load_demo
    from core.extensions import db

    tmp = tempfile.mkdtemp(prefix="hvhk-shot-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/demo.sqlite3", "SECRET_KEY": "screenshot-" + "x" * 32,
                      "INSTANCE_PATH": tmp})
    with app.app_context():
        upgrade_all()
        load_demo(scale=1)
        from core.models import User
        from plugins.groups.models import Enrolment
        from plugins.network.models import EcoTie
        from plugins.petra.models import Trajectory

        worker = db.session.scalar(select(User.id).where(User.username == "worker"))
        family_id = db.session.scalar(
            select(Trajectory.family_id).where(Trajectory.lead_worker_id == worker, Trajectory.status == "ongoing",
                                               Trajectory.child_id.in_(select(Enrolment.person_id).where(
                                                   Enrolment.status == "enrolled")),
                                               Trajectory.family_id.in_(select(EcoTie.family_id)))
            .order_by(Trajectory.id)) or db.session.scalar(
            select(Trajectory.family_id).where(Trajectory.lead_worker_id == worker).order_by(Trajectory.id))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium,
                                        args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
            page = browser.new_context(locale="nl-BE", viewport={"width": args.width, "height": 900}).new_page()
            page.goto(url + "/login")
            page.fill("input[name=username]", "worker")
            page.fill("input[name=password]", "huisvanhetkind")
            page.click("button[type=submit]")
            page.wait_for_url(lambda u: "/login" not in u)
            page.goto(f"{url}/gezinnen/{family_id}")
            page.wait_for_load_state("networkidle")
            page.wait_for_function("!document.body.innerText.includes('Laden…')", timeout=20_000)
            page.screenshot(path=args.out, full_page=True)
            browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{args.out}: the family page /gezinnen/{family_id} as the demo worker, {args.width} px wide")
    return 0


if __name__ == "__main__":
    sys.exit(main())
