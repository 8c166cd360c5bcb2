"""Webhooks and their deliveries (issue 14, item 3; API.md "Webhooks").

A :class:`Webhook` follows the public event feed from ``feed_position`` (the feed's end when it was
registered); each feed event that passes its filters becomes one :class:`WebhookDelivery`, which
is retried until the endpoint accepts it. Deliveries of one webhook go out in feed order: only the
oldest undelivered one is ever attempted (:mod:`proposals.services.webhooks`).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from proposals.models.base import timestamp

URL_MAX = 2048
SECRET_MAX = 64


class Webhook(SQLModel, table=True):
    """A member's endpoint for the public feed; ``active`` false once it failed for a day."""

    __tablename__ = "webhook"
    __table_args__ = (sa.Index("ix_webhook_member_id_id", "member_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    url: str = Field(sa_type=sa.String(URL_MAX))
    event_types: list[str] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON(), nullable=True)
    )
    """The event types it receives; null: every type."""
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    area_id: int | None = Field(default=None, foreign_key="area.id")
    secret: str = Field(sa_type=sa.String(SECRET_MAX))
    """``whsec_`` + base64 of the HMAC key; kept, because every delivery is signed with it."""
    active: bool = True
    created_at: datetime = Field(sa_column=timestamp())
    feed_position: int = Field(default=0, sa_type=sa.BigInteger)
    """The id of the last feed event already turned into deliveries (or passed over)."""
    failing_since: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    """The first failed attempt since the last success (null: not failing)."""
    disabled_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    claimed_until: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    """A delivery pass owns the webhook until then (no two passes send to it at once)."""


class WebhookDelivery(SQLModel, table=True):
    """One feed event for one webhook: attempted until delivered (at least once)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.UniqueConstraint("webhook_id", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: int = Field(foreign_key="webhook.id")
    event_id: int = Field(foreign_key="event.id")
    attempts: int = 0
    last_status: int | None = None
    """The HTTP status of the last attempt (null: none yet, or no answer)."""
    last_error: str | None = Field(default=None, sa_type=sa.String(500))
    next_attempt_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    """Due from then on (null once delivered)."""
    delivered_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    created_at: datetime = Field(sa_column=timestamp())
