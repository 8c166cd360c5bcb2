"""The e-mail outbox: the one writer of :class:`EmailMessage` rows (issue 11).

Whoever decides that an e-mail goes out (address verification, an immediate notification, a
digest, a reminder) queues it here, in the transaction of that decision; the sender
(``app/mail/send.py``) drains the rows later. The ``Message-ID`` is fixed now, so a re-send after
a crash is recognisably the same message.
"""

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from proposals.models import EmailMessage


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
        message_id=f"<{uuid.uuid4().hex}@{domain}>",
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
            "message_id": f"<{uuid.uuid4().hex}@{domain}>",
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
