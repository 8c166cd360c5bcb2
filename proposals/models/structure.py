"""Units, privileges, areas and policies (DESIGN.md §1)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from proposals.models.base import timestamp

NAME_MAX = 200
DESCRIPTION_MAX = 20_000


class Unit(SQLModel, table=True):
    """An organisational unit; units form a tree but nothing is inherited through it."""

    __tablename__ = "unit"
    __table_args__ = (
        sa.CheckConstraint("length(name) > 0", name="name_not_empty"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    name: str = Field(sa_type=sa.String(NAME_MAX))
    description: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(sa_column=timestamp())


class Privilege(SQLModel, table=True):
    """A member's rights in a unit; a row with both rights false does not exist (it is revoked)."""

    __tablename__ = "privilege"
    __table_args__ = (sa.CheckConstraint("voting_right OR initiative_right", name="some_right"),)

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True)
    voting_right: bool
    initiative_right: bool


class Area(SQLModel, table=True):
    """A subject area inside a unit."""

    __tablename__ = "area"
    __table_args__ = (sa.CheckConstraint("length(name) > 0", name="name_not_empty"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    name: str = Field(sa_type=sa.String(NAME_MAX))
    description: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(sa_column=timestamp())


class Policy(SQLModel, table=True):
    """The rules an issue runs under: phase times, quorums, majorities, Schulze options, and
    (issue 12) whether ballots of members who represent nobody are kept without their name."""

    __tablename__ = "policy"
    __table_args__ = (
        sa.CheckConstraint("length(name) > 0", name="name_not_empty"),
        sa.CheckConstraint(
            "min_admission_time >= 0 AND min_admission_time <= max_admission_time"
            " AND discussion_time >= 0 AND verification_time >= 0 AND voting_time >= 0",
            name="times_valid",
        ),
        sa.CheckConstraint(
            "issue_quorum_num >= 0 AND issue_quorum_den >= 1"
            " AND initiative_quorum_num >= 0 AND initiative_quorum_den >= 1"
            " AND direct_majority_num >= 0 AND direct_majority_den >= 1"
            " AND indirect_majority_num >= 0 AND indirect_majority_den >= 1",
            name="fractions_valid",
        ),
        sa.CheckConstraint(
            "direct_majority_positive >= 0 AND direct_majority_non_negative >= 0"
            " AND indirect_majority_positive >= 0 AND indirect_majority_non_negative >= 0",
            name="majority_minimums_valid",
        ),
        sa.CheckConstraint("defeat_strength IN ('tuple', 'simple')", name="defeat_strength_known"),
        sa.CheckConstraint("tie_breaking IN ('variant1', 'simple')", name="tie_breaking_known"),
        sa.CheckConstraint(
            "NOT no_reverse_beat_path OR defeat_strength = 'tuple'",
            name="reverse_beat_path_needs_tuple",
        ),
        sa.CheckConstraint(
            "ballot_secrecy IN ('public', 'delegates_public')", name="ballot_secrecy_known"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(NAME_MAX))
    description: str = Field(default="", sa_type=sa.Text)
    active: bool = True
    min_admission_time: int = Field(sa_type=sa.BigInteger)
    max_admission_time: int = Field(sa_type=sa.BigInteger)
    discussion_time: int = Field(sa_type=sa.BigInteger)
    verification_time: int = Field(sa_type=sa.BigInteger)
    voting_time: int = Field(sa_type=sa.BigInteger)
    issue_quorum_num: int
    issue_quorum_den: int
    initiative_quorum_num: int
    initiative_quorum_den: int
    direct_majority_num: int = 1
    direct_majority_den: int = 2
    direct_majority_strict: bool = True
    direct_majority_positive: int = 0
    direct_majority_non_negative: int = 0
    indirect_majority_num: int = 1
    indirect_majority_den: int = 2
    indirect_majority_strict: bool = True
    indirect_majority_positive: int = 0
    indirect_majority_non_negative: int = 0
    no_reverse_beat_path: bool = False
    no_multistage_majority: bool = False
    defeat_strength: str = Field(default="tuple", sa_type=sa.String(16))
    tie_breaking: str = Field(default="variant1", sa_type=sa.String(16))
    ballot_secrecy: str = Field(default="public", sa_type=sa.String(16))
    """Issue 12: ``public`` or ``delegates_public`` (:func:`proposals.lifecycle.secret_ballot`)."""
    created_at: datetime = Field(sa_column=timestamp())
