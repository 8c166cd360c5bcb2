"""Members (API.md "Auth and members")."""

from fastapi import APIRouter

from app.deps import (
    AdminMember,
    ClockDep,
    HasherDep,
    MemberViewer,
    ReadMember,
    SessionDep,
    SettingsDep,
    Viewer,
    WriteCredentials,
)
from app.errors import ScopeMissing, responses
from app.idempotency import IdempotentRoute
from app.mail.verification import after_address_change
from app.pagination import PageDep, PageOut
from app.params import MemberId
from app.schemas.members import MemberCreate, MemberFlagsUpdate, MemberOut, ProfileUpdate
from proposals.services import members

router = APIRouter(prefix="/members", tags=["members"], route_class=IdempotentRoute)


@router.post(
    "",
    status_code=201,
    response_model=MemberOut,
    responses=responses(401, 403, 409, 413, 422),
)
def create_member(
    body: MemberCreate,
    admin: AdminMember,
    session: SessionDep,
    hasher: HasherDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> MemberOut:
    """Create a member (admin)."""
    member = members.create_member(
        session,
        hasher,
        actor=admin,
        name=body.name,
        password=body.password,
        email=body.email,
        is_admin=body.is_admin,
        clock=clock,
    )
    return MemberOut.of(member, Viewer(admin, settings.public_access))


@router.get("", response_model=PageOut[MemberOut], responses=responses(401, 422))
def list_members(viewer: MemberViewer, session: SessionDep, page: PageDep) -> PageOut[MemberOut]:
    """Members, oldest first."""
    result = members.list_members(session, after=page.after, limit=page.limit)
    return PageOut(
        items=[MemberOut.of(m, viewer) for m in result.items],
        next_cursor=page.next_cursor(result.next_after),
    )


@router.get(
    "/me",
    response_model=MemberOut,
    responses=responses(401, 403),
)
def get_me(member: ReadMember, settings: SettingsDep) -> MemberOut:
    """The member the token belongs to, with their email."""
    return MemberOut.of(member, Viewer(member, settings.public_access))


@router.patch(
    "/me",
    response_model=MemberOut,
    responses=responses(401, 403, 413, 422),
)
def update_me(
    body: ProfileUpdate,
    credentials: WriteCredentials,
    session: SessionDep,
    hasher: HasherDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> MemberOut:
    """Edit my statement or email (``write`` scope) or password (login token only).

    A new ``password`` needs ``current_password``: 422 when it is missing, 403 when it is
    wrong. A password change ends every other session of the member — their other login tokens,
    their web sessions and **all their personal API tokens**: apps using those must be
    authorised again (with a new token). Only the login token of this request stays valid.
    A new ``email`` is not verified: when the service sends e-mail, its verification link is
    sent to it at once.
    """
    if body.password is not None and not credentials.is_login:
        raise ScopeMissing("only a login token (POST /auth/token) may change the password")
    old_address = credentials.member.email
    member = members.update_profile(
        session,
        hasher,
        credentials.member,
        statement=body.statement,
        email=body.email,
        email_given="email" in body.model_fields_set,
        password=body.password,
        current_password=body.current_password,
        keep=credentials.token,
        clock=clock,
    )
    after_address_change(
        session,
        settings,
        member,
        old_address=old_address,
        clock=clock,
    )
    return MemberOut.of(member, Viewer(member, settings.public_access))


@router.get(
    "/{member_id}",
    response_model=MemberOut,
    responses=responses(401, 404, 422),
)
def get_member(member_id: MemberId, viewer: MemberViewer, session: SessionDep) -> MemberOut:
    """One member."""
    return MemberOut.of(members.get_member(session, member_id), viewer)


@router.patch(
    "/{member_id}",
    response_model=MemberOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def update_member(
    member_id: MemberId,
    body: MemberFlagsUpdate,
    admin: AdminMember,
    session: SessionDep,
    hasher: HasherDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> MemberOut:
    """Activate or deactivate a member, grant or remove admin, or set a new password (admin).

    A new ``password`` ends every session and token of that member (login tokens, web sessions
    and personal API tokens: their apps must be authorised again); so does a deactivation, and
    tokens ended by it stay ended after a reactivation. An admin's own password is changed with
    ``PATCH /members/me`` (which needs the current one): here it is 409.
    """
    member = members.set_member_flags(
        session,
        actor=admin,
        member_id=member_id,
        active=body.active,
        is_admin=body.is_admin,
        password=body.password,
        hasher=hasher,
        clock=clock,
    )
    return MemberOut.of(member, Viewer(admin, settings.public_access))
