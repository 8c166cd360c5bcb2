"""The inputs of a due record as they were at the close: pre-images (issue 12, item 1).

The record of a close is written after it (:mod:`proposals.services.records`), and its inputs
that live tables can still change — the members eligible in the unit and the unit and area
delegation rows (issue rows of a closed issue never change) — may change in between. So while
an issue's record is due, every writer of such an input first calls :func:`keep_delegation` or
:func:`keep_eligibility`, after taking the unit's lock (:mod:`proposals.services.locks`), which
keeps the value as it is now for each due issue of the unit, once per key: the first pre-image
is the value at the close, since the record is due only from the close on. The record step reads
the live rows, overlays the issue's pre-images (:func:`overlay_ids`, :func:`overlay_links`) and
deletes them with the record written (:func:`forget`). Without a due record in the unit a writer
pays one indexed query.
"""

import heapq
from collections.abc import Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlmodel import Session, col

from delegation import Scope
from proposals.models import (
    Delegation,
    DelegationPreimage,
    EligibilityPreimage,
    Issue,
    IssueRecordDue,
    Privilege,
    standing,
)
from proposals.services.access import eligible_in
from proposals.services.upsert import upsert

__all__ = [
    "Kept",
    "forget",
    "keep_delegation",
    "keep_eligibility",
    "kept_delegations",
    "kept_eligibility",
    "overlay_ids",
    "overlay_links",
]

Kept = dict[int, tuple[bool, int | None]]  # truster -> (a row stood, its trustee)


def _due(session: Session, unit_ids: sa.ColumnElement[bool]) -> list[tuple[int, int, int]]:
    """The issues of the units with a due record: (issue id, unit id, area id)."""
    statement = (
        sa.select(col(IssueRecordDue.issue_id), col(Issue.unit_id), col(Issue.area_id))
        .join(Issue, col(Issue.id) == col(IssueRecordDue.issue_id))
        .where(unit_ids)
    )
    return [(i, u, a) for i, u, a in session.execute(statement)]


def keep_delegation(
    session: Session, *, truster_id: int, scope: str, scope_id: int, unit_id: int
) -> None:
    """Before the truster's delegation at a unit or area (of ``unit_id``) changes: keep its
    standing row as it is now (:func:`~proposals.models.standing`) for each due issue it is an
    input of, unless one is kept already. Issue delegations are not kept (a closed issue's
    never change)."""
    if scope not in ("unit", "area"):
        return
    for issue_id, _, area_id in _due(session, col(Issue.unit_id) == unit_id):
        if scope == "area" and area_id != scope_id:
            continue
        row = session.execute(
            sa.select(col(Delegation.trustee_id)).where(
                col(Delegation.truster_id) == truster_id,
                getattr(Delegation, f"{scope}_id") == scope_id,
                standing(),
            )
        ).first()
        values = {
            "issue_id": issue_id,
            "scope": scope,
            "truster_id": truster_id,
            "stood": row is not None,
            "trustee_id": None if row is None else row[0],
        }
        upsert(session, DelegationPreimage, values, keys=["issue_id", "scope", "truster_id"])


def keep_eligibility(session: Session, member_id: int, unit_ids: Sequence[int] | None) -> None:
    """Before the member's eligibility may change in ``unit_ids`` (a privilege), or in every
    unit they hold a privilege in (``None``: their activity): keep whether they are eligible
    now (:func:`~proposals.services.access.eligible_in`) for each due issue of those units,
    unless kept already."""
    if unit_ids is None:
        held = sa.select(col(Privilege.unit_id)).where(col(Privilege.member_id) == member_id)
        where = col(Issue.unit_id).in_(held)
    else:
        where = col(Issue.unit_id).in_(list(unit_ids))
    for issue_id, unit_id, _ in _due(session, where):
        values = {
            "issue_id": issue_id,
            "member_id": member_id,
            "eligible": eligible_in(session, unit_id, member_id),
        }
        upsert(session, EligibilityPreimage, values, keys=["issue_id", "member_id"])


def kept_eligibility(session: Session, issue_id: int) -> dict[int, bool]:
    statement = sa.select(col(EligibilityPreimage.member_id), col(EligibilityPreimage.eligible))
    rows = session.execute(statement.where(col(EligibilityPreimage.issue_id) == issue_id))
    return {member_id: eligible for member_id, eligible in rows}


def kept_delegations(session: Session, issue_id: int, scope: Scope) -> Kept:
    statement = sa.select(
        col(DelegationPreimage.truster_id),
        col(DelegationPreimage.stood),
        col(DelegationPreimage.trustee_id),
    ).where(col(DelegationPreimage.issue_id) == issue_id, col(DelegationPreimage.scope) == scope)
    return {truster: (stood, trustee) for truster, stood, trustee in session.execute(statement)}


def overlay_ids(live: Iterable[int], kept: dict[int, bool]) -> Iterator[int]:
    """The eligible members at the close: ``live`` (ascending) with the kept ones as kept."""
    now = (m for m in live if m not in kept)
    return heapq.merge(now, sorted(m for m, eligible in kept.items() if eligible))


def overlay_links(
    live: Iterable[tuple[int, int | None]], kept: Kept
) -> Iterator[tuple[int, int | None]]:
    """The standing (truster, trustee) rows at the close: ``live`` (by truster) with the kept
    trusters' rows as kept."""
    now = (row for row in live if row[0] not in kept)
    then = sorted((t, trustee) for t, (stood, trustee) in kept.items() if stood)
    return heapq.merge(now, then, key=lambda row: row[0])


def forget(session: Session, issue_id: int) -> None:
    """The record is written: its pre-images are no longer needed."""
    for model in (DelegationPreimage, EligibilityPreimage):
        session.execute(sa.delete(model).where(col(model.issue_id) == issue_id))
