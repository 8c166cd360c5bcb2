"""Inactive members (issue 13): a partial index on ``member (id) WHERE NOT active``, so the
eligibility anti-join (``proposals.services.access.eligible_privileges``) reads the few inactive
ids from it instead of scanning every member -- about 50 ms of each cold unit graph of a
million-member unit (docs/decisions.md, "Inactive-member index for eligibility").

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_member_inactive",
        "member",
        ["id"],
        postgresql_where=sa.text("NOT active"),
        sqlite_where=sa.text("NOT active"),
    )


def downgrade() -> None:
    op.drop_index("ix_member_inactive", table_name="member")
