"""Secret ballots for members who represent nobody (issue 12, item 4).

The policy gains ``ballot_secrecy`` (``public``, the default, or ``delegates_public``); a stored
vote belongs to a member or to an anonymous ballot (``ballot_id``), and ``anonymous_ballot``
lists each issue's anonymous ballots in the order of their content. On PostgreSQL the new table
is immutable like the other stored results (migration 0004).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


CHECK_SECRECY = "ballot_secrecy IN ('public', 'delegates_public')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Issues refer to policies: SQLite must not rebuild the table (batch mode would drop it),
        # so the column and its check come in one ALTER TABLE ... ADD COLUMN.
        op.execute(
            "ALTER TABLE policy ADD COLUMN ballot_secrecy VARCHAR(16) NOT NULL DEFAULT 'public'"
            f" CONSTRAINT ck_policy_ballot_secrecy_known CHECK ({CHECK_SECRECY})"
        )
    else:
        op.add_column(
            "policy",
            sa.Column(
                "ballot_secrecy", sa.String(length=16), nullable=False, server_default="public"
            ),
        )
        op.create_check_constraint(op.f("ck_policy_ballot_secrecy_known"), "policy", CHECK_SECRECY)
        op.alter_column("policy", "ballot_secrecy", server_default=None)
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ballot_id", sa.String(length=32), nullable=True))
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(
            op.f("uq_vote_issue_id_ballot_id_initiative_id"),
            ["issue_id", "ballot_id", "initiative_id"],
        )
        batch_op.create_check_constraint(
            op.f("ck_vote_member_or_ballot"), "(member_id IS NULL) <> (ballot_id IS NULL)"
        )
    op.create_table(
        "anonymous_ballot",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_anonymous_ballot_issue_id_issue")
        ),
        sa.PrimaryKeyConstraint("issue_id", "position", name=op.f("pk_anonymous_ballot")),
        sa.UniqueConstraint(
            "issue_id", "ballot_id", name=op.f("uq_anonymous_ballot_issue_id_ballot_id")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER lp_anonymous_ballot_guard BEFORE UPDATE OR DELETE ON anonymous_ballot"
            " FOR EACH ROW EXECUTE FUNCTION lp_refuse_result_change()"
        )


def downgrade() -> None:
    # Anonymous ballots cannot be given back their members: downgrading loses them (and their
    # grades), which changes the stored results of those issues.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER lp_anonymous_ballot_guard ON anonymous_ballot")
        op.execute("ALTER TABLE vote DISABLE TRIGGER lp_vote_guard")
    op.execute("DELETE FROM vote WHERE member_id IS NULL")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE vote ENABLE TRIGGER lp_vote_guard")
    op.drop_table("anonymous_ballot")
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_vote_member_or_ballot"), type_="check")
        batch_op.drop_constraint(op.f("uq_vote_issue_id_ballot_id_initiative_id"), type_="unique")
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("ballot_id")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE policy DROP COLUMN ballot_secrecy")  # no rebuild, as above
    else:
        op.drop_constraint(op.f("ck_policy_ballot_secrecy_known"), "policy", type_="check")
        op.drop_column("policy", "ballot_secrecy")
