"""The ``Idempotency-Key`` of API.md, looked up inside each write operation (issue 9).

Where the lookup happens is the point: :class:`IdempotentRoute` wraps every write endpoint of the
API, so a stored answer is only looked for once FastAPI has resolved all of the operation's
dependencies — authentication (the token is valid, not revoked, its member active), scopes, the
login-token and admin checks, and request validation, the header's own length included. A token
that would be refused is refused, key or no key.

Records belong to the credential: the key is scoped to (token id, method, path), so a replay only
ever goes back to the very token that made the first request; another token of the same member
runs the request for itself.

The wrapper claims the key (``request.state.idempotency``); :class:`app.middleware
.UnitOfWorkMiddleware` stores the first 2xx answer of a claimed request in the request's own
transaction. An operation whose answer carries a secret calls :func:`answer_retries_with`, and the
record then holds that answer (a 409 naming what was created) instead of the secret.
"""

import functools
import hashlib
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header, Request, Response
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.errors import responses
from proposals.clock import Clock
from proposals.errors import InvalidInput
from proposals.services import idempotency

HEADER = "Idempotency-Key"
KEY_MAX = 255  # API.md; the column is VARCHAR(255)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_EXEMPT = "_idempotency_exempt"
_WRAPPED = "_idempotency_wrapped"

StoredAnswer = tuple[int, list[tuple[bytes, bytes]], bytes]


@dataclass
class Claim:
    """A write that carries a key no stored answer exists for yet: its answer is to be kept."""

    api_token_id: int
    method: str
    path: str
    key: str
    request_hash: str
    instead: tuple[int, bytes] | None = None  # (status, JSON body) to store instead of the answer


def request_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def no_idempotency(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a write operation that takes no ``Idempotency-Key`` (``POST /auth/token``)."""
    setattr(endpoint, _EXEMPT, True)
    return endpoint


def answer_retries_with(request: Request, status: int, detail: str) -> None:
    """Store ``{"detail": detail}`` with ``status`` for retries instead of this answer (which
    carries a secret that must never be kept, nor shown twice)."""
    claim = getattr(request.state, "idempotency", None)
    if isinstance(claim, Claim):
        claim.instead = (status, json.dumps({"detail": detail}).encode())


def stored_answer(session: Session, claim: Claim, clock: Clock) -> StoredAnswer | None:
    """The answer stored for this token, method, path and key; 422 for another body."""
    record = idempotency.find_record(
        session,
        api_token_id=claim.api_token_id,
        method=claim.method,
        path=claim.path,
        key=claim.key,
        clock=clock,
    )
    if record is None:
        return None
    if record.request_hash != claim.request_hash:
        raise InvalidInput(f"this {HEADER} was used with another request body")
    headers = [(b"idempotent-replayed", b"true")]
    if record.content_type:
        headers.append((b"content-type", record.content_type.encode("latin-1")))
    return record.status_code, headers, record.body


def _begin(request: Request, key: str | None) -> Response | None:
    """Runs after every dependency of the operation: the stored answer, or None (key claimed)."""
    credentials = getattr(request.state, "credentials", None)
    body_hash = getattr(request.state, "request_hash", None)
    if key is None or credentials is None or body_hash is None:
        return None
    claim = Claim(
        api_token_id=credentials.token.id,
        method=request.method,
        path=request.scope["path"],
        key=key,
        request_hash=body_hash,
    )
    stored = stored_answer(request.state.session, claim, request.app.state.clock)
    if stored is not None:
        status, headers, body = stored
        response = Response(content=body, status_code=status)
        response.raw_headers = [*headers, (b"content-length", str(len(body)).encode())]
        return response
    request.state.idempotency = claim
    return None


def _with_key(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` with two more parameters (the header, declared in OpenAPI, and the request)
    and the lookup in front of it."""
    signature = inspect.signature(endpoint)
    extra = [
        inspect.Parameter(
            "idempotency_key",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                str | None,
                Header(
                    alias=HEADER,
                    min_length=1,
                    max_length=KEY_MAX,
                    description=(
                        "Makes a retry safe: the same token sending the same key and body to "
                        "this operation within 24 hours gets the first answer again "
                        f"(at most {KEY_MAX} characters)."
                    ),
                ),
            ],
        ),
        inspect.Parameter(
            "idempotency_request", inspect.Parameter.KEYWORD_ONLY, annotation=Request
        ),
    ]
    # FastAPI hands the request to one parameter only: reuse the endpoint's own, if it has one.
    own = [n for n, p in signature.parameters.items() if p.annotation is Request]
    if own:
        extra.pop()
    request_name = own[0] if own else "idempotency_request"

    def split(kwargs: dict[str, Any]) -> tuple[Request, str | None, dict[str, Any]]:
        key = kwargs.pop("idempotency_key", None)
        request = kwargs[request_name] if own else kwargs.pop(request_name)
        return request, key, kwargs

    wrapper: Callable[..., Any]
    if inspect.iscoroutinefunction(endpoint):

        async def wrapper_async(**kwargs: Any) -> Any:
            request, key, rest = split(kwargs)
            stored = await run_in_threadpool(_begin, request, key)
            return stored if stored is not None else await endpoint(**rest)

        wrapper = wrapper_async
    else:

        def wrapper_sync(**kwargs: Any) -> Any:
            request, key, rest = split(kwargs)
            stored = _begin(request, key)
            return stored if stored is not None else endpoint(**rest)

        wrapper = wrapper_sync
    functools.update_wrapper(wrapper, endpoint)
    setattr(  # noqa: B010 (a function's __signature__ is not declared for mypy)
        wrapper,
        "__signature__",
        signature.replace(parameters=[*signature.parameters.values(), *extra]),
    )
    setattr(wrapper, _WRAPPED, True)
    return wrapper


class IdempotentRoute(APIRoute):
    """An API route whose write operations honour ``Idempotency-Key`` (see the module doc)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or ()}
        if (
            methods & WRITE_METHODS
            and not getattr(endpoint, _EXEMPT, False)
            and not getattr(endpoint, _WRAPPED, False)
        ):
            endpoint = _with_key(endpoint)
            # A key can be too long or reused with another body (422), or its first request can
            # still be running (409).
            kwargs["responses"] = {**responses(409, 422), **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)
