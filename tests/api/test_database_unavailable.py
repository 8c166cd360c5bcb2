"""A database that is away answers 503 with Retry-After, never 500 (issue 9, item 9).

With PostgreSQL restarting under load, 10 requests answered 500. Now a database that cannot be
reached, or that drops a connection during a request, is a 503 ``{"detail": "the database is
unavailable ..."}`` with ``Retry-After``, for the API, the web pages and ``/healthz`` alike,
wherever the failure arises: in a route, in the unit of work's commit, or in its clean-up. The
service recovers by itself once the database is back.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.db import Database, connection_lost, create_engine
from app.main import create_app
from proposals.clock import FrozenClock
from tests.conftest import settings_for_tests
from tests.factories import bearer, make_member, make_token

REFUSING_URLS = {
    "postgres": "postgresql://postgres@127.0.0.1:1/nothing",
    "sqlite": "sqlite:////nonexistent-directory/of/liquidpolicy.db",
}


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:500])
    assert response.headers["retry-after"].isdigit()
    assert "Traceback" not in response.text
    path = response.request.url.path
    if not (path.startswith("/api/") or path == "/healthz"):
        # A web page's error is an HTML page (issue 10), with the same words.
        assert response.headers["content-type"].startswith("text/html"), path
        assert "the database is unavailable" in response.text, path
        return
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert detail.startswith("the database is unavailable"), detail


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_a_database_that_refuses_connections_answers_503(backend: str) -> None:
    app = create_app(settings_for_tests(database_url=REFUSING_URLS[backend]))
    token = {"Authorization": "Bearer lp_whatever"}
    with TestClient(app, raise_server_exceptions=False) as client:
        assert_unavailable(client.get("/api/v1/units"))
        assert_unavailable(client.get("/api/v1/issues/1"))
        assert_unavailable(client.post("/api/v1/units", json={"name": "U"}, headers=token))
        assert_unavailable(
            client.post(
                "/api/v1/units", json={"name": "U"}, headers={**token, "Idempotency-Key": "k1"}
            )
        )
        assert_unavailable(client.get("/"))
        assert_unavailable(client.get("/initiatives/1"))
        assert_unavailable(client.get("/healthz"))


def test_503_is_documented_for_every_api_operation() -> None:
    paths = create_app(settings_for_tests()).openapi()["paths"]
    undocumented = [
        (method, path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "503" not in operation["responses"]
    ]
    assert undocumented == []


# Connections dropped by PostgreSQL (pg_terminate_backend) -----------------------------------


@pytest.fixture
def pg(committed_db: Database, backend: str) -> Database:
    if backend != "postgres":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    return committed_db


@pytest.fixture
def admin_engine(pg: Database) -> Iterator[Engine]:
    """A connection of its own, outside the service's pool, to end the service's ones."""
    engine = sa.create_engine(pg.engine.url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    yield engine
    engine.dispose()


def terminate_all(admin: Engine) -> int:
    """End every connection to the test database but the admin's own; answer how many."""
    with admin.connect() as connection:
        ended = connection.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    return int(ended)


def terminate(admin: Engine, pid: int) -> None:
    with admin.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


@contextmanager
def dropped_at(engine: Engine, admin: Engine, event: str, *, match: str = "") -> Iterator[None]:
    """Terminate the service's connection once, when ``event`` fires on it (before a statement
    containing ``match``, or before a commit), so that very operation fails."""
    fired = False

    def backend_pid(connection: Any) -> int:
        return int(connection.connection.dbapi_connection.info.backend_pid)

    def before_execute(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal fired
        if not fired and match in statement:
            fired = True
            terminate(admin, backend_pid(connection))

    def before_commit(connection: Any) -> None:
        nonlocal fired
        if not fired:
            fired = True
            terminate(admin, backend_pid(connection))

    listener = before_execute if event == "before_cursor_execute" else before_commit
    sa.event.listen(engine, event, listener)
    try:
        yield
    finally:
        sa.event.remove(engine, event, listener)
    assert fired, f"the {event} hook never fired"


@pytest.fixture
def service(pg: Database, clock: FrozenClock) -> Iterator[tuple[TestClient, dict[str, str]]]:
    admin = make_member(pg, is_admin=True)
    headers = bearer(make_token(pg, admin))
    app = create_app(settings_for_tests(), database=pg, clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, headers


def _recovers(client: TestClient, headers: dict[str, str]) -> None:
    """After the failure the service answers normally again, reads and writes."""
    assert client.get("/api/v1/units").status_code == 200
    assert client.post("/api/v1/units", json={"name": "After"}, headers=headers).status_code == 201
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/").status_code == 200


def test_connections_ended_between_requests_are_replaced(
    service: tuple[TestClient, dict[str, str]], admin_engine: Engine
) -> None:
    client, headers = service
    for _ in range(3):
        assert client.get("/api/v1/units").status_code == 200
        assert client.post("/api/v1/units", json={"name": "U"}, headers=headers).status_code == 201
        assert terminate_all(admin_engine) >= 1
        answers = [
            client.get("/api/v1/units").status_code,
            client.post("/api/v1/units", json={"name": "V"}, headers=headers).status_code,
            client.get("/").status_code,
            client.get("/healthz").status_code,
        ]
        assert all(status in (200, 201, 503) for status in answers), answers
    _recovers(client, headers)


@pytest.mark.parametrize(
    ("method", "path", "body", "match"),
    [
        ("GET", "/api/v1/units", None, "FROM unit"),
        ("POST", "/api/v1/units", {"name": "U"}, "INSERT INTO unit"),
        ("GET", "/", None, "FROM unit"),
        ("GET", "/api/v1/members/me", None, "api_token"),
    ],
)
def test_a_connection_ended_during_a_statement_answers_503(
    service: tuple[TestClient, dict[str, str]],
    pg: Database,
    admin_engine: Engine,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    match: str,
) -> None:
    client, headers = service
    with dropped_at(pg.engine, admin_engine, "before_cursor_execute", match=match):
        response = client.request(method, path, json=body, headers=headers)
    assert_unavailable(response)
    _recovers(client, headers)


@pytest.mark.parametrize("idempotency_key", [None, "key-1"])
def test_a_connection_ended_at_commit_answers_503_and_keeps_nothing(
    service: tuple[TestClient, dict[str, str]],
    pg: Database,
    admin_engine: Engine,
    idempotency_key: str | None,
) -> None:
    client, headers = service
    if idempotency_key:
        headers = {**headers, "Idempotency-Key": idempotency_key}
    with dropped_at(pg.engine, admin_engine, "commit"):
        response = client.post("/api/v1/units", json={"name": "Lost"}, headers=headers)
    assert_unavailable(response)
    after = client.get("/api/v1/units")
    assert after.status_code == 200, (after.status_code, after.text[:500])
    names = [u["name"] for u in after.json()["items"]]
    assert "Lost" not in names
    _recovers(client, headers)


# A connection whose loss psycopg saw before libpq did -----------------------------------------


@pytest.mark.parametrize(
    ("error", "lost"),
    [
        (psycopg.OperationalError("connection socket closed"), True),
        (psycopg.OperationalError("consuming input failed: server closed the connection"), True),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), True),
        (psycopg.errors.ConnectionFailure("connection failure"), True),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), False),
        (psycopg.errors.SerializationFailure("could not serialize access"), False),
        (psycopg.errors.LockNotAvailable("could not obtain lock"), False),
        (psycopg.errors.UniqueViolation("duplicate key"), False),
    ],
)
def test_connection_lost_names_what_ends_a_session(error: Exception, lost: bool) -> None:
    assert connection_lost(error) is lost


def test_a_ping_that_finds_the_socket_closed_reconnects(
    pg: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (CI, 2026-12-03): psycopg's wait loop raises ``OperationalError("connection
    socket closed")`` when the socket hangs up before libpq has read the end of it, so psycopg's
    ``broken`` is still false and SQLAlchemy did not count it as a disconnect: the connection went
    back to the pool, the next checkout's pre-ping raised instead of reconnecting, and the request
    after a dropped connection answered 503 too."""
    engine = create_engine(pg.engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:  # one connection, now idle in the pool
            connection.execute(sa.text("SELECT 1"))
        real_ping = engine.dialect.do_ping
        pings = 0

        def ping(dbapi_connection: Any) -> bool:
            nonlocal pings
            pings += 1
            if pings == 1:
                raise psycopg.OperationalError("connection socket closed")
            return bool(real_ping(dbapi_connection))

        monkeypatch.setattr(engine.dialect, "do_ping", ping)
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT 1")).scalar_one() == 1
        assert pings >= 1
    finally:
        engine.dispose()
