"""Suggestions: opinions, accept and reject (API.md "Participation")."""

from fastapi import APIRouter, Response

from app.deps import ClockDep, MemberViewer, PublicViewer, SessionDep, WriteMember
from app.errors import responses
from app.idempotency import IdempotentRoute
from app.pagination import PageDep, PageOut
from app.params import SuggestionId
from app.schemas.deliberation import OpinionOut, OpinionSet, RejectBody, SuggestionOut
from proposals.services import participation

router = APIRouter(prefix="/suggestions", tags=["suggestions"], route_class=IdempotentRoute)


@router.get("/{suggestion_id}", response_model=SuggestionOut, responses=responses(401, 404, 422))
def get_suggestion(
    suggestion_id: SuggestionId, viewer: PublicViewer, session: SessionDep
) -> SuggestionOut:
    """One suggestion."""
    return SuggestionOut.of(participation.get_suggestion(session, suggestion_id), viewer)


@router.put(
    "/{suggestion_id}/opinion",
    response_model=OpinionOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def set_opinion(
    suggestion_id: SuggestionId, body: OpinionSet, member: WriteMember, session: SessionDep
) -> OpinionOut:
    """Rate the suggestion (makes me a supporter of its initiative if I was not one)."""
    opinion = participation.set_opinion(
        session,
        actor=member,
        suggestion_id=suggestion_id,
        degree=body.degree,
        fulfilled=body.fulfilled,
    )
    return OpinionOut.of(opinion)


@router.delete(
    "/{suggestion_id}/opinion", status_code=204, responses=responses(401, 403, 404, 409, 422)
)
def remove_opinion(
    suggestion_id: SuggestionId, member: WriteMember, session: SessionDep, clock: ClockDep
) -> Response:
    """Remove my opinion."""
    participation.remove_opinion(session, actor=member, suggestion_id=suggestion_id, clock=clock)
    return Response(status_code=204)


@router.get(
    "/{suggestion_id}/opinions",
    response_model=PageOut[OpinionOut],
    responses=responses(401, 404, 422),
)
def list_opinions(
    suggestion_id: SuggestionId, _viewer: MemberViewer, session: SessionDep, page: PageDep
) -> PageOut[OpinionOut]:
    """Every member's opinion on the suggestion."""
    result = participation.list_opinions(session, suggestion_id, after=page.after, limit=page.limit)
    return PageOut(
        items=[OpinionOut.of(o) for o in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.post(
    "/{suggestion_id}/accept",
    response_model=SuggestionOut,
    responses=responses(401, 403, 404, 409, 422),
)
def accept_suggestion(
    suggestion_id: SuggestionId,
    member: WriteMember,
    viewer: PublicViewer,
    session: SessionDep,
    clock: ClockDep,
) -> SuggestionOut:
    """Accept the replacement text as the new current draft (initiators)."""
    suggestion = participation.accept_suggestion(
        session, actor=member, suggestion_id=suggestion_id, clock=clock
    )
    return SuggestionOut.of(suggestion, viewer)


@router.post(
    "/{suggestion_id}/reject",
    response_model=SuggestionOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def reject_suggestion(
    suggestion_id: SuggestionId,
    body: RejectBody,
    member: WriteMember,
    viewer: PublicViewer,
    session: SessionDep,
    clock: ClockDep,
) -> SuggestionOut:
    """Reject the suggestion with a reason (initiators)."""
    suggestion = participation.reject_suggestion(
        session, actor=member, suggestion_id=suggestion_id, reason=body.reason, clock=clock
    )
    return SuggestionOut.of(suggestion, viewer)
