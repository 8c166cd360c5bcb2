"""The agenda of API.md ``GET /members/me/agenda``."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from proposals.services.agenda import AgendaItem


class AgendaItemOut(BaseModel):
    """Something that needs my attention, due at ``due_at`` (the end of the issue's phase)."""

    kind: Literal["vote", "phase_ending", "newer_draft", "open_suggestion", "invitation"]
    unit_id: int
    area_id: int
    issue_id: int
    initiative_id: int | None
    suggestion_id: int | None
    due_at: datetime
    weight: int | None = Field(
        description=(
            "On `vote` items: 1 + the members whose delegation for the issue leads to me, as if"
            " none of them took part directly (never shaped by anyone's participation); null"
            " on other kinds"
        )
    )
    text: str

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
