"""Policies (API.md "Structure")."""

from fastapi import APIRouter

from app.deps import AdminMember, ClockDep, PublicViewer, SessionDep
from app.errors import responses
from app.idempotency import IdempotentRoute
from app.pagination import PageDep, PageOut
from app.params import PolicyId
from app.schemas.structure import PolicyCreate, PolicyOut, PolicyUpdate
from proposals.services import structure

router = APIRouter(prefix="/policies", tags=["structure"], route_class=IdempotentRoute)


@router.post("", status_code=201, response_model=PolicyOut, responses=responses(401, 403, 413, 422))
def create_policy(
    body: PolicyCreate, admin: AdminMember, session: SessionDep, clock: ClockDep
) -> PolicyOut:
    """Create a policy (admin); times in seconds, quorums and majorities as fractions."""
    policy = structure.create_policy(session, actor=admin, fields=body.model_dump(), clock=clock)
    return PolicyOut.of(policy)


@router.patch(
    "/{policy_id}", response_model=PolicyOut, responses=responses(401, 403, 404, 413, 422)
)
def update_policy(
    policy_id: PolicyId, body: PolicyUpdate, admin: AdminMember, session: SessionDep
) -> PolicyOut:
    """Activate or deactivate a policy (admin); inactive policies take no new issues."""
    return PolicyOut.of(
        structure.set_policy_active(session, actor=admin, policy_id=policy_id, active=body.active)
    )


@router.get("", response_model=PageOut[PolicyOut], responses=responses(401, 422))
def list_policies(_viewer: PublicViewer, session: SessionDep, page: PageDep) -> PageOut[PolicyOut]:
    """Policies, oldest first."""
    result = structure.list_policies(session, after=page.after, limit=page.limit)
    return PageOut(
        items=[PolicyOut.of(p) for p in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.get("/{policy_id}", response_model=PolicyOut, responses=responses(401, 404, 422))
def get_policy(policy_id: PolicyId, _viewer: PublicViewer, session: SessionDep) -> PolicyOut:
    """One policy."""
    return PolicyOut.of(structure.get_policy(session, policy_id))
