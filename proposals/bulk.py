"""Set-based reads and bulk writes of plain tuples, for passes over a whole unit (DESIGN.md §6).

A lifecycle run reads up to a million rows per query and a close writes hundreds of thousands of
result rows, so neither goes through an ORM object -- nor a SQLAlchemy ``Row`` -- per member:

* :func:`fetch_rows` compiles a ``select`` for the session's dialect and runs it on the
  session's own DBAPI cursor, returning the driver's tuples (measured on PostgreSQL with a million
  ids: about 5x less client time than ``session.execute(...).all()``, and faster than
  ``COPY ... TO STDOUT``, which psycopg hands over one row at a time).
* :func:`insert_rows` writes with ``COPY ... FROM STDIN`` on PostgreSQL and with one
  ``executemany`` elsewhere (SQLite); :func:`insert_keyed_rows` likewise, for many rows that take
  one of a few shapes (formatted once per shape, not once per row).

Both run inside the session's transaction (also when the session is a savepoint of an outer
connection, as in the test suite). Values come back as the driver gives them: SQLite returns
booleans as 0/1 and timestamps unconverted, so select integer, string and boolean columns only.
"""

import gc
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session, SQLModel

__all__ = [
    "copy_binary",
    "fetch_column",
    "fetch_rows",
    "gc_paused",
    "insert_int_columns",
    "insert_keyed_rows",
    "insert_rows",
]

Key = TypeVar("Key", bound=Hashable)

COPY_BATCH = 10_000
"""Rows of :func:`insert_keyed_rows` formatted and sent at a time (bounds the text in memory)."""


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
        count = 0
        with _copy(connection, table, columns) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                count += 1
        return count
    values = [dict(zip(columns, row, strict=True)) for row in rows]
    if values:
        connection.execute(sa.insert(table), values)
    return len(values)


def insert_keyed_rows(
    session: Session,
    model: type[SQLModel],
    columns: Sequence[str],
    rows: Iterable[tuple[Any, Key]],
    tails: Mapping[Key, Sequence[Any]],
) -> int:
    """Insert one row per ``(head, key)`` of ``rows``: ``head`` then ``tails[key]``, in
    ``columns`` order and in the order of ``rows``; returns how many.

    For many rows that differ in their first value and otherwise take one of a few shapes (a
    notification to each delegate: the same text for every delegate of the same weight).
    PostgreSQL: one ``COPY`` in its text format, each tail formatted once, so a row costs one
    string concatenation -- psycopg's ``write_row`` dumps every value of every row (9,680
    notifications: about 6 ms of client time against 30-40 ms, docs/decisions.md). Values are
    ``None``, ``bool``, ``int``, ``str`` or ``datetime``. Elsewhere: :func:`insert_rows`.
    """
    session.flush()  # rows written before these (and referenced by them) go first
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return insert_rows(session, model, columns, ((head, *tails[key]) for head, key in rows))
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    formatted = {k: "\t" + "\t".join(map(_copy_text, tail)) + "\n" for k, tail in tails.items()}
    count = 0
    with _copy(connection, table, columns) as copy:
        lines: list[str] = []
        for head, key in rows:
            # An int (the usual head: a member id) needs no escaping.
            lines.append((str(head) if type(head) is int else _copy_text(head)) + formatted[key])
            if len(lines) == COPY_BATCH:
                copy.write("".join(lines))
                count += len(lines)
                lines.clear()
        copy.write("".join(lines))
        count += len(lines)
    return count


BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
"""The start of ``COPY``'s binary format: its signature, no flags, no header extension."""
BINARY_TRAILER = b"\xff\xff"
"""The end of ``COPY``'s binary format: a field count of -1."""


def insert_int_columns(
    session: Session,
    model: type[SQLModel],
    columns: Sequence[str],
    values: Sequence[npt.NDArray[np.int64]],
) -> int:
    """Insert one row per index of the equally long arrays ``values`` (one per column of
    ``columns``, all ``integer`` columns); returns how many.

    PostgreSQL: one ``COPY`` in its binary format, whose rows numpy lays out at once (a field
    count, then each value's length and big-endian bytes): no Python object per row (100,000
    direct voters: ~5 ms against ~100 ms for psycopg's ``write_row``). Elsewhere:
    :func:`insert_rows`."""
    count = len(values[0]) if values else 0
    if not count:
        return 0
    for name, column in zip(columns, values, strict=True):
        if column.min() < -(2**31) or column.max() >= 2**31:
            raise ValueError(f"{name}: a value outside the integer range")
    if session.connection().dialect.name != "postgresql":
        return insert_rows(session, model, columns, zip(*(v.tolist() for v in values), strict=True))
    layout = [("fields", ">i2")]
    for index in range(len(columns)):
        layout += [(f"length{index}", ">i4"), (f"value{index}", ">i4")]
    packed = np.empty(count, dtype=np.dtype(layout))
    packed["fields"] = len(columns)
    for index, column in enumerate(values):
        packed[f"length{index}"] = 4
        packed[f"value{index}"] = column
    copy_binary(session, model, columns, packed.tobytes())
    return count


def copy_binary(
    session: Session, model: type[SQLModel], columns: Sequence[str], data: bytes
) -> None:
    """PostgreSQL: ``COPY`` rows already in the binary format (``data``: the rows only, between
    :data:`BINARY_HEADER` and :data:`BINARY_TRAILER`) into ``model``'s table."""
    session.flush()  # rows written before these (and referenced by them) go first
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    with _copy(session.connection(), table, columns, binary=True) as copy:
        copy.write(BINARY_HEADER + data + BINARY_TRAILER)


@contextmanager
def _copy(
    connection: sa.Connection, table: sa.Table, columns: Sequence[str], *, binary: bool = False
) -> Iterator[Any]:
    """``COPY table (columns) FROM STDIN`` (``binary``: in the binary format) on the
    connection's own psycopg connection; a driver error is raised as ``session.execute`` would
    raise it (``IntegrityError`` ...)."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN{}").format(
        sql.Identifier(table.name),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(" (FORMAT BINARY)" if binary else ""),
    )
    driver: Any = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            yield copy
    except psycopg.Error as exc:
        raise sa.exc.DBAPIError.instance(
            statement.as_string(driver), None, exc, psycopg.Error, dialect=connection.dialect
        ) from exc


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in ``COPY``'s text format (PostgreSQL's documentation, "Text Format")."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat()  # a naive one is read in the session's time zone, as psycopg's
    raise TypeError(f"cannot write {value!r} in COPY's text format")
