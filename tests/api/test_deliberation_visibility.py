"""Deliberation reads at each PUBLIC_ACCESS level (DESIGN.md §5): anonymous visitors read the
deliberation without member references; endpoints about members need a token."""

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.settings import PublicAccess
from proposals.clock import FrozenClock
from tests.api.world import DAY, World, build_world


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABC"))


def finished(world: World) -> dict[str, int]:
    """A finished issue with a suggestion, a delegation and a ballot; answers the ids."""
    initiative = world.propose("A")
    world.support("A", initiative["id"])
    world.delegate("C", "B")
    assert world.step() == ["discussion"]
    suggestion = world.suggest("B", initiative["id"])
    assert world.step(DAY) == ["verification"]
    assert world.step(DAY) == ["voting"]
    assert world.vote("B", initiative["issue_id"], {initiative["id"]: 1}).status_code == 200
    assert world.step(DAY) == ["finished_with_winner"]
    return {
        "issue": initiative["issue_id"],
        "initiative": initiative["id"],
        "draft": initiative["current_draft_id"],
        "suggestion": suggestion["id"],
        "member": world.id("C"),
    }


class TestAnonymous:
    @pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
    def test_deliberation_is_public_without_member_references(self, world: World) -> None:
        ids = finished(world)
        issue, initiative = ids["issue"], ids["initiative"]
        assert world.ok("GET", f"/issues/{issue}")["state"] == "finished_with_winner"
        assert world.ok("GET", f"/initiatives/{initiative}")["winner"] is True
        assert world.ok("GET", f"/drafts/{ids['draft']}")["author_id"] is None
        drafts = world.all_items(f"/initiatives/{initiative}/drafts")
        assert [d["author_id"] for d in drafts] == [None]
        assert world.ok("GET", f"/suggestions/{ids['suggestion']}")["author_id"] is None
        suggestions = world.all_items(f"/initiatives/{initiative}/suggestions")
        assert [s["author_id"] for s in suggestions] == [None]
        assert len(world.all_items(f"/issues/{issue}/battles")) == 2
        # With a token, the same reads show members.
        assert world.ok("GET", f"/drafts/{ids['draft']}", "C")["author_id"] == world.id("A")

    @pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
    def test_reads_about_members_need_a_token(self, world: World) -> None:
        ids = finished(world)
        issue = ids["issue"]
        for path in (
            f"/issues/{issue}/voters",
            f"/issues/{issue}/delegating-voters",
            f"/issues/{issue}/votes",
            f"/initiatives/{ids['initiative']}/initiators",
            f"/suggestions/{ids['suggestion']}/opinions",
            "/delegations",
            f"/delegation-chain?member_id={ids['member']}&issue_id={issue}",
        ):
            assert world.status("GET", path) == 401, path
            assert world.status("GET", path, "A") == 200, path

    @pytest.mark.parametrize("public_access", [PublicAccess.NONE])
    def test_nothing_without_a_token_at_none(self, world: World) -> None:
        ids = finished(world)
        for path in (
            f"/issues/{ids['issue']}",
            f"/initiatives/{ids['initiative']}",
            f"/issues/{ids['issue']}/battles",
            f"/suggestions/{ids['suggestion']}",
        ):
            assert world.status("GET", path) == 401, path
            assert world.status("GET", path, "A") == 200, path

    def test_pseudonym_shows_voters_without_a_token(self, world: World) -> None:
        ids = finished(world)
        assert world.voters(ids["issue"]) == {world.id("B"): 2}
