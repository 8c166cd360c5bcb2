"""How was my vote counted? (issue 12, item 2): ``GET /issues/{id}/explanation`` answers from
the issue's record, one case per test, and agrees with ``/voters`` and ``/delegating-voters``
for every member of generated electorates."""

import json
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.settings import PublicAccess
from proposals.clock import FrozenClock
from proposals.services.records import write_due_records
from tests.api.test_records import to_voting
from tests.api.world import DAY, World, build_world, scatter


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDEFGH"))


def closed(world: World, db: Database, clock: FrozenClock) -> tuple[int, int, int]:
    """C -> A (unit), D -> C (area), E blocks (issue), F -> E (unit), G -> H, H -> G; A and B
    vote; the issue closes and gets its record."""
    issue, first, second = to_voting(world)
    world.delegate("C", "A")
    world.delegate("D", "C", area_id=world.area_id)
    world.delegate("E", None, issue_id=issue)
    world.delegate("F", "E")
    world.delegate("G", "H")
    world.delegate("H", "G")
    assert world.vote("A", issue, {first: 2, second: 1}).status_code == 200
    assert world.vote("B", issue, {first: -1, second: 0}).status_code == 200
    assert world.step(DAY) == ["finished_with_winner"]
    assert write_due_records(db, clock=clock)
    return issue, first, second


def admin_id(world: World) -> int:
    member: int = world.client.get("/api/v1/members/me", headers=world.admin).json()["id"]
    return member


def explain(world: World, issue: int, who: str | None, member: str | None = None) -> Any:
    params = {"member_id": world.id(member)} if member else {}
    return world.call("GET", f"/issues/{issue}/explanation", who, params=params)


def answer(world: World, issue: int, who: str, member: str | None = None) -> dict[str, Any]:
    response = explain(world, issue, who, member)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_voted_directly(world: World, db: Database, clock: FrozenClock) -> None:
    issue, first, second = closed(world, db, clock)
    got = answer(world, issue, "A")
    assert (got["issue_id"], got["member_id"], got["case"]) == (
        issue,
        world.id("A"),
        "voted_directly",
    )
    assert got["weight"] == 3
    assert got["grades"] == [
        {"initiative_id": first, "grade": 2},
        {"initiative_id": second, "grade": 1},
    ]
    assert got["carried"] == [
        {"scope": "area", "member_ids": [world.id("D")]},
        {"scope": "unit", "member_ids": [world.id("C")]},
    ]
    assert got["sentence"].startswith("You voted directly")
    # The contract's fields (API.md): kind, weight, chain, scopes, grades, counted_by, text.
    assert (got["kind"], got["chain"], got["scopes"], got["counted_by"]) == (
        "direct",
        [],
        [],
        world.id("A"),
    )
    assert got["text"] == got["sentence"]


def test_delegated_and_counted(world: World, db: Database, clock: FrozenClock) -> None:
    issue, first, _ = closed(world, db, clock)
    got = answer(world, issue, "D")
    assert got["case"] == "delegated_counted"
    assert got["steps"] == [
        {"member_id": world.id("C"), "scope": "area"},
        {"member_id": world.id("A"), "scope": "unit"},
    ]
    assert (got["voter_id"], got["voter_weight"], got["weight"]) == (world.id("A"), 3, 1)
    assert {"initiative_id": first, "grade": 2} in got["grades"]
    assert (got["kind"], got["chain"], got["scopes"], got["counted_by"]) == (
        "delegated",
        [world.id("C"), world.id("A")],
        ["area", "unit"],
        world.id("A"),
    )
    assert got["text"] == got["sentence"]


def test_delegated_not_counted(world: World, db: Database, clock: FrozenClock) -> None:
    issue, _, _ = closed(world, db, clock)
    got = answer(world, issue, "F")
    assert got["case"] == "delegated_not_counted"
    assert (got["ended_at"], got["end"]) == (world.id("E"), "blocked")
    assert got["steps"] == [{"member_id": world.id("E"), "scope": "unit"}]
    assert (got["kind"], got["chain"], got["scopes"]) == ("lost", [world.id("E")], ["unit"])
    assert (got["weight"], got["grades"], got["counted_by"]) == (0, None, None)
    loop = answer(world, issue, "G")
    assert (loop["case"], loop["end"]) == ("delegated_not_counted", "loop")


def test_not_participating(world: World, db: Database, clock: FrozenClock) -> None:
    issue, _, _ = closed(world, db, clock)
    blocked = answer(world, issue, "E")
    assert (blocked["case"], blocked["blocked_scope"]) == ("not_participating", "issue")
    assert (blocked["kind"], blocked["weight"], blocked["chain"], blocked["counted_by"]) == (
        "absent",
        0,
        [],
        None,
    )
    # B asks about E: the same answer, told about E rather than to them.
    about = answer(world, issue, "B", "E")
    assert about["case"] == "not_participating"
    assert about["sentence"].startswith(f"Member {world.id('E')} ")


def test_not_eligible(world: World, db: Database, clock: FrozenClock) -> None:
    issue, _, _ = closed(world, db, clock)
    admin = admin_id(world)
    response = world.client.get(f"/api/v1/issues/{issue}/explanation", headers=world.admin)
    assert response.status_code == 200
    got = response.json()
    assert got["member_id"] == admin
    assert (got["case"], got["reason"]) == ("not_eligible", "not_among_eligible_members")
    assert (got["kind"], got["weight"], got["grades"], got["counted_by"]) == (
        "ineligible",
        0,
        None,
        None,
    )


def test_computed_from_the_record_not_from_todays_delegations(
    world: World, db: Database, clock: FrozenClock
) -> None:
    issue, _, _ = closed(world, db, clock)
    world.delegate("F", "A")  # after the close
    assert answer(world, issue, "F")["case"] == "delegated_not_counted"


def test_errors(world: World, db: Database, clock: FrozenClock) -> None:
    closed_issue = closed(world, db, clock)[0]
    issue, _, _ = to_voting(world)
    assert explain(world, issue, "A").status_code == 409
    assert explain(world, 999_999, "A").status_code == 404
    unknown = world.call(
        "GET", f"/issues/{closed_issue}/explanation", "A", params={"member_id": 999_999}
    )
    assert unknown.status_code == 404


def test_an_issue_without_a_record(world: World) -> None:
    issue, _, _ = to_voting(world)
    assert world.vote("A", issue, {}).status_code == 200
    assert world.step(DAY)[0].startswith("finished")
    assert explain(world, issue, "A").status_code == 404  # not yet written


@pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
def test_visibility_like_votes(world: World, db: Database, clock: FrozenClock) -> None:
    issue, _, _ = closed(world, db, clock)
    assert explain(world, issue, None, "A").status_code == 401
    assert world.status("GET", f"/issues/{issue}/votes", None) == 401
    assert answer(world, issue, "E", "A")["case"] == "voted_directly"


def test_pseudonym_reads_about_members_without_a_token(
    world: World, db: Database, clock: FrozenClock
) -> None:
    issue, _, _ = closed(world, db, clock)
    assert world.status("GET", f"/issues/{issue}/votes", None) == 200
    response = explain(world, issue, None, "A")
    assert response.status_code == 200
    assert response.json()["sentence"].startswith(f"Member {world.id('A')} voted directly")
    assert explain(world, issue, None).status_code == 401  # "me" needs a token


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_member_agrees_with_voters_and_delegating_voters(
    client: TestClient, db: Database, clock: FrozenClock, seed: int
) -> None:
    """Generated electorates (delegations in every scope, blocks, cycles, random ballots): for
    every member the explanation agrees with the stored results, and members in neither are
    explained consistently with the record's inputs."""
    rng = random.Random(seed)
    names = [f"M{i}" for i in range(14)]
    world = build_world(client, db, clock, names)
    issue, ids = world.two_in_voting(names)
    scatter(world, rng, issue, ids, vote_share=0.4)
    assert world.step(DAY)[0].startswith("finished")
    assert write_due_records(db, clock=clock)
    voters = world.voters(issue)
    delegating = {d["member_id"]: d for d in world.all_items(f"/issues/{issue}/delegating-voters")}
    document = json.loads(world.call("GET", f"/issues/{issue}/record", names[0]).content)
    eligible = set(document["inputs"]["eligible_member_ids"])
    rows = document["inputs"]["delegations"]
    admin = admin_id(world)
    cases = set()
    for member in [*(world.id(n) for n in names), admin]:
        got = world.ok(
            "GET", f"/issues/{issue}/explanation", names[0], params={"member_id": member}
        )
        cases.add(got["case"])
        if member in voters:
            assert (got["case"], got["weight"]) == ("voted_directly", voters[member])
            assert sum(len(g["member_ids"]) for g in got["carried"]) == voters[member] - 1
        elif member in delegating:
            stored = delegating[member]
            assert got["case"] == "delegated_counted"
            assert got["chain"] == stored["delegate_member_ids"]
            assert [s["member_id"] for s in got["steps"]] == got["chain"]
            assert got["counted_by"] == stored["delegate_member_ids"][-1]
            assert got["voter_id"] == stored["delegate_member_ids"][-1]
            assert got["voter_weight"] == voters[got["voter_id"]]
            assert got["weight"] == stored["weight"]
            assert got["scopes"][0] == stored["scope"]
        elif member not in eligible:
            assert got["case"] == "not_eligible"
        else:
            own = {r["scope"]: r["trustee_id"] for r in rows if r["truster_id"] == member}
            applying = next((own[s] for s in ("issue", "area", "unit") if s in own), None)
            if applying is None:
                assert got["case"] == "not_participating"
            else:
                assert got["case"] == "delegated_not_counted"
                assert got["chain"][0] == applying
                assert got["ended_at"] not in voters
    assert "not_eligible" in cases and "voted_directly" in cases
