"""Fixtures: every database test runs on SQLite and PostgreSQL (``[sqlite]`` / ``[postgres]``).

Two modes, as STYLE.md asks: ``db`` wraps each test in a transaction that is rolled back (the app's
sessions join it as savepoints); ``committed_db`` is a freshly migrated database whose data is
really committed (concurrency tests, real server processes).
"""

from collections import Counter
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app import migrate
from app.db import BoundDatabase, Database, create_engine
from app.main import create_app
from app.settings import PublicAccess, Settings
from proposals.clock import FrozenClock
from tests.databases import BACKENDS, throwaway_database
from tests.factories import NOW
from tests.smtp import smtp_server  # noqa: F401  (the suite's SMTP server fixture)
from tests.webhook_receiver import webhook_receiver  # noqa: F401  (a webhook endpoint)


def settings_for_tests(**overrides: Any) -> Settings:
    """Settings for tests: cheap password hashing, no .env file."""
    values: dict[str, Any] = {
        "database_url": "sqlite://",
        "argon2_time_cost": 1,
        "argon2_memory_cost": 8,
        "argon2_parallelism": 1,
        "secret_key": "test-secret",
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database(backend, tmp_path_factory.mktemp(backend)) as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    """A database whose every change in this test is rolled back afterwards."""
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield BoundDatabase(connection)
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def committed_db(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A freshly migrated database of its own, with real commits."""
    with throwaway_database(backend, tmp_path) as url:
        migrate.upgrade(url)
        database = Database(create_engine(url))
        try:
            yield database
        finally:
            database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def public_access() -> PublicAccess:
    return PublicAccess.PSEUDONYM


@pytest.fixture
def app(db: Database, clock: FrozenClock, public_access: PublicAccess) -> FastAPI:
    return create_app(settings_for_tests(public_access=public_access), database=db, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


# A closing line per backend, so the output shows that both really ran. ------------------------

_outcomes: Counter[tuple[str, str]] = Counter()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    callspec = getattr(item, "callspec", None)
    backend = callspec.params.get("backend", "none") if callspec else "none"
    # user_properties travel with the report from an xdist worker to the controller.
    report.user_properties.append(("backend", str(backend)))
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Counted where reports are logged: the controller under xdist, the one process without."""
    backend = dict(report.user_properties).get("backend", "none")
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _outcomes[(str(backend), report.outcome)] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.section("tests per database backend")
    for backend in (*BACKENDS, "none"):
        counts = {o: n for (b, o), n in _outcomes.items() if b == backend}
        label = "no database" if backend == "none" else backend
        summary = ", ".join(f"{n} {o}" for o, n in sorted(counts.items())) or "no tests"
        terminalreporter.write_line(f"{label}: {summary}")
