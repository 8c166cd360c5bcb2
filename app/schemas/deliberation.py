"""Issues, initiatives, drafts, participation, delegation, voting and the feed (API.md)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from app.deps import Viewer
from app.schemas.messages import at_most, max_length_schema
from app.schemas.numbers import Int, integer_only
from proposals.models import Delegation, Draft, Event, Initiative, Issue, Opinion, Suggestion
from proposals.models.deliberation import CONTENT_MAX, NAME_MAX, REASON_MAX
from proposals.services.records import RecordInfo

# Blank text reaches the services, whose one rule (proposals.services.text.clean_text) refuses it
# with the same words as the web forms; the schema only bounds the length, in the same words.
Name = Annotated[str, at_most("name", NAME_MAX), max_length_schema(NAME_MAX)]
Content = Annotated[str, at_most("content", CONTENT_MAX), max_length_schema(CONTENT_MAX)]
ReplacementContent = Annotated[
    str, at_most("replacement content", CONTENT_MAX), max_length_schema(CONTENT_MAX)
]
Reason = Annotated[str, at_most("reason", REASON_MAX), max_length_schema(REASON_MAX)]
IssueState = Literal[
    "admission",
    "discussion",
    "verification",
    "voting",
    "finished_with_winner",
    "finished_without_winner",
    "canceled_issue_not_accepted",
    "canceled_no_initiative_admitted",
    "canceled_revoked_before_accepted",
    "canceled_after_revocation_during_discussion",
    "canceled_after_revocation_during_verification",
    "canceled_by_admin",
]
ScopeName = Literal["unit", "area", "issue"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _member(viewer: Viewer, member_id: int | None) -> int | None:
    """DESIGN.md §5: member references are null for visitors at the ``anonymous`` level."""
    return member_id if viewer.shows_members else None


# Issues and initiatives --------------------------------------------------------------------------


class IssueOut(BaseModel):
    id: int
    area_id: int
    unit_id: int
    policy_id: int
    state: IssueState
    created_at: datetime
    accepted_at: datetime | None
    half_frozen_at: datetime | None
    fully_frozen_at: datetime | None
    closed_at: datetime | None
    phase_ends_at: datetime | None
    population: int | None
    voter_count: int | None
    status_quo_schulze_rank: int | None
    initiative_ids: list[int]
    record_digest: str | None = Field(
        default=None,
        description="SHA-256 (hex) of the issue's record (GET /issues/{id}/record); null for an"
        " issue without one (open, canceled, closed before records existed, not yet written)",
    )
    previous_record_digest: str | None = Field(
        default=None,
        description="The digest the record names as the one before it in the chain of records;"
        " null for the first record and for an issue without one",
    )

    @classmethod
    def of(
        cls,
        issue: Issue,
        initiative_ids: list[int],
        ends: datetime | None,
        record: RecordInfo | None = None,
    ) -> "IssueOut":
        return cls(
            id=issue.id or 0,
            area_id=issue.area_id,
            unit_id=issue.unit_id,
            policy_id=issue.policy_id,
            state=issue.state,
            created_at=issue.created_at,
            accepted_at=issue.accepted_at,
            half_frozen_at=issue.half_frozen_at,
            fully_frozen_at=issue.fully_frozen_at,
            closed_at=issue.closed_at,
            phase_ends_at=ends,
            population=issue.population,
            voter_count=issue.voter_count,
            status_quo_schulze_rank=issue.status_quo_schulze_rank,
            initiative_ids=initiative_ids,
            record_digest=None if record is None else record.digest,
            previous_record_digest=None if record is None else record.previous_digest,
        )


class InitiativeCreate(Strict):
    """A new issue (``area_id`` and ``policy_id``) or a competing initiative (``issue_id``)."""

    name: Name
    content: Content
    area_id: Int | None = None
    policy_id: Int | None = None
    issue_id: Int | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "InitiativeCreate":
        new_issue = self.area_id is not None and self.policy_id is not None
        if (self.issue_id is None) != new_issue or (
            self.issue_id is not None and (self.area_id is not None or self.policy_id is not None)
        ):
            raise ValueError("give either issue_id, or area_id and policy_id")
        return self


class InitiativeOut(BaseModel):
    id: int
    issue_id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None
    suggested_initiative_id: int | None
    current_draft_id: int
    supporter_count: int
    informed_supporter_count: int
    satisfied_supporter_count: int
    satisfied_informed_supporter_count: int
    admitted: bool | None
    first_preference_votes: int | None
    positive_votes: int | None
    negative_votes: int | None
    direct_majority: bool | None
    indirect_majority: bool | None
    schulze_rank: int | None
    better_than_status_quo: bool | None
    reverse_beat_path: bool | None
    multistage_majority: bool | None
    eligible: bool | None
    winner: bool | None
    rank: int | None

    @classmethod
    def of(cls, initiative: Initiative, current_draft_id: int) -> "InitiativeOut":
        return cls.model_validate({**initiative.model_dump(), "current_draft_id": current_draft_id})


class DraftCreate(Strict):
    content: Content


class DraftOut(BaseModel):
    id: int
    initiative_id: int
    author_id: int | None
    created_at: datetime
    content: str

    @classmethod
    def of(cls, draft: Draft, viewer: Viewer) -> "DraftOut":
        return cls(
            id=draft.id or 0,
            initiative_id=draft.initiative_id,
            author_id=_member(viewer, draft.author_id),
            created_at=draft.created_at,
            content=draft.content,
        )


class RevokeBody(Strict):
    suggested_initiative_id: Int | None = None


class InitiatorInvite(Strict):
    member_id: Int


class InvitationAnswer(Strict):
    accepted: StrictBool


class InitiatorOut(BaseModel):
    initiative_id: int
    member_id: int
    accepted: bool | None


# Participation -----------------------------------------------------------------------------------


class SupportBody(Strict):
    draft_id: Int | None = None


class SupportOut(BaseModel):
    initiative_id: int
    member_id: int
    draft_id: int
    informed: bool


Degree = Annotated[Literal[-2, -1, 1, 2], integer_only]


class SuggestionCreate(Strict):
    name: Name
    content: Content
    degree: Degree = 2
    replacement_content: ReplacementContent | None = None


class SuggestionOut(BaseModel):
    id: int
    initiative_id: int
    draft_id: int
    author_id: int | None
    name: str
    content: str
    replacement_content: str | None
    status: Literal["open", "accepted", "rejected"]
    status_reason: str | None
    created_at: datetime
    minus2_unfulfilled_count: int
    minus2_fulfilled_count: int
    minus1_unfulfilled_count: int
    minus1_fulfilled_count: int
    plus1_unfulfilled_count: int
    plus1_fulfilled_count: int
    plus2_unfulfilled_count: int
    plus2_fulfilled_count: int

    @classmethod
    def of(cls, suggestion: Suggestion, viewer: Viewer) -> "SuggestionOut":
        data = suggestion.model_dump()
        data["author_id"] = _member(viewer, suggestion.author_id)
        return cls.model_validate(data)


class OpinionSet(Strict):
    degree: Degree
    fulfilled: StrictBool


class OpinionOut(BaseModel):
    suggestion_id: int
    member_id: int
    degree: int
    fulfilled: bool

    @classmethod
    def of(cls, opinion: Opinion) -> "OpinionOut":
        return cls.model_validate(opinion.model_dump())


class RejectBody(Strict):
    reason: Reason


# Delegation --------------------------------------------------------------------------------------


class DelegationSet(Strict):
    unit_id: Int | None = None
    area_id: Int | None = None
    issue_id: Int | None = None
    trustee_id: Int | None

    @model_validator(mode="after")
    def _one_scope(self) -> "DelegationSet":
        if [self.unit_id, self.area_id, self.issue_id].count(None) != 2:
            raise ValueError("give exactly one of unit_id, area_id and issue_id")
        return self


class DelegationOut(BaseModel):
    id: int
    truster_id: int
    trustee_id: int | None
    scope: ScopeName
    unit_id: int | None
    area_id: int | None
    issue_id: int | None
    created_at: datetime
    declined: bool = Field(
        description="the trustee declined it: it counts as if it did not exist (issue 12)"
    )
    declined_at: datetime | None

    @classmethod
    def of(cls, delegation: Delegation) -> "DelegationOut":
        return cls.model_validate(
            {**delegation.model_dump(), "declined": delegation.declined_at is not None}
        )


class ChainLinkOut(BaseModel):
    index: int
    member_id: int
    member_valid: bool
    participation: bool | None
    overridden: bool | None
    scope_in: ScopeName | None
    scope_out: ScopeName | None
    disabled_out: bool | None
    loop: Literal["first", "intermediate", "last", "repetition"] | None
    declined: bool = Field(
        default=False,
        description="this member's delegation of a higher scope here was declined by its"
        " trustee, so it was passed over (issue 12)",
    )


class ChainOutcomeOut(BaseModel):
    kind: Literal[
        "direct",
        "delegated",
        "pending",
        "lost",
        "hidden",
        "blocked",
        "cycle",
        "dead_end",
        "scope_only",
    ]
    member_id: int | None
    text: str


class ChainOut(BaseModel):
    items: list[ChainLinkOut]
    outcome: ChainOutcomeOut


# Voting and results ------------------------------------------------------------------------------


class Grade(Strict):
    initiative_id: Int
    grade: Int


class BallotBody(Strict):
    votes: Annotated[list[Grade], Field(max_length=1000)]


class BallotOut(BaseModel):
    issue_id: int
    member_id: int
    votes: list[Grade]
    updated_at: datetime


class VoterOut(BaseModel):
    member_id: int
    weight: int


class DelegatingVoterOut(BaseModel):
    member_id: int
    weight: int
    scope: ScopeName
    delegate_member_ids: list[int]


class VoteOut(BaseModel):
    member_id: int | None = Field(
        description="The voter; null for an anonymous ballot (policy ballot_secrecy"
        " delegates_public: a direct voter of weight 1)"
    )
    initiative_id: int
    grade: int
    ballot_id: str | None = Field(
        None, description="The anonymous ballot this grade belongs to (member_id null)"
    )


class BattleOut(BaseModel):
    winning_initiative_id: int | None
    losing_initiative_id: int | None
    count: int


# Feed and operations -----------------------------------------------------------------------------


class EventOut(BaseModel):
    id: int
    type: str
    occurred_at: datetime
    member_id: int | None
    unit_id: int | None
    area_id: int | None
    issue_id: int | None
    initiative_id: int | None
    draft_id: int | None
    suggestion_id: int | None
    state: str | None
    record_digest: str | None = Field(
        default=None,
        description="On issue_recorded (the record of a close was written): the record's"
        " SHA-256 digest as it was published; null on every other event",
    )

    @classmethod
    def of(cls, event: Event, viewer: Viewer) -> "EventOut":
        data = event.model_dump()
        data["member_id"] = _member(viewer, event.member_id)
        return cls.model_validate(data)


class TransitionOut(BaseModel):
    issue_id: int
    from_: str = Field(alias="from", serialization_alias="from")
    to: str

    model_config = ConfigDict(populate_by_name=True)


class LifecycleRunOut(BaseModel):
    transitions: list[TransitionOut]
