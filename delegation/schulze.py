"""The Schulze method as in LiquidFeedback core 3.x (DESIGN.md section 4).

Assumptions
-----------
* Candidates are indexed 0, 1, ... in the order status quo first, then admitted initiatives by
  ascending id; DESIGN.md numbers them from 1, so the secondary link strength is computed on
  ``index + 1`` to reproduce LiquidFeedback's values exactly.
* ``battle[i][j]`` is the weight of voters preferring ``i`` to ``j`` (see
  :mod:`delegation.tally`); the diagonal is ignored.

Semantics
---------
A link ``i -> j`` with ``w = battle[i][j]`` and ``l = battle[j][i]`` has the strength
``(primary, secondary)`` compared lexicographically:

* primary, ``tuple``: ``w * 2**31 - l`` if ``w > l``, 0 if ``w == l``, -1 otherwise;
  ``simple``: ``w`` if ``w > l`` else 0;
* secondary, ``variant1``: ``(2**62 if i < j else 0) + (j - i * 2**31)``; ``simple``: 0.

Strongest paths are the widest-path closure (Floyd-Warshall order of LiquidFeedback's
``find_best_paths``).  ``i`` beats ``j`` if ``p[i][j] > p[j][i]``.  With ``variant1`` every
remaining tie between ``m < n`` is broken by repeatedly forbidding the one direct link whose
strength equals the current ``p[m][n]`` (the shared weakest link) and recomputing, until the
strengths differ.  Ranks are then assigned as DESIGN.md says: repeatedly the lowest-index
unranked candidate that no other unranked candidate beats strictly, so ranks are unique, the
status quo wins ties and older initiatives beat newer ones.

With ``variant1`` every pair is decided, and this is exactly LiquidFeedback's rank loop.  With
``simple`` tie-breaking LiquidFeedback treats a remaining tie as a win of the lower index *inside*
the loop, which can make the loop find no candidate (it raises "Schulze ranking does not
compute", e.g. for ``2 > 0``, ``0 ~ 1``, ``1 ~ 2``); the DESIGN.md rule always finds one, because
the strict Schulze relation is transitive, and agrees with LiquidFeedback whenever that finishes
without a lower-index tie blocking the choice.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from delegation.exceptions import DelegationError

__all__ = [
    "DefeatStrength",
    "SchulzeRanking",
    "Strength",
    "TieBreaking",
    "link_strength",
    "schulze_ranking",
    "secondary_link_strength",
    "strongest_paths",
]

DefeatStrength = Literal["tuple", "simple"]
TieBreaking = Literal["variant1", "simple"]
Strength = tuple[int, int]
"""``(primary, secondary)`` link or path strength."""

WORST: Strength = (-(1 << 63), 0)
"""Strength of a forbidden link (LiquidFeedback's ``(-1::INT8 << 63, 0)``)."""


def link_strength(won: int, lost: int, defeat_strength: DefeatStrength = "tuple") -> int:
    """Return the primary strength of a link with ``won`` votes for and ``lost`` against.

    Examples
    --------
    >>> link_strength(5, 3), link_strength(4, 4), link_strength(3, 5)
    (10737418237, 0, -1)
    >>> link_strength(5, 3, "simple"), link_strength(3, 5, "simple")
    (5, 0)
    """
    if defeat_strength == "simple":
        return won if won > lost else 0
    if won > lost:
        return (won << 31) - lost
    return 0 if won == lost else -1


def secondary_link_strength(i: int, j: int, tie_breaking: TieBreaking = "variant1") -> int:
    """Return the secondary strength of the link between 1-based candidate numbers ``i != j``.

    Examples
    --------
    >>> secondary_link_strength(1, 2) == (1 << 62) + 2 - (1 << 31)
    True
    >>> secondary_link_strength(2, 1) == 1 - (2 << 31), secondary_link_strength(2, 1, "simple")
    (True, 0)
    """
    if i == j:
        raise DelegationError("secondary link strength of a candidate with itself")
    if tie_breaking == "simple":
        return 0
    return ((1 << 62) if i < j else 0) + (j - (i << 31))


def strongest_paths(links: Sequence[Sequence[Strength]]) -> list[list[Strength]]:
    """Return the strengths of the strongest (widest) paths between all candidates.

    Parameters
    ----------
    links : square matrix of Strength
        Direct link strengths; the diagonal is ignored.

    Returns
    -------
    list of list of Strength
        ``p[j][k]``; the diagonal is copied from ``links``.

    Examples
    --------
    >>> p = strongest_paths([[(0, 0), (5, 0), (0, 0)],
    ...                      [(0, 0), (0, 0), (3, 0)],
    ...                      [(1, 0), (0, 0), (0, 0)]])
    >>> p[0][2], p[2][1]
    ((3, 0), (1, 0))
    """
    p = [list(row) for row in links]
    n = len(p)
    for i in range(n):
        p_i = p[i]
        for j in range(n):
            if i == j:
                continue
            p_j = p[j]
            p_ji = p_j[i]
            for k in range(n):
                if k != i and k != j:
                    via = p_ji if p_ji < p_i[k] else p_i[k]
                    if via > p_j[k]:
                        p_j[k] = via
    return p


@dataclass(frozen=True)
class SchulzeRanking:
    """The result of :func:`schulze_ranking`.

    Attributes
    ----------
    ranks : tuple of int
        Unique rank (1 = best) per candidate index.
    links : tuple of tuple of Strength
        Direct link strengths.
    paths : tuple of tuple of Strength
        Strongest-path strengths before any tie-breaking forbade a link (``reverse_beat_path``
        reads ``paths[0][i]``).
    """

    ranks: tuple[int, ...]
    links: tuple[tuple[Strength, ...], ...]
    paths: tuple[tuple[Strength, ...], ...]


def _break_tie(
    links: list[list[Strength]], paths: list[list[Strength]], m: int, n: int
) -> bool | None:
    """Forbid shared weakest links until ``m`` and ``n`` differ; True if ``m`` then beats ``n``."""
    size = len(links)
    current = paths
    forbidden: set[tuple[int, int]] = set()
    while True:
        target = current[m][n]
        found = next(
            ((i, j) for i in range(size) for j in range(size) if i != j and links[i][j] == target),
            None,
        )
        if found is None or found in forbidden:
            return None  # pragma: no cover - unique link strengths make this impossible
        forbidden.add(found)
        trial = [
            [WORST if (i, j) in forbidden else links[i][j] for j in range(size)]
            for i in range(size)
        ]
        current = strongest_paths(trial)
        if current[m][n] != current[n][m]:
            return current[m][n] > current[n][m]


def schulze_ranking(
    battle: Sequence[Sequence[int]],
    defeat_strength: DefeatStrength = "tuple",
    tie_breaking: TieBreaking = "variant1",
) -> SchulzeRanking:
    """Rank candidates with the Schulze method.

    Parameters
    ----------
    battle : square matrix of int
        ``battle[i][j]``: weight of voters preferring candidate ``i`` to ``j``; index 0 is the
        status quo.
    defeat_strength : {"tuple", "simple"}
    tie_breaking : {"variant1", "simple"}

    Returns
    -------
    SchulzeRanking

    Examples
    --------
    A full tie keeps index order (status quo first), a clear preference does not:

    >>> schulze_ranking([[0, 0, 0], [0, 0, 0], [0, 0, 0]]).ranks
    (1, 2, 3)
    >>> schulze_ranking([[0, 1, 0], [2, 0, 0], [3, 3, 0]]).ranks
    (3, 2, 1)
    """
    size = len(battle)
    links: list[list[Strength]] = [
        [
            WORST
            if i == j
            else (
                link_strength(battle[i][j], battle[j][i], defeat_strength),
                secondary_link_strength(i + 1, j + 1, tie_breaking),
            )
            for j in range(size)
        ]
        for i in range(size)
    ]
    paths = strongest_paths(links)
    beats: dict[tuple[int, int], bool] = {}
    for m in range(size):
        for n in range(m + 1, size):
            outcome: bool | None = None
            if paths[m][n] != paths[n][m]:
                outcome = paths[m][n] > paths[n][m]
            elif tie_breaking != "simple":
                outcome = _break_tie(links, paths, m, n)
            if outcome is not None:
                beats[m, n] = outcome
                beats[n, m] = not outcome
    ranks = [0] * size
    unranked = list(range(size))
    for rank in range(1, size + 1):
        best = next(
            (i for i in unranked if not any(beats.get((j, i), False) for j in unranked)),
            unranked[0],  # unreachable: Schulze's beat relation is acyclic
        )
        ranks[best] = rank
        unranked.remove(best)
    return SchulzeRanking(
        ranks=tuple(ranks),
        links=tuple(tuple(row) for row in links),
        paths=tuple(tuple(row) for row in paths),
    )
