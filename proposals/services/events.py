"""The event feed: its one writer, and its reader (DESIGN.md §5).

A reader following the cursor must never miss an event, even when transactions commit out of id
order. So every transaction that appends an event first takes one transaction-scoped lock
(PostgreSQL advisory lock; SQLite serializes writers anyway) and keeps it until it commits: event
ids are then handed out in commit order, and an event becomes visible only after every event with
a smaller id has been committed or rolled back. Services append their event as the last write of
the transaction, so the lock is held only for the commit.
"""

from sqlalchemy import func, text
from sqlmodel import Session, select

from proposals.clock import Clock, utcnow
from proposals.models import EVENT_TYPES, Event, Issue
from proposals.services.paging import Page, paginate

EVENT_LOCK_KEY = 7_240_431_001  # an arbitrary constant naming the feed's advisory lock


def append_event(
    session: Session,
    type_: str,
    *,
    member_id: int | None = None,
    unit_id: int | None = None,
    area_id: int | None = None,
    issue_id: int | None = None,
    initiative_id: int | None = None,
    draft_id: int | None = None,
    suggestion_id: int | None = None,
    state: str | None = None,
    record_digest: str | None = None,
    clock: Clock = utcnow,
) -> Event:
    """DESIGN.md §5: append one event in the caller's transaction, in commit order."""
    if type_ not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EVENT_LOCK_KEY})
    event = Event(
        type=type_,
        occurred_at=clock(),
        member_id=member_id,
        unit_id=unit_id,
        area_id=area_id,
        issue_id=issue_id,
        initiative_id=initiative_id,
        draft_id=draft_id,
        suggestion_id=suggestion_id,
        state=state,
        record_digest=record_digest,
    )
    session.add(event)
    session.flush()
    return event


def append_issue_event(
    session: Session,
    type_: str,
    issue: Issue,
    *,
    member_id: int | None = None,
    initiative_id: int | None = None,
    draft_id: int | None = None,
    suggestion_id: int | None = None,
    state: str | None = None,
    record_digest: str | None = None,
    clock: Clock = utcnow,
) -> Event:
    """An event about an issue (or something in it), filed under its unit, area and issue."""
    return append_event(
        session,
        type_,
        member_id=member_id,
        unit_id=issue.unit_id,
        area_id=issue.area_id,
        issue_id=issue.id,
        initiative_id=initiative_id,
        draft_id=draft_id,
        suggestion_id=suggestion_id,
        state=state,
        record_digest=record_digest,
        clock=clock,
    )


def list_events(
    session: Session,
    *,
    after: int | None,
    limit: int,
    unit_id: int | None = None,
    area_id: int | None = None,
    issue_id: int | None = None,
    type_: str | None = None,
) -> Page[Event]:
    """Events oldest first, filtered; the page's last id continues the feed."""
    statement = select(Event)
    if unit_id is not None:
        statement = statement.where(Event.unit_id == unit_id)
    if area_id is not None:
        statement = statement.where(Event.area_id == area_id)
    if issue_id is not None:
        statement = statement.where(Event.issue_id == issue_id)
    if type_ is not None:
        statement = statement.where(Event.type == type_)
    return paginate(session, statement, Event.id, after=after, limit=limit)


def feed_end(session: Session) -> int:
    """The id of the newest event (0 for an empty feed): a reader starting "from now" continues
    after it."""
    return session.exec(select(func.max(Event.id))).one() or 0
