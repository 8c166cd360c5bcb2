"""The search index of migration 0007: existing rows are indexed, and the words rule."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import Session

from app import migrate
from app.db import Database, create_engine
from proposals.models import Initiative, Member
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


class TestCompetingInitiativesAtOnce:
    def test_the_issue_text_keeps_both_names(self, database: tuple[Database, str]) -> None:
        db, _ = database
        if db.engine.dialect.name != "postgresql":
            pytest.skip("concurrency needs PostgreSQL (SQLite serializes writers)")
        unit = make_unit(db)
        area = make_area(db, unit)
        policy = make_policy(db)
        author = make_member(db)
        grant(db, unit, author)

        def propose(session: Session, name: str, **target: int) -> Initiative:
            actor = session.get(Member, author.id)
            assert actor is not None
            return initiatives.create_initiative(
                session, actor=actor, name=name, content="x", clock=lambda: NOW, **target
            )

        with db.session() as session:
            first = propose(session, "Trams", area_id=area.id or 0, policy_id=policy.id or 0)
            issue_id = first.issue_id
            session.commit()
        errors: list[BaseException] = []

        def second() -> None:
            try:
                with db.session() as session:
                    propose(session, "Ferries", issue_id=issue_id)
                    session.commit()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        with db.session() as session:
            propose(session, "Buses", issue_id=issue_id)
            thread = threading.Thread(target=second)
            thread.start()
            time.sleep(0.5)  # the second reads the issue's initiatives while this one is open
            session.commit()
        thread.join(timeout=30)
        assert not thread.is_alive() and errors == []
        for name in ("trams", "buses", "ferries"):
            assert [h[:2] for h in hits(db, name) if h[0] == "issue"] == [("issue", issue_id)], name


class TestPostgresUsesTheIndex:
    def test_the_query_uses_the_gin_index(self, database: tuple[Database, str]) -> None:
        db, _ = database
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the GIN index is PostgreSQL's")
        make_member(db, name="zeppelin")
        query = search.parse_query("zeppelin")
        statement, parameters = search.search_statement(True, query, search.SEARCH_KINDS, None, 5)
        with db.session() as session:
            session.execute(sa.text("SET LOCAL enable_seqscan = off"))
            plan = [
                row[0] for row in session.execute(sa.text("EXPLAIN " + statement.text), parameters)
            ]
            assert any("ix_search_document_vector" in line for line in plan), plan
            found = search.search(session, query, kinds=search.SEARCH_KINDS, after=None, limit=5)
            assert [(hit.kind, hit.title) for hit in found.items] == [("member", "zeppelin")]
