"""Notification settings and the e-mail address's state (issue 11): the one writer of
:class:`NotificationSettings` rows.

A member without a row has the defaults: ``daily``, every kind of :data:`NOTIFICATION_KINDS` on,
no verified address. An address is verified while ``email_verified_address`` equals
``member.email``, so changing the address needs a new verification with nothing to reset.
Verifying moves the member's e-mail watermark (``mailed_up_to_id``) past every notification they
already have: a newly verified address gets what happens from then on, not an old backlog.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from proposals.clock import Clock, utcnow
from proposals.errors import Conflict, DomainError, InvalidInput
from proposals.models import (
    EMAIL_FREQUENCIES,
    NOTIFICATION_KINDS,
    EmailMessage,
    Member,
    Notification,
    NotificationSettings,
)
from proposals.services.outbox import Letter, enqueue
from proposals.services.throttle import TooManyAttempts

DEFAULT_FREQUENCY = "daily"
VERIFICATIONS_PER_DAY = 5
"""At most this many verification e-mails per member in any 24 hours (then 429)."""
_DAY = timedelta(hours=24)


@dataclass(frozen=True)
class EmailSettings:
    """What a member sees of their e-mail settings."""

    email_frequency: str
    kinds: dict[str, bool]
    email: str | None
    email_verified: bool
    email_failing: bool


def _row(session: Session, member_id: int) -> NotificationSettings | None:
    return session.get(NotificationSettings, member_id)


def _row_or_new(session: Session, member_id: int) -> NotificationSettings:
    row = _row(session, member_id)
    if row is None:
        row = NotificationSettings(member_id=member_id, email_frequency=DEFAULT_FREQUENCY)
        session.add(row)
    return row


def is_verified(member: Member, row: NotificationSettings | None) -> bool:
    """The rule of a verified address: the member has one, and it is the one last verified."""
    return (
        member.email is not None and row is not None and row.email_verified_address == member.email
    )


def verified_in_sql() -> Any:
    """:func:`is_verified` as a condition on ``notification_settings`` joined with ``member``
    (the composer selects its members with it)."""
    return col(NotificationSettings.email_verified_address) == col(Member.email)


def read_settings(session: Session, member: Member) -> EmailSettings:
    """The member's settings, with the defaults when they never changed them."""
    row = _row(session, member.id or 0)
    stored = row.kinds if row is not None else {}
    return EmailSettings(
        email_frequency=row.email_frequency if row is not None else DEFAULT_FREQUENCY,
        kinds={kind: bool(stored.get(kind, True)) for kind in NOTIFICATION_KINDS},
        email=member.email,
        email_verified=is_verified(member, row),
        email_failing=row is not None and row.email_failing_at is not None,
    )


def update_settings(
    session: Session,
    *,
    actor: Member,
    email_frequency: str | None = None,
    kinds: dict[str, bool] | None = None,
) -> EmailSettings:
    """Change the member's e-mail frequency and the kinds they want (kinds not named keep
    their setting); an unknown frequency or kind is 422."""
    if email_frequency is not None and email_frequency not in EMAIL_FREQUENCIES:
        raise InvalidInput("email_frequency must be one of " + ", ".join(EMAIL_FREQUENCIES))
    unknown = sorted(set(kinds or {}) - set(NOTIFICATION_KINDS))
    if unknown:
        raise InvalidInput(
            "unknown notification kind: "
            + ", ".join(unknown)[:200]
            + "; the kinds are "
            + ", ".join(NOTIFICATION_KINDS)
        )
    row = _row_or_new(session, actor.id or 0)
    if email_frequency is not None:
        if row.email_frequency == "never" and email_frequency != "never":
            _skip_backlog(session, row)
        row.email_frequency = email_frequency
    if kinds:
        row.kinds = {**row.kinds, **{kind: bool(on) for kind, on in kinds.items()}}
    session.add(row)
    session.flush()
    return read_settings(session, actor)


def _skip_backlog(session: Session, row: NotificationSettings) -> None:
    """E-mail starts from what comes next: the watermark passes the member's notifications so
    far (on a new verification, and when e-mail is turned back on from ``never``); the inbox
    keeps them all. The one rule of where a member's e-mail starts."""
    newest = session.exec(
        select(func.max(Notification.id)).where(Notification.member_id == row.member_id)
    ).one()
    row.mailed_up_to_id = max(row.mailed_up_to_id, newest or 0)


def unsubscribe(session: Session, member_id: int) -> None:
    """One-click unsubscribe (RFC 8058): e-mail off (``never``) for the member; in-app
    notifications go on."""
    row = _row_or_new(session, member_id)
    row.email_frequency = "never"
    session.add(row)
    session.flush()


def verification_refusal(session: Session, member: Member, *, now: datetime) -> DomainError | None:
    """Why a verification link may not be sent now: no address or already verified (409), or
    :data:`VERIFICATIONS_PER_DAY` sent in the last 24 hours (429); None when it may."""
    if member.email is None:
        return Conflict("you have no e-mail address: add one to your profile first")
    if is_verified(member, _row(session, member.id or 0)):
        return Conflict("your e-mail address is already verified")
    recent = session.exec(
        select(func.min(EmailMessage.created_at), func.count())
        .where(EmailMessage.member_id == member.id)
        .where(EmailMessage.kind == "verification")
        .where(col(EmailMessage.created_at) > now - _DAY)
    ).one()
    oldest, count = recent
    if count >= VERIFICATIONS_PER_DAY and oldest is not None:
        wait = max(1, ceil((oldest + _DAY - now).total_seconds()))
        return TooManyAttempts(
            f"{VERIFICATIONS_PER_DAY} verification e-mails were sent in the last 24 hours; "
            "use the latest one or try again later",
            retry_after=wait,
        )
    return None


def request_verification(
    session: Session,
    member: Member,
    *,
    letter: Callable[[str], Letter],
    domain: str,
    clock: Clock = utcnow,
) -> EmailMessage:
    """Queue a ``verification`` e-mail to the member's address, outside the frequency and the
    cap; ``letter(address)`` renders it (with its signed link). Refused as
    :func:`verification_refusal` says."""
    now = clock()
    refusal = verification_refusal(session, member, now=now)
    if refusal is not None:
        raise refusal
    assert member.email is not None
    rendered = letter(member.email)
    return enqueue(
        session,
        member_id=member.id or 0,
        kind="verification",
        to_address=member.email,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        now=now,
        domain=domain,
    )


def verify(session: Session, member: Member, *, address: str, clock: Clock = utcnow) -> bool:
    """Mark ``address`` verified for the member (a signed link proved they read it): failures
    are forgotten, and the e-mail watermark moves past the notifications they already have (no
    old backlog by e-mail). Answers False when it was verified already (nothing changes);
    409 when the member's address is no longer ``address``."""
    if member.email != address:
        raise Conflict("this link is for an address that is no longer yours in your profile")
    row = _row_or_new(session, member.id or 0)
    if is_verified(member, row):
        return False
    _skip_backlog(session, row)
    row.email_verified_address = address
    row.email_verified_at = clock()
    row.email_permanent_failures = 0
    row.email_failing_at = None
    session.add(row)
    session.flush()
    return True
