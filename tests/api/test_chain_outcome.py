"""The chain answer's ``outcome`` (API.md GET /delegation-chain, DESIGN.md §3): one case each."""

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.chain_cases import CASES
from tests.api.world import World, build_world


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, ["A", "B", "C"])


@pytest.mark.parametrize("name", list(CASES))
def test_the_outcome_says_where_the_vote_goes(world: World, name: str) -> None:
    case = CASES[name](world)
    params = {"member_id": world.id(case.member), **case.context}
    answer = world.ok("GET", "/delegation-chain", case.viewer, params=params)
    ends_at = world.id(case.ends_at) if case.ends_at else None
    assert answer["outcome"] == {"kind": case.kind, "member_id": ends_at, "text": case.text}
    for words in case.absent:
        assert words not in answer["outcome"]["text"]
