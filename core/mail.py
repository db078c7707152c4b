"""E-mail: one setting (``SMTP_URL``), the outbox, the daily digest and ``hvhk send-mail``.

Settings (environment): ``SMTP_URL`` (``smtp://user:pass@host:587?starttls=1``, ``smtps://user:pass@host:465``,
``smtp://localhost:25``; optional ``timeout=SECONDS``, default 10, and ``cafile=PATH``, the CA certificates (PEM) that
the server's certificate must chain to instead of the system's trust store), ``MAIL_FROM`` (required with
``SMTP_URL``) and ``HVHK_BASE_URL`` (the intranet's address, for the links in a mail). Without ``SMTP_URL``
e-mail is off: nothing is queued, the preferences page and *Beheer* say so; in-app notifications still work.

What leaves the intranet: a kind, a pseudonymous reference, counts and links. Never a name, never
``DueItem.detail``.

Delivery (``send_pending``), safe with several runs at once on one or more machines:

1. A run *claims* a pending row with one atomic ``UPDATE ... WHERE status='pending'`` (committed): only one
   run gets it, on SQLite and PostgreSQL alike. A claim older than ``CLAIM_LEASE`` (a run that died before it
   handed anything to the server) may be taken over.
2. It connects, sends MAIL FROM and RCPT TO, then moves the row to ``sending`` (committed, only if it still
   holds the claim) *before* it hands the content over (DATA), and to ``sent`` once the server answered 250.
3. A refusal (4xx/5xx), an unreachable server or a timeout before DATA puts the row back to ``pending`` with
   its error and attempt count: the next run retries it. After ``MAX_ATTEMPTS`` it is ``failed``.
4. At most once: a row that reached ``sending`` is never sent again automatically. If the process dies, or
   the connection breaks, after the content was handed over, the server may have accepted the mail; the row
   stays ``sending`` (process died) or becomes ``unknown`` (connection broke) and *Beheer* shows it. A crash
   can lose that one mail, never duplicate it. A digest is one per user and day (unique key), so nobody gets
   a digest twice; the digest of a past day that was never sent expires instead of arriving late.
"""

from __future__ import annotations

import os
import secrets
import smtplib
import socket
import ssl
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import User, utcnow
from .notifications import (
    DEFAULTS,
    KIND_LABELS,
    MailOutbox,
    Notification,
    NotificationPreference,
)

CLAIM_LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 10
DIGEST_DAYS_AHEAD = 7  # the digest counts what is due within a week
KEEP_DAYS = 30  # sent mails are kept this long (the admin page counts them), then deleted


class MailConfigError(ValueError):
    """``SMTP_URL`` or ``MAIL_FROM`` cannot be used; the message says what to change."""


@dataclass(frozen=True)
class SmtpConfig:
    ssl: bool  # smtps:// (TLS from the start)
    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)
    starttls: bool
    timeout: float
    cafile: str | None = None  # trust only these CAs (PEM); None: the system's trust store

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name checked, always; against ``cafile`` when given."""
        return ssl.create_default_context(cafile=self.cafile)

    def where(self) -> str:
        return f"{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpConfig:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as e:
        raise MailConfigError(f"SMTP_URL is not a valid URL ({e}).") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError("SMTP_URL must start with smtp:// or smtps:// (for example "
                              "smtp://user:password@mail.example.org:587?starttls=1).")
    if not parts.hostname:
        raise MailConfigError("SMTP_URL names no host (for example smtp://mail.example.org:25).")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = set(query) - {"starttls", "timeout", "cafile"}
    if unknown:
        raise MailConfigError(f"SMTP_URL: unknown option {', '.join(sorted(unknown))} "
                              "(known: starttls, timeout, cafile).")
    starttls = query.get("starttls", ["0"])[-1].lower()
    if starttls not in ("0", "1", "true", "false", "yes", "no"):
        raise MailConfigError("SMTP_URL: starttls must be 1 or 0.")
    try:
        timeout = float(query.get("timeout", ["10"])[-1])
    except ValueError:
        timeout = -1
    if not 0 < timeout <= 300:
        raise MailConfigError("SMTP_URL: timeout must be a number of seconds between 0 and 300.")
    is_ssl = parts.scheme == "smtps"
    if is_ssl and starttls in ("1", "true", "yes"):
        raise MailConfigError("SMTP_URL: smtps:// is TLS from the start; starttls=1 is for smtp://.")
    cafile = query.get("cafile", [""])[-1] or None
    if cafile and not (is_ssl or starttls in ("1", "true", "yes")):
        raise MailConfigError("SMTP_URL: cafile is for a TLS connection (smtps:// or starttls=1).")
    return SmtpConfig(ssl=is_ssl, host=parts.hostname, port=port or (465 if is_ssl else 25),
                      username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password else None,
                      starttls=starttls in ("1", "true", "yes"), timeout=timeout, cafile=cafile)


def settings_from_env() -> dict:
    return {"SMTP_URL": os.environ.get("SMTP_URL") or None, "MAIL_FROM": os.environ.get("MAIL_FROM") or None,
            "HVHK_BASE_URL": os.environ.get("HVHK_BASE_URL") or None}


DEFAULT_BASE_URL = "http://localhost:5000"


def base_url() -> str:
    return (current_app.config.get("HVHK_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def check_config(config) -> None:
    """Refuse to start with an unusable ``SMTP_URL``/``MAIL_FROM`` (``core.ConfigError`` carries the message)."""
    if not config.get("SMTP_URL"):
        return
    cfg = parse_smtp_url(config["SMTP_URL"])
    if cfg.cafile:
        try:
            cfg.tls_context()
        except (OSError, ssl.SSLError) as e:
            raise MailConfigError(f"SMTP_URL: cafile {cfg.cafile} cannot be read as CA certificates (PEM) "
                                  f"({getattr(e, 'strerror', None) or e}).") from None
    sender = config.get("MAIL_FROM") or ""
    if "@" not in parseaddr(sender)[1]:
        raise MailConfigError("MAIL_FROM must be set to the sender's address when SMTP_URL is set "
                              "(for example MAIL_FROM='Huis van het Kind <intranet@example.org>').")


def smtp_config() -> SmtpConfig | None:
    """The SMTP server, or None: e-mail is off."""
    url = current_app.config.get("SMTP_URL")
    return parse_smtp_url(url) if url else None


def mail_enabled() -> bool:
    return bool(current_app.config.get("SMTP_URL"))


def absolute(path: str | None) -> str:
    base = base_url()
    if not path:
        return base + "/"
    if path.startswith(("http://", "https://")):
        return path
    return base + (path if path.startswith("/") else "/" + path)


def _message_id() -> str:
    domain = parseaddr(current_app.config.get("MAIL_FROM") or "")[1].rpartition("@")[2] or "hvhk.invalid"
    return make_msgid("hvhk", domain=domain)


# --------------------------------------------------------------------------- queueing


def queue_immediate(notification: Notification) -> MailOutbox | None:
    """Queue the immediate mail for ``notification`` (its text is a kind and a reference), in the caller's
    transaction. Nothing when e-mail is off or the user has no address."""
    if not mail_enabled():
        return None
    user = db.session.get(User, notification.user_id)
    if user is None or not user.email or not user.active:
        return None
    label = KIND_LABELS.get(notification.kind, "Melding")
    body = render_template("core/mail/immediate.txt", user=user, text=notification.text,
                           url=absolute(notification.url), notifications_url=absolute("/meldingen/"),
                           preferences_url=absolute("/meldingen/voorkeuren"))
    row = MailOutbox(user_id=user.id, key=f"notification:{notification.id}", kind=notification.kind,
                     to_address=user.email, subject=f"Huis van het Kind: {label.lower()}", body=body,
                     message_id=_message_id())
    db.session.add(row)
    return row


@dataclass
class DigestCounts:
    by_kind: list[tuple[str, int, int]]  # (kind, due within the week, of which overdue)
    unread: int

    @property
    def empty(self) -> bool:
        return not self.by_kind and not self.unread


def digest_counts(user: User, today: date, unread: int) -> DigestCounts:
    """Count ``hvhk_due_items`` of ``user`` by kind: nothing but the kind and the numbers is kept."""
    from .plugins import current_plugins

    until = today + timedelta(days=DIGEST_DAYS_AHEAD)
    due: Counter = Counter()
    overdue: Counter = Counter()
    for group in current_plugins().hook_for(user, "hvhk_due_items")(user=user, until=until):
        for item in group or []:
            if item.due <= until:
                due[item.kind] += 1
                if item.overdue(today):
                    overdue[item.kind] += 1
    return DigestCounts(by_kind=sorted((k, n, overdue[k]) for k, n in due.items()), unread=unread)


def digest_recipients():
    """Active staff with an address who want the digest (no preference row: the default)."""
    wants = func.coalesce(NotificationPreference.daily_digest, DEFAULTS["daily_digest"])
    return db.session.scalars(
        select(User).outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(User.active.is_(True), User.organisation_id.is_(None), User.email.is_not(None), User.email != "",
               wants.is_(True))
        .order_by(User.id)).all()


@dataclass
class QueueReport:
    queued: int = 0
    already: int = 0
    nothing_due: int = 0
    errors: list[str] = field(default_factory=list)


def queue_digests(today: date) -> QueueReport:
    """Queue today's digest for every recipient that has none yet (one row per user and day; a run at the same
    time that queued it first wins, the other skips it). Commits per user."""
    report = QueueReport()
    key = f"digest:{today.isoformat()}"
    recipients = digest_recipients()
    done = set(db.session.scalars(select(MailOutbox.user_id).where(MailOutbox.key == key)))
    unread = dict(db.session.execute(
        select(Notification.user_id, func.count(Notification.id)).where(Notification.read_at.is_(None))
        .group_by(Notification.user_id)).all())
    base = base_url()
    for user in recipients:
        if user.id in done:
            report.already += 1
            continue
        user_id, address = user.id, user.email
        try:
            with current_app.test_request_context("/", base_url=base):  # plugins may use url_for
                counts = digest_counts(user, today, unread.get(user.id, 0))
                if counts.empty:
                    report.nothing_due += 1
                    continue
                from .formatting import format_date

                body = render_template("core/mail/digest.txt", user=user, counts=counts, today=today,
                                       start_url=absolute("/"), notifications_url=absolute("/meldingen/"),
                                       preferences_url=absolute("/meldingen/voorkeuren"),
                                       days=DIGEST_DAYS_AHEAD)
                subject = f"Huis van het Kind: je overzicht van {format_date(today, 'EEE dd/MM/yyyy')}"
        except Exception as e:  # noqa: BLE001 - one plugin's failure must not stop the others' digests
            db.session.rollback()
            report.errors.append(f"user {user_id}: the digest could not be made ({type(e).__name__}: {e})")
            continue
        row = MailOutbox(user_id=user_id, key=key, kind="digest", day=today, to_address=address, subject=subject,
                         body=body, message_id=_message_id())
        try:
            with db.session.begin_nested():
                db.session.add(row)
            db.session.commit()
            report.queued += 1
        except IntegrityError:  # another run queued it between our check and our insert
            db.session.rollback()
            report.already += 1
    return report


def expire_old_digests(today: date) -> int:
    """A digest of a past day that was not sent is not sent late."""
    result = db.session.execute(update(MailOutbox).where(
        MailOutbox.kind == "digest", MailOutbox.day < today, MailOutbox.status == "pending",
    ).values(status="expired"))
    db.session.commit()
    return result.rowcount


def purge_old(now: datetime | None = None, keep_days: int = KEEP_DAYS) -> int:
    """Forget sent and expired mails after ``keep_days`` (their bodies need not be kept)."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    result = db.session.execute(delete(MailOutbox).where(MailOutbox.status.in_(("sent", "expired")),
                                                         MailOutbox.created_at < cutoff))
    db.session.commit()
    return result.rowcount


# --------------------------------------------------------------------------- sending


class SmtpUnavailable(Exception):
    """The server could not be reached, did not answer in time or refused the login: stop this run."""


class SmtpRefused(Exception):
    """The server refused this message (a 4xx/5xx answer): nothing was delivered."""


class SmtpUncertain(Exception):
    """The connection broke while the server had the content: it may have been accepted."""


def _describe(e: BaseException, cfg: SmtpConfig) -> str:
    if isinstance(e, TimeoutError) or isinstance(e.__context__, TimeoutError):  # smtplib wraps a read timeout
        return f"the SMTP server {cfg.where()} did not answer within {cfg.timeout:g} s"
    if isinstance(e, smtplib.SMTPResponseException):
        msg = e.smtp_error.decode(errors="replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        return f"the SMTP server {cfg.where()} refused: {e.smtp_code} {msg}"
    if isinstance(e, ConnectionRefusedError):
        return f"the SMTP server {cfg.where()} refused the connection"
    if isinstance(e, smtplib.SMTPServerDisconnected):
        return f"the SMTP server {cfg.where()} closed the connection ({e})"
    if isinstance(e, smtplib.SMTPNotSupportedError) and cfg.starttls:
        return f"the SMTP server {cfg.where()} does not offer STARTTLS; nothing was sent without encryption"
    if isinstance(e, ssl.SSLCertVerificationError):
        trust = f"the CA certificates in {cfg.cafile}" if cfg.cafile else "the system's trust store"
        return (f"TLS with {cfg.where()} failed: its certificate is not trusted ({e.verify_message}; "
                f"checked against {trust})")
    if isinstance(e, ssl.SSLError):
        return f"TLS with {cfg.where()} failed ({e.reason or e})"
    if isinstance(e, OSError):
        return f"cannot reach the SMTP server {cfg.where()} ({e.strerror or e})"
    return f"SMTP error with {cfg.where()} ({e})"


class Connection:
    """One SMTP session (smtplib), opened on first use."""

    def __init__(self, cfg: SmtpConfig):
        self.cfg = cfg
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        cfg = self.cfg
        try:
            if cfg.ssl:
                s = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=cfg.tls_context())
            else:
                s = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            self.smtp = s
            s.ehlo()
            if cfg.starttls:
                s.starttls(context=cfg.tls_context())  # no STARTTLS offered: SMTPNotSupportedError
                s.ehlo()
            if cfg.username:
                s.login(cfg.username, cfg.password or "")
        except (OSError, smtplib.SMTPException) as e:
            self.close()
            raise SmtpUnavailable(_describe(e, cfg)) from None

    def send(self, msg: EmailMessage, sender: str, to: str, before_data) -> bool:
        """Send ``msg``; ``before_data()`` runs after the envelope was accepted and before the content is handed
        over (False: do not hand it over). True when the server accepted the message."""
        if self.smtp is None:
            self.open()
        s, cfg = self.smtp, self.cfg
        try:
            code, resp = s.mail(sender)
            if code != 250:
                s.rset()
                raise SmtpRefused(_describe(smtplib.SMTPResponseException(code, resp), cfg))
            code, resp = s.rcpt(to)
            if code not in (250, 251):
                s.rset()
                raise SmtpRefused(_describe(smtplib.SMTPResponseException(code, resp), cfg))
        except (OSError, smtplib.SMTPServerDisconnected) as e:
            self.close()
            raise SmtpUnavailable(_describe(e, cfg)) from None
        if not before_data():
            s.rset()
            return False
        try:
            code, resp = s.data(msg.as_bytes())
            if code != 250:  # smtplib returns the final answer without raising (sendmail raises)
                raise smtplib.SMTPDataError(code, resp)
        except smtplib.SMTPDataError as e:  # an answer, not 354/250: refused, nothing delivered
            try:
                s.rset()
            except (OSError, smtplib.SMTPException):
                self.close()
            raise SmtpRefused(_describe(e, cfg)) from None
        except (OSError, smtplib.SMTPException) as e:
            self.close()
            raise SmtpUncertain(_describe(e, cfg)) from None
        return True

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                try:
                    self.smtp.close()
                except OSError:
                    pass
            self.smtp = None


def build_message(row: MailOutbox) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = row.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(row.body, cte="quoted-printable")
    return msg


@dataclass
class SendReport:
    sent: int = 0
    refused: list[str] = field(default_factory=list)
    unavailable: str | None = None
    uncertain: list[str] = field(default_factory=list)
    waiting: int = 0  # still pending after this run

    @property
    def ok(self) -> bool:
        return not (self.refused or self.unavailable or self.uncertain)


def _claim(row_id: int, token: str, now: datetime) -> bool:
    stale = now - CLAIM_LEASE
    result = db.session.execute(update(MailOutbox).where(
        MailOutbox.id == row_id,
        or_(MailOutbox.status == "pending", (MailOutbox.status == "claimed") & (MailOutbox.claimed_at < stale)),
    ).values(status="claimed", claimed_by=token, claimed_at=now, attempts=MailOutbox.attempts + 1))
    db.session.commit()
    return result.rowcount == 1


def _move(row_id: int, token: str, frm: str | tuple[str, ...], to: str, **values) -> bool:
    frm = (frm,) if isinstance(frm, str) else frm
    result = db.session.execute(update(MailOutbox).where(
        MailOutbox.id == row_id, MailOutbox.status.in_(frm), MailOutbox.claimed_by == token,
    ).values(status=to, **values))
    db.session.commit()
    return result.rowcount == 1


def _release(row: MailOutbox, token: str, error: str) -> None:
    """Back to pending (retried next run), or failed after MAX_ATTEMPTS."""
    to = "failed" if row.attempts >= MAX_ATTEMPTS else "pending"
    _move(row.id, token, ("claimed", "sending"), to, last_error=error[:300], claimed_by=None, claimed_at=None)


def send_pending(cfg: SmtpConfig, *, limit: int = 1000, echo=lambda line: None) -> SendReport:
    """Send what is pending (see the module's notes). Commits after each step."""
    report = SendReport()
    token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:120]
    stale = utcnow() - CLAIM_LEASE
    ids = list(db.session.scalars(select(MailOutbox.id).where(or_(
        MailOutbox.status == "pending", (MailOutbox.status == "claimed") & (MailOutbox.claimed_at < stale),
    )).order_by(MailOutbox.id).limit(limit)))
    db.session.commit()
    sender = current_app.config["MAIL_FROM"]
    conn = Connection(cfg)
    try:
        for row_id in ids:
            if not _claim(row_id, token, utcnow()):
                continue  # another run took it
            row = db.session.get(MailOutbox, row_id)
            what = f"{row.kind} for user {row.user_id}" + (f" ({row.day.isoformat()})" if row.day else "")
            msg = build_message(row)
            try:
                conn.send(msg, parseaddr(sender)[1], row.to_address,
                          before_data=lambda rid=row_id: _move(rid, token, "claimed", "sending"))
            except SmtpUnavailable as e:
                _release(row, token, str(e))
                report.unavailable = str(e)
                echo(f"Not sent: {what}: {e}. It stays queued and is retried on the next run.")
                break
            except SmtpRefused as e:
                _release(row, token, str(e))
                report.refused.append(f"{what}: {e}")
                echo(f"Not sent: {what}: {e}. It stays queued and is retried on the next run.")
                continue
            except SmtpUncertain as e:
                _move(row_id, token, "sending", "unknown", last_error=str(e)[:300])
                report.uncertain.append(f"{what}: {e}")
                echo(f"Uncertain: {what}: {e} while the message was being handed over. It may have arrived; "
                     "it is not sent again (see Beheer > E-mail).")
                continue
            if _move(row_id, token, "sending", "sent", sent_at=utcnow(), last_error=None):
                report.sent += 1
    finally:
        conn.close()
    report.waiting = db.session.scalar(select(func.count(MailOutbox.id)).where(MailOutbox.status == "pending")) or 0
    db.session.commit()
    return report


REQUEUE_KINDS = ("mislukt", "onzeker")


def requeue(which: str, now: datetime | None = None) -> int:
    """An admin puts mails back in the queue (``pending``, attempts from zero) for the next run: ``mislukt``
    the ``failed`` ones (refused too often: never delivered), ``onzeker`` the ``unknown`` ones and the
    ``sending`` ones whose run stopped more than ``CLAIM_LEASE`` ago (they may have arrived: sending them again
    can deliver them twice, which the admin was told). A ``sending`` row of a run that may still be busy is left
    alone. Returns how many; does not commit."""
    if which not in REQUEUE_KINDS:
        raise ValueError(which)
    now = now or utcnow()
    if which == "mislukt":
        cond = MailOutbox.status == "failed"
    else:
        cond = or_(MailOutbox.status == "unknown",
                   (MailOutbox.status == "sending") & (MailOutbox.claimed_at < now - CLAIM_LEASE))
    return db.session.execute(update(MailOutbox).where(cond).values(
        status="pending", attempts=0, claimed_by=None, claimed_at=None)).rowcount or 0


def outbox_summary() -> dict[str, int]:
    return dict(db.session.execute(select(MailOutbox.status, func.count(MailOutbox.id))
                                   .group_by(MailOutbox.status)).all())
