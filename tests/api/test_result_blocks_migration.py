"""Issue 13: migration 0018 moves stored votes into result blocks and back, losing nothing."""

import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient

from app.db import BoundDatabase, Database
from app.migrate import alembic_config
from proposals.clock import FrozenClock
from tests.api.test_secret_ballots import SECRET, closed
from tests.api.world import build_world

BLOCKS = (
    "SELECT issue_id, kind, first_key, last_key, count, data FROM result_block ORDER BY 1, 2, 3"
)
VOTES = "SELECT issue_id, member_id, initiative_id, grade, ballot_id FROM vote ORDER BY id"


def test_votes_move_into_blocks_and_back(
    client: TestClient, db: Database, clock: FrozenClock
) -> None:
    world = build_world(client, db, clock, list("ABCDEF"), **SECRET)
    issue, _, _ = closed(world, db, clock)
    served = world.all_items(f"/issues/{issue}/votes", "F")
    record = world.call("GET", f"/issues/{issue}/record", "F").content
    assert isinstance(db, BoundDatabase)  # one connection, rolled back after the test
    connection = db.connection
    blocks = [tuple(row) for row in connection.execute(sa.text(BLOCKS))]
    assert [b[1:5] for b in blocks] == [("vote", 1, 5, 5)]

    command.downgrade(alembic_config(connection=connection), "0017")
    rows = [tuple(row) for row in connection.execute(sa.text(VOTES))]
    assert rows == [
        (issue, v["member_id"], v["initiative_id"], v["grade"], v.get("ballot_id")) for v in served
    ]
    assert "result_block" not in sa.inspect(connection).get_table_names()

    command.upgrade(alembic_config(connection=connection), "head")
    assert [tuple(row) for row in connection.execute(sa.text(BLOCKS))] == blocks
    assert world.all_items(f"/issues/{issue}/votes", "F") == served
    assert world.call("GET", f"/issues/{issue}/record", "F").content == record
