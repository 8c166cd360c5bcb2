"""Issue 13: migration 0018 moves stored votes and delegating voters into result blocks and back,
losing nothing."""

import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient

from app.db import BoundDatabase, Database
from app.migrate import alembic_config
from proposals.clock import FrozenClock
from tests.api.test_secret_ballots import SECRET, closed
from tests.api.world import build_world

# The kinds of migration 0018 (0020's index of the record is dropped by its downgrade: such
# records are then explained from the record itself).
BLOCKS = (
    "SELECT issue_id, kind, first_key, last_key, count, data FROM result_block"
    " WHERE kind IN ('delegating_voter', 'vote') ORDER BY 1, 2, 3"
)
VOTES = "SELECT issue_id, member_id, initiative_id, grade, ballot_id FROM vote ORDER BY id"
DELEGATING = (
    "SELECT issue_id, member_id, trustee_id, weight, scope FROM delegating_voter ORDER BY 1, 2"
)


def test_votes_and_delegating_voters_move_into_blocks_and_back(
    client: TestClient, db: Database, clock: FrozenClock
) -> None:
    world = build_world(client, db, clock, list("ABCDEF"), **SECRET)
    issue, _, _ = closed(world, db, clock)
    served = world.all_items(f"/issues/{issue}/votes", "F")
    delegating = world.all_items(f"/issues/{issue}/delegating-voters", "F")
    assert [d["member_id"] for d in delegating] == [world.id("C")]
    record = world.call("GET", f"/issues/{issue}/record", "F").content
    explained = [
        world.ok("GET", f"/issues/{issue}/explanation", "F", params={"member_id": world.id(n)})
        for n in "ABCDEF"
    ]
    assert isinstance(db, BoundDatabase)  # one connection, rolled back after the test
    connection = db.connection
    blocks = [tuple(row) for row in connection.execute(sa.text(BLOCKS))]
    c = world.id("C")
    assert [b[1:5] for b in blocks] == [("delegating_voter", c, c, 1), ("vote", 1, 5, 5)]

    command.downgrade(alembic_config(connection=connection), "0017")
    rows = [tuple(row) for row in connection.execute(sa.text(VOTES))]
    assert rows == [
        (issue, v["member_id"], v["initiative_id"], v["grade"], v.get("ballot_id")) for v in served
    ]
    assert [tuple(row) for row in connection.execute(sa.text(DELEGATING))] == [
        (issue, c, world.id("A"), 1, "unit")
    ]
    assert "result_block" not in sa.inspect(connection).get_table_names()

    command.upgrade(alembic_config(connection=connection), "head")
    assert [tuple(row) for row in connection.execute(sa.text(BLOCKS))] == blocks
    assert world.all_items(f"/issues/{issue}/votes", "F") == served
    assert world.all_items(f"/issues/{issue}/delegating-voters", "F") == delegating
    assert world.call("GET", f"/issues/{issue}/record", "F").content == record
    assert [
        world.ok("GET", f"/issues/{issue}/explanation", "F", params={"member_id": world.id(n)})
        for n in "ABCDEF"
    ] == explained
