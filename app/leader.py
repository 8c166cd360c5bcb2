"""Which server process runs the background work: one at a time, chosen by an advisory lock.

``liquidpolicy serve --workers N`` starts N processes that all answer requests, but only one of
them may run the background runner (:func:`app.main._lifecycle_loop`: the lifecycle, the records,
the notification pass and the e-mail; any later background work hangs there too). Each process
asks :meth:`AdvisoryLeader.is_leader` once per ``LIFECYCLE_INTERVAL``, before a round of the
runner:

* On PostgreSQL the process opens one dedicated connection (outside the request pool, with
  ``application_name`` ``liquidpolicy-runner-<pid>``, so ``pg_stat_activity`` names the process)
  and tries ``pg_try_advisory_lock(RUNNER_LOCK)`` on it — a session-level lock, held until it is
  released or the session ends. The process that gets it runs the round; the others skip it and
  try again an interval later. When the holder dies (killed, crashed, its machine gone), its
  connection closes, PostgreSQL frees the lock, and the next process to try — within one interval
  — takes over. A holder checks its connection before every round (``SELECT 1``): a connection
  that answers still holds the lock; one that fails has lost it, and the process goes back to
  trying.
* On SQLite there is one process (``--workers`` above 1 is refused) and it always runs the work.

The lock is a guard against doing the work N times, not what keeps it correct: every step is
already safe when two run at once (``liquidpolicy tick`` or ``notify`` beside a server), and it
has to be, because a holder that lost its connection in the middle of a round finishes that round
while another process may have taken over. Advisory locks belong to one database, so several
installations may share a PostgreSQL server.
"""

import contextlib
import logging
import os
import threading
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

log = logging.getLogger("liquidpolicy.leader")

RUNNER_LOCK = int.from_bytes(b"lp-runnr", "big")
"""The advisory lock's key (a bigint: the bytes of ``lp-runnr``)."""

APPLICATION_NAME = "liquidpolicy-runner-{pid}"


class Leader(Protocol):
    def is_leader(self) -> bool:
        """Whether this process runs the next round (blocking: call it in a thread)."""
        ...

    def release(self) -> None:
        """Give the role up (at shutdown)."""
        ...


class AlwaysLeader:
    """SQLite: the only process runs the work."""

    def is_leader(self) -> bool:
        return True

    def release(self) -> None:
        return None


class AdvisoryLeader:
    """PostgreSQL: the process holding the session-level advisory lock ``key`` runs the work."""

    def __init__(self, engine: Engine, key: int = RUNNER_LOCK) -> None:
        self.key = key
        self.name = APPLICATION_NAME.format(pid=os.getpid())
        self._engine = sa.create_engine(
            engine.url, poolclass=NullPool, connect_args={"application_name": self.name}
        )
        self._connection: Connection | None = None
        self._holding = False
        self._guard = threading.Lock()  # release() may come from another thread

    def is_leader(self) -> bool:
        with self._guard:
            if self._holding:
                if self._alive():
                    return True
                log.warning("runner lock lost with its connection", extra={"pid": os.getpid()})
            return self._try_lock()

    def _alive(self) -> bool:
        assert self._connection is not None
        try:
            self._connection.exec_driver_sql("SELECT 1")
            return True
        except sa.exc.SQLAlchemyError:
            self._drop()
            return False

    def _try_lock(self) -> bool:
        try:
            if self._connection is None:
                self._connection = self._engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                )
            taken = self._connection.execute(
                sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            ).scalar_one()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("cannot reach the database for the runner lock: %s", exc)
            self._drop()
            return False
        self._holding = bool(taken)
        if self._holding:
            log.info("this process runs the background work", extra={"pid": os.getpid()})
        return self._holding

    def _drop(self) -> None:
        self._holding = False
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError, OSError):
                connection.close()  # a dead one is discarded all the same (NullPool)

    def release(self) -> None:
        with self._guard:
            if self._holding and self._connection is not None:
                # Closing the session frees the lock too, but only once its server process has
                # ended; unlocking first frees it before the next process asks.
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    self._connection.execute(
                        sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                    )
            self._drop()
            self._engine.dispose()


def leader_for(engine: Engine) -> Leader:
    """The election for the database of ``engine``: by advisory lock on PostgreSQL, none on
    SQLite."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLeader(engine)
    return AlwaysLeader()
