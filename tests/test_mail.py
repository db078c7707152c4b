"""E-mail against real SMTP servers (aiosmtpd on a free port; a socket that never answers): the digest arrives
once, also when two runs race (threads with their own connections, and two processes); a refusing or silent
server leaves everything queued for the next run and nothing twice; no family data in any mail. Over TLS
(STARTTLS or smtps://, a test CA made by trustme): delivered only to a server whose certificate is trusted,
never in the clear."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import quote

import due_plugin
import pytest
import trustme
from smtp_servers import Collecting, DropsAfterData, Refusing, RefusingData, Silent, SmtpServer
from sqlalchemy import select

from core import ConfigError, create_app, signals
from core.demo_data import FAMILY_NAMES, GIVEN_CHILD, GIVEN_PARENT
from core.extensions import db
from core.mail import parse_smtp_url
from core.models import AuditEntry, User, utcnow
from core.notifications import MailOutbox, Notification, NotificationPreference
from core.ui import DueItem

MAIL_FROM = "Huis van het Kind <intranet@hvhk.example>"
BASE = "https://intranet.hvhk.example"
DEMO_NAMES = re.compile(r"\b(" + "|".join(re.escape(n) for n in FAMILY_NAMES + GIVEN_CHILD + GIVEN_PARENT) + r")\b")
TODAY = date.today()


@pytest.fixture
def mail_app(app_factory, app):
    """``mail_app(smtp_url)``: an app with e-mail on through ``smtp_url`` and the test plugin ``due``."""
    due_plugin.ITEMS.clear()
    due_plugin.FAIL_FOR.clear()

    def build(smtp_url: str | None, **config):
        return app_factory(HVHK_EXTRA_PLUGINS=[("due", due_plugin)], SMTP_URL=smtp_url, MAIL_FROM=MAIL_FROM,
                           HVHK_BASE_URL=BASE, **config)

    return build


@pytest.fixture
def staff(make_team, make_user):
    """Three staff members with an address in a team that uses the ``due`` plugin, each with items that are due
    and whose detail names a (demo) child."""
    team = make_team("Gezinsondersteuning", plugins=("due",))
    users = []
    for i, (given, family) in enumerate((("Lotte", "Peeters"), ("Yusuf", "Öztürk"), ("Giulia", "Lombardi"))):
        u = make_user(f"worker{i}", {team: "member"})
        u.email = f"worker{i}@hvhk.example"
        users.append(u)
        due_plugin.ITEMS[u.id] = [
            DueItem("Evaluatie", f"PT-2026-00{i}1", TODAY - timedelta(days=2), "/petra/1", "due", 1,
                    detail=f"Evaluatie van {given} {family}"),
            DueItem("Evaluatie", f"PT-2026-00{i}2", TODAY + timedelta(days=3), "/petra/2", "due", 2,
                    detail=f"Evaluatie van {given} {family} (ouder: Sarah)"),
            DueItem("SDQ", f"PT-2026-00{i}3", TODAY, "/petra/3", "due", 3, detail=f"SDQ {given} {family}"),
            DueItem("Rondetafel", f"PT-2026-00{i}4", TODAY + timedelta(days=30), "/petra/4", "due", 4,
                    detail=f"Rondetafel {given} {family}"),
        ]
    db.session.commit()
    return users


def run(app, *args):
    with app.app_context():  # this app, not the test's: with_appcontext uses the current app when there is one
        return app.test_cli_runner().invoke(args=["send-mail", *args])


def outbox(**where):
    db.session.expire_all()
    return db.session.scalars(select(MailOutbox).filter_by(**where).order_by(MailOutbox.id)).all()


def assert_no_family_data(bodies):
    for body in bodies:
        assert not DEMO_NAMES.search(body), DEMO_NAMES.search(body).group(0)


# --------------------------------------------------------------------------- the setting


@pytest.mark.parametrize("url, expected", [
    ("smtp://mail.example.org", ("mail.example.org", 25, False, False, None)),
    ("smtp://u%40x:p%3Ass@mail.example.org:587?starttls=1", ("mail.example.org", 587, False, True, "u@x")),
    ("smtps://user:pw@mail.example.org", ("mail.example.org", 465, True, False, "user")),
    ("smtp://mail.example.org:587?starttls=1&cafile=/etc/hvhk/mail%20ca.pem",
     ("mail.example.org", 587, False, True, None, "/etc/hvhk/mail ca.pem")),
])
def test_smtp_url_is_read_into_host_port_tls_and_login(url, expected):
    cfg = parse_smtp_url(url)
    assert (cfg.host, cfg.port, cfg.ssl, cfg.starttls, cfg.username, cfg.cafile)[:len(expected)] == expected
    assert "pw" not in repr(cfg) and "p:ss" not in repr(cfg)


@pytest.mark.parametrize("url, mail_from, words", [
    ("http://mail.example.org", MAIL_FROM, "smtp://"),
    ("smtp://", MAIL_FROM, "no host"),
    ("smtp://mail.example.org:99999", MAIL_FROM, "not a valid URL"),
    ("smtp://mail.example.org?tls=1", MAIL_FROM, "unknown option tls"),
    ("smtp://mail.example.org?timeout=0", MAIL_FROM, "timeout"),
    ("smtps://mail.example.org?starttls=1", MAIL_FROM, "smtps://"),
    ("smtp://mail.example.org?cafile=/etc/ssl/ca.pem", MAIL_FROM, "cafile is for a TLS connection"),
    ("smtps://mail.example.org?cafile=/nonexistent/ca.pem", MAIL_FROM, "cafile /nonexistent/ca.pem cannot be read"),
    ("smtp://mail.example.org", None, "MAIL_FROM"),
])
def test_an_unusable_mail_setting_stops_the_app_with_one_clear_line(tmp_path, url, mail_from, words):
    with pytest.raises(ConfigError, match=re.escape(words)):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                    "INSTANCE_PATH": str(tmp_path), "SMTP_URL": url, "MAIL_FROM": mail_from})


def test_without_smtp_url_mail_is_off_and_the_command_says_so(mail_app, staff):
    a = mail_app(None)
    result = run(a, "--digest")
    assert result.exit_code == 0, result.output
    assert "E-mail is off: SMTP_URL is not set" in result.output
    assert outbox() == []


# --------------------------------------------------------------------------- the digest


def test_the_digest_arrives_once_with_counts_and_links_and_no_family_data(mail_app, staff):
    with SmtpServer(Collecting()) as server:
        a = mail_app(server.url)
        first = run(a, "--digest")
        assert first.exit_code == 0, first.output
        assert "3 queued" in first.output and "Sent 3 e-mail(s)" in first.output
        again = run(a, "--digest")
        assert again.exit_code == 0, again.output
        assert "0 queued, 3 already queued or sent" in again.output and "Sent 0" in again.output
    assert sorted(server.handler.recipients()) == [u.email for u in staff]
    msg = next(m for m in server.handler.messages if m["To"] == "worker0@hvhk.example")
    body = msg.get_content()
    assert msg["From"] == MAIL_FROM and msg["Subject"].startswith("Huis van het Kind: je overzicht van")
    assert "- Evaluatie: 2 (waarvan 1 te laat)" in body
    assert "- SDQ: 1" in body
    assert "Rondetafel" not in body  # due in a month: not in this week's digest
    assert f"{BASE}/" in body and f"{BASE}/meldingen/" in body
    assert_no_family_data(server.handler.bodies())
    assert "Evaluatie van" not in body and "PT-2026" not in body
    rows = outbox(kind="digest")
    assert [(r.status, r.attempts, r.day) for r in rows] == [("sent", 1, TODAY)] * 3


def test_the_digest_respects_the_choice_and_needs_an_address(mail_app, staff):
    db.session.add(NotificationPreference(user_id=staff[0].id, daily_digest=False, mail_task_assigned=True,
                                          mail_referral=False))
    db.session.get(User, staff[1].id).email = None
    db.session.commit()
    with SmtpServer(Collecting()) as server:
        result = run(mail_app(server.url), "--digest")
    assert result.exit_code == 0, result.output
    assert server.handler.recipients() == ["worker2@hvhk.example"]


def test_nothing_to_report_sends_no_digest_and_a_broken_plugin_stops_only_its_user(mail_app, staff):
    due_plugin.ITEMS[staff[0].id] = []
    due_plugin.FAIL_FOR.add(staff[1].id)
    with SmtpServer(Collecting()) as server:
        result = run(mail_app(server.url), "--digest")
    assert "1 queued" in result.output and "1 with nothing to report" in result.output
    assert f"user {staff[1].id}: the digest could not be made" in result.output
    assert server.handler.recipients() == ["worker2@hvhk.example"]


def test_two_runs_at_once_send_each_digest_once(mail_app, staff, make_user, make_team):
    team = db.session.scalars(select(User)).first().memberships[0].team
    for i in range(3, 12):  # a dozen recipients make the two runs overlap
        u = make_user(f"worker{i}", {team: "member"})
        u.email = f"worker{i}@hvhk.example"
        due_plugin.ITEMS[u.id] = list(due_plugin.ITEMS[staff[0].id])
    db.session.commit()
    with SmtpServer(Collecting()) as server:
        apps = [mail_app(server.url), mail_app(server.url)]  # two apps: two engines, separate connections
        barrier = threading.Barrier(2)
        results = [None, None]

        def go(i):
            barrier.wait()
            results[i] = run(apps[i], "--digest")

        threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    for r in results:
        assert r is not None and r.exit_code == 0, r and (r.output, r.exception)
    recipients = server.handler.recipients()
    assert len(recipients) == 12 and len(set(recipients)) == 12
    assert {r.status for r in outbox()} == {"sent"}


def test_two_processes_at_once_send_each_digest_once(mail_app, make_team, make_user, database_url, tmp_path):
    team = make_team("Onthaal")
    users = []
    for i in range(8):
        u = make_user(f"onthaal{i}", {team: "member"})
        u.email = f"onthaal{i}@hvhk.example"
        users.append(u)
        db.session.add(Notification(user_id=u.id, kind="referral", text="Nieuwe aanmelding voor Onthaal: PT-1"))
    db.session.commit()
    with SmtpServer(Collecting()) as server:
        env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="shared-secret-key-for-both-0123456789",
                   HVHK_INSTANCE=str(tmp_path), SMTP_URL=server.url, MAIL_FROM=MAIL_FROM, HVHK_BASE_URL=BASE)
        hvhk = [sys.executable, "-c", "from core.cli import main; main()", "send-mail", "--digest"]
        procs = [subprocess.Popen(hvhk, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for _ in range(2)]
        outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    recipients = server.handler.recipients()
    assert sorted(recipients) == sorted(u.email for u in users)
    body = server.handler.bodies()[0]
    assert "Ongelezen meldingen: 1" in body


# --------------------------------------------------------------------------- a server that refuses or is silent


@pytest.mark.parametrize("handler, answer", [(Refusing, "550 5.1.1 Mailbox unavailable"),
                                             (RefusingData, "550 5.7.1 Message rejected")])
def test_a_refusing_server_leaves_the_digest_queued_and_the_next_run_sends_it_once(mail_app, staff, handler, answer):
    with SmtpServer(handler()) as refusing:
        a = mail_app(refusing.url)
        result = run(a, "--digest")
    assert result.exit_code == 1, result.output
    assert "Not sent: digest for user" in result.output
    assert f"refused: {answer}" in result.output
    assert "stays queued and is retried on the next run" in result.output
    assert "Traceback" not in result.output
    assert refusing.handler.messages == []
    rows = outbox()
    assert [(r.status, r.attempts) for r in rows] == [("pending", 1)] * 3
    assert all("550" in r.last_error for r in rows)

    with SmtpServer(Collecting()) as server:
        a.config["SMTP_URL"] = server.url
        retried = run(a, "--digest")  # the same day: nothing queued twice, the pending ones are sent
        assert retried.exit_code == 0, retried.output
        assert "0 queued, 3 already queued or sent" in retried.output
        run(a, "--digest")
    assert sorted(server.handler.recipients()) == [u.email for u in staff]
    assert [(r.status, r.attempts, r.last_error) for r in outbox()] == [("sent", 2, None)] * 3


def test_a_server_that_does_not_answer_times_out_leaves_everything_queued_and_is_retried(mail_app, staff):
    with Silent() as silent:
        a = mail_app(silent.url)
        result = run(a, "--digest")
    assert result.exit_code == 1
    assert "did not answer within 1 s" in result.output
    assert "E-mail niet verstuurd / not sent" in result.output and "retried on the next run" in result.output
    assert "Traceback" not in result.output
    rows = outbox()
    # the run stops at the first timeout: one attempt recorded, the others untouched, nothing sent
    assert sorted((r.status, r.attempts) for r in rows) == [("pending", 0), ("pending", 0), ("pending", 1)]
    with SmtpServer(Collecting()) as server:
        a.config["SMTP_URL"] = server.url
        assert run(a).exit_code == 0
        assert run(a, "--digest").exit_code == 0
    assert sorted(server.handler.recipients()) == [u.email for u in staff]
    assert {r.status for r in outbox()} == {"sent"}


def test_a_digest_of_yesterday_that_never_went_out_expires_instead_of_arriving_late(mail_app, staff):
    with Silent() as silent:
        a = mail_app(silent.url)
        run(a, "--digest")
    db.session.execute(MailOutbox.__table__.update().values(day=TODAY - timedelta(days=1),
                                                            key=f"digest:{TODAY - timedelta(days=1)}"))
    db.session.commit()
    with SmtpServer(Collecting()) as server:
        a.config["SMTP_URL"] = server.url
        result = run(a, "--digest")
    assert "3 digest(s) of earlier days were never sent and expired" in result.output
    assert len(server.handler.messages) == 3  # today's, once each
    assert sorted(r.status for r in outbox()) == ["expired"] * 3 + ["sent"] * 3


def test_a_crash_after_handing_over_never_resends_and_a_stale_claim_is_taken_over(mail_app, staff):
    """At most once: a row left in 'sending' (the process died while the server had the content) is not sent
    again; a row left 'claimed' (died before handing anything over) is, once its lease has passed."""
    with Silent() as silent:
        a = mail_app(silent.url)
        run(a, "--digest")
    rows = outbox()
    long_ago = utcnow() - timedelta(hours=1)
    rows[0].status, rows[0].claimed_by, rows[0].claimed_at = "sending", "dead-host:1", long_ago
    rows[1].status, rows[1].claimed_by, rows[1].claimed_at = "claimed", "dead-host:1", long_ago
    rows[2].status, rows[2].claimed_by, rows[2].claimed_at = "claimed", "busy-host:2", utcnow()  # still running
    db.session.commit()
    with SmtpServer(Collecting()) as server:
        a.config["SMTP_URL"] = server.url
        result = run(a, "--digest")
    assert result.exit_code == 0, result.output
    assert server.handler.recipients() == [staff[1].email]
    assert [r.status for r in outbox()] == ["sending", "sent", "claimed"]


def test_the_admin_page_shows_whether_mail_is_on_and_what_waits(mail_app, staff, make_user, login):
    make_user("beheer", admin=True)
    off = mail_app(None).test_client()
    login(off, "beheer")
    assert "E-mail staat uit" in off.get("/beheer/").get_data(as_text=True)
    with Silent() as silent:
        a = mail_app(silent.url)
        run(a, "--digest")
        c = a.test_client()
        login(c, "beheer")
        page = c.get("/beheer/").get_data(as_text=True)
    assert f"E-mail staat aan via 127.0.0.1:{silent.port}" in page
    assert "3 wachten" in page


# --------------------------------------------------------------------------- immediate mails


def test_a_task_assigned_mails_a_kind_a_reference_and_a_link_only(mail_app, staff):
    with SmtpServer(Collecting()) as server:
        a = mail_app(server.url)
        with a.app_context(), a.test_request_context():
            task = SimpleNamespace(id=41, reference="PT-2026-0073", title="Bel de mama van Lotte Peeters",
                                   url="/taken/41")
            signals.task_assigned.send(task, assignee_id=staff[0].id, by_user_id=staff[1].id)
            db.session.commit()
        n = db.session.scalars(select(Notification)).one()
        assert (n.user_id, n.text, n.url) == (staff[0].id, "Nieuwe taak voor jou: taak 41 (PT-2026-0073)", "/taken/41")
        result = run(a)
        assert result.exit_code == 0 and "Sent 1" in result.output, result.output
        run(a)
    [msg] = server.handler.messages
    body = msg.get_content()
    assert msg["To"] == staff[0].email and msg["Subject"] == "Huis van het Kind: taak toegewezen"
    assert "Nieuwe taak voor jou: taak 41 (PT-2026-0073)" in body and f"{BASE}/taken/41" in body
    assert "Lotte" not in body and "Peeters" not in body and "mama" not in body
    assert_no_family_data([body])


def test_a_referral_notifies_the_team_and_mails_only_who_asked_for_it(mail_app, staff):
    db.session.add(NotificationPreference(user_id=staff[2].id, daily_digest=True, mail_task_assigned=False,
                                          mail_referral=True))
    db.session.commit()
    team_id = staff[0].memberships[0].team_id
    with SmtpServer(Collecting()) as server:
        a = mail_app(server.url)
        with a.app_context(), a.test_request_context():
            signals.referral_received.send("petra", team_id=team_id, reference="PT-2026-0099", url="/petra/99")
            db.session.commit()
        texts = db.session.scalars(select(Notification.text)).all()
        assert texts == ["Nieuwe aanmelding voor Gezinsondersteuning: PT-2026-0099"] * 3
        assert run(a).exit_code == 0
    assert server.handler.recipients() == [staff[2].email]
    assert f"{BASE}/petra/99" in server.handler.bodies()[0]


def test_with_mail_off_a_signal_makes_a_notification_and_queues_nothing(mail_app, staff):
    a = mail_app(None)
    with a.app_context(), a.test_request_context():
        signals.task_assigned.send(SimpleNamespace(id=5, reference=None), assignee_id=staff[0].id, by_user_id=None)
        db.session.commit()
    assert db.session.scalars(select(Notification.text)).all() == ["Nieuwe taak voor jou: taak 5"]
    assert outbox() == []


def test_a_connection_that_breaks_after_the_content_was_handed_over_is_never_sent_twice(mail_app, staff):
    with SmtpServer(DropsAfterData()) as dropping:
        a = mail_app(dropping.url)
        result = run(a, "--digest")
        assert result.exit_code == 1
        assert "Uncertain: digest for user" in result.output and "it is not sent again" in result.output
        again = run(a, "--digest")
        assert again.exit_code == 0, again.output
    delivered = dropping.handler.recipients()
    assert sorted(delivered) == [u.email for u in staff]  # each arrived once, although no 250 came back
    assert [r.status for r in outbox()] == ["unknown"] * 3


def test_sent_mails_are_forgotten_after_a_month_and_pending_ones_are_kept(mail_app, staff):
    with Silent() as silent:
        a = mail_app(silent.url)
        run(a, "--digest")
    rows = outbox()
    rows[0].status = "sent"
    for r in rows:
        r.created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    with a.app_context():
        from core.mail import purge_old

        assert purge_old() == 1
    assert [r.status for r in outbox()] == ["pending", "pending"]


# --------------------------------------------------------------------------- TLS (STARTTLS and smtps://)


@pytest.fixture(scope="module")
def ca():
    return trustme.CA(organization_name="HVHK test CA")


@pytest.fixture
def ca_file(ca, tmp_path):
    path = tmp_path / "mail-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def tls_url(server, cafile: str | None) -> str:
    url = server.url + ("&starttls=1" if server.tls == "starttls" else "")
    return url + (f"&cafile={quote(cafile)}" if cafile else "")


def test_with_starttls_the_digest_goes_over_tls_to_a_server_that_requires_it(mail_app, staff, ca, ca_file):
    with SmtpServer(Collecting(), ca.issue_cert("127.0.0.1"), tls="starttls") as server:
        a = mail_app(server.url)  # no starttls=1: the server refuses the mail (530), nothing is sent in the clear
        clear = run(a, "--digest")
        assert clear.exit_code == 1 and "530" in clear.output and server.handler.messages == []
        a.config["SMTP_URL"] = tls_url(server, ca_file)
        result = run(a, "--digest")
    assert result.exit_code == 0, result.output
    assert "Sent 3 e-mail(s)" in result.output
    assert sorted(server.handler.recipients()) == [u.email for u in staff]
    assert len(server.handler.tls) == 3 and all(v in ("TLSv1.2", "TLSv1.3") for v in server.handler.tls)
    assert [(r.status, r.last_error) for r in outbox()] == [("sent", None)] * 3


def test_smtps_delivers_over_tls_from_the_first_byte(mail_app, staff, ca, ca_file):
    with SmtpServer(Collecting(), ca.issue_cert("127.0.0.1"), tls="smtps") as server:
        a = mail_app(tls_url(server, ca_file))
        result = run(a, "--digest")
    assert result.exit_code == 0, result.output
    assert len(server.handler.tls) == 3 and None not in server.handler.tls
    assert {r.status for r in outbox()} == {"sent"}


def test_starttls_to_a_server_that_does_not_offer_it_sends_nothing_in_the_clear(mail_app, staff, ca_file):
    with SmtpServer(Collecting()) as plain:
        a = mail_app(plain.url + f"&starttls=1&cafile={quote(ca_file)}")
        result = run(a, "--digest")
    assert result.exit_code == 1, result.output
    assert "does not offer STARTTLS; nothing was sent without encryption" in result.output
    assert "stays queued and is retried on the next run" in result.output and "Traceback" not in result.output
    assert plain.handler.messages == []
    rows = outbox()
    assert sorted((r.status, r.attempts) for r in rows) == [("pending", 0), ("pending", 0), ("pending", 1)]
    assert "does not offer STARTTLS" in next(r.last_error for r in rows if r.attempts)


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
@pytest.mark.parametrize("case, words", [
    ("system trust store", "unable to get local issuer certificate; checked against the system's trust store"),
    ("another CA", "unable to get local issuer certificate; checked against the CA certificates in"),
    ("another host name", "mismatch"),
])
def test_a_certificate_the_client_does_not_trust_sends_nothing(mail_app, staff, ca, ca_file, tls, case, words):
    if case == "another host name":
        cert, cafile = ca.issue_cert("mail.hvhk.example"), ca_file  # the right CA, the wrong name
    else:
        cert = (trustme.CA() if case == "another CA" else ca).issue_cert("127.0.0.1")
        cafile = ca_file if case == "another CA" else None
    with SmtpServer(Collecting(), cert, tls=tls) as server:
        a = mail_app(tls_url(server, cafile))
        result = run(a, "--digest")
    assert result.exit_code == 1, result.output
    assert "its certificate is not trusted" in result.output and words in result.output
    assert "stays queued and is retried on the next run" in result.output and "Traceback" not in result.output
    assert server.handler.messages == []
    rows = outbox()
    assert sorted((r.status, r.attempts) for r in rows) == [("pending", 0), ("pending", 0), ("pending", 1)]
    assert "its certificate is not trusted" in next(r.last_error for r in rows if r.attempts)


# --------------------------------------------------------------------------- requeue from Beheer


def test_an_admin_requeues_failed_mails_and_uncertain_ones_only_after_a_warning(mail_app, staff, make_user, login,
                                                                                 monkeypatch):
    import core.mail

    monkeypatch.setattr(core.mail, "MAX_ATTEMPTS", 1)  # one refusal and the mail is given up
    make_user("root", admin=True)
    with SmtpServer(Refusing()) as refusing:
        a = mail_app(refusing.url)
        run(a, "--digest")
    assert [r.status for r in outbox()] == ["failed"] * 3
    admin = a.test_client()
    login(admin, "root")
    page = admin.get("/beheer/").get_data(as_text=True)
    assert "3 opgegeven na herhaalde weigering" in page and "Opnieuw proberen" in page
    # a worker cannot, and nothing changes without CSRF
    worker = a.test_client()
    login(worker, staff[0].username)
    assert worker.post("/beheer/e-mail/opnieuw", data={"welke": "mislukt"}).status_code == 403
    assert admin.post("/beheer/e-mail/opnieuw", data={"welke": "mislukt"}, csrf=False).status_code == 400
    assert admin.post("/beheer/e-mail/opnieuw", data={"welke": "alles"}).status_code == 400
    assert [r.status for r in outbox()] == ["failed"] * 3
    done = admin.post("/beheer/e-mail/opnieuw", data={"welke": "mislukt"}, follow_redirects=True)
    assert "3 e-mails opnieuw in de wachtrij" in done.get_data(as_text=True)
    assert [(r.status, r.attempts) for r in outbox()] == [("pending", 0)] * 3
    with SmtpServer(Collecting()) as server:
        a.config["SMTP_URL"] = server.url
        assert run(a).exit_code == 0
    assert sorted(server.handler.recipients()) == [u.email for u in staff]
    assert [r.status for r in outbox()] == ["sent"] * 3

    # uncertain: the server may have them; one stale "sending" row too, and one of a run that may still be busy
    rows = outbox()
    rows[0].status = "unknown"
    rows[1].status, rows[1].claimed_at = "sending", utcnow() - timedelta(hours=1)
    rows[2].status, rows[2].claimed_at = "sending", utcnow()
    db.session.commit()
    ask = admin.post("/beheer/e-mail/opnieuw", data={"welke": "onzeker"}).get_data(as_text=True)
    assert "een tweede keer bezorgen" in ask and "Ja, opnieuw versturen" in ask
    assert sorted(r.status for r in outbox()) == ["sending", "sending", "unknown"]
    admin.post("/beheer/e-mail/opnieuw", data={"welke": "onzeker", "bevestigd": "1"})
    assert [r.status for r in outbox()] == ["pending", "pending", "sending"]
    logged = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.object_type == "mail_outbox")).all()
    assert sorted(logged) == ["opnieuw in de wachtrij (mislukt): 3", "opnieuw in de wachtrij (onzeker): 2"]
