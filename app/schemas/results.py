"""Why a closed issue ended as it did (an endpoint added beside API.md's results; the same words
as the issue page, from ``proposals.services.explain``)."""

from typing import Literal

from pydantic import Field

from app.schemas.base import Schema
from app.schemas.deliberation import IssueState
from proposals.services.explain import ResultExplanation


class InitiativeResultOut(Schema):
    """One initiative's votes and majority in a closed issue, in words too."""

    initiative_id: int
    """The initiative's id."""
    name: str
    """Its title."""
    approve: int | None
    """Weight approving it (null: not admitted)."""
    disapprove: int | None
    """Weight disapproving it (null: not admitted)."""
    abstain: int | None
    """Weight abstaining on it (null: not admitted)."""
    needed: str | None
    """The direct majority the policy required, e.g. ``more than 2/3 approval``."""
    share: str | None
    """What it got: approvals of approvals and disapprovals, e.g. ``8 of 15, 53 %``."""
    majority_text: str | None
    """``needed more than 2/3 approval: got 8 of 15, 53 %``."""
    reached: bool | None
    """Whether it got the direct majority the policy required."""
    schulze_rank: int | None
    """Its Schulze rank (1 = best)."""
    rank: int | None
    """Its final rank."""
    winner: bool
    """Whether it won."""
    eligible: bool | None
    """Whether it met every condition of the policy."""
    verdict: str
    """Its result in one sentence."""


class RankingEntryOut(Schema):
    """A candidate of a closed issue in Schulze order."""

    initiative_id: int | None
    """``null`` is the status quo."""
    schulze_rank: int
    """Its Schulze rank (1 = best)."""
    better_than_status_quo: bool
    """Whether it ranks better than the status quo."""


class ResultExplanationOut(Schema):
    """Why a closed issue ended as it did, and each initiative's majority."""

    issue_id: int
    """The issue's id."""
    state: IssueState
    """The issue's final state."""
    text: str
    """One sentence: why the issue ended in its final state."""
    tie_rule: str | None
    """The policy's tie-breaking rule in words, when a tie decided the outcome."""
    voter_count: int | None
    """Total weight of direct voters."""
    initiatives: list[InitiativeResultOut]
    """Each initiative's result."""
    ranking: list[RankingEntryOut]
    """The candidates in Schulze order, the status quo among them."""

    @classmethod
    def of(cls, explained: ResultExplanation) -> "ResultExplanationOut":
        return cls(
            issue_id=explained.issue_id,
            state=explained.state,
            text=explained.sentence,
            tie_rule=explained.tie_rule,
            voter_count=explained.voter_count,
            initiatives=[
                InitiativeResultOut(
                    initiative_id=i.initiative_id,
                    name=i.name,
                    approve=i.approve,
                    disapprove=i.disapprove,
                    abstain=i.abstain,
                    needed=i.needed,
                    share=i.share,
                    majority_text=i.majority_text,
                    reached=i.reached,
                    schulze_rank=i.schulze_rank,
                    rank=i.rank,
                    winner=i.winner,
                    eligible=i.eligible,
                    verdict=i.verdict,
                )
                for i in explained.initiatives
            ],
            ranking=[
                RankingEntryOut(
                    initiative_id=r.initiative_id,
                    schulze_rank=r.schulze_rank,
                    better_than_status_quo=r.better_than_status_quo,
                )
                for r in explained.ranking
            ],
        )


class ChainStepOut(Schema):
    """One step of the chain a delegated vote took."""

    member_id: int = Field(description="The member the vote reached at this step")
    scope: str = Field(description="Scope of the delegation that led there: unit, area or issue")


class CarriedOut(Schema):
    """Whose votes a direct voter carried, for one delegation scope."""

    scope: str = Field(description="Scope of these members' own applying delegation")
    member_ids: list[int] = Field(description="Members whose chains ended at the direct voter")


class VoteGradeOut(Schema):
    """A grade for one initiative."""

    initiative_id: int
    """The initiative's id."""
    grade: int
    """The grade."""


class VoteExplanationOut(Schema):
    """How was my vote counted? (issue 12, item 2) Computed from the issue's record: the
    eligible members, delegation rows and ballots of the close, replayed with ``delegation/``."""

    issue_id: int
    """The issue's id."""
    member_id: int
    """The member asked about."""
    case: Literal[
        "voted_directly",
        "voted_secretly",
        "delegated_counted",
        "delegated_not_counted",
        "not_eligible",
        "not_participating",
    ] = Field(
        description="Exactly one of the cases; voted_secretly: voted directly with weight 1"
        " under a policy that keeps such ballots without the member's name (no grades)"
    )
    sentence: str = Field(description="The answer in one plain English sentence")
    weight: int = Field(
        description="voted_directly, voted_secretly: the weight counted; delegated_counted:"
        " this member's vote plus the votes behind them (their weight on the way); 0 for a"
        " vote that was not counted",
    )
    grades: list[VoteGradeOut] | None = Field(
        None,
        description="voted_directly: the member's grades; delegated_counted: the grades of the"
        " voter the vote was counted with (an empty list abstains on every initiative)",
    )
    carried: list[CarriedOut] | None = Field(
        None,
        description="voted_directly, voted_secretly: whose votes were carried, by scope"
        " (issue, area, unit)",
    )
    steps: list[ChainStepOut] | None = Field(
        None,
        description="delegated_counted, delegated_not_counted: the chain from the member's"
        " trustee on, scope by scope",
    )
    kind: Literal["direct", "delegated", "lost", "ineligible", "absent"] = Field(
        description="The contract's case (API.md): direct (voted_directly, voted_secretly),"
        " delegated (delegated_counted), lost (delegated_not_counted), ineligible"
        " (not_eligible), absent (not_participating)"
    )
    chain: list[int] = Field(
        description="The member ids the vote went to, from the member's trustee on (empty"
        " unless it was delegated)"
    )
    scopes: list[str] = Field(
        description="The scope of the delegation of each step of ``chain`` (issue, area, unit)"
    )
    counted_by: int | None = Field(
        description="The direct voter whose ballot counted this vote (the member themselves"
        " when they voted); null when it was not counted"
    )
    text: str = Field(description="The answer in one plain sentence (the same as ``sentence``)")
    voter_id: int | None = Field(
        None, description="delegated_counted: the direct voter the vote was counted with"
    )
    voter_weight: int | None = Field(
        None, description="delegated_counted: that voter's weight, this vote one of them"
    )
    ended_at: int | None = Field(
        None, description="delegated_not_counted: the member where the chain ended"
    )
    end: Literal["did_not_vote", "blocked", "not_eligible", "loop"] | None = Field(
        None,
        description="delegated_not_counted: why the chain ended there (a member who neither"
        " voted nor delegated further, blocked delegation, was not eligible, or a loop)",
    )
    reason: Literal["not_among_eligible_members"] | None = Field(
        None,
        description="not_eligible: the record lists the members eligible at the close (voting"
        " right in the unit, active), not why others were not",
    )
    blocked_scope: str | None = Field(
        None, description="not_participating: the scope of the member's own block, if any"
    )
