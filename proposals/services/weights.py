"""The weight a member would carry in an issue: what their ballot would count for.

Used by the agenda (``vote`` items) and, through the same function, by notifications
("37 members' votes go to you"). It reads only delegations and privileges -- never interest,
support or ballots -- so it reveals nothing about who takes part (DESIGN.md §3 keeps that
private while an issue is open).

The unit's delegation graph is not read whole: a recursive query walks backwards from the member
over the ``trustee_id`` index, following every row of the unit, the areas and the issues asked
about, whatever its scope and whether or not it applies. That set holds every member whose weight
can reach the member; their rows and eligibility are then resolved by :func:`delegation.resolve`
with the member as the only participant, so precedence, blocks, eligibility and cycles are
decided by the one resolver of the tally. The cost is proportional to the members behind the
member (plus the rows leading to them that do not apply), once per unit for any number of its
issues.

:func:`delegate_weights` answers the same question for every member of one issue at once (the
notification "37 members' votes go to you" asks it of every delegate when voting starts): it
reads the issue's delegation rows once and lets :func:`delegation.carried_weights` compute every
member's weight in one pass -- the same semantics, checked against :func:`weights_carried` by a
property test.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, or_

from delegation import Delegation as Link
from delegation import build_overrides, build_unit_graph, carried_weights, resolve
from proposals.bulk import fetch_column, fetch_rows, gc_paused
from proposals.models import Delegation, Issue, Privilege, standing
from proposals.services.access import eligible_in, eligible_privileges

__all__ = ["delegate_weights", "weight_carried", "weights_carried"]


def _in_context(
    table: sa.FromClause, unit_id: int, area_ids: Sequence[int], issue_ids: Sequence[int]
) -> Any:
    """Standing delegation rows (:func:`~proposals.models.standing`) of the unit, of these
    areas and of these issues."""
    return sa.and_(
        or_(
            table.c.unit_id == unit_id,
            table.c.area_id.in_(area_ids),
            table.c.issue_id.in_(issue_ids),
        ),
        standing(table),
    )


def _rows_behind(
    session: Session,
    member_id: int,
    unit_id: int,
    area_ids: Sequence[int],
    issue_ids: Sequence[int],
) -> tuple[frozenset[int], list[tuple[int, int | None, str, int | None]]]:
    """The eligible members with a row (any scope of the context, applying or not) leading to the
    member, transitively -- a superset of everyone whose weight can reach the member -- and their
    rows of the context: one recursive query walks, one reads the rows, one the eligibility."""
    table: sa.Table = Delegation.__table__  # type: ignore[attr-defined]
    step = table.alias("step")
    behind = sa.select(sa.cast(sa.literal(member_id), sa.Integer).label("member_id")).cte(
        "behind", recursive=True
    )
    behind = behind.union(
        sa.select(step.c.truster_id)
        .join(behind, step.c.trustee_id == behind.c.member_id)
        .where(_in_context(step, unit_id, area_ids, issue_ids))
    )
    row = table.alias("row")
    rows = fetch_rows(
        session,
        sa.select(
            row.c.truster_id,
            row.c.trustee_id,
            row.c.scope,
            sa.func.coalesce(row.c.area_id, row.c.issue_id),
        )
        .join(behind, row.c.truster_id == behind.c.member_id)
        .where(_in_context(row, unit_id, area_ids, issue_ids)),
    )
    eligible = (
        eligible_privileges()
        .where(
            Privilege.unit_id == unit_id,
            col(Privilege.member_id).in_(sa.select(behind.c.member_id)),
        )
        .with_only_columns(col(Privilege.member_id))
    )
    members = fetch_column(session, eligible)
    return frozenset(members), rows


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
        eligible, found = _rows_behind(session, member_id, unit_id, area_ids, issue_ids)
        rows: dict[str, list[tuple[int, int | None, int | None]]] = defaultdict(list)
        for truster, trustee, scope, scope_id in found:
            rows[scope].append((truster, trustee, scope_id))
        graph = build_unit_graph(
            eligible,
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


def delegate_weights(session: Session, issue: Issue) -> dict[int, int]:
    """For one issue, every member who would carry somebody else's weight -> that weight (>= 2):
    what :func:`weights_carried` answers member by member, for all of them at once. Every other
    eligible member would carry 1. Reads the unit's, the area's and the issue's delegation rows
    and the eligibility of the members they name (not the whole unit), then one pass of
    :func:`delegation.carried_weights`."""
    table: sa.Table = Delegation.__table__  # type: ignore[attr-defined]
    context = _in_context(table, issue.unit_id, [issue.area_id], [issue.id or 0])
    with gc_paused():
        found = fetch_rows(
            session,
            sa.select(table.c.truster_id, table.c.trustee_id, table.c.scope).where(context),
        )
        named = sa.union(
            sa.select(table.c.truster_id).where(context),
            sa.select(table.c.trustee_id).where(context, table.c.trustee_id.is_not(None)),
        )
        eligible = fetch_column(
            session,
            eligible_privileges()
            .where(Privilege.unit_id == issue.unit_id, col(Privilege.member_id).in_(named))
            .with_only_columns(col(Privilege.member_id)),
        )
        return carried_weights(frozenset(eligible), found)  # plain (truster, trustee, scope)
