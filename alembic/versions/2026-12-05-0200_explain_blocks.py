"""Explanation blocks (issue 13, item 1): two more kinds of ``result_block`` rows, written with
an issue's record, so that how one member's vote was counted is read by a few indexed lookups
instead of from the whole record: ``close_member`` (each member eligible at the close with their
delegation rows, ballot and the positions of their grades and of the voters behind them) and
``carried`` (the delegating voters ordered by trustee). Only the ``kind_known`` check widens;
the PostgreSQL immutability guard of ``result_block`` (migration 0018) covers the new rows.
Records written before have no such rows and are explained from the record as before.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("vote", "delegating_voter")
NEW_KINDS = ("close_member", "carried")
CHECK = "ck_result_block_kind_known"


def _kinds(kinds: Sequence[str]) -> None:
    """Replace the check. SQLite copies the table to do so, which its triggers naming
    ``result_block`` (the member guard of migration 0018) refuse: they are set aside meanwhile,
    exactly as they are."""
    bind = op.get_bind()
    triggers: list[tuple[str, str]] = []
    if bind.dialect.name == "sqlite":
        triggers = [
            (name, sql)
            for name, sql in bind.execute(
                sa.text(
                    "SELECT name, sql FROM sqlite_master"
                    " WHERE type = 'trigger' AND sql LIKE '%result_block%'"
                )
            )
        ]
        for name, _ in triggers:
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("result_block", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(
            op.f(CHECK), "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"
        )
    for _, sql in triggers:
        op.execute(sql)


def upgrade() -> None:
    _kinds((*OLD_KINDS, *NEW_KINDS))


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE result_block DISABLE TRIGGER lp_result_block_guard")
    op.execute(sa.text("DELETE FROM result_block WHERE kind IN ('close_member', 'carried')"))
    if postgresql:
        op.execute("ALTER TABLE result_block ENABLE TRIGGER lp_result_block_guard")
    _kinds(OLD_KINDS)
