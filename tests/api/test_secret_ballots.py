"""Secret ballots for members who represent nobody (issue 12, item 4): under a policy with
``ballot_secrecy`` ``delegates_public`` no answer, page, export, record or database row links a
direct voter of weight 1 to their grades; delegates' ballots stay public; the results are those
of the same election under ``public``, and ``verify`` recomputes them from the record."""

import dataclasses
import html
import io
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.db import Database
from app.export import export
from app.verify import verify_command
from proposals.clock import FrozenClock
from proposals.models import AnonymousBallot, Ballot, BallotGrade
from proposals.services.records import write_due_records
from proposals.services.result_store import issue_votes
from proposals.verify import check_digest, load_record, recompute
from tests.api.world import DAY, World, build_world, scatter
from tests.web.helpers import web_login

SECRET = {"ballot_secrecy": "delegates_public"}


def two_initiatives(world: World, first: str, second: str) -> tuple[int, int, int]:
    """An issue in voting with two admitted initiatives."""
    one = world.propose(first, "First")
    issue = one["issue_id"]
    two = world.propose(second, "Second", issue_id=issue)
    world.support(first, one["id"])
    world.support(second, two["id"])
    world.to_voting(issue)
    return issue, one["id"], two["id"]


def closed(world: World, db: Database, clock: FrozenClock) -> tuple[int, int, int]:
    """C delegates to A (unit): A votes as a delegate (weight 2); B, D and E vote for themselves
    only (weight 1; D abstains on everything); the issue closes and gets its record."""
    issue, first, second = two_initiatives(world, "A", "B")
    world.delegate("C", "A")
    assert world.vote("A", issue, {first: 2, second: 1}).status_code == 200
    assert world.vote("B", issue, {first: -1, second: 1}).status_code == 200
    assert world.vote("D", issue, {}).status_code == 200
    assert world.vote("E", issue, {first: 1}).status_code == 200
    assert world.step(DAY) == ["finished_with_winner"]
    assert write_due_records(db, clock=clock)
    return issue, first, second


def objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object inside ``value``."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects(item)


def linked(value: Any, member_ids: set[int]) -> list[dict[str, Any]]:
    """The objects that name one of ``member_ids`` beside grades."""
    return [
        o
        for o in objects(value)
        if o.get("member_id") in member_ids
        and any(o.get(key) is not None for key in ("grade", "grades", "votes"))
    ]


def linking_rows(db: Database, issue: int, member_ids: set[int]) -> list[tuple[str, Any]]:
    """Rows of the database naming one of ``member_ids`` beside a grade of the issue (stored
    votes, live ballots and their grades)."""
    ids = sorted(member_ids)
    with db.session() as session:
        votes = [v for v in issue_votes(session, issue) if v.member_id in member_ids]
        grades = session.exec(
            select(BallotGrade).where(
                BallotGrade.issue_id == issue, col(BallotGrade.member_id).in_(ids)
            )
        ).all()
        ballots = session.exec(
            select(Ballot).where(Ballot.issue_id == issue, col(Ballot.member_id).in_(ids))
        ).all()
    return [("Vote", dataclasses.asdict(v)) for v in votes] + [
        (type(r).__name__, r.model_dump()) for r in [*grades, *ballots]
    ]


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDEF"), **SECRET)


def test_policy_option_in_the_api(world: World) -> None:
    policy = world.ok("GET", f"/policies/{world.policy_id}")
    assert policy["ballot_secrecy"] == "delegates_public"
    body = {
        "name": "Open",
        "min_admission_time": 0,
        "max_admission_time": DAY,
        "discussion_time": DAY,
        "verification_time": DAY,
        "voting_time": DAY,
        "issue_quorum_num": 1,
        "issue_quorum_den": 10,
        "initiative_quorum_num": 1,
        "initiative_quorum_den": 10,
    }
    made = world.client.post("/api/v1/policies", json=body, headers=world.admin)
    assert made.status_code == 201, made.text
    assert made.json()["ballot_secrecy"] == "public"
    secret = world.client.post(
        "/api/v1/policies", json={**body, "name": "Secret", **SECRET}, headers=world.admin
    )
    assert secret.status_code == 201 and secret.json()["ballot_secrecy"] == "delegates_public"
    wrong = world.client.post(
        "/api/v1/policies",
        json={**body, "name": "Wrong", "ballot_secrecy": "secret"},
        headers=world.admin,
    )
    assert wrong.status_code == 422


def test_weight_one_voters_are_never_linked_to_their_grades(
    world: World, db: Database, clock: FrozenClock, client: TestClient, tmp_path: Path
) -> None:
    issue, first, second = closed(world, db, clock)
    secret = {world.id(n) for n in "BDE"}
    delegate = world.id("A")
    # /voters still lists that they voted, with weight 1.
    assert world.voters(issue) == {delegate: 2, **dict.fromkeys(secret, 1)}
    # /votes: the delegate's grades by name, the others' under random ballot ids.
    votes = world.all_items(f"/issues/{issue}/votes", "F")
    assert sorted(
        (v["initiative_id"], v["grade"]) for v in votes if v["member_id"] == delegate
    ) == [(first, 2), (second, 1)]
    anonymous = [v for v in votes if v["member_id"] is None]
    assert {v["member_id"] for v in votes} == {delegate, None}
    assert all(v["ballot_id"] is None for v in votes if v["member_id"] is not None)
    assert all(re.fullmatch("[0-9a-f]{32}", v["ballot_id"]) for v in anonymous)
    by_ballot: dict[str, list[tuple[int, int]]] = {}
    for v in anonymous:
        by_ballot.setdefault(v["ballot_id"], []).append((v["initiative_id"], v["grade"]))
    assert sorted(by_ballot.values()) == [[(first, -1), (second, 1)], [(first, 1)]]
    # The database: no live ballot, ballot grade or vote of theirs is left.
    assert linking_rows(db, issue, secret) == []
    assert linking_rows(db, issue, {delegate}) != []  # the delegate's live ballot stays
    with db.session() as session:
        stored = session.exec(
            select(AnonymousBallot.position, AnonymousBallot.ballot_id)
            .where(AnonymousBallot.issue_id == issue)
            .order_by(col(AnonymousBallot.position))
        ).all()
    assert len(stored) == 3  # D's empty ballot counts too
    # The record: anonymous ballots sorted by content, voters by id, no member beside grades.
    response = world.call("GET", f"/issues/{issue}/record", "F")
    document = load_record(response.content)
    inputs = document["inputs"]
    assert [b["member_id"] for b in inputs["ballots"]] == [delegate]
    assert inputs["anonymous_voter_ids"] == sorted(secret)
    contents = [
        [(g["initiative_id"], g["grade"]) for g in b["grades"]] for b in inputs["anonymous_ballots"]
    ]
    assert contents == sorted(contents) == [[], [(first, -1), (second, 1)], [(first, 1)]]
    assert [b["ballot_id"] for b in inputs["anonymous_ballots"]] == [b for _, b in stored]
    assert linked(document, secret) == []
    assert document["inputs"]["policy"]["ballot_secrecy"] == "delegates_public"
    assert recompute(document) == [] and check_digest(document) == []
    saved = tmp_path / "record.json"
    saved.write_bytes(response.content)
    said = io.StringIO()
    assert verify_command(str(saved), out=said) == 0, said.getvalue()
    assert said.getvalue() == "verified\n"
    # The explanation: directly, kept without the name, no grades.
    for name in "BDE":
        got = world.ok("GET", f"/issues/{issue}/explanation", name)
        assert (got["case"], got["weight"], got["grades"]) == ("voted_secretly", 1, None)
        assert (got["kind"], got["counted_by"]) == ("direct", world.id(name))
        assert got["sentence"].startswith(
            "You voted directly; your grades were kept without your name"
        )
        assert "initiative" not in got["sentence"]
        about = world.ok(
            "GET", f"/issues/{issue}/explanation", "F", params={"member_id": world.id(name)}
        )
        assert about["case"] == "voted_secretly" and about["grades"] is None
    assert world.ok("GET", f"/issues/{issue}/explanation", "A")["grades"] == [
        {"initiative_id": first, "grade": 2},
        {"initiative_id": second, "grade": 1},
    ]
    # Every other API answer about the issue and the members.
    for path in ("/voters", "/delegating-voters", "/battles", "/result-explanation", ""):
        assert linked(world.ok("GET", f"/issues/{issue}{path}", "F"), secret) == []
    for name in "BDE":
        assert linked(world.ok("GET", f"/members/{world.id(name)}", "F"), secret) == []
        assert linked(world.ok("GET", "/members/me", name), secret) == []
        assert world.status("GET", f"/issues/{issue}/ballot", name) == 404
    # The export.
    out = io.StringIO()
    with db.session() as session:
        export(session, out, exported_at=clock())
    exported = json.loads(out.getvalue())
    assert linked(exported, secret) == []
    assert sum(1 for v in exported["votes"] if v["member_id"] is None) == len(anonymous)
    # The web: the closed issue page and the member's own page show no grades of theirs.
    web_login(client, "B")
    page = html.unescape(client.get(f"/issues/{issue}").text)
    assert "your grades were kept without your name" in page
    assert "for initiative" not in page
    profile = html.unescape(client.get(f"/members/{world.id('B')}").text)
    assert "for initiative" not in profile


def test_delegates_ballots_stay_public(world: World, db: Database, clock: FrozenClock) -> None:
    issue, first, _ = two_initiatives(world, "A", "B")
    world.delegate("C", "B", issue_id=issue)
    world.delegate("D", "C", area_id=world.area_id)
    assert world.vote("B", issue, {first: 3}).status_code == 200
    assert world.vote("C", issue, {first: -3}).status_code == 200  # votes itself: B gets 1
    assert world.vote("A", issue, {first: 1}).status_code == 200
    assert world.step(DAY)[0].startswith("finished")
    assert write_due_records(db, clock=clock)
    # C takes part directly, so D's vote stays with C (weight 2); A and B carry no one.
    assert world.voters(issue) == {world.id("A"): 1, world.id("B"): 1, world.id("C"): 2}
    votes = world.all_items(f"/issues/{issue}/votes", "F")
    assert [(v["member_id"], v["grade"]) for v in votes if v["member_id"]] == [(world.id("C"), -3)]
    document = load_record(world.call("GET", f"/issues/{issue}/record", "F").content)
    assert [b["member_id"] for b in document["inputs"]["ballots"]] == [world.id("C")]
    assert recompute(document) == []


def test_the_ballot_form_says_so_before_voting(client: TestClient, world: World) -> None:
    issue, _, _ = two_initiatives(world, "A", "B")
    web_login(client, "C")
    page = html.unescape(client.get(f"/issues/{issue}").text)
    assert "your grades are published only if others' votes flow to you at the close" in page


def test_no_such_words_under_a_public_policy(
    client: TestClient, db: Database, clock: FrozenClock
) -> None:
    public = build_world(client, db, clock, ["P", "Q"])
    issue, _, _ = two_initiatives(public, "P", "Q")
    web_login(client, "P")
    page = client.get(f"/issues/{issue}").text
    assert 'id="grade-' in page and "published only if" not in page


def test_verify_finds_a_changed_anonymous_ballot(
    world: World, db: Database, clock: FrozenClock
) -> None:
    issue, first, second = closed(world, db, clock)
    document = load_record(world.call("GET", f"/issues/{issue}/record", "F").content)
    changed = json.loads(json.dumps(document))
    changed["inputs"]["anonymous_ballots"][1]["grades"] = [
        {"initiative_id": first, "grade": 3},
        {"initiative_id": second, "grade": -3},
    ]
    assert check_digest(changed) != []
    assert any(f.startswith("results.") for f in recompute(changed))
    fewer = json.loads(json.dumps(document))
    fewer["inputs"]["anonymous_voter_ids"].pop()
    assert recompute(fewer)[0].startswith("inputs:")


def outcome(world: World, issue: int, names: list[str], ids: list[int]) -> dict[str, Any]:
    """The results of a closed issue with members and initiatives by position (so that the
    same election in another world compares equal)."""
    member = {world.id(n): i for i, n in enumerate(names)}
    initiative: dict[int | None, int | None] = {i: k for k, i in enumerate(ids)}
    initiative[None] = None
    state = world.issue(issue)
    fields = ("rank", "schulze_rank", "winner", "eligible", "positive_votes", "negative_votes")
    return {
        "state": state["state"],
        "voter_count": state["voter_count"],
        "status_quo_schulze_rank": state["status_quo_schulze_rank"],
        "initiatives": [[world.initiative(i)[f] for f in fields] for i in ids],
        "battles": sorted(
            (
                str(initiative[b["winning_initiative_id"]]),
                str(initiative[b["losing_initiative_id"]]),
                b["count"],
            )
            for b in world.all_items(f"/issues/{issue}/battles")
        ),
        "voters": sorted((member[m], w) for m, w in world.voters(issue).items()),
        "delegating": sorted(
            (
                member[d["member_id"]],
                d["weight"],
                d["scope"],
                [member[m] for m in d["delegate_member_ids"]],
            )
            for d in world.all_items(f"/issues/{issue}/delegating-voters")
        ),
    }


@pytest.mark.parametrize("seed", [4, 5])
def test_results_identical_to_the_same_election_in_public(
    client: TestClient, db: Database, clock: FrozenClock, seed: int
) -> None:
    """A generated electorate voted twice, under each policy: the same results; under
    ``delegates_public`` no row links a weight-1 voter to grades, and the record verifies."""
    results = []
    for prefix, policy in (("P", {}), ("S", SECRET)):
        names = [f"{prefix}{i}" for i in range(14)]
        world = build_world(client, db, clock, names, **policy)
        issue, ids = world.two_in_voting(names)
        scatter(world, random.Random(seed), issue, ids, vote_share=0.6)
        assert world.step(DAY)[0].startswith("finished")
        assert write_due_records(db, clock=clock)
        results.append(outcome(world, issue, names, ids))
        weights = world.voters(issue)
        document = load_record(world.call("GET", f"/issues/{issue}/record", names[0]).content)
        assert recompute(document) == [] and check_digest(document) == []
        single = {m for m, w in weights.items() if w == 1}
        named = {v["member_id"] for v in world.all_items(f"/issues/{issue}/votes", names[0])}
        if policy:
            assert single, "the electorate should have voters of weight 1"
            assert linking_rows(db, issue, single) == []
            assert linked(document, single) == [] and not named & single
            assert sorted(document["inputs"]["anonymous_voter_ids"]) == sorted(single)
            cases = {
                m: world.ok(
                    "GET", f"/issues/{issue}/explanation", names[0], params={"member_id": m}
                )["case"]
                for m in weights
            }
            assert cases == {
                m: "voted_secretly" if m in single else "voted_directly" for m in weights
            }
        else:
            assert linking_rows(db, issue, single) != []
    assert results[0] == results[1]
