"""Delegates of a unit: the members who may carry votes there and how many delegate to them
(the ``/members`` page; DESIGN.md §3)."""

from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from proposals.errors import InvalidInput
from proposals.models import Delegation, Member, Privilege, standing
from proposals.services.access import eligible_privileges

DelegateSort = Literal["name", "delegators"]
SORTS: tuple[DelegateSort, ...] = ("delegators", "name")

DelegateKey = tuple[int, str]
"""Where a page of delegates ends: (number of delegators, name); names are unique."""


@dataclass(frozen=True)
class DelegateRow:
    member: Member
    delegators: int


@dataclass(frozen=True)
class DelegatePage:
    items: list[DelegateRow]
    next_after: DelegateKey | None


def unit_delegators() -> sa.Subquery:
    """DESIGN.md §3, counted for choosing a delegate: per unit and trustee, the number of
    *eligible* members whose **unit-scope** delegation names that trustee (direct links only:
    neither area/issue delegations nor members further down a chain count; only eligible
    members' delegations count at all; a declined one counts as none). The one place this
    count is defined: columns ``unit_id``, ``trustee_id``, ``delegators``."""
    eligible = eligible_privileges().subquery()
    return (
        select(
            col(Delegation.unit_id).label("unit_id"),
            col(Delegation.trustee_id).label("trustee_id"),
            sa.func.count().label("delegators"),
        )
        .join(
            eligible,
            sa.and_(
                eligible.c.member_id == col(Delegation.truster_id),
                eligible.c.unit_id == col(Delegation.unit_id),
            ),
        )
        .where(Delegation.scope == "unit", standing())
        .group_by(col(Delegation.unit_id), col(Delegation.trustee_id))
        .subquery()
    )


def list_delegates(
    session: Session,
    *,
    unit_id: int,
    sort: str,
    after: DelegateKey | None,
    limit: int,
) -> DelegatePage:
    """The members holding voting right in the unit (the ones a member can delegate to there)
    with the number of delegators of :func:`unit_delegators`, in one query: by ``name``
    (ascending) or by ``delegators`` (most first, then by name); keyset-paginated after
    ``after`` (the key of the last row of the page before)."""
    if sort not in SORTS:
        raise InvalidInput("sort must be name or delegators")
    counts = unit_delegators()
    delegators = sa.func.coalesce(counts.c.delegators, 0)
    name = col(Member.name)
    statement = (
        select(Member, delegators)
        .join(
            Privilege,
            sa.and_(
                col(Privilege.member_id) == col(Member.id),
                col(Privilege.unit_id) == unit_id,
                col(Privilege.voting_right),
            ),
        )
        .outerjoin(
            counts,
            sa.and_(counts.c.trustee_id == col(Member.id), counts.c.unit_id == unit_id),
        )
    )
    if sort == "name":
        if after is not None:
            statement = statement.where(name > after[1])
        statement = statement.order_by(name)
    else:
        if after is not None:
            count, last = after
            statement = statement.where(
                sa.or_(delegators < count, sa.and_(delegators == count, name > last))
            )
        statement = statement.order_by(delegators.desc(), name)
    rows = [
        DelegateRow(member, int(number))
        for member, number in session.exec(statement.limit(limit + 1))
    ]
    if len(rows) > limit:
        rows = rows[:limit]
        return DelegatePage(rows, (rows[-1].delegators, rows[-1].member.name))
    return DelegatePage(rows, None)
