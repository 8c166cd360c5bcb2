"""A real SMTP server for the test suite: aiosmtpd on a free port of 127.0.0.1 (issue 11).

The ``smtp_server`` fixture (registered for the whole suite by ``tests/conftest.py``) yields a
running :class:`SmtpServer`::

    def test_x(smtp_server: SmtpServer) -> None:
        settings = settings_for_tests(smtp_url=smtp_server.url, public_url="https://example.org")
        ...  # queue e-mails, run app.mail.send.send_due(...)
        [received] = smtp_server.messages          # what the server accepted, in order
        received.message["Subject"], received.rcpt_tos, received.text, received.html

    smtp_server.reply("451 4.3.0 Try again later")   # the next DATA gets this, then 250
    smtp_server.reply("451 busy", "550 no")          # the next two, in order, then 250
    smtp_server.always("550 5.1.1 No such user")     # every DATA from now on (None: back to 250)
    smtp_server.reply(DROP)                          # the next DATA: the connection is dropped

- ``url``: ``smtp://127.0.0.1:PORT`` (no credentials, no TLS: aiosmtpd offers no STARTTLS and,
  without TLS, no AUTH).
- ``messages``: the accepted messages (:class:`Received`: envelope, parsed message,
  ``text``/``html`` parts, ``over_tls``); ``attempts``: every message that reached DATA,
  accepted or refused, with the ``reply`` it got.
- Replies are scripted for DATA only: the envelope (MAIL FROM, RCPT TO) is always accepted.
- ``closed_port_url()``: an ``smtp://`` URL on which nothing listens (a server that is down).
- TLS and AUTH: ``SmtpServer(make_certificate(tmp_path), credentials=("u", "p"))`` (see the
  class); clients trust the certificate with ``SSL_CERT_FILE`` set to its ``cert``.

The server runs in aiosmtpd's own thread; the handler answers DATA only after it has stored the
message, so when ``smtplib`` returns, the message is in ``messages``.
"""

import email
import email.message
import email.policy
import shutil
import socket
import ssl
import subprocess
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
ACCEPTED = "250 OK"
DROP = "drop"
"""A scripted "reply" that drops the connection instead of answering."""


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (just now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def closed_port_url() -> str:
    """``smtp://`` on a port where no server listens: the connection is refused."""
    return f"smtp://{HOST}:{free_port()}"


@dataclass(frozen=True)
class Received:
    """One message as the server got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    reply: str
    over_tls: bool
    raw: bytes = b""
    """The message as it came over the wire (headers as a mail client reads them)."""

    def _part(self, subtype: str) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        if part is None or part.get_content_subtype() != subtype:
            raise AssertionError(f"no text/{subtype} part in {self.message['Subject']!r}")
        return str(part.get_content()).replace("\r\n", "\n")

    @property
    def text(self) -> str:
        """The text/plain part (line ends as \\n)."""
        return self._part("plain")

    @property
    def html(self) -> str:
        """The text/html part (line ends as \\n)."""
        return self._part("html")


def _over_tls(server: Any, session: Any) -> bool:
    """After STARTTLS (``session.ssl``) or on an implicit-TLS connection (its transport)."""
    transport = getattr(server, "transport", None)
    implicit = transport is not None and transport.get_extra_info("ssl_object") is not None
    return session.ssl is not None or implicit


@dataclass
class _Handler:
    replies: deque[str] = field(default_factory=deque)
    standing: str | None = None
    attempts: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        with self.lock:
            reply = self.replies.popleft() if self.replies else self.standing or ACCEPTED
            parsed = email.message_from_bytes(content, policy=email.policy.default)
            assert isinstance(parsed, email.message.EmailMessage)
            self.attempts.append(
                Received(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=[str(r) for r in envelope.rcpt_tos],
                    message=parsed,
                    reply=reply,
                    over_tls=_over_tls(server, session),
                    raw=content,
                )
            )
        if reply == DROP:
            server.transport.close()
        return reply


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 (``cert`` is also its own CA file)."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_certificate(directory: Path) -> Certificate:
    """A fresh self-signed certificate for 127.0.0.1 and localhost (the ``openssl`` command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
    command += " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:localhost"
    subprocess.run(
        [*command.split(), "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return Certificate(cert, key)


class SmtpServer:
    """A running aiosmtpd server and what it received (see the module docstring).

    ``SmtpServer(certificate, implicit_tls=False, credentials=("user", "pw"))``: a server that
    offers STARTTLS (or, ``implicit_tls=True``, speaks TLS from the start: ``smtps://``) and
    AUTH with those credentials (only over TLS); ``logins`` lists ``(user, over_tls)`` for each
    AUTH the server saw, right or wrong.
    """

    def __init__(
        self,
        certificate: Certificate | None = None,
        *,
        implicit_tls: bool = False,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.host = HOST
        self.port = free_port()
        self.implicit_tls = implicit_tls
        self.logins: list[tuple[str, bool]] = []
        self._handler = _Handler()
        options: dict[str, Any] = {}
        if certificate is not None:
            context = certificate.server_context()
            options["ssl_context" if implicit_tls else "tls_context"] = context
        if credentials is not None:

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, data: Any
            ) -> AuthResult:
                login = data.login.decode() if isinstance(data, LoginPassword) else "?"
                self.logins.append((login, _over_tls(server, session)))
                good = isinstance(data, LoginPassword) and (
                    (data.login.decode(), data.password.decode()) == credentials
                )
                return AuthResult(success=good, handled=False)

            options["authenticator"] = authenticate
            # aiosmtpd offers AUTH only after its own STARTTLS; under implicit TLS the whole
            # connection is encrypted already.
            options["auth_require_tls"] = not implicit_tls
        self._controller = Controller(self._handler, hostname=self.host, port=self.port, **options)

    @property
    def url(self) -> str:
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{self.host}:{self.port}"

    @property
    def attempts(self) -> list[Received]:
        with self._handler.lock:
            return list(self._handler.attempts)

    @property
    def messages(self) -> list[Received]:
        return [r for r in self.attempts if r.reply.startswith("2")]

    def reply(self, *replies: str) -> None:
        """Answer the next DATA commands with ``replies``, one each, in order (then as before)."""
        with self._handler.lock:
            self._handler.replies.extend(replies)

    def always(self, reply: str | None) -> None:
        """Answer every later DATA with ``reply``; ``None`` returns to ``250 OK``."""
        with self._handler.lock:
            self._handler.standing = reply

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An aiosmtpd server on a free port of 127.0.0.1, stopped after the test."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
