"""Results are immutable: on PostgreSQL, triggers refuse changing or deleting stored results.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 08:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESULT_TABLES = ("direct_voter", "delegating_voter", "vote", "battle")

UPGRADE = """
CREATE FUNCTION lp_refuse_result_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stored results of issue % are immutable', OLD.issue_id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION lp_refuse_closed_issue_change() RETURNS trigger AS $$
BEGIN
    IF OLD.closed_at IS NOT NULL THEN
        RAISE EXCEPTION 'issue % is closed and immutable', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION lp_refuse_closed_initiative_change() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM issue WHERE id = OLD.issue_id AND closed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'initiative % belongs to a closed issue and is immutable', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lp_issue_closed_guard BEFORE UPDATE OR DELETE ON issue
    FOR EACH ROW EXECUTE FUNCTION lp_refuse_closed_issue_change();
CREATE TRIGGER lp_initiative_closed_guard BEFORE UPDATE OR DELETE ON initiative
    FOR EACH ROW EXECUTE FUNCTION lp_refuse_closed_initiative_change();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: the services refuse (proposals.lifecycle.close_voting)
    op.execute(UPGRADE)
    for table in RESULT_TABLES:
        op.execute(
            f"CREATE TRIGGER lp_{table}_guard BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION lp_refuse_result_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in RESULT_TABLES:
        op.execute(f"DROP TRIGGER lp_{table}_guard ON {table}")
    op.execute("DROP TRIGGER lp_initiative_closed_guard ON initiative")
    op.execute("DROP TRIGGER lp_issue_closed_guard ON issue")
    op.execute("DROP FUNCTION lp_refuse_closed_initiative_change()")
    op.execute("DROP FUNCTION lp_refuse_closed_issue_change()")
    op.execute("DROP FUNCTION lp_refuse_result_change()")
