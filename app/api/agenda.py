"""My agenda (API.md ``GET /members/me/agenda``)."""

import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import ClockDep, ReadMember, SessionDep
from app.errors import responses
from app.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageOut
from app.schemas.agenda import AgendaItemOut
from proposals.errors import InvalidInput
from proposals.services.agenda import KINDS, AgendaKey, agenda

router = APIRouter(prefix="/members", tags=["members"])

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_VERSION = "a1"


def encode_agenda_cursor(key: AgendaKey) -> str:
    """The key of the last item shown: due time (microseconds since 1970), kind, ids."""
    due, kind, issue, initiative, suggestion = key
    micros = (due - _EPOCH) // timedelta(microseconds=1)
    text = f"{_VERSION}:{micros}:{kind}:{issue}:{initiative}:{suggestion}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_agenda_cursor(cursor: str) -> AgendaKey:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, *parts = text.split(":")
        if version != _VERSION or len(parts) != 5:
            raise ValueError(cursor)
        micros, kind, issue, initiative, suggestion = (int(p) for p in parts)
        if not 0 <= kind < len(KINDS) or min(issue, initiative, suggestion) < 0:
            raise ValueError(cursor)
        due = _EPOCH + timedelta(microseconds=micros)
    except (ValueError, OverflowError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput("cursor is not valid") from None
    return (due, kind, issue, initiative, suggestion)


@router.get("/me/agenda", response_model=PageOut[AgendaItemOut], responses=responses(401, 403, 422))
def my_agenda(
    member: ReadMember,
    session: SessionDep,
    clock: ClockDep,
    limit: Annotated[
        int,
        Query(ge=1, description=f"At most {MAX_LIMIT}", json_schema_extra={"maximum": MAX_LIMIT}),
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=200, description="The `next_cursor` of the previous page (opaque)"),
    ] = None,
) -> PageOut[AgendaItemOut]:
    """What needs my attention, most urgent (soonest due) first."""
    if limit > MAX_LIMIT:
        raise InvalidInput(f"limit must not exceed {MAX_LIMIT}")
    after = decode_agenda_cursor(cursor) if cursor else None
    page = agenda(session, member, now=clock(), after=after, limit=limit)
    return PageOut(
        items=[AgendaItemOut.of(item) for item in page.items],
        next_cursor=encode_agenda_cursor(page.next_after) if page.next_after else None,
    )
