"""The live event stream (issue 14): the feed as Server-Sent Events, outside the unit of work.

A stream is open for minutes or hours, so it does not run like other requests:

* The unit of work and HTTP caching (:mod:`app.middleware`, :mod:`app.caching`) hold a whole
  answer before sending it; the stream's path is passed by (:data:`STREAM_PATH`), and the stream
  sends each event as it comes.
* It holds no database connection while idle: every look at the feed (every ``STREAM_POLL``
  seconds) is a short read-only session of its own, closed before anything is sent. The token,
  too, is looked up in a session of its own (:func:`stream_viewer`), and looked up again every
  ``STREAM_HEARTBEAT`` seconds: a revoked or expired token ends the stream.
* At most ``STREAM_MAX`` streams are open per process (:class:`Streams`); one more is answered 503
  with ``Retry-After``. The slot is taken when the answer starts and given back when it ends, so
  a stream that never starts holds none.
* A stream ends when the client goes away (its disconnect is awaited beside the stream), when the
  server shuts down (:meth:`Streams.close`, called by :class:`app.server.Server` before uvicorn
  waits for open connections, and by the app's lifespan), or when the database fails (logged; the
  client resumes with ``Last-Event-ID``).
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.db import Database
from app.deps import TOKEN_INVALID, ClockDep, SettingsDep, Viewer, bearer_secret, viewer_of
from app.errors import RETRY_AFTER_SECONDS, Unauthorized, database_unavailable, error_response
from app.schemas.deliberation import EventOut
from proposals.clock import Clock
from proposals.services import events
from proposals.services.tokens import Credentials, resolve_token

log = logging.getLogger("liquidpolicy.stream")

STREAM_PATH = "/api/v1/events/stream"
BATCH = 100  # events read per look at the feed; a full batch is followed by the next at once
HEARTBEAT = b": heartbeat\n\n"
FULL_DETAIL = "too many open event streams; please try again in a few seconds"


class Streams:
    """The open event streams of one process: at most ``limit`` at once.

    Used from the event loop only (no locks): :meth:`open` and :meth:`release` around each stream,
    :meth:`close` at shutdown."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.closing = False
        self._wakers: set[asyncio.Event] = set()

    def open(self) -> asyncio.Event | None:
        """A slot for one more stream: the event that wakes it early (to end it), or None when
        ``limit`` streams are open or the server is shutting down."""
        if self.closing or self.count >= self.limit:
            return None
        self.count += 1
        waker = asyncio.Event()
        self._wakers.add(waker)
        return waker

    def release(self, waker: asyncio.Event) -> None:
        self._wakers.discard(waker)
        self.count -= 1

    def close(self) -> None:
        """End every open stream at once (each finishes what it is sending) and refuse new ones."""
        self.closing = True
        for waker in self._wakers:
            waker.set()

    def reopen(self) -> None:
        """Accept streams again (the app starts, possibly after an earlier shutdown)."""
        self.closing = False


def _credentials(database: Database, secret: str, clock: Clock) -> Credentials | None:
    with database.session(read_only=True) as session:
        return resolve_token(session, secret, clock=clock)


async def stream_viewer(request: Request, settings: SettingsDep, clock: ClockDep) -> Viewer:
    """:func:`app.deps.public_viewer` for a route outside the unit of work: the token is looked
    up in a short session of its own."""
    secret = bearer_secret(request)
    credentials = None
    if secret is not None:
        database: Database = request.app.state.database
        credentials = await run_in_threadpool(_credentials, database, secret, clock)
        if credentials is None:
            raise Unauthorized(TOKEN_INVALID)
    return viewer_of(credentials, settings)


StreamViewer = Annotated[Viewer, Depends(stream_viewer)]


@dataclass(frozen=True)
class FeedFilter:
    """The filters of ``GET /events``, for the stream."""

    unit_id: int | None = None
    area_id: int | None = None
    issue_id: int | None = None
    type_: str | None = None


def frame(item: EventOut) -> bytes:
    """One event as Server-Sent Events: ``id:`` the event id, ``data:`` the feed item's JSON (one
    line: JSON text holds no raw line break)."""
    return b"id: %d\ndata: %s\n\n" % (item.id, item.model_dump_json().encode())


@dataclass(frozen=True)
class EventStream:
    """One client's stream: the feed after ``start`` (None: after the newest event when the
    stream opens), filtered, as ``viewer`` may see it."""

    database: Database
    streams: Streams
    feed: FeedFilter
    start: int | None
    viewer: Viewer
    secret: str | None
    clock: Clock
    heartbeat: float
    poll: float

    async def frames(self, waker: asyncio.Event) -> AsyncGenerator[bytes, None]:
        """Events as they are committed, a heartbeat after ``heartbeat`` quiet seconds; ends
        when ``waker`` is set (shutdown), the token is no longer valid, or the database fails."""
        try:
            last = self.start
            if last is None:
                last = await run_in_threadpool(self._feed_end)
            quiet_until = recheck_at = time.monotonic() + self.heartbeat
            while not self.streams.closing:
                recheck = self.secret is not None and time.monotonic() >= recheck_at
                if recheck:
                    recheck_at = time.monotonic() + self.heartbeat
                batch = await run_in_threadpool(self._read, last, recheck)
                if batch is None:
                    return  # the token was revoked or has expired: the client sees 401 next
                for event_id, data in batch:
                    yield data
                    last = event_id
                if batch:
                    quiet_until = time.monotonic() + self.heartbeat
                if len(batch) == BATCH:
                    continue
                if time.monotonic() >= quiet_until:
                    yield HEARTBEAT
                    quiet_until = time.monotonic() + self.heartbeat
                delay = max(0.0, min(self.poll, quiet_until - time.monotonic()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waker.wait(), timeout=delay)
        except Exception as exc:
            if not database_unavailable(exc):
                log.exception("event stream failed")
            else:
                log.warning("event stream ended, the database is unavailable: %s", exc)

    def _feed_end(self) -> int:
        with self.database.session(read_only=True) as session:
            return events.feed_end(session)

    def _read(self, after: int, recheck: bool) -> list[tuple[int, bytes]] | None:
        """The next events after ``after`` as frames, in one short session (None: ``recheck``
        found the token no longer valid)."""
        with self.database.session(read_only=True) as session:
            secret = self.secret if recheck else None
            if secret is not None and resolve_token(session, secret, clock=self.clock) is None:
                return None
            page = events.list_events(
                session,
                after=after,
                limit=BATCH,
                unit_id=self.feed.unit_id,
                area_id=self.feed.area_id,
                issue_id=self.feed.issue_id,
                type_=self.feed.type_,
            )
            items = list(page.items)
        return [(e.id or 0, frame(EventOut.of(e, self.viewer))) for e in items]


class EventStreamResponse(Response):
    """``text/event-stream``: the frames of ``follow`` while a slot of ``streams`` is free, else
    503 with ``Retry-After``. The client's disconnect is awaited beside the stream and ends it."""

    media_type = "text/event-stream"

    def __init__(
        self, follow: Callable[[asyncio.Event], AsyncGenerator[bytes, None]], streams: Streams
    ) -> None:
        self.follow = follow
        self.streams = streams
        self.status_code = 200
        self.background = None
        self.raw_headers = [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"cache-control", b"no-store"),
            (b"x-accel-buffering", b"no"),  # nginx: pass each event on at once
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        waker = self.streams.open()
        if waker is None:
            refusal = error_response(503, FULL_DETAIL, {"Retry-After": str(RETRY_AFTER_SECONDS)})
            await refusal(scope, receive, send)
            return
        try:
            async with anyio.create_task_group() as group:

                async def until_disconnect() -> None:
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    group.cancel_scope.cancel()

                group.start_soon(until_disconnect)
                await self._send_frames(send, waker)
                group.cancel_scope.cancel()
        finally:
            self.streams.release(waker)

    async def _send_frames(self, send: Send, waker: asyncio.Event) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            async with contextlib.aclosing(self.follow(waker)) as chunks:
                async for chunk in chunks:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # a server of ASGI spec 2.4 may raise on sending to a closed connection
