"""Units, privileges, areas and policies (API.md "Structure")."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

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


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitCreate(Strict):
    name: Name
    description: Description = ""
    parent_id: Int | None = None


class UnitOut(BaseModel):
    id: int
    name: str
    description: str
    parent_id: int | None
    member_count: int = Field(description="Members eligible in the unit (active, voting right)")


class PrivilegeSet(Strict):
    voting_right: StrictBool
    initiative_right: StrictBool


class PrivilegeOut(BaseModel):
    unit_id: int
    member_id: int | None
    voting_right: bool
    initiative_right: bool

    @classmethod
    def of(cls, privilege: Privilege | PrivilegeView) -> "PrivilegeOut":
        return cls(
            unit_id=privilege.unit_id,
            member_id=privilege.member_id,
            voting_right=privilege.voting_right,
            initiative_right=privilege.initiative_right,
        )


class AreaCreate(Strict):
    unit_id: Int
    name: Name
    description: Description = ""


class AreaOut(BaseModel):
    id: int
    unit_id: int
    name: str
    description: str

    @classmethod
    def of(cls, area: Area) -> "AreaOut":
        return cls(
            id=area.id or 0, unit_id=area.unit_id, name=area.name, description=area.description
        )


class PolicyFields(BaseModel):
    """Every policy field of DESIGN.md §1 (quorum and majority numerators ≥ 0, denominators ≥ 1:
    broken content rules answer 422 with a string ``detail``)."""

    name: Name
    description: Description = ""
    min_admission_time: Seconds
    max_admission_time: Seconds
    discussion_time: Seconds
    verification_time: Seconds
    voting_time: Seconds
    issue_quorum_num: Numerator
    issue_quorum_den: Denominator
    initiative_quorum_num: Numerator
    initiative_quorum_den: Denominator
    direct_majority_num: Numerator = 1
    direct_majority_den: Denominator = 2
    direct_majority_strict: StrictBool = True
    direct_majority_positive: Minimum = 0
    direct_majority_non_negative: Minimum = 0
    indirect_majority_num: Numerator = 1
    indirect_majority_den: Denominator = 2
    indirect_majority_strict: StrictBool = True
    indirect_majority_positive: Minimum = 0
    indirect_majority_non_negative: Minimum = 0
    no_reverse_beat_path: StrictBool = False
    no_multistage_majority: StrictBool = False
    defeat_strength: Literal["tuple", "simple"] = "tuple"
    tie_breaking: Literal["variant1", "simple"] = "variant1"
    ballot_secrecy: Literal["public", "delegates_public"] = "public"
    """Issue 12: ``delegates_public`` keeps the ballots of direct voters of weight 1 without
    their member id at the close (delegates' ballots stay public)."""


class PolicyCreate(PolicyFields):
    model_config = ConfigDict(extra="forbid")


class PolicyUpdate(Strict):
    active: StrictBool


class PolicyOut(PolicyFields):
    id: int
    active: bool

    @classmethod
    def of(cls, policy: Policy) -> "PolicyOut":
        return cls.model_validate(policy.model_dump())
