"""Resolution: every example of DESIGN.md section 3, plus the edge cases around it."""

import pytest

from delegation import (
    Delegation,
    InvalidDelegationError,
    build_overrides,
    build_unit_graph,
    delegate_member_ids,
    resolve,
    resolve_delegations,
)

A, B, C, D = 1, 2, 3, 4


def unit(truster: int, trustee: int) -> Delegation:
    return Delegation(truster, trustee, "unit")


def area(truster: int, trustee: int | None) -> Delegation:
    return Delegation(truster, trustee, "area")


def issue(truster: int, trustee: int | None) -> Delegation:
    return Delegation(truster, trustee, "issue")


class TestResolve:
    def test_cycle_with_participants_each_collects_up_to_the_next(self) -> None:
        # DESIGN.md: A->B->C->D->A, C votes yes and A votes no: C weight 2 (C, B), A 2 (A, D).
        rows = [unit(A, B), unit(B, C), unit(C, D), unit(D, A)]
        r = resolve(build_unit_graph({A, B, C, D}, rows), {A, C})
        assert dict(r.weights) == {C: 2, A: 2}
        assert dict(r.trustees) == {B: C, D: A}
        assert dict(r.intermediate_weights) == {B: 1, D: 1}
        assert (r.lost_count, r.absent_count) == (0, 0)

    def test_cycle_without_participant_carries_nothing(self) -> None:
        rows = [unit(A, B), unit(B, C), unit(C, A), unit(5, A)]
        r = resolve(build_unit_graph({A, B, C, D, 5}, rows), {D})
        assert dict(r.weights) == {D: 1}
        assert r.lost == {A, B, C, 5}
        assert r.delegators == frozenset()

    def test_weight_sums_over_branches_and_intermediate_weights(self) -> None:
        rows = [unit(A, C), unit(B, C), unit(C, D), unit(5, A)]
        r = resolve(build_unit_graph({A, B, C, D, 5}, rows), {D})
        assert dict(r.weights) == {D: 5}
        assert dict(r.intermediate_weights) == {C: 4, A: 2, B: 1, 5: 1}
        assert dict(r.scopes) == dict.fromkeys([A, B, C, 5], "unit")

    def test_precedence_issue_over_area_over_unit(self) -> None:
        graph = build_unit_graph({A, B, C, D}, [unit(A, B)])
        everyone = {B, C, D}
        by_unit = resolve(graph, everyone)
        by_area = resolve(graph, everyone, build_overrides(graph, [area(A, C)]))
        by_issue = resolve(graph, everyone, build_overrides(graph, [area(A, C)], [issue(A, D)]))
        assert (by_unit.trustees[A], by_unit.scopes[A], by_unit.weights[B]) == (B, "unit", 2)
        assert (by_area.trustees[A], by_area.scopes[A], by_area.weights[C]) == (C, "area", 2)
        assert (by_issue.trustees[A], by_issue.scopes[A], by_issue.weights[D]) == (D, "issue", 2)

    @pytest.mark.parametrize(
        ("area_rows", "issue_rows"),
        [([area(A, None)], []), ([], [issue(A, None)]), ([area(A, C)], [issue(A, None)])],
    )
    def test_null_block_at_higher_scope_makes_the_member_absent(
        self, area_rows: list[Delegation], issue_rows: list[Delegation]
    ) -> None:
        graph = build_unit_graph({A, B, C}, [unit(A, B)])
        r = resolve(graph, {B, C}, build_overrides(graph, area_rows, issue_rows))
        assert dict(r.weights) == {B: 1, C: 1}
        assert r.absent == {A}
        assert r.lost == frozenset()
        assert (r.lost_count, r.absent_count) == (0, 1)

    def test_lower_scope_null_does_not_block_a_higher_delegation(self) -> None:
        graph = build_unit_graph({A, B, C}, [unit(A, B)])
        r = resolve(graph, {B, C}, build_overrides(graph, [area(A, None)], [issue(A, C)]))
        assert dict(r.weights) == {B: 1, C: 2}

    def test_delegation_to_an_ineligible_member_is_lost(self) -> None:
        r = resolve(build_unit_graph({A, B}, [unit(A, 9)]), {B})
        assert r.lost == {A}
        assert (r.lost_count, r.absent_count) == (1, 0)

    def test_delegation_through_an_ineligible_member_is_lost_not_skipped(self) -> None:
        # 9 is not eligible: their own delegation to B never counts, so A's weight dies at 9.
        r = resolve_delegations({A, B}, [unit(A, 9), unit(9, B)], {B})
        assert dict(r.weights) == {B: 1}
        assert r.lost == {A}

    def test_chain_ending_at_a_member_who_neither_participates_nor_delegates_is_lost(self) -> None:
        r = resolve_delegations({A, B, C}, [unit(A, B)], {C})
        assert r.lost == {A}
        assert r.absent == {B}
        assert dict(r.weights) == {C: 1}

    def test_chain_ending_at_a_null_block_is_lost(self) -> None:
        r = resolve_delegations({A, B, C}, [unit(A, B), unit(B, C), issue(B, None)], {C})
        assert (set(r.lost), set(r.absent)) == ({A}, {B})

    def test_participating_cuts_the_members_own_delegation(self) -> None:
        r = resolve_delegations({A, B, C}, [unit(A, B), unit(B, C)], {A, C})
        assert dict(r.weights) == {A: 1, C: 2}
        assert dict(r.trustees) == {B: C}

    def test_ineligible_participant_is_ignored(self) -> None:
        r = resolve_delegations({A, B}, [unit(A, 9)], {9, B})
        assert dict(r.weights) == {B: 1}
        assert r.lost == {A}
        assert r.eligible_count == 2

    def test_rows_of_ineligible_trusters_never_count(self) -> None:
        r = resolve_delegations({B}, [unit(9, B), area(9, B), issue(9, B)], {B})
        assert dict(r.weights) == {B: 1}
        assert (r.lost_count, r.absent_count) == (0, 0)

    def test_member_id_zero_is_an_ordinary_member(self) -> None:
        r = resolve_delegations({0, 1, 2}, [unit(0, 1), area(2, 0)], {1})
        assert dict(r.weights) == {1: 3}
        assert dict(r.trustees) == {0: 1, 2: 0}

    def test_no_participants(self) -> None:
        r = resolve_delegations({A, B}, [unit(A, B)], set())
        assert dict(r.weights) == {}
        assert (set(r.lost), set(r.absent)) == ({A}, {B})

    def test_invariant_on_a_mixed_example(self) -> None:
        rows = [unit(A, B), unit(B, C), unit(C, A), unit(D, 9), area(5, None), issue(6, 7)]
        r = resolve_delegations(range(1, 9), rows, {7, 8})
        assert sum(r.weights.values()) + r.lost_count + r.absent_count == 8
        assert r.lost == {A, B, C, D}
        assert r.absent == {5}
        assert dict(r.weights) == {7: 2, 8: 1}

    def test_warm_graph_gives_the_same_result_as_cold(self) -> None:
        unit_rows = [unit(A, B), unit(B, C), unit(D, C)]
        graph = build_unit_graph({A, B, C, D, 5}, unit_rows)
        first = resolve(graph, {C}, build_overrides(graph, [area(D, None)]))
        second = resolve(graph, {B, 5}, build_overrides(graph, [], [issue(D, 5)]))
        assert first == resolve_delegations({A, B, C, D, 5}, [*unit_rows, area(D, None)], {C})
        assert second == resolve_delegations({A, B, C, D, 5}, [*unit_rows, issue(D, 5)], {B, 5})
        assert dict(first.weights) == {C: 3}
        assert dict(second.weights) == {B: 2, 5: 2}


class TestResolveDelegations:
    def test_splits_rows_by_scope(self) -> None:
        r = resolve_delegations({A, B, C}, [issue(A, C), unit(A, B)], {B, C})
        assert (r.trustees[A], r.scopes[A]) == (C, "issue")

    def test_rejects_unknown_scope(self) -> None:
        with pytest.raises(InvalidDelegationError):
            resolve_delegations({A}, [Delegation(A, B, "global")], {B})  # type: ignore[arg-type]


class TestDelegateMemberIds:
    def test_chain_from_trustee_to_final_participant(self) -> None:
        r = resolve_delegations({A, B, C, D}, [unit(A, B), area(B, C), issue(C, D)], {D})
        assert delegate_member_ids(r, A) == (B, C, D)
        assert delegate_member_ids(r, C) == (D,)

    def test_empty_for_participants_lost_and_unknown_members(self) -> None:
        r = resolve_delegations({A, B, C}, [unit(A, 9)], {B})
        assert delegate_member_ids(r, B) == ()
        assert delegate_member_ids(r, A) == ()
        assert delegate_member_ids(r, 42) == ()


class TestResolution:
    def test_lazy_views_behave_like_mappings(self) -> None:
        r = resolve_delegations({A, B, C}, [unit(A, B)], {B})
        assert A in r.trustees and C not in r.trustees
        assert len(r.scopes) == 1
        assert r.intermediate_weights.get(C) is None
        with pytest.raises(KeyError):
            r.trustees[C]
        assert repr(r.trustees) == "{1: 2}"
        assert (list(r.trustees.items()), list(r.scopes.values())) == ([(A, B)], ["unit"])
        assert list(r.intermediate_weights.keys()) == [A]
        assert len(r.delegators) == 1 and A in r.delegators and repr(r.delegators) == "{1}"

    def test_equality_ignores_graph_identity(self) -> None:
        rows = [unit(A, B)]
        assert resolve_delegations({A, B}, rows, {B}) == resolve_delegations({A, B}, rows, {B})
        assert resolve_delegations({A, B}, rows, {B}) != resolve_delegations({A, B}, rows, {A})
