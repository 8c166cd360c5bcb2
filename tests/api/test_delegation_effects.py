"""Delegations through the API: weights at the close, the chain view, refusals (DESIGN.md §3)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import DAY, World, build_world
from tests.factories import bearer, make_member, make_token


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDEP"))


def to_voting(world: World) -> tuple[int, int]:
    """P's initiative, supported by P, in voting: (issue id, initiative id)."""
    initiative = world.propose("P")
    world.support("P", initiative["id"])
    world.to_voting(initiative["issue_id"])
    return initiative["issue_id"], initiative["id"]


def close(world: World, issue_id: int, initiative_id: int, voters: str) -> dict[int, int]:
    """Everyone in ``voters`` approves; close the vote; answer direct voter -> weight."""
    for who in voters:
        assert world.vote(who, issue_id, {initiative_id: 1}).status_code == 200
    assert world.step(DAY)[0].startswith("finished")
    return world.voters(issue_id)


def delegating(world: World, issue_id: int) -> dict[int, tuple[int, str, list[int]]]:
    return {
        d["member_id"]: (d["weight"], d["scope"], d["delegate_member_ids"])
        for d in world.all_items(f"/issues/{issue_id}/delegating-voters")
    }


class TestWeightsAtClose:
    def test_chain_to_the_only_voter_carries_everyone(self, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("B", "C")
        issue_id, initiative_id = to_voting(world)
        m = world.members
        assert close(world, issue_id, initiative_id, "C") == {m["C"]: 3}
        assert world.issue(issue_id)["voter_count"] == 3
        assert delegating(world, issue_id) == {
            m["A"]: (1, "unit", [m["B"], m["C"]]),
            m["B"]: (2, "unit", [m["C"]]),
        }
        assert world.initiative(initiative_id)["positive_votes"] == 3

    def test_a_voting_delegate_cuts_the_chain_behind_it(self, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("B", "C")
        issue_id, initiative_id = to_voting(world)
        m = world.members
        assert close(world, issue_id, initiative_id, "BC") == {m["B"]: 2, m["C"]: 1}
        assert delegating(world, issue_id) == {m["A"]: (1, "unit", [m["B"]])}

    def test_issue_beats_area_beats_unit(self, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("A", "C", area_id=world.area_id)
        issue_id, initiative_id = to_voting(world)
        world.delegate("A", "D", issue_id=issue_id)
        m = world.members
        assert close(world, issue_id, initiative_id, "BCD") == {m["B"]: 1, m["C"]: 1, m["D"]: 2}
        assert delegating(world, issue_id) == {m["A"]: (1, "issue", [m["D"]])}

    def test_area_beats_unit(self, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("A", "C", area_id=world.area_id)
        issue_id, initiative_id = to_voting(world)
        m = world.members
        assert close(world, issue_id, initiative_id, "BC") == {m["B"]: 1, m["C"]: 2}
        assert delegating(world, issue_id)[m["A"]][1] == "area"

    def test_revoking_the_issue_delegation_falls_back_to_the_area(self, world: World) -> None:
        world.delegate("A", "C", area_id=world.area_id)
        issue_id, initiative_id = to_voting(world)
        delegation = world.delegate("A", "D", issue_id=issue_id)
        world.ok("DELETE", f"/delegations/{delegation['id']}", "A")
        m = world.members
        assert close(world, issue_id, initiative_id, "CD") == {m["C"]: 2, m["D"]: 1}

    @pytest.mark.parametrize("scope", ["area", "issue"])
    def test_a_null_trustee_blocks(self, world: World, scope: str) -> None:
        world.delegate("A", "B")
        world.delegate("C", "A")
        issue_id, initiative_id = to_voting(world)
        world.delegate("A", None, **{f"{scope}_id": world.area_id if scope == "area" else issue_id})
        m = world.members
        # A's weight, and C's through A, go nowhere: no skipping past the block.
        assert close(world, issue_id, initiative_id, "B") == {m["B"]: 1}
        assert world.issue(issue_id)["voter_count"] == 1
        assert delegating(world, issue_id) == {}

    def test_a_cycle_where_nobody_votes_casts_nothing(self, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("B", "C")
        world.delegate("C", "A")
        issue_id, initiative_id = to_voting(world)
        assert close(world, issue_id, initiative_id, "D") == {world.id("D"): 1}
        assert world.issue(issue_id)["voter_count"] == 1
        assert delegating(world, issue_id) == {}

    def test_participants_in_a_cycle_collect_up_to_the_next_participant(self, world: World) -> None:
        for truster, trustee in ("AB", "BC", "CD", "DA"):
            world.delegate(truster, trustee)
        issue_id, initiative_id = to_voting(world)
        assert world.vote("A", issue_id, {initiative_id: -1}).status_code == 200
        m = world.members
        assert close(world, issue_id, initiative_id, "C") == {m["A"]: 2, m["C"]: 2}
        assert delegating(world, issue_id) == {
            m["B"]: (1, "unit", [m["C"]]),
            m["D"]: (1, "unit", [m["A"]]),
        }

    def test_delegation_to_an_ineligible_member_is_a_dead_end(
        self, world: World, db: Database
    ) -> None:
        outsider = make_member(db, name="outsider")
        world.delegate("B", "C")
        world.ok(
            "PUT", "/delegations", "A", json={"unit_id": world.unit_id, "trustee_id": outsider.id}
        )
        issue_id, initiative_id = to_voting(world)
        assert close(world, issue_id, initiative_id, "C") == {world.id("C"): 2}


class TestVotingRightLostBeforeClose:
    @pytest.mark.parametrize("how", ["privilege", "inactive"])
    def test_loses_the_ballot_and_breaks_chains_through_them(self, world: World, how: str) -> None:
        world.delegate("A", "B")
        world.delegate("B", "C")
        world.delegate("D", "C")
        issue_id, initiative_id = to_voting(world)
        for who in "BC":
            assert world.vote(who, issue_id, {initiative_id: 1}).status_code == 200
        b = world.id("B")
        if how == "privilege":
            path = f"/api/v1/units/{world.unit_id}/privileges/{b}"
            body = {"voting_right": False, "initiative_right": False}
            assert world.client.put(path, json=body, headers=world.admin).status_code == 200
        else:
            response = world.client.patch(
                f"/api/v1/members/{b}", json={"active": False}, headers=world.admin
            )
            assert response.status_code == 200
        assert world.step(DAY) == ["finished_with_winner"]
        m = world.members
        # B's ballot is discarded and A's weight is lost at B, not passed on to C.
        assert world.voters(issue_id) == {m["C"]: 2}
        assert world.issue(issue_id)["voter_count"] == 2
        assert delegating(world, issue_id) == {m["D"]: (1, "unit", [m["C"]])}
        votes = world.all_items(f"/issues/{issue_id}/votes")
        assert [v["member_id"] for v in votes] == [m["C"]]

    def test_ineligible_member_may_not_cast_a_ballot(self, world: World) -> None:
        issue_id, initiative_id = to_voting(world)
        path = f"/api/v1/units/{world.unit_id}/privileges/{world.id('B')}"
        body = {"voting_right": False, "initiative_right": True}
        assert world.client.put(path, json=body, headers=world.admin).status_code == 200
        assert world.vote("B", issue_id, {initiative_id: 1}).status_code == 403


class TestInterest:
    def test_interest_suspends_a_delegation_for_support_but_not_for_the_vote(
        self, world: World
    ) -> None:
        initiative = world.propose("P")
        issue_id = initiative["issue_id"]
        world.delegate("A", "B")
        world.support("B", initiative["id"])
        assert world.step() == ["discussion"]
        assert world.initiative(initiative["id"])["supporter_count"] == 2
        world.ok("PUT", f"/issues/{issue_id}/interest", "A")
        assert world.step() == []
        assert world.initiative(initiative["id"])["supporter_count"] == 1
        assert world.step(DAY) == ["verification"]
        assert world.step(DAY) == ["voting"]
        m = world.members
        assert close(world, issue_id, initiative["id"], "B") == {m["B"]: 2}


def chain_of(
    world: World, who: str, viewer: str | None = None, **scope: int
) -> list[tuple[Any, ...]]:
    """(member name, valid, participation, overridden, in, out, disabled, loop) per row."""
    names = {v: k for k, v in world.members.items()}
    params = {"member_id": world.members[who], **scope}
    rows = world.ok("GET", "/delegation-chain", viewer or who, params=params)["items"]
    assert [r["index"] for r in rows] == list(range(len(rows)))
    return [
        (
            names[r["member_id"]],
            r["member_valid"],
            r["participation"],
            r["overridden"],
            r["scope_in"],
            r["scope_out"],
            r["disabled_out"],
            r["loop"],
        )
        for r in rows
    ]


class TestChainView:
    def test_unit_chain_marks_a_loop(self, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("B", "C")
        world.delegate("C", "B")
        assert chain_of(world, "A", unit_id=world.unit_id) == [
            ("A", True, None, False, None, "unit", False, None),
            ("B", True, None, False, "unit", "unit", False, "first"),
            ("C", True, None, False, "unit", "unit", False, "last"),
            ("B", True, None, False, "unit", "unit", False, "repetition"),
        ]

    def test_area_chain_marks_a_null_block_disabled(self, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("B", None, area_id=world.area_id)
        assert chain_of(world, "A", area_id=world.area_id) == [
            ("A", True, None, False, None, "unit", False, None),
            ("B", True, None, False, "unit", "area", True, None),
        ]
        assert chain_of(world, "A", unit_id=world.unit_id)[-1] == (
            "B",
            True,
            None,
            False,
            "unit",
            None,
            False,
            None,
        )

    def test_issue_chain_shows_interest_before_full_freeze(self, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("B", "C")
        initiative = world.propose("P")
        issue_id = initiative["issue_id"]
        world.ok("PUT", f"/issues/{issue_id}/interest", "B")
        rows = chain_of(world, "A", "D", issue_id=issue_id)
        assert [(r[0], r[2], r[3]) for r in rows] == [
            ("A", False, False),
            ("B", True, False),
            ("C", False, True),
        ]

    def test_from_full_freeze_only_the_member_sees_their_own_ballot(self, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("B", "C")
        issue_id, initiative_id = to_voting(world)
        for who in "AB":
            assert world.vote(who, issue_id, {initiative_id: 1}).status_code == 200
        own = chain_of(world, "A", issue_id=issue_id)
        assert [(r[0], r[2]) for r in own] == [("A", True), ("B", None), ("C", None)]
        assert own[1][3] is True  # the rest is overridden by A's own ballot
        # Asked by someone else, nobody's ballot shows, and B's ballot does not cut the chain.
        other = chain_of(world, "A", "D", issue_id=issue_id)
        assert [(r[0], r[2]) for r in other] == [("A", None), ("B", None), ("C", None)]
        not_voted = chain_of(world, "D", issue_id=issue_id)
        assert [(r[0], r[2]) for r in not_voted] == [("D", False)]

    def test_finished_issue_replays_the_stored_chain(self, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("B", "C", area_id=world.area_id)
        issue_id, initiative_id = to_voting(world)
        close(world, issue_id, initiative_id, "C")
        # Later changes of the live delegations do not touch the replay.
        world.delegate("A", "D")
        world.delegate("B", None, area_id=world.area_id)
        assert chain_of(world, "A", "D", issue_id=issue_id) == [
            ("A", True, False, None, None, "unit", None, None),
            ("B", True, False, None, "unit", "area", None, None),
            ("C", True, True, None, "area", None, None, None),
        ]
        assert chain_of(world, "E", issue_id=issue_id) == [
            ("E", True, False, None, None, None, None, None)
        ]

    def test_canceled_issue_shows_current_delegations_without_participation(
        self, world: World
    ) -> None:
        world.delegate("A", "B")
        initiative = world.propose("P")
        world.ok("PUT", f"/issues/{initiative['issue_id']}/interest", "B")
        path = f"/api/v1/issues/{initiative['issue_id']}/cancel"
        assert world.client.post(path, headers=world.admin).status_code == 200
        rows = chain_of(world, "A", issue_id=initiative["issue_id"])
        assert [(r[0], r[2]) for r in rows] == [("A", None), ("B", None)]

    def test_needs_exactly_one_scope_and_known_ids(self, world: World) -> None:
        params: dict[str, Any] = {"member_id": world.id("A")}
        assert world.status("GET", "/delegation-chain", "A", params=params) == 422
        both = {**params, "unit_id": world.unit_id, "area_id": world.area_id}
        assert world.status("GET", "/delegation-chain", "A", params=both) == 422
        unknown = {**params, "issue_id": 999999}
        assert world.status("GET", "/delegation-chain", "A", params=unknown) == 404
        stranger = {"member_id": 999999, "unit_id": world.unit_id}
        assert world.status("GET", "/delegation-chain", "A", params=stranger) == 404


class TestSetDelegationErrors:
    def put(self, world: World, who: str, **body: Any) -> int:
        return world.status("PUT", "/delegations", who, json=body)

    def test_refusals(self, world: World, db: Database) -> None:
        unit = {"unit_id": world.unit_id}
        assert self.put(world, "A", trustee_id=world.id("A"), **unit) == 422
        assert self.put(world, "A", trustee_id=None, **unit) == 422
        assert self.put(world, "A", trustee_id=999999, **unit) == 404
        assert self.put(world, "A", trustee_id=world.id("B"), unit_id=999999) == 404
        assert self.put(world, "A", trustee_id=world.id("B"), **unit, area_id=world.area_id) == 422
        outsider = make_member(db, name="no-rights")
        world.headers["outsider"] = bearer(make_token(db, outsider))
        assert self.put(world, "outsider", trustee_id=world.id("B"), **unit) == 403
        assert world.all_items("/delegations", truster_id=world.id("A")) == []

    def test_issue_delegation_refused_once_closed(self, world: World) -> None:
        initiative = world.propose("P")
        issue_id = initiative["issue_id"]
        delegation = world.delegate("A", "B", issue_id=issue_id)
        path = f"/api/v1/issues/{issue_id}/cancel"
        assert world.client.post(path, headers=world.admin).status_code == 200
        assert self.put(world, "A", trustee_id=world.id("C"), issue_id=issue_id) == 409
        assert world.status("DELETE", f"/delegations/{delegation['id']}", "A") == 409

    def test_replacing_keeps_one_delegation_per_scope(self, world: World) -> None:
        first = world.delegate("A", "B")
        second = world.delegate("A", "C")
        assert second["id"] == first["id"] and second["trustee_id"] == world.id("C")
        assert second["scope"] == "unit" and second["area_id"] is None
        mine = world.all_items("/delegations", truster_id=world.id("A"))
        assert [d["trustee_id"] for d in mine] == [world.id("C")]

    def test_only_the_truster_deletes(self, world: World) -> None:
        delegation = world.delegate("A", "B")
        assert world.status("DELETE", f"/delegations/{delegation['id']}", "B") == 403
        assert world.status("DELETE", f"/delegations/{delegation['id']}", "A") == 204
        assert world.status("DELETE", f"/delegations/{delegation['id']}", "A") == 404
