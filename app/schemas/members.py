"""Auth, tokens and members (API.md "Auth and members")."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, ConfigDict, Field, StrictBool

from app.deps import Viewer
from app.schemas.base import Schema, Strict
from proposals.models import ApiToken, Member
from proposals.models.member import EMAIL_MAX, NAME_MAX, STATEMENT_MAX
from proposals.security import PASSWORD_MAX_LENGTH
from proposals.services.tokens import token_scopes

Scope = Literal["read", "write", "delegate", "vote"]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
Password = Annotated[
    str, Field(max_length=PASSWORD_MAX_LENGTH, description="At least 10 characters")
]
Email = Annotated[str, Field(max_length=EMAIL_MAX)]


class TokenOut(Schema):
    """A login token (OAuth2 token answer)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "lp_4kX9c2V7yQ",
                    "token_type": "bearer",
                    "expires_at": "2026-12-05T09:30:00Z",
                }
            ]
        }
    )

    access_token: str
    """The token: send it as `Authorization: Bearer <token>`."""
    token_type: Literal["bearer"] = "bearer"
    """Always `bearer`."""
    expires_at: datetime
    """When it stops working (UTC)."""


class PersonalTokenCreate(Strict):
    """A new personal API token for an app."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Phone app",
                    "scopes": ["read", "vote"],
                    "expires_at": "2027-06-30T00:00:00Z",
                }
            ]
        }
    )

    name: Name
    """Which app it is for."""
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=4)]
    """What it may do."""
    expires_at: AwareDatetime | None = None
    """When it stops working (UTC, with a time zone); null: never."""


class PersonalTokenOut(Schema):
    """A personal API token (its secret only in the answer that created it)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "name": "Phone app",
                    "scopes": ["read", "vote"],
                    "created_at": "2026-12-04T09:30:00Z",
                    "expires_at": None,
                    "token": "lp_8Qm2rT5wZ",
                }
            ]
        }
    )

    id: int
    """The token's id."""
    name: str | None
    """Which app it is for."""
    scopes: list[Scope]
    """What it may do."""
    created_at: datetime
    """When it was created (UTC)."""
    expires_at: datetime | None
    """When it stops working; null: never."""
    token: str | None = Field(default=None, description="The secret; shown only when created")

    @classmethod
    def of(cls, token: ApiToken, secret: str | None = None) -> "PersonalTokenOut":
        return cls(
            id=token.id or 0,
            name=token.name,
            scopes=token_scopes(token),
            created_at=token.created_at,
            expires_at=token.expires_at,
            token=secret,
        )


class MemberCreate(Strict):
    """A new member (admin)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "alice", "password": "correct horse battery", "email": "alice@example.org"}
            ]
        }
    )

    name: Name
    """Unique name."""
    password: Password
    email: Email | None = None
    """E-mail address (optional)."""
    is_admin: StrictBool = False
    """Whether the member is an admin."""


class ProfileUpdate(Strict):
    """What I change of my profile; a field left out keeps its value."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"statement": "I read every draft on transport.", "email": "alice@example.org"}
            ]
        }
    )

    statement: Annotated[str, Field(max_length=STATEMENT_MAX)] | None = None
    """What I say about myself (Markdown)."""
    email: Email | None = None
    """My e-mail address (null removes it)."""
    password: Password | None = None
    """A new password (login token only; needs `current_password`)."""
    current_password: (
        Annotated[
            str,
            Field(
                max_length=PASSWORD_MAX_LENGTH,
                description="The current password; required with a new `password`",
            ),
        ]
        | None
    ) = None
    """The current password; required with a new `password` (403 when it is wrong)."""


class MemberFlagsUpdate(Strict):
    """What an admin changes of a member; a field left out keeps its value."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"active": False}]})

    active: StrictBool | None = None
    """false deactivates the member (ends their tokens and sessions)."""
    is_admin: StrictBool | None = None
    """Grant or remove admin."""
    password: Password | None = None
    """A new password (ends every session and token of the member)."""


class MemberOut(Schema):
    """A member as the viewer may see it: ``created_at``/``active`` need ``full`` access or a
    token; ``email`` is only ever shown to its owner and to admins."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "name": "alice",
                    "statement": "I read every draft on transport.",
                    "active": True,
                    "is_admin": False,
                    "created_at": "2026-12-04T09:30:00Z",
                }
            ]
        }
    )

    id: int
    """The member's id."""
    name: str
    """Unique name."""
    statement: str
    """What they say about themselves (Markdown)."""
    active: bool | None
    """Whether they may log in (null without a token below `full` access)."""
    is_admin: bool
    """Whether they are an admin."""
    created_at: datetime | None
    """When created (UTC; null without a token below `full` access)."""
    email: str | None = Field(default=None, description="Only for the member themself and admins")

    @classmethod
    def of(cls, member: Member, viewer: Viewer) -> "MemberOut":
        details = viewer.shows_member_details
        out = cls(
            id=member.id or 0,
            name=member.name,
            statement=member.statement,
            active=member.active if details else None,
            is_admin=member.is_admin,
            created_at=member.created_at if details else None,
        )
        me = viewer.member
        if me is not None and (me.id == member.id or me.is_admin):
            out.email = member.email
        return out
