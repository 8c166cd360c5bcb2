"""Auth, tokens and members (API.md "Auth and members")."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool

from app.deps import Viewer
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


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class PersonalTokenCreate(Strict):
    name: Name
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=4)]
    expires_at: AwareDatetime | None = None


class PersonalTokenOut(BaseModel):
    id: int
    name: str | None
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None
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
    name: Name
    password: Password
    email: Email | None = None
    is_admin: StrictBool = False


class ProfileUpdate(Strict):
    statement: Annotated[str, Field(max_length=STATEMENT_MAX)] | None = None
    email: Email | None = None
    password: Password | None = None
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


class MemberFlagsUpdate(Strict):
    active: StrictBool | None = None
    is_admin: StrictBool | None = None
    password: Password | None = None


class MemberOut(BaseModel):
    """A member as the viewer may see it: ``created_at``/``active`` need ``full`` access or a
    token; ``email`` is only ever shown to its owner and to admins."""

    id: int
    name: str
    statement: str
    active: bool | None
    is_admin: bool
    created_at: datetime | None
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
