"""HTTP caching of the API's reads: strong ETags, ``304 Not Modified`` and Cache-Control.

Applied by the unit of work to every answer under ``/api/v1``, whose body it holds anyway:

* a ``200`` to ``GET`` gets ``ETag`` (a hash of the body, so equal bodies share it) and
  ``Vary: Authorization, Cookie``; a request whose ``If-None-Match`` names that tag gets ``304``
  with the same headers and no body;
* the same answer is ``Cache-Control: public, max-age=HTTP_CACHE_MAX_AGE`` when the request carried
  neither a token nor a session cookie (anything public may be a few seconds stale in a shared
  cache), and ``private, no-cache`` otherwise (a member sees more; revalidate each time);
* an answer showing one member's private data (:data:`PRIVATE_PATHS`: ``/members/me``,
  ``/tokens``, ``/issues/{id}/ballot``) is ``private, no-store`` (issue 9: not kept on disk by
  the browser either);
* every other answer (writes, errors) is ``Cache-Control: no-store``.

The web pages are left alone here: they carry per-visitor CSRF tokens and set cookies; a page
for a logged-in member is ``private, no-store`` (``app.web.context.Page``).
"""

import hashlib
import re

from starlette.types import Scope

API_PREFIX = "/api/v1/"
SESSION_COOKIE = b"lp_session="
VARY = (b"vary", b"Authorization, Cookie")
NO_STORE = (b"cache-control", b"no-store")
PRIVATE = (b"cache-control", b"private, no-cache")
PRIVATE_NO_STORE = (b"cache-control", b"private, no-store")
PRIVATE_PATHS = re.compile(
    r"^/api/v1/(members/me(/agenda|/notifications|/subscriptions|/notification-settings"
    r"|/email/verification)?"
    r"|tokens(/[^/]*)?|issues/[^/]+/ballot)/?$"
)
"""Answers that show one member's private data (their agenda, notifications, subscriptions,
notification settings)."""

Headers = list[tuple[bytes, bytes]]


def etag_of(body: bytes) -> bytes:
    """A strong entity tag: 128 bits of BLAKE2b over the exact body bytes."""
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """RFC 9110 §13.1.2: ``*`` or any listed tag, compared weakly (``W/`` ignored)."""
    for candidate in if_none_match.split(b","):
        tag = candidate.strip()
        if tag == b"*" or tag.removeprefix(b"W/") == etag:
            return True
    return False


def _request_header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None


def is_personal(scope: Scope) -> bool:
    """The request speaks for someone: a bearer token or the web client's session cookie."""
    if _request_header(scope, b"authorization") is not None:
        return True
    cookie = _request_header(scope, b"cookie")
    return cookie is not None and SESSION_COOKIE in cookie


def apply_caching(
    scope: Scope, status: int, headers: Headers, body: bytes, *, public_max_age: int
) -> tuple[int, Headers, bytes]:
    """The answer to send instead of ``(status, headers, body)`` (see the module's docstring)."""
    if not scope["path"].startswith(API_PREFIX):
        return status, headers, body
    if any(key.lower() == b"cache-control" for key, _ in headers):
        return status, headers, body  # the route decided itself
    private = PRIVATE_PATHS.match(scope["path"]) is not None
    if scope["method"] != "GET" or status != 200:
        return status, [*headers, PRIVATE_NO_STORE if private else NO_STORE], body
    etag = etag_of(body)
    shared = not is_personal(scope) and not any(k.lower() == b"set-cookie" for k, _ in headers)
    if private:
        control = PRIVATE_NO_STORE
    elif shared:
        control = (b"cache-control", b"public, max-age=%d" % public_max_age)
    else:
        control = PRIVATE
    validators = [(b"etag", etag), control, VARY]
    asked = _request_header(scope, b"if-none-match")
    if asked is not None and etag_matches(asked, etag):
        return 304, validators, b""
    return status, [*headers, *validators], body
