"""The event feed and idempotency records (DESIGN.md §5; API.md conventions)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from proposals.models.base import timestamp

EVENT_TYPES = (
    "issue_state_changed",
    "initiative_created",
    "initiative_revoked",
    "draft_created",
    "suggestion_created",
    "suggestion_accepted",
    "suggestion_rejected",
    "delegation_changed",
    "delegation_declined",
    "issue_recorded",
)


class Event(SQLModel, table=True):
    """One entry of the public feed, appended in the transaction of the change it reports."""

    __tablename__ = "event"
    __table_args__ = (
        sa.CheckConstraint(
            "type IN (" + ", ".join(f"'{t}'" for t in EVENT_TYPES) + ")", name="type_known"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    type: str = Field(sa_type=sa.String(32), index=True)
    occurred_at: datetime = Field(sa_column=timestamp())
    member_id: int | None = Field(default=None, foreign_key="member.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    area_id: int | None = Field(default=None, foreign_key="area.id", index=True)
    issue_id: int | None = Field(default=None, foreign_key="issue.id", index=True)
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id")
    draft_id: int | None = Field(default=None, foreign_key="draft.id")
    suggestion_id: int | None = Field(default=None, foreign_key="suggestion.id")
    state: str | None = Field(default=None, sa_type=sa.String(64))
    record_digest: str | None = Field(default=None, sa_type=sa.String(64))


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a write sent with an ``Idempotency-Key``, kept for the sending token.

    Only 2xx answers are stored, except that an answer carrying a secret (a new token) is stored
    as the 409 its retry gets instead (issue 9: no secret is ever kept in clear).
    """

    __tablename__ = "idempotency_record"
    __table_args__ = (
        sa.UniqueConstraint("api_token_id", "method", "path", "key"),
        sa.CheckConstraint(
            "(status_code >= 200 AND status_code < 300) OR status_code = 409",
            name="success_or_conflict",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    api_token_id: int = Field(foreign_key="api_token.id")
    method: str = Field(sa_type=sa.String(8))
    path: str = Field(sa_type=sa.String(2048))
    key: str = Field(sa_type=sa.String(255))
    request_hash: str = Field(sa_type=sa.String(64))
    status_code: int
    content_type: str | None = Field(default=None, sa_type=sa.String(255))
    body: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(sa_column=timestamp())


class LoginFailure(SQLModel, table=True):
    """A failed login, kept for the throttling window (shared by every worker)."""

    __tablename__ = "login_failure"
    __table_args__ = (
        sa.Index("ix_login_failure_account_failed_at", "account", "failed_at"),
        sa.Index("ix_login_failure_address_failed_at", "address", "failed_at"),
        sa.Index("ix_login_failure_device_failed_at", "device", "failed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(sa_type=sa.String(255))
    address: str = Field(sa_type=sa.String(64))
    # The device cookie's nonce when the failure came from a trusted browser (issue 9): such
    # failures count against that device, not against the account.
    device: str | None = Field(default=None, sa_type=sa.String(64))
    failed_at: datetime = Field(sa_column=timestamp())


class InstanceSecret(SQLModel, table=True):
    """A secret generated once per installation and shared by every worker (``SECRET_KEY``)."""

    __tablename__ = "instance_secret"

    name: str = Field(sa_type=sa.String(64), primary_key=True)
    value: str = Field(sa_type=sa.String(255))
    created_at: datetime = Field(sa_column=timestamp())
