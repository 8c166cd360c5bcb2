"""Pure ASGI middleware: request id + access log, and the unit of work with idempotency.

The unit of work opens one session per request, commits it when the answer is a success and rolls
it back on any error answer or exception, so a failed request never leaves half a write. Writes
carrying an ``Idempotency-Key`` have their first successful answer stored in the same transaction,
when the operation claimed the key (:mod:`app.idempotency`: the lookup and the claim happen inside
the operation, after its authentication and permission checks).
Reads run in a read-only unit of work (see :meth:`app.db.Database.session`). Every answer under
``/api/v1`` passes :func:`app.caching.apply_caching` (ETag, 304, Cache-Control) on its way out.
"""

import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.caching import NO_STORE, apply_caching
from app.db import Database
from app.errors import (
    UNAVAILABLE_DETAIL,
    UNAVAILABLE_HEADERS,
    answers_json,
    database_unavailable,
)
from app.idempotency import Claim, StoredAnswer, request_hash, stored_answer
from app.read_cache import PublicReadCache
from proposals.clock import Clock
from proposals.errors import InvalidInput
from proposals.services import idempotency

log = logging.getLogger("liquidpolicy.request")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    """Gives each request an id (``X-Request-ID``, echoed back) and logs one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )


class BodyTooLarge(Exception):
    pass


class UnitOfWorkMiddleware:
    """One session per request: commit on success, roll back on error; idempotent retries.

    A ``GET`` of one of ``streaming_paths`` (the event stream, :mod:`app.stream`) passes by:
    it has no session (its route opens short ones of its own), its answer is sent as it comes,
    without HTTP caching, and is ``Cache-Control: no-store`` unless the route says otherwise."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        database: Callable[[], Database],
        clock: Callable[[], Clock],
        max_body_bytes: int,
        public_max_age: int = 0,
        streaming_paths: frozenset[str] = frozenset(),
        read_cache: Callable[[], PublicReadCache | None] = lambda: None,
    ) -> None:
        self.app = app
        self.database = database
        self.clock = clock
        self.max_body_bytes = max_body_bytes
        self.public_max_age = public_max_age
        self.streaming_paths = streaming_paths
        self.read_cache = read_cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "GET" and scope["path"] in self.streaming_paths:
            await self.app(scope, receive, _not_stored(send))
            return
        try:
            body = await self._read_body(scope, receive)
        except BodyTooLarge:
            if answers_json(scope["path"]):
                await _send_json(send, 413, b'{"detail":"request body too large"}')
            else:
                await _send_page(scope, send, 413, "The form is too large to be accepted.")
            return

        cache = self.read_cache()
        if cache is not None and (kept := cache.get(scope)) is not None:
            await self._respond(scope, send, *kept)  # no session, no query (app.read_cache)
            return
        scope.setdefault("state", {})["cache_generation"] = (
            cache.generation if cache is not None else 0
        )

        method: str = scope["method"]
        write = method in WRITE_METHODS
        started = False

        async def send_started(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            session = self.database().session(write=write, read_only=not write)
            scope.setdefault("state", {})["session"] = session
            try:
                await self._run(scope, body, receive, send_started, session, write)
            finally:
                await _close(session)
        except Exception as exc:
            # The database went away in the unit of work itself (begin, commit, rollback, the
            # idempotency record): a 503 with Retry-After, as app.errors answers for routes.
            if started or not database_unavailable(exc):
                raise
            log.warning(
                "database unavailable request_id=%s: %s",
                scope.get("state", {}).get("request_id", "-"),
                str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            )
            if not answers_json(scope["path"]):
                await _send_page(scope, send, 503, UNAVAILABLE_DETAIL, UNAVAILABLE_HEADERS)
                return
            await _send_buffered(
                send,
                503,
                [
                    (b"content-type", b"application/json"),
                    *((k.lower().encode(), v.encode()) for k, v in UNAVAILABLE_HEADERS.items()),
                ],
                json.dumps({"detail": UNAVAILABLE_DETAIL}).encode(),
            )

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise BodyTooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _run(
        self,
        scope: Scope,
        body: bytes,
        receive: Receive,
        send: Send,
        session: Session,
        write: bool,
    ) -> None:
        if write:
            scope["state"]["request_hash"] = request_hash(body)

        response = _BufferedResponse()
        body_sent = False

        async def receive_body() -> Message:
            nonlocal body_sent
            if body_sent:
                # After the body, a receive waits for the client to go away (as the server's
                # own receive does); answering "disconnect" at once would cut streamed files.
                return await receive()
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            await self.app(scope, receive_body, response.capture)
        except BaseException:
            await run_in_threadpool(session.rollback)
            raise

        if not write:
            # A read (which must not write) has nothing to commit: closing the session ends it.
            # Close before answering, so the connection is back in the pool before the client
            # can send its next request.
            await run_in_threadpool(session.close)
            if (cache := self.read_cache()) is not None:
                cache.put(
                    scope,
                    response.status,
                    response.headers,
                    response.body,
                    generation=scope["state"]["cache_generation"],
                )
            await self._respond(scope, send, response.status, response.headers, response.body)
            return

        if response.status >= 400:
            await run_in_threadpool(session.rollback)
            await self._respond(scope, send, response.status, response.headers, response.body)
            return

        claim = scope["state"].get("idempotency")
        store = isinstance(claim, Claim) and 200 <= response.status < 300

        def finish() -> StoredAnswer | None:
            try:
                if isinstance(claim, Claim) and store:
                    status, content_type, stored_body = (
                        (claim.instead[0], "application/json", claim.instead[1])
                        if claim.instead is not None
                        else (response.status, response.content_type, response.body)
                    )
                    # The INSERT itself meets a concurrent retry's record (PostgreSQL waits
                    # for that one's commit), so it belongs inside the ``try`` too.
                    idempotency.store_record(
                        session,
                        api_token_id=claim.api_token_id,
                        method=claim.method,
                        path=claim.path,
                        key=claim.key,
                        request_hash=claim.request_hash,
                        status_code=status,
                        content_type=content_type,
                        body=stored_body,
                        clock=self.clock(),
                    )
                session.commit()
            except IntegrityError:
                if not isinstance(claim, Claim) or not store:
                    raise
                # A concurrent retry with the same key committed first: answer as it did.
                session.rollback()
                try:
                    replayed = stored_answer(session, claim, self.clock())
                except InvalidInput as exc:
                    replayed = (
                        422,
                        [(b"content-type", b"application/json")],
                        json.dumps({"detail": exc.detail}).encode(),
                    )
                return replayed or (
                    409,
                    [(b"content-type", b"application/json")],
                    b'{"detail":"a request with this Idempotency-Key is still running"}',
                )
            return None

        replaced = await run_in_threadpool(finish)
        if (cache := self.read_cache()) is not None:
            cache.clear()  # this process never answers older than its own writes
        if replaced is not None:
            await self._respond(scope, send, *replaced)
        else:
            await self._respond(scope, send, response.status, response.headers, response.body)

    async def _respond(
        self, scope: Scope, send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> None:
        await _send_buffered(
            send,
            *apply_caching(scope, status, headers, body, public_max_age=self.public_max_age),
            head=scope["method"] == "HEAD",
        )


def _not_stored(send: Send) -> Send:
    async def send_not_stored(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(key.lower() == b"cache-control" for key, _ in headers):
                message = {**message, "headers": [*headers, NO_STORE]}
        await send(message)

    return send_not_stored


async def _close(session: Session) -> None:
    """End the request's session; a connection the database dropped is only logged here (the
    pool replaces it), since the answer may already be on its way."""
    try:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()  # holds no connection: nothing to wait for
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        log.warning("closing a session whose database connection is gone: %s", exc)


class _BufferedResponse:
    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def capture(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def content_type(self) -> str | None:
        for key, value in self.headers:
            if key.lower() == b"content-type":
                return str(value.decode("latin-1"))
        return None


async def _send_buffered(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, *, head: bool = False
) -> None:
    """Send a whole answer; to a ``HEAD`` its headers only (with the length a GET would get)."""
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    if status != 304:  # a 304's Content-Length would describe the body it does not send
        headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def _send_page(
    scope: Scope, send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    """An error of the unit of work itself as the web client's HTML error page."""
    from starlette.requests import Request

    from app.web.context import error_page  # the web client builds on this module

    page = error_page(Request(scope), status, detail, headers)
    await _send_buffered(
        send, status, list(page.raw_headers), bytes(page.body), head=scope["method"] == "HEAD"
    )


async def _send_json(send: Send, status: int, body: bytes) -> None:
    await _send_buffered(send, status, [(b"content-type", b"application/json")], body)
