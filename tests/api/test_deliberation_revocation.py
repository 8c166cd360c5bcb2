"""Revoking initiatives over HTTP, and the cancellations it leads to (DESIGN.md §2.5)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import DAY, World, build_world

HOUR = 3600


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCD"))


def revoke(world: World, who: str, initiative_id: int, **body: Any) -> Any:
    return world.call("POST", f"/initiatives/{initiative_id}/revoke", who, json=body or None)


class TestRevokeEndpoint:
    def test_initiator_revokes_pointing_to_another_initiative(self, world: World) -> None:
        first = world.propose("A")
        second = world.propose("B", issue_id=first["issue_id"])
        response = revoke(world, "A", first["id"], suggested_initiative_id=second["id"])
        assert response.status_code == 200, response.text
        revoked = response.json()
        assert revoked["revoked_at"] is not None
        assert revoked["suggested_initiative_id"] == second["id"]
        events = world.all_items("/events", type="initiative_revoked", issue_id=first["issue_id"])
        assert [(e["initiative_id"], e["member_id"]) for e in events] == [
            (first["id"], world.id("A"))
        ]

    def test_suggested_initiative_must_be_another_live_one_of_the_issue(self, world: World) -> None:
        first = world.propose("A")
        revoked = world.propose("B", issue_id=first["issue_id"])
        assert revoke(world, "B", revoked["id"]).status_code == 200
        elsewhere = world.propose("C")
        for bad in (first["id"], revoked["id"], elsewhere["id"], 999999):
            response = revoke(world, "A", first["id"], suggested_initiative_id=bad)
            assert response.status_code == 422, bad
            assert isinstance(response.json()["detail"], str)
        assert world.initiative(first["id"])["revoked_at"] is None

    def test_non_initiator_is_refused_and_twice_is_a_conflict(self, world: World) -> None:
        initiative = world.propose("A")
        assert revoke(world, "B", initiative["id"]).status_code == 403
        assert revoke(world, "A", initiative["id"]).status_code == 200
        assert revoke(world, "A", initiative["id"]).status_code == 409

    def test_revoked_initiative_never_admitted_while_the_issue_runs_on(self, world: World) -> None:
        first = world.propose("A")
        second = world.propose("B", issue_id=first["issue_id"])
        for who in "AB":
            world.support(who, first["id"])
            world.support(who, second["id"])
        assert world.step() == ["discussion"]
        assert revoke(world, "A", first["id"]).status_code == 200
        assert world.step(DAY) == ["verification"]
        assert world.step(DAY) == ["voting"]
        assert world.initiative(first["id"])["admitted"] is None
        assert world.initiative(second["id"])["admitted"] is True
        assert world.vote("A", first["issue_id"], {first["id"]: 1}).status_code == 422


class TestRevokedBeforeAccepted:
    def test_all_revoked_in_admission_cancels_on_the_next_run(self, world: World) -> None:
        initiative = world.propose("A")
        for who in "AB":
            world.support(who, initiative["id"])
        assert revoke(world, "A", initiative["id"]).status_code == 200
        # Checked before any transition: the quorum it had does not matter.
        assert world.run() == [
            {
                "issue_id": initiative["issue_id"],
                "from": "admission",
                "to": "canceled_revoked_before_accepted",
            }
        ]
        assert world.initiative(initiative["id"])["admitted"] is None

    def test_one_live_initiative_keeps_the_issue(self, world: World) -> None:
        first = world.propose("A")
        world.propose("B", issue_id=first["issue_id"])
        assert revoke(world, "A", first["id"]).status_code == 200
        assert world.step() == []
        assert world.issue(first["issue_id"])["state"] == "admission"


class TestRevokedDuringDiscussion:
    def test_cancels_once_the_newest_revocation_is_older_than_verification_time(
        self, client: TestClient, db: Database, clock: FrozenClock
    ) -> None:
        world = build_world(client, db, clock, ["A", "B"], discussion_time=5 * DAY)
        first = world.propose("A")
        second = world.propose("B", issue_id=first["issue_id"])
        world.support("A", first["id"])
        assert world.step() == ["discussion"]
        assert revoke(world, "A", first["id"]).status_code == 200
        assert world.step(DAY) == []  # B's initiative is still alive
        assert revoke(world, "B", second["id"]).status_code == 200
        assert world.step(DAY - 1) == []
        assert world.step(1) == ["canceled_after_revocation_during_discussion"]
        issue = world.issue(first["issue_id"])
        assert issue["half_frozen_at"] is None and issue["closed_at"] is not None

    def test_a_replacement_initiative_rescues_the_issue(
        self, client: TestClient, db: Database, clock: FrozenClock
    ) -> None:
        world = build_world(client, db, clock, ["A", "B"], discussion_time=5 * DAY)
        first = world.propose("A")
        world.support("A", first["id"])
        assert world.step() == ["discussion"]
        assert revoke(world, "A", first["id"]).status_code == 200
        world.clock.advance(DAY - 1)
        replacement = world.propose("B", issue_id=first["issue_id"])
        assert replacement["issue_id"] == first["issue_id"]
        assert world.step(1) == []
        assert world.issue(first["issue_id"])["state"] == "discussion"


class TestRevokedDuringVerification:
    def test_cancels_when_the_revocation_is_old_enough_in_verification(self, world: World) -> None:
        initiative = world.propose("A")
        world.support("A", initiative["id"])
        assert world.step() == ["discussion"]
        world.clock.advance(DAY - HOUR)
        assert revoke(world, "A", initiative["id"]).status_code == 200
        assert world.step(HOUR) == ["verification"]
        assert world.step(DAY - HOUR - 1) == []
        assert world.step(1) == ["canceled_after_revocation_during_verification"]

    def test_zero_verification_time_cancels_in_discussion_on_the_next_run(
        self, client: TestClient, db: Database, clock: FrozenClock
    ) -> None:
        world = build_world(client, db, clock, ["A", "B"], verification_time=0)
        initiative = world.propose("A")
        world.support("A", initiative["id"])
        assert world.step() == ["discussion"]
        world.clock.advance(DAY - HOUR)
        assert revoke(world, "A", initiative["id"]).status_code == 200
        assert world.step(HOUR) == ["canceled_after_revocation_during_discussion"]

    def test_late_run_in_verification_cancels_instead_of_voting(self, world: World) -> None:
        first = world.propose("A")
        world.support("A", first["id"])
        assert world.step() == ["discussion"]
        world.clock.advance(DAY - HOUR)
        assert revoke(world, "A", first["id"]).status_code == 200
        assert world.step(HOUR) == ["verification"]
        assert world.step(5 * DAY) == ["canceled_after_revocation_during_verification"]
        assert world.initiative(first["id"])["admitted"] is None
