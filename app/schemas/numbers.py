"""Numbers in request bodies: a JSON boolean is never an id or a number (issue 9).

Pydantic's lax mode reads ``true`` as ``1`` (and ``1.0`` as ``1``), so ``{"trustee_id": true}``
once delegated to member 1. Every integer field of a request model uses :data:`Int` (strict:
only a JSON integer), and integer enums pass :func:`integer_only` first.
"""

from typing import Annotated, Any

from pydantic import BeforeValidator, Strict

Int = Annotated[int, Strict()]


def _integer_only(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Input should be a valid integer")
    return value


integer_only = BeforeValidator(_integer_only)
