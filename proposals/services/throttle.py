"""Throttling of failed logins, per account and per client address (issue 6).

Only failures count: successful logins of many members from one address (an app, a proxy) are
never throttled. The counters are rows in the database, so every worker sees the same numbers.
"""

from dataclasses import dataclass
from datetime import timedelta
from math import ceil

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from proposals.clock import Clock, utcnow
from proposals.errors import DomainError
from proposals.models import LoginFailure

ACCOUNT_MAX = 255


class TooManyAttempts(DomainError):
    """Too many failed logins: wait ``retry_after`` seconds (429)."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoginLimits:
    per_account: int
    per_address: int
    window_seconds: int


def check_login_allowed(
    session: Session, *, account: str, address: str, limits: LoginLimits, clock: Clock = utcnow
) -> None:
    """Refuse (429) while the account or the address has too many recent failures."""
    now = clock()
    since = now - timedelta(seconds=limits.window_seconds)
    for column, value, limit, what in (
        (col(LoginFailure.account), account[:ACCOUNT_MAX], limits.per_account, "this account"),
        (col(LoginFailure.address), address, limits.per_address, "your address"),
    ):
        count, oldest = session.exec(
            select(func.count(), func.min(LoginFailure.failed_at)).where(
                column == value, col(LoginFailure.failed_at) > since
            )
        ).one()
        if count >= limit and oldest is not None:
            wait = max(1, ceil((oldest - since).total_seconds()))
            raise TooManyAttempts(
                f"too many failed logins for {what}: try again in {wait} seconds", wait
            )


def record_failure(
    session: Session, *, account: str, address: str, limits: LoginLimits, clock: Clock = utcnow
) -> None:
    """Remember one failed login; failures older than the window are cleared on the way."""
    now = clock()
    session.exec(
        delete(LoginFailure).where(
            col(LoginFailure.failed_at) <= now - timedelta(seconds=limits.window_seconds)
        )
    )
    session.add(LoginFailure(account=account[:ACCOUNT_MAX], address=address[:64], failed_at=now))
    session.flush()
