"""Engines for SQLite and PostgreSQL, and the sessions a request's unit of work uses."""

from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, ExceptionContext
from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 30_000
POOL_SIZE = 20  # PostgreSQL connections kept open per process
POOL_MAX = 40  # ... and at most (anyio's thread pool runs 40 requests at once)
# SQLSTATEs of a session the server ended: admin_shutdown (pg_terminate_backend),
# crash_shutdown, cannot_connect_now; and the class of connection exceptions.
_ENDED_SQLSTATES = ("57P01", "57P02", "57P03")
_CONNECTION_EXCEPTION_CLASS = "08"


def normalize_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgres://`` / ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine configured for the backend named by ``url``.

    SQLite: foreign keys ON, WAL journal, a busy timeout so concurrent requests wait instead of
    failing, and real transactions (SQLAlchemy emits ``BEGIN``; write units of work ask for
    ``BEGIN IMMEDIATE`` so two writers queue up instead of failing on a stale snapshot).
    Connections may change threads (a request's session is used by the event loop and the
    thread pool, one after the other, never at once).

    PostgreSQL: connections are checked before use (``pool_pre_ping``; a lost connection is
    recognised by :func:`connection_lost`), and the pool keeps
    ``POOL_SIZE`` of them open, up to ``POOL_MAX`` in all: as many as the thread pool runs
    requests at once (40). With SQLAlchemy's default (5 kept, 15 at most) a server busy with 20
    requests at a time closed and reopened a connection — a new PostgreSQL process — several times
    a second, and one request beyond 15 held its thread while waiting for a connection.
    """
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_size": POOL_SIZE,
        "max_overflow": POOL_MAX - POOL_SIZE,
        **kwargs,
    }
    engine = sa.create_engine(url, **options)
    sa.event.listen(engine, "handle_error", _count_lost_connections_as_disconnects)
    return engine


def _count_lost_connections_as_disconnects(context: ExceptionContext) -> None:
    """Let SQLAlchemy treat every :func:`connection_lost` error as a disconnect: the connection
    is then invalidated instead of going back to the pool, and a pre-ping that meets one
    reconnects instead of failing the request."""
    if connection_lost(context.original_exception):
        context.is_disconnect = True


def connection_lost(exc: BaseException) -> bool:
    """Whether a psycopg error means the connection is gone: the server ended the session
    (SQLSTATE 57P01-57P03, class 08), or psycopg itself found the socket closed (an
    OperationalError without SQLSTATE, such as "connection socket closed", raised while libpq
    still reports the connection as fine, so that SQLAlchemy alone would not count it as a
    disconnect). A statement timeout, a serialization failure or a lock timeout is not."""
    if not isinstance(exc, psycopg.OperationalError):
        return False
    state = exc.sqlstate
    return (
        state is None or state.startswith(_CONNECTION_EXCEPTION_CLASS) or state in _ENDED_SQLSTATES
    )


def _configure_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Hands out sessions: one per unit of work (a request, a CLI command, a lifecycle run)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_engine = (
            engine.execution_options(sqlite_immediate=True)
            if engine.dialect.name == "sqlite"
            else engine
        )
        self._read_only_engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )

    def session(self, *, write: bool = False, read_only: bool = False) -> Session:
        """A new session; ``write=True`` takes SQLite's write lock at the first statement.

        ``read_only=True`` promises that the session only reads (the unit of work of a GET):
        on PostgreSQL it then runs without BEGIN and COMMIT. Under READ COMMITTED each statement
        sees its own snapshot either way, so the transaction would only add two round trips.
        """
        if read_only and not write:
            return Session(self._read_only_engine, expire_on_commit=False)
        return Session(self._write_engine if write else self.engine, expire_on_commit=False)

    def repeatable_read_session(self, *, read_only: bool = False) -> Session | None:
        """A session whose transactions are REPEATABLE READ (and READ ONLY if asked), each on a
        connection of its own: a lifecycle run exports a snapshot from one and imports it into
        others (``proposals.lifecycle``). None on SQLite, which has neither."""
        if self.engine.dialect.name != "postgresql":
            return None
        options: dict[str, Any] = {"isolation_level": "REPEATABLE READ"}
        if read_only:
            options["postgresql_readonly"] = True
        return Session(self.engine.execution_options(**options), expire_on_commit=False)

    def dispose(self) -> None:
        self.engine.dispose()


class BoundDatabase(Database):
    """Sessions joined to one outer connection as savepoints; the test suite rolls it back."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection.engine)
        self.connection = connection

    def session(self, *, write: bool = False, read_only: bool = False) -> Session:
        return Session(
            bind=self.connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )

    def repeatable_read_session(self, *, read_only: bool = False) -> Session | None:
        """None: one connection cannot hold a second transaction to import a snapshot into."""
        return None
