"""Delegations and the delegation chain (API.md "Delegation")."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app.deps import ClockDep, MemberViewer, OptionalCredentials, SessionDep, require_scope
from app.errors import responses
from app.idempotency import IdempotentRoute
from app.pagination import PageDep, PageOut
from app.params import DelegationId
from app.schemas.deliberation import (
    ChainLinkOut,
    ChainOut,
    ChainOutcomeOut,
    DelegationOut,
    DelegationSet,
    ScopeName,
)
from proposals.errors import InvalidInput
from proposals.models import Member
from proposals.services import chains, delegations

router = APIRouter(tags=["delegation"], route_class=IdempotentRoute)
DelegateMember = Annotated[Member, Depends(require_scope("delegate"))]


@router.put(
    "/delegations", response_model=DelegationOut, responses=responses(401, 403, 404, 409, 413, 422)
)
def set_delegation(
    body: DelegationSet, member: DelegateMember, session: SessionDep, clock: ClockDep
) -> DelegationOut:
    """Create or replace my delegation for a unit, area or issue (trustee null: none here)."""
    delegation = delegations.set_delegation(
        session,
        actor=member,
        trustee_id=body.trustee_id,
        unit_id=body.unit_id,
        area_id=body.area_id,
        issue_id=body.issue_id,
        clock=clock,
    )
    return DelegationOut.of(delegation)


@router.delete(
    "/delegations/{delegation_id}", status_code=204, responses=responses(401, 403, 404, 409, 422)
)
def revoke_delegation(
    delegation_id: DelegationId, member: DelegateMember, session: SessionDep, clock: ClockDep
) -> Response:
    """Revoke my delegation."""
    delegations.revoke_delegation(session, actor=member, delegation_id=delegation_id, clock=clock)
    return Response(status_code=204)


@router.post(
    "/delegations/{delegation_id}/decline",
    response_model=DelegationOut,
    responses=responses(401, 403, 404, 409, 422),
)
def decline_delegation(
    delegation_id: DelegationId, member: DelegateMember, session: SessionDep, clock: ClockDep
) -> DelegationOut:
    """Decline a delegation to me: it then counts as if it did not exist (the truster's
    delegation of the next lower scope applies) until the truster sets a new one."""
    delegation = delegations.decline_delegation(
        session, actor=member, delegation_id=delegation_id, clock=clock
    )
    return DelegationOut.of(delegation)


@router.get("/delegations", response_model=PageOut[DelegationOut], responses=responses(401, 422))
def list_delegations(
    _viewer: MemberViewer,
    session: SessionDep,
    page: PageDep,
    truster_id: Annotated[int | None, Query(description="Only delegations by this member")] = None,
    trustee_id: Annotated[int | None, Query(description="Only delegations to this member")] = None,
    scope: Annotated[ScopeName | None, Query(description="Only delegations of this scope")] = None,
) -> PageOut[DelegationOut]:
    """Delegations, filtered by truster, trustee or scope."""
    result = delegations.list_delegations(
        session,
        truster_id=truster_id,
        trustee_id=trustee_id,
        scope=scope,
        after=page.after,
        limit=page.limit,
    )
    return PageOut(
        items=[DelegationOut.of(d) for d in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )


ONE_OF = "Give exactly one of issue_id, area_id and unit_id (else 422)."


@router.get("/delegation-chain", response_model=ChainOut, responses=responses(401, 404, 422))
def delegation_chain(
    member_id: Annotated[int, Query(description="The member whose vote is followed")],
    _viewer: MemberViewer,
    credentials: OptionalCredentials,
    session: SessionDep,
    issue_id: Annotated[int | None, Query(description=ONE_OF + " The issue's chain.")] = None,
    area_id: Annotated[int | None, Query(description=ONE_OF + " The area's chain.")] = None,
    unit_id: Annotated[int | None, Query(description=ONE_OF + " The unit's chain.")] = None,
) -> ChainOut:
    """Where a member's vote goes in an issue, an area or a unit."""
    if [issue_id, area_id, unit_id].count(None) != 2:
        raise InvalidInput("give exactly one of issue_id, area_id and unit_id")
    answer = chains.chain_answer(
        session,
        member_id=member_id,
        viewer_id=credentials.member.id if credentials else None,
        unit_id=unit_id,
        area_id=area_id,
        issue_id=issue_id,
    )
    return ChainOut(
        items=[
            ChainLinkOut(
                index=r.index,
                member_id=r.member_id,
                member_valid=r.member_valid,
                participation=r.participation,
                overridden=r.overridden,
                scope_in=r.scope_in,
                scope_out=r.scope_out,
                disabled_out=r.disabled_out,
                loop=r.loop,
                declined=r.member_id in answer.declined,
            )
            for r in answer.rows
        ],
        outcome=ChainOutcomeOut(
            kind=answer.outcome.kind,
            member_id=answer.outcome.member_id,
            text=answer.outcome.text,
        ),
    )
