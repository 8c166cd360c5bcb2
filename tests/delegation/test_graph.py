"""The unit graph and per-issue overrides."""

import dataclasses

import pytest

from delegation import (
    Delegation,
    InvalidDelegationError,
    Overrides,
    build_area_overrides,
    build_area_overrides_from_pairs,
    build_issue_overrides,
    build_overrides,
    build_unit_graph,
    build_unit_graph_from_pairs,
    effective_delegation,
)


class TestBuildUnitGraph:
    def test_edges_point_from_truster_to_trustee_without_attributes(self) -> None:
        g = build_unit_graph({1, 2, 3}, [Delegation(1, 2, "unit"), Delegation(3, 2, "unit")])
        assert sorted(g.graph.edges(data=True)) == [(1, 2, {}), (3, 2, {})]
        assert sorted(g.graph.predecessors(2)) == [1, 3]
        assert g.trustee == {1: 2, 3: 2}
        assert g.trusters == {1, 3}
        assert g.trustees == {2}

    def test_trusters_of_is_the_reverse_index_of_the_unit_edges(self) -> None:
        rows = [Delegation(1, 2, "unit"), Delegation(3, 2, "unit"), Delegation(2, 4, "unit")]
        g = build_unit_graph({1, 2, 3, 4}, rows)
        assert {t: sorted(kids) for t, kids in g.trusters_of.items()} == {2: [1, 3], 4: [2]}
        assert set(g.trusters_of) == g.trustees

    def test_the_networkx_graph_is_built_on_first_access_only(self) -> None:
        g = build_unit_graph({1, 2, 3}, [Delegation(1, 2, "unit"), Delegation(3, 2, "unit")])
        assert "graph" not in vars(g)
        graph = g.graph
        assert g.graph is graph
        assert {t: sorted(graph.predecessors(t)) for t in g.trustees} == {
            t: sorted(kids) for t, kids in g.trusters_of.items()
        }

    def test_rows_of_ineligible_trusters_are_dropped_rows_to_them_kept(self) -> None:
        g = build_unit_graph({1}, [Delegation(1, 9, "unit"), Delegation(9, 1, "unit")])
        assert list(g.graph.edges()) == [(1, 9)]

    def test_a_frozenset_of_eligible_members_is_not_copied(self) -> None:
        eligible = frozenset({1, 2})
        assert build_unit_graph(eligible, []).eligible is eligible
        assert build_unit_graph([1, 2], []).eligible == eligible

    @pytest.mark.parametrize(
        ("rows", "message"),
        [
            ([Delegation(1, 1, "unit")], "themselves"),
            ([Delegation(1, None, "unit")], "no trustee"),
            ([Delegation(1, 2, "area")], "not 'unit'"),
            ([Delegation(1, 2, "unit"), Delegation(1, 3, "unit")], "more than one"),
            ([Delegation(1, 2, "unit"), Delegation(1, 2, "unit")], "more than one"),
        ],
    )
    def test_rejects_invalid_rows(self, rows: list[Delegation], message: str) -> None:
        with pytest.raises(InvalidDelegationError, match=message):
            build_unit_graph({1, 2, 3}, rows)

    def test_pairs_build_the_graph_the_rows_build(self) -> None:
        rows = [Delegation(1, 2, "unit"), Delegation(3, 2, "unit"), Delegation(9, 1, "unit")]
        pairs = [(row.truster_id, row.trustee_id or 0) for row in rows]
        eligible = frozenset({1, 2, 3})
        from_rows, from_pairs = (
            build_unit_graph(eligible, rows),
            build_unit_graph_from_pairs(eligible, iter(pairs)),
        )
        assert from_pairs.eligible is eligible
        for name in ("trustee", "trusters", "trustees", "trusters_of"):
            assert getattr(from_pairs, name) == getattr(from_rows, name), name

    @pytest.mark.parametrize(
        ("pairs", "message"),
        [
            ([(1, 1)], "member 1 delegates to themselves"),
            ([(2, 3), (1, None)], "unit delegation of member 1 has no trustee"),
            ([(1, 2), (1, 3)], "member 1 has more than one unit delegation"),
            ([(1, 2), (1, 2)], "member 1 has more than one unit delegation"),
        ],
    )
    def test_pairs_reject_what_rows_reject(
        self, pairs: list[tuple[int, int]], message: str
    ) -> None:
        with pytest.raises(InvalidDelegationError, match=message):
            build_unit_graph_from_pairs({1, 2, 3}, pairs)

    def test_gc_state_is_restored(self) -> None:
        import gc

        assert gc.isenabled()
        build_unit_graph({1, 2}, [Delegation(1, 2, "unit")])
        assert gc.isenabled()
        gc.disable()
        try:
            build_unit_graph({1, 2}, [Delegation(1, 2, "unit")])
            assert not gc.isenabled()
        finally:
            gc.enable()


class TestBuildOverrides:
    def test_issue_rows_take_precedence_over_area_rows(self) -> None:
        g = build_unit_graph({1, 2, 3, 4}, [])
        o = build_overrides(
            g,
            [Delegation(1, 2, "area"), Delegation(3, None, "area")],
            [Delegation(1, 4, "issue"), Delegation(2, None, "issue")],
        )
        assert o.trustee == {1: 4, 2: None, 3: None}
        assert o.scope == {1: "issue", 2: "issue", 3: "area"}
        assert o.links == {1: 4}
        assert o.trusters_of == {4: [1]}
        assert o.trustees == {4}

    def test_ineligible_trusters_are_dropped(self) -> None:
        g = build_unit_graph({1, 2}, [Delegation(1, 2, "unit")])
        o = build_overrides(g, [Delegation(9, 1, "area")], [Delegation(1, None, "issue")])
        assert o.trustee == {1: None}
        assert o.unit_overridden == {1}

    @pytest.mark.parametrize(
        ("area_rows", "issue_rows", "message"),
        [
            ([Delegation(1, 1, "area")], [], "themselves"),
            ([Delegation(1, 2, "issue")], [], "not 'area'"),
            ([], [Delegation(1, 2, "area")], "not 'issue'"),
            ([Delegation(1, 2, "area"), Delegation(1, None, "area")], [], "more than one"),
        ],
    )
    def test_rejects_invalid_rows(
        self, area_rows: list[Delegation], issue_rows: list[Delegation], message: str
    ) -> None:
        with pytest.raises(InvalidDelegationError, match=message):
            build_overrides(build_unit_graph({1, 2}, []), area_rows, issue_rows)

    def test_accepts_any_iterable(self) -> None:
        g = build_unit_graph({1, 2}, [])
        o = build_overrides(g, (r for r in [Delegation(1, 2, "area")]))
        assert o.links == {1: 2}


class TestEffectiveDelegation:
    def test_precedence_and_blocks(self) -> None:
        g = build_unit_graph({1, 2, 3}, [Delegation(1, 2, "unit"), Delegation(2, 3, "unit")])
        o = build_overrides(g, [Delegation(2, None, "area")], [Delegation(3, 1, "issue")])
        assert effective_delegation(g, o, 1) == (2, "unit")
        assert effective_delegation(g, o, 2) == (None, "area")
        assert effective_delegation(g, o, 3) == (1, "issue")

    def test_none_for_members_without_delegation_or_eligibility(self) -> None:
        g = build_unit_graph({1, 2}, [Delegation(1, 2, "unit")])
        o = build_overrides(g)
        assert effective_delegation(g, o, 2) is None
        assert effective_delegation(g, o, 9) is None


class TestIssueOverrides:
    """An area's rows indexed once, each issue's (truster, trustee) pairs layered on top."""

    def test_issue_pairs_take_precedence_over_the_area_index(self) -> None:
        g = build_unit_graph({1, 2, 3, 4, 5}, [Delegation(5, 1, "unit")])
        area = build_area_overrides(
            g, [Delegation(1, 2, "area"), Delegation(3, None, "area"), Delegation(5, 2, "area")]
        )
        o = build_issue_overrides(area, [(1, 4), (2, None), (3, 4), (9, 1)])
        assert o.trustee == {1: 4, 2: None, 3: 4, 5: 2}
        assert o.scope == {1: "issue", 2: "issue", 3: "issue", 5: "area"}
        assert o.links == {1: 4, 3: 4, 5: 2}
        assert {t: sorted(ms) for t, ms in o.trusters_of.items()} == {4: [1, 3], 2: [5]}
        assert o.trustees == {2, 4}
        assert o.unit_overridden == {5}

    def test_the_area_index_is_left_as_it_was(self) -> None:
        g = build_unit_graph({1, 2, 3}, [])
        area = build_area_overrides(g, [Delegation(1, 2, "area"), Delegation(3, 2, "area")])
        build_issue_overrides(area, [(1, None), (3, 1), (2, 3)])
        assert area.overrides.trustee == {1: 2, 3: 2}
        assert area.overrides.links == {1: 2, 3: 2}
        assert area.overrides.trusters_of == {2: [1, 3]}
        assert area.overrides.trustees == {2}

    def test_a_trustee_losing_every_truster_is_no_trustee(self) -> None:
        g = build_unit_graph({1, 2, 3}, [])
        area = build_area_overrides(g, [Delegation(1, 2, "area")])
        o = build_issue_overrides(area, [(1, 3)])
        assert o.trusters_of == {3: [1]}
        assert o.trustees == {3}

    @pytest.mark.parametrize(
        ("pairs", "message"),
        [
            ([(1, 1)], "themselves"),
            ([(1, 2), (1, None)], "more than one issue"),
            ([(1, 2), (1, 2)], "more than one issue"),
        ],
    )
    def test_rejects_invalid_pairs(self, pairs: list[tuple[int, int | None]], message: str) -> None:
        area = build_area_overrides(build_unit_graph({1, 2}, []), [])
        with pytest.raises(InvalidDelegationError, match=message):
            build_issue_overrides(area, pairs)

    def test_the_area_index_is_checked_like_build_overrides(self) -> None:
        with pytest.raises(InvalidDelegationError, match="not 'area'"):
            build_area_overrides(build_unit_graph({1, 2}, []), [Delegation(1, 2, "issue")])


def fields_of(overrides: Overrides) -> dict[str, object]:
    """An ``Overrides``' fields (it compares by identity)."""
    return {f.name: getattr(overrides, f.name) for f in dataclasses.fields(overrides)}


class TestAreaOverridesFromPairs:
    """``build_area_overrides_from_pairs``: the index ``build_area_overrides`` builds from the same
    rows given as the driver's ``(truster_id, trustee_id)`` pairs, with the same errors."""

    def test_equals_the_index_built_from_rows(self) -> None:
        g = build_unit_graph({1, 2, 3, 4, 5}, [Delegation(5, 1, "unit"), Delegation(4, 1, "unit")])
        pairs: list[tuple[int, int | None]] = [(1, 2), (3, None), (5, 2), (9, 1), (4, 3)]
        rows = [Delegation(t, e, "area") for t, e in pairs]
        expected = build_area_overrides(g, rows).overrides
        area = build_area_overrides_from_pairs(g, pairs)
        assert area.unit_graph is g
        assert fields_of(area.overrides) == fields_of(expected)
        assert list(area.overrides.trustee) == list(expected.trustee)
        assert area.overrides.trusters_of == {2: [1, 5], 3: [4]}

    def test_no_pairs(self) -> None:
        g = build_unit_graph({1, 2}, [Delegation(1, 2, "unit")])
        area = build_area_overrides_from_pairs(g, iter([]))
        assert fields_of(area.overrides) == fields_of(build_area_overrides(g, []).overrides)

    @pytest.mark.parametrize(
        ("pairs", "message"),
        [
            ([(1, 1)], "member 1 delegates to themselves"),
            ([(1, 2), (1, None)], "member 1 has more than one area delegation"),
        ],
    )
    def test_rejects_invalid_pairs(self, pairs: list[tuple[int, int | None]], message: str) -> None:
        g = build_unit_graph({1, 2}, [])
        with pytest.raises(InvalidDelegationError, match=message):
            build_area_overrides(g, [Delegation(t, e, "area") for t, e in pairs])
        with pytest.raises(InvalidDelegationError, match=message):
            build_area_overrides_from_pairs(g, pairs)
