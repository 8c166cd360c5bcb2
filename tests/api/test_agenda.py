"""GET /members/me/agenda (API.md): each kind appears, acting makes it go away, most urgent first,
pagination, and who may read it."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import DAY, World, build_world
from tests.factories import bearer, make_policy, make_token

HOUR = 3600


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCD"))


def agenda(world: World, who: str, **params: Any) -> list[dict[str, Any]]:
    return world.all_items("/members/me/agenda", who, **params)


def of_kind(world: World, who: str, kind: str) -> list[dict[str, Any]]:
    return [item for item in agenda(world, who) if item["kind"] == kind]


def in_voting(world: World) -> tuple[int, int]:
    """An issue in voting with one admitted initiative (A's): (issue id, initiative id)."""
    initiative = world.propose("A")
    world.support("A", initiative["id"])
    world.to_voting(initiative["issue_id"])
    return initiative["issue_id"], initiative["id"]


class TestVote:
    def test_a_delegate_sees_the_issue_with_the_weight_they_carry(self, world: World) -> None:
        world.delegate("C", "B")
        world.delegate("D", "C")
        issue_id, _ = in_voting(world)
        [item] = of_kind(world, "B", "vote")
        issue = world.issue(issue_id)
        assert item == {
            "kind": "vote",
            "unit_id": world.unit_id,
            "area_id": world.area_id,
            "issue_id": issue_id,
            "initiative_id": None,
            "suggestion_id": None,
            "due_at": issue["phase_ends_at"],
            "weight": 3,
            "text": item["text"],
        }
        assert "2 delegated to you" in item["text"]
        assert [i["weight"] for i in of_kind(world, "C", "vote")] == [2]
        assert [i["weight"] for i in of_kind(world, "A", "vote")] == [1]

    def test_voting_removes_it(self, world: World) -> None:
        issue_id, initiative_id = in_voting(world)
        assert [i["issue_id"] for i in of_kind(world, "B", "vote")] == [issue_id]
        world.ok(
            "PUT",
            f"/issues/{issue_id}/ballot",
            "B",
            json={"votes": [{"initiative_id": initiative_id, "grade": 1}]},
        )
        assert of_kind(world, "B", "vote") == []
        world.ok("DELETE", f"/issues/{issue_id}/ballot", "B")
        assert [i["issue_id"] for i in of_kind(world, "B", "vote")] == [issue_id]

    def test_nobodys_ballot_changes_the_weight(self, world: World) -> None:
        world.delegate("C", "B")
        world.delegate("D", "C")
        issue_id, initiative_id = in_voting(world)
        for who in ("C", "D", "A"):
            world.ok(
                "PUT",
                f"/issues/{issue_id}/ballot",
                who,
                json={"votes": [{"initiative_id": initiative_id, "grade": -1}]},
            )
            assert [i["weight"] for i in of_kind(world, "B", "vote")] == [3]

    def test_not_without_voting_right_nor_after_the_close(self, world: World, db: Database) -> None:
        issue_id, _ = in_voting(world)
        path = f"/api/v1/units/{world.unit_id}/privileges/{world.id('D')}"
        assert world.client.delete(path, headers=world.admin).status_code == 204
        assert of_kind(world, "D", "vote") == []
        assert of_kind(world, "B", "vote") != []
        world.step(DAY)
        assert world.issue(issue_id)["closed_at"] is not None
        assert of_kind(world, "B", "vote") == []


class TestPhaseEnding:
    def test_an_issue_i_take_part_in_whose_phase_ends_within_48_hours(self, world: World) -> None:
        initiative = world.propose("A")  # admission ends a day after creation
        issue_id = initiative["issue_id"]
        ends = world.issue(issue_id)["phase_ends_at"]
        assert [(i["issue_id"], i["due_at"]) for i in of_kind(world, "A", "phase_ending")] == [
            (issue_id, ends)
        ]  # the initiator takes part
        assert of_kind(world, "B", "phase_ending") == []
        world.ok("PUT", f"/issues/{issue_id}/interest", "B")
        assert [i["issue_id"] for i in of_kind(world, "B", "phase_ending")] == [issue_id]
        world.ok("DELETE", f"/issues/{issue_id}/interest", "B")
        assert of_kind(world, "B", "phase_ending") == []
        world.support("C", initiative["id"])
        assert [i["issue_id"] for i in of_kind(world, "C", "phase_ending")] == [issue_id]

    def test_not_while_the_phase_ends_later(self, world: World, db: Database) -> None:
        slow = make_policy(db, max_admission_time=5 * DAY)
        initiative = world.propose("A", area_id=world.area_id, policy_id=slow.id or 0)
        assert of_kind(world, "A", "phase_ending") == []
        world.clock.advance(3 * DAY)
        assert [i["issue_id"] for i in of_kind(world, "A", "phase_ending")] == [
            initiative["issue_id"]
        ]

    def test_the_vote_item_stands_for_the_voting_phase(self, world: World) -> None:
        issue_id, _ = in_voting(world)
        kinds = {item["kind"] for item in agenda(world, "A") if item["issue_id"] == issue_id}
        assert kinds == {"vote"}


class TestNewerDraft:
    def test_supporting_the_new_draft_removes_it(self, world: World) -> None:
        initiative = world.propose("A")
        world.support("B", initiative["id"])
        assert of_kind(world, "B", "newer_draft") == []
        world.ok("POST", f"/initiatives/{initiative['id']}/drafts", "A", json={"content": "New"})
        [item] = of_kind(world, "B", "newer_draft")
        assert (item["issue_id"], item["initiative_id"]) == (
            initiative["issue_id"],
            initiative["id"],
        )
        assert item["due_at"] == world.issue(initiative["issue_id"])["phase_ends_at"]
        world.support("B", initiative["id"])
        assert of_kind(world, "B", "newer_draft") == []


class TestOpenSuggestion:
    def test_answering_removes_it(self, world: World) -> None:
        initiative = world.propose("A")
        world.ok(
            "POST",
            f"/initiatives/{initiative['id']}/initiators",
            "A",
            json={"member_id": world.id("C")},
        )
        world.ok(
            "PUT", f"/initiatives/{initiative['id']}/initiators/me", "C", json={"accepted": True}
        )
        plain = world.suggest("B", initiative["id"])
        replacing = world.suggest("D", initiative["id"], replacement_content="Better text")
        for initiator in ("A", "C"):
            items = of_kind(world, initiator, "open_suggestion")
            assert [(i["initiative_id"], i["suggestion_id"]) for i in items] == [
                (initiative["id"], plain["id"]),
                (initiative["id"], replacing["id"]),
            ]
        assert of_kind(world, "B", "open_suggestion") == []  # the author is no initiator
        world.ok("POST", f"/suggestions/{plain['id']}/reject", "A", json={"reason": "No"})
        world.ok("POST", f"/suggestions/{replacing['id']}/accept", "C")
        assert of_kind(world, "A", "open_suggestion") == []
        assert of_kind(world, "C", "open_suggestion") == []


class TestInvitation:
    @pytest.mark.parametrize("accepted", [True, False])
    def test_answering_removes_it(self, world: World, accepted: bool) -> None:
        initiative = world.propose("A")
        path = f"/initiatives/{initiative['id']}/initiators"
        world.ok("POST", path, "A", json={"member_id": world.id("B")})
        [item] = of_kind(world, "B", "invitation")
        assert (item["initiative_id"], item["issue_id"]) == (
            initiative["id"],
            initiative["issue_id"],
        )
        assert of_kind(world, "A", "invitation") == []
        world.ok("PUT", f"{path}/me", "B", json={"accepted": accepted})
        assert of_kind(world, "B", "invitation") == []


class TestOrderAndPages:
    def busy(self, world: World) -> None:
        """B has items of several kinds, due at several times."""
        world.delegate("C", "B")
        issue_id, _ = in_voting(world)  # voting ends 3 days after NOW
        first = world.propose("A", "Later")  # its admission ends then too
        world.clock.advance(HOUR)
        second = world.propose("A", "Even later")
        world.support("B", first["id"])
        world.support("B", second["id"])
        world.ok("POST", f"/initiatives/{first['id']}/drafts", "A", json={"content": "v2"})
        world.ok(
            "POST",
            f"/initiatives/{second['id']}/initiators",
            "A",
            json={"member_id": world.id("B")},
        )
        assert world.issue(issue_id)["state"] == "voting"

    def test_most_urgent_first(self, world: World) -> None:
        self.busy(world)
        items = agenda(world, "B")
        assert {i["kind"] for i in items} == {"vote", "phase_ending", "newer_draft", "invitation"}
        dues = [i["due_at"] for i in items]
        assert dues == sorted(dues)
        assert items[0]["kind"] == "vote"  # due with the first admission: vote comes first

    def test_pages_walk_the_same_list(self, world: World) -> None:
        self.busy(world)
        whole = world.ok("GET", "/members/me/agenda", "B")
        assert whole["next_cursor"] is None
        walked, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
            page = world.ok("GET", "/members/me/agenda", "B", params=params)
            walked += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert walked == whole["items"]
        assert len(walked) >= 4

    @pytest.mark.parametrize("cursor", ["nonsense", "djE6NQ", "YTE6MToyOjM"])
    def test_a_bad_cursor_is_422(self, world: World, cursor: str) -> None:
        response = world.call("GET", "/members/me/agenda", "B", params={"cursor": cursor})
        assert response.status_code == 422
        assert response.json() == {"detail": "cursor is not valid"}

    def test_limit_above_500_is_422(self, world: World) -> None:
        assert world.status("GET", "/members/me/agenda", "B", params={"limit": 501}) == 422


class TestAccess:
    def test_without_a_token_401(self, world: World) -> None:
        response = world.call("GET", "/members/me/agenda")
        assert response.status_code == 401
        assert isinstance(response.json()["detail"], str)

    def test_needs_the_read_scope(self, world: World, db: Database) -> None:
        from proposals.services import members

        with db.session() as session:
            member = members.get_member(session, world.id("B"))
        writer = bearer(make_token(db, member, scopes=["write"]))
        response = world.client.get("/api/v1/members/me/agenda", headers=writer)
        assert response.status_code == 403
        reader = bearer(make_token(db, member, scopes=["read"]))
        assert world.client.get("/api/v1/members/me/agenda", headers=reader).status_code == 200

    def test_private_no_store(self, world: World) -> None:
        response = world.call("GET", "/members/me/agenda", "B")
        assert response.headers["cache-control"] == "private, no-store"
