"""``build_unit_graph_from_columns``: the graph ``build_unit_graph_from_pairs`` builds from the
same rows, down to the iteration order of every part, and the same errors."""

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from delegation import (
    InvalidDelegationError,
    UnitGraph,
    build_unit_graph_from_columns,
    build_unit_graph_from_pairs,
)

TOP = 2**31 - 1


def as_lists(graph: UnitGraph) -> dict[str, Any]:
    """Every part of the graph in its iteration order (also for tests/proposals)."""
    return {
        "eligible": list(graph.eligible),
        "trustee": list(graph.trustee.items()),
        "trusters": list(graph.trusters),
        "trustees": list(graph.trustees),
        "trusters_of": list(graph.trusters_of.items()),
    }


def columns(pairs: Sequence[tuple[int, int | None]]) -> tuple[list[int], list[int | None]]:
    return [t for t, _ in pairs], [e for _, e in pairs]


ids = st.one_of(st.integers(1, 40), st.integers(TOP - 40, TOP), st.integers(-(2**31), -(2**31) + 5))


@given(
    eligible=st.frozensets(ids),
    pairs=st.dictionaries(ids, ids).map(lambda d: [(t, e) for t, e in d.items() if t != e]),
)
def test_the_graph_of_the_pairs(eligible: frozenset[int], pairs: list[tuple[int, int]]) -> None:
    graph = build_unit_graph_from_columns(eligible, *columns(pairs))
    assert graph.eligible is eligible
    assert as_lists(graph) == as_lists(build_unit_graph_from_pairs(eligible, pairs))


def test_ineligible_trusters_are_dropped_in_order() -> None:
    graph = build_unit_graph_from_columns({1, 2, 3, TOP}, [9, TOP, 1, 8, 3], [1, 2, 2, 2, TOP])
    assert list(graph.trustee.items()) == [(TOP, 2), (1, 2), (3, TOP)]
    assert list(graph.trusters_of.items()) == [(2, [TOP, 1]), (TOP, [3])]


def test_no_rows() -> None:
    graph = build_unit_graph_from_columns([1], (), ())
    assert graph.eligible == {1}
    assert (graph.trustee, graph.trusters, graph.trustees, graph.trusters_of) == (
        {},
        frozenset(),
        frozenset(),
        {},
    )


@pytest.mark.parametrize(
    "pairs",
    [
        [(1, 1)],
        [(2, 3), (1, None)],
        [(2, 3), (1, 2), (2, 1)],
        [(1, 2), (1, 2)],
        [(3, 1), (2, 2), (3, 2)],  # repeated before self: as the pairs, the repeat is reported
    ],
)
def test_invalid_rows_raise_the_pairs_error(pairs: list[tuple[int, int | None]]) -> None:
    with pytest.raises(InvalidDelegationError) as expected:
        build_unit_graph_from_pairs({1, 2, 3}, pairs)
    with pytest.raises(InvalidDelegationError) as raised:
        build_unit_graph_from_columns({1, 2, 3}, *columns(pairs))
    assert str(raised.value) == str(expected.value)


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="2 trusters but 1 trustees"):
        build_unit_graph_from_columns({1, 2}, [1, 2], [2])
