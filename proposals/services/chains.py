"""The "where does my vote go" chain of DESIGN.md §3 for a unit, an area or an issue.

The chain is walked hop by hop (:func:`delegation.walk_chain`, :func:`delegation.replay_walk`)
over indexed lookups of one member at a time -- eligibility by the privilege's primary key, the
member's delegations by the ``(truster_id, unit_id|area_id|issue_id)`` unique indexes, interest,
ballots and stored voters by their primary keys -- so a request reads the members on the chain,
never the whole unit.
"""

from collections.abc import Callable

from sqlmodel import Session, col, or_, select

from delegation import ChainRow, Scope, replay_walk, walk_chain
from proposals.models import Delegation, Interest
from proposals.services.access import eligible_in
from proposals.services.issues import BEFORE_FULL_FREEZE, get_issue
from proposals.services.members import get_member
from proposals.services.structure import get_area, get_unit
from proposals.services.voting import has_ballot, is_direct_voter, stored_link

FINISHED = ("finished_with_winner", "finished_without_winner")


def _delegations_in(
    session: Session, *, unit_id: int, area_id: int | None, issue_id: int | None
) -> Callable[[int], dict[Scope, int | None]]:
    """Member -> their delegation rows in the unit, the area and the issue of the context."""
    contexts = [col(Delegation.unit_id) == unit_id]
    if area_id is not None:
        contexts.append(col(Delegation.area_id) == area_id)
    if issue_id is not None:
        contexts.append(col(Delegation.issue_id) == issue_id)

    def delegations(member_id: int) -> dict[Scope, int | None]:
        rows = session.exec(
            select(Delegation.trustee_id, Delegation.scope).where(
                Delegation.truster_id == member_id, or_(*contexts)
            )
        )
        return {scope: trustee for trustee, scope in rows}  # type: ignore[misc]

    return delegations


def _walk(
    session: Session,
    member_id: int,
    *,
    unit_id: int,
    area_id: int | None = None,
    issue_id: int | None = None,
    participation: Callable[[int], bool | None] | None = None,
) -> list[ChainRow]:
    """The live chain over lookups in the context's unit, area and issue."""
    return walk_chain(
        member_id,
        eligible=lambda m: eligible_in(session, unit_id, m),
        delegations=_delegations_in(session, unit_id=unit_id, area_id=area_id, issue_id=issue_id),
        participation=participation,
    )


def chain(
    session: Session,
    *,
    member_id: int,
    viewer_id: int | None,
    unit_id: int | None = None,
    area_id: int | None = None,
    issue_id: int | None = None,
) -> list[ChainRow]:
    """DESIGN.md §3: participation is interest before full freeze; from full freeze on it is
    shown only to a member asking about their own chain, and other members' ballots never shape
    a live chain; a finished issue replays its stored result; a canceled one shows the current
    delegations with participation null; area and unit chains have participation null."""
    get_member(session, member_id)
    if issue_id is not None:
        issue = get_issue(session, issue_id)
        if issue.state in FINISHED:
            return replay_walk(
                member_id,
                voted=lambda m: is_direct_voter(session, issue_id, m),
                link=lambda m: stored_link(session, issue_id, m),  # type: ignore[arg-type,return-value]
            )
        where = {"unit_id": issue.unit_id, "area_id": issue.area_id, "issue_id": issue_id}

        def walk(participation: Callable[[int], bool | None] | None) -> list[ChainRow]:
            return _walk(session, member_id, **where, participation=participation)

        if issue.state in BEFORE_FULL_FREEZE:
            return walk(lambda m: session.get(Interest, (issue_id, m)) is not None)
        if issue.state == "voting":
            own = viewer_id == member_id
            voted = own and has_ballot(session, issue_id, member_id)
            return walk(lambda m: voted if own and m == member_id else None)
        return walk(None)
    if area_id is not None:
        area = get_area(session, area_id)
        return _walk(session, member_id, unit_id=area.unit_id, area_id=area_id)
    assert unit_id is not None
    return _walk(session, member_id, unit_id=get_unit(session, unit_id).id or 0)
