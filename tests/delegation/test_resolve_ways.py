"""Resolution gives the naive resolver's answer whichever way it works (issue 13).

``resolve`` counts the blocked trusters and finds the inner delegators either per trustee or
for every trustee at once, and builds the per-delegator views either key by key or by copying
an index and dropping the rest; ``_in_bulk`` picks the faster way by sizes.  Small random
electorates mostly take the per-trustee way, so both are forced here.
"""

from unittest.mock import patch

import pytest
from hypothesis import given, settings

from delegation import Delegation, build_overrides, build_unit_graph, resolve
from tests.delegation.reference import electorates, naive_resolve

Electorate = tuple[set[int], list[Delegation], set[int]]


@pytest.mark.parametrize("bulk", [False, True])
@settings(max_examples=150, deadline=None)
@given(electorate=electorates())
def test_both_ways_agree_with_the_naive_resolver(bulk: bool, electorate: Electorate) -> None:
    eligible, rows, participants = electorate
    graph = build_unit_graph(eligible, [d for d in rows if d.scope == "unit"])
    overrides = build_overrides(
        graph,
        [d for d in rows if d.scope == "area"],
        [d for d in rows if d.scope == "issue"],
    )
    with patch("delegation.resolve._in_bulk", return_value=bulk):
        r = resolve(graph, participants, overrides)
        naive = naive_resolve(eligible, rows, participants)
        assert dict(r.weights) == naive.weights
        assert dict(r.intermediate_weights.items()) == naive.intermediate_weights
        assert dict(r.trustees.items()) == naive.trustees
        assert dict(r.scopes.items()) == naive.scopes
        assert set(r.delegators) == set(naive.trustees) == set(r.trustees)
        assert len(r.delegators) == len(naive.trustees)
        assert (set(r.lost), set(r.absent)) == (naive.lost, naive.absent)
        assert (r.lost_count, r.absent_count) == (len(naive.lost), len(naive.absent))
