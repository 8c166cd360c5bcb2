"""Members (API.md "Auth and members")."""

from fastapi import APIRouter

from app.deps import (
    AdminMember,
    ClockDep,
    CurrentCredentials,
    HasherDep,
    MemberViewer,
    ReadMember,
    SessionDep,
    SettingsDep,
    Viewer,
)
from app.errors import ScopeMissing, responses
from app.idempotency import IdempotentRoute
from app.pagination import PageDep, PageOut
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
    credentials: CurrentCredentials,
    session: SessionDep,
    hasher: HasherDep,
    settings: SettingsDep,
) -> MemberOut:
    """Edit my statement or email (``write`` scope) or password (login token only)."""
    if not credentials.has_scope("write"):
        raise ScopeMissing("the token lacks the 'write' scope")
    if body.password is not None and not credentials.is_login:
        raise ScopeMissing("only a login token (POST /auth/token) may change the password")
    member = members.update_profile(
        session,
        hasher,
        credentials.member,
        statement=body.statement,
        email=body.email,
        email_given="email" in body.model_fields_set,
        password=body.password,
    )
    return MemberOut.of(member, Viewer(member, settings.public_access))


@router.get(
    "/{member_id}",
    response_model=MemberOut,
    responses=responses(401, 404, 422),
)
def get_member(member_id: int, viewer: MemberViewer, session: SessionDep) -> MemberOut:
    """One member."""
    return MemberOut.of(members.get_member(session, member_id), viewer)


@router.patch(
    "/{member_id}",
    response_model=MemberOut,
    responses=responses(401, 403, 404, 409, 413, 422),
)
def update_member(
    member_id: int,
    body: MemberFlagsUpdate,
    admin: AdminMember,
    session: SessionDep,
    settings: SettingsDep,
) -> MemberOut:
    """Activate or deactivate a member, grant or remove admin (admin)."""
    member = members.set_member_flags(
        session, actor=admin, member_id=member_id, active=body.active, is_admin=body.is_admin
    )
    return MemberOut.of(member, Viewer(admin, settings.public_access))
