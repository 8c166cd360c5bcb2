"""Cookie sessions, CSRF tokens and flash messages of the web client.

The session cookie holds a web session token (kind ``web``: made only by logging in on the web,
stored only as a hash, expiring after ``TOKEN_LIFETIME``), so logging out revokes it server-side.
The CSRF token every form carries in a hidden field is bound to the session: for a logged-in
member HMAC(SECRET_KEY, "session:" + the session token's hash), so it changes at login and no
other session (of this or another member) accepts it; for a visitor (the login form) HMAC(
SECRET_KEY, "visitor:" + a random pre-session ``lp_csrf`` cookie). Flash messages travel in a
signed cookie to the page after a redirect.
"""

import base64
import hmac
import json
import secrets

from starlette.requests import Request
from starlette.responses import Response

from app.signing import sign

SESSION_COOKIE = "lp_session"
CSRF_COOKIE = "lp_csrf"
FLASH_COOKIE = "lp_flash"
CSRF_FIELD = "csrf_token"


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


def csrf_token(request: Request, secret_key: str, session_key: str | None) -> str:
    """The CSRF token of this browser's session: ``session_key`` identifies a logged-in
    member's session (the hash of its token), None means a visitor (bound to ``lp_csrf``)."""
    if session_key is not None:
        return sign(secret_key, f"session:{session_key}")
    return sign(secret_key, f"visitor:{csrf_seed(request)}")


def csrf_valid(
    request: Request, secret_key: str, submitted: str | None, session_key: str | None
) -> bool:
    """Whether ``submitted`` is the CSRF token of this very session (see ``csrf_token``)."""
    if not submitted:
        return False
    if session_key is None:
        seed = request.cookies.get(CSRF_COOKIE)
        if not seed or len(seed) > 100:
            return False
        expected = sign(secret_key, f"visitor:{seed}")
    else:
        expected = sign(secret_key, f"session:{session_key}")
    return hmac.compare_digest(expected.encode(), submitted.encode())  # bytes: any text is safe


def remember_csrf_seed(request: Request, response: Response) -> None:
    seed = getattr(request.state, "new_csrf_seed", None)
    if seed:
        set_cookie(request, response, CSRF_COOKIE, seed)


def set_flash(
    request: Request, response: Response, secret_key: str, kind: str, message: str
) -> None:
    """Carry one message (``kind`` is ``success`` or ``error``) to the next page."""
    payload = base64.urlsafe_b64encode(json.dumps([kind, message]).encode()).decode()
    set_cookie(request, response, FLASH_COOKIE, f"{payload}.{sign(secret_key, payload)}")


def take_flash(request: Request, secret_key: str) -> tuple[str, str] | None:
    """The message carried here, if its signature holds (the page then clears the cookie)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or "." not in raw:
        return None
    payload, signature = raw.rsplit(".", 1)
    if not hmac.compare_digest(sign(secret_key, payload), signature):
        return None
    try:
        kind, message = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, TypeError):
        return None
    return str(kind), str(message)
