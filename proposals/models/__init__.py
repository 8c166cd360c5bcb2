"""All table models; importing this package registers every table on ``metadata``."""

from proposals.models.base import NAMING_CONVENTION, UTCDateTime, metadata
from proposals.models.deliberation import (
    FINAL_STATES,
    ISSUE_STATES,
    OPEN_STATES,
    Draft,
    Initiative,
    Initiator,
    Interest,
    Issue,
    Opinion,
    Suggestion,
    Supporter,
)
from proposals.models.member import ApiToken, Member
from proposals.models.operations import (
    EVENT_TYPES,
    Event,
    IdempotencyRecord,
    InstanceSecret,
    LoginFailure,
)
from proposals.models.search import SEARCH_KINDS, SearchDocument
from proposals.models.structure import Area, Policy, Privilege, Unit
from proposals.models.voting import (
    Ballot,
    BallotGrade,
    Battle,
    DelegatingVoter,
    Delegation,
    DirectVoter,
    Vote,
)

__all__ = [
    "EVENT_TYPES",
    "FINAL_STATES",
    "ISSUE_STATES",
    "NAMING_CONVENTION",
    "OPEN_STATES",
    "SEARCH_KINDS",
    "ApiToken",
    "Area",
    "Ballot",
    "BallotGrade",
    "Battle",
    "DelegatingVoter",
    "Delegation",
    "DirectVoter",
    "Draft",
    "Event",
    "IdempotencyRecord",
    "Initiative",
    "Initiator",
    "InstanceSecret",
    "Interest",
    "Issue",
    "LoginFailure",
    "Member",
    "Opinion",
    "Policy",
    "Privilege",
    "SearchDocument",
    "Suggestion",
    "Supporter",
    "UTCDateTime",
    "Unit",
    "Vote",
    "metadata",
]
