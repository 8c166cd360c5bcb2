"""``create_app(settings)``: lifespan, middleware, routers, error handlers."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.api import api_router
from app.db import Database, create_engine
from app.docs import install_docs
from app.errors import install_error_handlers, responses, unavailable_response
from app.headers import SecurityHeadersMiddleware
from app.leader import Leader, leader_for
from app.logs import configure_logging
from app.mail.compose import notify_pass
from app.mail.send import send_due
from app.middleware import RequestContextMiddleware, UnitOfWorkMiddleware
from app.openapi import install_openapi
from app.read_cache import PublicReadCache
from app.settings import Settings
from app.stream import STREAM_PATH, Streams
from app.web import install_web
from app.webhooks.address import Resolver, system_resolver
from app.webhooks.deliver import Pass, deliver_pass
from proposals.clock import Clock, utcnow
from proposals.lifecycle import run_lifecycle
from proposals.security import PasswordHasher
from proposals.services import idempotency, instance, throttle
from proposals.services.records import write_due_records

log = logging.getLogger("liquidpolicy.lifecycle")

DESCRIPTION = """Liquid Policy: members propose and amend policy, delegate their vote to people
they trust, and decide in the open.

**Tokens.** Send `Authorization: Bearer <token>`. A *login token* comes from
`POST /api/v1/auth/token` (form fields `username`, `password`; every scope; the only kind that may
manage tokens or change the password). A *personal API token* (`POST /api/v1/tokens`) carries the
scopes it was given: `read`, `write`, `delegate`, `vote`. Each operation states the token and the
scope it needs; a missing scope is 403. Reads without a token follow the service's
`PUBLIC_ACCESS` level.

**Lists** take `limit` (default 50, at most 500) and `cursor` and answer
`{"items": [...], "next_cursor": ...}`: pass `next_cursor` as `cursor` for the next page (null:
no more). Ids are integers, times UTC ISO 8601, durations seconds.

**Errors** are `{"detail": "<what was wrong>"}`; a request that does not match its schema is 422
with FastAPI's list of problems as `detail`. 401/403 come before 409; a failed request changes
nothing.

**Retries.** Every write but `POST /auth/token` takes an optional `Idempotency-Key` header: the
same token sending the same key and body within 24 hours gets the first answer again."""

TAGS = [
    {"name": "auth", "description": "Log in (a login token) and log out."},
    {"name": "tokens", "description": "Personal API tokens for apps (a login token manages them)."},
    {"name": "members", "description": "Members, my profile and my agenda."},
    {"name": "structure", "description": "Units, privileges, areas and policies (admins write)."},
    {"name": "issues", "description": "Issues, interest, ballots and closed results."},
    {"name": "initiatives", "description": "Initiatives, drafts, initiators and support."},
    {"name": "suggestions", "description": "Suggestions to improve an initiative and opinions."},
    {"name": "delegation", "description": "Delegations and where a member's vote goes."},
    {
        "name": "feed",
        "description": "The public event feed, its live stream and the admin's lifecycle run.",
    },
    {
        "name": "webhooks",
        "description": "My webhooks: the public feed's events POSTed to a URL, signed"
        " (Standard Webhooks), and their deliveries.",
    },
    {"name": "notifications", "description": "Area subscriptions, my inbox and e-mail settings."},
    {
        "name": "search",
        "description": "Full-text search of issues, initiatives, suggestions and members.",
    },
    {"name": "operations", "description": "Health of the service."},
]


SECRET_KEY_NAME = "secret_key"


def instance_secret_key(database: Database) -> str:
    """The ``SECRET_KEY`` an unconfigured installation shares: generated once, kept in the
    database, so it survives restarts and every worker signs with the same key."""
    with database.session(write=True) as session:
        key = instance.instance_secret(session, SECRET_KEY_NAME)
        session.commit()
        return key


def _purge_expired(database: Database, clock: Clock, login_window: int) -> None:
    with database.session(write=True) as session:
        idempotency.purge_expired(session, clock=clock)
        throttle.purge_expired(session, window_seconds=login_window, clock=clock)
        session.commit()


async def _lifecycle_loop(
    database: Database,
    clock: Clock,
    interval: int,
    login_window: int,
    settings: Settings,
    stop: asyncio.Event | None = None,
    resolver: Resolver = system_resolver,
    leader: Leader | None = None,
) -> None:
    """The server's periodic lifecycle run (and the removal of idempotency records older than
    24 hours and of failed logins older than the throttle window), then the records of the
    issues it closed (issue 12, each in its own transaction), then one notification pass
    (issue 11: the delegates' due reminders, the fan-out of pending causes, with ``SMTP_URL``
    the composing of due e-mail; :func:`app.mail.compose.notify_pass`), outside the lifecycle's
    unit locks, then, with ``SMTP_URL``, the sending of the e-mail that is due, then one webhook
    delivery pass (issue 14: :func:`app.webhooks.deliver.deliver_pass`), each in the thread pool
    (never in a request); a failed run is logged and retried next time.

    ``stop`` ends the loop between steps: a step already running in its thread finishes first
    (cancelling the task would leave that thread using a connection the shutdown then drops).

    With several server processes only one runs the rounds at a time: ``leader`` (by default
    :func:`app.leader.leader_for` the database) is asked before each round, and a process that
    is not the leader only asks again an interval later. New background work is one more entry
    in ``steps``; it then runs in this single runner too."""
    stop = stop or asyncio.Event()
    leader = leader or leader_for(database.engine)
    steps: list[tuple[str, Callable[[], object]]] = [
        ("purge of expired records", lambda: _purge_expired(database, clock, login_window)),
        ("lifecycle run", lambda: _log_transitions(run_lifecycle(database, clock=clock))),
        ("writing records", lambda: _log_records(write_due_records(database, clock=clock))),
        ("notification pass", lambda: notify_pass(database, settings, clock=clock)),
    ]
    if settings.smtp_url:
        steps.append(("sending e-mail", lambda: send_due(database, settings, clock=clock)))
    steps.append(
        (
            "webhook deliveries",
            lambda: _log_deliveries(
                deliver_pass(database, settings, clock=clock, resolver=resolver)
            ),
        )
    )
    try:
        while not stop.is_set():
            if await _leads(leader):
                for name, step in steps:
                    if stop.is_set():
                        return
                    try:
                        await run_in_threadpool(step)
                    except Exception:
                        log.exception(f"{name} failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
    finally:
        leader.release()  # closing its connection frees the lock for another process


async def _leads(leader: Leader) -> bool:
    try:
        return await run_in_threadpool(leader.is_leader)
    except Exception:  # never the end of the runner: asked again an interval later
        log.exception("runner election failed")
        return False


def _log_deliveries(done: Pass) -> None:
    if done.queued or done.delivered or done.failed:
        log.info("webhook pass", extra={"summary": done.summary()})


def _log_records(written: Iterable[tuple[int, str]]) -> None:
    for issue_id, digest in written:
        log.info("record written", extra={"issue_id": issue_id, "digest": digest})


def _log_transitions(transitions: Iterable[Any]) -> None:
    for step in transitions:
        log.info(
            "transition",
            extra={"issue_id": step.issue_id, "from": step.from_state, "to": step.to_state},
        )


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock = utcnow,
    run_lifecycle_every: bool = False,
    resolver: Resolver = system_resolver,
    cache_public_reads: bool = False,
) -> FastAPI:
    """Build the application. ``database``, ``clock`` and the webhooks' name ``resolver`` may be
    injected (tests, demo); ``run_lifecycle_every`` runs the lifecycle every
    ``LIFECYCLE_INTERVAL`` seconds (serve); ``cache_public_reads`` answers repeated public API
    reads from memory for ``HTTP_CACHE_MAX_AGE`` seconds (serve; :mod:`app.read_cache`)."""
    settings = settings or Settings()
    configure_logging(settings.log_level, as_json=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = app.state.database is None
        if owned:
            app.state.database = Database(create_engine(settings.database_url))
        if not settings.secret_key:  # not configured: the installation's own, from the database
            key = await run_in_threadpool(instance_secret_key, app.state.database)
            app.state.settings = settings.model_copy(update={"secret_key": key})
        app.state.streams.reopen()
        runner = None
        stop = asyncio.Event()
        if run_lifecycle_every and settings.lifecycle_interval > 0:
            runner = asyncio.create_task(
                _lifecycle_loop(
                    app.state.database,
                    clock,
                    settings.lifecycle_interval,
                    settings.login_throttle_window,
                    settings=app.state.settings,  # with the installation's key (links)
                    stop=stop,
                    resolver=resolver,
                )
            )
        try:
            yield
        finally:
            app.state.streams.close()
            if runner is not None:  # the step in progress finishes; no other starts
                stop.set()
                await runner
            if owned:
                app.state.database.dispose()
                app.state.database = None

    app = FastAPI(
        title="Liquid Policy",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,  # served by app.docs, under the Content-Security-Policy
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.clock = clock
    app.state.streams = Streams(settings.stream_max)
    app.state.resolver = resolver
    app.state.read_cache = (
        PublicReadCache(settings.http_cache_max_age) if cache_public_reads else None
    )
    app.state.hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost,
        parallelism=settings.argon2_parallelism,
    )
    install_error_handlers(app)
    app.add_middleware(
        UnitOfWorkMiddleware,
        database=lambda: app.state.database,
        clock=lambda: app.state.clock,
        max_body_bytes=settings.max_body_bytes,
        public_max_age=settings.http_cache_max_age,
        streaming_paths=frozenset({STREAM_PATH}),
        read_cache=lambda: app.state.read_cache,
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    # Any operation may meet a database that is away for a moment: 503 with Retry-After.
    app.include_router(api_router, responses=responses(503))
    install_docs(app)
    install_openapi(app)
    install_web(app)

    @app.get("/healthz", tags=["operations"], responses=responses(503))
    async def healthz() -> JSONResponse:
        """``{"status": "ok"}`` when the database answers; 503 with ``Retry-After`` when not."""
        db: Database = app.state.database

        def ping() -> None:
            with db.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))

        try:
            await run_in_threadpool(ping)
        except sa.exc.SQLAlchemyError:
            return unavailable_response()
        return JSONResponse({"status": "ok"})

    return app


def served_app() -> FastAPI:
    """The application of ``liquidpolicy serve --workers N`` (N > 1): uvicorn imports this
    factory in each worker process; settings come from the environment, as for the parent."""
    return create_app(Settings(), run_lifecycle_every=True, cache_public_reads=True)
