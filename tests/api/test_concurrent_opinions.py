"""One member's identical ratings at once (a double click): one opinion, no failure (PostgreSQL)."""

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from app.db import Database
from proposals.clock import FrozenClock
from proposals.models import Opinion
from proposals.services import initiatives, participation
from tests.api.test_concurrency import Voting, in_threads
from tests.factories import grant, make_area, make_member, make_policy, make_unit


@pytest.fixture(autouse=True)
def postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("concurrency needs PostgreSQL (SQLite serializes writers)")


def test_a_rating_twice_at_once_leaves_one_opinion(
    committed_db: Database, clock: FrozenClock
) -> None:
    unit = make_unit(committed_db)
    area = make_area(committed_db, unit)
    policy = make_policy(committed_db)
    ids = []
    for _ in range(2):
        member = make_member(committed_db)
        grant(committed_db, unit, member)
        ids.append(member.id or 0)
    world = Voting(committed_db, clock, ids)
    author, rater = ids
    initiative = world.as_member(
        author,
        lambda s, a: initiatives.create_initiative(
            s, actor=a, name="P", content="T", area_id=area.id, policy_id=policy.id, clock=clock
        ),
    )
    for round_ in range(5):
        suggestion = world.as_member(
            author,
            lambda s, a: participation.create_suggestion(
                s, actor=a, initiative_id=initiative.id or 0, name="S", content="C", clock=clock
            ),
        )
        suggestion_id = suggestion.id or 0

        def rate(degree: int = -1 if round_ % 2 else 1, sid: int = suggestion_id) -> None:
            world.as_member(
                rater,
                lambda s, a: participation.set_opinion(
                    s, actor=a, suggestion_id=sid, degree=degree, fulfilled=True
                ),
            )

        in_threads(rate, rate)
        with committed_db.session() as session:
            rows = session.exec(
                select(Opinion.degree).where(
                    col(Opinion.suggestion_id) == suggestion_id, col(Opinion.member_id) == rater
                )
            ).all()
            assert rows == [-1 if round_ % 2 else 1]
            supporters = session.execute(
                sa.text("SELECT count(*) FROM supporter WHERE member_id = :m"), {"m": rater}
            ).scalar_one()
            assert supporters == 1
