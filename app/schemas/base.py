"""The base of every schema the API reads or answers: a field's docstring (the string literal
under it) is its description in the OpenAPI document."""

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """A JSON object of the API (subclasses describe themselves in their docstrings)."""

    model_config = ConfigDict(use_attribute_docstrings=True)


class Strict(Schema):
    """A request body: an unknown field is refused (422)."""

    model_config = ConfigDict(extra="forbid")
