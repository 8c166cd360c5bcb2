"""Admission and discussion over HTTP: drafts, support, suggestions, opinions (DESIGN.md §1-§2)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import DAY, World, build_world


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDEF"))


def in_discussion(world: World) -> dict[str, Any]:
    """An initiative of A supported by A and B, its issue in discussion."""
    initiative = world.propose("A")
    world.support("A", initiative["id"])
    world.support("B", initiative["id"])
    assert world.step() == ["discussion"]
    return initiative


class TestDrafts:
    def test_initiator_posts_a_new_current_draft(self, world: World) -> None:
        initiative = in_discussion(world)
        path = f"/initiatives/{initiative['id']}/drafts"
        draft = world.ok("POST", path, "A", json={"content": "Second text"})
        assert draft["author_id"] == world.id("A") and draft["content"] == "Second text"
        assert world.initiative(initiative["id"])["current_draft_id"] == draft["id"]
        drafts = world.all_items(path)
        assert [d["id"] for d in drafts] == [initiative["current_draft_id"], draft["id"]]
        assert world.ok("GET", f"/drafts/{draft['id']}")["content"] == "Second text"

    def test_non_initiator_is_refused(self, world: World) -> None:
        initiative = in_discussion(world)
        path = f"/initiatives/{initiative['id']}/drafts"
        assert world.status("POST", path, "B", json={"content": "Mine"}) == 403
        assert len(world.all_items(path)) == 1

    def test_accepted_invitee_may_post_drafts(self, world: World) -> None:
        initiative = in_discussion(world)
        base = f"/initiatives/{initiative['id']}"
        world.ok("POST", f"{base}/initiators", "A", json={"member_id": world.id("C")})
        assert world.status("POST", f"{base}/drafts", "C", json={"content": "x"}) == 403
        world.ok("PUT", f"{base}/initiators/me", "C", json={"accepted": True})
        assert world.status("POST", f"{base}/drafts", "C", json={"content": "x"}) == 201

    def test_a_new_draft_makes_supporters_uninformed_until_they_support_again(
        self, world: World
    ) -> None:
        initiative = in_discussion(world)
        counts = world.initiative(initiative["id"])
        assert (counts["supporter_count"], counts["informed_supporter_count"]) == (2, 2)
        world.ok("POST", f"/initiatives/{initiative['id']}/drafts", "A", json={"content": "v2"})
        assert world.step() == []
        counts = world.initiative(initiative["id"])
        assert (counts["supporter_count"], counts["informed_supporter_count"]) == (2, 0)
        assert counts["satisfied_informed_supporter_count"] == 0
        support = world.support("B", initiative["id"])
        assert support["informed"] is True and support["draft_id"] == counts["current_draft_id"]
        assert world.step() == []
        assert world.initiative(initiative["id"])["informed_supporter_count"] == 1

    def test_supporting_a_stale_draft_is_a_conflict(self, world: World) -> None:
        initiative = in_discussion(world)
        old = initiative["current_draft_id"]
        world.ok("POST", f"/initiatives/{initiative['id']}/drafts", "A", json={"content": "v2"})
        path = f"/initiatives/{initiative['id']}/support"
        assert world.status("PUT", path, "C", json={"draft_id": old}) == 409


class TestSuggestions:
    def test_suggestion_records_the_authors_opinion_and_support(self, world: World) -> None:
        initiative = in_discussion(world)
        suggestion = world.suggest("C", initiative["id"], degree=1)
        assert suggestion["draft_id"] == initiative["current_draft_id"]
        assert suggestion["status"] == "open" and suggestion["author_id"] == world.id("C")
        opinions = world.all_items(f"/suggestions/{suggestion['id']}/opinions")
        assert opinions == [
            {
                "suggestion_id": suggestion["id"],
                "member_id": world.id("C"),
                "degree": 1,
                "fulfilled": False,
            }
        ]
        assert world.step() == []
        assert world.initiative(initiative["id"])["supporter_count"] == 3
        assert world.ok("GET", f"/suggestions/{suggestion['id']}")["plus1_unfulfilled_count"] == 1

    def test_suggestion_counts_are_weighted(self, world: World) -> None:
        initiative = in_discussion(world)
        world.delegate("D", "B")
        world.delegate("E", "D")
        suggestion = world.suggest("A", initiative["id"], degree=-1)
        world.rate("B", suggestion["id"], 2, True)
        assert world.step() == []
        counts = world.ok("GET", f"/suggestions/{suggestion['id']}")
        nonzero = {k: v for k, v in counts.items() if k.endswith("_count") and v}
        assert nonzero == {"minus1_unfulfilled_count": 1, "plus2_fulfilled_count": 3}

    def test_withdrawing_support_removes_opinions_and_an_abandoned_suggestion(
        self, world: World
    ) -> None:
        initiative = in_discussion(world)
        suggestion = world.suggest("C", initiative["id"])
        world.ok("DELETE", f"/initiatives/{initiative['id']}/support", "C")
        assert world.status("GET", f"/suggestions/{suggestion['id']}") == 404
        assert world.all_items(f"/initiatives/{initiative['id']}/suggestions") == []

    def test_a_suggestion_with_other_raters_survives_its_authors_withdrawal(
        self, world: World
    ) -> None:
        initiative = in_discussion(world)
        suggestion = world.suggest("C", initiative["id"])
        world.rate("B", suggestion["id"], 1, False)
        world.ok("DELETE", f"/issues/{initiative['issue_id']}/interest", "C")
        opinions = world.all_items(f"/suggestions/{suggestion['id']}/opinions")
        assert [o["member_id"] for o in opinions] == [world.id("B")]


class TestSatisfaction:
    @pytest.mark.parametrize(
        ("degree", "fulfilled", "satisfied"),
        [
            (2, False, False),
            (-2, True, False),
            (2, True, True),
            (-2, False, True),
        ],
    )
    def test_critical_opinions_make_supporters_unsatisfied(
        self, world: World, degree: int, fulfilled: bool, satisfied: bool
    ) -> None:
        initiative = in_discussion(world)
        world.delegate("C", "B")
        suggestion = world.suggest("A", initiative["id"], degree=1)
        assert world.step() == []
        before = world.initiative(initiative["id"])
        assert before["supporter_count"] == before["satisfied_supporter_count"] == 3
        world.rate("B", suggestion["id"], degree, fulfilled)
        assert world.initiative(initiative["id"])["satisfied_supporter_count"] == 3  # until run
        assert world.step() == []
        after = world.initiative(initiative["id"])
        assert after["supporter_count"] == 3
        # B carries C's weight: an unsatisfied B takes 2 off the count.
        assert after["satisfied_supporter_count"] == (3 if satisfied else 1)
        assert after["satisfied_informed_supporter_count"] == (3 if satisfied else 1)

    def test_removing_the_critical_opinion_satisfies_again(self, world: World) -> None:
        initiative = in_discussion(world)
        suggestion = world.suggest("A", initiative["id"], degree=1)
        world.rate("B", suggestion["id"], 2, False)
        assert world.step() == []
        assert world.initiative(initiative["id"])["satisfied_supporter_count"] == 1
        world.ok("DELETE", f"/suggestions/{suggestion['id']}/opinion", "B")
        assert world.step() == []
        assert world.initiative(initiative["id"])["satisfied_supporter_count"] == 2


class TestRevokedInitiatives:
    def test_revoked_initiative_cannot_be_supported_or_rated(self, world: World) -> None:
        initiative = in_discussion(world)
        suggestion = world.suggest("B", initiative["id"])
        world.ok("POST", f"/initiatives/{initiative['id']}/revoke", "A")
        assert world.status("PUT", f"/initiatives/{initiative['id']}/support", "C") == 409
        rating = {"degree": 1, "fulfilled": False}
        path = f"/suggestions/{suggestion['id']}/opinion"
        assert world.status("PUT", path, "C", json=rating) == 409
        path = f"/initiatives/{initiative['id']}/suggestions"
        assert world.status("POST", path, "C", json={"name": "n", "content": "c"}) == 409
        path = f"/initiatives/{initiative['id']}/drafts"
        assert world.status("POST", path, "A", json={"content": "c"}) == 409


class TestSnapshot:
    def revoke_rights(self, world: World, who: str) -> None:
        path = f"/api/v1/units/{world.unit_id}/privileges/{world.id(who)}"
        body = {"voting_right": False, "initiative_right": False}
        assert world.client.put(path, json=body, headers=world.admin).status_code == 200

    def test_only_eligible_members_count(self, world: World) -> None:
        initiative = in_discussion(world)
        world.delegate("C", "B")
        assert world.step() == []
        assert world.issue(initiative["issue_id"])["population"] == 6
        assert world.initiative(initiative["id"])["supporter_count"] == 3
        self.revoke_rights(world, "B")
        assert world.step() == []
        assert world.issue(initiative["issue_id"])["population"] == 5
        # B's support and C's weight through B are gone: a dead end, not skipped.
        assert world.initiative(initiative["id"])["supporter_count"] == 1

    def test_rating_keeps_the_draft_an_existing_support_had(self, world: World) -> None:
        initiative = in_discussion(world)
        world.ok("POST", f"/initiatives/{initiative['id']}/drafts", "A", json={"content": "v2"})
        suggestion = world.suggest("C", initiative["id"], degree=1)
        world.rate("B", suggestion["id"], 1, True)
        assert world.step() == []
        counts = world.initiative(initiative["id"])
        assert counts["supporter_count"] == 3
        # C is a new supporter of the current draft; A and B still saw the first one.
        assert counts["informed_supporter_count"] == 1

    def test_no_snapshot_from_full_freeze_on(self, world: World) -> None:
        initiative = in_discussion(world)
        assert world.step(DAY) == ["verification"]
        assert world.step(DAY) == ["voting"]
        frozen = world.initiative(initiative["id"])
        population = world.issue(initiative["issue_id"])["population"]
        self.revoke_rights(world, "B")
        assert world.step() == []
        assert world.initiative(initiative["id"]) == frozen
        assert world.issue(initiative["issue_id"])["population"] == population
