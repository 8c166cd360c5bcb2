"""One delivery pass (issue 14, item 3): the server's background loop runs it every
``LIFECYCLE_INTERVAL`` seconds, ``liquidpolicy deliver`` once; never a request.

A pass queues the feed events that are new for each webhook, claims the webhooks whose next
delivery is due (committed before any HTTP, so no lock is held while an endpoint answers), and
sends each claimed webhook its due deliveries one at a time, oldest first, recording each outcome
in its own transaction right after the answer. A failure ends that webhook's turn: its later
deliveries wait behind the failed one (feed order). Every attempt checks the URL again
(:func:`app.webhooks.address.check_url`) and connects to the address it checked.

The ``webhook-timestamp`` is the real time of the attempt (``wall``), not the service clock:
receivers compare it with their own clocks (the ``standardwebhooks`` package allows five
minutes). Scheduling (retries, disabling) follows the service clock.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.db import Database
from app.deps import Viewer
from app.schemas.deliberation import EventOut
from app.settings import Settings
from app.webhooks.address import RefusedAddress, Resolver, check_url, system_resolver
from app.webhooks.send import Answer, post, signed_headers
from proposals.clock import Clock, utcnow
from proposals.services import webhooks

log = logging.getLogger("liquidpolicy.webhooks")

PER_WEBHOOK = 20
"""At most this many deliveries to one webhook in one pass (the others wait for the next)."""


@dataclass
class Pass:
    """What one pass did."""

    queued: int = 0
    delivered: int = 0
    failed: int = 0
    disabled: int = 0

    def summary(self) -> str:
        return (
            f"{self.queued} deliveries queued, {self.delivered} delivered, {self.failed} failed"
            f" (to retry), {self.disabled} webhooks disabled"
        )


@dataclass(frozen=True)
class _Attempt:
    delivery_id: int
    webhook_id: int
    event_id: int
    url: str
    secret: str
    body: bytes


def message_id(delivery_id: int) -> str:
    """The ``webhook-id`` of a delivery: the same on every attempt (at least once)."""
    return f"msg_{delivery_id}"


def _next(database: Database, settings: Settings, webhook_id: int, clock: Clock) -> _Attempt | None:
    with database.session() as session:
        due = webhooks.next_delivery(session, webhook_id, now=clock())
        if due is None:
            return None
        # The feed item exactly as the owner reads it at GET /events (their token shows members).
        item = EventOut.of(due.event, Viewer(due.owner, settings.public_access))
        return _Attempt(
            delivery_id=due.delivery.id or 0,
            webhook_id=webhook_id,
            event_id=due.event.id or 0,
            url=due.webhook.url,
            secret=due.webhook.secret,
            body=item.model_dump_json().encode(),
        )


def send_once(
    due: _Attempt, settings: Settings, *, resolver: Resolver, wall: Callable[[], float]
) -> Answer:
    """Check the URL again, then POST the signed body to the address checked."""
    try:
        target = check_url(due.url, resolver=resolver, allow_private=settings.webhook_allow_private)
    except RefusedAddress as exc:
        return Answer(None, f"refused: {exc}"[:500])
    msg_id = message_id(due.delivery_id)
    headers = signed_headers(due.secret, msg_id, int(wall()), due.body)
    return post(target, due.body, headers, timeout=settings.webhook_timeout)


def _deliver_to(
    database: Database,
    settings: Settings,
    webhook_id: int,
    done: Pass,
    *,
    clock: Clock,
    resolver: Resolver,
    wall: Callable[[], float],
) -> None:
    for _ in range(PER_WEBHOOK):
        due = _next(database, settings, webhook_id, clock)
        if due is None:
            return
        answer = send_once(due, settings, resolver=resolver, wall=wall)
        try:
            disabled = _record(database, due, answer, clock)
        except LookupError:  # the owner deleted the webhook meanwhile
            return
        log.info(
            "webhook delivery",
            extra={
                "webhook_id": webhook_id,
                "event_id": due.event_id,
                "status": answer.status,
                "error": answer.error,
            },
        )
        if answer.ok:
            done.delivered += 1
            continue
        done.failed += 1
        done.disabled += int(disabled)
        return


def _record(database: Database, due: _Attempt, answer: Answer, clock: Clock) -> bool:
    """Record the outcome of one attempt in a transaction of its own; answers whether the
    webhook was disabled by it."""
    with database.session(write=True) as session:
        disabled = False
        if answer.ok:
            webhooks.record_success(
                session, due.delivery_id, now=clock(), status=answer.status or 0
            )
        else:
            disabled = webhooks.record_failure(
                session,
                due.delivery_id,
                now=clock(),
                status=answer.status,
                error=answer.error or "failed",
            )
        session.commit()
        return disabled


def deliver_pass(
    database: Database,
    settings: Settings,
    *,
    clock: Clock = utcnow,
    resolver: Resolver = system_resolver,
    wall: Callable[[], float] = time.time,
) -> Pass:
    """Queue what is new, then send what is due (see the module doc); answers what it did."""
    done = Pass()
    with database.session(write=True) as session:
        done.queued = webhooks.queue_new_events(session, now=clock())
        claimed = webhooks.claim_due(session, now=clock())
        session.commit()
    for webhook_id in claimed:
        try:
            _deliver_to(
                database, settings, webhook_id, done, clock=clock, resolver=resolver, wall=wall
            )
        finally:
            with database.session(write=True) as session:
                webhooks.release(session, webhook_id)
                session.commit()
    return done
