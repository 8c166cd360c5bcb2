"""Ballots while voting, and the stored results of a closed issue (DESIGN.md §4, API.md)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals import lifecycle
from proposals.clock import FrozenClock
from proposals.errors import Conflict
from proposals.graphs import load_unit_arrays
from proposals.models import Member
from proposals.services.issues import lock_issue
from tests.api.world import ALL_SCOPES, DAY, World, build_world
from tests.factories import bearer, make_member, make_token, row_counts

RESULTS = ("voters", "delegating-voters", "votes", "battles")


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDEFG"))


def two_in_voting(world: World) -> tuple[int, int, int]:
    """Two admitted initiatives in voting: (issue id, first, second)."""
    first = world.propose("A", "First")
    issue_id = first["issue_id"]
    second = world.propose("B", "Second", issue_id=issue_id)
    world.support("A", first["id"])
    world.support("B", second["id"])
    world.to_voting(issue_id)
    return issue_id, first["id"], second["id"]


def ballot(world: World, who: str, issue_id: int) -> Any:
    return world.call("GET", f"/issues/{issue_id}/ballot", who)


class TestCastBallot:
    def test_cast_read_and_replace(self, world: World) -> None:
        issue_id, first, second = two_in_voting(world)
        response = world.vote("C", issue_id, {first: 2, second: -1})
        assert response.status_code == 200, response.text
        assert response.json()["votes"] == [
            {"initiative_id": first, "grade": 2},
            {"initiative_id": second, "grade": -1},
        ]
        assert world.vote("C", issue_id, {second: 1}).status_code == 200
        mine = ballot(world, "C", issue_id).json()
        assert mine["member_id"] == world.id("C")
        assert mine["votes"] == [{"initiative_id": second, "grade": 1}]
        assert world.step(DAY) == ["finished_with_winner"]
        votes = world.all_items(f"/issues/{issue_id}/votes")
        assert [(v["initiative_id"], v["grade"]) for v in votes] == [(second, 1)]
        assert world.initiative(second)["winner"] is True

    def test_withdrawn_ballot_is_not_counted(self, world: World) -> None:
        issue_id, first, _ = two_in_voting(world)
        assert world.vote("C", issue_id, {first: 1}).status_code == 200
        assert world.status("DELETE", f"/issues/{issue_id}/ballot", "C") == 204
        assert ballot(world, "C", issue_id).status_code == 404
        assert world.vote("D", issue_id, {first: -1}).status_code == 200
        assert world.step(DAY) == ["finished_without_winner"]
        assert world.voters(issue_id) == {world.id("D"): 1}

    def test_all_zero_ballot_makes_a_direct_voter_and_cuts_the_delegation(
        self, world: World
    ) -> None:
        world.delegate("C", "D")
        issue_id, first, _ = two_in_voting(world)
        assert world.vote("C", issue_id, {}).status_code == 200
        assert world.vote("D", issue_id, {first: 1}).status_code == 200
        assert world.step(DAY) == ["finished_with_winner"]
        assert world.voters(issue_id) == {world.id("C"): 1, world.id("D"): 1}
        assert world.issue(issue_id)["voter_count"] == 2

    def test_outside_voting_is_a_conflict(self, world: World) -> None:
        initiative = world.propose("A")
        issue_id = initiative["issue_id"]
        world.support("A", initiative["id"])
        assert world.vote("A", issue_id, {}).status_code == 409  # admission
        assert world.step() == ["discussion"]
        assert world.vote("A", issue_id, {}).status_code == 409
        assert world.step(DAY) == ["verification"]
        assert world.vote("A", issue_id, {}).status_code == 409
        assert world.status("DELETE", f"/issues/{issue_id}/ballot", "A") == 409
        assert world.step(DAY) == ["voting"]
        assert world.vote("A", issue_id, {initiative["id"]: 1}).status_code == 200
        assert world.step(DAY) == ["finished_with_winner"]
        assert world.vote("A", issue_id, {initiative["id"]: -1}).status_code == 409
        assert world.status("DELETE", f"/issues/{issue_id}/ballot", "A") == 409
        assert world.all_items(f"/issues/{issue_id}/votes")[0]["grade"] == 1

    def test_naming_an_initiative_not_admitted_here_is_invalid(self, world: World) -> None:
        issue_id, first, _ = two_in_voting(world)
        late = world.propose("C", "Late")  # another issue, in admission
        for votes in ({late["id"]: 1}, {999999: 1}, {first: 1, late["id"]: 0}):
            response = world.vote("C", issue_id, votes)
            assert response.status_code == 422, votes
            assert isinstance(response.json()["detail"], str)
        response = world.call(
            "PUT",
            f"/issues/{issue_id}/ballot",
            "C",
            json={"votes": [{"initiative_id": first, "grade": 1}] * 2},
        )
        assert response.status_code == 422
        assert ballot(world, "C", issue_id).status_code == 404

    def test_not_eligible_or_without_vote_scope_is_forbidden(
        self, world: World, db: Database
    ) -> None:
        issue_id, first, _ = two_in_voting(world)
        outsider = make_member(db, name="outsider")
        world.headers["outsider"] = bearer(make_token(db, outsider, scopes=ALL_SCOPES))
        assert world.vote("outsider", issue_id, {first: 1}).status_code == 403
        with db.session() as session:
            member = session.get(Member, world.id("C"))
            assert member is not None
        world.headers["C-no-vote"] = bearer(make_token(db, member, scopes=["read", "write"]))
        assert world.vote("C-no-vote", issue_id, {first: 1}).status_code == 403
        assert world.vote("C", 999999, {first: 1}).status_code == 404
        assert ballot(world, "C", issue_id).status_code == 404


def closed_with_delegations(world: World) -> tuple[int, int, int]:
    """A closed issue: E→D→C, F→A, G→F; A, B, C and D vote."""
    for truster, trustee in ("ED", "DC", "FA", "GF"):
        world.delegate(truster, trustee)
    issue_id, first, second = two_in_voting(world)
    for who, grades in {
        "A": {first: 2, second: 1},
        "B": {second: 1},
        "C": {first: 1, second: -1},
    }.items():
        assert world.vote(who, issue_id, grades).status_code == 200
    assert world.step(DAY) == ["finished_with_winner"]
    return issue_id, first, second


class TestResults:
    def test_voter_weights_sum_to_the_voter_count(self, world: World) -> None:
        issue_id, _, _ = closed_with_delegations(world)
        voters = world.voters(issue_id)
        m = world.members
        assert voters == {m["A"]: 3, m["B"]: 1, m["C"]: 3}
        assert sum(voters.values()) == world.issue(issue_id)["voter_count"] == 7

    def test_every_delegating_chain_ends_at_a_direct_voter(self, world: World) -> None:
        issue_id, _, _ = closed_with_delegations(world)
        voters = world.voters(issue_id)
        delegating = world.all_items(f"/issues/{issue_id}/delegating-voters")
        assert len(delegating) == 4
        for row in delegating:
            chain = row["delegate_member_ids"]
            assert chain and chain[-1] in voters, row
            assert all(m not in voters for m in chain[:-1]), row
            assert row["member_id"] not in voters
        assert sum(voters.values()) == len(voters) + len(delegating)

    def test_battles_hold_every_ordered_pair_with_zeros(self, world: World) -> None:
        issue_id, first, second = closed_with_delegations(world)
        battles = {
            (b["winning_initiative_id"], b["losing_initiative_id"]): b["count"]
            for b in world.all_items(f"/issues/{issue_id}/battles")
        }
        assert battles == {
            (first, None): 6,  # A (3) and C (3) approve First
            (None, first): 0,
            (second, None): 4,  # A (3) and B (1)
            (None, second): 3,  # C (3)
            (first, second): 6,  # A and C
            (second, first): 1,  # B
        }
        assert world.initiative(first)["positive_votes"] == 6
        assert world.initiative(second)["negative_votes"] == 3

    def test_first_preference_votes(self, world: World) -> None:
        issue_id, first, second = closed_with_delegations(world)
        assert world.initiative(first)["first_preference_votes"] == 6
        assert world.initiative(second)["first_preference_votes"] == 1
        assert world.initiative(first)["winner"] is True
        assert world.issue(issue_id)["status_quo_schulze_rank"] == 3

    def test_results_are_a_conflict_while_open(self, world: World) -> None:
        initiative = world.propose("A")
        issue_id = initiative["issue_id"]
        world.support("A", initiative["id"])
        for state, wait in (("admission", 0), ("discussion", DAY), ("verification", DAY)):
            assert world.issue(issue_id)["state"] == state
            for name in RESULTS:
                assert world.status("GET", f"/issues/{issue_id}/{name}", "A") == 409, name
            assert len(world.step(wait)) == 1
        assert world.issue(issue_id)["state"] == "voting"
        for name in RESULTS:
            assert world.status("GET", f"/issues/{issue_id}/{name}", "A") == 409, name

    def test_canceled_issue_has_empty_results(self, world: World) -> None:
        initiative = world.propose("A")
        issue_id = initiative["issue_id"]
        assert world.client.post(
            f"/api/v1/issues/{issue_id}/cancel", headers=world.admin
        ).is_success
        for name in RESULTS:
            page = world.ok("GET", f"/issues/{issue_id}/{name}", "A")
            assert page == {"items": [], "next_cursor": None}, name

    def test_unknown_issue_is_404(self, world: World) -> None:
        for name in RESULTS:
            assert world.status("GET", f"/issues/999999/{name}", "A") == 404

    def test_results_paginate(self, world: World) -> None:
        issue_id, _, _ = closed_with_delegations(world)
        seen: list[tuple[Any, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 4, **({"cursor": cursor} if cursor else {})}
            page = world.ok("GET", f"/issues/{issue_id}/battles", params=params)
            seen += [(b["winning_initiative_id"], b["losing_initiative_id"]) for b in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 6


class TestStoredResultsNeverChange:
    def test_closing_again_is_refused_and_changes_nothing(self, world: World, db: Database) -> None:
        issue_id, _, _ = closed_with_delegations(world)
        before = row_counts(db)
        voters = world.voters(issue_id)
        with db.session() as session:
            issue = lock_issue(session, issue_id)
            unit = load_unit_arrays(session, issue.unit_id)
            with pytest.raises(Conflict):
                lifecycle.close_voting(session, issue, unit)
            session.rollback()
        # Even a forged state cannot make the service tally a closed issue a second time.
        with db.session() as session:
            issue = lock_issue(session, issue_id)
            unit = load_unit_arrays(session, issue.unit_id)
            issue.state = "voting"
            with pytest.raises(Conflict):
                lifecycle.close_voting(session, issue, unit)
            session.rollback()
        assert row_counts(db) == before
        assert world.voters(issue_id) == voters
        assert world.step(DAY) == []
        assert row_counts(db) == before

    def test_later_changes_do_not_touch_stored_results(self, world: World) -> None:
        issue_id, first, _ = closed_with_delegations(world)
        voters = world.voters(issue_id)
        delegating = world.all_items(f"/issues/{issue_id}/delegating-voters")
        world.delegate("E", "B")
        path = f"/api/v1/units/{world.unit_id}/privileges/{world.id('C')}"
        body = {"voting_right": False, "initiative_right": False}
        assert world.client.put(path, json=body, headers=world.admin).status_code == 200
        assert world.step(DAY) == []
        assert world.voters(issue_id) == voters
        assert world.all_items(f"/issues/{issue_id}/delegating-voters") == delegating
        assert world.initiative(first)["positive_votes"] == 6
