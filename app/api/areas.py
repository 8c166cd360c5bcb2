"""Areas (API.md "Structure")."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import AdminMember, ClockDep, PublicViewer, SessionDep
from app.errors import responses
from app.idempotency import IdempotentRoute
from app.pagination import PageDep, PageOut
from app.params import AreaId
from app.schemas.structure import AreaCreate, AreaOut
from proposals.services import structure

router = APIRouter(prefix="/areas", tags=["structure"], route_class=IdempotentRoute)


@router.post(
    "", status_code=201, response_model=AreaOut, responses=responses(401, 403, 404, 413, 422)
)
def create_area(
    body: AreaCreate, admin: AdminMember, session: SessionDep, clock: ClockDep
) -> AreaOut:
    """Create a subject area in a unit (admin)."""
    area = structure.create_area(
        session,
        actor=admin,
        unit_id=body.unit_id,
        name=body.name,
        description=body.description,
        clock=clock,
    )
    return AreaOut.of(area)


@router.get("", response_model=PageOut[AreaOut], responses=responses(401, 422))
def list_areas(
    _viewer: PublicViewer,
    session: SessionDep,
    page: PageDep,
    unit_id: Annotated[int | None, Query(description="Only the areas of this unit")] = None,
) -> PageOut[AreaOut]:
    """Areas, optionally of one unit."""
    result = structure.list_areas(session, unit_id=unit_id, after=page.after, limit=page.limit)
    return PageOut(
        items=[AreaOut.of(a) for a in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.get("/{area_id}", response_model=AreaOut, responses=responses(401, 404, 422))
def get_area(area_id: AreaId, _viewer: PublicViewer, session: SessionDep) -> AreaOut:
    """One area."""
    return AreaOut.of(structure.get_area(session, area_id))
