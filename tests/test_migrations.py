"""The schema is only ever changed by a migration: models and migrations must agree."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import migrate
from app.db import create_engine
from proposals.models import metadata
from tests.databases import throwaway_database

# Full-text search (migration 0007) adds what no model describes: SQLite's FTS5 table and its
# shadow tables, PostgreSQL's GIN expression index. They are expected BY NAME, per backend, and
# must all be there; anything else the models lack is still a difference.
EXPECTED_EXTRA_TABLES = {
    "sqlite": {
        "search_fts",
        "search_fts_data",
        "search_fts_idx",
        "search_fts_docsize",
        "search_fts_config",
    },
    "postgresql": set(),
}
EXPECTED_EXTRA_INDEXES = {
    "sqlite": set(),
    "postgresql": {"ix_search_document_vector"},
}
# The notifications' inbox index of the models is, on PostgreSQL, the table's primary key
# ``(member_id, id)`` (migration 0013: one B-tree fewer per fanned-out row), so the separate
# index is missing there BY NAME; alembic does not compare primary keys, so
# ``test_the_notification_key_per_backend`` checks them.
EXPECTED_MISSING_INDEXES = {
    "sqlite": set(),
    "postgresql": {"ix_notification_member_id_id"},
}
NOTIFICATION_KEY = {"sqlite": ["id"], "postgresql": ["member_id", "id"]}


def _extra_name(difference: object) -> tuple[str, str] | None:
    """("table" | "index", name) of a difference that is an object the models lack."""
    if isinstance(difference, tuple) and len(difference) == 2:
        action, target = difference
        if action == "remove_table" and isinstance(target, sa.Table):
            return "table", target.name
        if action == "remove_index" and isinstance(target, sa.Index) and target.name:
            return "index", target.name
        if action == "add_index" and isinstance(target, sa.Index) and target.name:
            return "model index", target.name
    return None


def schema_diff(url: str) -> list[object]:
    """The differences between the models and the database at ``url``, without the expected
    extras of full-text search -- which must all be present once the search table exists."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = list(compare_metadata(context, metadata))
            dialect = connection.dialect.name
    finally:
        engine.dispose()
    expected = (
        {("table", name) for name in EXPECTED_EXTRA_TABLES[dialect]}
        | {("index", name) for name in EXPECTED_EXTRA_INDEXES[dialect]}
        | {("model index", name) for name in EXPECTED_MISSING_INDEXES[dialect]}
    )
    extras = {_extra_name(d) for d in differences} & expected
    search = {e for e in expected if e[0] != "model index"}
    if "search_document" in table_names(url):
        assert extras >= search, f"missing search index objects: {search - extras}"
    missing = expected - search
    if "notification" in table_names(url):
        assert extras >= missing, f"indexes expected only by the models: {missing - extras}"
    return [d for d in differences if _extra_name(d) not in expected]


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


class TestMigrations:
    @pytest.fixture
    def empty_url(self, backend: str, tmp_path: Path) -> object:
        with throwaway_database(backend, tmp_path) as url:
            yield url

    def test_upgrade_head_gives_exactly_the_models_schema(self, empty_url: str) -> None:
        migrate.upgrade(empty_url)
        assert schema_diff(empty_url) == []
        assert set(metadata.tables) <= table_names(empty_url)

    def test_downgrade_base_then_upgrade_head(self, empty_url: str) -> None:
        migrate.upgrade(empty_url)
        migrate.downgrade_base(empty_url)
        assert table_names(empty_url) <= {"alembic_version"}
        migrate.upgrade(empty_url)
        assert schema_diff(empty_url) == []

    def test_the_notification_key_per_backend(self, empty_url: str) -> None:
        migrate.upgrade(empty_url)
        engine = create_engine(empty_url)
        try:
            inspector = sa.inspect(engine)
            key = inspector.get_pk_constraint("notification")["constrained_columns"]
            indexes = {i["name"] for i in inspector.get_indexes("notification")}
            dialect = engine.dialect.name
        finally:
            engine.dispose()
        assert key == NOTIFICATION_KEY[dialect]
        assert ("ix_notification_member_id_id" in indexes) == (dialect == "sqlite")

    def test_an_unexpected_extra_table_is_a_difference(self, empty_url: str) -> None:
        # The expected extras are named: any other table the models lack is still reported.
        migrate.upgrade(empty_url)
        engine = create_engine(empty_url)
        try:
            with engine.begin() as connection:
                connection.execute(sa.text("CREATE TABLE search_fts_extra (id INTEGER)"))
        finally:
            engine.dispose()
        assert [_extra_name(d) for d in schema_diff(empty_url)] == [("table", "search_fts_extra")]

    def test_an_empty_database_differs_from_the_models(self, empty_url: str) -> None:
        # The comparison can fail: without migrations every table is missing.
        assert len(schema_diff(empty_url)) >= len(metadata.tables)
