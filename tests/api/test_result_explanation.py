"""``GET /issues/{id}/result-explanation`` (added beside API.md's results): the same words as the
closed issue's page, from the one function that writes them (proposals/services/explain.py)."""

import html
import re

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.settings import PublicAccess
from proposals.clock import FrozenClock
from tests.api.world import DAY, World, build_world


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(
        client, db, clock, list("ABCDE"), direct_majority_num=2, direct_majority_den=3
    )


def _voting(world: World) -> tuple[int, int]:
    first = world.propose("A", "Tram")
    world.support("A", first["id"])
    world.to_voting(first["issue_id"])
    return first["issue_id"], first["id"]


class TestResultExplanation:
    def test_a_closed_issue_is_explained_as_on_its_page(
        self, client: TestClient, world: World
    ) -> None:
        issue_id, tram = _voting(world)
        for who, grade in (("A", 1), ("B", 1), ("C", 1), ("D", -1), ("E", -1)):
            assert world.vote(who, issue_id, {tram: grade}).status_code == 200
        assert world.step(DAY) == ["finished_without_winner"]
        answer = world.ok("GET", f"/issues/{issue_id}/result-explanation")
        assert answer["text"] == (
            "No initiative reached the required majority (more than 2/3 approval),"
            " so the status quo stays."
        )
        assert answer["state"] == "finished_without_winner" and answer["tie_rule"] is None
        (only,) = answer["initiatives"]
        assert only["initiative_id"] == tram
        assert (only["approve"], only["disapprove"], only["abstain"]) == (3, 2, 0)
        assert only["majority_text"] == "needed more than 2/3 approval: got 3 of 5, 60 %"
        assert only["reached"] is False and only["winner"] is False
        assert answer["ranking"] == [
            {"initiative_id": tram, "schulze_rank": 1, "better_than_status_quo": True},
            {"initiative_id": None, "schulze_rank": 2, "better_than_status_quo": False},
        ]
        page = client.get(f"/issues/{issue_id}").text
        why = re.search(r'<p class="explain" id="result-why">(.*?)</p>', page, re.S)
        assert why and html.unescape(why.group(1)) == answer["text"]

    def test_an_open_issue_is_a_conflict(self, world: World) -> None:
        issue_id, _ = _voting(world)
        response = world.call("GET", f"/issues/{issue_id}/result-explanation")
        assert response.status_code == 409
        assert response.json() == {"detail": "results are published when the issue is closed"}

    def test_an_unknown_issue_is_404(self, world: World) -> None:
        assert world.status("GET", "/issues/999999/result-explanation") == 404

    @pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
    def test_anonymous_readers_get_it(self, world: World) -> None:
        first = world.propose("A", "Tram")
        world.support("A", first["id"])
        world.step()
        path = f"/api/v1/issues/{first['issue_id']}/cancel"
        assert world.client.post(path, headers=world.admin).status_code == 200
        answer = world.ok("GET", f"/issues/{first['issue_id']}/result-explanation")
        assert answer["text"] == "An administrator canceled the issue."
