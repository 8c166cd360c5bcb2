"""One table from domain exception to HTTP status; every error body is ``{"detail": ...}``."""

import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ConfigDict
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from app.schemas.base import Schema
from proposals.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from proposals.services.throttle import TooManyAttempts

log = logging.getLogger("liquidpolicy.errors")

STATUS_OF: dict[type[DomainError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    InvalidInput: 422,
}


class Unauthorized(DomainError):
    """No token, or a token that is unknown, expired or revoked (401)."""


class ScopeMissing(DomainError):
    """The token lacks the scope the endpoint needs (403)."""


STATUS_OF.update({Unauthorized: 401, ScopeMissing: 403, TooManyAttempts: 429})


class ErrorBody(Schema):
    """Every error answer: what was wrong, in words."""

    detail: str
    """What was wrong, in words."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"detail": "the token lacks the 'write' scope"}]}
    )


class ServerErrorBody(ErrorBody):
    """A 500 answer: the request id to quote when reporting it (the details are in the log)."""

    request_id: str
    """Quote it when reporting the error."""


class ValidationProblem(Schema):
    """One problem of a request that does not match its schema (FastAPI's list item)."""

    type: str
    """What kind of problem, e.g. ``missing``, ``string_too_long``, ``extra_forbidden``."""
    loc: list[str | int]
    """Where: ``body``, ``query``, ``path`` or ``header``, then the field names and indexes."""
    msg: str
    """The problem in words."""


class ValidationErrorBody(Schema):
    """FastAPI's standard 422 body for schema violations (a list), or a string content rule."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"detail": [{"type": "missing", "loc": ["body", "name"], "msg": "Field required"}]},
                {"detail": "password must have at least 10 characters"},
            ]
        }
    )

    detail: list[ValidationProblem] | str
    """What was wrong: FastAPI's list of problems for a schema violation, or a sentence for a
    content rule."""


_RETRY_AFTER = {
    "description": "Seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 0},
}
_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not authenticated: no token, or an unknown, expired or revoked one",
    403: "Not allowed: missing scope, privilege or role",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Request body too large",
    422: "Invalid request content",
    429: "Too many failed attempts",
    503: "The database is unavailable for a moment: retry after Retry-After seconds",
}

# Unavailable database -----------------------------------------------------------------------

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_DETAIL = "the database is unavailable; please try again in a few seconds"
# SQLite's OperationalErrors that mean "not reachable now" (the rest, e.g. "no such table", are
# server errors).
_SQLITE_UNAVAILABLE = ("unable to open database", "database is locked", "disk i/o error")


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached or dropped the connection (a 503 with
    ``Retry-After``, never a 500): SQLAlchemy's OperationalError and InterfaceError (psycopg's
    connection failures, a connection ended by the server), any DBAPIError that invalidated its
    connection, a pool timeout, and SQLite's "unable to open database" (or locked, or I/O)."""
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
            return True
        if isinstance(exc, sa_exc.OperationalError):
            original = exc.orig
            if isinstance(original, sqlite3.Error):
                return str(original).lower().startswith(_SQLITE_UNAVAILABLE)
            return True
        return False
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection became free in time
        return True
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return str(exc).lower().startswith(_SQLITE_UNAVAILABLE)
    return False


UNAVAILABLE_HEADERS = {"Retry-After": str(RETRY_AFTER_SECONDS)}


def unavailable_response() -> JSONResponse:
    return error_response(503, UNAVAILABLE_DETAIL, dict(UNAVAILABLE_HEADERS))


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses an operation can answer."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        model = ValidationErrorBody if status == 422 else ErrorBody
        out[status] = {"model": model, "description": _DESCRIPTIONS[status]}
        if status in (429, 503):
            out[status]["headers"] = {"Retry-After": _RETRY_AFTER}
    return out


def status_of(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400


def json_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """:func:`responses` for an operation whose own answer is not JSON (the event stream): its
    errors are still ``application/json`` (given a ``model``, FastAPI would file them under the
    operation's media type). The schemas are the components :func:`responses` registers."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        model = ValidationErrorBody if status == 422 else ErrorBody
        schema = {"$ref": f"#/components/schemas/{model.__name__}"}
        out[status] = {
            "description": _DESCRIPTIONS[status],
            "content": {"application/json": {"schema": schema}},
        }
    return out


def error_response(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after)}
    return error_response(status, exc.detail, headers)


_UNPARSABLE_BODY = {"type": "body_invalid", "loc": ["body"], "msg": "the body cannot be parsed"}


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:
        # FastAPI's answer to a body it cannot parse at all (JSON that is not UTF-8, a broken
        # form). API.md: malformed request content is a 422 with the standard list body.
        return JSONResponse({"detail": [_UNPARSABLE_BODY]}, status_code=422)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return error_response(exc.status_code, detail, dict(exc.headers or {}))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {k: v for k, v in error.items() if k in ("type", "loc", "msg")} for error in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    """API.md: never a 500 for bad input. A number the database cannot hold (an id beyond its
    integer range: PostgreSQL's DataError, the sqlite3 driver's OverflowError) is invalid
    request content; any other OverflowError is a server error."""
    if isinstance(exc, OverflowError) and "SQLite INTEGER" not in str(exc):
        return await _server_error(request, exc)
    return error_response(422, "a value in the request is out of range")


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database that is away is a 503 with ``Retry-After`` (logged as a warning, no trace in
    the answer); any other database error is a server error."""
    if not database_unavailable(exc):
        raise exc  # the server error handler's, as before
    log.warning(
        "database unavailable request_id=%s: %s",
        getattr(request.state, "request_id", "-"),
        str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
    )
    return unavailable_response()


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", "-")
    log.error("unhandled error request_id=%s", request_id, exc_info=exc)
    return JSONResponse(
        {"detail": "Internal server error", "request_id": request_id}, status_code=500
    )


# Pages and API: which answers are JSON ---------------------------------------------------------

JSON_PATHS = frozenset({"/healthz", "/openapi.json"})


def answers_json(path: str) -> bool:
    """Whether errors on ``path`` are JSON: the API (``/api/...``) and the operations endpoints.
    Every other path is the web client's, whose errors are HTML pages (issue 10)."""
    return path.startswith("/api/") or path == "/api" or path in JSON_PATHS


Handler = Callable[[Request, Exception], Awaitable[Response]]


def _pages_or_json(handler: Handler) -> Handler:
    """``handler``'s JSON answer on the API; outside it, the same error as an HTML page."""

    async def handle(request: Request, exc: Exception) -> Response:
        response = await handler(request, exc)
        if answers_json(request.url.path):
            return response
        from app.web.context import page_for_error  # the web client builds on this module

        body = json.loads(bytes(response.body)) if response.body else {}
        return page_for_error(request, exc, response.status_code, body, dict(response.headers))

    return handle


def install_error_handlers(app: FastAPI) -> None:
    handlers: list[tuple[type[Exception], Handler]] = [
        (DomainError, _domain_error),
        (HTTPException, _http_error),
        (RequestValidationError, _validation_error),
        (DataError, _out_of_range),
        (OverflowError, _out_of_range),
    ]
    for kind, handler in handlers:
        app.add_exception_handler(kind, _pages_or_json(handler))
    for unavailable in (
        sa_exc.DBAPIError,
        sa_exc.TimeoutError,
        psycopg.OperationalError,
        psycopg.InterfaceError,
        sqlite3.OperationalError,
    ):
        app.add_exception_handler(unavailable, _pages_or_json(_database_error))
    app.add_exception_handler(Exception, _pages_or_json(_server_error))
