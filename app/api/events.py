"""The event feed and operations (API.md "Feed and operations")."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.deps import AdminMember, PublicViewer, SessionDep
from app.errors import responses
from app.idempotency import IdempotentRoute
from app.pagination import PageDep, PageOut, encode_cursor
from app.schemas.deliberation import EventOut, EventType, LifecycleRunOut, TransitionOut
from proposals.errors import InvalidInput
from proposals.lifecycle import run_lifecycle
from proposals.models import EVENT_TYPES
from proposals.services import events

router = APIRouter(tags=["feed"], route_class=IdempotentRoute)


@router.get("/events", response_model=PageOut[EventOut], responses=responses(401, 422))
def list_events(
    viewer: PublicViewer,
    session: SessionDep,
    page: PageDep,
    after_id: Annotated[
        int | None,
        Query(
            description="Start after this event id (e.g. the last one you have seen); a"
            " `cursor` takes precedence over it"
        ),
    ] = None,
    unit_id: Annotated[int | None, Query(description="Only events of this unit")] = None,
    area_id: Annotated[int | None, Query(description="Only events of this area")] = None,
    issue_id: Annotated[int | None, Query(description="Only events of this issue")] = None,
    type: Annotated[
        EventType | None, Query(description="Only events of this type (unknown: 422)")
    ] = None,
) -> PageOut[EventOut]:
    """Events oldest first; ``next_cursor`` is always set, so a poller can wait and ask again.

    Without ``cursor`` or ``after_id`` the feed starts at its first event. ``next_cursor``
    continues after the last event of this page (or where the asking started, on an empty page):
    keep it, and ask again later with it for what happened since. The filters combine (all must
    match); give the same filters with each ``cursor`` of one reading."""
    if type is not None and type not in EVENT_TYPES:
        raise InvalidInput(f"unknown event type {type!r}")
    after = page.after if page.after is not None else after_id
    result = events.list_events(
        session,
        after=after,
        limit=page.limit,
        unit_id=unit_id,
        area_id=area_id,
        issue_id=issue_id,
        type_=type,
    )
    items = list(result.items)
    last = items[-1].id if items else after
    return PageOut(
        items=[EventOut.of(e, viewer) for e in items],
        next_cursor=encode_cursor(last or 0),
    )


@router.post("/admin/lifecycle/run", response_model=LifecycleRunOut, responses=responses(401, 403))
def run_lifecycle_now(
    request: Request, _admin: AdminMember, session: SessionDep
) -> LifecycleRunOut:
    """Run the lifecycle once now (admin); one entry per transition performed."""
    # The run works in transactions of its own, one per issue: end this request's first.
    session.commit()
    transitions = run_lifecycle(request.app.state.database, clock=request.app.state.clock)
    return LifecycleRunOut(
        transitions=[
            TransitionOut(issue_id=t.issue_id, from_=t.from_state, to=t.to_state)
            for t in transitions
        ]
    )
