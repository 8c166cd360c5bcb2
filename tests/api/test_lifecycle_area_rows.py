"""A lifecycle run reads an area's delegation rows once for all its issues (issue 13: the warm
snapshot), and its snapshots are those of separate steps."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from delegation import Scope
from proposals import graphs
from proposals.clock import FrozenClock
from proposals.lifecycle import advance_issue
from tests.api.world import World, build_world


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    # A quorum of everybody: the snapshots alone, no transition.
    return build_world(client, db, clock, list("ABCDEFGH"), issue_quorum_num=1, issue_quorum_den=1)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Scope, int]]]:
    """Every read of delegation rows, as (scope, id): ``scope_links`` calls, and ``area_links`` and
    ``issue_links`` calls (an area's or issue's rows as plain pairs) as ("area", id) and
    ("issue", id)."""
    calls: list[tuple[Scope, int]] = []
    original = graphs.scope_links
    original_area = graphs.area_links
    original_issue = graphs.issue_links

    def counting(session: Any, scope: Scope, scope_id: int) -> Any:
        calls.append((scope, scope_id))
        return original(session, scope, scope_id)

    def counting_area(session: Any, area_id: int) -> Any:
        calls.append(("area", area_id))
        return original_area(session, area_id)

    def counting_issue(session: Any, issue_id: int) -> Any:
        calls.append(("issue", issue_id))
        return original_issue(session, issue_id)

    monkeypatch.setattr(graphs, "scope_links", counting)
    monkeypatch.setattr(graphs, "area_links", counting_area)
    monkeypatch.setattr(graphs, "issue_links", counting_issue)
    yield calls


def _snapshots(world: World, initiative_ids: list[int]) -> list[tuple[Any, ...]]:
    keys = (
        "supporter_count",
        "informed_supporter_count",
        "satisfied_supporter_count",
        "satisfied_informed_supporter_count",
    )
    rows = []
    for initiative_id in initiative_ids:
        initiative = world.initiative(initiative_id)
        issue = world.issue(initiative["issue_id"])
        rows.append((issue["population"], *(initiative[k] for k in keys)))
    return rows


def test_a_run_reads_the_area_rows_once_and_snapshots_as_separate_steps(
    world: World, reads: list[tuple[Scope, int]]
) -> None:
    first, second = world.propose("A", "First"), world.propose("A", "Second")
    issue_ids = [first["issue_id"], second["issue_id"]]
    area = {"area_id": world.area_id}
    world.delegate("B", "A", **area)
    world.delegate("C", "B", **area)
    world.delegate("D", None, **area)  # blocks D's unit delegation in the area
    world.delegate("D", "A")
    world.delegate("E", "A")
    world.delegate("F", "C", issue_id=second["issue_id"])  # issue over the (absent) area row
    world.delegate("G", "H", issue_id=first["issue_id"])
    world.support("A", first["id"])
    world.support("C", second["id"])
    world.support("H", second["id"])

    # Two separate steps, each reading its own rows (advance_issue called alone).
    reads.clear()
    for issue_id in issue_ids:
        with world.db.session(write=True) as session:
            assert advance_issue(session, issue_id, now=world.clock()) == []
            session.commit()
    assert reads.count(("area", world.area_id)) == 2
    separate = _snapshots(world, [first["id"], second["id"]])

    # One run over both issues of the area.
    reads.clear()
    assert world.run() == []
    assert reads.count(("area", world.area_id)) == 1
    assert sorted(r for r in reads if r[0] == "issue") == [("issue", i) for i in sorted(issue_ids)]
    assert _snapshots(world, [first["id"], second["id"]]) == separate
    # By hand, first: A, B (area), C (area, via B), E (unit); D's area block keeps D home.
    # Second: C (its own area row cut by its support), F (issue row to C), H.
    assert [row[1] for row in separate] == [4, 3]
