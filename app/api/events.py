"""The event feed and operations (API.md "Feed and operations")."""

from fastapi import APIRouter, Request

from app.deps import AdminMember, PublicViewer, SessionDep
from app.errors import responses
from app.idempotency import IdempotentRoute
from app.pagination import PageDep, PageOut, encode_cursor
from app.schemas.deliberation import EventOut, LifecycleRunOut, TransitionOut
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
    after_id: int | None = None,
    unit_id: int | None = None,
    area_id: int | None = None,
    issue_id: int | None = None,
    type: str | None = None,
) -> PageOut[EventOut]:
    """Events oldest first; ``next_cursor`` is always set, so a poller can wait and ask again."""
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
