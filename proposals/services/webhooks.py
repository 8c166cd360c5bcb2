"""Webhooks: registration, the queue of deliveries and its bookkeeping (issue 14, item 3).

The rules, each in one function here:

* a webhook follows the public feed from its end at registration (:func:`create_webhook`), and
  only the public feed: :func:`queue_new_events` reads nothing but the ``event`` table, filtered
  by the webhook's event types, unit and area;
* deliveries of one webhook go out in feed order, and a failing one blocks the later ones:
  :func:`next_delivery` answers only the oldest undelivered one, and only once it is due;
* a failed attempt is retried after :func:`backoff`; an endpoint that has failed for
  :data:`DISABLE_AFTER` (no success since its first failure) is disabled and its owner notified
  (:func:`record_failure`).

The sending itself (addresses, signatures, HTTP) is the web layer's: ``app/webhooks``.
"""

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from proposals.clock import Clock, utcnow
from proposals.errors import NotFound
from proposals.models import Area, Event, Member, Unit, UTCDateTime, Webhook, WebhookDelivery
from proposals.services.notifications import notify_member
from proposals.services.paging import Page, paginate

__all__ = [
    "BACKOFF_CAP",
    "BACKOFF_FIRST",
    "DISABLE_AFTER",
    "Due",
    "backoff",
    "claim_due",
    "create_webhook",
    "delete_webhook",
    "get_webhook",
    "list_deliveries",
    "list_webhooks",
    "new_secret",
    "next_delivery",
    "queue_new_events",
    "record_failure",
    "record_success",
    "release",
]

SECRET_PREFIX = "whsec_"
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
DISABLE_AFTER = timedelta(days=1)
LEASE = timedelta(minutes=10)
"""How long a claimed webhook is a delivery pass's own (normally released long before)."""


def new_secret() -> str:
    """A signing secret as the Standard Webhooks specification writes it: ``whsec_`` followed
    by the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failed ones: 30 s, doubling each time, at
    most an hour (30 s, 1, 2, 4, ... 32 min, then hourly). The one rule of the retry schedule."""
    return min(BACKOFF_FIRST * (1 << min(max(attempts - 1, 0), 16)), BACKOFF_CAP)


# --- the owner's side ----------------------------------------------------------------------


def create_webhook(
    session: Session,
    owner: Member,
    *,
    url: str,
    event_types: Sequence[str] | None,
    unit_id: int | None,
    area_id: int | None,
    clock: Clock = utcnow,
) -> Webhook:
    """Issue 14: register a webhook (its URL already checked by the caller); it receives the
    feed's events from now on, i.e. after the feed's current end."""
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise NotFound(f"unit {unit_id} not found")
    if area_id is not None and session.get(Area, area_id) is None:
        raise NotFound(f"area {area_id} not found")
    end = session.scalar(sa.select(sa.func.max(Event.id))) or 0
    webhook = Webhook(
        member_id=owner.id or 0,
        url=url,
        event_types=sorted(set(event_types)) if event_types is not None else None,
        unit_id=unit_id,
        area_id=area_id,
        secret=new_secret(),
        created_at=clock(),
        feed_position=end,
    )
    session.add(webhook)
    session.flush()
    return webhook


def get_webhook(session: Session, owner: Member, webhook_id: int) -> Webhook:
    """API.md: each member sees only their own webhooks (404 for anyone else's)."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.member_id != owner.id:
        raise NotFound(f"webhook {webhook_id} not found")
    return webhook


def list_webhooks(
    session: Session, owner: Member, *, after: int | None, limit: int
) -> Page[Webhook]:
    """The member's own webhooks by id."""
    statement = select(Webhook).where(Webhook.member_id == owner.id)
    return paginate(session, statement, Webhook.id, after=after, limit=limit)


def delete_webhook(session: Session, owner: Member, webhook_id: int) -> None:
    """Delete one of the member's webhooks and its deliveries (nothing more is sent)."""
    webhook = get_webhook(session, owner, webhook_id)
    session.execute(sa.delete(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == webhook.id))
    session.delete(webhook)
    session.flush()


def list_deliveries(
    session: Session, owner: Member, webhook_id: int, *, after: int | None, limit: int
) -> Page[WebhookDelivery]:
    """The deliveries of one of the member's webhooks, in feed order."""
    webhook = get_webhook(session, owner, webhook_id)
    statement = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    return paginate(session, statement, WebhookDelivery.id, after=after, limit=limit)


# --- the delivery passes' side -------------------------------------------------------------


def queue_new_events(session: Session, *, now: datetime) -> int:
    """Turn the feed events after each active webhook's position into its deliveries (those
    that pass its filters; one ``INSERT ... SELECT`` per webhook) and move the position to the
    feed's end. The feed hands out ids in commit order (:mod:`proposals.services.events`), so
    no event below the end read here can still appear. Answers how many were queued."""
    end = session.scalar(sa.select(sa.func.max(Event.id))) or 0
    webhooks = session.exec(
        select(Webhook)
        .where(col(Webhook.active).is_(True), col(Webhook.feed_position) < end)
        .order_by(col(Webhook.id))
        .with_for_update(skip_locked=True)
    ).all()
    table: sa.Table = WebhookDelivery.__table__  # type: ignore[attr-defined]
    queued = 0
    for webhook in webhooks:
        events = sa.select(
            sa.literal(webhook.id),
            col(Event.id),
            sa.literal(0),
            sa.literal(now, UTCDateTime()),
            sa.literal(now, UTCDateTime()),
        ).where(col(Event.id) > webhook.feed_position, col(Event.id) <= end)
        if webhook.event_types is not None:
            events = events.where(col(Event.type).in_(webhook.event_types))
        if webhook.unit_id is not None:
            events = events.where(col(Event.unit_id) == webhook.unit_id)
        if webhook.area_id is not None:
            events = events.where(col(Event.area_id) == webhook.area_id)
        inserted = session.execute(
            sa.insert(table)
            .from_select(
                ["webhook_id", "event_id", "attempts", "next_attempt_at", "created_at"],
                events.order_by(col(Event.id)),
            )
            .returning(table.c.id)
        )
        queued += len(inserted.all())
        webhook.feed_position = end
        session.add(webhook)
    session.flush()
    return queued


def _heads() -> sa.Subquery:
    """Each webhook's oldest undelivered delivery (by feed order)."""
    return (
        sa.select(
            col(WebhookDelivery.webhook_id).label("webhook_id"),
            sa.func.min(WebhookDelivery.event_id).label("event_id"),
        )
        .where(col(WebhookDelivery.delivered_at).is_(None))
        .group_by(col(WebhookDelivery.webhook_id))
        .subquery()
    )


def claim_due(
    session: Session, *, now: datetime, lease: timedelta = LEASE, limit: int = 50
) -> list[int]:
    """Claim up to ``limit`` active webhooks of active members whose next delivery is due and
    that no live pass owns, for ``lease``; the caller commits before sending. PostgreSQL locks
    the rows ``FOR UPDATE SKIP LOCKED``, so passes running at once claim different webhooks (and
    one webhook's events never go out of order); SQLite serializes writers. Answers their ids."""
    heads = _heads()
    due = (
        sa.select(heads.c.webhook_id)
        .join(
            WebhookDelivery,
            sa.and_(
                col(WebhookDelivery.webhook_id) == heads.c.webhook_id,
                col(WebhookDelivery.event_id) == heads.c.event_id,
            ),
        )
        .where(col(WebhookDelivery.next_attempt_at) <= now)
    )
    owners = sa.select(col(Member.id)).where(col(Member.active).is_(True))
    webhooks = session.exec(
        select(Webhook)
        .where(
            col(Webhook.active).is_(True),
            col(Webhook.id).in_(due),
            col(Webhook.member_id).in_(owners),
            sa.or_(col(Webhook.claimed_until).is_(None), col(Webhook.claimed_until) <= now),
        )
        .order_by(col(Webhook.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for webhook in webhooks:
        webhook.claimed_until = now + lease
        session.add(webhook)
    session.flush()
    return [webhook.id or 0 for webhook in webhooks]


def release(session: Session, webhook_id: int) -> None:
    """The pass is done with a claimed webhook."""
    webhook = session.get(Webhook, webhook_id, with_for_update=True)
    if webhook is not None:
        webhook.claimed_until = None
        session.add(webhook)
        session.flush()


@dataclass(frozen=True)
class Due:
    """A delivery to attempt now, with its webhook, its event and the webhook's owner."""

    webhook: Webhook
    delivery: WebhookDelivery
    event: Event
    owner: Member


def next_delivery(session: Session, webhook_id: int, *, now: datetime) -> Due | None:
    """The one delivery of an active webhook that may be attempted now: its oldest undelivered
    one, if due (None otherwise: nothing queued, or the oldest waits for its retry, and every
    later one waits behind it). The one rule of the order of deliveries."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or not webhook.active:
        return None
    head = session.exec(
        select(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_id == webhook_id, col(WebhookDelivery.delivered_at).is_(None)
        )
        .order_by(col(WebhookDelivery.event_id))
        .limit(1)
    ).first()
    if head is None or head.next_attempt_at is None or head.next_attempt_at > now:
        return None
    event = session.get(Event, head.event_id)
    owner = session.get(Member, webhook.member_id)
    if event is None or owner is None:  # neither is ever deleted; for the type checker
        return None
    return Due(webhook, head, event, owner)


def _attempted(session: Session, delivery_id: int) -> tuple[WebhookDelivery, Webhook]:
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        raise LookupError(f"no webhook delivery {delivery_id}")
    webhook = session.get(Webhook, delivery.webhook_id, with_for_update=True)
    if webhook is None:
        raise LookupError(f"no webhook {delivery.webhook_id}")
    delivery.attempts += 1
    return delivery, webhook


def record_success(session: Session, delivery_id: int, *, now: datetime, status: int) -> None:
    """The endpoint accepted the delivery (a 2xx answer): it is delivered and the endpoint is
    no longer failing."""
    delivery, webhook = _attempted(session, delivery_id)
    delivery.last_status = status
    delivery.last_error = None
    delivery.delivered_at = now
    delivery.next_attempt_at = None
    webhook.failing_since = None
    session.add_all([delivery, webhook])
    session.flush()


def record_failure(
    session: Session, delivery_id: int, *, now: datetime, status: int | None, error: str
) -> bool:
    """An attempt failed (no answer, a refused address, or a status other than 2xx): retry it
    after :func:`backoff`. An endpoint failing for :data:`DISABLE_AFTER` since its first failure
    (with no success between) is disabled, and its owner gets a ``webhook_disabled``
    notification. The one rule of disabling. Answers whether it was disabled now."""
    delivery, webhook = _attempted(session, delivery_id)
    delivery.last_status = status
    delivery.last_error = error[:500]
    delivery.next_attempt_at = now + backoff(delivery.attempts)
    disabled = False
    if webhook.failing_since is None:
        webhook.failing_since = now
    elif webhook.active and now - webhook.failing_since >= DISABLE_AFTER:
        webhook.active = False
        webhook.disabled_at = now
        disabled = True
        notify_member(
            session,
            webhook.member_id,
            "webhook_disabled",
            actor_id=None,
            text=f"Your webhook {webhook.id} ({webhook.url[:200]}) was disabled: its deliveries"
            " have failed for a day",
            reason="because you registered this webhook",
            now=now,
        )
    session.add_all([delivery, webhook])
    session.flush()
    return disabled
