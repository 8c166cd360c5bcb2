"""Password login shared by ``POST /auth/token`` and the web client's login form."""

from fastapi import Request
from sqlmodel import Session

from app.errors import Unauthorized
from app.settings import Settings
from proposals.clock import Clock
from proposals.models import Member
from proposals.security import PasswordHasher
from proposals.services import members, throttle


def client_address(request: Request) -> str:
    """The client's address as the server sees it (uvicorn applies trusted proxy headers)."""
    return request.client.host if request.client else "unknown"


def limits_of(settings: Settings) -> throttle.LoginLimits:
    return throttle.LoginLimits(
        per_account=settings.login_failures_per_account,
        per_address=settings.login_failures_per_address,
        window_seconds=settings.login_throttle_window,
    )


def login_member(
    request: Request,
    session: Session,
    *,
    name: str,
    password: str,
    settings: Settings,
    hasher: PasswordHasher,
    clock: Clock,
) -> Member:
    """The member with this name and password; 429 while throttled, 401 when wrong.

    A failure is committed at once, before the 401 answer rolls the request back: the counters
    must outlive the failed request, or throttling would count nothing.
    """
    address = client_address(request)
    limits = limits_of(settings)
    throttle.check_login_allowed(session, account=name, address=address, limits=limits, clock=clock)
    member = members.check_login(session, hasher, name, password)
    if member is None:
        session.rollback()
        throttle.record_failure(session, account=name, address=address, limits=limits, clock=clock)
        session.commit()
        raise Unauthorized("wrong name or password")
    return member
