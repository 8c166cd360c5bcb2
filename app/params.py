"""The API's path parameters, each described once (an unknown id answers 404)."""

from typing import Annotated

from fastapi import Path

TokenId = Annotated[int, Path(description="The personal API token's id")]
MemberId = Annotated[int, Path(description="The member's id")]
UnitId = Annotated[int, Path(description="The unit's id")]
AreaId = Annotated[int, Path(description="The area's id")]
PolicyId = Annotated[int, Path(description="The policy's id")]
IssueId = Annotated[int, Path(description="The issue's id")]
InitiativeId = Annotated[int, Path(description="The initiative's id")]
DraftId = Annotated[int, Path(description="The draft's id")]
SuggestionId = Annotated[int, Path(description="The suggestion's id")]
DelegationId = Annotated[int, Path(description="The delegation's id")]
