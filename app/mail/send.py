"""Sending the outbox over SMTP (issue 11): one pass of :func:`send_due`.

A pass claims what is due (``outbox.claim_due``, committed before any SMTP, so no lock is held
while talking to the server), sends each claimed message over one SMTP connection, and records
each outcome in its own transaction right after the server's answer. The rules:

- ``SMTP_URL``: ``smtp://[user:password@]host[:port]`` (port 25; STARTTLS when the server offers
  it) or ``smtps://...`` (port 465, implicit TLS).
- Credentials only ever travel over TLS: with credentials, a server that offers no STARTTLS is
  refused (every claimed message gets a temporary failure saying so; the password is never
  sent), and the TLS certificate is verified. Without credentials STARTTLS is used when offered,
  unverified (it can only improve on the plain text that would go otherwise: a local relay).
- A 4xx reply, a dropped connection or a timeout is temporary (retried with backoff), a 5xx
  reply to the recipient or the message is permanent. Failing to connect, to start TLS or to log
  in is temporary for every claimed message and says nothing about any member's address; so is a
  refusal of our own sender address (``MAIL_FROM``).
"""

import contextlib
import email.message
import email.policy
import email.utils
import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from app.mail.links import unsubscribe_url
from app.mail.smtp_url import SmtpTarget, parse_smtp_url
from app.settings import Settings
from proposals.clock import Clock, utcnow
from proposals.models import EmailMessage
from proposals.services import outbox

log = logging.getLogger("liquidpolicy.mail")

TIMEOUT = 15.0
"""Seconds for connecting and for each SMTP reply (docs/decisions.md: against the lease)."""


class SessionFactory(Protocol):
    def session(self, *, write: bool = False) -> Session: ...


class TlsRequired(Exception):
    """The URL has credentials and the server offers no TLS: they are not sent."""


@dataclass
class Pass:
    """What one pass did: messages sent, to be retried, failed for good."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def _list_unsubscribe(settings: Settings, message: EmailMessage) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers: every message but an address verification (the member
    asked for that one, and turning e-mail off from it would be no answer to "this was not me").
    RFC 8058's one-click ``List-Unsubscribe-Post`` needs an HTTPS link."""
    if message.kind == "verification":
        return {}
    url = unsubscribe_url(settings, message.member_id)
    headers = {"List-Unsubscribe": f"<{url}>"}
    if url.startswith("https://"):
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


_POLICY = email.policy.default.clone(max_line_length=998)


def build_message(settings: Settings, message: EmailMessage) -> email.message.EmailMessage:
    """The MIME message of an outbox row: multipart/alternative (text, then HTML), with the
    row's stable ``Message-ID`` and its creation time as ``Date``, so a re-send is the same
    message. Header lines may be as long as RFC 5322 allows (998): the default 78 made the
    policy fold an unbreakable link into RFC 2047 encoded words, which no mail client reads as a
    ``List-Unsubscribe`` link."""
    mime = email.message.EmailMessage(policy=_POLICY)
    mime["From"] = settings.mail_from
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Date"] = email.utils.format_datetime(message.created_at)
    mime["Message-ID"] = message.message_id
    mime["Auto-Submitted"] = "auto-generated"
    for name, value in _list_unsubscribe(settings, message).items():
        mime[name] = value
    mime.set_content(message.text_body)
    mime.add_alternative(message.html_body, subtype="html")
    return mime


def _connect(target: SmtpTarget) -> smtplib.SMTP:
    """An open, greeted (and, as the rules say, encrypted and logged-in) SMTP connection."""
    if target.implicit_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            target.host, target.port, timeout=TIMEOUT, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=TIMEOUT)
    try:
        client.ehlo()
        encrypted = target.implicit_tls
        if not encrypted and client.has_extn("starttls"):
            context = ssl.create_default_context()
            if target.username is None:  # opportunistic: better than the plain text otherwise
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            client.starttls(context=context)
            client.ehlo()
            encrypted = True
        if target.username is not None:
            if not encrypted:
                raise TlsRequired(
                    "SMTP_URL has credentials but the server offers no STARTTLS: "
                    "refusing to send them in clear (use smtps:// or a server with STARTTLS)"
                )
            client.login(target.username, target.password or "")
    except BaseException:
        client.close()
        raise
    return client


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {reply.decode(errors='replace')}" for code, reply in exc.recipients.values()
        )
    return f"{type(exc).__name__}: {exc}"


def _refusal_code(exc: smtplib.SMTPException) -> int | None:
    """The reply code of a refusal of the recipient or the message; None for anything else."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return min(code for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return None  # our MAIL_FROM: not the member's address
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    return None


class _Sender:
    """One pass's SMTP connection (opened at the first message, kept for the whole pass) and the
    recording of each outcome in its own transaction."""

    def __init__(self, database: SessionFactory, settings: Settings, clock: Clock) -> None:
        assert settings.smtp_url
        self.database = database
        self.settings = settings
        self.clock = clock
        self.target = parse_smtp_url(settings.smtp_url)
        self.envelope_from = email.utils.parseaddr(settings.mail_from)[1]
        self.client: smtplib.SMTP | None = None
        self.done = Pass()

    def record(
        self, row: EmailMessage, writer: Callable[..., None], *, error: str | None = None
    ) -> None:
        with self.database.session(write=True) as session:
            if error is None:
                writer(session, row.id, now=self.clock())
            else:
                writer(session, row.id, now=self.clock(), error=error)
            session.commit()

    def temporary(self, row: EmailMessage, error: str) -> None:
        self.record(row, outbox.record_temporary_failure, error=error)
        self.done.retried += 1

    def permanent(self, row: EmailMessage, error: str) -> None:
        self.record(row, outbox.record_permanent_failure, error=error)
        self.done.failed += 1

    def drop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.close()
        self.client = None

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.quit()
        self.drop()

    def send_batch(self, claimed: list[EmailMessage]) -> bool:
        """Send the claimed messages; False when the server cannot be reached (each message
        left then got a temporary failure)."""
        for index, row in enumerate(claimed):
            if self.client is None:
                try:
                    self.client = _connect(self.target)
                except (OSError, smtplib.SMTPException, TlsRequired) as exc:
                    error = _describe(exc)
                    (log.error if isinstance(exc, TlsRequired) else log.warning)(
                        "mail server unavailable", extra={"error": error}
                    )
                    for rest in claimed[index:]:
                        self.temporary(rest, error)
                    return False
            self.send_one(self.client, row)
        return True

    def send_one(self, client: smtplib.SMTP, row: EmailMessage) -> None:
        try:
            mime = build_message(self.settings, row)
            client.send_message(mime, from_addr=self.envelope_from, to_addrs=[row.to_address])
        except (ValueError, TypeError) as exc:  # a message that no server could take
            self.permanent(row, _describe(exc))
        except smtplib.SMTPException as exc:
            error = _describe(exc)
            code = _refusal_code(exc)
            if code is not None and 500 <= code < 600:
                self.permanent(row, error)
            else:
                self.temporary(row, error)
            log.warning("mail refused", extra={"message_id": row.message_id, "error": error})
            if code is None or getattr(client, "sock", None) is None:
                self.drop()  # disconnected, or in a state we do not know: a new connection
        except OSError as exc:  # dropped connection, timeout
            self.temporary(row, _describe(exc))
            self.drop()
        else:
            self.record(row, outbox.record_sent)
            self.done.sent += 1


def send_due(database: SessionFactory, settings: Settings, *, clock: Clock = utcnow) -> Pass:
    """One pass (the server's background loop, ``liquidpolicy notify``): claim what is due,
    ``outbox.CLAIM_LIMIT`` messages at a time, and send it over one SMTP connection, until
    nothing due is left or the server cannot be reached; nothing without ``SMTP_URL``.

    Each batch is claimed in its own transaction, committed before any SMTP. A message that
    fails is due again only after its backoff, so the pass ends."""
    if not settings.smtp_url:
        return Pass()
    sender = _Sender(database, settings, clock)
    try:
        while True:
            with database.session(write=True) as session:
                claimed = outbox.claim_due(session, now=clock())
                session.commit()
            if not claimed or not sender.send_batch(claimed):
                return sender.done
    finally:
        sender.close()
