"""Issue 13: the ids of a close's result rows are checked once per close, not per row."""

import random

import numpy as np
import pytest

from delegation.arrays import build_unit_arrays
from proposals.lifecycle import _check_result_ids, _vote_entries
from proposals.result_blocks import votes
from tests.proposals.test_ballot_grades import cast_of

UNIT = build_unit_arrays([1, 2, 3], [], [])  # members 1, 2, 3 eligible


def ids(*columns: list[int]) -> tuple[np.typing.NDArray[np.int64], ...]:
    return tuple(np.array(column, dtype=np.int64) for column in columns)


def test_ids_of_the_unit_and_the_issue_pass() -> None:
    _check_result_ids(7, UNIT, [10, 11], ids([1], [2], [2], [1]), {10, 11})


@pytest.mark.parametrize(
    "named, graded",
    [
        (([1, 4], [], [], []), {10}),  # a direct voter
        (([1], [4], [], []), {10}),  # a delegating voter
        (([1], [2], [4], []), {10}),  # a trustee
        (([1], [], [], [4]), {10}),  # a voter with grades
        (([1], [], [], [1]), {10, 12}),  # an initiative of another issue
    ],
)
def test_a_stray_member_or_initiative_is_refused(
    named: tuple[list[int], ...], graded: set[int]
) -> None:
    with pytest.raises(RuntimeError, match="issue 7"):
        _check_result_ids(7, UNIT, [10, 11], ids(*named), graded)


@pytest.mark.parametrize("seed", range(5))
def test_vote_entries_are_the_old_rows_in_their_order(seed: int) -> None:
    """Issue 13: the vote entries of a close are the rows the close wrote before result blocks,
    in their order: members' grades by member and initiative, then the anonymous ballots'."""
    rng = random.Random(seed)
    grades = {
        m: {i: rng.randint(-3, 3) for i in rng.sample(range(10, 20), rng.randint(0, 4))}
        for m in rng.sample(range(1, 10**6), 200)
    }
    secret = set(rng.sample(sorted(grades), 50)) if seed % 2 else set()
    anonymous = [(11, 1, "b" * 32), (12, -1, "b" * 32), (10, 0, "c" * 32)]
    old = [
        (m, i, g, b"")
        for m, given in sorted(grades.items())
        if m not in secret
        for i, g in sorted(given.items())
    ] + [(0, i, g, b.encode()) for i, g, b in anonymous]
    hidden = votes(
        [0] * len(anonymous),
        [i for i, _, _ in anonymous],
        [g for _, g, _ in anonymous],
        [b.encode() for _, _, b in anonymous],
    )
    secret_ids = np.array(sorted(secret), dtype=np.int64)
    assert _vote_entries(cast_of(grades), secret_ids, hidden).tolist() == old


def test_no_grades_give_no_entries() -> None:
    none = np.zeros(0, dtype=np.int64)
    assert _vote_entries(cast_of({}), none, votes(none, none, none)).tolist() == []
