"""The server's own cache of public API reads (app.read_cache, on in ``liquidpolicy serve``)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import read_cache
from app.caching import etag_of
from app.db import Database
from app.main import create_app
from app.settings import PublicAccess
from proposals.clock import FrozenClock
from tests.api.world import World, build_world
from tests.conftest import settings_for_tests


@pytest.fixture
def app(db: Database, clock: FrozenClock, public_access: PublicAccess) -> FastAPI:
    settings = settings_for_tests(public_access=public_access)
    return create_app(settings, database=db, clock=clock, cache_public_reads=True)


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, ["A", "B"])


@pytest.fixture
def initiative(world: World) -> dict[str, Any]:
    initiative = world.propose("A")
    world.support("A", initiative["id"])
    return initiative


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The cache's clock, moved by hand."""
    moment = [1000.0]
    monkeypatch.setattr(read_cache, "_now", lambda: moment[0])
    return moment


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements sent to the database meanwhile."""
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(str(args[2]))

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def paths(initiative: dict[str, Any]) -> list[str]:
    i = initiative["id"]
    return [
        f"/api/v1/issues/{initiative['issue_id']}",
        f"/api/v1/initiatives/{i}",
        f"/api/v1/initiatives/{i}/drafts",
        f"/api/v1/drafts/{initiative['current_draft_id']}",
        f"/api/v1/initiatives/{i}/suggestions",
        "/api/v1/issues?limit=5",
    ]


def test_a_repeated_public_read_costs_no_query(
    client: TestClient, db: Database, initiative: dict[str, Any], now: list[float]
) -> None:
    for path in paths(initiative):
        first = client.get(path)
        assert first.status_code == 200, path
        with statements(db) as sent:
            now[0] += 4.5
            again = client.get(path)
            revalidated = client.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert sent == [], path
        assert again.status_code == 200 and again.content == first.content
        assert again.headers["etag"] == first.headers["etag"] == etag_of(first.content).decode()
        assert again.headers["cache-control"] == "public, max-age=5"
        assert again.headers["vary"] == "Authorization, Cookie"
        assert again.headers["age"] == "4"
        assert revalidated.status_code == 304 and revalidated.content == b""
        assert revalidated.headers["etag"] == first.headers["etag"]


def test_kept_for_max_age_only(
    client: TestClient, db: Database, initiative: dict[str, Any], now: list[float]
) -> None:
    path = f"/api/v1/initiatives/{initiative['id']}"
    client.get(path)
    now[0] += 5
    with statements(db) as sent:
        assert client.get(path).status_code == 200
    assert sent != []


def test_a_write_through_the_process_empties_it(
    world: World, db: Database, initiative: dict[str, Any], now: list[float]
) -> None:
    path = f"/api/v1/initiatives/{initiative['id']}/drafts"
    before = world.client.get(path)
    world.ok("POST", f"/initiatives/{initiative['id']}/drafts", "A", json={"content": "v2"})
    after = world.client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert [d["content"] for d in after.json()["items"]][-1] == "v2"


def test_a_failed_write_leaves_it(
    world: World, db: Database, initiative: dict[str, Any], now: list[float]
) -> None:
    path = f"/api/v1/initiatives/{initiative['id']}"
    world.client.get(path)
    assert world.status("POST", f"/initiatives/{initiative['id']}/drafts", "B", json={}) >= 400
    with statements(db) as sent:
        assert world.client.get(path).status_code == 200
    assert sent == []


def test_a_read_begun_before_a_write_is_not_kept(
    client: TestClient, initiative: dict[str, Any], now: list[float]
) -> None:
    cache = client.app.state.read_cache  # type: ignore[attr-defined]
    scope = {"type": "http", "method": "GET", "path": "/api/v1/units", "headers": []}
    begun = cache.generation
    cache.clear()  # a write committed while the read ran
    cache.put(scope, 200, [], b"[]", generation=begun)
    assert cache.get(scope) is None
    cache.put(scope, 200, [], b"[]", generation=cache.generation)
    assert cache.get(scope) is not None


def test_reads_with_a_token_or_a_session_are_not_cached(
    world: World, db: Database, initiative: dict[str, Any], now: list[float]
) -> None:
    path = f"/api/v1/initiatives/{initiative['id']}"
    for headers in (world.headers["A"], {"Cookie": "lp_session=whatever"}):
        world.client.get(path, headers=headers)
        with statements(db) as sent:
            response = world.client.get(path, headers=headers)
        assert response.headers["cache-control"] == "private, no-cache"
        assert sent != []
    assert len(world.client.app.state.read_cache) == 0  # type: ignore[attr-defined]


def test_errors_and_pages_are_not_cached(
    client: TestClient, db: Database, initiative: dict[str, Any], now: list[float]
) -> None:
    for path in ("/api/v1/issues/999999", f"/initiatives/{initiative['id']}"):
        client.get(path)
        with statements(db) as sent:
            client.get(path)
        assert sent != [], path
    assert len(client.app.state.read_cache) == 0  # type: ignore[attr-defined]


def test_off_unless_asked_for(db: Database, clock: FrozenClock) -> None:
    application = create_app(settings_for_tests(), database=db, clock=clock)
    assert application.state.read_cache is None


def test_off_with_max_age_zero(
    db: Database, clock: FrozenClock, initiative: dict[str, Any], now: list[float]
) -> None:
    settings = settings_for_tests(http_cache_max_age=0)
    application = create_app(settings, database=db, clock=clock, cache_public_reads=True)
    path = f"/api/v1/initiatives/{initiative['id']}"
    with TestClient(application) as client:
        client.get(path)
        with statements(db) as sent:
            assert client.get(path).status_code == 200
    assert sent != []
