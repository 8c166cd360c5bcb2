"""Units and privileges (API.md "Structure")."""

from fastapi import APIRouter, Response

from app.deps import AdminMember, ClockDep, MemberViewer, PublicViewer, SessionDep
from app.errors import responses
from app.idempotency import IdempotentRoute
from app.pagination import PageDep, PageOut
from app.params import MemberId, UnitId
from app.schemas.structure import PrivilegeOut, PrivilegeSet, UnitCreate, UnitOut
from proposals.models import Unit
from proposals.services import structure

router = APIRouter(prefix="/units", tags=["structure"], route_class=IdempotentRoute)


def _out(units: list[Unit], counts: dict[int, int]) -> list[UnitOut]:
    return [
        UnitOut(
            id=u.id or 0,
            name=u.name,
            description=u.description,
            parent_id=u.parent_id,
            member_count=counts.get(u.id or 0, 0),
        )
        for u in units
    ]


@router.post(
    "", status_code=201, response_model=UnitOut, responses=responses(401, 403, 404, 413, 422)
)
def create_unit(
    body: UnitCreate, admin: AdminMember, session: SessionDep, clock: ClockDep
) -> UnitOut:
    """Create a unit (admin)."""
    unit = structure.create_unit(
        session,
        actor=admin,
        name=body.name,
        description=body.description,
        parent_id=body.parent_id,
        clock=clock,
    )
    return _out([unit], {})[0]


@router.get("", response_model=PageOut[UnitOut], responses=responses(401, 422))
def list_units(_viewer: PublicViewer, session: SessionDep, page: PageDep) -> PageOut[UnitOut]:
    """Units, oldest first."""
    result = structure.list_units(session, after=page.after, limit=page.limit)
    units = list(result.items)
    counts = structure.eligible_counts(session, [u.id or 0 for u in units])
    return PageOut(items=_out(units, counts), next_cursor=page.next_cursor(result.next_after))


@router.get("/{unit_id}", response_model=UnitOut, responses=responses(401, 404, 422))
def get_unit(unit_id: UnitId, _viewer: PublicViewer, session: SessionDep) -> UnitOut:
    """One unit with the number of members eligible in it."""
    unit = structure.get_unit(session, unit_id)
    return _out([unit], structure.eligible_counts(session, [unit_id]))[0]


@router.put(
    "/{unit_id}/privileges/{member_id}",
    response_model=PrivilegeOut,
    responses=responses(401, 403, 404, 413, 422),
)
def set_privilege(
    unit_id: UnitId,
    member_id: MemberId,
    body: PrivilegeSet,
    admin: AdminMember,
    session: SessionDep,
) -> PrivilegeOut:
    """Grant or change a member's rights in a unit (admin); both false revokes."""
    view = structure.set_privilege(
        session,
        actor=admin,
        unit_id=unit_id,
        member_id=member_id,
        voting_right=body.voting_right,
        initiative_right=body.initiative_right,
    )
    return PrivilegeOut.of(view)


@router.delete(
    "/{unit_id}/privileges/{member_id}", status_code=204, responses=responses(401, 403, 404, 422)
)
def revoke_privilege(
    unit_id: UnitId, member_id: MemberId, admin: AdminMember, session: SessionDep
) -> Response:
    """Revoke a member's privilege in a unit (admin)."""
    structure.revoke_privilege(session, actor=admin, unit_id=unit_id, member_id=member_id)
    return Response(status_code=204)


@router.get(
    "/{unit_id}/privileges",
    response_model=PageOut[PrivilegeOut],
    responses=responses(401, 404, 422),
)
def list_privileges(
    unit_id: UnitId, _viewer: MemberViewer, session: SessionDep, page: PageDep
) -> PageOut[PrivilegeOut]:
    """The privileges held in a unit, by member id."""
    result = structure.list_privileges(session, unit_id, after=page.after, limit=page.limit)
    return PageOut(
        items=[PrivilegeOut.of(p) for p in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )
