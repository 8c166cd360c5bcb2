"""The event feed GET /api/v1/events: every state change, filters, cursors, visibility
(DESIGN.md §5, API.md "Feed and operations")."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.settings import PublicAccess
from proposals.clock import FrozenClock
from proposals.models import Member
from tests.api.world import DAY, World, build_world
from tests.factories import grant, make_area, make_unit

FIELDS = ("type", "member_id", "unit_id", "area_id", "issue_id", "initiative_id")


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCD"))


def feed(world: World, who: str | None = "A", **filters: Any) -> list[dict[str, Any]]:
    return world.all_items("/events", who, **filters)


def brief(event: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(event[k] for k in FIELDS)


class TestEveryChangeAppears:
    def test_a_whole_issue_in_the_feed(self, world: World) -> None:
        m, unit, area = world.members, world.unit_id, world.area_id
        first = world.propose("A", "First")
        issue = first["issue_id"]
        second = world.propose("B", "Second", issue_id=issue)
        for who in "AB":
            world.support(who, first["id"])
        draft = world.ok("POST", f"/initiatives/{first['id']}/drafts", "A", json={"content": "2"})
        accepted = world.suggest("B", first["id"], replacement_content="3")
        world.ok("POST", f"/suggestions/{accepted['id']}/accept", "A")
        rejected = world.suggest("C", first["id"])
        world.ok("POST", f"/suggestions/{rejected['id']}/reject", "A", json={"reason": "no"})
        world.delegate("D", "C")
        world.delegate("D", "B", area_id=area)
        delegation = world.delegate("D", None, issue_id=issue)
        world.ok("DELETE", f"/delegations/{delegation['id']}", "D")
        world.ok("POST", f"/initiatives/{second['id']}/revoke", "B")
        world.ok("PUT", f"/issues/{issue}/interest", "C")  # not in the feed
        assert world.step() == ["discussion"]
        world.clock.advance(DAY)
        assert world.step() == ["verification"]
        assert world.step(DAY) == ["voting"]
        assert world.vote("A", issue, {first["id"]: 1}).status_code == 200  # not in the feed
        assert world.step(DAY) == ["finished_with_winner"]
        events = feed(world)
        assert [brief(e) for e in events] == [
            ("initiative_created", m["A"], unit, area, issue, first["id"]),
            ("initiative_created", m["B"], unit, area, issue, second["id"]),
            ("draft_created", m["A"], unit, area, issue, first["id"]),
            ("suggestion_created", m["B"], unit, area, issue, first["id"]),
            ("draft_created", m["A"], unit, area, issue, first["id"]),
            ("suggestion_accepted", m["A"], unit, area, issue, first["id"]),
            ("suggestion_created", m["C"], unit, area, issue, first["id"]),
            ("suggestion_rejected", m["A"], unit, area, issue, first["id"]),
            ("delegation_changed", m["D"], unit, None, None, None),
            ("delegation_changed", m["D"], unit, area, None, None),
            ("delegation_changed", m["D"], unit, area, issue, None),
            ("delegation_changed", m["D"], unit, area, issue, None),
            ("initiative_revoked", m["B"], unit, area, issue, second["id"]),
            ("issue_state_changed", None, unit, area, issue, None),
            ("issue_state_changed", None, unit, area, issue, None),
            ("issue_state_changed", None, unit, area, issue, None),
            ("issue_state_changed", None, unit, area, issue, None),
        ]
        states = [e["state"] for e in events if e["type"] == "issue_state_changed"]
        assert states == ["discussion", "verification", "voting", "finished_with_winner"]
        assert events[0]["draft_id"] == first["current_draft_id"]
        assert events[2]["draft_id"] == draft["id"]
        assert [events[i]["suggestion_id"] for i in (3, 5, 6, 7)] == [
            accepted["id"],
            accepted["id"],
            rejected["id"],
            rejected["id"],
        ]
        ids = [e["id"] for e in events]
        assert ids == sorted(ids)
        occurred = [e["occurred_at"] for e in events]
        assert occurred == sorted(occurred)

    def test_cancellations_appear(self, world: World) -> None:
        canceled = world.propose("A")
        assert world.client.post(
            f"/api/v1/issues/{canceled['issue_id']}/cancel", headers=world.admin
        ).is_success
        lapsed = world.propose("B")
        assert world.step(DAY) == ["canceled_issue_not_accepted"]
        changes = feed(world, type="issue_state_changed")
        assert [(e["issue_id"], e["state"]) for e in changes] == [
            (canceled["issue_id"], "canceled_by_admin"),
            (lapsed["issue_id"], "canceled_issue_not_accepted"),
        ]


class TestFilters:
    def test_unit_area_issue_and_type(self, world: World, db: Database) -> None:
        unit2 = make_unit(db, name="Branch")
        area2 = make_area(db, unit2, name="Housing")
        with db.session() as session:
            member = session.get(Member, world.id("A"))
            assert member is not None
        grant(db, unit2, member)
        here = world.propose("A", "Here")
        there = world.propose("A", "There", area_id=area2.id or 0, policy_id=world.policy_id)
        world.delegate("B", "A")
        assert world.status("GET", "/events", "A", params={"type": "nonsense"}) == 422

        def ids(**filters: Any) -> list[tuple[str, int | None]]:
            return [(e["type"], e["issue_id"]) for e in feed(world, **filters)]

        assert ids(unit_id=world.unit_id) == [
            ("initiative_created", here["issue_id"]),
            ("delegation_changed", None),
        ]
        assert ids(unit_id=unit2.id) == [("initiative_created", there["issue_id"])]
        assert ids(area_id=area2.id) == [("initiative_created", there["issue_id"])]
        assert ids(area_id=world.area_id) == [("initiative_created", here["issue_id"])]
        assert ids(issue_id=there["issue_id"]) == [("initiative_created", there["issue_id"])]
        assert ids(type="delegation_changed") == [("delegation_changed", None)]
        assert ids(type="initiative_created", unit_id=unit2.id) == [
            ("initiative_created", there["issue_id"])
        ]
        assert ids(type="draft_created") == []


class TestPagination:
    def test_cursor_walks_every_event_once_and_waits_at_the_end(self, world: World) -> None:
        for _ in range(5):
            world.propose("A")
        everything = [e["id"] for e in feed(world)]
        assert len(everything) == 5
        seen: list[int] = []
        params: dict[str, Any] = {"limit": 2}
        while True:
            page = world.ok("GET", "/events", params=params)
            assert page["next_cursor"] is not None  # even on the empty last page
            if not page["items"]:
                break
            seen += [e["id"] for e in page["items"]]
            params = {"limit": 2, "cursor": page["next_cursor"]}
        assert seen == everything
        # A poller that keeps the cursor gets exactly what is new.
        world.propose("B")
        page = world.ok("GET", "/events", params=params)
        assert [e["member_id"] for e in page["items"]] == [world.id("B")]
        assert world.ok("GET", "/events", params={"cursor": page["next_cursor"]})["items"] == []

    def test_empty_feed_has_a_cursor(self, world: World) -> None:
        page = world.ok("GET", "/events")
        assert page["items"] == [] and page["next_cursor"] is not None
        world.propose("A")
        later = world.ok("GET", "/events", params={"cursor": page["next_cursor"]})
        assert [e["type"] for e in later["items"]] == ["initiative_created"]

    def test_after_id_starts_after_a_known_event(self, world: World) -> None:
        for _ in range(3):
            world.propose("A")
        ids = [e["id"] for e in feed(world)]
        page = world.ok("GET", "/events", params={"after_id": ids[0]})
        assert [e["id"] for e in page["items"]] == ids[1:]
        page = world.ok("GET", "/events", params={"after_id": ids[-1]})
        assert page["items"] == [] and page["next_cursor"] is not None
        filtered = world.ok("GET", "/events", params={"after_id": ids[1], "type": "draft_created"})
        assert filtered["items"] == [] and filtered["next_cursor"] is not None

    def test_bad_paging_is_422(self, world: World) -> None:
        for params in ({"limit": 501}, {"limit": 0}, {"cursor": "garbage"}):
            assert world.status("GET", "/events", params=params) == 422, params


class TestVisibility:
    @pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
    def test_anonymous_visitors_see_no_member(self, world: World) -> None:
        world.propose("A")
        world.delegate("B", "A")
        anonymous = feed(world, None)
        assert len(anonymous) == 2
        assert [e["member_id"] for e in anonymous] == [None, None]
        assert [e["member_id"] for e in feed(world, "C")] == [world.id("A"), world.id("B")]

    @pytest.mark.parametrize("public_access", [PublicAccess.NONE])
    def test_closed_service_needs_a_token(self, world: World) -> None:
        world.propose("A")
        assert world.status("GET", "/events") == 401
        assert len(feed(world, "C")) == 1

    def test_pseudonym_visitors_see_members(self, world: World) -> None:
        world.propose("A")
        assert [e["member_id"] for e in feed(world, None)] == [world.id("A")]
