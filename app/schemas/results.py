"""Why a closed issue ended as it did (an endpoint added beside API.md's results; the same words
as the issue page, from ``proposals.services.explain``)."""

from typing import Literal

from pydantic import BaseModel, Field

from proposals.services.explain import ResultExplanation


class InitiativeResultOut(BaseModel):
    initiative_id: int
    name: str
    approve: int | None
    disapprove: int | None
    abstain: int | None
    needed: str | None
    """The direct majority the policy required, e.g. ``more than 2/3 approval``."""
    share: str | None
    """What it got: approvals of approvals and disapprovals, e.g. ``8 of 15, 53 %``."""
    majority_text: str | None
    """``needed more than 2/3 approval: got 8 of 15, 53 %``."""
    reached: bool | None
    schulze_rank: int | None
    rank: int | None
    winner: bool
    eligible: bool | None
    verdict: str


class RankingEntryOut(BaseModel):
    initiative_id: int | None
    """``null`` is the status quo."""
    schulze_rank: int
    better_than_status_quo: bool


class ResultExplanationOut(BaseModel):
    issue_id: int
    state: str
    text: str
    """One sentence: why the issue ended in its final state."""
    tie_rule: str | None
    """The policy's tie-breaking rule in words, when a tie decided the outcome."""
    voter_count: int | None
    initiatives: list[InitiativeResultOut]
    ranking: list[RankingEntryOut]

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


class ChainStepOut(BaseModel):
    member_id: int = Field(description="The member the vote reached at this step")
    scope: str = Field(description="Scope of the delegation that led there: unit, area or issue")


class CarriedOut(BaseModel):
    scope: str = Field(description="Scope of these members' own applying delegation")
    member_ids: list[int] = Field(description="Members whose chains ended at the direct voter")


class VoteGradeOut(BaseModel):
    initiative_id: int
    grade: int


class VoteExplanationOut(BaseModel):
    """How was my vote counted? (issue 12, item 2) Computed from the issue's record: the
    eligible members, delegation rows and ballots of the close, replayed with ``delegation/``."""

    issue_id: int
    member_id: int
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
