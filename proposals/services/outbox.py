"""The e-mail outbox: the one writer of :class:`EmailMessage` rows (issue 11).

Whoever decides that an e-mail goes out (address verification, an immediate notification, a
digest, a reminder) queues it here, in the transaction of that decision; the sender
(``app/mail/send.py``) drains the rows later. The ``Message-ID`` is fixed now, so a re-send after
a crash is recognisably the same message.

The sender's bookkeeping is here too, and is the one writer of the delivery columns
(``claimed_until``, ``attempts``, ``next_attempt_at``, ``sent_at``, ``failed_at``,
``last_error``) and of the member's ``email_permanent_failures`` / ``email_failing_at``:
:func:`claim_due`, :func:`record_sent`, :func:`record_temporary_failure`,
:func:`record_permanent_failure` (docs/decisions.md, "Notifications (issue 11): the sender").
A claimed message that must not go out any more (:func:`unwanted`: the member's address changed,
or they turned e-mail off while it waited for a retry) is marked failed instead of sent.
"""

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, select

from proposals.models import EmailMessage, Member, NotificationSettings


class Letter(Protocol):
    """A rendered e-mail: what is queued (``app.mail.render.RenderedEmail`` has this shape)."""

    @property
    def subject(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def html(self) -> str: ...


def _message_id(domain: str) -> str:
    """A new message's ``Message-ID``, fixed when it is queued (a re-send repeats it)."""
    return f"<{uuid.uuid4().hex}@{domain}>"


def enqueue(
    session: Session,
    *,
    member_id: int,
    kind: str,
    to_address: str,
    subject: str,
    text_body: str,
    html_body: str,
    now: datetime,
    domain: str,
    issue_id: int | None = None,
) -> EmailMessage:
    """Queue one e-mail, due at once; ``domain`` names the sender's host in the Message-ID."""
    message = EmailMessage(
        member_id=member_id,
        kind=kind,
        to_address=to_address,
        subject=subject[:255],
        text_body=text_body,
        html_body=html_body,
        message_id=_message_id(domain),
        issue_id=issue_id,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(message)
    session.flush()
    return message


@dataclass(frozen=True)
class Outgoing:
    """One e-mail for :func:`enqueue_many`."""

    member_id: int
    kind: str
    to_address: str
    subject: str
    text_body: str
    html_body: str
    issue_id: int | None = None


def enqueue_many(
    session: Session, messages: Sequence[Outgoing], *, now: datetime, domain: str
) -> int:
    """Queue many e-mails, due at once, with one executemany ``INSERT`` (the composer's batches:
    a flush per row made 100,000 digests crawl); each gets its own Message-ID as in
    :func:`enqueue`. Answers how many."""
    if not messages:
        return 0
    table: sa.Table = EmailMessage.__table__  # type: ignore[attr-defined]
    rows = [
        {
            **asdict(message),
            "subject": message.subject[:255],
            "message_id": _message_id(domain),
            "created_at": now,
            "next_attempt_at": now,
            "claimed_until": None,
            "attempts": 0,
            "last_error": None,
            "sent_at": None,
            "failed_at": None,
        }
        for message in messages
    ]
    session.execute(sa.insert(table), rows)
    return len(rows)


# --- the sender's bookkeeping: the one writer of the delivery columns -------------------------

LEASE = timedelta(minutes=10)
"""How long a claimed message is a sender's own: far longer than ``CLAIM_LIMIT`` messages take
with a server that answers, so normally only a dead process's claims run out."""
CLAIM_LIMIT = 20
MAX_ATTEMPTS = 10
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=4)
FAILING_AFTER = 3
"""Permanent refusals in a row after which a member's address is marked failing."""


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failed ones: 1 min, doubling each time,
    at most 4 h (1, 2, 4, ... 128 min, then 4 h: the 10th try is about 8 h after the first).
    The one rule of the retry schedule."""
    return min(BACKOFF_FIRST * (1 << max(attempts - 1, 0)), BACKOFF_CAP)


def unwanted(to_address: str, kind: str, email: str | None, frequency: str | None) -> str | None:
    """Issue 11: why a queued e-mail must not go out any more (None: it may). The one rule, checked
    when the sender claims it (a message may wait hours for its retry): only to the member's
    current address, and -- but the address verification, which the member asked for -- not
    after they turned e-mail off (``never``, e.g. by one-click unsubscribe)."""
    if email != to_address:
        return "not sent: the member's address changed"
    if kind != "verification" and frequency == "never":
        return "not sent: the member turned e-mail off"
    return None


def _drop_unwanted(session: Session, rows: list[EmailMessage], now: datetime) -> set[int]:
    """Mark the claimed rows that :func:`unwanted` refuses failed (no attempt, no failure count
    towards the failing mark); answer their ids (one query)."""
    member_ids = sorted({row.member_id for row in rows})
    found = session.exec(
        select(Member.id, Member.email, NotificationSettings.email_frequency)
        .outerjoin(NotificationSettings, col(NotificationSettings.member_id) == col(Member.id))
        .where(col(Member.id).in_(member_ids))
    )
    members = {member_id: (email, frequency) for member_id, email, frequency in found}
    dropped = set()
    for row in rows:
        email, frequency = members.get(row.member_id, (None, None))
        reason = unwanted(row.to_address, row.kind, email, frequency)
        if reason is not None:
            row.failed_at = now
            row.claimed_until = None
            row.last_error = reason
            session.add(row)
            dropped.add(row.id or 0)
    return dropped


def claim_due(
    session: Session, *, now: datetime, lease: timedelta = LEASE, limit: int = CLAIM_LIMIT
) -> list[EmailMessage]:
    """Claim up to ``limit`` pending messages that are due and not claimed by a live sender
    (``claimed_until`` unset or past), oldest due first, by setting ``claimed_until`` to
    ``now + lease``. On PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED``, so senders
    running at once claim different rows; on SQLite the write session's ``BEGIN IMMEDIATE``
    serialises them. The caller commits before sending, so no lock is held during SMTP.
    Messages that must not go out any more (:func:`unwanted`) are marked failed instead."""
    while True:
        rows = list(
            session.exec(
                select(EmailMessage)
                .where(
                    col(EmailMessage.sent_at).is_(None),
                    col(EmailMessage.failed_at).is_(None),
                    col(EmailMessage.next_attempt_at) <= now,
                    sa.or_(
                        col(EmailMessage.claimed_until).is_(None),
                        col(EmailMessage.claimed_until) <= now,
                    ),
                )
                .order_by(col(EmailMessage.next_attempt_at), col(EmailMessage.id))
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        dropped = _drop_unwanted(session, rows, now) if rows else set()
        kept = [row for row in rows if row.id not in dropped]
        for row in kept:
            row.claimed_until = now + lease
            session.add(row)
        session.flush()
        if kept or not rows:
            return kept


def _settings_for_update(session: Session, member_id: int) -> NotificationSettings:
    settings = session.get(NotificationSettings, member_id, with_for_update=True)
    if settings is None:
        settings = NotificationSettings(member_id=member_id)
        session.add(settings)
    return settings


def _attempted(session: Session, email_id: int) -> EmailMessage:
    message = session.get(EmailMessage, email_id, with_for_update=True)
    if message is None:
        raise LookupError(f"no e-mail message {email_id}")
    message.attempts += 1
    message.claimed_until = None
    return message


def record_sent(session: Session, email_id: int, *, now: datetime) -> None:
    """The SMTP server accepted the message: it is sent, and the member's address works (their
    count of permanent refusals in a row and the failing mark are cleared)."""
    message = _attempted(session, email_id)
    message.sent_at = now
    session.add(message)
    settings = session.get(NotificationSettings, message.member_id, with_for_update=True)
    if settings is not None and (settings.email_permanent_failures or settings.email_failing_at):
        settings.email_permanent_failures = 0
        settings.email_failing_at = None
        session.add(settings)
    session.flush()


def record_temporary_failure(session: Session, email_id: int, *, now: datetime, error: str) -> None:
    """A try failed for now (a 4xx reply, no connection, no TLS for the credentials): try again
    after :func:`backoff`; after ``MAX_ATTEMPTS`` tries give up (``failed_at``). Giving up says
    nothing about the member's address, so it does not count towards marking it failing."""
    message = _attempted(session, email_id)
    message.last_error = error[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.failed_at = now
    else:
        message.next_attempt_at = now + backoff(message.attempts)
    session.add(message)
    session.flush()


def record_permanent_failure(session: Session, email_id: int, *, now: datetime, error: str) -> None:
    """The server refused the message for good (a 5xx reply): it is failed, never retried, and
    the member's count of permanent refusals in a row goes up; at ``FAILING_AFTER`` their
    address is marked failing (``email_failing_at``, shown on their settings page). The one rule
    of the failing mark (a delivery clears it: :func:`record_sent`)."""
    message = _attempted(session, email_id)
    message.failed_at = now
    message.last_error = error[:2000]
    session.add(message)
    settings = _settings_for_update(session, message.member_id)
    settings.email_permanent_failures += 1
    if settings.email_permanent_failures >= FAILING_AFTER and settings.email_failing_at is None:
        settings.email_failing_at = now
    session.add(settings)
    session.flush()
