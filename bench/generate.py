"""Synthetic electorates for benchmarks (numpy is a benchmark-only dependency).

``generate_electorate(n, seed)`` returns plain Python data shaped like what the service reads from
its database for one issue:

* member ids ``1..n``; about 98% eligible;
* about 30% of members with a unit delegation, 10% with an area delegation and 5% with an issue
  delegation (independent draws, so some members have several and precedence matters); trustees
  are drawn from a pool of about 2% "delegates" with power-law (Zipf-like) popularity; about 10% of
  area and issue rows are null blocks; a few rows point at ineligible members;
* a few delegation cycles (``n // 10_000 + 3`` cycles of length 2-5 among non-delegating members);
* about 10% direct voters (delegates vote with probability 0.8, everyone else 8.5%);
* 4 initiatives and a random ballot (grades -2..2) for every voter.

The same rows are also returned as numpy columns for the array baseline.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from delegation import Delegation, Scope

__all__ = ["Electorate", "generate_electorate"]

INITIATIVES = (101, 102, 103, 104)

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Electorate:
    """One generated issue: members, delegation rows, voters and ballots."""

    members: int
    eligible: list[int]
    unit_rows: list[Delegation]
    area_rows: list[Delegation]
    issue_rows: list[Delegation]
    voters: list[int]
    grades: dict[int, dict[int, int]]
    initiatives: tuple[int, ...]
    # Columnar copies for the numpy baseline: (truster, trustee or -1) per scope.
    columns: dict[str, tuple[IntArray, IntArray]]

    @property
    def delegation_rows(self) -> int:
        return len(self.unit_rows) + len(self.area_rows) + len(self.issue_rows)


def _zipf_trustees(rng: np.random.Generator, pool: IntArray, size: int) -> IntArray:
    ranks = np.arange(1, len(pool) + 1, dtype=np.float64)
    p = 1.0 / ranks**1.1
    p /= p.sum()
    return pool[rng.choice(len(pool), size=size, p=p)]


def _rows(
    rng: np.random.Generator,
    n: int,
    share: float,
    pool: IntArray,
    null_share: float,
    ineligible: IntArray,
) -> tuple[IntArray, IntArray]:
    trusters = np.flatnonzero(rng.random(n + 1) < share)
    trusters = trusters[trusters > 0]
    trustees = _zipf_trustees(rng, pool, len(trusters))
    if len(ineligible):
        dead = rng.random(len(trusters)) < 0.005
        trustees[dead] = rng.choice(ineligible, size=int(dead.sum()))
    trustees[rng.random(len(trusters)) < null_share] = -1
    keep = trusters != trustees
    return trusters[keep].astype(np.int64), trustees[keep].astype(np.int64)


def generate_electorate(n: int, seed: int = 0) -> Electorate:
    """Generate a reproducible electorate of ``n`` members.

    Examples
    --------
    >>> e = generate_electorate(1000, seed=1)
    >>> e.members, 0 < len(e.voters) < 200, len(e.initiatives)
    (1000, True, 4)
    """
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1, dtype=np.int64)
    eligible_mask = np.zeros(n + 1, dtype=bool)
    eligible_mask[1:] = rng.random(n) < 0.98
    ineligible = ids[~eligible_mask[1:]]
    pool = rng.permutation(ids)[: max(2, n // 50)]

    unit_t, unit_e = _rows(rng, n, 0.30, pool, 0.0, ineligible)
    area_t, area_e = _rows(rng, n, 0.10, pool, 0.10, ineligible)
    issue_t, issue_e = _rows(rng, n, 0.05, pool, 0.10, ineligible)

    # A few cycles among members without a unit delegation.
    has_unit = np.zeros(n + 1, dtype=bool)
    has_unit[unit_t] = True
    free = ids[~has_unit[1:]]
    lengths = rng.integers(2, 6, size=n // 10_000 + 3)
    chosen = rng.choice(free, size=int(lengths.sum()), replace=False)
    cycle_t: list[int] = []
    cycle_e: list[int] = []
    start = 0
    for length in lengths.tolist():
        members = chosen[start : start + length]
        start += length
        cycle_t.extend(members.tolist())
        cycle_e.extend(np.roll(members, -1).tolist())
    unit_t = np.concatenate([unit_t, np.array(cycle_t, dtype=np.int64)])
    unit_e = np.concatenate([unit_e, np.array(cycle_e, dtype=np.int64)])

    vote_p = np.full(n + 1, 0.085)
    vote_p[pool] = 0.8
    voter_mask = rng.random(n + 1) < vote_p
    voter_mask[0] = False
    voters = np.flatnonzero(voter_mask)
    grade_table = rng.integers(-2, 3, size=(len(voters), len(INITIATIVES)))

    def rows(trusters: IntArray, trustees: IntArray, scope: Scope) -> list[Delegation]:
        out = []
        for t, e in zip(trusters.tolist(), trustees.tolist(), strict=True):
            out.append(Delegation(t, None if e < 0 else e, scope))
        return out

    return Electorate(
        members=n,
        eligible=ids[eligible_mask[1:]].tolist(),
        unit_rows=rows(unit_t, unit_e, "unit"),
        area_rows=rows(area_t, area_e, "area"),
        issue_rows=rows(issue_t, issue_e, "issue"),
        voters=voters.tolist(),
        grades={
            int(v): {
                i: int(g) for i, g in zip(INITIATIVES, grade_table[k].tolist(), strict=True) if g
            }
            for k, v in enumerate(voters.tolist())
        },
        initiatives=INITIATIVES,
        columns={
            "unit": (unit_t, unit_e),
            "area": (area_t, area_e),
            "issue": (issue_t, issue_e),
            "eligible": (ids[eligible_mask[1:]], ids[eligible_mask[1:]]),
            "voters": (voters.astype(np.int64), voters.astype(np.int64)),
        },
    )
