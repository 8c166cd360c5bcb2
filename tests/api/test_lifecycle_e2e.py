"""An issue through its whole life, over HTTP (DESIGN.md §2, §4)."""

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import DAY, World, build_world


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDEFGH"), issue_quorum_num=1, issue_quorum_den=4)


class TestAdmission:
    def test_quorum_reached_with_delegated_weight(self, world: World) -> None:
        initiative = world.propose("A")
        issue_id = initiative["issue_id"]
        world.ok("PUT", f"/initiatives/{initiative['id']}/support", "A")
        # population 8, quorum 1/4: A alone (1) is short of 2.
        assert world.run() == []
        assert world.initiative(initiative["id"])["supporter_count"] == 1
        assert world.issue(issue_id)["population"] == 8
        world.delegate("B", "A")
        assert world.run() == [{"issue_id": issue_id, "from": "admission", "to": "discussion"}]
        assert world.initiative(initiative["id"])["supporter_count"] == 2
        issue = world.issue(issue_id)
        assert issue["state"] == "discussion" and issue["accepted_at"] is not None

    def test_quorum_not_reached_cancels_after_max_admission_time(self, world: World) -> None:
        initiative = world.propose("A")
        world.ok("PUT", f"/initiatives/{initiative['id']}/support", "A")
        world.clock.advance(DAY - 1)
        assert world.run() == []
        world.clock.advance(1)
        assert world.run() == [
            {
                "issue_id": initiative["issue_id"],
                "from": "admission",
                "to": "canceled_issue_not_accepted",
            }
        ]
        issue = world.issue(initiative["issue_id"])
        assert issue["closed_at"] is not None and issue["phase_ends_at"] is None


class TestFullLife:
    def test_to_finished_with_winner(self, world: World) -> None:
        first = world.propose("A", "First")
        issue_id = first["issue_id"]
        second = world.propose("B", "Second", issue_id=issue_id)
        for who in "ABC":
            world.ok("PUT", f"/initiatives/{first['id']}/support", who)
        world.ok("PUT", f"/initiatives/{second['id']}/support", "B")
        world.delegate("D", "C")
        assert [t["to"] for t in world.run()] == ["discussion"]
        world.clock.advance(DAY)
        assert [t["to"] for t in world.run()] == ["verification"]
        world.clock.advance(DAY)
        assert [t["to"] for t in world.run()] == ["voting"]
        assert world.initiative(first["id"])["admitted"] is True
        assert world.initiative(second["id"])["admitted"] is True
        assert world.vote("A", issue_id, {first["id"]: 2, second["id"]: 1}).status_code == 200
        assert world.vote("C", issue_id, {first["id"]: 1, second["id"]: -1}).status_code == 200
        assert world.vote("B", issue_id, {second["id"]: 1}).status_code == 200
        world.clock.advance(DAY)
        assert [t["to"] for t in world.run()] == ["finished_with_winner"]
        issue = world.issue(issue_id)
        assert issue["voter_count"] == 4  # A, B, C and D through C
        winner = world.initiative(first["id"])
        assert winner["winner"] is True and winner["rank"] == 1
        voters = {v["member_id"]: v["weight"] for v in world.all_items(f"/issues/{issue_id}/voters")}
        assert voters == {world.members["A"]: 1, world.members["B"]: 1, world.members["C"]: 2}
        assert sum(voters.values()) == issue["voter_count"]
        delegating = world.all_items(f"/issues/{issue_id}/delegating-voters")
        assert delegating == [
            {
                "member_id": world.members["D"],
                "weight": 1,
                "scope": "unit",
                "delegate_member_ids": [world.members["C"]],
            }
        ]
        battles = world.all_items(f"/issues/{issue_id}/battles")
        assert len(battles) == 6  # 3 candidates: every ordered pair
        assert len(world.all_items(f"/issues/{issue_id}/votes")) == 5
