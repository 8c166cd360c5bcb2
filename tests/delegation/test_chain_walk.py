"""The hop-by-hop chain walk (what the service runs against the database) equals the whole-graph
chain on random electorates: cycles, null blocks, ineligible members and all three scopes."""

from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from delegation import (
    ChainRow,
    Delegation,
    Scope,
    build_overrides,
    build_unit_graph,
    delegation_chain,
    replay_chain,
    replay_walk,
    resolve,
    walk_chain,
)
from tests.delegation.reference import electorates, whole_graph_chain

Electorate = tuple[set[int], list[Delegation], set[int]]
EXAMPLES = settings(max_examples=200, deadline=None)


def walk(
    eligible: set[int],
    rows: list[Delegation],
    member: int,
    scopes: tuple[Scope, ...],
    participants: set[int] | None,
    shown: set[int] | None,
) -> tuple[list[ChainRow], list[int]]:
    """``walk_chain`` over per-member lookups of the raw rows, as the database would answer
    them; also returns the members it asked about."""
    asked: list[int] = []
    by_member: dict[int, dict[Scope, int | None]] = {}
    for truster, trustee, scope in rows:
        if scope in scopes:
            by_member.setdefault(truster, {})[scope] = trustee

    def is_eligible(m: int) -> bool:
        asked.append(m)
        return m in eligible

    def delegations(m: int) -> Mapping[Scope, int | None]:
        return by_member.get(m, {})

    def participation(m: int) -> bool | None:
        assert participants is not None
        return m in participants if shown is None or m in shown else None

    chain = walk_chain(
        member,
        eligible=is_eligible,
        delegations=delegations,
        participation=None if participants is None else participation,
    )
    return chain, asked


class TestWalkEqualsWholeGraph:
    @EXAMPLES
    @given(electorates(), st.data())
    def test_every_context_and_visibility(
        self, electorate: Electorate, data: st.DataObject
    ) -> None:
        eligible, rows, participants = electorate
        members = sorted({r.truster_id for r in rows} | eligible | {0})
        member = data.draw(st.sampled_from([*members, max(members) + 1]))
        context = data.draw(st.sampled_from(["unit", "area", "issue"]))
        contexts: dict[str, tuple[Scope, ...]] = {
            "unit": ("unit",),
            "area": ("unit", "area"),
            "issue": ("unit", "area", "issue"),
        }
        scopes = contexts[context]
        visibility = data.draw(st.sampled_from(["none", "all", "own", "hidden"]))
        shown_participants: set[int] | None = None if visibility == "none" else participants
        shown = {"own": {member}, "hidden": set()}.get(visibility)
        graph = build_unit_graph(eligible, [r for r in rows if r.scope == "unit"])
        overrides = build_overrides(
            graph,
            [r for r in rows if r.scope == "area" and "area" in scopes],
            [r for r in rows if r.scope == "issue" and "issue" in scopes],
        )
        over = overrides if context != "unit" else None
        expected = whole_graph_chain(
            graph, member, over, participants=shown_participants, shown=shown
        )
        walked, asked = walk(eligible, rows, member, scopes, shown_participants, shown)
        assert walked == expected
        assert (
            delegation_chain(graph, member, over, participants=shown_participants, shown=shown)
            == expected
        )
        # Hop by hop: every member asked about is on the chain, each once (the repetition of
        # a loop is asked again), so the work is the length of the chain.
        assert asked == [r.member_id for r in expected]


class TestReplayWalk:
    @EXAMPLES
    @given(electorates(), st.data())
    def test_replay_walk_equals_replay_of_the_whole_stored_result(
        self, electorate: Electorate, data: st.DataObject
    ) -> None:
        eligible, rows, participants = electorate
        graph = build_unit_graph(eligible, [r for r in rows if r.scope == "unit"])
        overrides = build_overrides(
            graph,
            [r for r in rows if r.scope == "area"],
            [r for r in rows if r.scope == "issue"],
        )
        result = resolve(graph, participants & eligible, overrides)
        direct = set(result.weights)
        links: dict[int, tuple[int, Scope]] = {
            m: (t, result.scopes[m]) for m, t in result.trustees.items()
        }
        member = data.draw(st.sampled_from(sorted(eligible | {0})))
        asked: list[int] = []

        def voted(m: int) -> bool:
            asked.append(m)
            return m in direct

        replayed = replay_walk(member, voted=voted, link=links.get)
        assert replayed == replay_chain(member, direct, links)
        assert asked == [r.member_id for r in replayed]
