"""Issues, initiatives, drafts, participation, delegation, voting and the feed (API.md)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool, WithJsonSchema, model_validator

from app.deps import Viewer
from app.schemas.base import Schema, Strict
from app.schemas.messages import at_most, max_length_schema
from app.schemas.numbers import Int, integer_only
from proposals.models import (
    EVENT_TYPES,
    Delegation,
    Draft,
    Event,
    Initiative,
    Issue,
    Opinion,
    Suggestion,
)
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
# The feed's event types: a string checked against EVENT_TYPES where it is read (a query's unknown
# type is 422 with a string detail), shown as an enumeration in the OpenAPI document.
EventType = Annotated[str, WithJsonSchema({"type": "string", "enum": list(EVENT_TYPES)})]


def _member(viewer: Viewer, member_id: int | None) -> int | None:
    """DESIGN.md §5: member references are null for visitors at the ``anonymous`` level."""
    return member_id if viewer.shows_members else None


# Issues and initiatives --------------------------------------------------------------------------


class IssueOut(Schema):
    """An issue: competing initiatives decided together, with its phase times."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "area_id": 1,
                    "unit_id": 1,
                    "policy_id": 1,
                    "state": "discussion",
                    "created_at": "2026-11-20T10:00:00Z",
                    "accepted_at": "2026-11-22T10:00:00Z",
                    "half_frozen_at": None,
                    "fully_frozen_at": None,
                    "closed_at": None,
                    "phase_ends_at": "2026-11-29T10:00:00Z",
                    "population": 120,
                    "voter_count": None,
                    "status_quo_schulze_rank": None,
                    "initiative_ids": [4, 5],
                    "record_digest": None,
                    "previous_record_digest": None,
                }
            ]
        }
    )

    id: int
    """The issue's id."""
    area_id: int
    """Its area."""
    unit_id: int
    """Its area's unit."""
    policy_id: int
    """The policy it runs under."""
    state: IssueState
    """Its phase, or the final state it ended in."""
    created_at: datetime
    """When it was created (UTC)."""
    accepted_at: datetime | None
    """When it passed admission (UTC), else null."""
    half_frozen_at: datetime | None
    """When verification began (UTC), else null."""
    fully_frozen_at: datetime | None
    """When voting began (UTC), else null."""
    closed_at: datetime | None
    """When it ended (UTC), else null."""
    phase_ends_at: datetime | None
    """When the current phase can end (UTC); null once closed."""
    population: int | None
    """Eligible members at the latest snapshot (quorums are fractions of it)."""
    voter_count: int | None
    """Total weight of direct voters (null until closed)."""
    status_quo_schulze_rank: int | None
    """The status quo's Schulze rank (null until closed)."""
    initiative_ids: list[int]
    """Its initiatives, oldest first."""
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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "area_id": 1,
                    "policy_id": 1,
                    "name": "Night buses",
                    "content": "Buses run all night on weekends.",
                }
            ]
        }
    )

    name: Name
    """The title (not blank)."""
    content: Content
    """The first draft (Markdown)."""
    area_id: Int | None = None
    """New issue: the area."""
    policy_id: Int | None = None
    """New issue: the policy it runs under."""
    issue_id: Int | None = None
    """Competing initiative: the issue to join."""

    @model_validator(mode="after")
    def _one_target(self) -> "InitiativeCreate":
        new_issue = self.area_id is not None and self.policy_id is not None
        if (self.issue_id is None) != new_issue or (
            self.issue_id is not None and (self.area_id is not None or self.policy_id is not None)
        ):
            raise ValueError("give either issue_id, or area_id and policy_id")
        return self


class InitiativeOut(Schema):
    """An initiative: counts from the latest snapshot, results null until the issue is closed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 4,
                    "issue_id": 3,
                    "name": "Night buses",
                    "created_at": "2026-11-20T10:00:00Z",
                    "revoked_at": None,
                    "suggested_initiative_id": None,
                    "current_draft_id": 12,
                    "supporter_count": 31,
                    "informed_supporter_count": 25,
                    "satisfied_supporter_count": 28,
                    "satisfied_informed_supporter_count": 22,
                    "admitted": None,
                    "first_preference_votes": None,
                    "positive_votes": None,
                    "negative_votes": None,
                    "direct_majority": None,
                    "indirect_majority": None,
                    "schulze_rank": None,
                    "better_than_status_quo": None,
                    "reverse_beat_path": None,
                    "multistage_majority": None,
                    "eligible": None,
                    "winner": None,
                    "rank": None,
                }
            ]
        }
    )

    id: int
    """The initiative's id."""
    issue_id: int
    """The issue it competes in."""
    name: str
    """The title."""
    created_at: datetime
    """When it was created (UTC)."""
    revoked_at: datetime | None
    """When its initiators revoked it, else null."""
    suggested_initiative_id: int | None
    """On revocation: the initiative its initiators point to, if any."""
    current_draft_id: int
    """Its newest draft."""
    supporter_count: int
    """Supporters (latest snapshot)."""
    informed_supporter_count: int
    """Supporters of the current draft."""
    satisfied_supporter_count: int
    """Supporters without a critical opinion on its suggestions."""
    satisfied_informed_supporter_count: int
    """Satisfied supporters of the current draft."""
    admitted: bool | None
    """Whether it reached the initiative quorum and goes to the vote (null until decided)."""
    first_preference_votes: int | None
    """Weight of voters grading it highest (positively)."""
    positive_votes: int | None
    """Weight preferring it to the status quo."""
    negative_votes: int | None
    """Weight preferring the status quo to it."""
    direct_majority: bool | None
    """Whether it has the policy's direct majority."""
    indirect_majority: bool | None
    """Whether it has the policy's indirect majority."""
    schulze_rank: int | None
    """Its Schulze rank (1 = best; the status quo has one too)."""
    better_than_status_quo: bool | None
    """Whether it ranks better than the status quo."""
    reverse_beat_path: bool | None
    """Whether the status quo has a path to it of non-negative strength (null under `simple` defeat
    strength)."""
    multistage_majority: bool | None
    """Whether a better-ranked initiative beats it in a way the policy may forbid."""
    eligible: bool | None
    """Whether it may win: every majority condition of the policy met."""
    winner: bool | None
    """Whether it won."""
    rank: int | None
    """Its final rank (unique; rank 1 is not always the winner)."""

    @classmethod
    def of(cls, initiative: Initiative, current_draft_id: int) -> "InitiativeOut":
        return cls.model_validate({**initiative.model_dump(), "current_draft_id": current_draft_id})


class DraftCreate(Strict):
    """A new draft (text version) of an initiative."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"content": "Buses run all night, every night."}]}
    )

    content: Content
    """The full new text (Markdown)."""


class DraftOut(Schema):
    """A text version of an initiative; the newest is the current draft."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "initiative_id": 4,
                    "author_id": 7,
                    "created_at": "2026-12-04T09:30:00Z",
                    "content": "Buses run all night on weekends.",
                }
            ]
        }
    )

    id: int
    """The draft's id."""
    initiative_id: int
    """The initiative it belongs to."""
    author_id: int | None
    """Who wrote it (null where member references are hidden)."""
    created_at: datetime
    """When it was created (UTC)."""
    content: str
    """The text (Markdown)."""

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
    """Revoke an initiative, optionally pointing its supporters to another one."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"suggested_initiative_id": 5}]})

    suggested_initiative_id: Int | None = None
    """Another non-revoked initiative of the same issue its supporters may turn to."""


class InitiatorInvite(Strict):
    """Invite a member to become an initiator."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"member_id": 7}]})

    member_id: Int
    """The member invited."""


class InvitationAnswer(Strict):
    """Accept or decline my invitation to become an initiator."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"accepted": True}]})

    accepted: StrictBool
    """true to become an initiator, false to decline."""


class InitiatorOut(Schema):
    """An initiator of an initiative, or a member invited to become one."""

    initiative_id: int
    """The initiative's id."""
    member_id: int
    """The initiator."""
    accepted: bool | None
    """true: an initiator; false: declined; null: invited, no answer yet."""


# Participation -----------------------------------------------------------------------------------


class SupportBody(Strict):
    """Support an initiative, optionally naming the draft I read."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"draft_id": 12}]})

    draft_id: Int | None = None
    """The draft I read: must be the current one (else 409)."""


class SupportOut(Schema):
    """My support of an initiative."""

    initiative_id: int
    """The initiative's id."""
    member_id: int
    """The supporter (me)."""
    draft_id: int
    """The draft supported."""
    informed: bool
    """Whether that is the current draft."""


Degree = Annotated[Literal[-2, -1, 1, 2], integer_only]


class SuggestionCreate(Strict):
    """A new suggestion to improve an initiative."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Include Sundays", "content": "Sunday nights need buses too.", "degree": 1}
            ]
        }
    )

    name: Name
    """Its title (not blank)."""
    content: Content
    """What should change (Markdown)."""
    degree: Degree = 2
    """My opinion: -2 must not, -1 should not, 1 should, 2 must be done."""
    replacement_content: ReplacementContent | None = None
    """The initiative's whole text with the change made, if I offer one."""


class SuggestionOut(Schema):
    """A suggestion on an initiative and the weight of opinions on it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 6,
                    "initiative_id": 4,
                    "draft_id": 12,
                    "author_id": 8,
                    "name": "Include Sundays",
                    "content": "Sunday nights need buses too.",
                    "replacement_content": None,
                    "status": "open",
                    "status_reason": None,
                    "created_at": "2026-12-04T09:30:00Z",
                    "minus2_unfulfilled_count": 0,
                    "minus2_fulfilled_count": 0,
                    "minus1_unfulfilled_count": 1,
                    "minus1_fulfilled_count": 0,
                    "plus1_unfulfilled_count": 4,
                    "plus1_fulfilled_count": 0,
                    "plus2_unfulfilled_count": 2,
                    "plus2_fulfilled_count": 0,
                }
            ]
        }
    )

    id: int
    """The suggestion's id."""
    initiative_id: int
    """The initiative."""
    draft_id: int
    """The draft it was made on."""
    author_id: int | None
    """Who made it (null where member references are hidden)."""
    name: str
    """Its title."""
    content: str
    """What should change (Markdown)."""
    replacement_content: str | None
    """The proposed whole text, if any."""
    status: Literal["open", "accepted", "rejected"]
    """`open`, `accepted` or `rejected`."""
    status_reason: str | None
    """Why it was rejected, if it was."""
    created_at: datetime
    """When it was created (UTC)."""
    minus2_unfulfilled_count: int
    """Supporters' weight: must not, not fulfilled."""
    minus2_fulfilled_count: int
    """Supporters' weight: must not, fulfilled."""
    minus1_unfulfilled_count: int
    """Supporters' weight: should not, not fulfilled."""
    minus1_fulfilled_count: int
    """Supporters' weight: should not, fulfilled."""
    plus1_unfulfilled_count: int
    """Supporters' weight: should, not fulfilled."""
    plus1_fulfilled_count: int
    """Supporters' weight: should, fulfilled."""
    plus2_unfulfilled_count: int
    """Supporters' weight: must, not fulfilled."""
    plus2_fulfilled_count: int
    """Supporters' weight: must, fulfilled."""

    @classmethod
    def of(cls, suggestion: Suggestion, viewer: Viewer) -> "SuggestionOut":
        data = suggestion.model_dump()
        data["author_id"] = _member(viewer, suggestion.author_id)
        return cls.model_validate(data)


class OpinionSet(Strict):
    """My opinion on a suggestion: how much I want it, and whether it is fulfilled."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"degree": 2, "fulfilled": False}]})

    degree: Degree
    """-2 must not, -1 should not, 1 should, 2 must be done."""
    fulfilled: StrictBool
    """Whether I find it fulfilled by the current draft."""


class OpinionOut(Schema):
    """A member's opinion on a suggestion."""

    suggestion_id: int
    """The suggestion's id."""
    member_id: int
    """Whose opinion."""
    degree: int
    """-2 must not, -1 should not, 1 should, 2 must be done."""
    fulfilled: bool
    """Whether they find it fulfilled by the current draft."""

    @classmethod
    def of(cls, opinion: Opinion) -> "OpinionOut":
        return cls.model_validate(opinion.model_dump())


class RejectBody(Strict):
    """Why a suggestion is rejected."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Out of scope for this initiative"}]}
    )

    reason: Reason
    """Why (shown with the suggestion)."""


# Delegation --------------------------------------------------------------------------------------


class DelegationSet(Strict):
    """Create or replace my delegation for one scope: exactly one of `unit_id`, `area_id`,
    `issue_id`, and the trustee (null at area or issue scope blocks a delegation of a wider
    scope; null at unit scope is 422)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"area_id": 1, "trustee_id": 7}]})

    unit_id: Int | None = None
    """Delegate for every issue of this unit."""
    area_id: Int | None = None
    """Delegate for every issue of this area."""
    issue_id: Int | None = None
    """Delegate for this issue only."""
    trustee_id: Int | None
    """The member I delegate to; null blocks a wider delegation here."""

    @model_validator(mode="after")
    def _one_scope(self) -> "DelegationSet":
        if [self.unit_id, self.area_id, self.issue_id].count(None) != 2:
            raise ValueError("give exactly one of unit_id, area_id and issue_id")
        return self


class DelegationOut(Schema):
    """A delegation: the truster gives their vote to the trustee in one scope."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 9,
                    "truster_id": 7,
                    "trustee_id": 12,
                    "scope": "area",
                    "unit_id": None,
                    "area_id": 1,
                    "issue_id": None,
                    "created_at": "2026-12-04T09:30:00Z",
                    "declined": False,
                    "declined_at": None,
                }
            ]
        }
    )

    id: int
    """The delegation's id."""
    truster_id: int
    """Who delegates."""
    trustee_id: int | None
    """To whom; null blocks a delegation of a wider scope."""
    scope: ScopeName
    """`unit`, `area` or `issue`: only that scope's id is set."""
    unit_id: int | None
    """The unit (unit scope), else null."""
    area_id: int | None
    """The area (area scope), else null."""
    issue_id: int | None
    """The issue (issue scope), else null."""
    created_at: datetime
    """When it was created (UTC)."""
    declined: bool = Field(
        description="the trustee declined it: it counts as if it did not exist (issue 12)"
    )
    declined_at: datetime | None
    """When the trustee declined it (UTC), else null."""

    @classmethod
    def of(cls, delegation: Delegation) -> "DelegationOut":
        return cls.model_validate(
            {**delegation.model_dump(), "declined": delegation.declined_at is not None}
        )


class ChainLinkOut(Schema):
    """One member on a delegation chain (DESIGN.md §3)."""

    index: int
    """Position on the chain, 0 = the member asked about."""
    member_id: int
    """The member at this position."""
    member_valid: bool
    """Whether the member is eligible (voting right in the unit, active)."""
    participation: bool | None
    """Whether the member takes part directly (interest, or a ballot); null where it may not be
    shown, and for area and unit chains."""
    overridden: bool | None
    """Whether the rest of the chain is overridden by an earlier participant."""
    scope_in: ScopeName | None
    """Scope of the delegation that led here (null on the first row)."""
    scope_out: ScopeName | None
    """Scope of this member's outgoing delegation (null: none)."""
    disabled_out: bool | None
    """Whether the outgoing link is disabled (a null trustee blocks it)."""
    loop: Literal["first", "intermediate", "last", "repetition"] | None
    """Loop markers when a member recurs: `first`, `intermediate`, `last`, then one extra row
    `repetition`; null otherwise."""
    declined: bool = Field(
        default=False,
        description="this member's delegation of a higher scope here was declined by its"
        " trustee, so it was passed over (issue 12)",
    )


class ChainOutcomeOut(Schema):
    """Where the vote goes now, as the web page says it."""

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
    """`direct`, `delegated`, `pending`, `lost`, `hidden`, `blocked`, `cycle`, `dead_end` or
    `scope_only`."""
    member_id: int | None
    """The member the chain ends at, if any."""
    text: str
    """The outcome in one sentence."""


class ChainOut(Schema):
    """A member's delegation chain for an issue, area or unit, and where the vote goes."""

    items: list[ChainLinkOut]
    """The chain, from the member asked about on."""
    outcome: ChainOutcomeOut
    """Where the vote goes now."""


# Voting and results ------------------------------------------------------------------------------


class Grade(Strict):
    """A grade for one initiative: > 0 approve (higher is better), < 0 disapprove, 0 abstain."""

    initiative_id: Int
    """An initiative admitted in the issue."""
    grade: Int
    """> 0 approve (higher is better), < 0 disapprove (lower is worse), 0 abstain."""


class BallotBody(Strict):
    """My ballot: a grade per admitted initiative of the issue (one left out abstains)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"votes": [{"initiative_id": 4, "grade": 2}, {"initiative_id": 5, "grade": -1}]}
            ]
        }
    )

    votes: Annotated[list[Grade], Field(max_length=1000)]
    """A grade per initiative; an initiative left out abstains."""


class BallotOut(Schema):
    """My ballot in an issue as stored."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "issue_id": 3,
                    "member_id": 7,
                    "votes": [{"initiative_id": 4, "grade": 2}, {"initiative_id": 5, "grade": -1}],
                    "updated_at": "2026-12-04T09:30:00Z",
                }
            ]
        }
    )

    issue_id: int
    """The issue's id."""
    member_id: int
    """The voter (me)."""
    votes: list[Grade]
    """My grades."""
    updated_at: datetime
    """When it was last cast or replaced (UTC)."""


class VoterOut(Schema):
    """A direct voter of a closed issue."""

    member_id: int
    """The direct voter."""
    weight: int
    """1 + the members whose delegation reached them."""


class DelegatingVoterOut(Schema):
    """A member of a closed issue whose weight reached a direct voter."""

    member_id: int
    """The delegating member."""
    weight: int
    """Intermediate weight: 1 + everyone behind them."""
    scope: ScopeName
    """Scope of their delegation."""
    delegate_member_ids: list[int]
    """The chain from their trustee to the direct voter."""


class VoteOut(Schema):
    """One counted grade of a closed issue."""

    member_id: int | None
    """The direct voter; null for an anonymous ballot (policy ballot_secrecy
    delegates_public: a direct voter of weight 1)."""
    initiative_id: int
    """The initiative's id."""
    grade: int
    """> 0 approve, < 0 disapprove, 0 abstain."""
    ballot_id: str | None = None
    """The anonymous ballot this grade belongs to (member_id null); null for a public one."""


class BattleOut(Schema):
    """One ordered pair of candidates of a closed issue (null = the status quo)."""

    winning_initiative_id: int | None
    """The first candidate (null = the status quo)."""
    losing_initiative_id: int | None
    """The second candidate (null = the status quo)."""
    count: int
    """The weight of direct voters grading the first above the second."""


# Feed and operations -----------------------------------------------------------------------------


class EventOut(Schema):
    """One public event of the feed (never anything private)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 118,
                    "type": "issue_state_changed",
                    "occurred_at": "2026-12-04T09:30:00Z",
                    "member_id": None,
                    "unit_id": 1,
                    "area_id": 1,
                    "issue_id": 3,
                    "initiative_id": None,
                    "draft_id": None,
                    "suggestion_id": None,
                    "state": "discussion",
                    "record_digest": None,
                }
            ]
        }
    )

    id: int
    """The event's id, increasing: the feed's order."""
    type: EventType
    """What happened (one of the event types)."""
    occurred_at: datetime
    """When (UTC)."""
    member_id: int | None
    """Who did it, if anyone (null where member references are hidden)."""
    unit_id: int | None
    """The unit concerned, if any."""
    area_id: int | None
    """The area concerned, if any."""
    issue_id: int | None
    """The issue concerned, if any."""
    initiative_id: int | None
    """The initiative concerned, if any."""
    draft_id: int | None
    """The draft concerned, if any."""
    suggestion_id: int | None
    """The suggestion concerned, if any."""
    state: IssueState | None
    """On issue_state_changed: the issue's new state; else null."""
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


class TransitionOut(Schema):
    """One issue state transition performed."""

    issue_id: int
    """The issue's id."""
    from_: IssueState = Field(alias="from", serialization_alias="from")
    """The state before."""
    to: IssueState
    """The state after."""

    model_config = ConfigDict(populate_by_name=True)


class LifecycleRunOut(Schema):
    """What one lifecycle run did."""

    transitions: list[TransitionOut]
    """One entry per transition performed."""
