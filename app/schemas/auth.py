"""Logging in: the form of ``POST /auth/token``, also the web client's login form."""

from typing import Annotated

from pydantic import BaseModel, Field


class LoginForm(BaseModel):
    """A name and a password, exactly as typed (a password is never stripped)."""

    username: Annotated[str, Field(max_length=1000)]
    password: Annotated[str, Field(max_length=1000)]
