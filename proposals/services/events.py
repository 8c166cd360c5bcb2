"""The event feed's one writer: every state change listed in DESIGN.md §5 appends here."""

from sqlmodel import Session

from proposals.clock import Clock, utcnow
from proposals.models import EVENT_TYPES, Event


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
    clock: Clock = utcnow,
) -> Event:
    """DESIGN.md §5: append one event in the caller's transaction."""
    if type_ not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type_!r}")
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
    )
    session.add(event)
    session.flush()
    return event
