"""Area subscriptions and the notification inbox (API.md "Notifications")."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.schemas.base import Schema
from app.schemas.numbers import Int
from proposals.models import AreaSubscription, Notification

NotificationId = Annotated[Int, Field(ge=1, le=2_147_483_647)]

NotificationKind = Literal[
    "new_issue",
    "phase_changed",
    "issue_closed",
    "votes_delegated",
    "delegation_started",
    "delegation_stopped",
    "new_suggestion",
    "invitation",
    "new_draft",
    "voting_reminder",
    "delegation_declined",
    "webhook_disabled",
]


class SubscriptionOut(Schema):
    """An area I subscribed to: I hear of its new issues and of its issues reaching voting."""

    area_id: int
    """The area."""
    created_at: datetime
    """When I subscribed (UTC)."""

    @classmethod
    def of(cls, row: AreaSubscription) -> "SubscriptionOut":
        return cls(area_id=row.area_id, created_at=row.created_at)


class NotificationOut(Schema):
    """Something that concerns me: what happened (``text``) and why I am told (``reason``)."""

    id: int
    """The notification's id."""
    kind: NotificationKind
    """What it is about."""
    created_at: datetime
    """When it was created (UTC)."""
    read_at: datetime | None
    """When I marked it read (UTC), else null."""
    unit_id: int | None
    """The unit concerned, if any."""
    area_id: int | None
    """The area concerned, if any."""
    issue_id: int | None
    """The issue concerned, if any."""
    initiative_id: int | None
    """The initiative concerned, if any."""
    suggestion_id: int | None
    """The suggestion concerned, if any."""
    text: str
    """What happened, in one line."""
    reason: str = Field(description='One line: why I got it ("because you subscribed to ...")')

    @classmethod
    def of(cls, row: Notification) -> "NotificationOut":
        return cls(
            id=row.id or 0,
            kind=row.kind,
            created_at=row.created_at,
            read_at=row.read_at,
            unit_id=row.unit_id,
            area_id=row.area_id,
            issue_id=row.issue_id,
            initiative_id=row.initiative_id,
            suggestion_id=row.suggestion_id,
            text=row.text,
            reason=row.reason,
        )


class MarkRead(Schema):
    """Mark my notifications read: those listed in ``ids`` and every one up to ``up_to_id``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"up_to_id": 42}]})

    ids: Annotated[list[NotificationId], Field(max_length=500)] | None = None
    """These notifications."""
    up_to_id: NotificationId | None = None
    """Every notification up to this id."""
