"""Issues, initiatives, initiators, drafts, suggestions, opinions, interest and support
(DESIGN.md §1-§2)."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from proposals.models.base import timestamp

NAME_MAX = 200
CONTENT_MAX = 100_000
REASON_MAX = 10_000

OPEN_STATES = ("admission", "discussion", "verification", "voting")
FINAL_STATES = (
    "finished_with_winner",
    "finished_without_winner",
    "canceled_issue_not_accepted",
    "canceled_no_initiative_admitted",
    "canceled_revoked_before_accepted",
    "canceled_after_revocation_during_discussion",
    "canceled_after_revocation_during_verification",
    "canceled_by_admin",
)
ISSUE_STATES = OPEN_STATES + FINAL_STATES


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Issue(SQLModel, table=True):
    """A question in one area under one policy, whose phase times are copied at creation."""

    __tablename__ = "issue"
    __table_args__ = (
        sa.CheckConstraint(_in("state", ISSUE_STATES), name="state_known"),
        sa.CheckConstraint(
            "min_admission_time >= 0 AND min_admission_time <= max_admission_time"
            " AND discussion_time >= 0 AND verification_time >= 0 AND voting_time >= 0",
            name="times_valid",
        ),
        sa.CheckConstraint(
            "(closed_at IS NULL)"
            " = (state IN ('admission', 'discussion', 'verification', 'voting'))",
            name="closed_iff_final",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="area.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    policy_id: int = Field(foreign_key="policy.id")
    state: str = Field(default="admission", sa_type=sa.String(64), index=True)
    created_at: datetime = Field(sa_column=timestamp())
    accepted_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    half_frozen_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    fully_frozen_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    snapshot_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    min_admission_time: int = Field(sa_type=sa.BigInteger)
    max_admission_time: int = Field(sa_type=sa.BigInteger)
    discussion_time: int = Field(sa_type=sa.BigInteger)
    verification_time: int = Field(sa_type=sa.BigInteger)
    voting_time: int = Field(sa_type=sa.BigInteger)
    population: int | None = None
    voter_count: int | None = None
    status_quo_schulze_rank: int | None = None


class Initiative(SQLModel, table=True):
    """A proposal competing with the other initiatives of its issue and the status quo."""

    __tablename__ = "initiative"
    __table_args__ = (
        sa.CheckConstraint("length(name) > 0", name="name_not_empty"),
        sa.CheckConstraint(
            "suggested_initiative_id IS NULL OR suggested_initiative_id <> id",
            name="not_suggesting_itself",
        ),
        sa.CheckConstraint("revoked_at IS NULL OR admitted IS NULL", name="revoked_never_admitted"),
    )

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    name: str = Field(sa_type=sa.String(NAME_MAX))
    created_at: datetime = Field(sa_column=timestamp())
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    revoked_by_member_id: int | None = Field(default=None, foreign_key="member.id")
    suggested_initiative_id: int | None = Field(default=None, foreign_key="initiative.id")
    supporter_count: int = 0
    informed_supporter_count: int = 0
    satisfied_supporter_count: int = 0
    satisfied_informed_supporter_count: int = 0
    admitted: bool | None = None
    first_preference_votes: int | None = None
    positive_votes: int | None = None
    negative_votes: int | None = None
    direct_majority: bool | None = None
    indirect_majority: bool | None = None
    schulze_rank: int | None = None
    better_than_status_quo: bool | None = None
    reverse_beat_path: bool | None = None
    multistage_majority: bool | None = None
    eligible: bool | None = None
    winner: bool | None = None
    rank: int | None = None


class Initiator(SQLModel, table=True):
    """A member who may write an initiative's drafts; ``accepted`` null means invited."""

    __tablename__ = "initiator"

    initiative_id: int = Field(foreign_key="initiative.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True)
    accepted: bool | None = None


class Draft(SQLModel, table=True):
    """One immutable version of an initiative's text; the newest is current."""

    __tablename__ = "draft"

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    author_id: int = Field(foreign_key="member.id")
    created_at: datetime = Field(sa_column=timestamp())
    content: str = Field(sa_type=sa.Text)


class Suggestion(SQLModel, table=True):
    """An amendment to an initiative, rated by members' opinions.

    ``removed_at`` is set when an open suggestion loses its last opinion: it disappears from the
    API, but the row stays because the event feed refers to it.
    """

    __tablename__ = "suggestion"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'accepted', 'rejected')", name="status_known"),
        sa.CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    draft_id: int = Field(foreign_key="draft.id")
    author_id: int = Field(foreign_key="member.id")
    name: str = Field(sa_type=sa.String(NAME_MAX))
    content: str = Field(sa_type=sa.Text)
    replacement_content: str | None = Field(default=None, sa_type=sa.Text)
    status: str = Field(default="open", sa_type=sa.String(16))
    status_reason: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(sa_column=timestamp())
    removed_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    minus2_unfulfilled_count: int = 0
    minus2_fulfilled_count: int = 0
    minus1_unfulfilled_count: int = 0
    minus1_fulfilled_count: int = 0
    plus1_unfulfilled_count: int = 0
    plus1_fulfilled_count: int = 0
    plus2_unfulfilled_count: int = 0
    plus2_fulfilled_count: int = 0


class Opinion(SQLModel, table=True):
    """A member's rating of a suggestion: degree -2, -1, +1, +2 (never 0), and fulfilled."""

    __tablename__ = "opinion"
    __table_args__ = (sa.CheckConstraint("degree IN (-2, -1, 1, 2)", name="degree_known"),)

    suggestion_id: int = Field(foreign_key="suggestion.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    degree: int
    fulfilled: bool


class Interest(SQLModel, table=True):
    """The member takes part directly in this issue (cuts their delegation in snapshots)."""

    __tablename__ = "interest"

    issue_id: int = Field(foreign_key="issue.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True)


class Supporter(SQLModel, table=True):
    """Support of an initiative, recording the draft the supporter last saw."""

    __tablename__ = "supporter"

    initiative_id: int = Field(foreign_key="initiative.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    draft_id: int = Field(foreign_key="draft.id")
