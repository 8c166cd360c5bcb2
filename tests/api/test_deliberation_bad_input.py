"""Never a 500 for bad input (API.md): ids beyond what the database can hold are refused."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import World, build_world
from tests.factories import row_counts

BEYOND_INT32 = 2**31  # PostgreSQL INTEGER ends here
BEYOND_INT64 = 2**63  # SQLite's INTEGER and PostgreSQL's BIGINT end here


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, ["A", "B"])


def requests(world: World, n: int) -> list[tuple[str, str, Any]]:
    initiative = world.propose("A")
    issue, initiative_id = initiative["issue_id"], initiative["id"]
    return [
        ("GET", f"/issues/{n}", None),
        ("GET", f"/initiatives/{n}", None),
        ("GET", f"/drafts/{n}", None),
        ("GET", f"/suggestions/{n}", None),
        ("GET", f"/issues/{n}/voters", None),
        ("GET", f"/issues/{issue}/voters?cursor=djE6OTIyMzM3MjAzNjg1NDc3NTgwOA", None),
        ("GET", f"/initiatives?issue_id={n}", None),
        ("GET", f"/events?after_id={n}", None),
        ("GET", f"/events?issue_id={n}", None),
        ("GET", f"/delegation-chain?member_id={n}&unit_id={world.unit_id}", None),
        ("POST", "/initiatives", {"issue_id": n, "name": "x", "content": "y"}),
        ("PUT", f"/initiatives/{n}/support", None),
        ("PUT", f"/initiatives/{initiative_id}/support", {"draft_id": n}),
        ("POST", f"/initiatives/{initiative_id}/revoke", {"suggested_initiative_id": n}),
        ("POST", f"/initiatives/{initiative_id}/initiators", {"member_id": n}),
        ("PUT", "/delegations", {"unit_id": world.unit_id, "trustee_id": n}),
        ("PUT", "/delegations", {"issue_id": n, "trustee_id": world.id("B")}),
        ("DELETE", f"/delegations/{n}", None),
        ("PUT", f"/issues/{n}/ballot", {"votes": []}),
        ("PUT", f"/issues/{issue}/ballot", {"votes": [{"initiative_id": n, "grade": 1}]}),
        (
            "PUT",
            f"/issues/{issue}/ballot",
            {"votes": [{"initiative_id": initiative_id, "grade": n}]},
        ),
    ]


class TestIdsOutOfRange:
    @pytest.mark.parametrize("n", [BEYOND_INT32, BEYOND_INT64])
    def test_refused_without_a_server_error(self, world: World, db: Database, n: int) -> None:
        calls = requests(world, n)
        before = row_counts(db)
        for method, path, body in calls:
            response = world.call(method, path, "A", json=body)
            # Unknown (404), out of range (422), or, for a filter, simply nothing (200).
            assert response.status_code in (200, 404, 409, 422), (method, path, response.text)
            if response.status_code >= 400:
                assert isinstance(response.json()["detail"], str), (method, path)
        assert row_counts(db) == before
