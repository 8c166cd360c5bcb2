"""Webhooks (API.md "Webhooks")."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.schemas.numbers import Int
from proposals.models import EVENT_TYPES, Webhook, WebhookDelivery
from proposals.models.webhook import URL_MAX


def _known_type(value: str) -> str:
    if value not in EVENT_TYPES:
        raise ValueError(f"unknown event type {value!r}")
    return value


EventTypeName = Annotated[
    str,
    AfterValidator(_known_type),
    Field(description="An event type of the feed", json_schema_extra={"enum": list(EVENT_TYPES)}),
]


class WebhookCreate(BaseModel):
    """A webhook to register: where to POST the public feed's events, and which of them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://example.org/hooks/liquidpolicy",
                    "event_types": ["issue_state_changed", "initiative_created"],
                    "area_id": 3,
                }
            ]
        },
    )

    url: str = Field(
        min_length=1,
        max_length=URL_MAX,
        description="Where to POST the events: an http:// or https:// URL whose host resolves"
        " only to public addresses (422 otherwise); redirects are not followed",
        examples=["https://example.org/hooks/liquidpolicy"],
    )
    event_types: (
        Annotated[list[EventTypeName], Field(min_length=1, max_length=len(EVENT_TYPES))] | None
    ) = Field(default=None, description="Only events of these types; omitted or null: every type")
    unit_id: Int | None = Field(default=None, description="Only events of this unit")
    area_id: Int | None = Field(default=None, description="Only events of this area")


class WebhookOut(BaseModel):
    """A webhook of mine (the signing secret only in the answer that created it)."""

    id: int = Field(description="The webhook's id")
    url: str = Field(description="Where the events are POSTed")
    event_types: list[str] | None = Field(description="The event types sent (null: every type)")
    unit_id: int | None = Field(description="Only events of this unit (null: any unit)")
    area_id: int | None = Field(description="Only events of this area (null: any area)")
    active: bool = Field(
        description="False once disabled: its deliveries failed for a day (nothing more is sent)"
    )
    created_at: datetime = Field(
        description="When it was registered: it receives the feed's events from then on"
    )
    secret: str | None = Field(
        default=None,
        description="The signing secret (whsec_ + base64, Standard Webhooks); shown only in the"
        " answer that created the webhook, null everywhere else",
    )

    @classmethod
    def of(cls, webhook: Webhook, secret: str | None = None) -> "WebhookOut":
        return cls(
            id=webhook.id or 0,
            url=webhook.url,
            event_types=webhook.event_types,
            unit_id=webhook.unit_id,
            area_id=webhook.area_id,
            active=webhook.active,
            created_at=webhook.created_at,
            secret=secret,
        )


class DeliveryOut(BaseModel):
    """One event's delivery to a webhook: its attempts so far and the next."""

    id: int = Field(description="The delivery's id; its webhook-id header is msg_<id>")
    event_id: int = Field(description="The feed event delivered (the body is its feed item)")
    attempts: int = Field(description="How many times it was sent so far")
    last_status: int | None = Field(
        description="The HTTP status of the last attempt (null: not tried yet, or no answer)"
    )
    last_error: str | None = Field(
        default=None, description="Why the last attempt failed (null: it did not, or none yet)"
    )
    next_attempt_at: datetime | None = Field(
        description="When it is (re)tried; it waits behind any older delivery of its webhook"
        " (null once delivered)"
    )
    delivered_at: datetime | None = Field(description="When the endpoint accepted it with a 2xx")

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> "DeliveryOut":
        return cls(
            id=delivery.id or 0,
            event_id=delivery.event_id,
            attempts=delivery.attempts,
            last_status=delivery.last_status,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at,
            delivered_at=delivery.delivered_at,
        )
