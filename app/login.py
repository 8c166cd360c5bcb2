"""Password login shared by ``POST /auth/token`` and the web client's login form, and the web
client's device cookie (OWASP "device cookies", issue 9).

A device cookie is set at every successful web login. It names the account and carries a random
nonce, signed with ``SECRET_KEY``: ``base64url(json([name, nonce])).hmac``. A later login for that
account from a browser holding it is exempt from the per-account lockout (a stranger's failures
cannot keep the member out) and its failures count against that device (the nonce) instead.
"""

import base64
import hmac
import json
import secrets

from fastapi import Request
from sqlmodel import Session

from app.errors import Unauthorized
from app.settings import Settings
from app.signing import sign
from proposals.clock import Clock
from proposals.models import Member
from proposals.security import PasswordHasher
from proposals.services import members, throttle

DEVICE_COOKIE = "lp_device"
DEVICE_COOKIE_LIFETIME = 365 * 86400  # seconds; renewed (with a new nonce) at every web login


def client_address(request: Request) -> str:
    """The client's address as the server sees it (uvicorn applies trusted proxy headers)."""
    return request.client.host if request.client else "unknown"


def limits_of(settings: Settings) -> throttle.LoginLimits:
    return throttle.LoginLimits(
        per_account=settings.login_failures_per_account,
        per_address=settings.login_failures_per_address,
        window_seconds=settings.login_throttle_window,
    )


def _device_signature(secret_key: str, payload: str) -> str:
    return sign(secret_key, f"device-cookie:{payload}")


def new_device_cookie(name: str, secret_key: str) -> str:
    """A device cookie for the account ``name`` with a fresh nonce."""
    payload = base64.urlsafe_b64encode(json.dumps([name, secrets.token_urlsafe(16)]).encode())
    text = payload.decode()
    return f"{text}.{_device_signature(secret_key, text)}"


def trusted_device(cookie: str | None, name: str, secret_key: str) -> str | None:
    """The nonce of a valid device cookie for the account ``name``, else None."""
    if not cookie or len(cookie) > 1000 or "." not in cookie:
        return None
    payload, signature = cookie.rsplit(".", 1)
    if not hmac.compare_digest(_device_signature(secret_key, payload), signature):
        return None
    try:
        account, nonce = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, TypeError):
        return None
    if account != name or not isinstance(nonce, str) or not nonce:
        return None
    return nonce


def login_member(
    request: Request,
    session: Session,
    *,
    name: str,
    password: str,
    settings: Settings,
    hasher: PasswordHasher,
    clock: Clock,
    device_cookie: str | None = None,
) -> Member:
    """The member with this name and password; 429 while throttled, 401 when wrong.

    The attempt reserves its failure slot and commits it before the password is checked, so
    parallel attempts all count (see proposals/services/throttle.py); a success gives the slot
    back in the request's own transaction. ``device_cookie`` is the web browser's device cookie
    (API clients have none).
    """
    limits = limits_of(settings)
    slot = throttle.reserve_attempt(
        session,
        account=name,
        address=client_address(request),
        device=trusted_device(device_cookie, name, settings.secret_key),
        limits=limits,
        clock=clock,
    )
    session.commit()  # the slot must count for every parallel attempt, and outlive a 401
    member = members.check_login(session, hasher, name, password)
    if member is None:
        raise Unauthorized("wrong name or password")
    throttle.release_attempt(session, slot)
    return member
