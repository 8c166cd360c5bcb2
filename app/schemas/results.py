"""Why a closed issue ended as it did (an endpoint added beside API.md's results; the same words
as the issue page, from ``proposals.services.explain``)."""

from pydantic import BaseModel

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
