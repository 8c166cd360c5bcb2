"""Units, privileges, areas and policies (API.md "Structure")."""

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool

from app.schemas.base import Schema, Strict
from app.schemas.numbers import Int
from proposals.models import Area, Policy, Privilege
from proposals.models.structure import DESCRIPTION_MAX, NAME_MAX
from proposals.services.structure import PrivilegeView

Name = Annotated[str, Field(max_length=NAME_MAX)]  # blank: refused by the services
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX)]
Seconds = Annotated[Int, Field(ge=0, le=10 * 365 * 86400)]
Numerator = Annotated[Int, Field(le=1_000_000_000)]
Denominator = Annotated[Int, Field(le=1_000_000_000)]
Minimum = Annotated[Int, Field(le=1_000_000_000)]


class UnitCreate(Strict):
    """A new unit (admin)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Green Party", "description": "The whole party"}]}
    )

    name: Name
    """Its name (not blank)."""
    description: Description = ""
    """What it is."""
    parent_id: Int | None = None
    """The unit it belongs to, if any."""


class UnitOut(Schema):
    """An organisational unit: members hold voting and initiative rights in it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "name": "Green Party",
                    "description": "The whole party",
                    "parent_id": None,
                    "member_count": 120,
                }
            ]
        }
    )

    id: int
    """The unit's id."""
    name: str
    """Its name."""
    description: str
    """What it is."""
    parent_id: int | None
    """The unit it belongs to, if any."""
    member_count: int = Field(description="Members eligible in the unit (active, voting right)")


class PrivilegeSet(Strict):
    """Set a member's rights in a unit (admin)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"voting_right": True, "initiative_right": True}]}
    )

    voting_right: StrictBool
    """May vote and delegate in the unit."""
    initiative_right: StrictBool
    """May start and join initiatives in the unit."""


class PrivilegeOut(Schema):
    """A member's rights in a unit."""

    unit_id: int
    """The unit's id."""
    member_id: int | None
    """The member."""
    voting_right: bool
    """May vote and delegate in the unit."""
    initiative_right: bool
    """May start and join initiatives in the unit."""

    @classmethod
    def of(cls, privilege: Privilege | PrivilegeView) -> "PrivilegeOut":
        return cls(
            unit_id=privilege.unit_id,
            member_id=privilege.member_id,
            voting_right=privilege.voting_right,
            initiative_right=privilege.initiative_right,
        )


class AreaCreate(Strict):
    """A new area of a unit (admin)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"unit_id": 1, "name": "Transport", "description": "Buses, trains, bikes"}]
        }
    )

    unit_id: Int
    """The unit it belongs to."""
    name: Name
    """Its name (not blank)."""
    description: Description = ""
    """What it is about."""


class AreaOut(Schema):
    """A subject area of a unit: issues belong to one, delegations may be per area."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": 1, "unit_id": 1, "name": "Transport", "description": "Buses, trains, bikes"}
            ]
        }
    )

    id: int
    """The area's id."""
    unit_id: int
    """The unit it belongs to."""
    name: str
    """Its name."""
    description: str
    """What it is about."""

    @classmethod
    def of(cls, area: Area) -> "AreaOut":
        return cls(
            id=area.id or 0, unit_id=area.unit_id, name=area.name, description=area.description
        )


class PolicyFields(Schema):
    """Every policy field of DESIGN.md §1 (quorum and majority numerators ≥ 0, denominators ≥ 1:
    broken content rules answer 422 with a string ``detail``)."""

    name: Name
    """Its name (not blank)."""
    description: Description = ""
    """What it is for."""
    min_admission_time: Seconds
    """Seconds an issue stays in admission at least."""
    max_admission_time: Seconds
    """Seconds an issue may stay in admission before it is canceled."""
    discussion_time: Seconds
    """Seconds of discussion."""
    verification_time: Seconds
    """Seconds of verification (drafts frozen)."""
    voting_time: Seconds
    """Seconds of voting."""
    issue_quorum_num: Numerator
    """Issue quorum numerator: an initiative needs this fraction of the population as supporters for
    its issue to pass admission."""
    issue_quorum_den: Denominator
    """Issue quorum denominator (≥ 1)."""
    initiative_quorum_num: Numerator
    """Initiative quorum numerator: satisfied supporters an initiative needs to be admitted to the
    vote, as a fraction of the population."""
    initiative_quorum_den: Denominator
    """Initiative quorum denominator (≥ 1)."""
    direct_majority_num: Numerator = 1
    """Direct majority numerator: the share of approvals among approvals and disapprovals an
    initiative needs."""
    direct_majority_den: Denominator = 2
    """Direct majority denominator (≥ 1)."""
    direct_majority_strict: StrictBool = True
    """true: more than the fraction; false: at least."""
    direct_majority_positive: Minimum = 0
    """Approval weight an initiative needs at least."""
    direct_majority_non_negative: Minimum = 0
    """Weight of voters not disapproving it needed at least."""
    indirect_majority_num: Numerator = 1
    """Indirect majority numerator (as the direct one, against the status quo or an initiative that
    has it)."""
    indirect_majority_den: Denominator = 2
    """Indirect majority denominator (≥ 1)."""
    indirect_majority_strict: StrictBool = True
    """true: more than the fraction; false: at least."""
    indirect_majority_positive: Minimum = 0
    """Weight preferring it needed at least."""
    indirect_majority_non_negative: Minimum = 0
    """Weight of voters not preferring the other needed at least."""
    no_reverse_beat_path: StrictBool = False
    """An initiative with a reverse beat path may not win (not with `simple` defeat strength: 422).
    """
    no_multistage_majority: StrictBool = False
    """An initiative with a multistage majority may not win."""
    defeat_strength: Literal["tuple", "simple"] = "tuple"
    """How a Schulze link's strength is computed: `tuple` or `simple`."""
    tie_breaking: Literal["variant1", "simple"] = "variant1"
    """How Schulze ties are broken: `variant1` or `simple`."""
    ballot_secrecy: Literal["public", "delegates_public"] = "public"
    """Issue 12: ``delegates_public`` keeps the ballots of direct voters of weight 1 without
    their member id at the close (delegates' ballots stay public)."""


class PolicyCreate(PolicyFields):
    """A new policy (admin): times and quorums required, the rest as DESIGN.md §1."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Standard",
                    "min_admission_time": 0,
                    "max_admission_time": 2592000,
                    "discussion_time": 604800,
                    "verification_time": 259200,
                    "voting_time": 604800,
                    "issue_quorum_num": 1,
                    "issue_quorum_den": 10,
                    "initiative_quorum_num": 1,
                    "initiative_quorum_den": 10,
                }
            ]
        },
    )


class PolicyUpdate(Strict):
    """Activate or deactivate a policy (admin)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"active": False}]})

    active: StrictBool
    """false: no new issue may use it."""


class PolicyOut(PolicyFields):
    """A policy: the rules an issue runs under."""

    id: int
    """The policy's id."""
    active: bool
    """Whether new issues may use it."""

    @classmethod
    def of(cls, policy: Policy) -> "PolicyOut":
        return cls.model_validate(policy.model_dump())
