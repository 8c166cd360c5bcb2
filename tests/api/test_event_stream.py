"""The live event stream GET /api/v1/events/stream (issue 14, API.md "Feed and operations"),
served by a real uvicorn server on a loopback port and read with httpx, on a committed database
(SQLite and PostgreSQL): every event once across a reconnect, the cap, heartbeats, filters,
visibility, no database connection while idle, and the ends (client gone, token revoked, server
shutdown)."""

import asyncio
import json
import logging
import socket
import sqlite3
import threading
import time
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.types import Message, Scope

from app import migrate
from app.db import Database, create_engine
from app.deps import Viewer
from app.main import create_app
from app.server import Server
from app.settings import PublicAccess
from app.stream import EventStream, EventStreamResponse, FeedFilter, Streams
from proposals.clock import FrozenClock
from proposals.models import ApiToken, Member
from proposals.security import token_digest
from proposals.services import tokens
from tests.api.world import World, build_world
from tests.conftest import settings_for_tests
from tests.databases import throwaway_database
from tests.factories import NOW, grant, make_area, make_member, make_unit

PATH = "/api/v1/events/stream"
HEARTBEAT = 0.2
POLL = 0.05
MAX_FRAMES = 500  # a reader gives up after this many frames without what it waits for


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Live:
    app: FastAPI
    url: str
    server: Server
    thread: threading.Thread


@contextmanager
def serving(app: FastAPI) -> Iterator[Live]:
    """``app`` served by :class:`app.server.Server` (what ``liquidpolicy serve`` runs) in a
    thread, on a free loopback port."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = Server(config, app.state.streams)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield Live(app, f"http://127.0.0.1:{port}", server, thread)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def stream_app(
    database: Database, clock: FrozenClock, *, public_access: PublicAccess, **settings: Any
) -> FastAPI:
    values: dict[str, Any] = {"stream_heartbeat": HEARTBEAT, "stream_poll": POLL}
    values.update(settings)
    return create_app(
        settings_for_tests(public_access=public_access, **values), database=database, clock=clock
    )


@pytest.fixture
def app(committed_db: Database, clock: FrozenClock, public_access: PublicAccess) -> FastAPI:
    return stream_app(committed_db, clock, public_access=public_access)


@pytest.fixture
def live(app: FastAPI) -> Iterator[Live]:
    with serving(app) as live:
        yield live


@pytest.fixture(scope="module")
def quiet_db(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A migrated database shared by the tests that read no events (each of the others has a
    fresh one: the feed is global)."""
    with throwaway_database(backend, tmp_path_factory.mktemp("stream")) as url:
        migrate.upgrade(url)
        database = Database(create_engine(url))
        try:
            yield database
        finally:
            database.dispose()


@pytest.fixture
def quiet(quiet_db: Database, clock: FrozenClock) -> Iterator[Live]:
    with serving(stream_app(quiet_db, clock, public_access=PublicAccess.PSEUDONYM)) as live:
        yield live


@pytest.fixture
def world(app: FastAPI, committed_db: Database, clock: FrozenClock) -> World:
    """Members A, B, C acting through the API (a TestClient on the same app and database; it
    runs no lifespan, which belongs to the live server)."""
    return build_world(TestClient(app), committed_db, clock, list("ABC"))


@dataclass
class Frame:
    id: int | None
    data: dict[str, Any] | None
    comment: str | None


class Reader:
    """Frames of a Server-Sent Events answer, one at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.iter_lines()

    def frame(self) -> Frame:
        fields: list[str] = []
        for line in self.lines:
            if line:
                fields.append(line)
            elif fields:
                break
        else:
            raise EOFError("the stream ended")
        frame = Frame(None, None, None)
        for field in fields:
            name, _, value = field.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                frame.comment = value
            elif name == "id":
                frame.id = int(value)
            elif name == "data":
                assert frame.data is None, "one data line per event"
                frame.data = json.loads(value)
            else:
                pytest.fail(f"unexpected field {field!r}")
        return frame

    def events(self, count: int) -> list[dict[str, Any]]:
        """The next ``count`` events (heartbeats skipped); each frame's id is its event's."""
        found: list[dict[str, Any]] = []
        for _ in range(MAX_FRAMES):
            if len(found) == count:
                return found
            frame = self.frame()
            if frame.data is not None:
                assert frame.id == frame.data["id"]
                found.append(frame.data)
            else:
                assert frame.comment == "heartbeat"
        pytest.fail(f"{len(found)} of {count} events arrived")

    def heartbeat(self) -> None:
        """The next frame is a heartbeat: no event is pending."""
        frame = self.frame()
        assert (frame.comment, frame.data) == ("heartbeat", None), frame


@contextmanager
def opened(
    live: Live, token: str | None = None, last_event_id: int | None = None, **params: Any
) -> Iterator[Reader]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    with (
        httpx.Client(base_url=live.url, timeout=10) as http,
        http.stream("GET", PATH, params=params, headers=headers) as response,
    ):
        assert response.status_code == 200, response.read()
        yield Reader(response)


def token_of(world: World, who: str) -> str:
    return world.headers[who]["Authorization"].removeprefix("Bearer ")


def feed(world: World, who: str | None = "A", **filters: Any) -> list[dict[str, Any]]:
    return world.all_items("/events", who, **filters)


def open_streams(live: Live) -> int:
    count: int = live.app.state.streams.count
    return count


def wait_for(condition: Any, what: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


class TestFollowing:
    def test_across_a_reconnect_no_event_is_missed_or_repeated(
        self, live: Live, world: World
    ) -> None:
        world.propose("A", "Before")  # before the stream: not in it
        token = token_of(world, "A")
        with opened(live, token) as stream:
            stream.heartbeat()  # open, and idle: it starts after the newest event
            first = world.propose("A", "First")
            world.delegate("B", "A")
            world.delegate("C", "A")
            received = stream.events(3)
        # Three events happen while the client is away.
        world.suggest("B", first["id"])
        world.delegate("C", "B")
        world.ok("DELETE", f"/delegations/{world.delegate('B', 'C')['id']}", "B")
        # Reconnecting, as an EventSource does: the old URL, the last id as Last-Event-ID.
        with opened(live, token, last_event_id=received[-1]["id"]) as stream:
            received += stream.events(4)
            world.propose("B", "After", issue_id=first["issue_id"])
            received += stream.events(1)
            stream.heartbeat()
        everything = feed(world)
        assert received == everything[1:]  # the same JSON as the feed's items, each once
        assert [e["type"] for e in received] == [
            "initiative_created",
            "delegation_changed",
            "delegation_changed",
            "suggestion_created",
            "delegation_changed",
            "delegation_changed",
            "delegation_changed",
            "initiative_created",
        ]

    def test_after_id_and_last_event_id_which_wins(self, live: Live, world: World) -> None:
        for name in ("One", "Two", "Three"):
            world.propose("A", name)
        ids = [e["id"] for e in feed(world)]
        with opened(live, after_id=0) as stream:
            assert [e["id"] for e in stream.events(3)] == ids
            stream.heartbeat()
        with opened(live, after_id=ids[0]) as stream:
            assert [e["id"] for e in stream.events(2)] == ids[1:]
            stream.heartbeat()
        with opened(live, after_id=0, last_event_id=ids[1]) as stream:
            assert [e["id"] for e in stream.events(1)] == ids[2:]
            stream.heartbeat()

    def test_a_burst_larger_than_one_read(
        self, live: Live, world: World, committed_db: Database
    ) -> None:
        """More events than one look at the feed reads (``BATCH``) arrive in order, each once."""
        from app.stream import BATCH
        from proposals.services.events import append_event

        with committed_db.session(write=True) as session:
            for _ in range(BATCH * 2 + 7):
                append_event(session, "delegation_changed", unit_id=world.unit_id)
            session.commit()
        expected = [e["id"] for e in feed(world)]
        with opened(live, after_id=0) as stream:
            assert [e["id"] for e in stream.events(len(expected))] == expected
            stream.heartbeat()


class TestAnswer:
    def test_headers_heartbeats_and_no_caching(self, quiet: Live) -> None:
        with opened(quiet) as stream:
            headers = stream.response.headers
            assert headers["content-type"] == "text/event-stream; charset=utf-8"
            assert headers["cache-control"] == "no-store"
            assert "etag" not in headers
            assert "content-length" not in headers
            assert headers["x-request-id"]
            started = time.monotonic()
            for _ in range(3):
                stream.heartbeat()
            assert time.monotonic() - started >= 2 * HEARTBEAT

    def test_an_idle_stream_holds_no_database_connection(
        self, committed_db: Database, clock: FrozenClock, world: World
    ) -> None:
        world.propose("A")
        slow = stream_app(committed_db, clock, public_access=PublicAccess.PSEUDONYM, stream_poll=30)
        with serving(slow) as live, opened(live, after_id=0) as stream:
            assert len(stream.events(1)) == 1  # the first look at the feed is over
            assert open_streams(live) == 1
            assert committed_db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]

    def test_unknown_type_and_bad_last_event_id_are_422(self, quiet: Live) -> None:
        with httpx.Client(base_url=quiet.url, timeout=10) as http:
            for answer in (
                http.get(PATH, params={"type": "nonsense"}),
                http.get(PATH, headers={"Last-Event-ID": "abc"}),
            ):
                assert answer.status_code == 422
                assert answer.headers["content-type"] == "application/json"
                assert answer.headers["cache-control"] == "no-store"
                assert "detail" in answer.json()
        assert open_streams(quiet) == 0


class TestCap:
    def test_one_stream_beyond_the_cap_is_503_with_retry_after(
        self, quiet_db: Database, clock: FrozenClock
    ) -> None:
        """The slots are given back when the clients go away, noticed at once: with an hour's
        heartbeat, nothing is written that could fail first."""
        capped = stream_app(
            quiet_db,
            clock,
            public_access=PublicAccess.PSEUDONYM,
            stream_max=2,
            stream_heartbeat=3600,
        )
        with serving(capped) as live, httpx.Client(base_url=live.url, timeout=10) as http:
            with opened(live), opened(live):
                refused = http.get(PATH)
                assert refused.status_code == 503
                assert int(refused.headers["retry-after"]) > 0
                assert refused.headers["content-type"] == "application/json"
                assert refused.headers["cache-control"] == "no-store"
                assert refused.json() == {
                    "detail": "too many open event streams; please try again in a few seconds"
                }
                assert open_streams(live) == 2
            wait_for(lambda: open_streams(live) == 0, "the streams were not released", 5)
            with opened(live):
                assert open_streams(live) == 1


class TestFilters:
    def test_unit_area_issue_and_type_as_in_the_feed(
        self, live: Live, world: World, committed_db: Database
    ) -> None:
        unit2 = make_unit(committed_db, name="Branch")
        area2 = make_area(committed_db, unit2, name="Housing")
        member = make_member(committed_db, name="Z")
        grant(committed_db, unit2, member)
        with committed_db.session() as session:
            grant_a = session.get(Member, world.id("A"))
            assert grant_a is not None
        grant(committed_db, unit2, grant_a)
        here = world.propose("A", "Here")
        there = world.propose("A", "There", area_id=area2.id or 0, policy_id=world.policy_id)
        world.delegate("B", "A")
        world.suggest("B", here["id"])
        world.delegate("C", "B", area_id=world.area_id)
        cases: list[dict[str, Any]] = [
            {"unit_id": unit2.id},
            {"unit_id": world.unit_id},
            {"area_id": area2.id},
            {"area_id": world.area_id},
            {"issue_id": here["issue_id"]},
            {"issue_id": there["issue_id"]},
            {"type": "initiative_created"},
            {"type": "delegation_changed", "unit_id": world.unit_id},
            {"type": "draft_created"},
        ]
        for filters in cases:
            expected = feed(world, **filters)
            with opened(live, after_id=0, **filters) as stream:
                assert stream.events(len(expected)) == expected, filters
                stream.heartbeat()
        assert {len(feed(world, **f)) for f in cases} >= {0, 1, 2}


class TestVisibility:
    @pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
    def test_member_ids_only_for_those_who_may_see_them(self, live: Live, world: World) -> None:
        world.propose("A")
        world.delegate("B", "A")
        with opened(live, after_id=0) as stream:
            anonymous = stream.events(2)
        with opened(live, token_of(world, "C"), after_id=0) as stream:
            member = stream.events(2)
        assert [e["member_id"] for e in anonymous] == [None, None]
        assert [e["member_id"] for e in member] == [world.id("A"), world.id("B")]
        assert anonymous == feed(world, None)
        assert member == feed(world, "C")

    @pytest.mark.parametrize("public_access", [PublicAccess.NONE])
    def test_a_closed_service_needs_a_valid_token(self, live: Live, world: World) -> None:
        world.propose("A")
        with httpx.Client(base_url=live.url, timeout=10) as http:
            for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic x"}):
                answer = http.get(PATH, headers=headers)
                assert answer.status_code == 401
                assert answer.headers["www-authenticate"] == "Bearer"
                assert "detail" in answer.json()
        with opened(live, token_of(world, "B"), after_id=0) as stream:
            assert stream.events(1) == feed(world, "B")

    def test_nothing_private_appears(self, live: Live, world: World) -> None:
        """Notifications, support, interest, ballots and opinions are never events."""
        with opened(live, token_of(world, "A")) as stream:
            stream.heartbeat()
            initiative = world.propose("A")
            world.support("B", initiative["id"])
            world.ok("PUT", f"/issues/{initiative['issue_id']}/interest", "C")
            suggestion = world.suggest("B", initiative["id"])  # notifies A
            world.rate("C", suggestion["id"], 1, False)
            world.delegate("C", "A")  # notifies A
            received = stream.events(3)
            stream.heartbeat()
        notifications = world.ok("GET", "/members/me/notifications", "A")["items"]
        assert len(notifications) >= 2
        assert [e["type"] for e in received] == [
            "initiative_created",
            "suggestion_created",
            "delegation_changed",
        ]
        assert received == feed(world)


class TestEnds:
    def test_a_revoked_token_ends_the_stream(
        self, live: Live, world: World, committed_db: Database
    ) -> None:
        with opened(live, token_of(world, "A")) as stream:
            stream.heartbeat()
            with committed_db.session(write=True) as session:
                token = session.exec(
                    select(ApiToken).where(
                        ApiToken.token_hash == token_digest(token_of(world, "A"))
                    )
                ).one()
                tokens.revoke_token(session, token)
                session.commit()
            with pytest.raises(EOFError):
                for _ in range(MAX_FRAMES):
                    stream.heartbeat()
        wait_for(lambda: open_streams(live) == 0, "the stream was not released")

    def test_server_shutdown_ends_open_streams(
        self, quiet_db: Database, clock: FrozenClock
    ) -> None:
        app = stream_app(quiet_db, clock, public_access=PublicAccess.PSEUDONYM)
        with serving(app) as live, opened(live) as stream:
            stream.heartbeat()
            live.server.should_exit = True
            with pytest.raises(EOFError):
                for _ in range(MAX_FRAMES):
                    stream.heartbeat()
            live.thread.join(timeout=10)
            assert not live.thread.is_alive(), "the server waited for the stream"
            assert open_streams(live) == 0


def test_the_operation_in_openapi() -> None:
    """A text/event-stream answer, JSON errors, and a description on every parameter."""
    document = create_app(settings_for_tests()).openapi()
    operation = document["paths"][PATH]["get"]
    assert operation["description"]
    assert list(operation["responses"]["200"]["content"]) == ["text/event-stream"]
    for status in ("401", "422", "503"):
        assert list(operation["responses"][status]["content"]) == ["application/json"]
    parameters = {(p["in"], p["name"]): p for p in operation["parameters"]}
    assert set(parameters) == {
        ("query", "after_id"),
        ("query", "unit_id"),
        ("query", "area_id"),
        ("query", "issue_id"),
        ("query", "type"),
        ("header", "last-event-id"),
    }
    assert all(p["description"] for p in parameters.values())


def test_a_send_to_a_closed_connection_ends_the_stream_quietly() -> None:
    """A server of ASGI spec 2.4 raises OSError when the client is gone (instead of only
    answering ``http.disconnect``): the stream ends without an error and frees its slot."""
    streams = Streams(1)
    sent: list[bytes] = []

    async def forever(_waker: asyncio.Event) -> AsyncGenerator[bytes, None]:
        while True:
            yield b": heartbeat\n\n"

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        if len(sent) == 3:
            raise OSError("the connection is closed")
        sent.append(message.get("body", b""))

    async def run() -> None:
        scope: Scope = {"type": "http", "asgi": {"spec_version": "2.4"}}
        await EventStreamResponse(forever, streams)(scope, receive, send)

    anyio.run(run)
    assert sent == [b"", b": heartbeat\n\n", b": heartbeat\n\n"]
    assert streams.count == 0


class Unreachable(Database):
    """A database whose every session fails as an unreachable SQLite file does."""

    def session(self, *, write: bool = False, read_only: bool = False) -> Session:
        raise sa.exc.OperationalError(
            "SELECT", {}, sqlite3.OperationalError("unable to open database file")
        )


def test_a_database_failure_ends_the_stream_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The client resumes with Last-Event-ID (and meets 503 while the database is away)."""
    streams = Streams(1)
    database = Unreachable(create_engine("sqlite://"))
    stream = EventStream(
        database=database,
        streams=streams,
        feed=FeedFilter(),
        start=0,
        viewer=Viewer(None, PublicAccess.PSEUDONYM),
        secret=None,
        clock=lambda: NOW,
        heartbeat=HEARTBEAT,
        poll=POLL,
    )

    async def frames() -> list[bytes]:
        return [frame async for frame in stream.frames(asyncio.Event())]

    with caplog.at_level(logging.WARNING, logger="liquidpolicy.stream"):
        assert anyio.run(frames) == []
    database.dispose()
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "database is unavailable" in caplog.records[0].getMessage()
