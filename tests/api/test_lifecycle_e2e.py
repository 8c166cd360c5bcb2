"""An issue through its whole life, over HTTP (DESIGN.md §2, §4)."""

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import DAY, World, build_world
from tests.factories import NOW


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

    def test_min_admission_time_holds_and_the_last_snapshot_decides(
        self, client: TestClient, db: Database, clock: FrozenClock
    ) -> None:
        world = build_world(
            client, db, clock, list("ABCD"), min_admission_time=DAY, max_admission_time=3 * DAY
        )
        initiative = world.propose("A")
        for who in "AB":
            world.support(who, initiative["id"])
        assert world.step(DAY - 1) == []  # quorum reached, but too early
        assert world.initiative(initiative["id"])["supporter_count"] == 2
        world.ok("DELETE", f"/initiatives/{initiative['id']}/support", "B")
        world.ok("DELETE", f"/initiatives/{initiative['id']}/support", "A")
        # The earlier snapshot had the quorum; the one of this run has not.
        assert world.step(1) == []
        world.support("C", initiative["id"])
        assert world.step(DAY) == ["discussion"]

    def test_revoked_initiative_does_not_carry_the_quorum(self, world: World) -> None:
        first = world.propose("A")
        second = world.propose("B", issue_id=first["issue_id"])
        for who in "AB":
            world.support(who, first["id"])
        world.ok("POST", f"/initiatives/{first['id']}/revoke", "A")
        assert world.step() == []
        assert world.initiative(first["id"])["supporter_count"] == 2
        world.support("C", second["id"])
        world.support("D", second["id"])
        assert world.step() == ["discussion"]


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
        voters = {
            v["member_id"]: v["weight"] for v in world.all_items(f"/issues/{issue_id}/voters")
        }
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

    def test_to_finished_without_winner_when_everybody_disapproves(self, world: World) -> None:
        initiative = world.propose("A")
        issue_id = initiative["issue_id"]
        world.support("A", initiative["id"])
        world.support("B", initiative["id"])
        world.to_voting(issue_id)
        for who in "ABC":
            assert world.vote(who, issue_id, {initiative["id"]: -1}).status_code == 200
        assert world.step(DAY) == ["finished_without_winner"]
        issue = world.issue(issue_id)
        assert issue["voter_count"] == 3 and issue["status_quo_schulze_rank"] == 1
        loser = world.initiative(initiative["id"])
        assert loser["winner"] is False and loser["eligible"] is False
        assert (loser["positive_votes"], loser["negative_votes"]) == (0, 3)
        assert loser["rank"] == 1  # rank 1 does not imply winner
        battles = {
            (b["winning_initiative_id"], b["losing_initiative_id"]): b["count"]
            for b in world.all_items(f"/issues/{issue_id}/battles")
        }
        assert battles == {(None, initiative["id"]): 3, (initiative["id"], None): 0}

    def test_nobody_voting_finishes_without_winner(self, world: World) -> None:
        initiative = world.propose("A")
        world.support("A", initiative["id"])
        world.support("B", initiative["id"])
        world.to_voting(initiative["issue_id"])
        assert world.step(DAY) == ["finished_without_winner"]
        assert world.issue(initiative["issue_id"])["voter_count"] == 0
        assert world.all_items(f"/issues/{initiative['issue_id']}/voters") == []


class TestPhaseTiming:
    def test_zero_length_phases_pass_in_one_run(
        self, client: TestClient, db: Database, clock: FrozenClock
    ) -> None:
        world = build_world(
            client, db, clock, ["A", "B"], discussion_time=0, verification_time=0, voting_time=0
        )
        initiative = world.propose("A")
        world.support("A", initiative["id"])
        issue_id = initiative["issue_id"]
        assert world.run() == [
            {"issue_id": issue_id, "from": "admission", "to": "discussion"},
            {"issue_id": issue_id, "from": "discussion", "to": "verification"},
            {"issue_id": issue_id, "from": "verification", "to": "voting"},
            {"issue_id": issue_id, "from": "voting", "to": "finished_without_winner"},
        ]
        issue = world.issue(issue_id)
        stamps = {issue[k] for k in ("accepted_at", "half_frozen_at", "fully_frozen_at")}
        assert stamps == {issue["closed_at"]}
        assert world.initiative(initiative["id"])["admitted"] is True

    def test_a_late_run_does_not_skip_a_phase(self, world: World) -> None:
        initiative = world.propose("A")
        world.support("A", initiative["id"])
        world.support("B", initiative["id"])
        issue_id = initiative["issue_id"]
        assert world.step() == ["discussion"]
        # Three days late: discussion ends now, and verification is timed from now.
        assert world.step(3 * DAY) == ["verification"]
        issue = world.issue(issue_id)
        half_frozen = datetime.fromisoformat(issue["half_frozen_at"])
        assert half_frozen == NOW + timedelta(seconds=3 * DAY)
        assert datetime.fromisoformat(issue["phase_ends_at"]) == half_frozen + timedelta(days=1)
        assert world.step(DAY - 1) == []
        assert world.step(1) == ["voting"]

    def test_phase_ends_at_follows_the_phases(self, world: World) -> None:
        initiative = world.propose("A")
        world.support("A", initiative["id"])
        world.support("B", initiative["id"])
        issue_id = initiative["issue_id"]
        admission = world.issue(issue_id)
        assert admission["phase_ends_at"] is not None
        assert admission["population"] is None  # no snapshot yet
        world.to_voting(issue_id)
        voting = world.issue(issue_id)
        assert voting["phase_ends_at"] > voting["fully_frozen_at"]
        assert world.step(DAY) == ["finished_without_winner"]
        assert world.issue(issue_id)["phase_ends_at"] is None


class TestNoInitiativeAdmitted:
    def test_no_satisfied_supporter_at_full_freeze_cancels(self, world: World) -> None:
        initiative = world.propose("A")
        issue_id = initiative["issue_id"]
        world.support("A", initiative["id"])
        world.support("B", initiative["id"])
        assert world.step() == ["discussion"]
        suggestion = world.suggest("A", initiative["id"], degree=2)
        world.rate("B", suggestion["id"], -2, True)
        assert world.step(DAY) == ["verification"]
        assert world.initiative(initiative["id"])["satisfied_supporter_count"] == 0
        assert world.step(DAY) == ["canceled_no_initiative_admitted"]
        assert world.initiative(initiative["id"])["admitted"] is False
        issue = world.issue(issue_id)
        assert issue["closed_at"] is not None and issue["fully_frozen_at"] is None
        assert world.all_items(f"/issues/{issue_id}/voters") == []

    def test_only_initiatives_reaching_the_quorum_are_admitted(self, world: World) -> None:
        first = world.propose("A", "First")
        issue_id = first["issue_id"]
        second = world.propose("B", "Second", issue_id=issue_id)
        third = world.propose("C", "Third", issue_id=issue_id)
        for who in "AB":
            world.support(who, first["id"])
        world.support("C", second["id"])
        world.to_voting(issue_id)
        states = [world.initiative(i["id"])["admitted"] for i in (first, second, third)]
        assert states == [True, True, False]
        assert world.vote("A", issue_id, {third["id"]: 1}).status_code == 422


class TestAdminCancel:
    @pytest.mark.parametrize("phase", ["admission", "discussion", "verification", "voting"])
    def test_admin_cancels_an_open_issue_in_any_phase(self, world: World, phase: str) -> None:
        initiative = world.propose("A")
        issue_id = initiative["issue_id"]
        world.support("A", initiative["id"])
        world.support("B", initiative["id"])
        reached = ["admission"]
        while reached[-1] != phase:
            reached += world.step(0 if reached == ["admission"] else DAY)
        response = world.client.post(f"/api/v1/issues/{issue_id}/cancel", headers=world.admin)
        assert response.status_code == 200, response.text
        issue = response.json()
        assert issue["state"] == "canceled_by_admin" and issue["closed_at"] is not None
        assert issue["phase_ends_at"] is None
        assert world.initiative(initiative["id"])["admitted"] is (
            True if phase == "voting" else None
        )
        events = world.all_items("/events", issue_id=issue_id, type="issue_state_changed")
        assert [e["state"] for e in events] == [*reached[1:], "canceled_by_admin"]
        assert world.all_items(f"/issues/{issue_id}/voters") == []
        assert world.step(10 * DAY) == []

    def test_member_may_not_cancel(self, world: World) -> None:
        initiative = world.propose("A")
        assert world.status("POST", f"/issues/{initiative['issue_id']}/cancel", "A") == 403
        assert world.issue(initiative["issue_id"])["state"] == "admission"

    def test_closed_issue_cannot_be_canceled(self, world: World) -> None:
        initiative = world.propose("A")
        path = f"/api/v1/issues/{initiative['issue_id']}/cancel"
        assert world.client.post(path, headers=world.admin).status_code == 200
        assert world.client.post(path, headers=world.admin).status_code == 409
        assert (
            world.client.post("/api/v1/issues/999999/cancel", headers=world.admin).status_code
            == 404
        )
