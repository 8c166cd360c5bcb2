"""The one check of the free text a member sends: names, content, reasons (issue 9)."""

from proposals.errors import InvalidInput


def too_long(field: str, max_length: int) -> str:
    """The one wording of a text over its length limit (the services' and the API schemas')."""
    return f"{field} must have at most {max_length} characters"


def clean_text(
    value: str | None,
    field: str,
    *,
    max_length: int | None = None,
    required: bool = True,
    strip: bool = True,
) -> str:
    """The rule for every free text of API.md and DESIGN.md, used by the services (so the API)
    and by the web forms alike, so both refuse the same input with the same words: a required
    text that is empty or only whitespace is refused (``"<field> must not be empty"``), and one
    longer than ``max_length`` (``"<field> must have at most N characters"``).

    Names and titles are kept without surrounding whitespace (``strip=True``); Markdown content
    keeps its own (``strip=False``: leading blanks can mean a code block), but must not be blank.
    """
    text = value or ""
    stripped = text.strip()
    if required and not stripped:
        raise InvalidInput(f"{field} must not be empty")
    if strip:
        text = stripped
    if max_length is not None and len(text) > max_length:
        raise InvalidInput(too_long(field, max_length))
    return text
