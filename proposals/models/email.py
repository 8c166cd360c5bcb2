"""E-mail: each member's notification settings and the outbox the sender drains (issue 11).

A member without a :class:`NotificationSettings` row has the defaults (``daily``, every kind on)
and no verified address, so they get no e-mail. An address is verified when
``email_verified_address`` equals ``member.email``: changing the address needs a new
verification, with nothing to reset. ``mailed_up_to_id`` is the member's e-mail watermark: every
notification of theirs with an id at or below it has been mailed, folded into a digest or
skipped (notifications are written in bulk, so they carry no per-row e-mail state).

:class:`EmailMessage` is the outbox: one row per e-mail, rendered when it is queued, with a
``message_id`` fixed then, so a retry after a crash re-sends the same message (at-least-once
with a stable ``Message-ID``, docs/decisions.md).
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from proposals.models.base import timestamp
from proposals.models.member import EMAIL_MAX

EMAIL_FREQUENCIES = ("immediately", "daily", "weekly", "never")
MESSAGE_KINDS = ("verification", "reminder", "notification", "digest")
"""``verification`` and ``reminder`` (the delegate's last-day reminder) are outside the daily cap
and the frequency; ``notification`` is one notification sent at once (``immediately``);
``digest`` is everything since the last one."""


def _known(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class NotificationSettings(SQLModel, table=True):
    """How one member wants to hear by e-mail, and the state of their address."""

    __tablename__ = "notification_settings"
    __table_args__ = (
        sa.CheckConstraint(_known("email_frequency", EMAIL_FREQUENCIES), name="frequency_known"),
    )

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    email_frequency: str = Field(default="daily", sa_type=sa.String(16))
    # kind -> bool; a kind that is missing is on.
    kinds: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    email_verified_address: str | None = Field(default=None, sa_type=sa.String(EMAIL_MAX))
    email_verified_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    # Permanent (5xx) refusals in a row; reset by a delivery or a new verification.
    email_permanent_failures: int = 0
    email_failing_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    mailed_up_to_id: int = 0
    last_digest_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))


class EmailMessage(SQLModel, table=True):
    """One e-mail in the outbox: pending (``sent_at`` and ``failed_at`` null), sent, or failed
    for good. A sender claims a pending row by setting ``claimed_until`` (a lease), so several
    processes never send it twice at once, and a process that dies lets it go when the lease
    ends."""

    __tablename__ = "email_message"
    __table_args__ = (
        sa.CheckConstraint(_known("kind", MESSAGE_KINDS), name="kind_known"),
        sa.Index("ix_email_message_next_attempt_at", "next_attempt_at"),
        sa.Index("ix_email_message_member_id_created_at", "member_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    kind: str = Field(sa_type=sa.String(16))
    to_address: str = Field(sa_type=sa.String(EMAIL_MAX))
    subject: str = Field(sa_type=sa.String(255))
    text_body: str = Field(sa_type=sa.Text)
    html_body: str = Field(sa_type=sa.Text)
    message_id: str = Field(sa_type=sa.String(255), unique=True)
    # The issue a reminder is about (at most one reminder per member and issue).
    issue_id: int | None = Field(default=None, foreign_key="issue.id")
    created_at: datetime = Field(sa_column=timestamp())
    next_attempt_at: datetime = Field(sa_column=timestamp())
    claimed_until: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    sent_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    failed_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
