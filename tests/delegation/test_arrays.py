"""The array resolver (issue 13) against the naive reference resolver and the dict resolver, over
the same random electorates as ``test_properties`` (cycles, null blocks, ineligible members,
all three scopes), plus the shapes random electorates rarely reach: long chains, deep trees."""

import numpy as np
import pytest
from hypothesis import given, settings

from delegation import (
    SCOPES,
    Delegation,
    InvalidDelegationError,
    build_overrides,
    build_unit_graph,
    build_unit_graph_from_columns,
    resolve,
    resolve_delegations,
)
from delegation.arrays import (
    ArrayResolution,
    build_arrays,
    build_override_arrays,
    build_unit_arrays,
    dict_overrides,
    resolve_arrays,
    resolve_rows,
)
from tests.delegation.reference import electorates, electorates_with_declines, naive_resolve

Electorate = tuple[set[int], list[Delegation], set[int]]
Declined = tuple[set[int], list[Delegation], set[int], set[Delegation]]
EXAMPLES = settings(max_examples=200, deadline=None)


def resolved(eligible: set[int], rows: list[Delegation], participants: set[int]) -> ArrayResolution:
    return resolve_rows(sorted(eligible, reverse=True), rows, participants)  # any order


def as_dicts(r: ArrayResolution) -> tuple[dict[int, int], ...]:
    delegators = r.delegators.tolist()
    return (
        dict(zip(r.voters.tolist(), r.weights.tolist(), strict=True)),
        dict(zip(delegators, r.intermediate_weights.tolist(), strict=True)),
        dict(zip(delegators, r.trustees.tolist(), strict=True)),
    )


class TestArrayResolution:
    @EXAMPLES
    @given(electorates())
    def test_agrees_with_the_naive_resolver(self, electorate: Electorate) -> None:
        eligible, rows, participants = electorate
        r = resolved(eligible, rows, participants)
        naive = naive_resolve(eligible, rows, participants)
        weights, intermediate, trustees = as_dicts(r)
        assert weights == naive.weights
        assert intermediate == naive.intermediate_weights
        assert trustees == naive.trustees
        scopes = dict(zip(r.delegators.tolist(), (SCOPES[s] for s in r.scopes), strict=True))
        assert scopes == naive.scopes
        assert (r.lost_count, r.absent_count) == (len(naive.lost), len(naive.absent))
        assert r.eligible_count == len(eligible)
        assert r.delegators.tolist() == sorted(naive.trustees)
        assert r.voters.tolist() == sorted(naive.weights)

    @EXAMPLES
    @given(electorates())
    def test_agrees_with_the_dict_resolver(self, electorate: Electorate) -> None:
        eligible, rows, participants = electorate
        r = resolved(eligible, rows, participants)
        d = resolve_delegations(eligible, rows, participants)
        assert as_dicts(r) == (
            dict(d.weights),
            dict(d.intermediate_weights),
            dict(d.trustees),
        )
        assert (r.lost_count, r.absent_count, r.eligible_count) == (
            d.lost_count,
            d.absent_count,
            d.eligible_count,
        )
        asked = [*range(-1, max([*eligible, *participants, 0]) + 2)]
        assert r.weights_of(asked).tolist() == [d.weights.get(m, 0) for m in asked]

    @EXAMPLES
    @given(electorates())
    def test_sparse_ids_resolve_alike(self, electorate: Electorate) -> None:
        # Ids spread too thin for the lookup table are found by binary search instead.
        eligible, rows, participants = electorate

        def spread(m: int) -> int:
            return m * 10_000 - 7

        sparse = [
            Delegation(
                spread(r.truster_id),
                None if r.trustee_id is None else spread(r.trustee_id),
                r.scope,
            )
            for r in rows
        ]
        r = resolved({spread(m) for m in eligible}, sparse, {spread(m) for m in participants})
        if len(eligible) > 1:
            assert r.unit.table is None
        weights, intermediate, trustees = as_dicts(resolved(eligible, rows, participants))
        assert as_dicts(r) == (
            {spread(m): w for m, w in weights.items()},
            {spread(m): w for m, w in intermediate.items()},
            {spread(m): spread(t) for m, t in trustees.items()},
        )

    @EXAMPLES
    @given(electorates_with_declines())
    def test_resolving_the_standing_rows_agrees_with_the_naive_resolver(
        self, electorate: Declined
    ) -> None:
        eligible, rows, participants, declined = electorate
        standing = [r for r in rows if r not in declined]
        r = resolved(eligible, standing, participants)
        naive = naive_resolve(eligible, rows, participants, declined)
        assert as_dicts(r) == (naive.weights, naive.intermediate_weights, naive.trustees)
        assert (r.lost_count, r.absent_count) == (len(naive.lost), len(naive.absent))

    @EXAMPLES
    @given(electorates())
    def test_the_dict_forms_equal_the_dict_resolvers_inputs(self, electorate: Electorate) -> None:
        eligible, rows, participants = electorate
        unit, area, issue = build_arrays(eligible, rows)
        graph = build_unit_graph(eligible, [r for r in rows if r.scope == "unit"])
        overrides = build_overrides(
            graph,
            [r for r in rows if r.scope == "area"],
            [r for r in rows if r.scope == "issue"],
        )
        assert unit.unit_graph.eligible == graph.eligible
        assert unit.unit_graph.trustee == graph.trustee
        converted = dict_overrides(unit, area, issue)
        assert (converted.trustee, converted.scope) == (overrides.trustee, overrides.scope)
        assert resolve(unit.unit_graph, participants, converted) == resolve(
            graph, participants, overrides
        )


class TestShapes:
    def test_a_chain_as_long_as_the_unit_reaches_its_voter(self) -> None:
        n = 1000
        unit = build_unit_arrays(range(n), range(1, n), range(n - 1))  # m -> m - 1
        r = resolve_arrays(unit, [0])
        assert r.weights.tolist() == [n]
        assert r.intermediate_weights.tolist() == list(range(n - 1, 0, -1))
        assert (r.lost_count, r.absent_count) == (0, 0)

    def test_a_long_cycle_without_voter_loses_every_vote_that_reaches_it(self) -> None:
        n = 1025  # just past a power of two: the rounds' bound is tight
        trusters = [*range(n), n + 5]
        unit = build_unit_arrays(range(n + 10), trusters, [(m + 1) % n for m in range(n)] + [0])
        r = resolve_arrays(unit, [n + 9])
        assert (r.lost_count, r.absent_count) == (n + 1, 8)
        assert r.weights.tolist() == [1] and len(r.delegators) == 0
        broken = resolve_arrays(unit, [7])  # a voter in the cycle cuts it there
        assert broken.weights.tolist() == [n + 1]
        assert broken.lost_count == 0

    def test_a_deep_tree_sums_every_branch(self) -> None:
        # Member m delegates to (m - 1) // 2: a binary tree of depth 10 under the voter 0.
        n = 2047
        unit = build_unit_arrays(range(n), range(1, n), [(m - 1) // 2 for m in range(1, n)])
        r = resolve_arrays(unit, [0])
        assert r.weights.tolist() == [n]
        below = dict(zip(r.delegators.tolist(), r.intermediate_weights.tolist(), strict=True))
        assert below[1] == below[2] == 1023 and below[1023] == 1


class TestRows:
    def test_rows_of_ineligible_trusters_are_dropped_and_ineligible_trustees_kept(self) -> None:
        unit = build_unit_arrays([1, 2, 3], [1, 4, 3], [2, 1, 9])
        assert unit.trusters.tolist() == [1, 3]
        r = resolve_arrays(unit, [2])
        assert as_dicts(r) == ({2: 2}, {1: 1}, {1: 2})
        assert (r.lost_count, r.absent_count) == (1, 0)

    @pytest.mark.parametrize(
        ("trusters", "trustees", "message"),
        [
            ([1, 2, 1], [2, 3, 3], "member 1 has more than one unit delegation"),
            ([1, 2], [2, 2], "member 2 delegates to themselves"),
        ],
    )
    def test_invalid_unit_rows_are_refused_as_the_dict_graph_refuses_them(
        self, trusters: list[int], trustees: list[int], message: str
    ) -> None:
        with pytest.raises(InvalidDelegationError, match=message):
            build_unit_arrays([1, 2, 3], trusters, trustees)
        with pytest.raises(InvalidDelegationError, match=message):
            build_unit_graph_from_columns({1, 2, 3}, trusters, trustees)

    def test_a_block_is_never_a_self_delegation(self) -> None:
        unit = build_unit_arrays([1, 2], [1], [2])
        area = build_override_arrays(unit, "area", [1], [1], [True])
        assert area.pairs() == [(1, None)]
        with pytest.raises(InvalidDelegationError, match="member 1 delegates to themselves"):
            build_override_arrays(unit, "issue", [1], [1], [False])

    def test_overrides_of_another_unit_are_refused(self) -> None:
        unit = build_unit_arrays([1, 2], [], [])
        other = build_unit_arrays([1, 2], [], [])
        with pytest.raises(ValueError, match="another unit"):
            resolve_arrays(unit, [1], build_override_arrays(other, "area", [1], [2]))

    def test_columns_of_unequal_length_are_refused(self) -> None:
        with pytest.raises(ValueError, match="2 trusters but 1 trustees"):
            build_unit_arrays([1, 2], [1, 2], [2])

    def test_an_empty_unit_resolves_to_nothing(self) -> None:
        r = resolve_arrays(build_unit_arrays(np.array([], dtype=np.int64), [], []), [1, 2])
        assert (len(r.voters), r.eligible_count, r.lost_count, r.absent_count) == (0, 0, 0, 0)
        assert r.weights_of([1]).tolist() == [0]
