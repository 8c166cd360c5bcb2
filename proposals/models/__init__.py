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
from proposals.models.email import (
    EMAIL_FREQUENCIES,
    MESSAGE_KINDS,
    EmailMessage,
    NotificationSettings,
)
from proposals.models.member import ApiToken, Member
from proposals.models.notification import (
    CAUSE_KINDS,
    NOTIFICATION_KINDS,
    AreaSubscription,
    Notification,
    NotificationCause,
)
from proposals.models.operations import (
    EVENT_TYPES,
    Event,
    IdempotencyRecord,
    InstanceSecret,
    LoginFailure,
)
from proposals.models.record import CHUNK_SIZE, IssueRecord, IssueRecordChunk, IssueRecordDue
from proposals.models.search import SEARCH_KINDS, SearchDocument
from proposals.models.structure import Area, Policy, Privilege, Unit
from proposals.models.voting import (
    AnonymousBallot,
    Ballot,
    BallotGrade,
    Battle,
    DelegatingVoter,
    Delegation,
    DirectVoter,
    Vote,
    standing,
)
from proposals.models.webhook import Webhook, WebhookDelivery

__all__ = [
    "CAUSE_KINDS",
    "CHUNK_SIZE",
    "EMAIL_FREQUENCIES",
    "EVENT_TYPES",
    "FINAL_STATES",
    "ISSUE_STATES",
    "MESSAGE_KINDS",
    "NAMING_CONVENTION",
    "NOTIFICATION_KINDS",
    "OPEN_STATES",
    "SEARCH_KINDS",
    "AnonymousBallot",
    "ApiToken",
    "Area",
    "AreaSubscription",
    "Ballot",
    "BallotGrade",
    "Battle",
    "DelegatingVoter",
    "Delegation",
    "DirectVoter",
    "Draft",
    "EmailMessage",
    "Event",
    "IdempotencyRecord",
    "Initiative",
    "Initiator",
    "InstanceSecret",
    "Interest",
    "Issue",
    "IssueRecord",
    "IssueRecordChunk",
    "IssueRecordDue",
    "LoginFailure",
    "Member",
    "Notification",
    "NotificationCause",
    "NotificationSettings",
    "Opinion",
    "Policy",
    "Privilege",
    "SearchDocument",
    "Suggestion",
    "Supporter",
    "UTCDateTime",
    "Unit",
    "Vote",
    "Webhook",
    "WebhookDelivery",
    "metadata",
    "standing",
]
