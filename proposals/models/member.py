"""Members and their authentication tokens (DESIGN.md §1; API.md "Auth and members")."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from proposals.models.base import timestamp

NAME_MAX = 100
EMAIL_MAX = 254
STATEMENT_MAX = 20_000


class Member(SQLModel, table=True):
    """A person who may log in; ``active`` false means they count nowhere."""

    __tablename__ = "member"
    __table_args__ = (
        sa.CheckConstraint("length(name) > 0", name="name_not_empty"),
        # The few inactive members, for the anti-join of ``access.eligible_privileges``: read
        # from this index instead of a scan of every member (issue 13, migration 0019).
        sa.Index(
            "ix_member_inactive",
            "id",
            postgresql_where=sa.text("NOT active"),
            sqlite_where=sa.text("NOT active"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=sa.String(NAME_MAX), unique=True)
    password_hash: str = Field(sa_type=sa.String(255))
    email: str | None = Field(default=None, sa_type=sa.String(EMAIL_MAX))
    statement: str = Field(default="", sa_type=sa.Text)
    active: bool = True
    is_admin: bool = False
    created_at: datetime = Field(sa_column=timestamp())


class ApiToken(SQLModel, table=True):
    """A bearer token, stored only as a SHA-256 hash.

    ``kind`` is ``login`` (from ``POST /auth/token``: every scope, always expires), ``web`` (a
    session of the web client, made by logging in there: every scope, always expires, never
    accepted as a bearer token) or ``personal`` (named, with chosen scopes and an optional expiry).
    """

    __tablename__ = "api_token"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('login', 'personal', 'web')", name="kind_known"),
        sa.CheckConstraint("kind = 'personal' OR expires_at IS NOT NULL", name="login_expires"),
        sa.CheckConstraint(
            "scope_read OR scope_write OR scope_delegate OR scope_vote", name="some_scope"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(sa_type=sa.String(16))
    name: str | None = Field(default=None, sa_type=sa.String(NAME_MAX))
    token_hash: str = Field(sa_type=sa.String(64), unique=True)
    scope_read: bool
    scope_write: bool
    scope_delegate: bool
    scope_vote: bool
    created_at: datetime = Field(sa_column=timestamp())
    expires_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
