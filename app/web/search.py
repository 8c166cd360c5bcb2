"""The search page ``/search?q=``: the same service and checks as ``GET /api/v1/search``."""

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from app.schemas.search import (
    SearchKind,
    decode_search_cursor,
    encode_search_cursor,
    readable_kinds,
)
from app.web.context import PageDep, WebRoute
from proposals.errors import InvalidInput
from proposals.services import participation
from proposals.services import search as search_service

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE_SIZE = 20
DESCRIPTION = "Search issues, initiatives, suggestions and members."
KIND_LABELS = {
    "issue": "Issue",
    "initiative": "Initiative",
    "suggestion": "Suggestion",
    "member": "Member",
}


def marked(text: str, ranges: list[tuple[int, int]]) -> Markup:
    """``text`` escaped, with each ``[start, end)`` range in ``<mark>``.

    >>> marked("<b>car</b> park", [(3, 6)])
    Markup('&lt;b&gt;<mark>car</mark>&lt;/b&gt; park')
    """
    out, at = [], 0
    for start, end in ranges:
        out.append(escape(text[at:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def _link(page: PageDep, hit: search_service.Hit) -> str:
    if hit.kind == "suggestion":
        suggestion = participation.get_suggestion(page.session, hit.id)
        return f"/initiatives/{suggestion.initiative_id}#suggestion-{hit.id}"
    return f"/{hit.kind}s/{hit.id}"


@router.get("/search", response_class=HTMLResponse)
def search_page(
    page: PageDep,
    q: Annotated[str | None, Query()] = None,
    kind: Annotated[SearchKind | Literal[""] | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    kinds = {k: v for k, v in KIND_LABELS.items() if k != "member" or page.shows_members}
    if q is None or not q.strip():
        return page.render(
            "search.html",
            title="Search",
            description=DESCRIPTION,
            q=q or "",
            kind=kind or "",
            kinds=kinds,
        )
    try:
        query = search_service.parse_query(q)
    except InvalidInput as exc:
        return page.render(
            "search.html",
            status=422,
            q=q,
            kind=kind or "",
            kinds=kinds,
            error=exc.detail,
            title="Search",
            description=DESCRIPTION,
        )
    result = search_service.search(
        page.session,
        query,
        kinds=readable_kinds(kind or None, page.shows_members),
        after=decode_search_cursor(cursor),
        limit=PAGE_SIZE,
    )
    hits = [
        {
            "kind": KIND_LABELS[hit.kind],
            "href": _link(page, hit),
            "title": marked(hit.title, hit.title_highlights),
            "snippet": marked(hit.snippet, hit.highlights),
        }
        for hit in result.items
    ]
    next_cursor = encode_search_cursor(result.next_after)
    next_url = None
    if next_cursor:
        next_url = "/search?" + urlencode(
            {"q": q, **({"kind": kind} if kind else {}), "cursor": next_cursor}
        )
    return page.render(
        "search.html",
        q=q,
        kind=kind or "",
        kinds=kinds,
        hits=hits,
        searched=True,
        continued=cursor is not None,
        next_url=next_url,
        title=f"Search: {q}",
        description=DESCRIPTION,
    )
