"""Counting what a request reads from the database: statements run and rows handed to Python.

Rows are counted by a row factory on the test's DBAPI connection, so reads that bypass SQLAlchemy
(``proposals.bulk.fetch_rows`` runs on the driver's own cursor) are counted too; statements are
counted with SQLAlchemy's ``before_cursor_execute`` event plus those bulk reads.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from psycopg.rows import tuple_row
from sqlalchemy import event

from app.db import BoundDatabase, Database


@dataclass
class Reads:
    statements: int = 0
    rows: int = 0
    log: list[tuple[str, int]] = field(default_factory=list)

    def rows_from(self, table: str) -> int:
        """Rows read by the statements (run through SQLAlchemy) that name ``table``."""
        return sum(rows for statement, rows in self.log if f" {table}" in statement)


@contextmanager
def counting_reads(db: Database) -> Iterator[Reads]:
    """Count the statements and rows of everything run on the test's bound connection."""
    assert isinstance(db, BoundDatabase)
    connection = db.connection
    raw: Any = connection.connection.dbapi_connection
    reads = Reads()
    previous = raw.row_factory

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        reads.statements += 1
        reads.log.append((statement, 0))

    def count_row() -> None:
        reads.rows += 1
        if reads.log:
            statement, rows = reads.log[-1]
            reads.log[-1] = (statement, rows + 1)

    if connection.dialect.name == "postgresql":

        def pg_factory(cursor: Any) -> Callable[[Sequence[Any]], Any]:
            make = tuple_row(cursor)

            def row(values: Sequence[Any]) -> Any:
                count_row()
                return make(values)

            return row

        raw.row_factory = pg_factory
    else:

        def sqlite_factory(cursor: Any, row: tuple[Any, ...]) -> tuple[Any, ...]:
            count_row()
            return row

        raw.row_factory = sqlite_factory
    event.listen(connection, "before_cursor_execute", before)
    try:
        yield reads
    finally:
        event.remove(connection, "before_cursor_execute", before)
        raw.row_factory = previous
