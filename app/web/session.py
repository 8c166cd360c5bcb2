"""Cookie sessions, CSRF tokens and flash messages of the web client.

The session cookie holds a login token (the same kind ``POST /auth/token`` issues: stored only as
a hash, expiring after ``TOKEN_LIFETIME``), so logging out revokes it server-side. CSRF uses a
signed double-submit token: a random ``lp_csrf`` cookie, and every form carries
HMAC(SECRET_KEY, cookie) in a hidden field. Flash messages travel in a signed cookie to the page
after a redirect.
"""

import base64
import hashlib
import hmac
import json
import secrets

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "lp_session"
CSRF_COOKIE = "lp_csrf"
FLASH_COOKIE = "lp_flash"
CSRF_FIELD = "csrf_token"


def _sign(secret_key: str, value: str) -> str:
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()


def is_https(request: Request) -> bool:
    """Behind a TLS-terminating proxy, ``X-Forwarded-Proto: https`` counts too."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def csrf_seed(request: Request) -> str:
    """The browser's CSRF cookie value, or a new one (set on the response by the page)."""
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or len(seed) > 100:
        seed = getattr(request.state, "new_csrf_seed", None) or secrets.token_urlsafe(24)
        request.state.new_csrf_seed = seed
    return seed


def csrf_token(request: Request, secret_key: str) -> str:
    return _sign(secret_key, csrf_seed(request))


def csrf_valid(request: Request, secret_key: str, submitted: str | None) -> bool:
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or not submitted:
        return False
    return hmac.compare_digest(_sign(secret_key, seed), submitted)


def remember_csrf_seed(request: Request, response: Response) -> None:
    seed = getattr(request.state, "new_csrf_seed", None)
    if seed:
        set_cookie(request, response, CSRF_COOKIE, seed)


def set_flash(
    request: Request, response: Response, secret_key: str, kind: str, message: str
) -> None:
    """Carry one message (``kind`` is ``success`` or ``error``) to the next page."""
    payload = base64.urlsafe_b64encode(json.dumps([kind, message]).encode()).decode()
    set_cookie(request, response, FLASH_COOKIE, f"{payload}.{_sign(secret_key, payload)}")


def take_flash(request: Request, secret_key: str) -> tuple[str, str] | None:
    """The message carried here, if its signature holds (the page then clears the cookie)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return None
    payload, signature = raw.rsplit(".", 1)
    if not hmac.compare_digest(_sign(secret_key, payload), signature):
        return None
    try:
        kind, message = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, TypeError):
        return None
    return str(kind), str(message)
