"""Dependencies that make route signatures read like prose: SessionDep, CurrentMember, ...

They are ``async def`` unless they wait for the database: FastAPI runs a plain ``def`` dependency
in the thread pool, and a hop there and back costs more than these functions themselves.
"""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.errors import ScopeMissing, Unauthorized
from app.settings import PublicAccess, Settings
from proposals.clock import Clock
from proposals.models import Member
from proposals.security import PasswordHasher
from proposals.services.members import require_admin
from proposals.services.tokens import Credentials, resolve_token


async def get_session(request: Request) -> Session:
    session: Session = request.state.session
    return session


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.hasher
    return hasher


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


@dataclass(frozen=True)
class Access:
    """What a dependency asks of the request's token, for the OpenAPI document (:mod:`app.openapi`
    states each operation's security from the dependencies it really runs): a token at all, a
    scope, a login token (``POST /auth/token``), an admin member."""

    token: bool = True
    scope: str | None = None
    login_only: bool = False
    admin: bool = False


ACCESS: dict[Callable[..., Any], Access] = {}
F = TypeVar("F", bound=Callable[..., Any])


def demands(access: Access) -> Callable[[F], F]:
    """Record what the decorated dependency enforces (see :class:`Access`)."""

    def record(dependency: F) -> F:
        ACCESS[dependency] = access
        return dependency

    return record


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
HasherDep = Annotated[PasswordHasher, Depends(get_hasher)]
ClockDep = Annotated[Clock, Depends(get_clock)]


@demands(Access(token=False))
async def optional_credentials(
    request: Request, session: SessionDep, clock: ClockDep
) -> Credentials | None:
    """The bearer token's credentials, None without a token; 401 for a bad token (only a token
    costs a trip to the thread pool and the database)."""
    cached = getattr(request.state, "credentials", None)
    if cached is not None:
        assert isinstance(cached, Credentials)
        return cached
    secret = bearer_secret(request)
    if secret is None:
        return None
    credentials = await run_in_threadpool(resolve_token, session, secret, clock=clock)
    if credentials is None:
        raise Unauthorized(TOKEN_INVALID)
    request.state.credentials = credentials
    return credentials


TOKEN_INVALID = "the token is unknown, expired or revoked"


def bearer_secret(request: Request) -> str | None:
    """The token of the ``Authorization: Bearer <token>`` header, None without the header; 401
    for any other form."""
    authorization = request.headers.get("authorization")
    if authorization is None:
        return None
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    return secret.strip()


OptionalCredentials = Annotated[Credentials | None, Depends(optional_credentials)]


@demands(Access())
async def current_credentials(credentials: OptionalCredentials) -> Credentials:
    if credentials is None:
        raise Unauthorized("this needs a token: Authorization: Bearer <token>")
    return credentials


CurrentCredentials = Annotated[Credentials, Depends(current_credentials)]


def authorize(credentials: Credentials, scope: str, *, admin: bool = False) -> Member:
    """What a credential may do, checked in one place for the API's dependencies and the web
    client's forms alike (API.md: a token lacking the scope gets 403; admin endpoints need an
    admin member and the ``write`` scope). Answers the member acting."""
    if not credentials.has_scope(scope):
        raise ScopeMissing(f"the token lacks the '{scope}' scope")
    if admin:
        require_admin(credentials.member)
    return credentials.member


def require_scope(scope: str) -> Callable[[Credentials], Coroutine[Any, Any, Member]]:
    """A dependency answering the member, if the token carries ``scope`` (else 403)."""

    @demands(Access(scope=scope))
    async def dependency(credentials: CurrentCredentials) -> Member:
        return authorize(credentials, scope)

    dependency.__name__ = f"require_{scope}_scope"
    return dependency


def credentials_with(scope: str) -> Callable[[Credentials], Coroutine[Any, Any, Credentials]]:
    """A dependency answering the credentials, if the token carries ``scope`` (else 403)."""

    @demands(Access(scope=scope))
    async def dependency(credentials: CurrentCredentials) -> Credentials:
        authorize(credentials, scope)
        return credentials

    dependency.__name__ = f"{scope}_credentials"
    return dependency


@demands(Access(login_only=True))
async def login_token_only(credentials: CurrentCredentials) -> Credentials:
    """API.md: only a login token may manage tokens or change the password."""
    if not credentials.is_login:
        raise ScopeMissing("only a login token (POST /auth/token) may do this")
    return credentials


@demands(Access(scope="write", admin=True))
async def admin_member(credentials: CurrentCredentials) -> Member:
    """API.md: admin endpoints need an admin member and the ``write`` scope."""
    return authorize(credentials, "write", admin=True)


ReadMember = Annotated[Member, Depends(require_scope("read"))]
WriteMember = Annotated[Member, Depends(require_scope("write"))]
AdminMember = Annotated[Member, Depends(admin_member)]
LoginCredentials = Annotated[Credentials, Depends(login_token_only)]
WriteCredentials = Annotated[Credentials, Depends(credentials_with("write"))]


def shows_members(member: Member | None, access: PublicAccess) -> bool:
    """DESIGN.md §5: member references (names, ids, member pages) are visible from ``pseudonym``
    on, or to a logged-in member (a token or a web session). The one place of this rule: the
    API's :class:`Viewer` and the web client's pages both ask it."""
    return member is not None or access in (PublicAccess.PSEUDONYM, PublicAccess.FULL)


@dataclass(frozen=True)
class Viewer:
    """Who reads: a member (with any token) or an anonymous visitor at the public-access level."""

    member: Member | None
    access: PublicAccess

    @property
    def shows_members(self) -> bool:
        """DESIGN.md §5, by :func:`shows_members`."""
        return shows_members(self.member, self.access)

    @property
    def shows_member_details(self) -> bool:
        """DESIGN.md §5: ``created_at`` and ``active`` need ``full`` access or a token."""
        return self.member is not None or self.access == PublicAccess.FULL


def viewer_of(credentials: Credentials | None, settings: Settings) -> Viewer:
    """DESIGN.md §5: without a token, ``none`` reads nothing (401)."""
    if credentials is None and settings.public_access == PublicAccess.NONE:
        raise Unauthorized("this service is not public: log in to read it")
    return Viewer(credentials.member if credentials else None, settings.public_access)


async def public_viewer(credentials: OptionalCredentials, settings: SettingsDep) -> Viewer:
    """DESIGN.md §5, by :func:`viewer_of`."""
    return viewer_of(credentials, settings)


async def member_viewer(viewer: Annotated[Viewer, Depends(public_viewer)]) -> Viewer:
    """DESIGN.md §5: endpoints about members answer 401 below ``pseudonym`` without a token."""
    if not viewer.shows_members:
        raise Unauthorized("member data needs a token at this service's public-access level")
    return viewer


PublicViewer = Annotated[Viewer, Depends(public_viewer)]
MemberViewer = Annotated[Viewer, Depends(member_viewer)]
