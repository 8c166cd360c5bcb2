"""A chain request reads the members on the chain, not the unit (issue 9, item 8).

The same chain is asked for before and after a thousand more eligible members -- with their own
delegations in every scope, interest, stored voters -- join the unit: the statements run and the
rows read must not change, through the API and the web page. The closed-issue page reads only
the voters it shows (plus the chains it draws through them).
"""

import re
from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import col

from app.db import Database
from app.web.lists import PAGE_SIZE
from proposals.clock import FrozenClock
from proposals.models import (
    Delegation,
    DirectVoter,
    Interest,
    Member,
    Privilege,
)
from proposals.result_blocks import delegating_voters, encode
from proposals.services.result_store import insert_blocks
from tests.api.chain_cases import CASES
from tests.api.test_delegation_effects import close, to_voting
from tests.api.world import World, build_world
from tests.reads import Reads, counting_reads

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
GROWTH = 1000
_batches = count(1)


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDEP"))


def grow(world: World, n: int, *, issue_id: int | None = None) -> list[int]:
    """Add ``n`` eligible members to the unit, delegating in every scope (many of them to the
    members of the chain), interested in the issue; answers their ids."""
    batch = next(_batches)
    with world.db.session() as session:
        session.execute(
            sa.insert(Member),
            [
                {"name": f"grown{batch}-{i}", "password_hash": "", "created_at": NOW}
                for i in range(n)
            ],
        )
        ids: list[int] = list(
            session.scalars(
                sa.select(col(Member.id)).where(col(Member.name).like(f"grown{batch}-%"))
            )
        )
        session.execute(
            sa.insert(Privilege),
            [
                {
                    "unit_id": world.unit_id,
                    "member_id": m,
                    "voting_right": True,
                    "initiative_right": False,
                }
                for m in ids
            ],
        )
        chain = [world.members[x] for x in "ABCD"]
        rows: list[dict[str, Any]] = []
        for i, m in enumerate(ids):
            target = chain[i % 4] if i % 3 else ids[i - 1]
            if target == m:
                continue
            rows.append(_row(m, target, "unit", unit_id=world.unit_id))
            rows.append(_row(m, ids[i - 2], "area", area_id=world.area_id))
            if issue_id is not None and i % 2:
                rows.append(_row(m, None if i % 5 == 0 else target, "issue", issue_id=issue_id))
        session.execute(sa.insert(Delegation), rows)
        if issue_id is not None:
            session.execute(
                sa.insert(Interest), [{"issue_id": issue_id, "member_id": m} for m in ids[::7]]
            )
        session.commit()
    return ids


def _row(truster: int, trustee: int | None, scope: str, **where: int) -> dict[str, Any]:
    return {
        "truster_id": truster,
        "trustee_id": trustee,
        "scope": scope,
        "unit_id": None,
        "area_id": None,
        "issue_id": None,
        **where,
        "created_at": NOW,
    }


def reads_of(world: World, path: str, params: dict[str, Any], who: str | None = None) -> Reads:
    headers = world.headers[who] if who else {}
    with counting_reads(world.db) as reads:
        response = world.client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return reads


def chain_reads(world: World, who: str | None, **scope: int) -> dict[str, tuple[int, int]]:
    params = {"member_id": world.members["A"], **scope}
    out = {}
    for path in ("/api/v1/delegation-chain", "/chain"):
        reads = reads_of(world, path, params, who)
        out[path] = (reads.statements, reads.rows)
    return out


def delegate_the_chain(world: World, issue_id: int) -> None:
    """A -unit-> B -area-> C -issue-> D -unit-> B: a loop behind an overridden stretch."""
    world.delegate("A", "B")
    world.delegate("B", "C", area_id=world.area_id)
    world.delegate("C", "D", issue_id=issue_id)
    world.delegate("D", "B")
    world.ok("PUT", f"/issues/{issue_id}/interest", "C")


class TestChainCostIsTheChainsLength:
    @pytest.mark.parametrize("viewer", [None, "A"])
    def test_unit_area_and_issue_chains_read_the_same_after_the_unit_grows(
        self, world: World, viewer: str | None
    ) -> None:
        issue_id = world.propose("P")["issue_id"]
        delegate_the_chain(world, issue_id)
        scopes = [
            {"unit_id": world.unit_id},
            {"area_id": world.area_id},
            {"issue_id": issue_id},
        ]
        small = [chain_reads(world, viewer, **scope) for scope in scopes]
        before = [world.chain("A", **scope) for scope in scopes]
        grow(world, GROWTH, issue_id=issue_id)
        assert [world.chain("A", **scope) for scope in scopes] == before
        large = [chain_reads(world, viewer, **scope) for scope in scopes]
        assert large == small

    def test_a_chain_in_voting_reads_the_same_after_the_unit_grows(self, world: World) -> None:
        issue_id, initiative_id = to_voting(world)
        world.delegate("A", "B")
        world.delegate("B", "C", issue_id=issue_id)
        assert world.vote("A", issue_id, {initiative_id: 1}).status_code == 200
        small = chain_reads(world, "A", issue_id=issue_id)
        grow(world, GROWTH, issue_id=issue_id)
        assert chain_reads(world, "A", issue_id=issue_id) == small


def store_voters(world: World, issue_id: int, direct: int, delegating: int) -> None:
    """More stored voters of a closed issue: delegating voters through the direct ones."""
    ids = grow(world, direct + delegating)
    with world.db.session() as session:
        session.execute(
            sa.insert(DirectVoter),
            [{"issue_id": issue_id, "member_id": m, "weight": 2} for m in ids[:direct]],
        )
        # Issue 13: delegating voters are stored in blocks of up to 1024, keyed by member id;
        # the grown members' ids follow every stored one, so their blocks come after.
        links = sorted((m, ids[i % direct]) for i, m in enumerate(ids[direct:]))
        entries = delegating_voters(
            [m for m, _ in links], [t for _, t in links], [1] * len(links), [0] * len(links)
        )
        insert_blocks(session, issue_id, "delegating_voter", encode("delegating_voter", entries))
        session.commit()


def stored_rows(reads: Reads) -> int:
    """Rows of direct voters and blocks of delegating voters read."""
    return reads.rows_from("direct_voter") + reads.rows_from("result_block")


def reads_of_blocks(reads: Reads) -> int:
    return reads.rows_from("result_block")


SHOWN = PAGE_SIZE  # voters of each kind on one page of the closed-issue page


class TestClosedIssueReadsWhatItShows:
    def test_closed_issue_page_and_replayed_chain(self, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("B", "C")
        issue_id, initiative_id = to_voting(world)
        close(world, issue_id, initiative_id, "C")
        params = {"member_id": world.members["A"], "issue_id": issue_id}
        small_chain = chain_reads(world, None, issue_id=issue_id)
        small_page = reads_of(world, f"/issues/{issue_id}", {})
        replay = world.ok("GET", "/delegation-chain", params=params)
        store_voters(world, issue_id, 200, 2 * GROWTH)
        assert world.ok("GET", "/delegation-chain", params=params) == replay
        assert chain_reads(world, None, issue_id=issue_id) == small_chain
        large_page = reads_of(world, f"/issues/{issue_id}", {})
        store_voters(world, issue_id, 200, 2 * GROWTH)
        larger_page = reads_of(world, f"/issues/{issue_id}", {})
        # The page shows one page (SHOWN) of each kind of voter, plus the look-ahead row that
        # tells whether more exist. A delegating voter shown may be carried by a direct voter
        # of a later page: one more statement looks those up (at most one row per delegating
        # voter shown). Nothing grows with the issue: twice the voters, the same reads.
        assert stored_rows(small_page) == 1 + 1  # C; A and B in one block
        # The issue's stored delegating voters: 1 block, then 3, then 5; a page reads the same
        # blocks however many there are.
        assert reads_of_blocks(large_page) == reads_of_blocks(larger_page) <= 2
        assert small_page.statements <= large_page.statements <= small_page.statements + 1
        assert larger_page.statements == large_page.statements
        for page in (large_page, larger_page):
            assert stored_rows(page) <= 2 * (SHOWN + 1) + SHOWN
            assert page.rows - stored_rows(page) <= (
                small_page.rows - stored_rows(small_page) + 3 * SHOWN
            )  # the names of the members shown: voters of both kinds and whom they went to


ISSUE_CASES = [name for name, make in CASES.items() if name not in ("area_only", "unit_only")]


@pytest.mark.parametrize("name", ISSUE_CASES)
def test_an_issue_chain_reads_the_issue_once(world: World, name: str) -> None:
    """``chain_answer`` needs the issue's unit, area and state: one read of its row serves the
    walk and the outcome, through the API and the page, open, in voting, closed or canceled."""
    case = CASES[name](world)
    params = {"member_id": world.id(case.member), **case.context}
    for path in ("/api/v1/delegation-chain", "/chain"):
        reads = reads_of(world, path, params, case.viewer)
        issue_reads = [s for s, _ in reads.log if re.search(r"\bFROM issue\b", s)]
        assert len(issue_reads) == 1, (path, issue_reads)
