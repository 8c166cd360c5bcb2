"""Issues, interest, ballots and results (API.md)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse

from app.deps import (
    AdminMember,
    ClockDep,
    MemberViewer,
    PublicViewer,
    ReadMember,
    SessionDep,
    WriteMember,
    require_scope,
)
from app.errors import Unauthorized, responses
from app.idempotency import IdempotentRoute
from app.pagination import PageDep, PageOut
from app.params import IssueId
from app.schemas.deliberation import (
    BallotBody,
    BallotOut,
    BattleOut,
    DelegatingVoterOut,
    Grade,
    IssueOut,
    IssueState,
    VoteOut,
    VoterOut,
)
from app.schemas.results import ResultExplanationOut, VoteExplanationOut
from proposals.models import Issue, Member
from proposals.services import explain, issues, participation, records, voting
from proposals.services.voting import BallotView

router = APIRouter(prefix="/issues", tags=["issues"], route_class=IdempotentRoute)
VoteMember = Annotated[Member, Depends(require_scope("vote"))]


def issue_out(session: SessionDep, items: list[Issue]) -> list[IssueOut]:
    ids = issues.initiative_ids_of(session, [i.id or 0 for i in items])
    recorded = records.record_info(session, [i.id or 0 for i in items if i.closed_at is not None])
    return [
        IssueOut.of(i, ids[i.id or 0], issues.phase_ends_at(i), recorded.get(i.id or 0))
        for i in items
    ]


@router.get("", response_model=PageOut[IssueOut], responses=responses(401, 422))
def list_issues(
    _viewer: PublicViewer,
    session: SessionDep,
    page: PageDep,
    state: Annotated[IssueState | None, Query(description="Only issues in this state")] = None,
    area_id: Annotated[int | None, Query(description="Only the issues of this area")] = None,
    unit_id: Annotated[int | None, Query(description="Only the issues of this unit")] = None,
) -> PageOut[IssueOut]:
    """Issues, oldest first, filtered by state, area or unit."""
    result = issues.list_issues(
        session, state=state, area_id=area_id, unit_id=unit_id, after=page.after, limit=page.limit
    )
    return PageOut(
        items=issue_out(session, list(result.items)),
        next_cursor=page.next_cursor(result.next_after),
    )


@router.get("/{issue_id}", response_model=IssueOut, responses=responses(401, 404, 422))
def get_issue(issue_id: IssueId, _viewer: PublicViewer, session: SessionDep) -> IssueOut:
    """One issue with its phase times and initiatives."""
    return issue_out(session, [issues.get_issue(session, issue_id)])[0]


@router.post(
    "/{issue_id}/cancel", response_model=IssueOut, responses=responses(401, 403, 404, 409, 422)
)
def cancel_issue(
    issue_id: IssueId, admin: AdminMember, session: SessionDep, clock: ClockDep
) -> IssueOut:
    """Cancel an open issue in any phase (admin)."""
    issue = issues.cancel_issue(session, actor=admin, issue_id=issue_id, clock=clock)
    return issue_out(session, [issue])[0]


@router.put("/{issue_id}/interest", status_code=204, responses=responses(401, 403, 404, 409, 422))
def declare_interest(issue_id: IssueId, member: WriteMember, session: SessionDep) -> Response:
    """Take part directly in this issue (cuts my delegation in snapshots)."""
    participation.declare_interest(session, actor=member, issue_id=issue_id)
    return Response(status_code=204)


@router.delete(
    "/{issue_id}/interest", status_code=204, responses=responses(401, 403, 404, 409, 422)
)
def remove_interest(
    issue_id: IssueId, member: WriteMember, session: SessionDep, clock: ClockDep
) -> Response:
    """Remove my interest, and with it my support in this issue."""
    participation.remove_interest(session, actor=member, issue_id=issue_id, clock=clock)
    return Response(status_code=204)


def _ballot_out(view: BallotView) -> BallotOut:
    return BallotOut(
        issue_id=view.issue_id,
        member_id=view.member_id,
        votes=[Grade(initiative_id=i, grade=g) for i, g in view.votes],
        updated_at=view.updated_at,
    )


@router.put(
    "/{issue_id}/ballot",
    response_model=BallotOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def cast_ballot(
    issue_id: IssueId, body: BallotBody, member: VoteMember, session: SessionDep, clock: ClockDep
) -> BallotOut:
    """Cast or replace my ballot: a grade per admitted initiative (missing = abstain)."""
    view = voting.cast_ballot(
        session,
        actor=member,
        issue_id=issue_id,
        votes=[(v.initiative_id, v.grade) for v in body.votes],
        clock=clock,
    )
    return _ballot_out(view)


@router.get("/{issue_id}/ballot", response_model=BallotOut, responses=responses(401, 403, 404, 422))
def get_ballot(issue_id: IssueId, member: ReadMember, session: SessionDep) -> BallotOut:
    """My current ballot."""
    return _ballot_out(voting.get_ballot(session, actor=member, issue_id=issue_id))


@router.delete("/{issue_id}/ballot", status_code=204, responses=responses(401, 403, 404, 409, 422))
def withdraw_ballot(issue_id: IssueId, member: VoteMember, session: SessionDep) -> Response:
    """Withdraw my ballot while voting runs."""
    voting.withdraw_ballot(session, actor=member, issue_id=issue_id)
    return Response(status_code=204)


@router.get(
    "/{issue_id}/voters", response_model=PageOut[VoterOut], responses=responses(401, 404, 409, 422)
)
def list_voters(
    issue_id: IssueId, _viewer: MemberViewer, session: SessionDep, page: PageDep
) -> PageOut[VoterOut]:
    """The direct voters of a closed issue and the weight each carried."""
    result = voting.list_direct_voters(session, issue_id, after=page.after, limit=page.limit)
    return PageOut(
        items=[VoterOut(member_id=v.member_id, weight=v.weight) for v in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.get(
    "/{issue_id}/delegating-voters",
    response_model=PageOut[DelegatingVoterOut],
    responses=responses(401, 404, 409, 422),
)
def list_delegating_voters(
    issue_id: IssueId, _viewer: MemberViewer, session: SessionDep, page: PageDep
) -> PageOut[DelegatingVoterOut]:
    """Members whose weight reached a direct voter, with the chain it took."""
    result = voting.list_delegating_voters(session, issue_id, after=page.after, limit=page.limit)
    chains = voting.delegate_chains(
        session, issue_id, [v.member_id for v in result.items], known=result.items
    )
    return PageOut(
        items=[
            DelegatingVoterOut(
                member_id=v.member_id,
                weight=v.weight,
                scope=v.scope,
                delegate_member_ids=chains[v.member_id],
            )
            for v in result.items
        ],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.get(
    "/{issue_id}/votes", response_model=PageOut[VoteOut], responses=responses(401, 404, 409, 422)
)
def list_votes(
    issue_id: IssueId, _viewer: MemberViewer, session: SessionDep, page: PageDep
) -> PageOut[VoteOut]:
    """Every counted grade of a closed issue; under a ``delegates_public`` policy the grades of
    direct voters of weight 1 have ``member_id`` null and their anonymous ``ballot_id``."""
    result = voting.list_votes(session, issue_id, after=page.after, limit=page.limit)
    return PageOut(
        items=[
            VoteOut(
                member_id=v.member_id,
                initiative_id=v.initiative_id,
                grade=v.grade,
                ballot_id=v.ballot_id,
            )
            for v in result.items
        ],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.get(
    "/{issue_id}/battles",
    response_model=PageOut[BattleOut],
    responses=responses(401, 404, 409, 422),
)
def list_battles(
    issue_id: IssueId,
    _viewer: PublicViewer,
    session: SessionDep,
    page: PageDep,
) -> PageOut[BattleOut]:
    """Every ordered pair of candidates (null = status quo) and the weight preferring the first."""
    result = voting.list_battles(session, issue_id, after=page.after, limit=page.limit)
    return PageOut(
        items=[
            BattleOut(
                winning_initiative_id=b.winning_initiative_id,
                losing_initiative_id=b.losing_initiative_id,
                count=b.count,
            )
            for b in result.items
        ],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.get(
    "/{issue_id}/result-explanation",
    response_model=ResultExplanationOut,
    responses=responses(401, 404, 409, 422),
)
def result_explanation(
    issue_id: IssueId, _viewer: PublicViewer, session: SessionDep
) -> ResultExplanationOut:
    """Why the closed issue ended as it did, and each initiative's majority (the page's words)."""
    return ResultExplanationOut.of(explain.issue_result(session, issue_id))


RECORD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The issue's record: RFC 8785 canonical JSON, its first member ``digest``"
        " (SHA-256 of the record without it) and ``previous_digest`` the record before it",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    **responses(401, 422),
    404: {
        **responses(404)[404],
        "description": "No such issue, or the issue has no record"
        " (canceled, closed before records existed, or not yet written)",
    },
    409: {**responses(409)[409], "description": "The issue is still open"},
}


@router.get("/{issue_id}/record", response_class=StreamingResponse, responses=RECORD_RESPONSES)
def get_record(issue_id: IssueId, _viewer: MemberViewer, session: SessionDep) -> StreamingResponse:
    """The verifiable record of a finished issue's close (inputs and results), as stored."""
    voting.closed_issue(session, issue_id)
    return StreamingResponse(
        records.served_chunks(session, issue_id), media_type="application/json"
    )


@router.get(
    "/{issue_id}/explanation",
    response_model=VoteExplanationOut,
    responses={
        **responses(401, 422),
        404: {
            **responses(404)[404],
            "description": "No such issue or member, or the issue has no record",
        },
        409: {**responses(409)[409], "description": "The issue is still open"},
    },
)
def vote_explanation(
    issue_id: IssueId,
    viewer: MemberViewer,
    session: SessionDep,
    member_id: Annotated[
        int | None,
        Query(description="The member asked about; without it, the caller (needs a token)"),
    ] = None,
) -> VoteExplanationOut:
    """How was my vote counted? From the finished issue's record (the close's inputs replayed
    with ``delegation/``, never today's delegations): voted directly (weight, whose votes by
    scope), delegated and counted (the chain, the voter's grades, their weight), delegated but
    not counted (where the chain ended), not eligible, or not participating. Any member may be
    asked about as far as member data is visible (as ``/votes``)."""
    caller = viewer.member.id if viewer.member is not None else None
    if member_id is None:
        if caller is None:
            raise Unauthorized("log in to ask about your own vote, or name a member_id")
        member_id = caller
    answer = records.explain_member_vote(session, issue_id, member_id, you=member_id == caller)
    return VoteExplanationOut(issue_id=issue_id, member_id=member_id, **answer)
