"""Personal API tokens (API.md "Auth and members")."""

from fastapi import APIRouter, Request, Response

from app.deps import ClockDep, LoginCredentials, ReadMember, SessionDep
from app.errors import responses
from app.idempotency import IdempotentRoute, answer_retries_with
from app.pagination import PageDep, PageOut
from app.params import TokenId
from app.schemas.members import PersonalTokenCreate, PersonalTokenOut
from proposals.services import tokens

router = APIRouter(prefix="/tokens", tags=["tokens"], route_class=IdempotentRoute)


@router.post(
    "",
    status_code=201,
    response_model=PersonalTokenOut,
    responses=responses(401, 403, 409, 413, 422),
)
def create_token(
    request: Request,
    body: PersonalTokenCreate,
    credentials: LoginCredentials,
    session: SessionDep,
    clock: ClockDep,
) -> PersonalTokenOut:
    """Create a personal API token; its secret is shown only in this answer.

    A retry with the same ``Idempotency-Key`` creates nothing and is answered 409, naming the
    token the first request created: its secret is never stored, so never shown again."""
    issued = tokens.create_personal_token(
        session,
        credentials.member,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expires_at,
        clock=clock,
    )
    answer_retries_with(
        request,
        409,
        f"this Idempotency-Key already created token {issued.row.id}; its secret was shown only"
        " in that first answer (revoke the token and create another if it was lost)",
    )
    return PersonalTokenOut.of(issued.row, issued.secret)


@router.get("", response_model=PageOut[PersonalTokenOut], responses=responses(401, 403, 422))
def list_tokens(
    member: ReadMember, session: SessionDep, page: PageDep
) -> PageOut[PersonalTokenOut]:
    """My personal tokens that are not revoked (secrets are never shown again)."""
    result = tokens.list_tokens(session, member, after=page.after, limit=page.limit)
    return PageOut(
        items=[PersonalTokenOut.of(t) for t in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.delete("/{token_id}", status_code=204, responses=responses(401, 403, 404, 422))
def delete_token(
    token_id: TokenId, credentials: LoginCredentials, session: SessionDep, clock: ClockDep
) -> Response:
    """Revoke one of my personal tokens."""
    tokens.revoke_personal_token(session, credentials.member, token_id, clock=clock)
    return Response(status_code=204)
