"""E-mail: notification settings, the outbox, and the delegates' voting reminder (issue 11).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_NOTIFICATION_KINDS = (
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
NOTIFICATION_KINDS = (*OLD_NOTIFICATION_KINDS, "voting_reminder")
OLD_CAUSE_KINDS = ("new_issue", "phase_changed", "issue_closed", "new_draft")
CAUSE_KINDS = (*OLD_CAUSE_KINDS, "voting_reminder")
EMAIL_FREQUENCIES = ("immediately", "daily", "weekly", "never")
MESSAGE_KINDS = ("verification", "reminder", "notification", "digest")


def _known(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _kinds(table: str, kinds: Sequence[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f(f"ck_{table}_kind_known"), _known("kind", kinds))


def upgrade() -> None:
    _kinds("notification", NOTIFICATION_KINDS)
    _kinds("notification_cause", CAUSE_KINDS)
    op.create_index(
        "uq_notification_cause_reminder_issue_id",
        "notification_cause",
        ["issue_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'voting_reminder'"),
        sqlite_where=sa.text("kind = 'voting_reminder'"),
    )

    op.create_table(
        "notification_settings",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("email_frequency", sa.String(length=16), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("email_verified_address", sa.String(length=254), nullable=True),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_permanent_failures", sa.Integer(), nullable=False),
        sa.Column("email_failing_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mailed_up_to_id", sa.Integer(), nullable=False),
        sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            _known("email_frequency", EMAIL_FREQUENCIES),
            name=op.f("ck_notification_settings_frequency_known"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_notification_settings_member_id_member")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_notification_settings")),
    )

    op.create_table(
        "email_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_known("kind", MESSAGE_KINDS), name=op.f("ck_email_message_kind_known")),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_email_message_issue_id_issue")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_email_message_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_message")),
        sa.UniqueConstraint("message_id", name=op.f("uq_email_message_message_id")),
    )
    with op.batch_alter_table("email_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_email_message_member_id_created_at", ["member_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_email_message_next_attempt_at", ["next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("email_message", schema=None) as batch_op:
        batch_op.drop_index("ix_email_message_next_attempt_at")
        batch_op.drop_index("ix_email_message_member_id_created_at")
    op.drop_table("email_message")
    op.drop_table("notification_settings")
    op.drop_index("uq_notification_cause_reminder_issue_id", table_name="notification_cause")
    op.execute("DELETE FROM notification WHERE kind = 'voting_reminder'")
    op.execute("DELETE FROM notification_cause WHERE kind = 'voting_reminder'")
    _kinds("notification_cause", OLD_CAUSE_KINDS)
    _kinds("notification", OLD_NOTIFICATION_KINDS)
