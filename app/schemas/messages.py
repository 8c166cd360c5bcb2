"""The words of a schema refusal, shared by the API and the web forms (issue 10: one rule per
field, one message).

Free text fields are bounded by :func:`at_most`, whose refusal reads like the services' own
(``"name must have at most 200 characters"``); :func:`describe` turns a list of Pydantic errors
(the API's standard 422 body, or a web form's validation) into the sentence a page shows.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from proposals.services.text import too_long


def at_most(field: str, max_length: int) -> AfterValidator:
    """A string of at most ``max_length`` characters, refused in the services' words. Blank
    text passes: the services refuse it (``clean_text``), with the same words for the API and
    the web. Use with :func:`max_length_schema`, which documents the bound in OpenAPI."""

    def bounded(value: str) -> str:
        if len(value) > max_length:
            raise PydanticCustomError(
                "string_too_long", too_long(field, max_length), {"max_length": max_length}
            )
        return value

    return AfterValidator(bounded)


def max_length_schema(max_length: int) -> Any:
    """``maxLength`` in the field's OpenAPI schema (the check itself is :func:`at_most`'s)."""
    return Field(json_schema_extra={"maxLength": max_length})


def _field(loc: Iterable[Any]) -> str | None:
    names = [part for part in loc if isinstance(part, str) and part not in ("body", "query")]
    return names[-1] if names else None


def describe(errors: Iterable[Mapping[str, Any]]) -> str:
    """One sentence for a list of Pydantic errors: each message, prefixed by its field unless
    the message already names it (``"degree: Input should be -2, -1, 1 or 2"``,
    ``"name must have at most 200 characters"``). The web client's pages say this for a schema
    refusal, of a form or of a request the API would answer with its standard 422 list."""
    parts = []
    for error in errors:
        message = str(error.get("msg", ""))
        field = _field(error.get("loc", ()))
        named = field is None or message.startswith((field, field.replace("_", " ")))
        parts.append(message if named else f"{field}: {message}")
    return "; ".join(parts)
