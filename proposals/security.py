"""Password hashing (argon2id) and bearer-token secrets."""

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError

from proposals.errors import InvalidInput

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 1024
TOKEN_BYTES = 32


def check_password_rules(password: str) -> None:
    """API.md: a password has at least 10 characters (members, profile, ``create-admin``, an
    admin's reset), and is not whitespace only (issue 9). It is kept exactly as given: never
    stripped, here or at login."""
    if not password.strip():
        raise InvalidInput("password must not be only whitespace")
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput(f"password must have at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput(f"password must have at most {PASSWORD_MAX_LENGTH} characters")


@dataclass(frozen=True)
class PasswordHasher:
    """argon2id with configurable cost (the test suite uses cheap parameters)."""

    time_cost: int = 3
    memory_cost: int = 65536
    parallelism: int = 4

    @property
    def _argon2(self) -> _Argon2:
        return _Argon2(
            time_cost=self.time_cost, memory_cost=self.memory_cost, parallelism=self.parallelism
        )

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def dummy_verify(self) -> None:
        """Spend the time a real check takes, so unknown names answer as slowly as wrong ones."""
        self.hash("not the password")


def new_token() -> str:
    """A fresh bearer token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What the database keeps of a token: its SHA-256 (tokens carry 256 bits of entropy)."""
    return hashlib.sha256(token.encode()).hexdigest()
