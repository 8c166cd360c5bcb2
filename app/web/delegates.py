"""The delegates page ``/members``: who can carry votes in a unit, with their statement and how
many members delegate to them there (counted by ``proposals.services.delegates``)."""

import base64
import binascii
import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from app.deps import Viewer
from app.pagination import DEFAULT_LIMIT, MAX_LIMIT
from app.web.context import PageDep, WebRoute
from app.web.render import markdown
from proposals.errors import InvalidInput
from proposals.services import delegates, structure
from proposals.services.delegates import DelegateKey

router = APIRouter(route_class=WebRoute, include_in_schema=False)

STATEMENT_PREVIEW = 160
TITLE = "Delegates"
DESCRIPTION = "Members who can carry votes, their statements and how many delegate to them."


def encode_cursor(key: DelegateKey) -> str:
    """An opaque cursor for the key of a page's last row."""
    text = json.dumps(["d1", key[0], key[1]], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> DelegateKey:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, count, name = json.loads(raw.decode())
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput("cursor is not valid") from None
    if version != "d1" or type(count) is not int or not isinstance(name, str):
        raise InvalidInput("cursor is not valid")
    return count, name


def preview(statement: str, limit: int = STATEMENT_PREVIEW) -> str:
    """The start of a statement (Markdown) as plain text; the whole one is on the member's page."""
    flat = markdown(statement).striptags()
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


@router.get("/members", response_class=HTMLResponse)
def delegates_page(
    page: PageDep,
    unit_id: int | None = None,
    sort: str = "delegators",
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> HTMLResponse:
    if not page.shows_members:
        return page.render("delegates.html", shown=False, title=TITLE, description=DESCRIPTION)
    if sort not in delegates.SORTS:
        raise InvalidInput("sort must be name or delegators")
    session = page.session
    units = list(structure.list_units(session, after=None, limit=MAX_LIMIT).items)
    unit = structure.get_unit(session, unit_id) if unit_id is not None else None
    if unit is None and units:
        unit = units[0]
    result = None
    if unit is not None:
        result = delegates.list_delegates(
            session,
            unit_id=unit.id or 0,
            sort=sort,
            after=decode_cursor(cursor) if cursor else None,
            limit=limit,
        )

    def link(**changes: object) -> str:
        query: dict[str, object] = {"unit_id": unit.id if unit else None, "sort": sort}
        query.update(changes)
        if limit != DEFAULT_LIMIT:
            query["limit"] = limit
        return "/members?" + urlencode({k: v for k, v in query.items() if v is not None})

    next_link = None
    if result is not None and result.next_after is not None:
        next_link = link(cursor=encode_cursor(result.next_after))
    return page.render(
        "delegates.html",
        shown=True,
        canonical=page.url(f"/members?unit_id={unit.id}&sort={sort}" if unit else "/members"),
        units=units,
        unit=unit,
        rows=result.items if result else [],
        sort=sort,
        sort_links={s: link(sort=s) for s in delegates.SORTS},
        next_link=next_link,
        first_link=link() if cursor else None,
        shows_details=Viewer(page.member, page.settings.public_access).shows_member_details,
        preview=preview,
        title=TITLE,
        description=DESCRIPTION,
    )
