"""Login and logout (API.md "Auth and members")."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from app.deps import ClockDep, CurrentCredentials, HasherDep, SessionDep, SettingsDep
from app.errors import responses
from app.idempotency import IdempotentRoute, no_idempotency
from app.login import login_member
from app.schemas.auth import LoginForm
from app.schemas.members import TokenOut
from proposals.services import tokens

router = APIRouter(prefix="/auth", tags=["auth"], route_class=IdempotentRoute)


@router.post("/token", response_model=TokenOut, responses=responses(401, 413, 422, 429))
@no_idempotency
def login(
    request: Request,
    form: Annotated[LoginForm, Form()],
    session: SessionDep,
    hasher: HasherDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> TokenOut:
    """Exchange a name and password for a login token (every scope, expires)."""
    member = login_member(
        request,
        session,
        name=form.username,
        password=form.password,
        settings=settings,
        hasher=hasher,
        clock=clock,
    )
    issued = tokens.issue_login_token(
        session, member, lifetime=settings.token_lifetime, clock=clock
    )
    assert issued.row.expires_at is not None
    return TokenOut(access_token=issued.secret, expires_at=issued.row.expires_at)


@router.post("/logout", status_code=204, responses=responses(401))
def logout(credentials: CurrentCredentials, session: SessionDep, clock: ClockDep) -> Response:
    """Revoke the token used for this request (of either kind)."""
    tokens.revoke_token(session, credentials.token, clock=clock)
    return Response(status_code=204)
