"""Issue 12, item 1: the record holds the inputs as they were at the close, even when a
delegation, a voting right or a member's activity in the unit changes between the close and the
record step (the writers keep the value at the close, a pre-image, while the record is due)."""

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.db import Database
from proposals.canonical import encode
from proposals.clock import FrozenClock
from proposals.models import DelegationPreimage, EligibilityPreimage, Issue
from proposals.services.records import record_document, write_due_records
from proposals.verify import check_digest, recompute
from tests.api.test_records import close, record, split
from tests.api.world import DAY, World, build_world

Change = Callable[[World], None]


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDEF"))


def inputs_now(db: Database, issue_id: int) -> dict[str, Any]:
    """The record's inputs as read at this moment (right after the close: the close's)."""
    with db.session() as session:
        issue = session.get(Issue, issue_id)
        assert issue is not None
        body = "".join(encode(record_document(session, issue, seq=1, previous_digest=None)))
    inputs: dict[str, Any] = json.loads(body)["inputs"]
    return inputs


def preimage_count(db: Database) -> int:
    with db.session() as session:
        counts: list[int] = [
            session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
            for model in (DelegationPreimage, EligibilityPreimage)
        ]
    return sum(counts)


def delegation_id(world: World, truster: str, **scope: int) -> int:
    rows = world.all_items("/delegations", truster_id=world.id(truster))
    key, value = next(iter((scope or {"unit_id": world.unit_id}).items()))
    (row,) = [r for r in rows if r.get(key) == value]
    found: int = row["id"]
    return found


def unit_trustee_changes(world: World) -> None:
    world.delegate("C", "B")  # C's vote (and D's through C) went to A at the close


def area_delegation_revoked(world: World) -> None:
    world.ok("DELETE", f"/delegations/{delegation_id(world, 'D', area_id=world.area_id)}", "D")


def delegation_declined(world: World) -> None:
    world.ok("POST", f"/delegations/{delegation_id(world, 'C')}/decline", "A")


def voting_right_taken(world: World) -> None:
    path = f"/units/{world.unit_id}/privileges/{world.id('C')}"
    body = {"voting_right": False, "initiative_right": True}
    response = world.client.put("/api/v1" + path, json=body, headers=world.admin)
    assert response.status_code == 200, response.text


def privilege_revoked(world: World) -> None:
    path = f"/units/{world.unit_id}/privileges/{world.id('C')}"
    assert world.client.delete("/api/v1" + path, headers=world.admin).status_code == 204


def delegator_deactivated(world: World) -> None:
    path = f"/members/{world.id('D')}"
    response = world.client.patch("/api/v1" + path, json={"active": False}, headers=world.admin)
    assert response.status_code == 200, response.text


def voter_deactivated(world: World) -> None:
    path = f"/members/{world.id('B')}"
    response = world.client.patch("/api/v1" + path, json={"active": False}, headers=world.admin)
    assert response.status_code == 200, response.text


def harmless_delegation_added(world: World) -> None:
    world.delegate("F", "E")  # E blocks here and did not vote: no weight changes


def everything(world: World) -> None:
    """Every kind of change, one key changed twice and one changed back."""
    harmless_delegation_added(world)
    area_delegation_revoked(world)
    delegation_declined(world)
    unit_trustee_changes(world)
    world.delegate("C", "A")  # back to the close's trustee (a fresh, undeclined row)
    world.delegate("D", "E", area_id=world.area_id)
    voting_right_taken(world)
    delegator_deactivated(world)
    voter_deactivated(world)


CHANGES = [
    unit_trustee_changes,
    area_delegation_revoked,
    delegation_declined,
    voting_right_taken,
    privilege_revoked,
    delegator_deactivated,
    voter_deactivated,
    harmless_delegation_added,
    everything,
]


class TestInputsOfTheClose:
    @pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
    def test_a_change_after_the_close_leaves_the_record_as_the_close_was(
        self, world: World, db: Database, clock: FrozenClock, change: Change
    ) -> None:
        issue, _, _ = close(world)
        at_close = inputs_now(db, issue)
        change(world)
        assert inputs_now(db, issue) == at_close  # what the record step reads, overlaid
        assert [i for i, _ in write_due_records(db, clock=clock)] == [issue]
        digest, document = split(record(world, issue).content)
        assert document["inputs"] == at_close
        served = {"digest": digest, **document}
        assert check_digest(served) == []
        assert recompute(served) == []
        assert preimage_count(db) == 0  # deleted with the record written

    def test_the_live_tables_do_change(self, world: World, db: Database) -> None:
        """(The overlay is what keeps the close: the changes themselves are made.)"""
        close(world)
        everything(world)
        assert preimage_count(db) > 0
        rows = world.all_items("/delegations", truster_id=world.id("F"))
        assert [r["trustee_id"] for r in rows] == [world.id("E")]

    def test_two_due_issues_of_one_unit_each_keep_their_own_close(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        world.delegate("C", "A")
        first = world.propose("A", "First")
        world.support("A", first["id"])
        world.step()  # admitted
        world.clock.advance(DAY // 2)
        second = world.propose("B", "Second")
        world.support("B", second["id"])
        for _ in range(4):  # the second issue was admitted half a day later
            world.step(DAY // 2)
        one, two = first["issue_id"], second["issue_id"]
        assert world.issue(one)["state"] == "voting"
        assert world.vote("A", one, {first["id"]: 1}).status_code == 200
        world.step(DAY // 2)
        assert world.issue(one)["state"].startswith("finished")
        assert world.issue(two)["state"] == "voting"
        at_first_close = inputs_now(db, one)
        world.delegate("C", "B")  # between the two closes
        assert world.vote("A", two, {second["id"]: 1}).status_code == 200
        assert world.vote("B", two, {second["id"]: 1}).status_code == 200
        world.step(DAY)
        assert world.issue(two)["state"].startswith("finished")
        at_second_close = inputs_now(db, two)
        assert at_first_close["delegations"] != at_second_close["delegations"]
        world.delegate("C", "E")  # after both
        voter_deactivated(world)
        assert inputs_now(db, one) == at_first_close
        written = write_due_records(db, clock=clock)
        assert [i for i, _ in written] == [one, two]
        assert split(record(world, one).content)[1]["inputs"] == at_first_close
        assert split(record(world, two).content)[1]["inputs"] == at_second_close
        assert preimage_count(db) == 0


class TestNothingKeptWithoutADueRecord:
    def test_before_any_close(self, world: World, db: Database) -> None:
        world.delegate("C", "A")
        world.delegate("D", "C", area_id=world.area_id)
        voting_right_taken(world)
        delegator_deactivated(world)
        assert preimage_count(db) == 0

    def test_after_the_record_is_written(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        close(world)
        write_due_records(db, clock=clock)
        everything(world)
        assert preimage_count(db) == 0

    def test_in_another_unit(self, world: World, db: Database, client: TestClient) -> None:
        close(world)
        other = build_world(client, db, world.clock, ["P", "Q"])
        other.delegate("P", "Q")
        path = f"/units/{other.unit_id}/privileges/{other.id('Q')}"
        assert other.client.delete("/api/v1" + path, headers=other.admin).status_code == 204
        assert preimage_count(db) == 0
