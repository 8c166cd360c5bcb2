"""Close storage (issue 13, item 1): the per-member result tables lose their FOREIGN KEY
constraints, which on PostgreSQL fired a trigger per written row (each locking the referenced
member, issue or initiative row) -- most of a million-member close. The close checks its ids once
instead (``proposals.lifecycle._check_result_ids``), and a trigger refuses deleting a member that
stored results name, as the constraints did; issues and initiatives that results name stay
guarded by the remaining constraints (``battle``, ``initiative``) and the closed-issue triggers.
The unique ``vote (issue_id, ballot_id, initiative_id)`` becomes a partial unique index without
the members' grades (their NULL ``ballot_id`` never conflicted).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (column, referenced table) of each dropped constraint
FOREIGN_KEYS = {
    "direct_voter": (("issue_id", "issue"), ("member_id", "member")),
    "delegating_voter": (("issue_id", "issue"), ("member_id", "member"), ("trustee_id", "member")),
    "vote": (("initiative_id", "initiative"), ("issue_id", "issue"), ("member_id", "member")),
    "anonymous_ballot": (("issue_id", "issue"),),
}

# Every column of a result table that names a member (a delegating voter's trustee and a vote's
# member are direct or delegating voters of the same issue, but each is checked all the same).
NAMED = (
    "EXISTS (SELECT 1 FROM direct_voter WHERE member_id = OLD.id)"
    " OR EXISTS (SELECT 1 FROM delegating_voter WHERE member_id = OLD.id)"
    " OR EXISTS (SELECT 1 FROM delegating_voter WHERE trustee_id = OLD.id)"
    " OR EXISTS (SELECT 1 FROM vote WHERE member_id = OLD.id)"
)

POSTGRESQL_GUARD = f"""
CREATE FUNCTION lp_refuse_result_member_delete() RETURNS trigger AS $$
BEGIN
    IF {NAMED} THEN
        RAISE EXCEPTION 'member % is named by stored results and cannot be deleted', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lp_member_result_guard BEFORE DELETE ON member
    FOR EACH ROW EXECUTE FUNCTION lp_refuse_result_member_delete();
"""

SQLITE_GUARD = f"""
CREATE TRIGGER lp_member_result_guard BEFORE DELETE ON member WHEN {NAMED}
BEGIN
    SELECT RAISE(ABORT, 'member is named by stored results and cannot be deleted');
END
"""


def _name(table: str, column: str, referred: str) -> str:
    return op.f(f"fk_{table}_{column}_{referred}")


BALLOT_KEY = "uq_vote_issue_id_ballot_id_initiative_id"
BALLOT_COLUMNS = ["issue_id", "ballot_id", "initiative_id"]


def upgrade() -> None:
    for table, keys in FOREIGN_KEYS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, referred in keys:
                batch_op.drop_constraint(_name(table, column, referred), type_="foreignkey")
            if table == "vote":
                batch_op.drop_constraint(BALLOT_KEY, type_="unique")
    op.create_index(
        BALLOT_KEY,
        "vote",
        BALLOT_COLUMNS,
        unique=True,
        postgresql_where=sa.text("ballot_id IS NOT NULL"),
        sqlite_where=sa.text("ballot_id IS NOT NULL"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_GUARD)
    else:
        op.execute(SQLITE_GUARD)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER lp_member_result_guard ON member")
        op.execute("DROP FUNCTION lp_refuse_result_member_delete()")
    else:
        op.execute("DROP TRIGGER lp_member_result_guard")
    op.drop_index(BALLOT_KEY, table_name="vote")
    for table, keys in FOREIGN_KEYS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "vote":
                batch_op.create_unique_constraint(BALLOT_KEY, BALLOT_COLUMNS)
            for column, referred in keys:
                batch_op.create_foreign_key(
                    _name(table, column, referred), referred, [column], ["id"]
                )
