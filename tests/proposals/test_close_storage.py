"""Issue 13: the ids of a close's result rows are checked once per close, not per row."""

import pytest

from proposals.lifecycle import _check_result_ids

MEMBERS = frozenset({1, 2, 3})


def test_ids_of_the_unit_and_the_issue_pass() -> None:
    _check_result_ids(7, MEMBERS, [10, 11], ({1: 2}.keys(), [2], {2: 1}.values(), [1]), {10, 11})


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
        _check_result_ids(7, MEMBERS, [10, 11], named, graded)
