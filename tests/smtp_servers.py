"""Real SMTP servers for the e-mail tests: aiosmtpd on a free port (accepting or refusing; in the clear, with
STARTTLS required or TLS from the start, with a certificate of a test CA made by trustme), and a socket that
accepts connections and never answers."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collecting:
    """aiosmtpd handler that accepts every message and keeps it (parsed)."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.tls: list[str | None] = []  # per message: the TLS version of its connection, None in the clear
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        tls = server.transport.get_extra_info("ssl_object")
        with self.lock:
            self.messages.append(msg)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.tls.append(tls.version() if tls else None)
        return "250 OK: queued"

    def bodies(self) -> list[str]:
        return [m.get_content() for m in self.messages]

    def recipients(self) -> list[str]:
        return [to for _, tos in self.envelopes for to in tos]


class Refusing(Collecting):
    """Refuses every recipient with 550: nothing is delivered."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 Mailbox unavailable"


class RefusingData(Collecting):
    """Accepts the envelope, then refuses the content with 550 (after DATA): nothing is delivered."""

    async def handle_DATA(self, server, session, envelope):
        return "550 5.7.1 Message rejected"


class DropsAfterData(Collecting):
    """Keeps the message, then closes the connection before its 250 reaches the client: the client cannot know
    that the message arrived (a crash or network break at the worst moment)."""

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        server.transport.abort()
        return "250 OK: queued"


class SmtpServer:
    """aiosmtpd on 127.0.0.1. With ``cert`` (a ``trustme.LeafCert``): ``tls="starttls"`` offers STARTTLS and
    refuses MAIL before it (530), ``tls="smtps"`` is TLS from the first byte."""

    def __init__(self, handler, cert=None, tls: str | None = None):
        self.handler = handler
        self.port = free_port()
        self.tls = tls
        kwargs = {}
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
            kwargs = ({"tls_context": context, "require_starttls": True} if tls == "starttls"
                      else {"ssl_context": context})
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def url(self) -> str:
        scheme = "smtps" if self.tls == "smtps" else "smtp"
        return f"{scheme}://127.0.0.1:{self.port}?timeout=5"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class Silent:
    """A TCP server that accepts connections and never says a word (no SMTP greeting)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?timeout=1"

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.sock.close()
        for c in self.accepted:
            c.close()
