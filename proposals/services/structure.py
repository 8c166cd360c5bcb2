"""Units, privileges, areas and policies: admin writes, public reads (DESIGN.md §1)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from proposals.clock import Clock, utcnow
from proposals.errors import InvalidInput, NotFound
from proposals.models import Area, Member, Policy, Privilege, Unit
from proposals.models.structure import NAME_MAX
from proposals.services.access import eligible_privileges
from proposals.services.locks import lock_unit
from proposals.services.members import get_member, members_named, require_admin
from proposals.services.paging import Page, paginate
from proposals.services.record_inputs import keep_eligibility
from proposals.services.text import clean_text


def _check_name(name: str) -> str:
    return clean_text(name, "name", max_length=NAME_MAX)


# Units -------------------------------------------------------------------------------------------


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found")
    return unit


def list_units(session: Session, *, after: int | None, limit: int) -> Page[Unit]:
    return paginate(session, select(Unit), Unit.id, after=after, limit=limit)


def eligible_counts(session: Session, unit_ids: Sequence[int]) -> dict[int, int]:
    """The number of members eligible in each unit (``access.eligible_privileges``)."""
    if not unit_ids:
        return {}
    eligible = eligible_privileges().where(col(Privilege.unit_id).in_(unit_ids)).subquery()
    rows = session.exec(select(eligible.c.unit_id, func.count()).group_by(eligible.c.unit_id)).all()
    counts = dict.fromkeys(unit_ids, 0)
    counts.update({unit_id: count for unit_id, count in rows})
    return counts


def create_unit(
    session: Session,
    *,
    actor: Member,
    name: str,
    description: str = "",
    parent_id: int | None = None,
    clock: Clock = utcnow,
) -> Unit:
    require_admin(actor)
    if parent_id is not None:
        get_unit(session, parent_id)
    unit = Unit(
        name=_check_name(name), description=description, parent_id=parent_id, created_at=clock()
    )
    session.add(unit)
    session.flush()
    return unit


# Privileges --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrivilegeView:
    """A privilege as answered; both rights false means the privilege was revoked."""

    unit_id: int
    member_id: int
    voting_right: bool
    initiative_right: bool


def set_privilege(
    session: Session,
    *,
    actor: Member,
    unit_id: int,
    member_id: int,
    voting_right: bool,
    initiative_right: bool,
) -> PrivilegeView:
    """DESIGN.md §1: granting both rights false revokes the privilege (the row is removed)."""
    require_admin(actor)
    lock_unit(session, unit_id, shared=True)
    get_unit(session, unit_id)
    get_member(session, member_id)
    keep_eligibility(session, member_id, [unit_id])
    privilege = session.get(Privilege, (unit_id, member_id))
    if not voting_right and not initiative_right:
        if privilege is not None:
            session.delete(privilege)
            session.flush()
    else:
        if privilege is None:
            privilege = Privilege(
                unit_id=unit_id,
                member_id=member_id,
                voting_right=voting_right,
                initiative_right=initiative_right,
            )
        else:
            privilege.voting_right = voting_right
            privilege.initiative_right = initiative_right
        session.add(privilege)
        session.flush()
    return PrivilegeView(unit_id, member_id, voting_right, initiative_right)


def grant_privileges(
    session: Session,
    *,
    actor: Member,
    unit_id: int,
    names: Sequence[str],
    voting_right: bool,
    initiative_right: bool,
) -> list[PrivilegeView]:
    """Grant the same rights to many members at once, named in a pasted list
    (``members.members_named``): all or nothing — an unknown name writes no privilege. Each one
    goes through ``set_privilege``, the rule of DESIGN.md §1."""
    require_admin(actor)
    if not voting_right and not initiative_right:
        raise InvalidInput("choose the voting right, the initiative right or both")
    get_unit(session, unit_id)
    return [
        set_privilege(
            session,
            actor=actor,
            unit_id=unit_id,
            member_id=member.id or 0,
            voting_right=voting_right,
            initiative_right=initiative_right,
        )
        for member in members_named(session, names)
    ]


def revoke_privilege(session: Session, *, actor: Member, unit_id: int, member_id: int) -> None:
    require_admin(actor)
    lock_unit(session, unit_id, shared=True)
    privilege = session.get(Privilege, (unit_id, member_id))
    if privilege is None:
        raise NotFound(f"member {member_id} holds no privilege in unit {unit_id}")
    keep_eligibility(session, member_id, [unit_id])
    session.delete(privilege)
    session.flush()


def list_privileges(
    session: Session, unit_id: int, *, after: int | None, limit: int
) -> Page[Privilege]:
    get_unit(session, unit_id)
    statement = select(Privilege).where(Privilege.unit_id == unit_id)
    return paginate(session, statement, Privilege.member_id, after=after, limit=limit)


# Areas -------------------------------------------------------------------------------------------


def get_area(session: Session, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"area {area_id} not found")
    return area


def list_areas(
    session: Session, *, unit_id: int | None, after: int | None, limit: int
) -> Page[Area]:
    statement = select(Area)
    if unit_id is not None:
        statement = statement.where(Area.unit_id == unit_id)
    return paginate(session, statement, Area.id, after=after, limit=limit)


def create_area(
    session: Session,
    *,
    actor: Member,
    unit_id: int,
    name: str,
    description: str = "",
    clock: Clock = utcnow,
) -> Area:
    require_admin(actor)
    get_unit(session, unit_id)
    area = Area(
        unit_id=unit_id, name=_check_name(name), description=description, created_at=clock()
    )
    session.add(area)
    session.flush()
    return area


# Policies ----------------------------------------------------------------------------------------


def get_policy(session: Session, policy_id: int) -> Policy:
    policy = session.get(Policy, policy_id)
    if policy is None:
        raise NotFound(f"policy {policy_id} not found")
    return policy


def list_policies(session: Session, *, after: int | None, limit: int) -> Page[Policy]:
    return paginate(session, select(Policy), Policy.id, after=after, limit=limit)


REQUIRED_POLICY_FIELDS = frozenset(
    {
        "min_admission_time",
        "max_admission_time",
        "discussion_time",
        "verification_time",
        "voting_time",
        "issue_quorum_num",
        "issue_quorum_den",
        "initiative_quorum_num",
        "initiative_quorum_den",
    }
)


def check_policy_rules(fields: Mapping[str, Any]) -> None:
    """DESIGN.md §1 and API.md: the content rules a policy must satisfy (422 when broken)."""
    if fields["min_admission_time"] > fields["max_admission_time"]:
        raise InvalidInput("min_admission_time must not exceed max_admission_time")
    for name in (
        "min_admission_time",
        "max_admission_time",
        "discussion_time",
        "verification_time",
        "voting_time",
    ):
        if fields[name] < 0:
            raise InvalidInput(f"{name} must not be negative")
    for prefix in ("issue_quorum", "initiative_quorum", "direct_majority", "indirect_majority"):
        if fields[f"{prefix}_num"] < 0:
            raise InvalidInput(f"{prefix}_num must not be negative")
        if fields[f"{prefix}_den"] < 1:
            raise InvalidInput(f"{prefix}_den must be at least 1")
    for kind in ("direct", "indirect"):
        for minimum in ("positive", "non_negative"):
            if fields[f"{kind}_majority_{minimum}"] < 0:
                raise InvalidInput(f"{kind}_majority_{minimum} must not be negative")
    if fields["no_reverse_beat_path"] and fields["defeat_strength"] == "simple":
        raise InvalidInput("no_reverse_beat_path needs defeat_strength 'tuple'")


def create_policy(
    session: Session, *, actor: Member, fields: Mapping[str, Any], clock: Clock = utcnow
) -> Policy:
    require_admin(actor)
    values = dict(fields)
    values["name"] = _check_name(str(values.get("name", "")))
    missing = sorted(REQUIRED_POLICY_FIELDS - values.keys())
    if missing:
        raise InvalidInput("missing policy fields: " + ", ".join(missing))
    policy = Policy(**values, created_at=clock())  # majorities and options take their defaults
    check_policy_rules(policy.model_dump())
    session.add(policy)
    session.flush()
    return policy


def set_policy_active(session: Session, *, actor: Member, policy_id: int, active: bool) -> Policy:
    """An inactive policy takes no new issues; running issues keep the times they copied."""
    require_admin(actor)
    policy = get_policy(session, policy_id)
    policy.active = active
    session.add(policy)
    session.flush()
    return policy
