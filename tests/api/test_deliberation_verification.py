"""The freezes over HTTP: what verification and voting refuse, and what they still allow
(DESIGN.md §2)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import DAY, World, build_world


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDEF"))


def frozen(world: World, phase: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """An initiative of A (supported by A and B) with an open amendment by B, in ``phase``."""
    initiative = world.propose("A")
    world.support("A", initiative["id"])
    world.support("B", initiative["id"])
    world.ok(
        "POST",
        f"/initiatives/{initiative['id']}/initiators",
        "A",
        json={"member_id": world.id("F")},
    )
    assert world.step() == ["discussion"]
    suggestion = world.suggest("B", initiative["id"], degree=1, replacement_content="Better")
    assert world.step(DAY) == ["verification"]
    if phase == "voting":
        assert world.step(DAY) == ["voting"]
    return initiative, suggestion


Write = tuple[str, str, str, dict[str, Any] | None]


def initiative_writes(
    world: World, initiative: dict[str, Any], suggestion: dict[str, Any]
) -> list[Write]:
    """Writes of initiators and members that the half freeze ends: (who, method, path, body)."""
    base = f"/initiatives/{initiative['id']}"
    return [
        ("A", "POST", f"{base}/drafts", {"content": "Too late"}),
        ("A", "POST", f"{base}/revoke", None),
        ("A", "POST", f"{base}/initiators", {"member_id": world.id("C")}),
        ("C", "POST", f"{base}/suggestions", {"name": "n", "content": "c"}),
        ("A", "POST", f"/suggestions/{suggestion['id']}/accept", None),
        ("A", "POST", f"/suggestions/{suggestion['id']}/reject", {"reason": "No"}),
    ]


class TestVerification:
    def test_draft_changes_revocation_and_new_suggestions_are_refused(self, world: World) -> None:
        initiative, suggestion = frozen(world, "verification")
        for who, method, path, body in initiative_writes(world, initiative, suggestion):
            assert world.status(method, path, who, json=body) == 409, path
        assert len(world.all_items(f"/initiatives/{initiative['id']}/drafts")) == 1
        refreshed = world.initiative(initiative["id"])
        assert refreshed["revoked_at"] is None
        assert world.ok("GET", f"/suggestions/{suggestion['id']}")["status"] == "open"

    def test_non_initiator_is_refused_before_the_phase(self, world: World) -> None:
        initiative, _ = frozen(world, "verification")
        path = f"/initiatives/{initiative['id']}/drafts"
        assert world.status("POST", path, "C", json={"content": "x"}) == 403

    def test_competing_initiative_is_still_allowed(self, world: World) -> None:
        initiative, _ = frozen(world, "verification")
        competing = world.propose("C", "Alternative", issue_id=initiative["issue_id"])
        assert competing["issue_id"] == initiative["issue_id"]
        world.support("C", competing["id"])
        assert world.step(DAY) == ["voting"]
        assert world.initiative(competing["id"])["admitted"] is True

    def test_support_interest_and_opinions_are_still_allowed(self, world: World) -> None:
        initiative, suggestion = frozen(world, "verification")
        world.support("C", initiative["id"])
        world.rate("C", suggestion["id"], 2, False)
        world.ok("PUT", f"/issues/{initiative['issue_id']}/interest", "D")
        assert world.step() == []
        counts = world.initiative(initiative["id"])
        assert (counts["supporter_count"], counts["satisfied_supporter_count"]) == (3, 2)


class TestVoting:
    def test_from_full_freeze_no_participation_changes(self, world: World) -> None:
        initiative, suggestion = frozen(world, "voting")
        issue_id = initiative["issue_id"]
        for who, method, path, body in [
            *initiative_writes(world, initiative, suggestion),
            ("C", "PUT", f"/initiatives/{initiative['id']}/support", None),
            ("B", "DELETE", f"/initiatives/{initiative['id']}/support", None),
            ("C", "PUT", f"/issues/{issue_id}/interest", None),
            ("B", "DELETE", f"/issues/{issue_id}/interest", None),
            (
                "C",
                "PUT",
                f"/suggestions/{suggestion['id']}/opinion",
                {"degree": 1, "fulfilled": True},
            ),
            ("B", "DELETE", f"/suggestions/{suggestion['id']}/opinion", None),
            ("C", "POST", "/initiatives", {"issue_id": issue_id, "name": "n", "content": "c"}),
        ]:
            assert world.status(method, path, who, json=body) == 409, (method, path)
        assert world.initiative(initiative["id"])["supporter_count"] == 2

    def test_closed_issue_refuses_new_initiatives(self, world: World) -> None:
        initiative, _ = frozen(world, "voting")
        assert world.step(DAY) == ["finished_without_winner"]
        body = {"issue_id": initiative["issue_id"], "name": "n", "content": "c"}
        assert world.status("POST", "/initiatives", "C", json=body) == 409
