"""The weight a member would carry in an issue: what their ballot would count for.

Used by the agenda (``vote`` items) and, through the same function, by notifications
("37 members' votes go to you"). It reads only delegations and privileges -- never interest,
support or ballots -- so it reveals nothing about who takes part (DESIGN.md §3 keeps that
private while an issue is open).

The unit's delegation graph is not read whole: starting from the member, each step reads the
eligible trusters of the members found so far (by the ``trustee_id`` index), in the unit, the
areas and the issues asked about, whatever the scope and whether or not the row applies. That
set holds every member whose weight can reach the member; their rows are then resolved by
:func:`delegation.resolve` with the member as the only participant, so precedence, blocks,
eligibility and cycles are decided by the one resolver of the tally. The cost is proportional
to the members behind the member, once per unit for any number of its issues.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, or_

from delegation import Delegation as Link
from delegation import build_overrides, build_unit_graph, resolve
from proposals.bulk import fetch_column, fetch_rows
from proposals.models import Delegation, Issue, Privilege
from proposals.services.access import eligible_in, eligible_privileges

__all__ = ["weight_carried", "weights_carried"]

CHUNK = 2000
T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _in_context(unit_id: int, area_ids: Sequence[int], issue_ids: Sequence[int]) -> Any:
    """Delegation rows of the unit, of these areas and of these issues."""
    return or_(
        col(Delegation.unit_id) == unit_id,
        col(Delegation.area_id).in_(area_ids),
        col(Delegation.issue_id).in_(issue_ids),
    )


def _behind(
    session: Session,
    member_id: int,
    unit_id: int,
    area_ids: Sequence[int],
    issue_ids: Sequence[int],
) -> set[int]:
    """Eligible members with a row (any scope of the context) leading to the member, step by
    step -- a superset of everyone whose weight can reach the member."""
    eligible = eligible_privileges().where(Privilege.unit_id == unit_id).subquery()
    context = _in_context(unit_id, area_ids, issue_ids)
    seen = {member_id}
    frontier = [member_id]
    while frontier:
        found: set[int] = set()
        for chunk in _chunks(frontier):
            found.update(
                fetch_column(
                    session,
                    sa.select(col(Delegation.truster_id))
                    .where(
                        col(Delegation.trustee_id).in_(chunk),
                        context,
                        col(Delegation.truster_id).in_(sa.select(eligible.c.member_id)),
                    )
                    .distinct(),
                )
            )
        frontier = sorted(found - seen)
        seen.update(frontier)
    seen.discard(member_id)
    return seen


def weights_carried(session: Session, member_id: int, issues: Iterable[Issue]) -> dict[int, int]:
    """DESIGN.md §3, the weight a member would carry: for each issue, 1 + the number of members
    whose delegation for the issue (issue over area over unit, a null block respected, only
    members eligible in the unit, reaching the member through eligible members) leads to the
    member, *as if none of them took part directly* -- and the member's own delegation cut, as
    a ballot would cut it. 0 when the member is not eligible in the issue's unit.

    Never affected by anyone's interest, support or ballot. Answers issue id -> weight; one
    walk per unit serves all its issues.
    """
    by_unit: dict[int, list[Issue]] = defaultdict(list)
    for issue in issues:
        by_unit[issue.unit_id].append(issue)
    weights: dict[int, int] = {}
    for unit_id, unit_issues in by_unit.items():
        if not eligible_in(session, unit_id, member_id):
            weights.update((issue.id or 0, 0) for issue in unit_issues)
            continue
        area_ids = sorted({issue.area_id for issue in unit_issues})
        issue_ids = sorted(issue.id or 0 for issue in unit_issues)
        behind = sorted(_behind(session, member_id, unit_id, area_ids, issue_ids))
        rows: dict[str, list[tuple[int, int | None, int | None]]] = defaultdict(list)
        for chunk in _chunks(behind):
            statement = sa.select(
                col(Delegation.truster_id),
                col(Delegation.trustee_id),
                col(Delegation.scope),
                sa.func.coalesce(Delegation.area_id, Delegation.issue_id),
            ).where(
                col(Delegation.truster_id).in_(chunk), _in_context(unit_id, area_ids, issue_ids)
            )
            for truster, trustee, scope, scope_id in fetch_rows(session, statement):
                rows[scope].append((truster, trustee, scope_id))
        graph = build_unit_graph(
            frozenset(behind) | {member_id},
            [Link(truster, trustee, "unit") for truster, trustee, _ in rows["unit"]],
        )
        for issue in unit_issues:
            overrides = build_overrides(
                graph,
                [Link(t, e, "area") for t, e, area in rows["area"] if area == issue.area_id],
                [Link(t, e, "issue") for t, e, i in rows["issue"] if i == issue.id],
            )
            weights[issue.id or 0] = resolve(graph, {member_id}, overrides).weights[member_id]
    return weights


def weight_carried(session: Session, issue: Issue, member_id: int) -> int:
    """The weight ``member_id`` would carry in ``issue`` (:func:`weights_carried`)."""
    return weights_carried(session, member_id, [issue])[issue.id or 0]
