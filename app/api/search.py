"""Full-text search (API.md "GET /search")."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import PublicViewer, SessionDep
from app.errors import responses
from app.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageOut
from app.schemas.search import (
    SearchHitOut,
    SearchKind,
    decode_search_cursor,
    encode_search_cursor,
    readable_kinds,
)
from proposals.errors import InvalidInput
from proposals.services import search as search_service

router = APIRouter(tags=["search"])


@router.get("/search", response_model=PageOut[SearchHitOut], responses=responses(401, 422))
def search(
    viewer: PublicViewer,
    session: SessionDep,
    q: Annotated[
        str | None,
        Query(description=f"Plain words, all must occur (at most {search_service.QUERY_MAX})"),
    ] = None,
    kind: Annotated[SearchKind | None, Query(description="Only this kind")] = None,
    limit: Annotated[
        int,
        Query(ge=1, description=f"At most {MAX_LIMIT}", json_schema_extra={"maximum": MAX_LIMIT}),
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=200, description="The `next_cursor` of the previous page (opaque)"),
    ] = None,
) -> PageOut[SearchHitOut]:
    """Issues, initiatives, suggestions and members matching every word of `q`, best first."""
    if limit > MAX_LIMIT:
        raise InvalidInput(f"limit must not exceed {MAX_LIMIT}")
    query = search_service.parse_query(q)
    result = search_service.search(
        session,
        query,
        kinds=readable_kinds(kind, viewer.shows_members),
        after=decode_search_cursor(cursor),
        limit=limit,
    )
    return PageOut(
        items=[SearchHitOut.of(hit) for hit in result.items],
        next_cursor=encode_search_cursor(result.next_after),
    )
