"""Webhooks (API.md "Webhooks"): scope ``write``; each member sees only their own."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app.deps import ClockDep, SessionDep, SettingsDep, WriteMember
from app.errors import responses
from app.idempotency import IdempotentRoute, answer_retries_with
from app.pagination import PageDep, PageOut
from app.schemas.webhooks import DeliveryOut, WebhookCreate, WebhookOut
from app.webhooks.address import RefusedAddress, check_url
from proposals.errors import InvalidInput
from proposals.services import webhooks

router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=IdempotentRoute)

WebhookId = Annotated[int, Path(description="The webhook's id (one of my own)")]


@router.post(
    "",
    status_code=201,
    response_model=WebhookOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def create_webhook(
    request: Request,
    body: WebhookCreate,
    member: WriteMember,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> WebhookOut:
    """Register a webhook; its signing secret is shown only in this answer.

    The URL must resolve to public addresses only (422). A retry with the same
    ``Idempotency-Key`` creates nothing and is answered 409: the secret is never shown twice."""
    try:
        check_url(
            body.url,
            resolver=request.app.state.resolver,
            allow_private=settings.webhook_allow_private,
        )
    except RefusedAddress as exc:
        raise InvalidInput(f"url: {exc}") from None
    made = webhooks.create_webhook(
        session,
        member,
        url=body.url,
        event_types=body.event_types,
        unit_id=body.unit_id,
        area_id=body.area_id,
        clock=clock,
    )
    answer_retries_with(
        request,
        409,
        f"this Idempotency-Key already created webhook {made.id}; its secret was shown only"
        " in that first answer (delete the webhook and register it again if it was lost)",
    )
    return WebhookOut.of(made, made.secret)


@router.get("", response_model=PageOut[WebhookOut], responses=responses(401, 403, 422))
def list_webhooks(member: WriteMember, session: SessionDep, page: PageDep) -> PageOut[WebhookOut]:
    """My webhooks (secrets are never shown again)."""
    result = webhooks.list_webhooks(session, member, after=page.after, limit=page.limit)
    return PageOut(
        items=[WebhookOut.of(w) for w in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.get("/{webhook_id}", response_model=WebhookOut, responses=responses(401, 403, 404, 422))
def get_webhook(webhook_id: WebhookId, member: WriteMember, session: SessionDep) -> WebhookOut:
    """One of my webhooks (404 for anyone else's)."""
    return WebhookOut.of(webhooks.get_webhook(session, member, webhook_id))


@router.delete("/{webhook_id}", status_code=204, responses=responses(401, 403, 404, 422))
def delete_webhook(webhook_id: WebhookId, member: WriteMember, session: SessionDep) -> Response:
    """Delete one of my webhooks; nothing more is sent to it."""
    webhooks.delete_webhook(session, member, webhook_id)
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=PageOut[DeliveryOut],
    responses=responses(401, 403, 404, 422),
)
def list_deliveries(
    webhook_id: WebhookId, member: WriteMember, session: SessionDep, page: PageDep
) -> PageOut[DeliveryOut]:
    """The deliveries of one of my webhooks, in feed order: attempts, statuses, next retry."""
    result = webhooks.list_deliveries(
        session, member, webhook_id, after=page.after, limit=page.limit
    )
    return PageOut(
        items=[DeliveryOut.of(d) for d in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )
