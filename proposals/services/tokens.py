"""Login tokens, web sessions and personal API tokens: issued, resolved, listed, revoked."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from proposals.clock import Clock, utcnow
from proposals.errors import Conflict, InvalidInput, NotFound
from proposals.models import ApiToken, Member
from proposals.models.member import NAME_MAX
from proposals.security import new_token, token_digest
from proposals.services.paging import Page, paginate

SCOPES = ("read", "write", "delegate", "vote")
API_KINDS = ("login", "personal")
"""The kinds of token the API accepts as ``Authorization: Bearer``."""
WEB_KINDS = ("web",)
"""The kinds of token the web client accepts in its session cookie."""


@dataclass(frozen=True)
class IssuedToken:
    """A stored token and its secret, which exists only in this answer."""

    row: ApiToken
    secret: str


@dataclass(frozen=True)
class Credentials:
    """Who is asking, and with what kind of token."""

    member: Member
    token: ApiToken

    @property
    def is_login(self) -> bool:
        """A login session (API login token or web session), not a personal API token."""
        return self.token.kind in ("login", "web")

    def has_scope(self, scope: str) -> bool:
        return bool(getattr(self.token, f"scope_{scope}"))


def token_scopes(token: ApiToken) -> list[str]:
    return [s for s in SCOPES if getattr(token, f"scope_{s}")]


def _store(
    session: Session,
    *,
    member: Member,
    kind: str,
    name: str | None,
    scopes: Iterable[str],
    expires_at: datetime | None,
    now: datetime,
) -> IssuedToken:
    wanted = set(scopes)
    secret = new_token()
    assert member.id is not None
    row = ApiToken(
        member_id=member.id,
        kind=kind,
        name=name,
        token_hash=token_digest(secret),
        created_at=now,
        expires_at=expires_at,
        scope_read="read" in wanted,
        scope_write="write" in wanted,
        scope_delegate="delegate" in wanted,
        scope_vote="vote" in wanted,
    )
    session.add(row)
    session.flush()
    return IssuedToken(row, secret)


def issue_login_token(
    session: Session,
    member: Member,
    *,
    lifetime: int,
    clock: Clock = utcnow,
    kind: str = "login",
) -> IssuedToken:
    """API.md: a login token carries every scope and lives ``TOKEN_LIFETIME`` seconds (a web
    session, ``kind="web"``, is the same but for its kind)."""
    now = clock()
    return _store(
        session,
        member=member,
        kind=kind,
        name=None,
        scopes=SCOPES,
        expires_at=now + timedelta(seconds=lifetime),
        now=now,
    )


def issue_web_session(
    session: Session, member: Member, *, lifetime: int, clock: Clock = utcnow
) -> IssuedToken:
    """A web client session: like a login token (every scope, ``TOKEN_LIFETIME``) but its own kind,
    so that only a login on the web makes one and the API never takes it as a bearer token."""
    return issue_login_token(session, member, lifetime=lifetime, clock=clock, kind="web")


def create_personal_token(
    session: Session,
    member: Member,
    *,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None,
    clock: Clock = utcnow,
) -> IssuedToken:
    """A named token with chosen scopes, living until ``expires_at`` (if any)."""
    now = clock()
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(f"token name must have 1 to {NAME_MAX} characters")
    wanted = list(scopes)
    if not wanted:
        raise InvalidInput("a token needs at least one scope")
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("expires_at must lie in the future")
    return _store(
        session,
        member=member,
        kind="personal",
        name=name,
        scopes=wanted,
        expires_at=expires_at,
        now=now,
    )


def resolve_web_session(
    session: Session, secret: str, *, clock: Clock = utcnow
) -> Credentials | None:
    """The credentials of a web session cookie: only a session made by logging in on the web,
    never an API login token nor a personal token (whatever its scopes)."""
    return resolve_token(session, secret, clock=clock, kinds=WEB_KINDS)


def resolve_token(
    session: Session, secret: str, *, clock: Clock = utcnow, kinds: Iterable[str] = API_KINDS
) -> Credentials | None:
    """The credentials a token of one of ``kinds`` stands for (by default a bearer token of the
    API: never a web session), or None if unknown, of another kind, revoked, expired or the member
    is inactive (inactive members count nowhere, so they cannot act either)."""
    token = session.exec(
        select(ApiToken).where(ApiToken.token_hash == token_digest(secret))
    ).first()
    if token is None or token.kind not in tuple(kinds) or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= clock():
        return None
    member = session.get(Member, token.member_id)
    if member is None or not member.active:
        return None
    return Credentials(member, token)


def list_tokens(
    session: Session, member: Member, *, after: int | None, limit: int
) -> Page[ApiToken]:
    """The member's personal tokens that are not revoked (login tokens are sessions, not listed)."""
    statement = select(ApiToken).where(
        ApiToken.member_id == member.id,
        ApiToken.kind == "personal",
        ApiToken.revoked_at.is_(None),  # type: ignore[union-attr]
    )
    return paginate(session, statement, ApiToken.id, after=after, limit=limit)


def revoke_token(session: Session, token: ApiToken, *, clock: Clock = utcnow) -> None:
    """Revoke one token (logout revokes the token used; members revoke their personal ones)."""
    if token.revoked_at is not None:
        raise Conflict("the token is already revoked")
    token.revoked_at = clock()
    session.add(token)
    session.flush()


def revoke_personal_token(
    session: Session, member: Member, token_id: int, *, clock: Clock = utcnow
) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.member_id != member.id or token.kind != "personal":
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is not None:
        raise NotFound(f"token {token_id} not found")
    revoke_token(session, token, clock=clock)


def revoke_member_tokens(
    session: Session, member: Member, *, keep: ApiToken | None = None, clock: Clock = utcnow
) -> int:
    """End every live token of ``member`` — API login tokens, web sessions and personal tokens —
    but ``keep`` (the one making the request, if any). Answers how many were revoked."""
    statement = select(ApiToken).where(
        ApiToken.member_id == member.id,
        ApiToken.revoked_at.is_(None),  # type: ignore[union-attr]
    )
    if keep is not None:
        statement = statement.where(ApiToken.id != keep.id)
    now = clock()
    revoked = 0
    for token in session.exec(statement):
        token.revoked_at = now
        session.add(token)
        revoked += 1
    session.flush()
    return revoked
