"""Why a closed issue ended as it did, in words (DESIGN.md §2 final states and §4 eligibility).

The one place that explains a result: the issue page and any app read the same
:class:`ResultExplanation`. It never re-tallies: every yes/no here is read from the stored
results of the close (``direct_majority``, ``better_than_status_quo``, ``eligible``, ``winner``,
``schulze_rank`` on the initiative rows, ``status_quo_schulze_rank`` and ``voter_count`` on the
issue, the stored battle matrix). The one thing the stored rows do not say is whether the Schulze
method itself left two candidates tied (so that the policy's ``tie_breaking`` rule decided):
that is read from the strongest-path strengths that :func:`delegation.schulze_ranking` — the
function the close used — computes from the stored battle matrix, *before* tie-breaking.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from delegation import schulze_ranking
from proposals.errors import Conflict
from proposals.lifecycle import quorum_needed
from proposals.models import FINAL_STATES, Battle, Initiative, Issue, Policy
from proposals.services.issues import get_issue, initiatives_of
from proposals.services.structure import get_policy

Candidate = int | None
"""An initiative id, or ``None`` for the status quo."""

TIE_RULES = {
    "variant1": (
        "a tie is broken by setting aside the weakest link the two share and comparing again;"
        " a tie that remains goes to the status quo, then to the older initiative"
    ),
    "simple": "a tie goes to the status quo, then to the older initiative",
}
"""DESIGN.md §4 ``tie_breaking``, as a member reads it."""

CANCELED = {
    "canceled_revoked_before_accepted": (
        "Every initiative was revoked during admission, so the issue was canceled."
    ),
    "canceled_after_revocation_during_discussion": (
        "Every initiative was revoked and no other initiative took its place in time,"
        " so the issue was canceled during discussion."
    ),
    "canceled_after_revocation_during_verification": (
        "Every initiative was revoked and no other initiative took its place in time,"
        " so the issue was canceled during verification."
    ),
    "canceled_by_admin": "An administrator canceled the issue.",
}


@dataclass(frozen=True)
class InitiativeExplanation:
    """One initiative of a closed issue: its votes, the majority it needed, and its verdict.

    ``approve``/``disapprove``/``abstain`` are weights (delegated votes included) and are
    ``None`` for an initiative that was not voted on, as are the majority fields.
    """

    initiative_id: int
    name: str
    admitted: bool
    approve: int | None
    disapprove: int | None
    abstain: int | None
    needed: str | None
    """The direct majority the policy required, e.g. ``more than 2/3 approval``."""
    share: str | None
    """What it got, e.g. ``8 of 15, 53 %`` (approvals of approvals and disapprovals)."""
    reached: bool | None
    """The stored ``direct_majority``."""
    schulze_rank: int | None
    rank: int | None
    winner: bool
    eligible: bool | None
    verdict: str

    @property
    def majority_text(self) -> str | None:
        """``needed more than 2/3 approval: got 8 of 15, 53 %``."""
        if self.needed is None or self.share is None:
            return None
        return f"needed {self.needed}: got {self.share}"


@dataclass(frozen=True)
class RankingEntry:
    """One candidate of the Schulze ranking (``initiative_id`` ``None``: the status quo)."""

    initiative_id: int | None
    name: str
    schulze_rank: int
    better_than_status_quo: bool


@dataclass(frozen=True)
class ResultExplanation:
    """Why a closed issue ended as it did: one sentence, and each initiative's part in it."""

    issue_id: int
    state: str
    sentence: str
    voter_count: int | None
    initiatives: list[InitiativeExplanation]
    """In final order: ranked initiatives by ``rank``, then the others by id."""
    ranking: list[RankingEntry]
    """The Schulze ranking, best first, with the status quo in its place (empty without a vote)."""
    tie_rule: str | None
    """The policy's tie-breaking rule in words, when a tie decided the outcome."""

    def of(self, initiative_id: int) -> InitiativeExplanation | None:
        """The explanation of one initiative of the issue."""
        return next((i for i in self.initiatives if i.initiative_id == initiative_id), None)


def issue_result(session: Session, issue_id: int) -> ResultExplanation:
    """The explanation of a closed issue's result (409 while the issue is open)."""
    issue = get_issue(session, issue_id)
    if issue.state not in FINAL_STATES:
        raise Conflict("results are published when the issue is closed")
    policy = get_policy(session, issue.policy_id)
    initiatives = initiatives_of(session, [issue_id])[issue_id]
    battle: dict[tuple[Candidate, Candidate], int] = {
        (w, lo): count
        for w, lo, count in session.exec(
            select(Battle.winning_initiative_id, Battle.losing_initiative_id, Battle.count).where(
                col(Battle.issue_id) == issue_id
            )
        )
    }
    return explain_result(issue, policy, initiatives, battle)


def majority_needed(policy: Policy) -> str:
    """The direct majority of DESIGN.md §4 in words: ``positive·den > num·(positive+negative)``
    (``≥`` when not strict), ``positive ≥ direct_majority_positive`` and ``voter_count -
    negative ≥ direct_majority_non_negative``.

    Examples: ``more than 1/2 approval``, ``at least 2/3 approval and at least 10 approvals``.
    """
    text = (
        f"{'more than' if policy.direct_majority_strict else 'at least'}"
        f" {policy.direct_majority_num}/{policy.direct_majority_den} approval"
    )
    if policy.direct_majority_positive > 0:
        text += f" and at least {policy.direct_majority_positive} approvals"
    if policy.direct_majority_non_negative > 0:
        text += f" and at least {policy.direct_majority_non_negative} voters not disapproving"
    return text


def majority_share(approve: int, disapprove: int) -> str:
    """``8 of 15, 53 %``: approvals of those who approved or disapproved (abstentions do not
    count toward the share). The percentage is rounded down, so a share just below a threshold
    never reads as reaching it."""
    sides = approve + disapprove
    if sides == 0:
        return "no approval or disapproval"
    return f"{approve} of {sides}, {approve * 100 // sides} %"


def majority_got(approve: int, disapprove: int) -> str:
    """``got 8 of 15, 53 %`` (see :func:`majority_share`)."""
    return "got " + majority_share(approve, disapprove)


def explain_result(
    issue: Issue,
    policy: Policy,
    initiatives: Sequence[Initiative],
    battle: Mapping[tuple[Candidate, Candidate], int],
) -> ResultExplanation:
    """Explain the stored result of a closed ``issue`` (its rows, as the close stored them).

    The one place that puts DESIGN.md §4's ``eligible``/``winner`` rule (direct majority,
    indirect majority, better than the status quo, and the policy's multistage and reverse beat
    path options; ties by ``tie_breaking``) and §2's final states into words.
    """
    names: dict[Candidate, str] = {i.id: i.name for i in initiatives}
    names[None] = "the status quo"
    admitted = sorted(i.id or 0 for i in initiatives if i.admitted)
    ties = _ties(policy, admitted, battle) if admitted and issue.voter_count is not None else set()
    explained = [_initiative(issue, policy, i) for i in initiatives]
    explained.sort(key=lambda e: (e.rank is None, e.rank or 0, e.initiative_id))
    ranking: list[RankingEntry] = []
    if issue.status_quo_schulze_rank is not None:
        sq_rank = issue.status_quo_schulze_rank
        ranking = sorted(
            [RankingEntry(None, "Status quo", sq_rank, False)]
            + [
                RankingEntry(i.id or 0, i.name, i.schulze_rank, i.schulze_rank < sq_rank)
                for i in initiatives
                if i.admitted and i.schulze_rank is not None
            ],
            key=lambda r: r.schulze_rank,
        )
    sentence, tie_used = _sentence(issue, policy, initiatives, ties, names)
    return ResultExplanation(
        issue_id=issue.id or 0,
        state=issue.state,
        sentence=sentence,
        voter_count=issue.voter_count,
        initiatives=explained,
        ranking=ranking,
        tie_rule=TIE_RULES.get(policy.tie_breaking) if tie_used else None,
    )


def _ties(
    policy: Policy, admitted: list[int], battle: Mapping[tuple[Candidate, Candidate], int]
) -> set[frozenset[Candidate]]:
    """The pairs of candidates the Schulze method left tied before tie-breaking: equal primary
    strength of the strongest paths both ways (DESIGN.md §4)."""
    candidates: list[Candidate] = [None, *admitted]
    matrix = [[0 if x == y else battle.get((x, y), 0) for y in candidates] for x in candidates]
    paths = schulze_ranking(
        matrix,
        "simple" if policy.defeat_strength == "simple" else "tuple",
        "simple" if policy.tie_breaking == "simple" else "variant1",
    ).paths
    return {
        frozenset((candidates[a], candidates[b]))
        for a in range(len(candidates))
        for b in range(a + 1, len(candidates))
        if paths[a][b][0] == paths[b][a][0]
    }


def _failures(policy: Policy, initiative: Initiative) -> list[str]:
    """Each condition of ``eligible`` (DESIGN.md §4) the stored result says was not met."""
    failed = []
    if not initiative.direct_majority:
        failed.append("did not reach the required majority")
    if not initiative.better_than_status_quo:
        failed.append("ranked below the status quo by the Schulze method")
    if not initiative.indirect_majority:
        failed.append(
            "had no indirect majority (over the status quo, or over an initiative that has one)"
        )
    if policy.no_multistage_majority and initiative.multistage_majority:
        failed.append("was beaten by a better-ranked initiative (multistage majority)")
    if policy.no_reverse_beat_path and initiative.reverse_beat_path:
        failed.append("had a beat path from the status quo back to it")
    return failed


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _initiative(issue: Issue, policy: Policy, initiative: Initiative) -> InitiativeExplanation:
    voted = bool(initiative.admitted) and initiative.positive_votes is not None
    approve = initiative.positive_votes if voted else None
    disapprove = initiative.negative_votes if voted else None
    abstain = None
    if approve is not None and disapprove is not None and issue.voter_count is not None:
        abstain = issue.voter_count - approve - disapprove
    if voted:
        if initiative.winner:
            verdict = "Won: it met every condition of the policy and ranked best."
        elif initiative.eligible:
            verdict = "Met every condition of the policy but ranked below the winner."
        else:
            verdict = "Not eligible: it " + _join(_failures(policy, initiative)) + "."
    elif initiative.revoked_at is not None:
        verdict = "Revoked by its initiators before the vote."
    elif initiative.admitted is False:
        needed = quorum_needed(
            issue.population or 0, policy.initiative_quorum_num, policy.initiative_quorum_den
        )
        have = initiative.satisfied_supporter_count
        verdict = (
            f"Not admitted to the vote: {have} satisfied supporter{'' if have == 1 else 's'},"
            f" {needed} needed."
        )
    else:
        verdict = "Not voted on: the issue ended before the vote."
    return InitiativeExplanation(
        initiative_id=initiative.id or 0,
        name=initiative.name,
        admitted=bool(initiative.admitted),
        approve=approve,
        disapprove=disapprove,
        abstain=abstain,
        needed=majority_needed(policy) if voted else None,
        share=majority_share(approve or 0, disapprove or 0) if voted else None,
        reached=initiative.direct_majority if voted else None,
        schulze_rank=initiative.schulze_rank if voted else None,
        rank=initiative.rank if voted else None,
        winner=bool(initiative.winner),
        eligible=initiative.eligible if voted else None,
        verdict=verdict,
    )


def _sentence(
    issue: Issue,
    policy: Policy,
    initiatives: Sequence[Initiative],
    ties: set[frozenset[Candidate]],
    names: Mapping[Candidate, str],
) -> tuple[str, bool]:
    """One sentence on why the issue ended in its final state, and whether a tie decided it."""
    state = issue.state
    if state in CANCELED:
        return CANCELED[state], False
    if state == "canceled_issue_not_accepted":
        needed = quorum_needed(
            issue.population or 0, policy.issue_quorum_num, policy.issue_quorum_den
        )
        return (
            f"No initiative reached the issue quorum ({needed} supporters) before admission"
            " ended, so the issue was canceled.",
            False,
        )
    if state == "canceled_no_initiative_admitted":
        needed = quorum_needed(
            issue.population or 0, policy.initiative_quorum_num, policy.initiative_quorum_den
        )
        return (
            f"No initiative reached the initiative quorum ({needed} satisfied supporters) when"
            " verification ended, so there was nothing to vote on and the issue was canceled.",
            False,
        )
    voted = sorted(
        (i for i in initiatives if i.admitted and i.schulze_rank is not None),
        key=lambda i: i.schulze_rank or 0,
    )
    winner = next((i for i in voted if i.winner), None)
    if winner is not None:
        rivals = [None, *(i.id for i in voted if i.eligible and i is not winner)]
        tied = [c for c in rivals if frozenset((winner.id, c)) in ties]
        if tied:
            rival = min(tied, key=lambda c: _rank_of(issue, voted, c))
            return (
                f"{winner.name} won: it was tied with {names[rival]} in the Schulze comparison,"
                f" the policy's tie-breaking rule ranked it first, and it met every condition"
                f" of the policy ({majority_needed(policy)}: "
                f"{majority_got(winner.positive_votes or 0, winner.negative_votes or 0)}).",
                True,
            )
        return (
            f"{winner.name} won: it reached the required majority ({majority_needed(policy)}:"
            f" {majority_got(winner.positive_votes or 0, winner.negative_votes or 0)}) and"
            " ranked best by the Schulze method among the initiatives that met every condition"
            " of the policy.",
            False,
        )
    if not issue.voter_count:
        return "Nobody voted, so no initiative beat the status quo and it stays.", False
    better = [i for i in voted if i.better_than_status_quo]
    if not better:
        even = [i for i in voted if frozenset((i.id, None)) in ties]
        if even:
            return (
                f"No initiative beat the status quo: {even[0].name} was tied with it, and the"
                " policy's tie-breaking rule favours the status quo, so the status quo stays.",
                True,
            )
        return (
            "No initiative beat the status quo in the Schulze ranking, so the status quo stays.",
            False,
        )
    if not any(i.direct_majority for i in better):
        return (
            f"No initiative reached the required majority ({majority_needed(policy)}),"
            " so the status quo stays.",
            False,
        )
    best = better[0]
    return (
        f"No initiative met every condition of the policy ({best.name}, ranked best,"
        f" {_join(_failures(policy, best))}), so the status quo stays.",
        False,
    )


def _rank_of(issue: Issue, voted: Sequence[Initiative], candidate: Candidate) -> int:
    if candidate is None:
        return issue.status_quo_schulze_rank or 0
    return next(i.schulze_rank or 0 for i in voted if i.id == candidate)
