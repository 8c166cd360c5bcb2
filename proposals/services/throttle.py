"""Throttling of failed logins, per account, per device and per client address (issues 6 and 9).

Only failures count: successful logins of many members from one address (an app, a proxy) are
never throttled. The counters are rows in the database, so every worker sees the same numbers.

Exact under concurrency (issue 9): an attempt first *reserves* a failure slot — under a lock per
account (or device) and per address, it counts the recent failures, refuses (429) at the limit or
inserts its own row — and the caller commits that row before the password is checked. Parallel
attempts therefore queue at the lock for the count and the insert only (never for the slow
password hash), and each sees every slot reserved before it. A successful login gives its slot
back (:func:`release_attempt`). The lock is ``pg_advisory_xact_lock`` on PostgreSQL (on a hash of
the key, taken in ascending order so two attempts never deadlock); SQLite's write requests hold
``BEGIN IMMEDIATE`` (app/db.py), which serializes them already.

OWASP's device cookie: an attempt from a browser that holds a valid device cookie for the account
(``device``, its nonce) is exempt from the per-account limit; its failures count against that
device instead, with the same limit. The per-address limit applies to every attempt.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from math import ceil

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from proposals.clock import Clock, utcnow
from proposals.errors import DomainError
from proposals.models import LoginFailure

ACCOUNT_MAX = 255
ADDRESS_MAX = 64
DEVICE_MAX = 64


class TooManyAttempts(DomainError):
    """Too many failed logins: wait ``retry_after`` seconds (429)."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoginLimits:
    per_account: int  # also the limit per device
    per_address: int
    window_seconds: int


def _lock_id(kind: str, value: str) -> int:
    digest = hashlib.sha256(f"liquidpolicy-login:{kind}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock(session: Session, keys: list[tuple[str, str]]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the write transaction (BEGIN IMMEDIATE) already holds the only lock
    for lock_id in sorted({_lock_id(kind, value) for kind, value in keys}):
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


def reserve_attempt(
    session: Session,
    *,
    account: str,
    address: str,
    device: str | None = None,
    limits: LoginLimits,
    clock: Clock = utcnow,
) -> int:
    """The login throttle rule (DESIGN.md/API.md: 429 after too many failures; issue 9): refuse
    (429) while the account — or, with a device cookie, the device — or the address has reached
    its limit of failures within the window; else reserve one failure slot and answer its id.

    The caller commits at once, checks the password, and gives the slot back on success.
    """
    account, address = account[:ACCOUNT_MAX], address[:ADDRESS_MAX]
    device = device[:DEVICE_MAX] if device else None
    first: tuple[str, str] = ("device", device) if device else ("account", account)
    _lock(session, [first, ("address", address)])
    now = clock()
    since = now - timedelta(seconds=limits.window_seconds)
    by_owner = (
        col(LoginFailure.device) == device
        if device
        else sa.and_(col(LoginFailure.account) == account, col(LoginFailure.device).is_(None))
    )
    for condition, limit, what in (
        (by_owner, limits.per_account, "this browser" if device else "this account"),
        (col(LoginFailure.address) == address, limits.per_address, "your address"),
    ):
        count, oldest = session.exec(
            select(func.count(), func.min(LoginFailure.failed_at)).where(
                condition, col(LoginFailure.failed_at) > since
            )
        ).one()
        if count >= limit and oldest is not None:
            wait = max(1, ceil((oldest - since).total_seconds()))
            raise TooManyAttempts(
                f"too many failed logins for {what}: try again in {wait} seconds", wait
            )
    slot = LoginFailure(account=account, address=address, device=device, failed_at=now)
    session.add(slot)
    session.flush()
    assert slot.id is not None
    return slot.id


def release_attempt(session: Session, slot_id: int) -> None:
    """A successful login: the slot it reserved was no failure."""
    session.exec(delete(LoginFailure).where(col(LoginFailure.id) == slot_id))
    session.flush()


def purge_expired(session: Session, *, window_seconds: int, clock: Clock = utcnow) -> int:
    """Delete failures older than the window (they no longer count); returns how many.

    Run by the server's periodic task, not by logins: deleting many rows inside concurrent
    logins could deadlock them."""
    cutoff = clock() - timedelta(seconds=window_seconds)
    result = session.exec(delete(LoginFailure).where(col(LoginFailure.failed_at) <= cutoff))
    return int(result.rowcount)
