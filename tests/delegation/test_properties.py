"""Hypothesis properties of resolution over random electorates (cycles, null blocks, ineligible
members, all three scopes), checked against the naive reference resolver."""

import random

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from delegation import (
    Delegation,
    build_overrides,
    build_unit_graph,
    delegate_member_ids,
    resolve,
    resolve_delegations,
)
from tests.delegation.reference import effective, electorates, naive_resolve

Electorate = tuple[set[int], list[Delegation], set[int]]

# 5 properties x 150 examples = 750 generated electorates.
EXAMPLES = settings(max_examples=150, deadline=None)


class TestResolutionProperties:
    @EXAMPLES
    @given(electorates())
    def test_weight_is_conserved(self, electorate: Electorate) -> None:
        eligible, rows, participants = electorate
        r = resolve_delegations(eligible, rows, participants)
        assert sum(r.weights.values()) + r.lost_count + r.absent_count == len(eligible)
        assert (len(r.lost), len(r.absent)) == (r.lost_count, r.absent_count)
        parts = [set(r.weights), set(r.delegators), set(r.lost), set(r.absent)]
        assert sum(map(len, parts)) == len(eligible)
        assert set().union(*parts) == eligible
        assert sum(r.weights.values()) == len(r.weights) + len(r.delegators)

    @EXAMPLES
    @given(electorates())
    def test_agrees_with_the_naive_resolver(self, electorate: Electorate) -> None:
        eligible, rows, participants = electorate
        r = resolve_delegations(eligible, rows, participants)
        naive = naive_resolve(eligible, rows, participants)
        assert dict(r.weights) == naive.weights
        assert dict(r.intermediate_weights) == naive.intermediate_weights
        assert dict(r.trustees) == naive.trustees
        assert dict(r.scopes) == naive.scopes
        assert (set(r.lost), set(r.absent)) == (naive.lost, naive.absent)

    @EXAMPLES
    @given(electorates())
    def test_cycles_without_participants_carry_nothing(self, electorate: Electorate) -> None:
        eligible, rows, participants = electorate
        r = resolve_delegations(eligible, rows, participants)
        voters = participants & eligible
        links = effective(eligible, rows)
        graph = nx.DiGraph(
            (m, t)
            for m, (t, _) in links.items()
            if m not in voters and t is not None and t in eligible
        )
        for cycle in nx.simple_cycles(graph):
            assert set(cycle) <= r.lost
            for member in nx.ancestors(graph, cycle[0]):
                assert member in r.lost
        for member in r.delegators:
            chain = delegate_member_ids(r, member)
            assert chain[-1] in r.weights
            assert len(set(chain)) == len(chain) and member not in chain

    @EXAMPLES
    @given(electorates(), st.randoms(use_true_random=False))
    def test_input_order_never_changes_the_result(
        self, electorate: Electorate, rnd: random.Random
    ) -> None:
        eligible, rows, participants = electorate
        shuffled_rows = rnd.sample(rows, len(rows))
        shuffled_eligible = rnd.sample(sorted(eligible), len(eligible))
        shuffled_participants = rnd.sample(sorted(participants), len(participants))
        first = resolve_delegations(eligible, rows, participants)
        second = resolve_delegations(shuffled_eligible, shuffled_rows, shuffled_participants)
        assert first == second
        assert (first.lost, first.absent) == (second.lost, second.absent)

    @EXAMPLES
    @given(electorates(), electorates())
    def test_a_reused_unit_graph_equals_a_fresh_one(
        self, electorate: Electorate, other: Electorate
    ) -> None:
        eligible, rows, participants = electorate
        unit_rows = [r for r in rows if r.scope == "unit"]
        graph = build_unit_graph(eligible, unit_rows)
        # Another issue of the same unit first, with its own overrides and participants.
        n = max([*eligible, *participants, 0]) + 1
        other_rows = [
            r for r in other[1] if r.scope != "unit" and r.truster_id < n and r.trustee_id != n
        ]
        resolve(
            graph,
            other[2],
            build_overrides(
                graph,
                [r for r in other_rows if r.scope == "area"],
                [r for r in other_rows if r.scope == "issue"],
            ),
        )
        warm = resolve(
            graph,
            participants,
            build_overrides(
                graph,
                [r for r in rows if r.scope == "area"],
                [r for r in rows if r.scope == "issue"],
            ),
        )
        assert warm == resolve_delegations(eligible, rows, participants)
