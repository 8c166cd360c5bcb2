"""Result blocks (issue 13, item 1): a closed issue's votes and delegating voters are stored as
``result_block`` rows of kind ``vote`` and ``delegating_voter``, each up to 1024 entries in a
compact encoding (``proposals.result_blocks``), instead of one row each under one to three
B-trees -- most of the write cost of a large close. Existing rows move into blocks (votes keyed by
their position in the issue, in the order of their ids; delegating voters by member id); the
``vote`` and ``delegating_voter`` tables and their guards go; ``result_block`` gets the same
immutability guard on PostgreSQL (its data stored uncompressed: the close writes megabytes of
it). Deleting a member that results name stays refused (both backends): a direct voter by its
row; a delegating voter -- conservatively -- when a ``delegating_voter`` block's key range holds
the member; a trustee or a vote's member is a direct or delegating voter of the same issue.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 00:00:00
"""

import struct
from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The encoding as introduced, frozen here (the app's is proposals.result_blocks): blocks of at
# most 1024 entries packed little-endian; a vote (member_id or 0, initiative_id, grade, ballot_id
# or b"" padded with NUL bytes to 32), a delegating voter (member_id, trustee_id, weight, scope as
# an index into SCOPES).
BLOCK = 1024
ENTRY = struct.Struct("<iii32s")
DELEGATING_ENTRY = struct.Struct("<iiiB")
SCOPES = ("unit", "area", "issue")

BLOCKS = sa.table(
    "result_block",
    sa.column("issue_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("first_key", sa.Integer),
    sa.column("last_key", sa.Integer),
    sa.column("count", sa.Integer),
    sa.column("data", sa.LargeBinary),
)
DELEGATING = sa.table(
    "delegating_voter",
    sa.column("issue_id", sa.Integer),
    sa.column("member_id", sa.Integer),
    sa.column("trustee_id", sa.Integer),
    sa.column("weight", sa.Integer),
    sa.column("scope", sa.String),
)
VOTES = sa.table(
    "vote",
    sa.column("id", sa.Integer),
    sa.column("issue_id", sa.Integer),
    sa.column("member_id", sa.Integer),
    sa.column("initiative_id", sa.Integer),
    sa.column("grade", sa.Integer),
    sa.column("ballot_id", sa.String),
)

# The member guard of migration 0017, with and without the ``vote`` table.
NAMED_BEFORE = (
    "EXISTS (SELECT 1 FROM direct_voter WHERE member_id = OLD.id)"
    " OR EXISTS (SELECT 1 FROM delegating_voter WHERE member_id = OLD.id)"
    " OR EXISTS (SELECT 1 FROM delegating_voter WHERE trustee_id = OLD.id)"
    " OR EXISTS (SELECT 1 FROM vote WHERE member_id = OLD.id)"
)
NAMED_AFTER = (
    "EXISTS (SELECT 1 FROM direct_voter WHERE member_id = OLD.id)"
    " OR EXISTS (SELECT 1 FROM result_block WHERE kind = 'delegating_voter'"
    " AND first_key <= OLD.id AND last_key >= OLD.id)"
)

POSTGRESQL_MEMBER_GUARD = """
CREATE OR REPLACE FUNCTION lp_refuse_result_member_delete() RETURNS trigger AS $$
BEGIN
    IF {named} THEN
        RAISE EXCEPTION 'member % is named by stored results and cannot be deleted', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
"""

SQLITE_MEMBER_GUARD = """
CREATE TRIGGER lp_member_result_guard BEFORE DELETE ON member WHEN {named}
BEGIN
    SELECT RAISE(ABORT, 'member is named by stored results and cannot be deleted');
END
"""

BALLOT_KEY = "uq_vote_issue_id_ballot_id_initiative_id"


def _member_guard(named: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_MEMBER_GUARD.format(named=named))
    else:
        op.execute("DROP TRIGGER lp_member_result_guard")
        op.execute(SQLITE_MEMBER_GUARD.format(named=named))


def _chunks(issue_id: int, kind: str, entries: list[tuple[int, bytes]]) -> Iterator[dict[str, Any]]:
    """The blocks of one issue's ``(key, packed entry)`` list, in key order."""
    for start in range(0, len(entries), BLOCK):
        chunk = entries[start : start + BLOCK]
        yield {
            "issue_id": issue_id,
            "kind": kind,
            "first_key": chunk[0][0],
            "last_key": chunk[-1][0],
            "count": len(chunk),
            "data": b"".join(packed for _, packed in chunk),
        }


def _vote_blocks(rows: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """The vote blocks of ``rows`` (issue_id, member_id, initiative_id, grade, ballot_id),
    ordered by issue and id: keyed by position."""
    for issue_id, group in groupby(rows, key=lambda row: row[0]):
        entries = [
            (position, ENTRY.pack(member or 0, initiative, grade, (ballot or "").encode("ascii")))
            for position, (_, member, initiative, grade, ballot) in enumerate(group, start=1)
        ]
        yield from _chunks(issue_id, "vote", entries)


def _delegating_blocks(rows: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """The delegating voter blocks of ``rows`` (issue_id, member_id, trustee_id, weight, scope),
    ordered by issue and member: keyed by member."""
    for issue_id, group in groupby(rows, key=lambda row: row[0]):
        entries = [
            (member, DELEGATING_ENTRY.pack(member, trustee, weight, SCOPES.index(scope)))
            for _, member, trustee, weight, scope in group
        ]
        yield from _chunks(issue_id, "delegating_voter", entries)


def _blocks_of(bind: sa.Connection, kind: str) -> Sequence[Any]:
    """``(issue_id, data)`` of the blocks of ``kind``, by issue and first key."""
    return bind.execute(
        sa.select(BLOCKS.c.issue_id, BLOCKS.c.data)
        .where(BLOCKS.c.kind == kind)
        .order_by(BLOCKS.c.issue_id, BLOCKS.c.first_key)
    ).all()


def _votes(blocks: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """The ``vote`` rows of ``blocks`` (issue_id, data), ordered by issue and first key."""
    for issue_id, data in blocks:
        for member, initiative, grade, ballot in ENTRY.iter_unpack(data):
            yield {
                "issue_id": issue_id,
                "member_id": member or None,
                "initiative_id": initiative,
                "grade": grade,
                "ballot_id": ballot.rstrip(b"\0").decode("ascii") or None,
            }


def _delegating_voters(blocks: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """The ``delegating_voter`` rows of ``blocks`` (issue_id, data)."""
    for issue_id, data in blocks:
        for member, trustee, weight, scope in DELEGATING_ENTRY.iter_unpack(data):
            yield {
                "issue_id": issue_id,
                "member_id": member,
                "trustee_id": trustee,
                "weight": weight,
                "scope": SCOPES[scope],
            }


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    op.create_table(
        "result_block",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("first_key", sa.Integer(), nullable=False),
        sa.Column("last_key", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('vote', 'delegating_voter')", name=op.f("ck_result_block_kind_known")
        ),
        sa.CheckConstraint("count >= 1", name=op.f("ck_result_block_count_positive")),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_result_block_issue_id_issue")
        ),
        sa.PrimaryKeyConstraint("issue_id", "kind", "first_key", name=op.f("pk_result_block")),
    )
    if postgresql:
        # Uncompressed: compressing the blocks cost the close more than writing them (pglz).
        op.execute("ALTER TABLE result_block ALTER COLUMN data SET STORAGE EXTERNAL")
    rows = bind.execute(
        sa.select(
            VOTES.c.issue_id,
            VOTES.c.member_id,
            VOTES.c.initiative_id,
            VOTES.c.grade,
            VOTES.c.ballot_id,
        ).order_by(VOTES.c.issue_id, VOTES.c.id)
    ).all()
    delegating = bind.execute(
        sa.select(
            DELEGATING.c.issue_id,
            DELEGATING.c.member_id,
            DELEGATING.c.trustee_id,
            DELEGATING.c.weight,
            DELEGATING.c.scope,
        ).order_by(DELEGATING.c.issue_id, DELEGATING.c.member_id)
    ).all()
    blocks = [*_vote_blocks(rows), *_delegating_blocks(delegating)]
    if blocks:
        bind.execute(sa.insert(BLOCKS), blocks)
    _member_guard(NAMED_AFTER)
    op.drop_index(BALLOT_KEY, table_name="vote")
    op.drop_table("vote")  # with its guard trigger (PostgreSQL)
    op.drop_table("delegating_voter")  # likewise
    if postgresql:
        op.execute(
            "CREATE TRIGGER lp_result_block_guard BEFORE UPDATE OR DELETE ON result_block"
            " FOR EACH ROW EXECUTE FUNCTION lp_refuse_result_change()"
        )


def downgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "(member_id IS NULL) <> (ballot_id IS NULL)", name=op.f("ck_vote_member_or_ballot")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote")),
        sa.UniqueConstraint(
            "issue_id",
            "member_id",
            "initiative_id",
            name=op.f("uq_vote_issue_id_member_id_initiative_id"),
        ),
    )
    op.create_index(
        BALLOT_KEY,
        "vote",
        ["issue_id", "ballot_id", "initiative_id"],
        unique=True,
        postgresql_where=sa.text("ballot_id IS NOT NULL"),
        sqlite_where=sa.text("ballot_id IS NOT NULL"),
    )
    op.create_table(
        "delegating_voter",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("trustee_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.CheckConstraint(
            "scope IN ('unit', 'area', 'issue')", name=op.f("ck_delegating_voter_scope_known")
        ),
        sa.CheckConstraint("weight >= 1", name=op.f("ck_delegating_voter_weight_positive")),
        sa.PrimaryKeyConstraint("issue_id", "member_id", name=op.f("pk_delegating_voter")),
    )
    votes = list(_votes(_blocks_of(bind, "vote")))
    if votes:
        bind.execute(sa.insert(VOTES), votes)
    delegating = list(_delegating_voters(_blocks_of(bind, "delegating_voter")))
    if delegating:
        bind.execute(sa.insert(DELEGATING), delegating)
    _member_guard(NAMED_BEFORE)
    if postgresql:
        for table in ("delegating_voter", "vote"):
            op.execute(
                f"CREATE TRIGGER lp_{table}_guard BEFORE UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION lp_refuse_result_change()"
            )
    op.drop_table("result_block")  # with its guard trigger (PostgreSQL)
