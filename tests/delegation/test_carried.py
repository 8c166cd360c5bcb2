"""``carried_weights``: every member's would-be weight in one pass equals the resolver asked
member by member with that member as the only participant (the agenda's weight), on random
electorates with cycles, blocks, all three scopes and ineligible members."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delegation import (
    Delegation,
    InvalidDelegationError,
    build_overrides,
    build_unit_graph,
    carried_weights,
    carried_weights_over,
    resolve,
)
from tests.delegation.reference import electorates, naive_resolve

Electorate = tuple[set[int], list[Delegation], set[int]]


class TestCarriedWeights:
    @settings(max_examples=300, deadline=None)
    @given(st.one_of(electorates(), electorates(max_members=25)))
    def test_equals_the_resolver_with_each_member_alone(self, electorate: Electorate) -> None:
        eligible, rows, _ = electorate
        graph = build_unit_graph(eligible, [r for r in rows if r.scope == "unit"])
        overrides = build_overrides(
            graph,
            [r for r in rows if r.scope == "area"],
            [r for r in rows if r.scope == "issue"],
        )
        weights = carried_weights(eligible, rows)
        # The same from the graph and overrides the lifecycle holds at the transition to voting.
        assert carried_weights_over(graph, overrides) == weights
        ids = {r.truster_id for r in rows} | {r.trustee_id for r in rows if r.trustee_id}
        for member in eligible | ids:
            alone = resolve(graph, {member}, overrides).weights.get(member, 0)
            expected_default = 1 if member in eligible else 0
            assert weights.get(member, expected_default) == alone, member
            # The naive reference agrees too (it walks every chain by hand).
            assert naive_resolve(eligible, rows, {member}).weights.get(member, 0) == alone
        assert all(w >= 2 for w in weights.values())
        assert set(weights) <= eligible

    def test_trees_cycles_blocks_and_dead_ends(self) -> None:
        rows = [
            Delegation(1, 2, "unit"),
            Delegation(2, 3, "unit"),
            Delegation(9, 3, "unit"),
            Delegation(4, 5, "unit"),
            Delegation(5, 6, "unit"),
            Delegation(6, 4, "unit"),  # the cycle 4 -> 5 -> 6 -> 4
            Delegation(7, 4, "area"),  # hangs on the cycle
            Delegation(8, 7, "issue"),
            Delegation(9, None, "issue"),  # 9 blocks the issue: its unit link does not count
            Delegation(10, 11, "unit"),  # 11 is not eligible: a dead end carrying nothing
            Delegation(11, 1, "unit"),  # ineligible truster: never counts
        ]
        eligible = set(range(1, 11))
        graph = build_unit_graph(eligible, [r for r in rows if r.scope == "unit"])
        overrides = build_overrides(
            graph,
            [r for r in rows if r.scope == "area"],
            [r for r in rows if r.scope == "issue"],
        )
        assert carried_weights(eligible, rows) == {2: 2, 3: 3, 4: 5, 5: 5, 6: 5, 7: 2}
        assert carried_weights_over(graph, overrides) == {2: 2, 3: 3, 4: 5, 5: 5, 6: 5, 7: 2}
        # The same unit without the area's and the issue's rows: 9's unit delegation counts.
        unit_rows = [r for r in rows if r.scope == "unit"]
        assert carried_weights(eligible, unit_rows) == {2: 2, 3: 4, 4: 3, 5: 3, 6: 3}
        for member in range(1, 12):
            alone = resolve(graph, {member}, overrides).weights.get(member, 0)
            assert carried_weights(eligible, rows).get(member, int(member in eligible)) == alone

    def test_invalid_rows_are_refused(self) -> None:
        with pytest.raises(InvalidDelegationError):
            carried_weights({1, 2}, [Delegation(1, 2, "area"), Delegation(1, 1, "issue")])
        with pytest.raises(InvalidDelegationError):
            carried_weights({1, 2}, [Delegation(1, None, "unit")])
        with pytest.raises(InvalidDelegationError):
            carried_weights({1, 2, 3}, [Delegation(1, 2, "unit"), Delegation(1, 3, "unit")])
