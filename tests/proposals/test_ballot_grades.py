"""Issue 13: a close's ballot grades as arrays (proposals.ballot_grades) give what the dicts of
grades per voter gave: the same tally, the same contents in the same order."""

import random
from itertools import pairwise

import numpy as np
import pytest

from delegation import InvalidBallotError, Policy, tally_ballots
from proposals.ballot_grades import (
    PAD,
    CastGrades,
    cast_grades,
    group_contents,
    merged_ballots,
)

Grades = dict[int, dict[int, int]]


def cast_of(grades: Grades, strays: Grades | None = None) -> CastGrades:
    """The arrays of ``grades`` (member -> initiative -> grade), rows given in a shuffled order;
    the rows of ``strays`` (members who cast no counted ballot) are given too."""
    rows = [
        (m, i, g) for given in (grades, strays or {}) for m in given for i, g in given[m].items()
    ]
    random.Random(len(rows)).shuffle(rows)
    members, initiatives, points = np.array(rows, dtype=np.int64).reshape(-1, 3).T
    return cast_grades(np.array(list(grades), dtype=np.int64), members, initiatives, points)


def random_grades(rng: random.Random, voters: int, initiatives: list[int]) -> Grades:
    """Ballots of 0 to all ``initiatives``, grades -2..2 (a stored 0 included), few contents."""
    return {
        m: {
            i: rng.randint(-2, 2) for i in rng.sample(initiatives, rng.randint(0, len(initiatives)))
        }
        for m in rng.sample(range(1, 10**6), voters)
    }


@pytest.mark.parametrize("seed", range(30))
def test_merged_ballots_tally_as_the_ballots_per_voter(seed: int) -> None:
    rng = random.Random(seed)
    admitted = [10, 11, 12, 13][: rng.randint(0, 4)]
    graded = admitted + ([99] if seed % 3 == 0 else [])  # 99: an initiative not admitted
    grades = random_grades(rng, rng.randint(0, 300), graded or [10])
    weights = {m: rng.choice([1, 1, 1, 2, 5, 40]) for m in grades}
    voters = np.array(sorted(grades), dtype=np.int64)
    policy = Policy(
        defeat_strength=rng.choice(["simple", "tuple"]),
        tie_breaking=rng.choice(["simple", "variant1"]),
    )
    ballots = {m: (weights[m], grades[m]) for m in sorted(grades)}
    merged = merged_ballots(
        cast_of(grades, random_grades(rng, 20, [10, 11])),
        voters,
        np.array([weights[m] for m in sorted(grades)], dtype=np.int64),
    )
    assert sum(w for w, _ in merged) == sum(weights.values())
    try:
        expected = tally_ballots(ballots, admitted, policy)
    except InvalidBallotError:
        with pytest.raises(InvalidBallotError):
            tally_ballots(merged, admitted, policy)
    else:
        assert tally_ballots(merged, admitted, policy) == expected


def test_merged_ballots_keep_grades_as_stored() -> None:
    grades = {1: {10: 0}, 2: {}, 3: {10: 0}, 4: {11: 1, 10: -1}, 5: {10: -1, 11: 1}}
    merged = merged_ballots(cast_of(grades), np.array([1, 2, 3, 4, 5]), np.array([1, 2, 3, 4, 5]))
    assert merged == [(2, {}), (9, {10: -1, 11: 1}), (4, {10: 0})]
    assert all(type(x) is int for w, g in merged for x in (w, *g, *g.values()))


@pytest.mark.parametrize("seed", range(10))
def test_contents_sort_as_tuples_of_pairs(seed: int) -> None:
    rng = random.Random(seed)
    grades = random_grades(rng, 200, [1, 2, 5, 9])
    voters = np.array(sorted(grades), dtype=np.int64)
    contents = cast_of(grades).contents(voters)
    order, groups = group_contents(contents)
    as_tuples = [tuple(sorted(grades[m].items())) for m in voters.tolist()]
    got = [as_tuples[k] for k in order.tolist()]
    assert got == sorted(as_tuples)
    assert [a != b for a, b in pairwise(got)] == np.diff(groups).astype(bool).tolist()
    row = contents[0].tolist()
    pairs = [(i, g) for i, g in zip(row[0::2], row[1::2], strict=True) if i != PAD]
    assert tuple(pairs) == as_tuples[0]


def test_grades_of_members_who_cast_no_counted_ballot_are_dropped() -> None:
    cast = cast_of({2: {10: 1}, 1: {}}, {3: {10: -1}})
    assert (cast.casters.tolist(), cast.members.tolist(), cast.graded()) == ([1, 2], [2], {10})
    with pytest.raises(ValueError, match="caster"):
        cast.contents(np.array([3]))
