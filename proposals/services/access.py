"""Who may act in a unit: voting right and initiative right (DESIGN.md §1)."""

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from proposals.errors import Forbidden
from proposals.models import Member, Privilege


def eligible_privileges() -> SelectOfScalar[Privilege]:
    """DESIGN.md §1: a member is eligible in a unit iff active and holding voting right there.

    The one place this rule lives: the privileges of eligible members, for callers to narrow to a
    unit or a member, count or list. Written as an anti-join against the few inactive members
    rather than a join with every member, so PostgreSQL hashes only the inactive ids.
    """
    inactive = sa.exists().where(col(Member.id) == col(Privilege.member_id), ~col(Member.active))
    return select(Privilege).where(col(Privilege.voting_right), ~inactive)


def privilege_of(session: Session, unit_id: int, member_id: int) -> Privilege | None:
    return session.get(Privilege, (unit_id, member_id))


def eligible_in(session: Session, unit_id: int, member_id: int) -> bool:
    """Whether one member is eligible in the unit (``eligible_privileges``), by primary key."""
    statement = eligible_privileges().where(
        Privilege.unit_id == unit_id, Privilege.member_id == member_id
    )
    return session.exec(statement).first() is not None


def is_eligible(session: Session, unit_id: int, member: Member) -> bool:
    return eligible_in(session, unit_id, member.id or 0)


def require_voting_right(session: Session, unit_id: int, member: Member) -> None:
    """Declare interest, support, write and rate suggestions, vote, delegate: voting right."""
    if not is_eligible(session, unit_id, member):
        raise Forbidden("you have no voting right in this unit")


def require_initiative_right(session: Session, unit_id: int, member: Member) -> None:
    """Create initiatives, post drafts, accept an invitation as initiator: initiative right."""
    privilege = privilege_of(session, unit_id, member.id or 0)
    if not member.active or privilege is None or not privilege.initiative_right:
        raise Forbidden("you have no initiative right in this unit")
