"""Issue 13: the result rows a close writes (proposals.lifecycle._store_results, _anonymous).

The anonymous ballots are grouped by content; what is stored (rows of ``direct_voter`` and
``anonymous_ballot``, result blocks of delegating voters and votes, read back through
:mod:`proposals.services.result_store`) must be exactly the rows of the plain formulas below.
"""

import random
import secrets
from collections import Counter
from types import SimpleNamespace
from typing import cast

import numpy as np
import numpy.typing as npt
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.db import Database
from delegation import Delegation, TallyResult
from delegation.arrays import resolve_rows
from proposals.clock import FrozenClock
from proposals.lifecycle import _anonymous, _store_results
from proposals.models import AnonymousBallot, DirectVoter, ResultBlock
from proposals.services.result_store import issue_delegating_voters, issue_votes
from tests.api.world import build_world
from tests.proposals.test_ballot_grades import cast_of

ISSUE = 9
BIG = 2**31 - 1  # the largest id an ``integer`` column holds
NO_BATTLES = cast(TallyResult, SimpleNamespace(battle={}))


def ids(members: set[int]) -> npt.NDArray[np.int64]:
    return np.array(sorted(members), dtype=np.int64)


@pytest.fixture
def issue(client: TestClient, db: Database, clock: FrozenClock) -> int:
    """An issue for the stored results to belong to (result blocks refer to it)."""
    world = build_world(client, db, clock, ["A"], discussion_time=0, verification_time=0)
    issue_id: int = world.propose("A")["issue_id"]
    return issue_id


def test_stored_rows_are_the_plain_formulas(db: Database, issue: int) -> None:
    # 2 -> 1 (unit), 4 -> BIG (area), 5 -> BIG (issue), 6 -> 4 -> BIG (unit): every scope.
    members = frozenset({1, 2, 3, 4, 5, 6, BIG - 1, BIG})
    rows = [
        Delegation(2, 1, "unit"),
        Delegation(4, BIG, "area"),
        Delegation(5, BIG, "issue"),
        Delegation(6, 4, "unit"),
    ]
    grades = {1: {102: 1, 101: -2}, BIG: {}, 3: {102: 2, 101: -1}, BIG - 1: {}}
    secret = {3, BIG - 1}  # one anonymous ballot with grades, one abstaining on everything
    resolution = resolve_rows(members, rows, grades)
    with db.session() as session:
        _store_results(
            session, issue, resolution, cast_of(grades), NO_BATTLES, ids(secret), [101, 102]
        )
        direct = session.exec(
            select(DirectVoter.issue_id, DirectVoter.member_id, DirectVoter.weight).order_by(
                col(DirectVoter.member_id)
            )
        ).all()
        delegating = [
            (d.issue_id, d.member_id, d.trustee_id, d.weight, d.scope)
            for d in issue_delegating_voters(session, issue)
        ]
        votes = [
            (v.issue_id, v.member_id, v.initiative_id, v.grade, v.ballot_id)
            for v in issue_votes(session, issue)
        ]
        anonymous = session.exec(
            select(AnonymousBallot.position, AnonymousBallot.ballot_id).order_by(
                col(AnonymousBallot.position)
            )
        ).all()
    assert direct == [(issue, 1, 2), (issue, 3, 1), (issue, BIG - 1, 1), (issue, BIG, 4)]
    assert delegating == [
        (issue, 2, 1, 1, "unit"),
        (issue, 4, BIG, 2, "area"),
        (issue, 5, BIG, 1, "issue"),
        (issue, 6, 4, 1, "unit"),
    ]
    # The abstaining ballot (no grades) sorts first; only member 3's grades are anonymous.
    (first, empty), (second, ballot) = anonymous
    assert (first, second) == (0, 1)
    assert len(empty) == len(ballot) == 32 and empty != ballot
    # Ids in insertion order: public grades by member and initiative, then the anonymous ones.
    assert votes == [
        (issue, 1, 101, -2, None),
        (issue, 1, 102, 1, None),
        (issue, None, 101, -1, ballot),
        (issue, None, 102, 2, ballot),
    ]


def test_nothing_to_store_writes_nothing(db: Database) -> None:
    resolution = resolve_rows({1}, [], [])
    with db.session() as session:
        _store_results(session, ISSUE, resolution, cast_of({}), NO_BATTLES, ids(set()), [])
        for model in (DirectVoter, ResultBlock, AnonymousBallot):
            assert session.exec(select(model)).all() == []


@pytest.mark.parametrize("count", [0, 1, 2, 500])
def test_anonymous_ballots_in_the_order_of_content_then_id(
    count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(count)
    drawn: list[str] = []

    def token_bytes(n: int) -> bytes:
        data = rng.randbytes(n)
        drawn.extend(data[k : k + 16].hex() for k in range(0, n, 16))
        return data

    monkeypatch.setattr(secrets, "token_bytes", token_bytes)
    grades = {
        m: {i: rng.randint(-3, 3) for i in rng.sample([101, 102, 103], rng.randint(0, 3))}
        for m in range(1, count + 1)
    }
    secret = set(grades)
    heads, entries = _anonymous(ISSUE, cast_of(grades), ids(secret))
    votes = [(i, g, b.decode()) for m, i, g, b in entries.tolist() if m == 0]
    assert len(votes) == len(entries)

    assert [(issue, position) for issue, position, _ in heads] == [(ISSUE, p) for p in range(count)]
    given: dict[str, list[tuple[int, int]]] = {ballot_id: [] for _, _, ballot_id in heads}
    for initiative, grade, ballot_id in votes:
        given[ballot_id].append((initiative, grade))
    # The plain formula's order: sorted (content, id) pairs, each content's grades sorted.
    pairs = [(given[ballot_id], ballot_id) for _, _, ballot_id in heads]
    assert pairs == sorted(pairs)
    assert all(content == sorted(content) for content, _ in pairs)
    # One ballot per secret member, each with its member's grades, under the drawn ids.
    assert Counter(tuple(content) for content, _ in pairs) == Counter(
        tuple(sorted(grades[m].items())) for m in secret
    )
    assert sorted(given) == sorted(drawn)
    assert all(len(ballot_id) == 32 for ballot_id in given)
