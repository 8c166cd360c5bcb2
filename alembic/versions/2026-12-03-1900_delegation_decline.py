"""A delegate may decline a delegation (issue 12, item 5).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
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
    "voting_reminder",
)
NOTIFICATION_KINDS = (*OLD_NOTIFICATION_KINDS, "delegation_declined")
OLD_EVENT_TYPES = (
    "issue_state_changed",
    "initiative_created",
    "initiative_revoked",
    "draft_created",
    "suggestion_created",
    "suggestion_accepted",
    "suggestion_rejected",
    "delegation_changed",
)
EVENT_TYPES = (*OLD_EVENT_TYPES, "delegation_declined")


def _known(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _check(table: str, name: str, column: str, values: Sequence[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
        batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), _known(column, values))


def upgrade() -> None:
    with op.batch_alter_table("delegation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True))
    _check("notification", "kind_known", "kind", NOTIFICATION_KINDS)
    _check("event", "type_known", "type", EVENT_TYPES)


def downgrade() -> None:
    op.execute("DELETE FROM event WHERE type = 'delegation_declined'")
    op.execute("DELETE FROM notification WHERE kind = 'delegation_declined'")
    _check("event", "type_known", "type", OLD_EVENT_TYPES)
    _check("notification", "kind_known", "kind", OLD_NOTIFICATION_KINDS)
    op.execute("DELETE FROM delegation WHERE declined_at IS NOT NULL")
    with op.batch_alter_table("delegation", schema=None) as batch_op:
        batch_op.drop_column("declined_at")
