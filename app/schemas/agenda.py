"""The agenda of API.md ``GET /members/me/agenda``."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.schemas.base import Schema
from proposals.services.agenda import AgendaItem


class AgendaItemOut(Schema):
    """Something that needs my attention, due at ``due_at`` (the end of the issue's phase)."""

    kind: Literal["vote", "phase_ending", "newer_draft", "open_suggestion", "invitation"]
    """`vote`: an issue in voting without my ballot; `phase_ending`: within 48 h, an issue I take
    part in; `newer_draft`: an initiative I support has a newer draft; `open_suggestion`: on my
    initiative, not accepted or rejected; `invitation`: to become an initiator."""
    unit_id: int
    """The unit's id."""
    area_id: int
    """The area's id."""
    issue_id: int
    """The issue's id."""
    initiative_id: int | None
    """The initiative concerned, if any."""
    suggestion_id: int | None
    """The suggestion concerned, if any."""
    due_at: datetime
    """When the phase ends (UTC): the most urgent first."""
    weight: int | None = Field(
        description=(
            "On `vote` items: 1 + the members whose delegation for the issue leads to me, as if"
            " none of them took part directly (never shaped by anyone's participation); null"
            " on other kinds"
        )
    )
    text: str
    """What to do, in one line."""

    @classmethod
    def of(cls, item: AgendaItem) -> "AgendaItemOut":
        return cls(
            kind=item.kind,
            unit_id=item.unit_id,
            area_id=item.area_id,
            issue_id=item.issue_id,
            initiative_id=item.initiative_id,
            suggestion_id=item.suggestion_id,
            due_at=item.due_at,
            weight=item.weight,
            text=item.text,
        )
