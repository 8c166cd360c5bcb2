"""``liquidpolicy serve --workers N``: refused on SQLite; on PostgreSQL exactly one process runs
the background work (:mod:`app.leader`), and another takes over when it is killed."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import migrate
from app.db import Database, create_engine
from app.leader import RUNNER_LOCK, AdvisoryLeader, AlwaysLeader, leader_for
from proposals.clock import utcnow
from tests.conftest import settings_for_tests
from tests.databases import BACKENDS, throwaway_database

ROOT = Path(__file__).resolve().parent.parent
needs_postgres = pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL not tested")


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--workers", "2"], {}), ([], {"WORKERS": "3"})],
    ids=["flag", "environment"],
)
def test_several_workers_are_refused_on_sqlite(
    tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    database = tmp_path / "lp.db"
    done = _cli("serve", "--port", "1", *args, env={"DATABASE_URL": f"sqlite:///{database}", **env})
    assert done.returncode == 2
    assert "needs PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr
    assert not database.exists()  # refused before anything else happened


def test_workers_must_be_a_positive_number(tmp_path: Path) -> None:
    done = _cli("serve", "--workers", "0", env={"DATABASE_URL": f"sqlite:///{tmp_path}/lp.db"})
    assert done.returncode == 2
    assert "at least 1" in done.stderr and "Traceback" not in done.stderr


def test_sqlite_always_leads(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/lp.db")
    try:
        leader = leader_for(engine)
        assert isinstance(leader, AlwaysLeader) and leader.is_leader()
    finally:
        engine.dispose()


class _Never:
    def __init__(self) -> None:
        self.asked = 0
        self.released = False

    def is_leader(self) -> bool:
        self.asked += 1
        return False

    def release(self) -> None:
        self.released = True


def test_a_process_that_does_not_lead_runs_no_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.main

    ran: list[str] = []

    def record(name: str) -> object:
        def step(*args: object, **kwargs: object) -> list[object]:
            ran.append(name)
            return []

        return step

    monkeypatch.setattr(app.main, "run_lifecycle", record("lifecycle"))
    monkeypatch.setattr(app.main, "notify_pass", record("notify"))
    url = f"sqlite:///{tmp_path}/lp.db"
    migrate.upgrade(url)
    database = Database(create_engine(url))
    leader = _Never()

    async def three_intervals() -> None:
        stop = asyncio.Event()
        loop = asyncio.create_task(
            app.main._lifecycle_loop(
                database, utcnow, 1, 60, settings_for_tests(), stop=stop, leader=leader
            )
        )
        await asyncio.sleep(2.5)
        stop.set()
        await loop

    try:
        asyncio.run(three_intervals())
    finally:
        database.dispose()
    assert ran == []
    assert leader.asked >= 2  # asked again every interval
    assert leader.released


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    with throwaway_database("postgres", tmp_path) as url:
        yield url


def _holders(engine: sa.Engine) -> list[str]:
    """``application_name`` of the sessions holding the runner lock."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                sa.text(
                    "SELECT a.application_name FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database()) "
                    "AND ((l.classid::bigint << 32) | l.objid::bigint) = :key"
                ),
                {"key": RUNNER_LOCK},
            ).scalars()
        )


@needs_postgres
def test_one_session_holds_the_lock_and_another_takes_over(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    first, second = AdvisoryLeader(engine), AdvisoryLeader(engine)
    try:
        assert first.is_leader()
        assert not second.is_leader()
        assert first.is_leader()  # still, and still alone
        assert not second.is_leader()
        assert _holders(engine) == [first.name]
        first.release()
        assert second.is_leader()
        assert not first.is_leader()  # now the other one's
    finally:
        first.release()
        second.release()
        engine.dispose()


@needs_postgres
def test_a_holder_whose_session_ends_loses_the_lock(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    first, second = AdvisoryLeader(engine), AdvisoryLeader(engine)
    try:
        assert first.is_leader()
        with engine.connect() as connection:  # as when the server drops the connection
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": first.name},
            )
        for _ in range(50):
            if not _holders(engine):
                break
            time.sleep(0.1)
        assert second.is_leader()
        assert not first.is_leader()  # it notices, and does not take it back
        assert _holders(engine) == [second.name]
    finally:
        first.release()
        second.release()
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _wait_for(condition: object, timeout: float, what: str) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@needs_postgres
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find worker processes")
def test_killing_the_runner_process_hands_the_work_to_another(
    postgres_url: str, tmp_path: Path
) -> None:
    interval = 2
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "3"],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": postgres_url,
                "LIFECYCLE_INTERVAL": str(interval),
                "LOG_LEVEL": "INFO",
                "ARGON2_MEMORY_COST": "8",
                "ARGON2_TIME_COST": "1",
            },
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    engine = create_engine(postgres_url)
    try:

        def runners() -> list[str]:
            with engine.connect() as connection:
                return list(
                    connection.execute(
                        sa.text(
                            "SELECT application_name FROM pg_stat_activity WHERE "
                            "datname = current_database() AND application_name LIKE "
                            "'liquidpolicy-runner-%'"
                        )
                    ).scalars()
                )

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    return bool(r.status == 200)
            except OSError:
                assert server.poll() is None, log.read_text()
                return False

        _wait_for(answers, 60, "the server")
        _wait_for(lambda: len(runners()) == 3, 60, "three workers asking for the lock")
        [holder] = _holders(engine)
        pid = int(holder.rsplit("-", 1)[1])
        assert _parent_of(pid) == server.pid  # a worker, not the supervisor
        time.sleep(interval * 1.5)  # the others asked at least once more, and were refused
        assert _holders(engine) == [holder]
        assert log.read_text().count("this process runs the background work") == 1

        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        _wait_for(lambda: _holders(engine) not in ([], [holder]), 30, "another runner")
        took = time.monotonic() - killed
        [successor] = _holders(engine)
        assert _parent_of(int(successor.rsplit("-", 1)[1])) == server.pid
        # Within one interval (the next time a survivor asks), plus slack for a loaded machine.
        assert took <= interval + 1.5, f"took over after {took:.2f} s"
        _wait_for(answers, 30, "the server, after the kill")  # the others kept serving
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        engine.dispose()
