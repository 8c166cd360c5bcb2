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


def schema_diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


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

    def test_an_empty_database_differs_from_the_models(self, empty_url: str) -> None:
        # The comparison can fail: without migrations every table is missing.
        assert len(schema_diff(empty_url)) >= len(metadata.tables)
