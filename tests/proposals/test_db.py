"""Engines: SQLite pragmas, and concurrent writers that wait instead of failing."""

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.db import Database, create_engine
from proposals.models import Unit
from tests.factories import NOW


class TestSqliteEngine:
    def test_pragmas(self, tmp_path: Path) -> None:
        engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
        try:
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        finally:
            engine.dispose()


class TestConcurrentWriters:
    def test_read_then_write_transactions_all_succeed(self, committed_db: Database) -> None:
        """Each writer reads, then writes: on SQLite BEGIN IMMEDIATE queues them up."""
        errors: list[BaseException] = []
        barrier = threading.Barrier(6)

        def writer() -> None:
            try:
                barrier.wait()
                for _ in range(10):
                    with committed_db.session(write=True) as session:
                        count = session.execute(
                            sa.select(sa.func.count()).select_from(Unit)
                        ).scalar_one()
                        session.add(Unit(name=f"unit {count}", created_at=NOW))
                        session.commit()
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=writer) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with committed_db.session() as session:
            assert session.execute(sa.select(sa.func.count()).select_from(Unit)).scalar_one() == 60

    @pytest.mark.parametrize("write", [False, True])
    def test_sessions_of_both_kinds_read(self, committed_db: Database, write: bool) -> None:
        with committed_db.session(write=write) as session:
            assert session.execute(sa.text("SELECT 1")).scalar_one() == 1
