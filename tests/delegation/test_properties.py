"""Hypothesis properties of resolution over random electorates (cycles, null blocks, ineligible
members, all three scopes), checked against the naive reference resolver."""

import random

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from delegation import (
    Delegation,
    Overrides,
    build_area_overrides,
    build_issue_overrides,
    build_overrides,
    build_unit_graph,
    build_unit_graph_from_pairs,
    delegate_member_ids,
    resolve,
    resolve_delegations,
)
from tests.delegation.reference import (
    effective,
    electorates,
    electorates_with_declines,
    naive_resolve,
)

Electorate = tuple[set[int], list[Delegation], set[int]]
Declined = tuple[set[int], list[Delegation], set[int], set[Delegation]]

# 9 properties x 150 examples = 1350 generated electorates.
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
    def test_a_graph_built_from_pairs_agrees_with_the_naive_resolver(
        self, electorate: Electorate
    ) -> None:
        eligible, rows, participants = electorate
        pairs = [(r.truster_id, r.trustee_id) for r in rows if r.scope == "unit"]
        graph = build_unit_graph_from_pairs(eligible, pairs)
        area = [r for r in rows if r.scope == "area"]
        issue = [r for r in rows if r.scope == "issue"]
        r = resolve(graph, participants, build_overrides(graph, area, issue))
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


class TestDeclinedProperties:
    """Issue 12: a declined delegation counts as if it did not exist. The database leaves declined
    rows out before they reach ``delegation/`` (``proposals.models.standing``); the naive reference
    is given every row and skips the declined ones itself."""

    @EXAMPLES
    @given(electorates_with_declines())
    def test_resolving_the_standing_rows_agrees_with_the_naive_resolver(
        self, electorate: Declined
    ) -> None:
        eligible, rows, participants, declined = electorate
        standing = [r for r in rows if r not in declined]
        r = resolve_delegations(eligible, standing, participants)
        naive = naive_resolve(eligible, rows, participants, declined)
        assert dict(r.weights) == naive.weights
        assert dict(r.intermediate_weights) == naive.intermediate_weights
        assert dict(r.trustees) == naive.trustees
        assert dict(r.scopes) == naive.scopes
        assert (set(r.lost), set(r.absent)) == (naive.lost, naive.absent)
        # The same through a unit graph with overrides, as the lifecycle resolves.
        graph = build_unit_graph(eligible, [d for d in standing if d.scope == "unit"])
        overrides = build_overrides(
            graph,
            [d for d in standing if d.scope == "area"],
            [d for d in standing if d.scope == "issue"],
        )
        assert resolve(graph, participants, overrides) == r

    @EXAMPLES
    @given(electorates_with_declines())
    def test_a_declined_row_falls_back_to_the_next_lower_scope(self, electorate: Declined) -> None:
        eligible, rows, _, declined = electorate
        links = effective(eligible, rows, declined)
        order = ("issue", "area", "unit")
        for member in eligible:
            own = {r.scope: r for r in rows if r.truster_id == member}
            expected = next(
                ((own[s].trustee_id, s) for s in order if s in own and own[s] not in declined),
                None,
            )
            assert links.get(member) == expected

    @EXAMPLES
    @given(electorates_with_declines())
    def test_declining_every_delegation_to_me_leaves_me_my_own_vote(
        self, electorate: Declined
    ) -> None:
        eligible, rows, participants, declined = electorate
        for me in sorted(eligible):
            mine = declined | {r for r in rows if r.trustee_id == me}
            standing = [r for r in rows if r not in mine]
            r = resolve_delegations(eligible, standing, participants)
            naive = naive_resolve(eligible, rows, participants, mine)
            assert dict(r.weights) == naive.weights
            assert r.weights.get(me, 0) == (1 if me in participants else 0)
            assert me not in r.trustees.values()


def naive_overrides(
    eligible: set[int], rows: list[Delegation]
) -> tuple[dict[int, int | None], dict[int, str], dict[int, set[int]], set[int]]:
    """What the overrides of ``rows`` must hold, member by member: the issue row of an eligible
    truster, else their area row (``trustee``, ``scope``); the reverse index of the non-null ones
    as sets; the eligible unit trusters with an area or issue row (``unit_overridden``)."""
    by_scope = {(r.truster_id, r.scope): r.trustee_id for r in rows}
    trustee: dict[int, int | None] = {}
    scope: dict[int, str] = {}
    for member in eligible:
        for level in ("issue", "area"):
            if (member, level) in by_scope:
                trustee[member], scope[member] = by_scope[member, level], level
                break
    trusters_of: dict[int, set[int]] = {}
    for member, target in trustee.items():
        if target is not None:
            trusters_of.setdefault(target, set()).add(member)
    unit = {m for m in eligible if (m, "unit") in by_scope}
    return trustee, scope, trusters_of, unit & set(trustee)


def overrides_hold(overrides: Overrides, eligible: set[int], rows: list[Delegation]) -> None:
    trustee, scope, trusters_of, unit_overridden = naive_overrides(eligible, rows)
    assert overrides.trustee == trustee
    assert overrides.scope == scope
    assert overrides.links == {m: t for m, t in trustee.items() if t is not None}
    assert {t: sorted(ms) for t, ms in overrides.trusters_of.items()} == {
        t: sorted(ms) for t, ms in trusters_of.items()
    }
    assert all(len(set(ms)) == len(ms) for ms in overrides.trusters_of.values())
    assert overrides.trustees == set(trusters_of)
    assert overrides.unit_overridden == unit_overridden


class TestOverridesProperties:
    """Issue 13 item 2: a lifecycle run indexes an area's rows once (``build_area_overrides``) and
    layers each issue's rows over that index (``build_issue_overrides``); ``build_overrides`` does
    the same in one call. Each answer holds what the naive precedence says, and layering one
    issue never changes the shared area index another issue is layered over."""

    @EXAMPLES
    @given(electorates())
    def test_build_overrides_agrees_with_the_naive_precedence(self, electorate: Electorate) -> None:
        eligible, rows, _ = electorate
        graph = build_unit_graph(eligible, [r for r in rows if r.scope == "unit"])
        overrides = build_overrides(
            graph,
            [r for r in rows if r.scope == "area"],
            [r for r in rows if r.scope == "issue"],
        )
        overrides_hold(overrides, eligible, rows)

    @EXAMPLES
    @given(electorates(), electorates())
    def test_issues_layered_over_one_area_index_each_agree(
        self, electorate: Electorate, other: Electorate
    ) -> None:
        eligible, rows, participants = electorate
        graph = build_unit_graph(eligible, [r for r in rows if r.scope == "unit"])
        area_rows = [r for r in rows if r.scope == "area"]
        area = build_area_overrides(graph, area_rows)
        n = max([*eligible, *participants, 0]) + 1
        other_issue = [
            (r.truster_id, r.trustee_id)
            for r in other[1]
            if r.scope == "issue" and r.truster_id < n and r.trustee_id != n
        ]
        first = build_issue_overrides(area, other_issue)  # another issue of the area first
        overrides_hold(
            first,
            eligible,
            [
                *(r for r in rows if r.scope != "issue"),
                *(Delegation(t, e, "issue") for t, e in other_issue),
            ],
        )
        issue_rows = [r for r in rows if r.scope == "issue"]
        second = build_issue_overrides(area, [(r.truster_id, r.trustee_id) for r in issue_rows])
        overrides_hold(second, eligible, rows)
        overrides_hold(area.overrides, eligible, [r for r in rows if r.scope != "issue"])
        assert resolve(graph, participants, second) == resolve_delegations(
            eligible, rows, participants
        )
