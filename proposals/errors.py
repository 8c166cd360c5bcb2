"""The domain's exception hierarchy. The web layer maps each class to one HTTP status."""


class DomainError(Exception):
    """Root of every error a service raises on purpose; ``str(exc)`` is the client's detail."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The named object does not exist (404)."""


class Forbidden(DomainError):
    """The actor may not do this: no privilege, not an initiator, not an admin (403)."""


class Conflict(DomainError):
    """Well-formed, but conflicts with the current state: wrong phase, duplicate (409)."""


class InvalidInput(DomainError):
    """A content rule of API.md is broken, e.g. a password under 10 characters (422)."""
