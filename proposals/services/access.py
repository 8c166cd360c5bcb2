"""Who may act in a unit: voting right and initiative right (DESIGN.md §1)."""

from sqlmodel import Session

from proposals.errors import Forbidden
from proposals.models import Member, Privilege


def privilege_of(session: Session, unit_id: int, member_id: int) -> Privilege | None:
    return session.get(Privilege, (unit_id, member_id))


def is_eligible(session: Session, unit_id: int, member: Member) -> bool:
    """DESIGN.md §1: eligible in a unit iff active and holding voting right there."""
    privilege = privilege_of(session, unit_id, member.id or 0)
    return member.active and privilege is not None and privilege.voting_right


def require_voting_right(session: Session, unit_id: int, member: Member) -> None:
    """Declare interest, support, write and rate suggestions, vote, delegate: voting right."""
    if not is_eligible(session, unit_id, member):
        raise Forbidden("you have no voting right in this unit")


def require_initiative_right(session: Session, unit_id: int, member: Member) -> None:
    """Create initiatives, post drafts, accept an invitation as initiator: initiative right."""
    privilege = privilege_of(session, unit_id, member.id or 0)
    if not member.active or privilege is None or not privilege.initiative_right:
        raise Forbidden("you have no initiative right in this unit")
