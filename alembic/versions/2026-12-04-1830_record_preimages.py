"""The inputs of a due record as they were at the close (issue 12, item 1): while an issue's
record is due, the first change of a unit or area delegation or of a member's eligibility in its
unit keeps the value at the close (``record_delegation_preimage``,
``record_eligibility_preimage``); the record step overlays them and deletes them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_delegation_preimage",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("truster_id", sa.Integer(), nullable=False),
        sa.Column("stood", sa.Boolean(), nullable=False),
        sa.Column("trustee_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_record_delegation_preimage_issue_id_issue")
        ),
        sa.ForeignKeyConstraint(
            ["truster_id"],
            ["member.id"],
            name=op.f("fk_record_delegation_preimage_truster_id_member"),
        ),
        sa.PrimaryKeyConstraint(
            "issue_id", "scope", "truster_id", name=op.f("pk_record_delegation_preimage")
        ),
    )
    op.create_table(
        "record_eligibility_preimage",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_record_eligibility_preimage_issue_id_issue")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_record_eligibility_preimage_member_id_member"),
        ),
        sa.PrimaryKeyConstraint(
            "issue_id", "member_id", name=op.f("pk_record_eligibility_preimage")
        ),
    )


def downgrade() -> None:
    op.drop_table("record_eligibility_preimage")
    op.drop_table("record_delegation_preimage")
