"""Majorities, eligibility, winner and final rank of a closed issue (DESIGN.md section 4).

Assumptions
-----------
* Inputs are a :class:`~delegation.tally.BallotCount` (or, via :func:`tally_ballots`, the weighted
  ballots themselves) and a :class:`Policy`.  Initiatives that are not admitted are not
  candidates and get no result here (their results stay null).
* Follows LiquidFeedback core 3.x ``calculate_ranks``: the status quo counts as ``None`` and never
  wins; ``multistage_majority`` starts true for every initiative not better than the status quo;
  the winner is the eligible initiative with the best ``schulze_rank``; final ``rank`` orders
  winner, other eligible initiatives, then ``schulze_rank``, then id (rank 1 need not win).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from delegation.exceptions import InvalidPolicyError
from delegation.schulze import DefeatStrength, TieBreaking, schulze_ranking
from delegation.tally import Ballot, BallotCount, Candidate, count_ballots

__all__ = [
    "InitiativeResult",
    "Policy",
    "TallyResult",
    "direct_majority",
    "indirect_majorities",
    "majority_test",
    "tally_ballots",
]


@dataclass(frozen=True)
class Policy:
    """The voting rules of an issue (LiquidFeedback's policy columns; defaults as DESIGN.md).

    Raises
    ------
    InvalidPolicyError
        For a negative numerator or threshold, a denominator below 1, an unknown mode, or
        ``no_reverse_beat_path`` with ``defeat_strength="simple"``.

    Examples
    --------
    >>> Policy().direct_majority_den
    2
    >>> Policy(defeat_strength="simple", no_reverse_beat_path=True)
    Traceback (most recent call last):
    ...
    delegation.exceptions.InvalidPolicyError: no_reverse_beat_path requires defeat_strength 'tuple'
    """

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
    defeat_strength: DefeatStrength = "tuple"
    tie_breaking: TieBreaking = "variant1"

    def __post_init__(self) -> None:
        for prefix in ("direct", "indirect"):
            if getattr(self, f"{prefix}_majority_den") < 1:
                raise InvalidPolicyError(f"{prefix}_majority_den must be at least 1")
            for suffix in ("num", "positive", "non_negative"):
                if getattr(self, f"{prefix}_majority_{suffix}") < 0:
                    raise InvalidPolicyError(f"{prefix}_majority_{suffix} must not be negative")
        if self.defeat_strength not in ("tuple", "simple"):
            raise InvalidPolicyError(f"unknown defeat_strength {self.defeat_strength!r}")
        if self.tie_breaking not in ("variant1", "simple"):
            raise InvalidPolicyError(f"unknown tie_breaking {self.tie_breaking!r}")
        if self.no_reverse_beat_path and self.defeat_strength != "tuple":
            raise InvalidPolicyError("no_reverse_beat_path requires defeat_strength 'tuple'")


@dataclass(frozen=True)
class InitiativeResult:
    """The stored result of one admitted initiative."""

    positive_votes: int
    negative_votes: int
    first_preference_votes: int
    direct_majority: bool
    indirect_majority: bool
    schulze_rank: int
    better_than_status_quo: bool
    reverse_beat_path: bool | None
    multistage_majority: bool
    eligible: bool
    winner: bool
    rank: int


@dataclass(frozen=True)
class TallyResult:
    """The stored result of a closed issue.  Treat the mappings as read-only.

    Attributes
    ----------
    battle : Mapping[tuple[Candidate, Candidate], int]
        Every ordered pair of distinct candidates, status quo (``None``) included.
    voter_count : int
    status_quo_schulze_rank : int
    winner : int or None
        The winning initiative, if any (issue ``finished_with_winner`` iff not ``None``).
    initiatives : Mapping[int, InitiativeResult]
        Per admitted initiative.
    """

    battle: Mapping[tuple[Candidate, Candidate], int]
    voter_count: int
    status_quo_schulze_rank: int
    winner: int | None
    initiatives: Mapping[int, InitiativeResult]


def majority_test(
    won: int,
    lost: int,
    voter_count: int,
    num: int,
    den: int,
    strict: bool,
    positive: int,
    non_negative: int,
) -> bool:
    """Return whether ``won`` votes against ``lost`` votes form a majority under the parameters.

    ``won * den > num * (won + lost)`` (``>=`` when not strict), ``won >= positive`` and
    ``voter_count - lost >= non_negative``.

    Examples
    --------
    >>> majority_test(5, 5, 10, 1, 2, True, 0, 0), majority_test(5, 5, 10, 1, 2, False, 0, 0)
    (False, True)
    >>> majority_test(6, 4, 10, 1, 2, True, 7, 0), majority_test(6, 4, 10, 1, 2, True, 0, 7)
    (False, False)
    """
    share = won * den > num * (won + lost) if strict else won * den >= num * (won + lost)
    return share and won >= positive and voter_count - lost >= non_negative


def direct_majority(count: BallotCount, initiative: int, policy: Policy) -> bool:
    """Return whether ``initiative`` has a direct majority against the status quo.

    Examples
    --------
    >>> from delegation.tally import count_ballots
    >>> c = count_ballots([(3, {1: 1}), (2, {1: -1})], [1])
    >>> direct_majority(c, 1, Policy()), direct_majority(c, 1, Policy(direct_majority_num=2,
    ...                                                               direct_majority_den=3))
    (True, False)
    """
    return majority_test(
        count.positive_votes[initiative],
        count.negative_votes[initiative],
        count.voter_count,
        policy.direct_majority_num,
        policy.direct_majority_den,
        policy.direct_majority_strict,
        policy.direct_majority_positive,
        policy.direct_majority_non_negative,
    )


def indirect_majorities(count: BallotCount, policy: Policy) -> set[int]:
    """Return the admitted initiatives with an indirect majority.

    First the direct test with the indirect parameters against the status quo; then, until
    nothing changes, ``X`` gains it if it beats some ``Y`` that has it by the same test applied to
    ``battle[X, Y]`` and ``battle[Y, X]``.

    Examples
    --------
    >>> from delegation.tally import count_ballots
    >>> c = count_ballots([(3, {1: 2, 2: 1}), (2, {2: 2, 1: -1})], [1, 2])
    >>> sorted(indirect_majorities(c, Policy()))
    [1, 2]
    """
    battle = count.battle

    def test(won: int, lost: int) -> bool:
        return majority_test(
            won,
            lost,
            count.voter_count,
            policy.indirect_majority_num,
            policy.indirect_majority_den,
            policy.indirect_majority_strict,
            policy.indirect_majority_positive,
            policy.indirect_majority_non_negative,
        )

    ids = [c for c in count.candidates if c is not None]
    having = {i for i in ids if test(battle[i, None], battle[None, i])}
    changed = True
    while changed:
        changed = False
        for x in ids:
            if x not in having and any(test(battle[x, y], battle[y, x]) for y in having):
                having.add(x)
                changed = True
    return having


def tally_ballots(
    ballots: Mapping[int, Ballot] | Iterable[Ballot],
    admitted: Iterable[int],
    policy: Policy | None = None,
) -> TallyResult:
    """Tally a closed issue: battles, Schulze ranks, majorities, winner and ranks.

    Parameters
    ----------
    ballots : Mapping[int, (weight, grades)] or iterable of (weight, grades)
        Weighted ballots of the direct voters, e.g. ``{member_id: (weight, {initiative: grade})}``.
    admitted : iterable of int
        Admitted initiative ids.
    policy : Policy, optional
        Defaults to ``Policy()``.

    Returns
    -------
    TallyResult

    Examples
    --------
    >>> r = tally_ballots({10: (2, {1: 1, 2: 2}), 11: (1, {1: 1, 2: -1})}, [1, 2])
    >>> r.winner, r.initiatives[2].rank, r.initiatives[1].rank, r.status_quo_schulze_rank
    (2, 1, 2, 3)
    """
    policy = policy if policy is not None else Policy()
    count = count_ballots(ballots.values() if isinstance(ballots, Mapping) else ballots, admitted)
    ranking = schulze_ranking(count.matrix(), policy.defeat_strength, policy.tie_breaking)
    ranks = ranking.ranks
    battle = count.battle
    ids = [c for c in count.candidates if c is not None]
    rank_of = {i: ranks[k] for k, i in enumerate(ids, start=1)}
    sq_rank = ranks[0]
    indirect = indirect_majorities(count, policy)
    multistage: dict[int, bool] = {}
    for i in ids:
        multistage[i] = rank_of[i] >= sq_rank or any(
            rank_of[x] < rank_of[i]
            and battle[x, i] > battle[i, x]
            and (battle[x, i] > count.positive_votes[x] or battle[i, x] < count.negative_votes[i])
            for x in ids
            if x != i
        )
    reverse: dict[int, bool | None] = {
        i: None if policy.defeat_strength == "simple" else ranking.paths[0][k][0] >= 0
        for k, i in enumerate(ids, start=1)
    }
    direct = {i: direct_majority(count, i, policy) for i in ids}
    eligible = {
        i
        for i in ids
        if direct[i]
        and i in indirect
        and rank_of[i] < sq_rank
        and not (policy.no_multistage_majority and multistage[i])
        and not (policy.no_reverse_beat_path and reverse[i])
    }
    winner = min(eligible, key=lambda i: (rank_of[i], i), default=None)
    order = sorted(ids, key=lambda i: (i != winner, i not in eligible, rank_of[i], i))
    final_rank = {i: r for r, i in enumerate(order, start=1)}
    return TallyResult(
        battle=battle,
        voter_count=count.voter_count,
        status_quo_schulze_rank=sq_rank,
        winner=winner,
        initiatives={
            i: InitiativeResult(
                positive_votes=count.positive_votes[i],
                negative_votes=count.negative_votes[i],
                first_preference_votes=count.first_preference_votes[i],
                direct_majority=direct[i],
                indirect_majority=i in indirect,
                schulze_rank=rank_of[i],
                better_than_status_quo=rank_of[i] < sq_rank,
                reverse_beat_path=reverse[i],
                multistage_majority=multistage[i],
                eligible=i in eligible,
                winner=i == winner,
                rank=final_rank[i],
            )
            for i in ids
        },
    )
