"""Count weighted ballots: battles, positive/negative and first-preference votes (DESIGN.md 4).

Assumptions
-----------
* A ballot is ``(weight, grades)``: ``weight`` is the direct voter's resolved weight (>= 1),
  ``grades`` maps admitted initiative ids to integer grades; a missing initiative or grade 0 means
  abstention.  The status quo (``None``) has grade 0 on every ballot.  A ballot of all zeros still
  counts in ``voter_count``.  Grading an initiative that is not admitted raises
  :class:`~delegation.exceptions.InvalidBallotError` (the caller discards ballots of members who
  are no longer eligible before counting).
* The candidates are the status quo and the admitted initiatives; ``battle[x, y]`` is the total
  weight of voters grading ``x`` above ``y``, for every ordered pair of distinct candidates.

Performance
-----------
Identical ballots are merged first (in two stages: by the grade mapping as given, then by its
normalised form), so the work is O(ballots + distinct ballots x graded candidates^2).  Candidates a
ballot does not grade share grade 0 with the status quo, so comparisons against them are derived
from per-candidate totals instead of being enumerated::

    battle[x, y] = pairs[x, y] + positive[x] + negative[y]

where ``positive[x]``/``negative[y]`` sum the weights of ballots grading ``x`` above 0 / ``y`` below
0, and ``pairs[x, y]`` sums, over ballots grading both, ``w * ([gx > gy] - [gx > 0] - [gy < 0])``.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from delegation.exceptions import InvalidBallotError

__all__ = [
    "Ballot",
    "BallotCount",
    "Candidate",
    "NormalizedBallot",
    "count_ballots",
    "merge_ballots",
]

Candidate = int | None
"""An admitted initiative id, or ``None`` for the status quo."""

Ballot = tuple[int, Mapping[int, int]]
"""``(weight, {initiative_id: grade})``."""

NormalizedBallot = tuple[tuple[int, int], ...]
"""The non-zero grades of a ballot as ``((initiative_id, grade), ...)`` sorted by id."""


@dataclass(frozen=True)
class BallotCount:
    """The counted ballots of one issue.  Treat the mappings as read-only.

    Attributes
    ----------
    candidates : tuple
        ``(None, *admitted initiative ids ascending)`` -- the Schulze order.
    battle : Mapping[tuple[Candidate, Candidate], int]
        Weight of voters grading the first candidate above the second, for every ordered pair of
        distinct candidates (zero counts included).
    voter_count : int
        Total weight of the direct voters.
    positive_votes, negative_votes, first_preference_votes : Mapping[int, int]
        Per admitted initiative: ``battle[i, None]``, ``battle[None, i]`` and the weight of voters
        whose highest positive grade is the initiative's.
    """

    candidates: tuple[Candidate, ...]
    battle: Mapping[tuple[Candidate, Candidate], int]
    voter_count: int
    positive_votes: Mapping[int, int]
    negative_votes: Mapping[int, int]
    first_preference_votes: Mapping[int, int]

    def matrix(self) -> list[list[int]]:
        """Return the battle counts as a square list matrix in :attr:`candidates` order.

        The diagonal is 0.
        """
        cands = self.candidates
        battle = self.battle
        return [[0 if x == y else battle[x, y] for y in cands] for x in cands]


def merge_ballots(
    ballots: Iterable[Ballot], admitted: Iterable[int]
) -> dict[NormalizedBallot, int]:
    """Merge identical ballots into their normalised form with the summed weight.

    Parameters
    ----------
    ballots : iterable of (weight, grades)
    admitted : iterable of int
        Admitted initiative ids.

    Returns
    -------
    dict
        Normalised ballot -> total weight.  The all-zero ballot is the empty tuple.

    Raises
    ------
    InvalidBallotError
        For a weight below 1, a non-integer grade or a grade for a non-admitted initiative.

    Examples
    --------
    >>> merge_ballots([(1, {7: 1, 8: 0}), (2, {7: 1}), (1, {8: 0})], {7, 8})
    {((7, 1),): 3, (): 1}
    """
    admitted_set = frozenset(admitted)
    raw: dict[tuple[tuple[int, int], ...], int] = {}
    get = raw.get
    for weight, grades in ballots:
        if weight < 1:
            raise InvalidBallotError(f"ballot weight must be at least 1, got {weight}")
        key = tuple(grades.items())
        raw[key] = get(key, 0) + weight
    merged: dict[NormalizedBallot, int] = {}
    for items, weight in raw.items():
        for initiative, grade in items:
            if not isinstance(grade, int) or isinstance(grade, bool):
                raise InvalidBallotError(f"grade for initiative {initiative} is not an integer")
            if grade and initiative not in admitted_set:
                raise InvalidBallotError(f"initiative {initiative} is not admitted")
        normal = tuple(sorted(item for item in items if item[1]))
        merged[normal] = merged.get(normal, 0) + weight
    return merged


def count_ballots(ballots: Iterable[Ballot], admitted: Iterable[int]) -> BallotCount:
    """Count weighted ballots into battles, positive/negative and first-preference votes.

    Parameters
    ----------
    ballots : iterable of (weight, grades)
        One per direct voter, e.g. ``ballots_by_member.values()``.
    admitted : iterable of int
        Admitted initiative ids.

    Returns
    -------
    BallotCount

    Examples
    --------
    Two voters approve 1 over 2, one of weight 3 rejects 1; a weight-1 voter abstains.

    >>> c = count_ballots([(2, {1: 2, 2: 1}), (3, {1: -1}), (1, {})], [1, 2])
    >>> c.voter_count, c.positive_votes[1], c.negative_votes[1], c.first_preference_votes[1]
    (6, 2, 3, 2)
    >>> c.battle[1, 2], c.battle[2, 1], c.battle[None, 1], c.battle[2, None]
    (2, 3, 3, 2)
    """
    ids = sorted(set(admitted))
    index = {initiative: k for k, initiative in enumerate(ids, start=1)}
    n = len(ids) + 1
    positive = [0] * n
    negative = [0] * n
    first = [0] * n
    pairs = [[0] * n for _ in range(n)]
    voter_count = 0
    for ballot, weight in merge_ballots(ballots, ids).items():
        voter_count += weight
        graded = [(index[initiative], grade) for initiative, grade in ballot]
        top = 0
        for x, gx in graded:
            if gx > 0:
                positive[x] += weight
                top = max(top, gx)
            else:
                negative[x] += weight
            row = pairs[x]
            for y, gy in graded:
                if x != y:
                    row[y] += weight * ((gx > gy) - (gx > 0) - (gy < 0))
        if top:
            for x, gx in graded:
                if gx == top:
                    first[x] += weight
    cands: tuple[Candidate, ...] = (None, *ids)
    battle: dict[tuple[Candidate, Candidate], int] = {}
    for x in range(n):
        for y in range(n):
            if x != y:
                battle[cands[x], cands[y]] = pairs[x][y] + positive[x] + negative[y]
    return BallotCount(
        candidates=cands,
        battle=battle,
        voter_count=voter_count,
        positive_votes={i: positive[index[i]] for i in ids},
        negative_votes={i: negative[index[i]] for i in ids},
        first_preference_votes={i: first[index[i]] for i in ids},
    )
