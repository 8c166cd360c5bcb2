"""Area subscriptions, notification causes and in-app notifications (issue 11).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
)
CAUSE_KINDS = ("new_issue", "phase_changed", "issue_closed", "new_draft")


def _known(kinds: Sequence[str]) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade() -> None:
    op.create_table(
        "area_subscription",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_area_subscription_area_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_area_subscription_member_id_member")
        ),
        sa.PrimaryKeyConstraint("member_id", "area_id", name=op.f("pk_area_subscription")),
    )
    with op.batch_alter_table("area_subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_subscription_area_id"), ["area_id"], unique=False)

    op.create_table(
        "notification_cause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.Column("fanned_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_known(CAUSE_KINDS), name=op.f("ck_notification_cause_kind_known")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["member.id"], name=op.f("fk_notification_cause_actor_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_notification_cause_draft_id_draft")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_notification_cause_initiative_id_initiative"),
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_notification_cause_issue_id_issue")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_cause")),
    )
    with op.batch_alter_table("notification_cause", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_cause_fanned_out_at", ["fanned_out_at"], unique=False
        )

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cause_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("suggestion_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.CheckConstraint(_known(NOTIFICATION_KINDS), name=op.f("ck_notification_kind_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_member_id_id", ["member_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_member_id_id")
    op.drop_table("notification")
    with op.batch_alter_table("notification_cause", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_cause_fanned_out_at")
    op.drop_table("notification_cause")
    with op.batch_alter_table("area_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_subscription_area_id"))
    op.drop_table("area_subscription")
