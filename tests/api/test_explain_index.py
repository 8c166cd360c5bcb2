"""Issue 13, item 1: how one member's vote was counted is read from the index written with the
record (``close_member`` and ``carried`` blocks), a few indexed lookups -- never the record's
body -- and answers exactly as the whole record replayed (:class:`ReplayedClose`), for every
member of generated electorates and for members outside the unit."""

import random
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient
from sqlmodel import col

from app.db import BoundDatabase, Database
from app.migrate import alembic_config
from proposals import result_blocks
from proposals.clock import FrozenClock
from proposals.models import ResultBlock
from proposals.services import records
from proposals.services.close_index import indexed
from proposals.services.records import explain_member_vote, stored_body, write_due_records
from proposals.verify import load_record
from proposals.vote_explanation import explain_vote
from tests.api.test_vote_explanation import admin_id, closed
from tests.api.world import DAY, World, build_world, scatter

SECRET = {"ballot_secrecy": "delegates_public"}


def revoke(world: World, name: str) -> None:
    path = f"/api/v1/units/{world.unit_id}/privileges/{world.id(name)}"
    assert world.client.delete(path, headers=world.admin).status_code == 204


def change_inputs(world: World, rng: random.Random, names: list[str]) -> None:
    """Between the close and the record: delegations, voting rights and activity change (the
    record keeps the close's, from pre-images)."""
    for name in rng.sample(names, 4):
        trustee = rng.choice([n for n in names if n != name])
        world.delegate(name, trustee, **rng.choice([{}, {"area_id": world.area_id}]))
    revoke(world, rng.choice(names))
    quiet = rng.choice(names)
    response = world.client.patch(
        f"/api/v1/members/{world.id(quiet)}", json={"active": False}, headers=world.admin
    )
    assert response.status_code == 200, response.text


def generated(
    client: TestClient, db: Database, clock: FrozenClock, seed: int
) -> tuple[int, list[int]]:
    """A closed issue with its record: a generated electorate (delegations in every scope,
    blocks, cycles, random ballots, a member who lost the voting right before the close),
    secret ballots for odd seeds, inputs changed after the close; the ids of every member and of
    one outside the unit."""
    rng = random.Random(seed)
    names = [f"M{i}" for i in range(rng.randint(8, 22))]
    world = build_world(client, db, clock, names, **(SECRET if seed % 2 else {}))
    issue, ids = world.two_in_voting(names)
    scatter(world, rng, issue, ids, vote_share=rng.choice([0.1, 0.3, 0.6]))
    if rng.random() < 0.5:
        assert world.vote(rng.choice(names), issue, {}).status_code == 200  # an empty ballot
    gone = rng.choice(names[3:])
    revoke(world, gone)
    assert world.step(DAY)[0].startswith("finished")
    change_inputs(world, rng, [n for n in names if n != gone])
    assert write_due_records(db, clock=clock)
    return issue, [*(world.id(n) for n in names), admin_id(world)]


@pytest.mark.parametrize("block", [result_blocks.BLOCK, 2, 3])
@pytest.mark.parametrize("seed", range(8))
def test_every_member_as_the_replayed_record(
    client: TestClient,
    db: Database,
    clock: FrozenClock,
    seed: int,
    block: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The differential test: blocks of 2 and 3 entries make every read span blocks."""
    monkeypatch.setattr(result_blocks, "BLOCK", block)
    issue, members = generated(client, db, clock, seed)
    cases = set()
    with db.session() as session:
        assert indexed(session, issue)
        document = load_record(stored_body(session, issue))
        for member in members:
            for you in (False, True):
                expected = explain_vote(document, member, you=you)
                assert explain_member_vote(session, issue, member, you=you) == expected
                cases.add(expected["case"])
    assert {"not_eligible", "voted_directly"} <= cases


def _refuse(*_: Any, **__: Any) -> Any:
    raise AssertionError("the record's body was read")


def test_the_record_body_is_never_read(
    world: World, db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue, _, _ = closed(world, db, clock)
    with db.session() as session:
        document = load_record(stored_body(session, issue))
    expected = {name: explain_vote(document, world.id(name), you=True) for name in world.members}
    for name in ("stored_body", "load_record", "replay"):
        monkeypatch.setattr(records, name, _refuse)
    for name in world.members:
        got = world.ok("GET", f"/issues/{issue}/explanation", name)
        assert {k: got[k] for k in expected[name]} == expected[name]


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDEFGH"))


def test_a_record_written_without_the_index_is_replayed(
    world: World, db: Database, clock: FrozenClock, backend: str
) -> None:
    """Records written before migration 0020 have no index: the whole record answers."""
    if backend != "sqlite":
        pytest.skip("result blocks cannot be deleted on PostgreSQL (its guard)")
    issue, _, _ = closed(world, db, clock)
    with db.session() as session:
        document = load_record(stored_body(session, issue))
        with_index = [explain_member_vote(session, issue, world.id(n)) for n in world.members]
    with db.session(write=True) as session:
        session.execute(
            ResultBlock.__table__.delete().where(  # type: ignore[attr-defined]
                col(ResultBlock.issue_id) == issue,
                col(ResultBlock.kind).in_(["close_member", "carried"]),
            )
        )
        session.commit()
    with db.session() as session:
        assert not indexed(session, issue)
        without = [explain_member_vote(session, issue, world.id(n)) for n in world.members]
    assert without == with_index == [explain_vote(document, world.id(n)) for n in world.members]


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM result_block WHERE issue_id = :issue AND kind = :kind",
        "UPDATE result_block SET count = count WHERE issue_id = :issue AND kind = :kind",
    ],
)
@pytest.mark.parametrize("kind", ["close_member", "carried"])
def test_the_database_refuses_changing_the_index(
    world: World, db: Database, clock: FrozenClock, backend: str, statement: str, kind: str
) -> None:
    """The immutability guard of ``result_block`` (migration 0018) covers the index too."""
    if backend != "postgres":
        pytest.skip("the database-level guard exists on PostgreSQL only")
    issue, _, _ = closed(world, db, clock)
    with db.session() as session, pytest.raises(sa.exc.IntegrityError, match="immutable"):
        session.execute(sa.text(statement), {"issue": issue, "kind": kind})


INDEX = (
    "SELECT issue_id, kind, first_key, last_key, count, data FROM result_block"
    " WHERE kind IN ('close_member', 'carried') ORDER BY 1, 2, 3"
)


@pytest.mark.parametrize("seed", range(4))  # odd seeds: secret ballots
def test_an_old_record_is_indexed_as_a_new_one_is(
    client: TestClient, db: Database, clock: FrozenClock, seed: int
) -> None:
    """``index_records`` (``liquidpolicy index-records``) writes, from the record alone, exactly
    the index ``write_record`` writes with a new record; then the index answers again."""
    issue, members = generated(client, db, clock, seed)
    assert isinstance(db, BoundDatabase)  # one connection, rolled back after the test
    connection = db.connection
    written = [tuple(row) for row in connection.execute(sa.text(INDEX))]
    with db.session() as session:
        expected = [explain_member_vote(session, issue, m) for m in members]
    command.downgrade(alembic_config(connection=connection), "0019")  # drops the index
    command.upgrade(alembic_config(connection=connection), "head")
    with db.session() as session:
        assert not indexed(session, issue)
    assert records.index_records(db) == [issue]
    assert [tuple(row) for row in connection.execute(sa.text(INDEX))] == written
    with db.session() as session:
        assert indexed(session, issue)
        assert [explain_member_vote(session, issue, m) for m in members] == expected
    assert records.index_records(db) == []  # nothing left: safe to run again
