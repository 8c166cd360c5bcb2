"""Area subscriptions and my notifications (API.md "Notifications")."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.deps import ClockDep, ReadMember, SessionDep, WriteMember
from app.errors import responses
from app.idempotency import IdempotentRoute
from app.pagination import PageDep, PageOut
from app.params import AreaId
from app.schemas.notifications import MarkRead, NotificationOut, SubscriptionOut
from proposals.services import notifications

router = APIRouter(tags=["notifications"], route_class=IdempotentRoute)


@router.put(
    "/areas/{area_id}/subscription", status_code=204, responses=responses(401, 403, 404, 422)
)
def subscribe(
    area_id: AreaId, member: WriteMember, session: SessionDep, clock: ClockDep
) -> Response:
    """Subscribe to an area: hear of its new issues and of its issues reaching voting."""
    notifications.subscribe(session, actor=member, area_id=area_id, clock=clock)
    return Response(status_code=204)


@router.delete(
    "/areas/{area_id}/subscription", status_code=204, responses=responses(401, 403, 404, 422)
)
def unsubscribe(area_id: AreaId, member: WriteMember, session: SessionDep) -> Response:
    """End my subscription to an area (no error when there was none)."""
    notifications.unsubscribe(session, actor=member, area_id=area_id)
    return Response(status_code=204)


@router.get(
    "/members/me/subscriptions",
    response_model=PageOut[SubscriptionOut],
    responses=responses(401, 403, 422),
)
def my_subscriptions(
    member: ReadMember, session: SessionDep, page: PageDep
) -> PageOut[SubscriptionOut]:
    """The areas I subscribed to, by area id."""
    result = notifications.list_subscriptions(
        session, member.id or 0, after=page.after, limit=page.limit
    )
    return PageOut(
        items=[SubscriptionOut.of(s) for s in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.get(
    "/members/me/notifications",
    response_model=PageOut[NotificationOut],
    responses=responses(401, 403, 422),
)
def my_notifications(
    member: ReadMember,
    session: SessionDep,
    page: PageDep,
    unread: Annotated[
        bool | None, Query(description="true: only the unread ones; false: only the read ones")
    ] = None,
) -> PageOut[NotificationOut]:
    """My notifications, newest first; ``unread=true`` for the unread ones only."""
    result = notifications.list_notifications(
        session, member.id or 0, unread=unread, before=page.after, limit=page.limit
    )
    return PageOut(
        items=[NotificationOut.of(n) for n in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.post(
    "/members/me/notifications/read", status_code=204, responses=responses(401, 403, 413, 422)
)
def mark_read(
    body: MarkRead, member: WriteMember, session: SessionDep, clock: ClockDep
) -> Response:
    """Mark my notifications read (``ids``, and everything up to ``up_to_id``)."""
    notifications.mark_read(
        session, actor=member, ids=body.ids, up_to_id=body.up_to_id, clock=clock
    )
    return Response(status_code=204)
