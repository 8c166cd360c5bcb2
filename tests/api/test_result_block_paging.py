"""Issue 13: keyset pagination and lookups over votes and delegating voters stored in blocks
(proposals.services.result_store)."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from proposals.result_blocks import BLOCK, SCOPES, delegating_voters, encode, votes
from proposals.services.result_store import (
    delegating_page,
    delegating_voters_among,
    insert_blocks,
    issue_delegating_voters,
    issue_votes,
    vote_page,
)
from proposals.services.voting import stored_link
from tests.api.world import build_world
from tests.reads import counting_reads

N = 2 * BLOCK + 37  # three blocks, the last one short


@pytest.fixture
def issue(client: TestClient, db: Database, clock: FrozenClock) -> int:
    """An issue whose stored votes are N grades: member i grades initiative 7 with i % 5 - 2."""
    world = build_world(client, db, clock, ["A"], discussion_time=0, verification_time=0)
    issue_id: int = world.propose("A")["issue_id"]
    members = np.arange(1, N + 1)
    with db.session() as session:
        insert_blocks(
            session, issue_id, "vote", encode("vote", votes(members, [7] * N, members % 5 - 2))
        )
        session.commit()
    return issue_id


def walk(db: Database, issue: int, limit: int) -> list[tuple[int, int | None]]:
    """Every page's (first key, next_after), following next_after."""
    pages, after = [], None
    with db.session() as session:
        while True:
            page = vote_page(session, issue, after=after, limit=limit)
            assert page.items, "a page before the end is never empty"
            keys = [v.id for v in page.items]
            assert keys == list(range(keys[0], keys[-1] + 1))
            pages.append((page.items[0].id, page.next_after))
            if page.next_after is None:
                assert page.items[-1].id == N
                return pages
            assert page.next_after == page.items[-1].id
            after = page.next_after


@pytest.mark.parametrize("limit", [1, 500, BLOCK - 1, BLOCK, BLOCK + 1, N - 1, N, N + 1])
def test_pages_follow_each_other_across_blocks(db: Database, issue: int, limit: int) -> None:
    pages = walk(db, issue, limit)
    assert [first for first, _ in pages] == list(range(1, N + 1, limit))


def test_a_page_holds_the_stored_votes(db: Database, issue: int) -> None:
    with db.session() as session:
        page = vote_page(session, issue, after=BLOCK - 2, limit=4)
        everything = list(issue_votes(session, issue))
    assert [(v.id, v.member_id, v.initiative_id, v.grade, v.ballot_id) for v in page.items] == [
        (k, k, 7, k % 5 - 2, None) for k in range(BLOCK - 1, BLOCK + 3)
    ]
    assert page.next_after == BLOCK + 2
    assert [v.id for v in everything] == list(range(1, N + 1))
    assert {v.issue_id for v in everything} == {issue}


@pytest.mark.parametrize("after", [N, N + 1, 10**9])
def test_after_the_end_is_an_empty_last_page(db: Database, issue: int, after: int) -> None:
    with db.session() as session:
        page = vote_page(session, issue, after=after, limit=10)
        assert (list(page.items), page.next_after) == ([], None)
        assert page.previous_after() == N - 10


@pytest.mark.parametrize(
    "after, limit, previous",
    [
        (None, 10, None),  # the first page has none
        (10, 10, None),  # the page before starts at the beginning
        (5, 10, None),
        (11, 10, 1),
        (BLOCK + 5, 10, BLOCK - 5),  # back across a block boundary
        (N - 1, 500, N - 501),
        (BLOCK + 1, BLOCK, 1),
        (BLOCK, BLOCK, None),
    ],
)
def test_the_previous_page(
    db: Database, issue: int, after: int | None, limit: int, previous: int | None
) -> None:
    with db.session() as session:
        page = vote_page(session, issue, after=after, limit=limit)
        assert page.has_previous == (after is not None)
        assert page.previous_after() == previous


def test_an_issue_without_votes_has_an_empty_page(
    client: TestClient, db: Database, clock: FrozenClock
) -> None:
    world = build_world(client, db, clock, ["A"], discussion_time=0, verification_time=0)
    issue_id: int = world.propose("A")["issue_id"]
    with db.session() as session:
        page = vote_page(session, issue_id, after=None, limit=10)
        assert (list(page.items), page.next_after, page.previous_after()) == ([], None, None)
        assert list(issue_votes(session, issue_id)) == []


# Delegating voters: keyed by member id (every third id here, so keys have gaps).
MEMBERS = [3 * i + 10 for i in range(N)]


@pytest.fixture
def delegating_issue(client: TestClient, db: Database, clock: FrozenClock) -> int:
    world = build_world(client, db, clock, ["A"], discussion_time=0, verification_time=0)
    issue_id: int = world.propose("A")["issue_id"]
    entries = delegating_voters(
        MEMBERS, [m - 1 for m in MEMBERS], [2] * N, [m % 3 for m in MEMBERS]
    )
    with db.session() as session:
        insert_blocks(session, issue_id, "delegating_voter", encode("delegating_voter", entries))
        session.commit()
    return issue_id


@pytest.mark.parametrize("limit", [1, 100, BLOCK, BLOCK + 1, N])
def test_delegating_voter_pages_follow_each_other(
    db: Database, delegating_issue: int, limit: int
) -> None:
    seen: list[int] = []
    after = None
    with db.session() as session:
        while True:
            page = delegating_page(session, delegating_issue, after=after, limit=limit)
            seen += [v.member_id for v in page.items]
            if page.next_after is None:
                break
            assert page.next_after == page.items[-1].member_id
            if after is not None:
                # The page before this one starts where the walk was ``limit`` entries ago.
                start = MEMBERS.index(page.items[0].member_id)
                assert page.previous_after() == (
                    MEMBERS[start - limit - 1] if start > limit else None
                )
            after = page.next_after
    assert seen == MEMBERS


@pytest.mark.parametrize("after", [0, 9, 10, 11, MEMBERS[BLOCK - 1], MEMBERS[BLOCK] - 1, 10**9])
def test_a_delegating_page_after_any_key(db: Database, delegating_issue: int, after: int) -> None:
    with db.session() as session:
        page = delegating_page(session, delegating_issue, after=after, limit=3)
    expected = [m for m in MEMBERS if m > after][:3]
    assert [(v.issue_id, v.member_id, v.trustee_id, v.weight, v.scope) for v in page.items] == [
        (delegating_issue, m, m - 1, 2, SCOPES[m % 3]) for m in expected
    ]


def test_one_member_reads_one_block(db: Database, delegating_issue: int) -> None:
    asked = [1, 10, 11, MEMBERS[BLOCK - 1], MEMBERS[BLOCK], MEMBERS[-1], MEMBERS[-1] + 3]
    with db.session() as session, counting_reads(db) as reads:
        found = delegating_voters_among(session, delegating_issue, asked)
    assert sorted(found) == [10, MEMBERS[BLOCK - 1], MEMBERS[BLOCK], MEMBERS[-1]]
    assert found[MEMBERS[BLOCK]].trustee_id == MEMBERS[BLOCK] - 1
    # 1 and the last + 3 are in no block (no block, or past its last key): one lookup each;
    # 10 and 11 share the first block, the rest one block each.
    assert reads.statements == 6
    assert reads.rows_from("result_block") == 4
    with db.session() as session:
        assert stored_link(session, delegating_issue, MEMBERS[5]) == (
            MEMBERS[5] - 1,
            SCOPES[MEMBERS[5] % 3],
        )
        assert stored_link(session, delegating_issue, MEMBERS[5] + 1) is None
        everything = list(issue_delegating_voters(session, delegating_issue))
    assert [v.member_id for v in everything] == MEMBERS
