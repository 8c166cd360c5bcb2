"""The verifiable record of every close and its hash chain (issue 12, item 1).

``issue_record_due`` marks a finished issue whose record is still to be written (set by the close),
``issue_record`` and ``issue_record_chunk`` hold the records, the event feed gains the
``issue_recorded`` type and a ``record_digest`` column. On PostgreSQL, triggers refuse changing or
deleting a record or its chunks, like the other stored results (migration 0004).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_EVENT_TYPES = (
    "issue_state_changed",
    "initiative_created",
    "initiative_revoked",
    "draft_created",
    "suggestion_created",
    "suggestion_accepted",
    "suggestion_rejected",
    "delegation_changed",
    "delegation_declined",
)
EVENT_TYPES = (*OLD_EVENT_TYPES, "issue_recorded")
RECORD_TABLES = ("issue_record", "issue_record_chunk")

GUARD = """
CREATE FUNCTION lp_refuse_record_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the record of issue % is immutable', OLD.issue_id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def _types(values: Sequence[str]) -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_event_type_known"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_event_type_known"), "type IN (" + ", ".join(f"'{v}'" for v in values) + ")"
        )


def upgrade() -> None:
    op.create_table(
        "issue_record_due",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_issue_record_due_issue_id_issue")
        ),
        sa.PrimaryKeyConstraint("issue_id", name=op.f("pk_issue_record_due")),
    )
    op.create_table(
        "issue_record",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("previous_digest", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_issue_record_seq_positive")),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_issue_record_issue_id_issue")
        ),
        sa.PrimaryKeyConstraint("issue_id", name=op.f("pk_issue_record")),
        sa.UniqueConstraint("digest", name=op.f("uq_issue_record_digest")),
        sa.UniqueConstraint("seq", name=op.f("uq_issue_record_seq")),
    )
    op.create_table(
        "issue_record_chunk",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issue_record.issue_id"],
            name=op.f("fk_issue_record_chunk_issue_id_issue_record"),
        ),
        sa.PrimaryKeyConstraint("issue_id", "position", name=op.f("pk_issue_record_chunk")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_digest", sa.String(length=64), nullable=True))
    _types(EVENT_TYPES)
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: only proposals.services.records writes records, once
    op.execute(GUARD)
    for table in RECORD_TABLES:
        op.execute(
            f"CREATE TRIGGER lp_{table}_guard BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION lp_refuse_record_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in RECORD_TABLES:
            op.execute(f"DROP TRIGGER lp_{table}_guard ON {table}")
        op.execute("DROP FUNCTION lp_refuse_record_change()")
    op.execute("DELETE FROM event WHERE type = 'issue_recorded'")
    _types(OLD_EVENT_TYPES)
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("record_digest")
    op.drop_table("issue_record_chunk")
    op.drop_table("issue_record")
    op.drop_table("issue_record_due")
