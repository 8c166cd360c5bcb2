"""``create_app(settings)``: lifespan, middleware, routers, error handlers."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.api import api_router
from app.db import Database, create_engine
from app.docs import install_docs
from app.errors import install_error_handlers
from app.headers import SecurityHeadersMiddleware
from app.logs import configure_logging
from app.middleware import RequestContextMiddleware, UnitOfWorkMiddleware
from app.settings import Settings
from app.web import install_web
from proposals.clock import Clock, utcnow
from proposals.lifecycle import run_lifecycle
from proposals.security import PasswordHasher
from proposals.services import idempotency

log = logging.getLogger("liquidpolicy.lifecycle")

DESCRIPTION = """Liquid Policy: members propose and amend policy, delegate their vote to people
they trust, and decide in the open. See API.md for the contract."""


def _purge_idempotency_records(database: Database, clock: Clock) -> None:
    with database.session(write=True) as session:
        idempotency.purge_expired(session, clock=clock)
        session.commit()


async def _lifecycle_loop(database: Database, clock: Clock, interval: int) -> None:
    """The server's periodic lifecycle run (and the removal of idempotency records older than
    24 hours); a failed run is logged and retried next time."""
    while True:
        try:
            await run_in_threadpool(_purge_idempotency_records, database, clock)
            transitions = await run_in_threadpool(run_lifecycle, database, clock=clock)
            for step in transitions:
                log.info(
                    "transition",
                    extra={"issue_id": step.issue_id, "from": step.from_state, "to": step.to_state},
                )
        except Exception:
            log.exception("lifecycle run failed")
        await asyncio.sleep(interval)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock = utcnow,
    run_lifecycle_every: bool = False,
) -> FastAPI:
    """Build the application. ``database`` and ``clock`` may be injected (tests, demo);
    ``run_lifecycle_every`` runs the lifecycle every ``LIFECYCLE_INTERVAL`` seconds (serve)."""
    settings = settings or Settings()
    configure_logging(settings.log_level, as_json=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = app.state.database is None
        if owned:
            app.state.database = Database(create_engine(settings.database_url))
        runner = None
        if run_lifecycle_every and settings.lifecycle_interval > 0:
            runner = asyncio.create_task(
                _lifecycle_loop(app.state.database, clock, settings.lifecycle_interval)
            )
        try:
            yield
        finally:
            if runner is not None:
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
            if owned:
                app.state.database.dispose()
                app.state.database = None

    app = FastAPI(
        title="Liquid Policy",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by app.docs, under the Content-Security-Policy
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.clock = clock
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
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(api_router)
    install_docs(app)
    install_web(app)

    @app.get("/healthz", tags=["operations"], responses={503: {"description": "Database down"}})
    async def healthz() -> JSONResponse:
        """``{"status": "ok"}`` when the database answers."""
        db: Database = app.state.database

        def ping() -> None:
            with db.engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))

        try:
            await run_in_threadpool(ping)
        except sa.exc.SQLAlchemyError:
            return JSONResponse({"detail": "the database does not answer"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return app
