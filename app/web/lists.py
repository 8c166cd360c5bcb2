"""Long lists on pages: keyset pages with "Previous"/"Next" links (the API's cursors), and
whole lists read page after page where a page must show everything (issue 10)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from app.pagination import decode_cursor, encode_cursor
from app.web.context import PageDep
from proposals.services.paging import Page

T = TypeVar("T")

PAGE_SIZE = 100
"""Rows per page of a long list on a page (voters, units, suggestions, delegations)."""


@dataclass(frozen=True)
class Pager:
    """The "Previous" and "Next" links of one list on a page (None: there is no such page)."""

    previous_url: str | None
    next_url: str | None


def after_param(page: PageDep, param: str) -> int | None:
    """Where the list named ``param`` continues: its keyset cursor in the query, as the API's
    ``cursor`` (a bad one is a 422 page)."""
    value = page.request.query_params.get(param)
    return decode_cursor(value) if value else None


def pager(page: PageDep, param: str, result: Page[Any], anchor: str = "") -> Pager:
    """The links to the pages before and after ``result``, keeping the rest of the query."""

    def url(after: int | None) -> str:
        query = {k: v for k, v in page.request.query_params.items() if k != param}
        if after is not None:
            query[param] = encode_cursor(after)
        path = page.shown_path or page.request.url.path
        return path + (f"?{urlencode(query)}" if query else "") + (f"#{anchor}" if anchor else "")

    return Pager(
        previous_url=url(result.previous_after()) if result.has_previous else None,
        next_url=url(result.next_after) if result.next_after is not None else None,
    )


def every(fetch: Callable[[int | None], Page[T]]) -> list[T]:
    """Every row of a keyset-paginated service list, page after page."""
    rows: list[T] = []
    after: int | None = None
    while True:
        result = fetch(after)
        rows.extend(result.items)
        if result.next_after is None:
            return rows
        after = result.next_after
