"""A delegate may decline a delegation (issue 12, item 5): who may, what changes, who is told."""

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from proposals.services.notifications import fan_out_pending
from tests.api.test_delegation_effects import close, delegating, to_voting
from tests.api.world import World, build_world
from tests.factories import bearer, make_member, make_token


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDP"))


def decline(world: World, who: str, delegation_id: int) -> Any:
    return world.call("POST", f"/delegations/{delegation_id}/decline", who)


class TestWhoMayDecline:
    def test_the_trustee_declines_once(self, world: World) -> None:
        delegation = world.delegate("A", "B")
        assert delegation["declined"] is False and delegation["declined_at"] is None
        world.clock.advance(60)
        response = decline(world, "B", delegation["id"])
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["id"] == delegation["id"]
        assert body["declined"] is True
        assert datetime.fromisoformat(body["declined_at"]) == world.clock()
        again = decline(world, "B", delegation["id"])
        assert again.status_code == 409
        assert "detail" in again.json()

    @pytest.mark.parametrize("who", ["A", "C"])
    def test_nobody_else_may_decline(self, world: World, who: str) -> None:
        delegation = world.delegate("A", "B")
        assert decline(world, who, delegation["id"]).status_code == 403
        assert (
            world.ok("GET", "/delegations", "A", params={"truster_id": world.id("A")})["items"][0][
                "declined"
            ]
            is False
        )

    def test_a_block_cannot_be_declined(self, world: World) -> None:
        block = world.delegate("A", None, area_id=world.area_id)
        assert decline(world, "B", block["id"]).status_code == 403

    def test_an_unknown_delegation_is_404(self, world: World) -> None:
        assert decline(world, "B", 999_999).status_code == 404

    def test_needs_the_delegate_scope(self, world: World, db: Database) -> None:
        delegation = world.delegate("A", "B")
        member = make_member(db, name="reader")
        token = make_token(db, member, scopes=["read"])
        response = world.client.post(
            f"/api/v1/delegations/{delegation['id']}/decline", headers=bearer(token)
        )
        assert response.status_code in (401, 403)
        assert world.status("POST", f"/delegations/{delegation['id']}/decline") == 401

    def test_an_issue_delegation_of_a_closed_issue_cannot_be_declined(self, world: World) -> None:
        issue_id, initiative_id = to_voting(world)
        delegation = world.delegate("A", "B", issue_id=issue_id)
        close(world, issue_id, initiative_id, "P")
        assert decline(world, "B", delegation["id"]).status_code == 409

    def test_a_replaced_delegation_is_a_new_question(self, world: World) -> None:
        """The truster's new delegation to someone else: the old id no longer exists (404)."""
        delegation = world.delegate("A", "B")
        renewed = world.delegate("A", "C")
        assert renewed["id"] == delegation["id"]  # replaced in place, as before issue 12
        assert decline(world, "B", delegation["id"]).status_code == 403
        assert decline(world, "C", delegation["id"]).status_code == 200


class TestAfterDeclining:
    def test_put_by_the_truster_makes_a_fresh_undeclined_row(self, world: World) -> None:
        delegation = world.delegate("A", "B")
        world.delegate("C", "D")  # a later row: SQLite would hand the highest id out again
        decline(world, "B", delegation["id"])
        world.clock.advance(60)
        fresh = world.delegate("A", "B")
        assert fresh["id"] != delegation["id"]
        assert fresh["declined"] is False and fresh["declined_at"] is None
        assert datetime.fromisoformat(fresh["created_at"]) == world.clock()
        rows = world.all_items("/delegations", "A", truster_id=world.id("A"))
        assert [(r["id"], r["declined"]) for r in rows] == [(fresh["id"], False)]
        assert world.status("GET", "/delegations", "A") == 200
        # The fresh row may be declined again.
        assert decline(world, "B", fresh["id"]).status_code == 200

    def test_the_list_shows_the_declined_row(self, world: World) -> None:
        delegation = world.delegate("A", "B")
        decline(world, "B", delegation["id"])
        [row] = world.all_items("/delegations", "B", trustee_id=world.id("B"))
        assert row["id"] == delegation["id"] and row["declined"] is True
        assert row["declined_at"] is not None

    def test_the_truster_may_still_revoke_the_declined_row(self, world: World) -> None:
        delegation = world.delegate("A", "B")
        decline(world, "B", delegation["id"])
        assert world.status("DELETE", f"/delegations/{delegation['id']}", "A") == 204
        assert world.all_items("/delegations", "A", truster_id=world.id("A")) == []

    def test_the_feed_has_the_event(self, world: World) -> None:
        delegation = world.delegate("A", "B", area_id=world.area_id)
        decline(world, "B", delegation["id"])
        events = world.all_items("/events", type="delegation_declined")
        assert [(e["type"], e["member_id"], e["area_id"], e["unit_id"]) for e in events] == [
            ("delegation_declined", world.id("B"), world.area_id, world.unit_id)
        ]

    def test_the_truster_is_notified(self, world: World) -> None:
        delegation = world.delegate("A", "B")
        decline(world, "B", delegation["id"])
        notes = world.all_items("/members/me/notifications", "A")
        declined = [n for n in notes if n["kind"] == "delegation_declined"]
        assert len(declined) == 1
        assert "B declined your delegation" in declined[0]["text"]
        assert declined[0]["unit_id"] == world.unit_id
        b_notes = world.all_items("/members/me/notifications", "B")
        assert not [n for n in b_notes if n["kind"] == "delegation_declined"]

    def test_a_fresh_delegation_to_the_same_trustee_tells_them_again(self, world: World) -> None:
        delegation = world.delegate("A", "B")
        decline(world, "B", delegation["id"])
        world.delegate("A", "B")
        notes = world.all_items("/members/me/notifications", "B")
        assert [n["kind"] for n in notes].count("delegation_started") == 2


class TestResolution:
    def test_a_declined_issue_delegation_falls_back_to_the_area(self, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("A", "C", area_id=world.area_id)
        issue_id, initiative_id = to_voting(world)
        delegation = world.delegate("A", "D", issue_id=issue_id)
        assert decline(world, "D", delegation["id"]).status_code == 200
        m = world.members
        assert close(world, issue_id, initiative_id, "BCD") == {m["B"]: 1, m["C"]: 2, m["D"]: 1}
        assert delegating(world, issue_id) == {m["A"]: (1, "area", [m["C"]])}

    def test_a_declined_area_delegation_falls_back_to_the_unit(self, world: World) -> None:
        world.delegate("A", "B")
        delegation = world.delegate("A", "C", area_id=world.area_id)
        decline(world, "C", delegation["id"])
        issue_id, initiative_id = to_voting(world)
        m = world.members
        assert close(world, issue_id, initiative_id, "BC") == {m["B"]: 2, m["C"]: 1}
        assert delegating(world, issue_id) == {m["A"]: (1, "unit", [m["B"]])}

    def test_a_declined_unit_delegation_leaves_the_vote_with_the_truster(
        self, world: World
    ) -> None:
        delegation = world.delegate("A", "B")
        world.delegate("C", "A")
        decline(world, "B", delegation["id"])
        issue_id, initiative_id = to_voting(world)
        m = world.members
        # C's vote reaches A and stops there (A did not vote); B carries only itself.
        assert close(world, issue_id, initiative_id, "B") == {m["B"]: 1}
        assert delegating(world, issue_id) == {}

    def test_the_support_snapshot_skips_a_declined_delegation(self, world: World) -> None:
        """Before voting, a declined delegation carries no support weight either."""
        world.delegate("A", "B")
        world.delegate("A", "P", area_id=world.area_id)
        declined = world.delegate("C", "P")
        initiative = world.propose("P")
        world.support("P", initiative["id"])
        assert world.step() == ["discussion"]
        # P's support: P itself, A (area over unit) and C (unit).
        assert world.initiative(initiative["id"])["supporter_count"] == 3
        decline(world, "P", declined["id"])
        assert world.step() == []
        assert world.initiative(initiative["id"])["supporter_count"] == 2

    def test_the_agenda_weight_skips_a_declined_delegation(self, world: World) -> None:
        world.delegate("A", "B")
        delegation = world.delegate("C", "B")
        issue_id, _ = to_voting(world)
        weights = {
            i["issue_id"]: i["weight"]
            for i in world.all_items("/members/me/agenda", "B")
            if i["kind"] == "vote"
        }
        assert weights[issue_id] == 3
        decline(world, "B", delegation["id"])
        weights = {
            i["issue_id"]: i["weight"]
            for i in world.all_items("/members/me/agenda", "B")
            if i["kind"] == "vote"
        }
        assert weights[issue_id] == 2

    def test_votes_going_to_a_delegate_skip_a_declined_delegation(self, world: World) -> None:
        """The ``votes_delegated`` notification when voting starts counts standing rows only."""
        world.delegate("A", "B")
        declined = world.delegate("C", "B")
        world.delegate("D", "C")
        decline(world, "B", declined["id"])
        initiative = world.propose("P")
        world.support("P", initiative["id"])
        world.to_voting(initiative["issue_id"])
        fan_out_pending(world.db, clock=world.clock)
        notes = world.all_items("/members/me/notifications", "B")
        [to_b] = [n for n in notes if n["kind"] == "votes_delegated"]
        assert to_b["text"].startswith("1 member's vote goes to you in issue #")
        notes = world.all_items("/members/me/notifications", "C")
        [to_c] = [n for n in notes if n["kind"] == "votes_delegated"]
        assert to_c["text"].startswith("1 member's vote goes to you in issue #")

    def test_the_chain_passes_over_the_declined_link(self, world: World) -> None:
        world.delegate("A", "C", area_id=world.area_id)
        issue_id, _ = to_voting(world)
        delegation = world.delegate("A", "D", issue_id=issue_id)
        decline(world, "D", delegation["id"])
        rows = world.chain("A", issue_id=issue_id)
        assert [(r["member_id"], r["scope_out"], r["declined"]) for r in rows] == [
            (world.id("A"), "area", True),
            (world.id("C"), None, False),
        ]
        assert [r["declined"] for r in world.chain("C", issue_id=issue_id)] == [False]


def test_decline_twice_at_one_moment_answers_one_200(world: World) -> None:
    delegation = world.delegate("A", "B")
    statuses = sorted(decline(world, "B", delegation["id"]).status_code for _ in range(2))
    assert statuses == [200, 409]
