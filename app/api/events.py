"""The event feed and operations (API.md "Feed and operations")."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request

from app.deps import AdminMember, ClockDep, PublicViewer, SessionDep, SettingsDep, bearer_secret
from app.errors import json_responses, responses
from app.idempotency import IdempotentRoute
from app.pagination import PageDep, PageOut, encode_cursor
from app.schemas.deliberation import EventOut, EventType, LifecycleRunOut, TransitionOut
from app.stream import STREAM_PATH, EventStream, EventStreamResponse, FeedFilter, StreamViewer
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


STREAM_EXAMPLE = (
    ": heartbeat\n\n"
    'id: 42\ndata: {"id":42,"type":"initiative_created","occurred_at":"2026-12-04T10:00:00Z",'
    '"member_id":7,"unit_id":1,"area_id":2,"issue_id":3,"initiative_id":5,"draft_id":9,'
    '"suggestion_id":null,"state":null,"record_digest":null}\n\n'
)


@router.get(
    STREAM_PATH.removeprefix("/api/v1"),
    response_class=EventStreamResponse,
    status_code=200,
    responses={
        200: {
            "description": "Server-Sent Events: per event an `id:` line (the event id) and a"
            " `data:` line (the feed item's JSON, as in `GET /events`), then an empty line;"
            " a `: heartbeat` comment after `STREAM_HEARTBEAT` quiet seconds",
            "content": {
                "text/event-stream": {
                    "schema": {"type": "string"},
                    "example": STREAM_EXAMPLE,
                }
            },
        },
        **json_responses(401, 422),
        503: {
            **json_responses(503)[503],
            "description": "`STREAM_MAX` streams are open in this process, or the database is"
            " unavailable for a moment: retry after Retry-After seconds",
        },
    },
)
async def stream_events(
    request: Request,
    viewer: StreamViewer,
    settings: SettingsDep,
    clock: ClockDep,
    after_id: Annotated[
        int | None,
        Query(
            description="Start after this event id (0: from the first event). Without it and"
            " without `Last-Event-ID` the stream starts with the next event committed."
        ),
    ] = None,
    unit_id: Annotated[int | None, Query(description="Only events of this unit")] = None,
    area_id: Annotated[int | None, Query(description="Only events of this area")] = None,
    issue_id: Annotated[int | None, Query(description="Only events of this issue")] = None,
    type: Annotated[
        str | None,
        Query(description="Only events of this type (422 for an unknown type)"),
    ] = None,
    last_event_id: Annotated[
        int | None,
        Header(
            description="The id of the last event received: the stream resumes after it"
            " (an EventSource sends it when it reconnects); it wins over `after_id`"
        ),
    ] = None,
) -> EventStreamResponse:
    """The feed as it happens (Server-Sent Events): the events of ``GET /events`` with the same
    filters and visibility, each sent once it is committed, oldest first. Resume after a
    disconnect with ``Last-Event-ID``; a ``: heartbeat`` comment keeps an idle connection open.
    At most ``STREAM_MAX`` streams are open per process: one more is answered 503 with
    ``Retry-After``."""
    if type is not None and type not in EVENT_TYPES:
        raise InvalidInput(f"unknown event type {type!r}")
    app = request.app
    stream = EventStream(
        database=app.state.database,
        streams=app.state.streams,
        feed=FeedFilter(unit_id=unit_id, area_id=area_id, issue_id=issue_id, type_=type),
        start=last_event_id if last_event_id is not None else after_id,
        viewer=viewer,
        secret=bearer_secret(request),
        clock=clock,
        heartbeat=settings.stream_heartbeat,
        poll=settings.stream_poll,
    )
    return EventStreamResponse(stream.frames, app.state.streams)


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
