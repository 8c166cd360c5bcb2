"""Web sessions are their own token kind ('web'), apart from API login tokens.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kinds(condition: str) -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_token_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_api_token_kind_known"), condition)


def upgrade() -> None:
    _kinds("kind IN ('login', 'personal', 'web')")


def downgrade() -> None:
    # web sessions cannot be expressed before this revision: they end (their members log in again)
    op.execute("DELETE FROM api_token WHERE kind = 'web'")
    _kinds("kind IN ('login', 'personal')")
