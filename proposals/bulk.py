"""Set-based reads and bulk writes of plain tuples, for passes over a whole unit (DESIGN.md §6).

A lifecycle run reads up to a million rows per query and a close writes hundreds of thousands of
result rows, so neither goes through an ORM object -- nor a SQLAlchemy ``Row`` -- per member:

* :func:`fetch_rows` compiles a ``select`` for the session's dialect and runs it on the
  session's own DBAPI cursor, returning the driver's tuples (measured on PostgreSQL with a million
  ids: about 5x less client time than ``session.execute(...).all()``, and faster than
  ``COPY ... TO STDOUT``, which psycopg hands over one row at a time).
* :func:`insert_rows` writes with ``COPY ... FROM STDIN`` on PostgreSQL and with one
  ``executemany`` elsewhere (SQLite).

Both run inside the session's transaction (also when the session is a savepoint of an outer
connection, as in the test suite). Values come back as the driver gives them: SQLite returns
booleans as 0/1 and timestamps unconverted, so select integer, string and boolean columns only.
"""

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session, SQLModel

__all__ = ["fetch_column", "fetch_rows", "gc_paused", "insert_rows"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a pass allocates millions of tuples.

    The tuples, lists and dicts of a pass hold no reference cycles, but allocating them keeps
    triggering collections, and a full one walks every object of the process -- with a unit graph
    of a million members in memory, about a second each time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def fetch_rows(
    session: Session, statement: ClauseElement, *, binary: bool = False
) -> list[tuple[Any, ...]]:
    """The rows of a Core ``select`` as plain tuples from the DBAPI cursor.

    Bound parameters must be plain values (``int``, ``str``, ``bool``, ``None``): no type's bind
    processor runs on them. ``binary`` asks PostgreSQL for the result in binary format, which
    psycopg parses faster (integers, and arrays of them); only for integer and boolean columns.
    Ignored elsewhere.
    """
    if session.autoflush:
        session.flush()  # as ``session.execute`` would: pending changes are part of the answer
    connection = session.connection()
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    assert isinstance(compiled, SQLCompiler)
    params = compiled.construct_params()
    odd = [v for v in params.values() if v is not None and not isinstance(v, int | str)]
    if odd:
        raise TypeError(f"fetch_rows binds plain values only, not {odd[0]!r}")
    args: Sequence[Any] | Mapping[str, Any] = (
        tuple(params[name] for name in compiled.positiontup or ())
        if compiled.positional
        else params
    )
    cursor = connection.connection.cursor()
    try:
        if binary and connection.dialect.name == "postgresql":
            psycopg_cursor: Any = cursor  # psycopg's execute takes ``binary``
            psycopg_cursor.execute(str(compiled), args, binary=True)
        else:
            cursor.execute(str(compiled), args)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def fetch_column(session: Session, statement: ClauseElement) -> list[Any]:
    """The first column of a Core ``select`` as a plain list."""
    return [row[0] for row in fetch_rows(session, statement)]


def insert_rows(
    session: Session,
    model: type[SQLModel],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``model``'s table; returns how many.

    PostgreSQL: one ``COPY table (columns) FROM STDIN``, rows formatted by psycopg. Elsewhere: one
    Core ``executemany``. Columns left out take their server default (a serial id is assigned in
    row order).
    """
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    session.flush()  # rows written before these (and referenced by them) go first
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        count = 0
        driver: Any = connection.connection.driver_connection
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
                    count += 1
        except psycopg.Error as exc:  # raise what session.execute would: IntegrityError ...
            raise sa.exc.DBAPIError.instance(
                statement.as_string(driver), None, exc, psycopg.Error, dialect=connection.dialect
            ) from exc
        return count
    values = [dict(zip(columns, row, strict=True)) for row in rows]
    if values:
        connection.execute(sa.insert(table), values)
    return len(values)
