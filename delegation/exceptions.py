"""Exceptions raised by :mod:`delegation`.

Every exception derives from :class:`DelegationError`, so a caller can catch the whole package's
errors with one clause.  Errors about bad input also derive from :class:`ValueError`.
"""

__all__ = [
    "DelegationError",
    "InvalidBallotError",
    "InvalidDelegationError",
    "InvalidPolicyError",
    "InvalidStoredChainError",
]


class DelegationError(Exception):
    """Base class for every error raised by the :mod:`delegation` package."""


class InvalidDelegationError(DelegationError, ValueError):
    """A delegation row breaks a structural rule.

    Raised for a self-delegation, a null trustee at unit scope, a row passed with the wrong scope,
    or two rows of the same truster in one scope.
    """


class InvalidBallotError(DelegationError, ValueError):
    """A ballot has a weight below 1, a non-integer grade, or grades a non-admitted initiative."""


class InvalidPolicyError(DelegationError, ValueError):
    """A policy's parameters are inconsistent (e.g. ``no_reverse_beat_path`` with ``simple``)."""


class InvalidStoredChainError(DelegationError, ValueError):
    """Stored delegating voters do not form a chain ending at a direct voter."""
