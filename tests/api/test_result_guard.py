"""Stored results cannot be modified: on PostgreSQL a database trigger refuses it too."""

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import DAY, build_world


@pytest.fixture
def closed_issue(client: TestClient, db: Database, clock: FrozenClock, backend: str) -> int:
    if backend != "postgres":
        pytest.skip("the database-level guard exists on PostgreSQL only")
    world = build_world(client, db, clock, ["A", "B"], discussion_time=0, verification_time=0)
    initiative = world.propose("A")
    world.ok("PUT", f"/initiatives/{initiative['id']}/support", "A")
    world.run()
    assert world.vote("A", initiative["issue_id"], {initiative["id"]: 1}).status_code == 200
    clock.advance(DAY)
    world.run()
    assert world.issue(initiative["issue_id"])["state"] == "finished_with_winner"
    issue_id: int = initiative["issue_id"]
    return issue_id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE direct_voter SET weight = weight + 1 WHERE issue_id = :issue",
        "DELETE FROM direct_voter WHERE issue_id = :issue",
        "UPDATE battle SET count = count + 1 WHERE issue_id = :issue",
        "DELETE FROM vote WHERE issue_id = :issue",
        "UPDATE issue SET voter_count = 99 WHERE id = :issue",
        "UPDATE initiative SET positive_votes = 99 WHERE issue_id = :issue",
    ],
)
def test_the_database_refuses_changing_results(
    db: Database, closed_issue: int, statement: str
) -> None:
    with db.session() as session, pytest.raises(sa.exc.IntegrityError, match="immutable"):
        session.execute(sa.text(statement), {"issue": closed_issue})
