"""Who may act in a unit: voting right and initiative right (DESIGN.md §1), and in which phase
(DESIGN.md §2).

Each rule is a ``*_refusal`` function answering the error a service would raise, or None when
the member may act: the services raise it (:func:`refuse`), and the web pages ask the same
function to show, instead of a form the member may not use, one line saying why.
"""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from proposals.errors import Conflict, DomainError, Forbidden
from proposals.models import Issue, Member, Privilege


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


def refuse(refusal: DomainError | None) -> None:
    """Raise the refusal of a ``*_refusal`` check, if any."""
    if refusal is not None:
        raise refusal


def voting_right_refusal(session: Session, unit_id: int, member: Member) -> Forbidden | None:
    """DESIGN.md §1: declaring interest, supporting, writing and rating suggestions, voting and
    delegating need voting right in the unit (403)."""
    if not is_eligible(session, unit_id, member):
        return Forbidden("you have no voting right in this unit")
    return None


def initiative_right_refusal(session: Session, unit_id: int, member: Member) -> Forbidden | None:
    """DESIGN.md §1: creating initiatives, posting drafts and accepting an invitation as
    initiator need initiative right in the unit (and an active member) (403)."""
    privilege = privilege_of(session, unit_id, member.id or 0)
    if not member.active or privilege is None or not privilege.initiative_right:
        return Forbidden("you have no initiative right in this unit")
    return None


def phase_refusal(issue: Issue, allowed: Iterable[str], action: str) -> Conflict | None:
    """DESIGN.md §2: what a phase allows; 409 unless the issue is in one of ``allowed``."""
    if issue.state not in tuple(allowed):
        return Conflict(f"{action} is not possible while the issue is {issue.state}")
    return None


def participation_refusal(
    session: Session, issue: Issue, member: Member, action: str, phases: Iterable[str]
) -> DomainError | None:
    """DESIGN.md §1-§2: taking part in an issue (interest, support, suggestions, opinions,
    ballots) needs voting right in its unit (403), then one of the ``phases`` (409)."""
    return voting_right_refusal(session, issue.unit_id, member) or phase_refusal(
        issue, phases, action
    )


def require_voting_right(session: Session, unit_id: int, member: Member) -> None:
    """Declare interest, support, write and rate suggestions, vote, delegate: voting right."""
    refuse(voting_right_refusal(session, unit_id, member))


def require_initiative_right(session: Session, unit_id: int, member: Member) -> None:
    """Create initiatives, post drafts, accept an invitation as initiator: initiative right."""
    refuse(initiative_right_refusal(session, unit_id, member))
