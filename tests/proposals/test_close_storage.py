"""Issue 13: the ids of a close's result rows are checked once per close, not per row."""

import pytest

from proposals.lifecycle import _check_result_ids

MEMBERS = frozenset({1, 2, 3})


def test_ids_of_the_unit_and_the_issue_pass() -> None:
    _check_result_ids(
        7,
        MEMBERS,
        [10, 11],
        [(7, 1, 2)],
        [(7, 2, 1, 1, "unit")],
        [(7, 1, 10, 1)],
        [(7, None, 11, 2, "b")],
    )


@pytest.mark.parametrize(
    "direct, delegating, votes, anonymous",
    [
        ([(7, 4, 1)], [], [], []),
        ([], [(7, 4, 1, 1, "unit")], [], []),
        ([], [(7, 1, 4, 1, "area")], [], []),
        ([], [], [(7, 4, 10, 1)], []),
        ([], [], [(7, 1, 12, 1)], []),
        ([], [], [], [(7, None, 12, 1, "b")]),
    ],
)
def test_a_stray_member_or_initiative_is_refused(
    direct: list[tuple[int, int, int]],
    delegating: list[tuple[int, int, int, int, str]],
    votes: list[tuple[int, int, int, int]],
    anonymous: list[tuple[int, None, int, int, str]],
) -> None:
    with pytest.raises(RuntimeError, match="issue 7"):
        _check_result_ids(7, MEMBERS, [10, 11], direct, delegating, votes, anonymous)
