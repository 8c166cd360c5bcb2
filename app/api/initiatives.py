"""Initiatives, drafts, initiators, support and suggestions (API.md)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.deps import ClockDep, MemberViewer, PublicViewer, SessionDep, WriteMember
from app.errors import responses
from app.idempotency import IdempotentRoute
from app.pagination import PageDep, PageOut
from app.params import DraftId, InitiativeId
from app.schemas.deliberation import (
    DraftCreate,
    DraftOut,
    InitiativeCreate,
    InitiativeOut,
    InitiatorInvite,
    InitiatorOut,
    InvitationAnswer,
    RevokeBody,
    SuggestionCreate,
    SuggestionOut,
    SupportBody,
    SupportOut,
)
from proposals.models import Initiative, Initiator
from proposals.services import initiatives, participation
from proposals.services.issues import current_draft_ids

router = APIRouter(tags=["initiatives"], route_class=IdempotentRoute)


def initiative_out(session: SessionDep, items: list[Initiative]) -> list[InitiativeOut]:
    drafts = current_draft_ids(session, [i.id or 0 for i in items])
    return [InitiativeOut.of(i, drafts[i.id or 0]) for i in items]


def _initiator_out(initiator: Initiator) -> InitiatorOut:
    return InitiatorOut(
        initiative_id=initiator.initiative_id,
        member_id=initiator.member_id,
        accepted=initiator.accepted,
    )


@router.post(
    "/initiatives",
    status_code=201,
    response_model=InitiativeOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def create_initiative(
    body: InitiativeCreate, member: WriteMember, session: SessionDep, clock: ClockDep
) -> InitiativeOut:
    """Propose: a new issue (area and policy) or a competing initiative (issue)."""
    initiative = initiatives.create_initiative(
        session,
        actor=member,
        name=body.name,
        content=body.content,
        area_id=body.area_id,
        policy_id=body.policy_id,
        issue_id=body.issue_id,
        clock=clock,
    )
    return initiative_out(session, [initiative])[0]


@router.get("/initiatives", response_model=PageOut[InitiativeOut], responses=responses(401, 422))
def list_initiatives(
    _viewer: PublicViewer,
    session: SessionDep,
    page: PageDep,
    issue_id: Annotated[int | None, Query(description="Only the initiatives of this issue")] = None,
) -> PageOut[InitiativeOut]:
    """Initiatives, oldest first, optionally of one issue."""
    result = initiatives.list_initiatives(
        session, issue_id=issue_id, after=page.after, limit=page.limit
    )
    return PageOut(
        items=initiative_out(session, list(result.items)),
        next_cursor=page.next_cursor(result.next_after),
    )


@router.get(
    "/initiatives/{initiative_id}", response_model=InitiativeOut, responses=responses(401, 404, 422)
)
def get_initiative(
    initiative_id: InitiativeId, _viewer: PublicViewer, session: SessionDep
) -> InitiativeOut:
    """One initiative with its latest snapshot counts and, once closed, its results."""
    return initiative_out(session, [initiatives.get_initiative(session, initiative_id)])[0]


@router.post(
    "/initiatives/{initiative_id}/drafts",
    status_code=201,
    response_model=DraftOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def create_draft(
    initiative_id: InitiativeId,
    body: DraftCreate,
    member: WriteMember,
    viewer: PublicViewer,
    session: SessionDep,
    clock: ClockDep,
) -> DraftOut:
    """Post a new current draft (initiators; admission or discussion)."""
    draft = initiatives.create_draft(
        session, actor=member, initiative_id=initiative_id, content=body.content, clock=clock
    )
    return DraftOut.of(draft, viewer)


@router.get(
    "/initiatives/{initiative_id}/drafts",
    response_model=PageOut[DraftOut],
    responses=responses(401, 404, 422),
)
def list_drafts(
    initiative_id: InitiativeId, viewer: PublicViewer, session: SessionDep, page: PageDep
) -> PageOut[DraftOut]:
    """The initiative's drafts, oldest first (the last is current)."""
    result = initiatives.list_drafts(session, initiative_id, after=page.after, limit=page.limit)
    return PageOut(
        items=[DraftOut.of(d, viewer) for d in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.get("/drafts/{draft_id}", response_model=DraftOut, responses=responses(401, 404, 422))
def get_draft(draft_id: DraftId, viewer: PublicViewer, session: SessionDep) -> DraftOut:
    """One draft."""
    return DraftOut.of(initiatives.get_draft(session, draft_id), viewer)


@router.post(
    "/initiatives/{initiative_id}/revoke",
    response_model=InitiativeOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def revoke_initiative(
    initiative_id: InitiativeId,
    member: WriteMember,
    session: SessionDep,
    clock: ClockDep,
    body: RevokeBody | None = None,
) -> InitiativeOut:
    """Revoke the initiative (initiators; admission or discussion)."""
    initiative = initiatives.revoke_initiative(
        session,
        actor=member,
        initiative_id=initiative_id,
        suggested_initiative_id=body.suggested_initiative_id if body else None,
        clock=clock,
    )
    return initiative_out(session, [initiative])[0]


@router.get(
    "/initiatives/{initiative_id}/initiators",
    response_model=PageOut[InitiatorOut],
    responses=responses(401, 404, 422),
)
def list_initiators(
    initiative_id: InitiativeId, _viewer: MemberViewer, session: SessionDep
) -> PageOut[InitiatorOut]:
    """Initiators (accepted true) and invited members (accepted null)."""
    items = initiatives.list_initiators(session, initiative_id)
    return PageOut(items=[_initiator_out(i) for i in items], next_cursor=None)


@router.post(
    "/initiatives/{initiative_id}/initiators",
    status_code=201,
    response_model=InitiatorOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def invite_initiator(
    initiative_id: InitiativeId,
    body: InitiatorInvite,
    member: WriteMember,
    session: SessionDep,
    clock: ClockDep,
) -> InitiatorOut:
    """Invite a member to become an initiator (initiators; admission or discussion)."""
    initiator = initiatives.invite_initiator(
        session, actor=member, initiative_id=initiative_id, member_id=body.member_id, clock=clock
    )
    return _initiator_out(initiator)


@router.put(
    "/initiatives/{initiative_id}/initiators/me",
    response_model=InitiatorOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def answer_invitation(
    initiative_id: InitiativeId, body: InvitationAnswer, member: WriteMember, session: SessionDep
) -> InitiatorOut:
    """Accept or decline my invitation to become an initiator."""
    initiator = initiatives.answer_invitation(
        session, actor=member, initiative_id=initiative_id, accepted=body.accepted
    )
    return _initiator_out(initiator)


@router.put(
    "/initiatives/{initiative_id}/support",
    response_model=SupportOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def support(
    initiative_id: InitiativeId,
    member: WriteMember,
    session: SessionDep,
    body: SupportBody | None = None,
) -> SupportOut:
    """Support the initiative (its current draft); implies interest in the issue."""
    view = participation.support(
        session, actor=member, initiative_id=initiative_id, draft_id=body.draft_id if body else None
    )
    return SupportOut(
        initiative_id=view.initiative_id,
        member_id=view.member_id,
        draft_id=view.draft_id,
        informed=view.informed,
    )


@router.delete(
    "/initiatives/{initiative_id}/support",
    status_code=204,
    responses=responses(401, 403, 404, 409, 422),
)
def withdraw_support(
    initiative_id: InitiativeId, member: WriteMember, session: SessionDep, clock: ClockDep
) -> Response:
    """Withdraw my support (my opinions on its suggestions go with it)."""
    participation.withdraw_support(session, actor=member, initiative_id=initiative_id, clock=clock)
    return Response(status_code=204)


@router.post(
    "/initiatives/{initiative_id}/suggestions",
    status_code=201,
    response_model=SuggestionOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def create_suggestion(
    initiative_id: InitiativeId,
    body: SuggestionCreate,
    member: WriteMember,
    viewer: PublicViewer,
    session: SessionDep,
    clock: ClockDep,
) -> SuggestionOut:
    """Suggest an amendment (optionally a complete replacement text); records my opinion."""
    suggestion = participation.create_suggestion(
        session,
        actor=member,
        initiative_id=initiative_id,
        name=body.name,
        content=body.content,
        degree=body.degree,
        replacement_content=body.replacement_content,
        clock=clock,
    )
    return SuggestionOut.of(suggestion, viewer)


@router.get(
    "/initiatives/{initiative_id}/suggestions",
    response_model=PageOut[SuggestionOut],
    responses=responses(401, 404, 422),
)
def list_suggestions(
    initiative_id: InitiativeId, viewer: PublicViewer, session: SessionDep, page: PageDep
) -> PageOut[SuggestionOut]:
    """The initiative's suggestions with their weighted opinion counts."""
    result = participation.list_suggestions(
        session, initiative_id, after=page.after, limit=page.limit
    )
    return PageOut(
        items=[SuggestionOut.of(s, viewer) for s in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )
