"""Amendments [beyond LiquidFeedback]: accepting and rejecting suggestions (DESIGN.md §1)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import World, build_world

REPLACEMENT = "The complete new text,\nexactly as suggested.  "


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCD"))


def amended(world: World, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A's initiative (supported by A) with B's suggestion, in discussion."""
    initiative = world.propose("A")
    world.support("A", initiative["id"])
    assert world.step() == ["discussion"]
    fields.setdefault("replacement_content", REPLACEMENT)
    return initiative, world.suggest("B", initiative["id"], degree=2, **fields)


class TestAccept:
    def test_accepting_makes_the_replacement_the_current_draft(self, world: World) -> None:
        initiative, suggestion = amended(world)
        response = world.call("POST", f"/suggestions/{suggestion['id']}/accept", "A")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "accepted"
        assert world.ok("GET", f"/suggestions/{suggestion['id']}")["status"] == "accepted"
        current = world.initiative(initiative["id"])["current_draft_id"]
        assert current != initiative["current_draft_id"]
        draft = world.ok("GET", f"/drafts/{current}")
        assert draft["content"] == REPLACEMENT and draft["author_id"] == world.id("A")
        events = world.all_items("/events", initiative_id=initiative["id"])
        later = [e for e in events if e["type"] in ("draft_created", "suggestion_accepted")]
        assert [(e["type"], e["draft_id"], e["suggestion_id"]) for e in later] == [
            ("draft_created", current, None),
            ("suggestion_accepted", None, suggestion["id"]),
        ]

    def test_accepting_changes_nobodys_opinion(self, world: World) -> None:
        initiative, suggestion = amended(world)
        world.ok("POST", f"/suggestions/{suggestion['id']}/accept", "A")
        opinions = world.all_items(f"/suggestions/{suggestion['id']}/opinions")
        assert [(o["member_id"], o["degree"], o["fulfilled"]) for o in opinions] == [
            (world.id("B"), 2, False)
        ]
        assert world.step() == []
        counts = world.initiative(initiative["id"])
        # B is still unsatisfied and, with A, now uninformed: both saw the old draft.
        assert counts["supporter_count"] == 2
        assert counts["satisfied_supporter_count"] == 1
        assert counts["informed_supporter_count"] == 0

    def test_without_replacement_text_is_a_conflict(self, world: World) -> None:
        initiative, suggestion = amended(world, replacement_content=None)
        assert world.status("POST", f"/suggestions/{suggestion['id']}/accept", "A") == 409
        assert (
            world.initiative(initiative["id"])["current_draft_id"]
            == (initiative["current_draft_id"])
        )
        assert world.ok("GET", f"/suggestions/{suggestion['id']}")["status"] == "open"

    def test_non_initiator_is_refused(self, world: World) -> None:
        _, suggestion = amended(world)
        for who in "BC":
            assert world.status("POST", f"/suggestions/{suggestion['id']}/accept", who) == 403
            path = f"/suggestions/{suggestion['id']}/reject"
            assert world.status("POST", path, who, json={"reason": "no"}) == 403

    def test_decided_suggestion_cannot_be_decided_again(self, world: World) -> None:
        _, suggestion = amended(world)
        world.ok("POST", f"/suggestions/{suggestion['id']}/accept", "A")
        assert world.status("POST", f"/suggestions/{suggestion['id']}/accept", "A") == 409
        path = f"/suggestions/{suggestion['id']}/reject"
        assert world.status("POST", path, "A", json={"reason": "no"}) == 409

    def test_unknown_suggestion_is_404(self, world: World) -> None:
        amended(world)
        assert world.status("POST", "/suggestions/999999/accept", "A") == 404


class TestReject:
    def test_reject_stores_the_reason_and_keeps_the_counts(self, world: World) -> None:
        initiative, suggestion = amended(world)
        path = f"/suggestions/{suggestion['id']}/reject"
        response = world.call("POST", path, "A", json={"reason": "Out of scope"})
        assert response.status_code == 200, response.text
        rejected = world.ok("GET", f"/suggestions/{suggestion['id']}")
        assert (rejected["status"], rejected["status_reason"]) == ("rejected", "Out of scope")
        assert (
            world.initiative(initiative["id"])["current_draft_id"]
            == (initiative["current_draft_id"])
        )
        assert world.step() == []
        assert world.ok("GET", f"/suggestions/{suggestion['id']}")["plus2_unfulfilled_count"] == 1
        assert world.initiative(initiative["id"])["satisfied_supporter_count"] == 1
        events = world.all_items("/events", type="suggestion_rejected")
        assert [(e["suggestion_id"], e["member_id"]) for e in events] == [
            (suggestion["id"], world.id("A"))
        ]

    def test_rejected_suggestion_stays_when_its_last_opinion_goes(self, world: World) -> None:
        _, suggestion = amended(world)
        world.ok("POST", f"/suggestions/{suggestion['id']}/reject", "A", json={"reason": "No"})
        world.ok("DELETE", f"/suggestions/{suggestion['id']}/opinion", "B")
        assert world.ok("GET", f"/suggestions/{suggestion['id']}")["status"] == "rejected"

    def test_reject_needs_a_reason(self, world: World) -> None:
        _, suggestion = amended(world)
        path = f"/suggestions/{suggestion['id']}/reject"
        for body in (None, {}, {"reason": ""}):
            assert world.status("POST", path, "A", json=body) == 422, body
        assert world.ok("GET", f"/suggestions/{suggestion['id']}")["status"] == "open"
