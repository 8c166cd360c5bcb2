"""Logging in: the form of ``POST /auth/token``, also the web client's login form."""

from typing import Annotated

from pydantic import ConfigDict, Field

from app.schemas.base import Schema


class LoginForm(Schema):
    """A name and a password, exactly as typed (a password is never stripped)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"username": "alice", "password": "correct horse battery"}]}
    )

    username: Annotated[str, Field(max_length=1000)]
    """The member's name."""
    password: Annotated[str, Field(max_length=1000)]
    """The member's password."""
