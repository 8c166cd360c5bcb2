"""Delegations: set, replace, revoke, list (DESIGN.md §3)."""

from dataclasses import dataclass
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlmodel import Session, col, or_, select

from delegation import Scope, applicable_delegation
from proposals.clock import Clock, utcnow
from proposals.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from proposals.models import OPEN_STATES, Delegation, Issue, Member, standing
from proposals.services.access import refuse, voting_right_refusal
from proposals.services.events import append_event
from proposals.services.issues import get_issue, lock_issue
from proposals.services.locks import lock_unit
from proposals.services.members import get_member
from proposals.services.notifications import delegation_changed, delegation_declined
from proposals.services.paging import Page, paginate
from proposals.services.record_inputs import keep_delegation
from proposals.services.structure import get_area, get_unit
from proposals.services.upsert import upsert


def get_delegation(session: Session, delegation_id: int) -> Delegation:
    delegation = session.get(Delegation, delegation_id)
    if delegation is None:
        raise NotFound(f"delegation {delegation_id} not found")
    return delegation


def list_delegations(
    session: Session,
    *,
    truster_id: int | None,
    trustee_id: int | None,
    scope: str | None,
    after: int | None,
    limit: int,
) -> Page[Delegation]:
    statement = select(Delegation)
    if truster_id is not None:
        statement = statement.where(Delegation.truster_id == truster_id)
    if trustee_id is not None:
        statement = statement.where(Delegation.trustee_id == trustee_id)
    if scope is not None:
        statement = statement.where(Delegation.scope == scope)
    return paginate(session, statement, Delegation.id, after=after, limit=limit)


@dataclass(frozen=True)
class DelegationHere:
    """A member's delegation at one scope, first hop only (the chain is :mod:`chains`' job).

    ``own`` is the member's row at exactly this scope (possibly declined by its trustee);
    ``applies`` the row that applies here (``None``: no delegation, the vote stays with the
    member; a row with a null trustee: a block; never a declined row); ``inherited`` the row that
    would apply without ``own`` (what removing it returns to).
    """

    scope: Scope
    own: Delegation | None
    applies: Delegation | None
    inherited: Delegation | None


def delegation_here(
    session: Session,
    member_id: int,
    *,
    unit_id: int | None = None,
    area_id: int | None = None,
    issue_id: int | None = None,
) -> DelegationHere:
    """DESIGN.md §3: which of the member's delegations applies at this unit, area or issue and
    where it comes from -- precedence by :func:`delegation.applicable_delegation` (issue over
    area over unit; a block at a higher scope hides the lower rows)."""
    named, scope_id = _scope_of(unit_id, area_id, issue_id)
    scope = cast(Scope, named)
    ids: dict[Scope, int]
    if scope == "issue":
        issue = get_issue(session, scope_id)
        ids = {"issue": scope_id, "area": issue.area_id, "unit": issue.unit_id}
    elif scope == "area":
        ids = {"area": scope_id, "unit": get_area(session, scope_id).unit_id}
    else:
        ids = {"unit": get_unit(session, scope_id).id or 0}
    where = [col(getattr(Delegation, f"{s}_id")) == value for s, value in ids.items()]
    read = session.exec(
        select(Delegation, standing()).where(Delegation.truster_id == member_id, or_(*where))
    ).all()
    rows: dict[Scope, Delegation] = {cast(Scope, row.scope): row for row, _ in read}
    counted = {cast(Scope, row.scope) for row, stands in read if stands}

    def applying(scopes: dict[Scope, Delegation]) -> Delegation | None:
        found = applicable_delegation(
            {s: row.trustee_id for s, row in scopes.items() if s in counted}
        )
        return scopes[found[1]] if found else None

    return DelegationHere(
        scope=scope,
        own=rows.get(scope),
        applies=applying(rows),
        inherited=applying({s: row for s, row in rows.items() if s != scope}),
    )


def _scope_of(unit_id: int | None, area_id: int | None, issue_id: int | None) -> tuple[str, int]:
    given = [(s, v) for s, v in (("unit", unit_id), ("area", area_id), ("issue", issue_id)) if v]
    if len(given) != 1 or [unit_id, area_id, issue_id].count(None) != 2:
        raise InvalidInput("give exactly one of unit_id, area_id and issue_id")
    return given[0]


def delegation_refusal(
    session: Session, unit_id: int, member: Member, issue: Issue | None = None
) -> DomainError | None:
    """DESIGN.md §3: delegating needs voting right in the unit (403); an issue's delegations
    change only while it is open (409)."""
    return voting_right_refusal(session, unit_id, member) or (
        closed_issue_refusal(issue) if issue is not None else None
    )


def closed_issue_refusal(issue: Issue) -> Conflict | None:
    """DESIGN.md §3: an issue's delegations are set and revoked only while it is open (409)."""
    if issue.state not in OPEN_STATES:
        return Conflict(f"the issue is {issue.state}: its delegations can no longer change")
    return None


def set_delegation(
    session: Session,
    *,
    actor: Member,
    trustee_id: int | None,
    unit_id: int | None = None,
    area_id: int | None = None,
    issue_id: int | None = None,
    clock: Clock = utcnow,
) -> Delegation:
    """DESIGN.md §3: at most one delegation per truster per unit/area/issue (this one replaces
    the old); no self-delegation; a null trustee only at area and issue scope; the trustee must
    exist but need not be eligible; the truster needs voting right in the unit; issue
    delegations only until the end of voting."""
    scope, scope_id = _scope_of(unit_id, area_id, issue_id)
    if trustee_id is None and scope == "unit":
        raise InvalidInput("a unit delegation needs a trustee")
    if trustee_id is not None and trustee_id == actor.id:
        raise InvalidInput("you cannot delegate to yourself")
    if trustee_id is not None:
        get_member(session, trustee_id)
    if scope == "unit":
        unit = get_unit(session, scope_id).id or 0
    elif scope == "area":
        unit = get_area(session, scope_id).unit_id
    else:
        unit = get_issue(session, scope_id).unit_id
    refuse(voting_right_refusal(session, unit, actor))
    lock_unit(session, unit, shared=True)
    if scope == "issue":
        refuse(delegation_refusal(session, unit, actor, lock_issue(session, scope_id, shared=True)))
    keep_delegation(session, truster_id=actor.id or 0, scope=scope, scope_id=scope_id, unit_id=unit)
    now = clock()
    key = f"{scope}_id"
    old = session.exec(
        select(Delegation.id, Delegation.trustee_id, Delegation.declined_at).where(
            Delegation.truster_id == actor.id, getattr(Delegation, key) == scope_id
        )
    ).first()
    old_trustee_id = None
    if old is not None and old[2] is not None:
        # A declined row gives way to a fresh one (new id, undeclined): docs/decisions.md.
        session.execute(sa.delete(Delegation).where(col(Delegation.id) == old[0]))
    elif old is not None:
        old_trustee_id = old[1]
    upsert(
        session,
        Delegation,
        {
            "truster_id": actor.id or 0,
            "scope": scope,
            key: scope_id,
            "trustee_id": trustee_id,
            "created_at": now,
        },
        keys=["truster_id", key],
        update={"trustee_id": trustee_id, "created_at": now},
    )
    delegation = session.exec(
        select(Delegation)
        .where(Delegation.truster_id == actor.id, getattr(Delegation, key) == scope_id)
        .execution_options(populate_existing=True)
    ).one()
    _changed(
        session,
        delegation,
        actor,
        now,
        old_trustee_id=old_trustee_id,
        new_trustee_id=delegation.trustee_id,
    )
    return delegation


def _changed(
    session: Session,
    delegation: Delegation,
    actor: Member,
    now: datetime,
    *,
    old_trustee_id: int | None,
    new_trustee_id: int | None,
) -> None:
    """Append the public event, and tell the old and new trustee (issue 11, privately)."""
    unit_id, area_id, issue_id, scope_text = _place(session, delegation)
    delegation_changed(
        session,
        actor=actor,
        old_trustee_id=old_trustee_id,
        new_trustee_id=new_trustee_id,
        scope_text=scope_text,
        now=now,
        unit_id=unit_id,
        area_id=area_id,
        issue_id=issue_id,
    )
    append_event(
        session,
        "delegation_changed",
        member_id=actor.id,
        unit_id=unit_id,
        area_id=area_id,
        issue_id=issue_id,
        clock=lambda: now,
    )


def _place(
    session: Session, delegation: Delegation
) -> tuple[int | None, int | None, int | None, str]:
    """The delegation's unit, area and issue ids, and its scope in words."""
    if delegation.scope == "issue":
        issue = get_issue(session, delegation.issue_id or 0)
        return issue.unit_id, issue.area_id, issue.id, f"in issue #{issue.id}"
    if delegation.scope == "area":
        area = get_area(session, delegation.area_id or 0)
        return area.unit_id, area.id, None, f"in the area {area.name}"
    unit = get_unit(session, delegation.unit_id or 0)
    return unit.id, None, None, f"in the unit {unit.name}"


def decline_delegation(
    session: Session, *, actor: Member, delegation_id: int, clock: Clock = utcnow
) -> Delegation:
    """Issue 12: only the trustee declines a delegation to them (403 for anyone else), once
    (409 when already declined), and an issue delegation only while the issue is open (409).
    The row stays, marked declined, and counts as if it did not exist
    (:func:`~proposals.models.standing`); the truster is told, the feed gets an event."""
    delegation = get_delegation(session, delegation_id)
    if delegation.trustee_id is None or delegation.trustee_id != actor.id:
        raise Forbidden("only the trustee may decline a delegation")
    unit = _unit_of(session, delegation)
    lock_unit(session, unit, shared=True)
    if delegation.scope == "issue":
        refuse(closed_issue_refusal(lock_issue(session, delegation.issue_id or 0, shared=True)))
    session.refresh(delegation)
    _keep(session, delegation, unit)
    if delegation.trustee_id != actor.id:
        raise Conflict("this delegation no longer goes to you")
    if delegation.declined_at is not None:
        raise Conflict("this delegation is already declined")
    now = clock()
    declined = session.execute(
        sa.update(Delegation)
        .where(col(Delegation.id) == delegation_id, col(Delegation.declined_at).is_(None))
        .values(declined_at=now)
    )
    if declined.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("this delegation is already declined")
    session.refresh(delegation)
    unit_id, area_id, issue_id, scope_text = _place(session, delegation)
    delegation_declined(
        session,
        actor=actor,
        truster_id=delegation.truster_id,
        scope_text=scope_text,
        now=now,
        unit_id=unit_id,
        area_id=area_id,
        issue_id=issue_id,
    )
    append_event(
        session,
        "delegation_declined",
        member_id=actor.id,
        unit_id=unit_id,
        area_id=area_id,
        issue_id=issue_id,
        clock=lambda: now,
    )
    return delegation


def revoke_delegation(
    session: Session, *, actor: Member, delegation_id: int, clock: Clock = utcnow
) -> None:
    """Only the truster revokes; an issue delegation of a closed issue stays as it was."""
    delegation = get_delegation(session, delegation_id)
    if delegation.truster_id != actor.id:
        raise Forbidden("only the truster may revoke a delegation")
    unit = _unit_of(session, delegation)
    lock_unit(session, unit, shared=True)
    if delegation.scope == "issue":
        refuse(closed_issue_refusal(lock_issue(session, delegation.issue_id or 0, shared=True)))
    _keep(session, delegation, unit)
    now = clock()
    old_trustee_id = delegation.trustee_id if delegation.declined_at is None else None
    session.delete(delegation)
    session.flush()
    _changed(session, delegation, actor, now, old_trustee_id=old_trustee_id, new_trustee_id=None)


def _keep(session: Session, delegation: Delegation, unit_id: int) -> None:
    """Keep the row as it stands for the records due in the unit (``record_inputs``)."""
    scope_id = getattr(delegation, f"{delegation.scope}_id") or 0
    keep_delegation(
        session,
        truster_id=delegation.truster_id,
        scope=delegation.scope,
        scope_id=scope_id,
        unit_id=unit_id,
    )


def _unit_of(session: Session, delegation: Delegation) -> int:
    if delegation.scope == "issue":
        return get_issue(session, delegation.issue_id or 0).unit_id
    if delegation.scope == "area":
        return get_area(session, delegation.area_id or 0).unit_id
    return delegation.unit_id or 0
