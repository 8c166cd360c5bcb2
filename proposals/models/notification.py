"""Area subscriptions and in-app notifications (issue 11).

A change that concerns many members writes one :class:`NotificationCause` in its own transaction;
a later pass fans each pending cause out to its recipients with one ``INSERT ... SELECT``
(:mod:`proposals.services.notifications`). A change that concerns one member writes its
:class:`Notification` at once, without a cause. Notifications are private to their member: no
public event, feed or export ever reads this table.

E-mail delivery is planned as an outbox *beside* these tables (a ``notification_delivery`` row per
notification and channel), so nothing here changes shape when it arrives (docs/decisions.md).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from proposals.models.base import timestamp

NOTIFICATION_KINDS = (
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
)
"""``new_issue``, ``phase_changed`` (voting included), ``issue_closed`` and ``new_draft`` come from
causes; the others (``webhook_disabled``: the owner's webhook failed for a day) are written
directly for one member (``votes_delegated`` by the fan-out of the
voting cause, one row per delegate carrying weight)."""

CAUSE_KINDS = ("new_issue", "phase_changed", "issue_closed", "new_draft", "voting_reminder")
"""``voting_reminder``: voting on the issue ends within the reminder window; fanned out to its
delegates who have no ballot (at most one such cause per issue: a partial unique index)."""


class AreaSubscription(SQLModel, table=True):
    """A member follows an area (LiquidFeedback's area membership): new issues, voting starts."""

    __tablename__ = "area_subscription"

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    area_id: int = Field(foreign_key="area.id", primary_key=True, index=True)
    created_at: datetime = Field(sa_column=timestamp())


class NotificationCause(SQLModel, table=True):
    """One change that concerns many members, waiting to be fanned out (``fanned_out_at`` null)."""

    __tablename__ = "notification_cause"
    __table_args__ = (
        sa.Index("ix_notification_cause_fanned_out_at", "fanned_out_at"),
        sa.Index(
            "uq_notification_cause_reminder_issue_id",
            "issue_id",
            unique=True,
            postgresql_where=sa.text("kind = 'voting_reminder'"),
            sqlite_where=sa.text("kind = 'voting_reminder'"),
        ),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in CAUSE_KINDS) + ")", name="kind_known"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=sa.String(32))
    created_at: datetime = Field(sa_column=timestamp())
    actor_id: int | None = Field(default=None, foreign_key="member.id")
    issue_id: int = Field(foreign_key="issue.id")
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id")
    draft_id: int | None = Field(default=None, foreign_key="draft.id")
    state: str | None = Field(default=None, sa_type=sa.String(64))
    fanned_out_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    delegate_weights: list[list[int]] | None = Field(
        default=None, sa_column=sa.Column(sa.JSON(), nullable=True)
    )
    """Of an issue reaching voting: ``[member_id, weight]`` of every delegate carrying more than
    their own vote, computed by the lifecycle from the graph of that moment (null for other
    causes, and for voting causes recorded before migration 0010)."""


class Notification(SQLModel, table=True):
    """One member's notification: what happened (``text``) and why they hear of it (``reason``).

    A write-once row made in bulk (100,000 at a time for a big area), so it carries no foreign
    keys and no unique key: PostgreSQL checks a foreign key with one trigger call per row, which
    made up two thirds of a 100,000-row fan-out. Every id is copied from rows that were checked
    when they were written (members and issues are never deleted), and a cause reaches its
    recipients once because the pass that claims it marks it done in the same transaction
    (docs/decisions.md). On PostgreSQL the primary key is ``(member_id, id)`` and takes the
    place of the inbox index below (migration 0013): one B-tree per row instead of two."""

    __tablename__ = "notification"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in NOTIFICATION_KINDS) + ")", name="kind_known"
        ),
        sa.Index("ix_notification_member_id_id", "member_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int
    kind: str = Field(sa_type=sa.String(32))
    created_at: datetime = Field(sa_column=timestamp())
    read_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    cause_id: int | None = None
    unit_id: int | None = None
    area_id: int | None = None
    issue_id: int | None = None
    initiative_id: int | None = None
    suggestion_id: int | None = None
    text: str = Field(sa_type=sa.Text)
    reason: str = Field(sa_type=sa.String(255))
