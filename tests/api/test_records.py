"""The verifiable record of every close (issue 12, item 1): written after the close by the
background step, canonical (RFC 8785), digested, chained, served at /issues/{id}/record."""

import dataclasses
import hashlib
import json
from typing import Any

import pytest
import rfc8785
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import col

from app.db import Database
from app.settings import PublicAccess
from delegation import Delegation as Link
from delegation import Policy as TallyPolicy
from delegation import resolve_delegations, tally_ballots
from proposals.clock import FrozenClock
from proposals.models import Delegation, IssueRecordDue
from proposals.services.records import stored_body, write_due_records
from tests.api.world import DAY, World, build_world

NAME = 'Ölpreis senken \u2013 café ✓ "quoted" \\ tab\t end'


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDE"))


def to_voting(world: World) -> tuple[int, int, int]:
    """An issue in voting with two admitted initiatives (the first with a non-ASCII name)."""
    first = world.propose("A", NAME)
    issue = first["issue_id"]
    second = world.propose("B", "Zweite", issue_id=issue)
    world.support("A", first["id"])
    world.support("B", second["id"])
    world.to_voting(issue)
    return issue, first["id"], second["id"]


def close(world: World) -> tuple[int, int, int]:
    """C delegates to A (unit), D to C (area), E blocks (issue); A and B vote; voting ends."""
    issue, first, second = to_voting(world)
    world.delegate("C", "A")
    world.delegate("D", "C", area_id=world.area_id)
    world.delegate("E", None, issue_id=issue)
    assert world.vote("A", issue, {first: 2, second: 1}).status_code == 200
    assert world.vote("B", issue, {first: -1, second: 0}).status_code == 200
    assert world.step(DAY) == ["finished_with_winner"]
    return issue, first, second


def record(world: World, issue: int, who: str | None = "A") -> Any:
    return world.call("GET", f"/issues/{issue}/record", who)


def split(body: bytes) -> tuple[str, dict[str, Any]]:
    document = json.loads(body)
    digest: str = document.pop("digest")
    return digest, document


class TestWritten:
    def test_by_the_background_step_after_the_close_and_not_before(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        issue, first, _ = to_voting(world)
        assert world.vote("A", issue, {first: 1}).status_code == 200
        assert write_due_records(db, clock=clock) == []
        assert record(world, issue).status_code == 409
        assert world.step(DAY) == ["finished_with_winner"]
        assert record(world, issue).status_code == 404  # closed, record not yet written
        assert world.issue(issue)["record_digest"] is None
        written = write_due_records(db, clock=clock)
        assert [i for i, _ in written] == [issue]
        response = record(world, issue)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert split(response.content)[0] == written[0][1]
        assert write_due_records(db, clock=clock) == []  # once only

    def test_digest_is_the_sha256_of_the_stored_canonical_body(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        issue, _, _ = close(world)
        write_due_records(db, clock=clock)
        served = record(world, issue).content
        digest, document = split(served)
        with db.session() as session:
            stored = stored_body(session, issue)
        assert hashlib.sha256(stored).hexdigest() == digest
        assert rfc8785.dumps(document) == stored
        assert rfc8785.dumps(json.loads(served)) == served  # the served form is canonical too
        assert served == b'{"digest":"' + digest.encode() + b'",' + stored[1:]
        # non-ASCII as UTF-8, quotes, backslash and tab escaped: as RFC 8785 writes them
        assert '"Ölpreis senken \u2013 café ✓ \\"quoted\\" \\\\ tab\\t end"' in stored.decode()

    def test_records_chain_in_the_order_they_are_written(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        first_issue, _, _ = close(world)
        write_due_records(db, clock=clock)
        other = world.propose("A", "Another")
        world.support("A", other["id"])
        world.to_voting(other["issue_id"])
        assert world.vote("B", other["issue_id"], {other["id"]: 1}).status_code == 200
        assert world.step(DAY) == ["finished_with_winner"]
        write_due_records(db, clock=clock)
        one_digest, one = split(record(world, first_issue).content)
        two_digest, two = split(record(world, other["issue_id"]).content)
        assert (one["seq"], one["previous_digest"]) == (1, None)
        assert (two["seq"], two["previous_digest"]) == (2, one_digest)
        assert world.issue(first_issue)["record_digest"] == one_digest
        assert world.issue(first_issue)["previous_record_digest"] is None
        assert world.issue(other["issue_id"])["record_digest"] == two_digest
        assert world.issue(other["issue_id"])["previous_record_digest"] == one_digest

    def test_with_the_inputs_of_the_close_when_they_changed_since(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        issue, _, _ = close(world)
        world.delegate("D", "B", area_id=world.area_id)  # after the close, before the record
        assert [i for i, _ in write_due_records(db, clock=clock)] == [issue]
        _, document = split(record(world, issue).content)
        m = world.members
        area_rows = [r for r in document["inputs"]["delegations"] if r["scope"] == "area"]
        assert [(r["truster_id"], r["trustee_id"]) for r in area_rows] == [(m["D"], m["C"])]

    def test_not_while_the_inputs_no_longer_reproduce_the_close(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        """The guard: a change past the writers (which keep the close's values) is refused."""
        issue, _, _ = close(world)
        d, area_id = world.id("D"), world.area_id

        def area_trustee(trustee: str) -> None:
            with db.session(write=True) as session:
                session.execute(
                    sa.update(Delegation)
                    .where(col(Delegation.truster_id) == d, col(Delegation.area_id) == area_id)
                    .values(trustee_id=world.id(trustee))
                )
                session.commit()

        area_trustee("B")
        assert write_due_records(db, clock=clock) == []
        assert record(world, issue).status_code == 404
        area_trustee("C")
        assert [i for i, _ in write_due_records(db, clock=clock)] == [issue]
        assert record(world, issue).status_code == 200


class TestContent:
    def test_matches_the_stored_results(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        issue, first, second = close(world)
        write_due_records(db, clock=clock)
        _, document = split(record(world, issue).content)
        m = world.members
        results, inputs = document["results"], document["inputs"]
        assert results["direct_voters"] == world.all_items(f"/issues/{issue}/voters")
        delegating = world.all_items(f"/issues/{issue}/delegating-voters")
        fields = ("member_id", "weight", "scope")
        assert [{k: d[k] for k in fields} for d in results["delegating_voters"]] == [
            {k: d[k] for k in fields} for d in delegating
        ]
        trustees = {d["member_id"]: d["trustee_id"] for d in results["delegating_voters"]}
        assert trustees == {d["member_id"]: d["delegate_member_ids"][0] for d in delegating}
        votes = world.all_items(f"/issues/{issue}/votes")
        assert sorted(
            (b["member_id"], g["initiative_id"], g["grade"])
            for b in inputs["ballots"]
            for g in b["grades"]
        ) == sorted((v["member_id"], v["initiative_id"], v["grade"]) for v in votes)
        battles = world.all_items(f"/issues/{issue}/battles")
        key = ("winning_initiative_id", "losing_initiative_id", "count")
        assert sorted(tuple(b[k] or 0 for k in key) for b in results["battles"]) == sorted(
            tuple(b[k] or 0 for k in key) for b in battles
        )
        assert results["state"] == "finished_with_winner"
        assert results["voter_count"] == world.issue(issue)["voter_count"] == 5 - 1
        assert results["winner_initiative_id"] == first
        for outcome in results["initiatives"]:
            initiative = world.initiative(outcome["id"])
            assert outcome == {k: initiative[k] for k in outcome}
        assert [(i["id"], i["name"], i["admitted"]) for i in inputs["initiatives"]] == [
            (first, NAME, True),
            (second, "Zweite", True),
        ]
        assert inputs["eligible_member_ids"] == sorted(m.values())
        assert {(d["scope"], d["truster_id"], d["trustee_id"]) for d in inputs["delegations"]} == {
            ("unit", m["C"], m["A"]),
            ("area", m["D"], m["C"]),
            ("issue", m["E"], None),
        }
        assert inputs["policy"]["id"] == world.policy_id
        assert document["issue"]["id"] == issue
        assert document["issue"]["closed_at"].endswith("Z")

    def test_a_declined_delegation_is_not_among_the_inputs(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        """Issue 12, item 5: a declined delegation counts as if it did not exist, at the close
        and so in the record's inputs (``models.standing``)."""
        issue, first, second = to_voting(world)
        declined = world.delegate("E", "B")
        assert world.call("POST", f"/delegations/{declined['id']}/decline", "B").status_code == 200
        world.delegate("C", "A")
        assert world.vote("A", issue, {first: 2, second: 1}).status_code == 200
        assert world.vote("B", issue, {first: -1, second: 0}).status_code == 200
        assert world.step(DAY) == ["finished_with_winner"]
        write_due_records(db, clock=clock)
        _, document = split(record(world, issue).content)
        m = world.members
        rows = document["inputs"]["delegations"]
        assert {(d["scope"], d["truster_id"], d["trustee_id"]) for d in rows} == {
            ("unit", m["C"], m["A"])
        }
        weights = {v["member_id"]: v["weight"] for v in document["results"]["direct_voters"]}
        assert weights == {m["A"]: 2, m["B"]: 1}

    def test_recomputes_with_delegation_alone(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        """Item 3's check, by hand: the inputs give every result with ``delegation/`` only."""
        issue, _, _ = close(world)
        world.delegate("B", "A", area_id=world.area_id)  # a voter's own delegation: cut
        write_due_records(db, clock=clock)
        _, document = split(record(world, issue).content)
        inputs, results = document["inputs"], document["results"]
        rows = [Link(d["truster_id"], d["trustee_id"], d["scope"]) for d in inputs["delegations"]]
        grades = {
            b["member_id"]: {g["initiative_id"]: g["grade"] for g in b["grades"]}
            for b in inputs["ballots"]
        }
        resolution = resolve_delegations(inputs["eligible_member_ids"], rows, grades)
        assert results["direct_voters"] == [
            {"member_id": m, "weight": w} for m, w in sorted(resolution.weights.items())
        ]
        assert results["delegating_voters"] == [
            {
                "member_id": m,
                "trustee_id": resolution.trustees[m],
                "weight": w,
                "scope": resolution.scopes[m],
            }
            for m, w in sorted(resolution.intermediate_weights.items())
        ]
        fields = {f.name for f in dataclasses.fields(TallyPolicy)}
        tally = tally_ballots(
            {m: (resolution.weights[m], g) for m, g in grades.items()},
            [i["id"] for i in inputs["initiatives"] if i["admitted"]],
            TallyPolicy(**{k: v for k, v in inputs["policy"].items() if k in fields}),
        )
        assert (tally.voter_count, tally.status_quo_schulze_rank, tally.winner) == (
            results["voter_count"],
            results["status_quo_schulze_rank"],
            results["winner_initiative_id"],
        )
        assert {(w, lo): c for (w, lo), c in tally.battle.items()} == {
            (b["winning_initiative_id"], b["losing_initiative_id"]): b["count"]
            for b in results["battles"]
        }
        for outcome in results["initiatives"]:
            computed = tally.initiatives[outcome["id"]]
            assert outcome == {"id": outcome["id"], **dataclasses.asdict(computed)}

    def test_holds_no_floats(self, world: World, db: Database, clock: FrozenClock) -> None:
        issue, _, _ = close(world)
        write_due_records(db, clock=clock)

        def kinds(value: Any) -> set[type]:
            if isinstance(value, dict):
                return set().union(*(kinds(v) for v in value.values()))
            if isinstance(value, list):
                return set().union(set(), *(kinds(v) for v in value))
            return {type(value)}

        assert kinds(json.loads(record(world, issue).content)) <= {int, str, bool, type(None)}


class TestNone:
    def test_a_canceled_issue_has_none(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        issue = world.propose("A")["issue_id"]
        cancel = world.client.post(f"/api/v1/issues/{issue}/cancel", headers=world.admin)
        assert cancel.status_code == 200
        write_due_records(db, clock=clock)
        assert record(world, issue).status_code == 404
        assert world.issue(issue)["record_digest"] is None

    def test_an_issue_closed_before_records_has_none_and_the_first_names_none(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        old, _, _ = close(world)
        with db.session() as session:  # as if closed before this feature: never marked due
            session.execute(sa.delete(IssueRecordDue))
            session.commit()
        other = world.propose("A", "Another")
        world.support("A", other["id"])
        world.to_voting(other["issue_id"])
        assert world.step(DAY) == ["finished_without_winner"]
        assert [i for i, _ in write_due_records(db, clock=clock)] == [other["issue_id"]]
        assert record(world, old).status_code == 404
        assert split(record(world, other["issue_id"]).content)[1]["previous_digest"] is None

    def test_unknown_issue(self, world: World) -> None:
        assert record(world, 999_999).status_code == 404


class TestVisibility:
    @pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
    def test_like_votes(self, world: World, db: Database, clock: FrozenClock) -> None:
        issue, _, _ = close(world)
        write_due_records(db, clock=clock)
        assert record(world, issue, None).status_code == 401
        assert world.status("GET", f"/issues/{issue}/votes", None) == 401
        assert record(world, issue, "E").status_code == 200

    def test_pseudonym_reads_without_a_token(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        issue, _, _ = close(world)
        write_due_records(db, clock=clock)
        assert record(world, issue, None).status_code == 200
        assert world.status("GET", f"/issues/{issue}/votes", None) == 200


class TestFeed:
    def test_the_record_event_carries_the_digest(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        issue, _, _ = close(world)
        [(_, digest)] = write_due_records(db, clock=clock)
        events = world.all_items("/events", "A", issue_id=issue)
        recorded = [e for e in events if e["type"] == "issue_recorded"]
        assert [(e["state"], e["record_digest"]) for e in recorded] == [
            ("finished_with_winner", digest)
        ]
        assert events[-1] == recorded[0]  # after the close's state change
        assert all(e["record_digest"] is None for e in events[:-1])


class TestImmutable:
    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE issue_record SET seq = seq + 1 WHERE issue_id = :issue",
            "DELETE FROM issue_record WHERE issue_id = :issue",
            "UPDATE issue_record_chunk SET position = 7 WHERE issue_id = :issue",
            "DELETE FROM issue_record_chunk WHERE issue_id = :issue",
        ],
    )
    def test_the_database_refuses_changing_a_record(
        self, world: World, db: Database, clock: FrozenClock, backend: str, statement: str
    ) -> None:
        if backend != "postgres":
            pytest.skip("the database-level guard exists on PostgreSQL only")
        issue, _, _ = close(world)
        write_due_records(db, clock=clock)
        with db.session() as session, pytest.raises(sa.exc.IntegrityError, match="immutable"):
            session.execute(sa.text(statement), {"issue": issue})
