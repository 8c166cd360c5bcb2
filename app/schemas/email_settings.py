"""Notification settings (API.md "Notifications": ``/members/me/notification-settings``)."""

from typing import Literal

from pydantic import ConfigDict, Field, StrictBool

from app.schemas.base import Schema
from proposals.services.email_settings import EmailSettings

Frequency = Literal["immediately", "daily", "weekly", "never"]


class NotificationSettingsUpdate(Schema):
    """What to change; a field left out keeps its value, and so does a kind left out."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"email_frequency": "weekly", "kinds": {"new_issue": False}}]
        },
    )

    email_frequency: Frequency | None = Field(
        default=None,
        description="`immediately`, a `daily` digest (the default), a `weekly` digest, or "
        "`never` (in-app notifications only)",
    )
    kinds: dict[str, StrictBool] | None = Field(
        default=None,
        max_length=64,
        description='Notification kind -> whether to get it by e-mail, e.g. {"new_issue": false};'
        " an unknown kind is 422",
    )


class NotificationSettingsOut(Schema):
    """How I hear by e-mail, and the state of my address (in-app notifications are always on)."""

    email_frequency: Frequency
    """How often e-mail comes: `immediately`, `daily`, `weekly` or `never`."""
    kinds: dict[str, bool] = Field(description="Every notification kind -> on or off")
    email_verified: bool = Field(
        description="Whether my current address was verified (no e-mail goes out before)"
    )
    email: str | None = Field(description="My address (from my profile)")
    email_failing: bool = Field(
        description="Whether the mail server refused my address permanently, again and again"
    )

    @classmethod
    def of(cls, settings: EmailSettings) -> "NotificationSettingsOut":
        return cls(
            email_frequency=settings.email_frequency,
            kinds=settings.kinds,
            email_verified=settings.email_verified,
            email=settings.email,
            email_failing=settings.email_failing,
        )
