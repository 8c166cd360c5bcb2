"""Search results (API.md "GET /search") and their opaque cursor, for the API and the page."""

import base64
import binascii
import math
from typing import Literal

from pydantic import Field

from app.schemas.base import Schema
from proposals.errors import InvalidInput
from proposals.services.search import SEARCH_KINDS, Hit, SearchAfter

SearchKind = Literal["issue", "initiative", "suggestion", "member"]

_CURSOR_VERSION = "s1"


class SearchHitOut(Schema):
    """One search result, best first."""

    kind: SearchKind
    """What was found."""
    id: int
    """Its id (of that kind)."""
    title: str
    """Its title or name."""
    snippet: str = Field(description="Plain text from the object's text around the first match")
    highlights: list[tuple[int, int]] = Field(
        description="The matched words in `snippet`: [start, end) character ranges "
        "(Unicode code points, end exclusive)"
    )
    rank: float = Field(description="Relevance: higher is better")
    title_highlights: list[tuple[int, int]] = Field(
        description="The matched words in `title`, as `highlights`"
    )

    @classmethod
    def of(cls, hit: Hit) -> "SearchHitOut":
        return cls(
            kind=hit.kind,
            id=hit.id,
            title=hit.title,
            snippet=hit.snippet,
            highlights=hit.highlights,
            rank=hit.rank,
            title_highlights=hit.title_highlights,
        )


def readable_kinds(kind: str | None, shows_members: bool) -> set[str]:
    """The kinds a search looks through: the one asked for, or all; members only for a reader
    who may see members (DESIGN.md §5: none below ``pseudonym`` without a token)."""
    kinds = {kind} if kind else set(SEARCH_KINDS)
    return kinds if shows_members else kinds - {"member"}


def encode_search_cursor(after: SearchAfter | None) -> str | None:
    """The opaque cursor of the next page (None: no more)."""
    if after is None:
        return None
    text = f"{_CURSOR_VERSION}:{after.rank!r}:{after.document_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_search_cursor(cursor: str | None) -> SearchAfter | None:
    """Where a page continues; a cursor that no search page gave is refused (422)."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, rank, document_id = text.split(":")
        value = float(rank)
        if (
            version != _CURSOR_VERSION
            or not math.isfinite(value)
            or not document_id.isdigit()
            or len(document_id) > 18
        ):
            raise ValueError(cursor)
        return SearchAfter(value, int(document_id))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput("cursor is not valid") from None
