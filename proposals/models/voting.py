"""Delegations, live ballots and the immutable results of a closed issue (DESIGN.md §3-§4)."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from proposals.models.base import timestamp


class Delegation(SQLModel, table=True):
    """(truster, trustee or null, scope); at most one per truster per unit, area or issue.

    ``declined_at``: the trustee declined it (issue 12); the row stays, shown as declined, and
    counts as if it did not exist (:func:`standing`) until the truster sets a new one.
    """

    __tablename__ = "delegation"
    __table_args__ = (
        sa.CheckConstraint("scope IN ('unit', 'area', 'issue')", name="scope_known"),
        sa.CheckConstraint(
            "(scope = 'unit' AND unit_id IS NOT NULL AND area_id IS NULL AND issue_id IS NULL) OR"
            " (scope = 'area' AND unit_id IS NULL AND area_id IS NOT NULL AND issue_id IS NULL) OR"
            " (scope = 'issue' AND unit_id IS NULL AND area_id IS NULL AND issue_id IS NOT NULL)",
            name="one_scope_id",
        ),
        sa.CheckConstraint("trustee_id IS NULL OR trustee_id <> truster_id", name="not_self"),
        sa.CheckConstraint("scope <> 'unit' OR trustee_id IS NOT NULL", name="unit_has_trustee"),
        sa.UniqueConstraint("truster_id", "unit_id", name="uq_delegation_truster_unit"),
        sa.UniqueConstraint("truster_id", "area_id", name="uq_delegation_truster_area"),
        sa.UniqueConstraint("truster_id", "issue_id", name="uq_delegation_truster_issue"),
    )

    id: int | None = Field(default=None, primary_key=True)
    truster_id: int = Field(foreign_key="member.id")
    trustee_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    scope: str = Field(sa_type=sa.String(8))
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    area_id: int | None = Field(default=None, foreign_key="area.id", index=True)
    issue_id: int | None = Field(default=None, foreign_key="issue.id", index=True)
    created_at: datetime = Field(sa_column=timestamp())
    declined_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))


def standing(table: sa.FromClause | None = None) -> sa.ColumnElement[bool]:
    """DESIGN.md §3 with issue 12: a declined delegation counts as if it did not exist, so the
    truster's delegation of the next lower scope applies. The one place this rule lives: every
    query reading delegation rows for resolution (snapshots, the close, weights, chains, the
    agenda, notifications) filters with it; ``table`` is an alias of ``delegation`` if given."""
    source: sa.FromClause = table if table is not None else Delegation.__table__  # type: ignore[attr-defined]
    return source.c.declined_at.is_(None)


class Ballot(SQLModel, table=True):
    """A member's current ballot in an issue in voting; replaceable until voting ends."""

    __tablename__ = "ballot"

    issue_id: int = Field(foreign_key="issue.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True)
    updated_at: datetime = Field(sa_column=timestamp())


class BallotGrade(SQLModel, table=True):
    """One grade of a live ballot (missing = 0, abstain)."""

    __tablename__ = "ballot_grade"

    issue_id: int = Field(foreign_key="issue.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", primary_key=True)
    grade: int


# The per-member result tables below (direct_voter, anonymous_ballot) carry no FOREIGN KEY
# constraints (issue 13, migration 0017): on PostgreSQL each would fire a
# trigger per written row -- most of a million-member close. The close checks its ids once
# (proposals.lifecycle._check_result_ids), and deleting a member, issue or initiative that stored
# results refer to is refused by triggers (both backends; docs/decisions.md "Close storage").


class DirectVoter(SQLModel, table=True):
    """Stored at close: a direct voter and the weight they carried."""

    __tablename__ = "direct_voter"
    __table_args__ = (sa.CheckConstraint("weight >= 1", name="weight_positive"),)

    issue_id: int = Field(primary_key=True)
    member_id: int = Field(primary_key=True)
    weight: int


@dataclass(frozen=True)
class DelegatingVoter:
    """Stored at close: a member whose weight reached a direct voter through ``trustee_id``.
    Kept in ``result_block`` rows of kind ``delegating_voter``, keyed by ``member_id`` (issue
    13)."""

    issue_id: int
    member_id: int
    trustee_id: int
    weight: int
    scope: str


class ResultBlock(SQLModel, table=True):
    """Stored at close (issue 13): up to :data:`proposals.result_blocks.BLOCK` entries of one
    issue's list of ``kind`` with keys ``first_key`` to ``last_key``, ``data`` their compact
    encoding (:mod:`proposals.result_blocks`); the kinds ``close_member`` and ``carried`` are
    written with the issue's record (:mod:`proposals.services.close_index`). Read a key's block
    by the primary key: ``first_key <= key ORDER BY first_key DESC LIMIT 1``."""

    __tablename__ = "result_block"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('vote', 'delegating_voter', 'close_member', 'carried')", name="kind_known"
        ),
        sa.CheckConstraint("count >= 1", name="count_positive"),
    )

    issue_id: int = Field(foreign_key="issue.id", primary_key=True)
    kind: str = Field(sa_type=sa.String(16), primary_key=True)
    first_key: int = Field(primary_key=True)
    last_key: int
    count: int
    data: bytes = Field(sa_type=sa.LargeBinary)


@dataclass(frozen=True)
class Vote:
    """Stored at close: one grade of a counted ballot, of a member (``member_id``) or of an
    anonymous ballot (``ballot_id``, issue 12: :class:`AnonymousBallot`), never both. Kept in
    ``result_block`` rows of kind ``vote`` (issue 13); ``id`` is the grade's position 1..n in its
    issue (members' grades by member and initiative, then the anonymous ballots' in their
    order)."""

    id: int
    issue_id: int
    member_id: int | None
    initiative_id: int
    grade: int
    ballot_id: str | None


class AnonymousBallot(SQLModel, table=True):
    """Stored at close under a ``delegates_public`` policy (issue 12): a counted ballot kept
    without its member, under a random ``ballot_id``; ``position`` numbers the issue's anonymous
    ballots in the order of their content (never of member or time). Its grades are the
    :class:`Vote` entries with this ``ballot_id`` (none: abstaining on every initiative)."""

    __tablename__ = "anonymous_ballot"
    __table_args__ = (sa.UniqueConstraint("issue_id", "ballot_id"),)

    issue_id: int = Field(primary_key=True)
    position: int = Field(primary_key=True)
    ballot_id: str = Field(sa_type=sa.String(32))


class Battle(SQLModel, table=True):
    """Stored at close: weight preferring the first candidate to the second (null = status quo)."""

    __tablename__ = "battle"
    __table_args__ = (
        sa.CheckConstraint(
            "winning_initiative_id IS NULL OR losing_initiative_id IS NULL"
            " OR winning_initiative_id <> losing_initiative_id",
            name="distinct_candidates",
        ),
        sa.CheckConstraint("count >= 0", name="count_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    winning_initiative_id: int | None = Field(default=None, foreign_key="initiative.id")
    losing_initiative_id: int | None = Field(default=None, foreign_key="initiative.id")
    count: int
