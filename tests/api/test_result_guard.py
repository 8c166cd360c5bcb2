"""Stored results cannot be modified: on PostgreSQL a database trigger refuses it too."""

from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from proposals.lifecycle import _vote_entries
from proposals.result_blocks import delegating_voters, encode, votes
from tests.api.world import DAY, World, build_world
from tests.factories import make_member
from tests.proposals.test_ballot_grades import cast_of


def close_one(client: TestClient, db: Database, clock: FrozenClock) -> tuple[World, dict[str, Any]]:
    """Members A and B; A's initiative, supported and voted for by A, closed with a winner."""
    world = build_world(client, db, clock, ["A", "B"], discussion_time=0, verification_time=0)
    initiative = world.propose("A")
    world.ok("PUT", f"/initiatives/{initiative['id']}/support", "A")
    world.run()
    assert world.vote("A", initiative["issue_id"], {initiative["id"]: 1}).status_code == 200
    clock.advance(DAY)
    world.run()
    assert world.issue(initiative["issue_id"])["state"] == "finished_with_winner"
    return world, initiative


@pytest.fixture
def closed_issue(client: TestClient, db: Database, clock: FrozenClock, backend: str) -> int:
    if backend != "postgres":
        pytest.skip("the database-level guard exists on PostgreSQL only")
    _, initiative = close_one(client, db, clock)
    issue_id: int = initiative["issue_id"]
    return issue_id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE direct_voter SET weight = weight + 1 WHERE issue_id = :issue",
        "DELETE FROM direct_voter WHERE issue_id = :issue",
        "UPDATE battle SET count = count + 1 WHERE issue_id = :issue",
        "DELETE FROM result_block WHERE issue_id = :issue",
        "UPDATE result_block SET count = count WHERE issue_id = :issue",
        "UPDATE issue SET voter_count = 99 WHERE id = :issue",
        "UPDATE initiative SET positive_votes = 99 WHERE issue_id = :issue",
    ],
)
def test_the_database_refuses_changing_results(
    db: Database, closed_issue: int, statement: str
) -> None:
    with db.session() as session, pytest.raises(sa.exc.IntegrityError, match="immutable"):
        session.execute(sa.text(statement), {"issue": closed_issue})


# Issue 13: the per-member result tables have no FOREIGN KEY constraints any more (one trigger
# per written row was most of a large close); deleting a member that stored results name must
# still be refused, on both backends, whichever column names them.
RESULT_ROWS = {
    "direct_voter": (
        "INSERT INTO direct_voter (issue_id, member_id, weight) VALUES (:issue, :m, 1)",
    ),
    # Issue 13: delegating voters are entries of blocks keyed by member; a block whose key range
    # holds the member refuses the delete.
    "delegating_voter": (
        "INSERT INTO result_block (issue_id, kind, first_key, last_key, count, data)"
        " VALUES (:issue, 'delegating_voter', :m, :m, 1, :delegating)",
    ),
    # A trustee is a direct or delegating voter of the same issue, as every close writes it
    # (proposals.lifecycle._check_result_ids): here a direct voter, and that row names it.
    "delegating_voter.trustee_id": (
        "INSERT INTO direct_voter (issue_id, member_id, weight) VALUES (:issue, :m, 2)",
        "INSERT INTO result_block (issue_id, kind, first_key, last_key, count, data)"
        " VALUES (:issue, 'delegating_voter', :other, :other, 1, :trusting)",
    ),
    # Issue 13: a vote is an entry of a block; its member is a direct voter of the same issue,
    # as every close writes it (proposals.lifecycle._check_result_ids), and that row names it.
    "vote": (
        "INSERT INTO direct_voter (issue_id, member_id, weight) VALUES (:issue, :m, 1)",
        "INSERT INTO result_block (issue_id, kind, first_key, last_key, count, data)"
        " VALUES (:issue, 'vote', 1000, 1000, 1, :vote)",
    ),
}


def delegating_block(member_id: int, trustee_id: int) -> bytes:
    return encode("delegating_voter", delegating_voters([member_id], [trustee_id], [1], [0]))[
        0
    ].data


@pytest.mark.parametrize("row", sorted(RESULT_ROWS))
def test_a_member_that_stored_results_name_cannot_be_deleted(
    client: TestClient, db: Database, clock: FrozenClock, row: str
) -> None:
    world, initiative = close_one(client, db, clock)
    bare = make_member(db)  # nothing else refers to it
    values = {
        "issue": initiative["issue_id"],
        "initiative": initiative["id"],
        "m": bare.id,
        "other": world.members["B"],
        "vote": encode("vote", votes([bare.id or 0], [initiative["id"]], [1]))[0].data,
        "delegating": delegating_block(bare.id or 0, world.members["B"]),
        "trusting": delegating_block(world.members["B"], bare.id or 0),
    }
    delete = sa.text("DELETE FROM member WHERE id = :m")
    with db.session() as session:  # the control: without result rows it can go
        assert session.execute(delete, values).rowcount == 1  # type: ignore[attr-defined]
        session.rollback()
    with db.session() as session, pytest.raises(sa.exc.IntegrityError):
        for statement in RESULT_ROWS[row]:
            session.execute(sa.text(statement), values)
        session.execute(delete, values)


def test_an_anonymous_ballot_grades_an_initiative_once(
    client: TestClient, db: Database, clock: FrozenClock
) -> None:
    """Migration 0017 made the key a partial unique index (members' grades are not in it);
    issue 13 stores votes in blocks, whose encoding refuses what that key refused: a second
    grade of one initiative in one anonymous ballot. A second block at one key is refused by
    the table's primary key."""
    world = build_world(client, db, clock, ["A"], discussion_time=0, verification_time=0)
    initiative = world.propose("A")
    none = np.zeros(0, dtype=np.int64)
    twice = votes([0, 0], [initiative["id"]] * 2, [1, 1], [b"b1", b"b1"])
    with pytest.raises(ValueError, match="twice"):
        _vote_entries(cast_of({}), none, twice)
    (block,) = encode("vote", _vote_entries(cast_of({}), none, twice[:1]))
    values = {"issue": initiative["issue_id"], "data": block.data}
    insert = sa.text(
        "INSERT INTO result_block (issue_id, kind, first_key, last_key, count, data)"
        " VALUES (:issue, 'vote', 1, 1, 1, :data)"
    )
    with db.session() as session, pytest.raises(sa.exc.IntegrityError):
        session.execute(insert, values)
        session.execute(insert, values)
