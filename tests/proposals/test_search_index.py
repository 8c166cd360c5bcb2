"""The search index of migration 0007: existing rows are indexed, and the words rule."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from app import migrate
from app.db import Database, create_engine
from proposals.models import Member
from proposals.services import initiatives, members, participation, search
from tests.databases import throwaway_database
from tests.factories import (
    CHEAP_HASHER,
    NOW,
    grant,
    make_area,
    make_member,
    make_policy,
    make_unit,
)

QUERIES = ("zeppelins", "alice", "lighthouse", "harbour", "turquoise", "transport", "tram", "gone")


def hits(database: Database, q: str) -> list[tuple[str, int, str, str]]:
    with database.session() as session:
        page = search.search(
            session, search.parse_query(q), kinds=search.SEARCH_KINDS, after=None, limit=50
        )
        return [(h.kind, h.id, h.title, h.snippet) for h in page.items]


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[tuple[Database, str]]:
    with throwaway_database(backend, tmp_path) as url:
        migrate.upgrade(url)
        database = Database(create_engine(url))
        try:
            yield database, url
        finally:
            database.dispose()


class TestMigrationIndexesExistingRows:
    def test_downgrade_and_upgrade_find_the_same(self, database: tuple[Database, str]) -> None:
        db, url = database
        unit = make_unit(db)
        area = make_area(db, unit)
        policy = make_policy(db)
        alice = make_member(db, name="alice")
        grant(db, unit, alice)
        with db.session() as session:
            actor = session.get(Member, alice.id)
            assert actor is not None
            members.update_profile(session, CHEAP_HASHER, actor, statement="I like zeppelins.")
            initiative = initiatives.create_initiative(
                session,
                actor=actor,
                name="Tram",
                content="To the harbour.",
                area_id=area.id or 0,
                policy_id=policy.id,
                clock=lambda: NOW,
            )
            initiatives.create_draft(
                session,
                actor=actor,
                initiative_id=initiative.id or 0,
                content="To the lighthouse.",
                clock=lambda: NOW,
            )
            participation.create_suggestion(
                session,
                actor=actor,
                initiative_id=initiative.id or 0,
                name="Colour",
                content="Paint it turquoise.",
                clock=lambda: NOW,
            )
            gone = participation.create_suggestion(
                session,
                actor=actor,
                initiative_id=initiative.id or 0,
                name="Gone",
                content="Removed with its last opinion.",
                clock=lambda: NOW,
            )
            participation.remove_opinion(session, actor=actor, suggestion_id=gone.id or 0)
            session.commit()
        before = {q: hits(db, q) for q in QUERIES}
        assert before["harbour"] == [] and before["gone"] == []
        assert all(before[q] for q in QUERIES if q not in ("harbour", "gone")), before

        command.downgrade(migrate.alembic_config(url=url), "0006")
        command.upgrade(migrate.alembic_config(url=url), "head")
        assert {q: hits(db, q) for q in QUERIES} == before


class TestWords:
    def test_letters_and_digits_case_folded(self) -> None:
        assert (
            search.words("Éco-Parking: 2 Straße! x² İstanbul") == "éco parking 2 strasse x istanbul"
        )

    def test_overlong_words_are_not_indexed(self) -> None:
        assert search.words("a" * 101 + " b " + "c" * 100) == "b " + "c" * 100

    def test_decomposed_accents_are_composed(self) -> None:
        assert search.words("e\u0301cole") == search.words("\u00e9cole") == "\u00e9cole"
