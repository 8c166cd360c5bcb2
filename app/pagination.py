"""Cursor pagination: ``?limit=&cursor=`` in, ``{"items", "next_cursor"}`` out (API.md)."""

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import ConfigDict

from app.schemas.base import Schema
from proposals.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")


PAGE = "A page of a list; pass `next_cursor` as `cursor` to get the next one (null: no more)."


def _describe_page(schema: dict[str, Any]) -> None:
    """A parametrised ``PageOut[X]`` has no docstring of its own: describe it as the page it is."""
    schema.setdefault("description", PAGE)


class PageOut(Schema, Generic[T]):
    """A page of a list; pass ``next_cursor`` as ``cursor`` to get the next one (null: no more)."""

    model_config = ConfigDict(json_schema_extra=_describe_page)

    items: list[T]
    """This page's items."""
    next_cursor: str | None
    """Pass as `cursor` for the next page; null: no more."""


def encode_cursor(after: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{after}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, value = text.partition(":")
        if version != "v1" or not value.isdigit():
            raise ValueError(cursor)
        return int(value)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput("cursor is not valid") from None


@dataclass(frozen=True)
class PageParams:
    after: int | None
    limit: int

    def next_cursor(self, next_after: int | None) -> str | None:
        return None if next_after is None else encode_cursor(next_after)


async def page_params(
    limit: Annotated[
        int,
        Query(
            ge=1,
            description=f"How many items at most (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})",
            json_schema_extra={"maximum": MAX_LIMIT},
        ),
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Where to continue: the `next_cursor` of the previous page (opaque;"
            " without it, the first page)",
        ),
    ] = None,
) -> PageParams:
    """API.md: ``limit`` above 500 is refused with 422; a bad cursor too."""
    if limit > MAX_LIMIT:
        raise InvalidInput(f"limit must not exceed {MAX_LIMIT}")
    return PageParams(after=decode_cursor(cursor) if cursor else None, limit=limit)


PageDep = Annotated[PageParams, Depends(page_params)]
