"""Chain view (live and replayed), DESIGN.md section 3 / LiquidFeedback's delegation_chain."""

import pytest

from delegation import (
    ChainRow,
    Delegation,
    InvalidStoredChainError,
    build_overrides,
    build_unit_graph,
    delegation_chain,
    replay_chain,
)

Row = tuple[object, ...]


def fields(rows: list[ChainRow]) -> list[Row]:
    return [
        (
            r.index,
            r.member_id,
            r.member_valid,
            r.participation,
            r.overridden,
            r.scope_in,
            r.scope_out,
            r.disabled_out,
            r.loop,
        )
        for r in rows
    ]


def unit(truster: int, trustee: int) -> Delegation:
    return Delegation(truster, trustee, "unit")


class TestDelegationChain:
    def test_member_without_delegation_is_a_single_row(self) -> None:
        g = build_unit_graph({1}, [])
        assert fields(delegation_chain(g, 1)) == [
            (0, 1, True, None, False, None, None, False, None)
        ]

    def test_unit_chain_has_null_participation_and_no_override(self) -> None:
        g = build_unit_graph({1, 2, 3}, [unit(1, 2), unit(2, 3)])
        assert fields(delegation_chain(g, 1)) == [
            (0, 1, True, None, False, None, "unit", False, None),
            (1, 2, True, None, False, "unit", "unit", False, None),
            (2, 3, True, None, False, "unit", None, False, None),
        ]

    def test_loop_markers_first_intermediate_last_repetition(self) -> None:
        g = build_unit_graph({1, 2, 3, 4}, [unit(1, 2), unit(2, 3), unit(3, 4), unit(4, 2)])
        rows = delegation_chain(g, 1)
        assert [(r.member_id, r.loop) for r in rows] == [
            (1, None),
            (2, "first"),
            (3, "intermediate"),
            (4, "last"),
            (2, "repetition"),
        ]
        # The repetition row's link fields are filled as usual.
        assert (rows[-1].scope_in, rows[-1].scope_out, rows[-1].index) == ("unit", "unit", 4)

    def test_loop_back_to_the_member_itself(self) -> None:
        g = build_unit_graph({1, 2}, [unit(1, 2), unit(2, 1)])
        assert [(r.member_id, r.loop) for r in delegation_chain(g, 1)] == [
            (1, "first"),
            (2, "last"),
            (1, "repetition"),
        ]

    def test_null_block_ends_the_chain_with_disabled_out(self) -> None:
        g = build_unit_graph({1, 2, 3}, [unit(1, 2), unit(2, 3)])
        o = build_overrides(g, [Delegation(2, None, "area")])
        assert fields(delegation_chain(g, 1, o)) == [
            (0, 1, True, None, False, None, "unit", False, None),
            (1, 2, True, None, False, "unit", "area", True, None),
        ]

    def test_ineligible_member_ends_the_chain_as_invalid(self) -> None:
        g = build_unit_graph({1, 2}, [unit(1, 9), unit(9, 2)])
        o = build_overrides(g, [], [Delegation(9, 2, "issue")])
        assert fields(delegation_chain(g, 1, o, participants={2})) == [
            (0, 1, True, False, False, None, "unit", False, None),
            (1, 9, False, False, False, "unit", None, False, None),
        ]
        assert delegation_chain(g, 1)[1].participation is None

    def test_asking_member_who_is_not_eligible(self) -> None:
        g = build_unit_graph({2}, [unit(9, 2)])
        assert fields(delegation_chain(g, 9, participants=set())) == [
            (0, 9, False, False, False, None, None, False, None)
        ]

    def test_precedence_per_context(self) -> None:
        g = build_unit_graph({1, 2, 3, 4}, [unit(1, 2)])
        o_area = build_overrides(g, [Delegation(1, 3, "area")])
        o_issue = build_overrides(g, [Delegation(1, 3, "area")], [Delegation(1, 4, "issue")])
        assert [(r.member_id, r.scope_in) for r in delegation_chain(g, 1)] == [
            (1, None),
            (2, "unit"),
        ]
        assert delegation_chain(g, 1, o_area)[1].member_id == 3
        assert [(r.member_id, r.scope_in) for r in delegation_chain(g, 1, o_issue)] == [
            (1, None),
            (4, "issue"),
        ]

    def test_overridden_tail_after_an_interested_member(self) -> None:
        g = build_unit_graph({1, 2, 3, 4}, [unit(1, 2), unit(2, 3), unit(3, 4)])
        rows = delegation_chain(g, 1, participants={2, 4})
        assert [(r.member_id, r.participation, r.overridden) for r in rows] == [
            (1, False, False),
            (2, True, False),
            (3, False, True),
            (4, True, True),
        ]

    def test_own_ballot_after_full_freeze_overrides_the_rest_and_hides_others(self) -> None:
        g = build_unit_graph({1, 2, 3}, [unit(1, 2), unit(2, 3)])
        voted = delegation_chain(g, 1, participants={1}, shown={1})
        assert [(r.participation, r.overridden) for r in voted] == [
            (True, False),
            (None, True),
            (None, True),
        ]
        # 3 voted, but other members' ballots never show and never shape the chain.
        not_voted = delegation_chain(g, 1, participants={3} & {1}, shown={1})
        assert [(r.participation, r.overridden) for r in not_voted] == [
            (False, False),
            (None, False),
            (None, None),
        ]

    def test_chain_of_another_member_after_full_freeze_reveals_nothing(self) -> None:
        g = build_unit_graph({1, 2}, [unit(1, 2)])
        rows = delegation_chain(g, 1, participants=set(), shown=set())
        assert [r.participation for r in rows] == [None, None]

    def test_loop_through_a_participant_in_an_issue_chain(self) -> None:
        g = build_unit_graph({1, 2, 3}, [unit(1, 2), unit(2, 3), unit(3, 1)])
        rows = delegation_chain(g, 1, participants={2})
        assert [(r.member_id, r.participation, r.overridden, r.loop) for r in rows] == [
            (1, False, False, "first"),
            (2, True, False, "intermediate"),
            (3, False, True, "last"),
            (1, False, True, "repetition"),
        ]


class TestReplayChain:
    def test_direct_voter_alone(self) -> None:
        assert fields(replay_chain(5, {5}, {})) == [
            (0, 5, True, True, None, None, None, None, None)
        ]

    def test_member_to_direct_voter_with_stored_scopes(self) -> None:
        rows = replay_chain(1, {3}, {1: (2, "area"), 2: (3, "unit"), 4: (1, "issue")})
        assert fields(rows) == [
            (0, 1, True, False, None, None, "area", None, None),
            (1, 2, True, False, None, "area", "unit", None, None),
            (2, 3, True, True, None, "unit", None, None, None),
        ]

    def test_member_whose_weight_was_not_counted_is_alone(self) -> None:
        assert fields(replay_chain(7, {3}, {1: (3, "unit")})) == [
            (0, 7, True, False, None, None, None, None, None)
        ]

    @pytest.mark.parametrize(
        "delegating",
        [{1: (2, "unit")}, {1: (2, "unit"), 2: (1, "unit")}],
    )
    def test_inconsistent_stored_data_is_an_error(
        self, delegating: dict[int, tuple[int, str]]
    ) -> None:
        with pytest.raises(InvalidStoredChainError):
            replay_chain(1, {3}, delegating)  # type: ignore[arg-type]
