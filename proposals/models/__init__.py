"""All table models; importing this package registers every table on ``metadata``."""

from proposals.models.base import NAMING_CONVENTION, UTCDateTime, metadata
from proposals.models.member import ApiToken, Member
from proposals.models.operations import EVENT_TYPES, Event, IdempotencyRecord
from proposals.models.structure import Area, Policy, Privilege, Unit

__all__ = [
    "EVENT_TYPES",
    "NAMING_CONVENTION",
    "ApiToken",
    "Area",
    "Event",
    "IdempotencyRecord",
    "Member",
    "Policy",
    "Privilege",
    "UTCDateTime",
    "Unit",
    "metadata",
]
