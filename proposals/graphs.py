"""Reading the delegation graph from the database as plain rows, for ``delegation/``.

Set-based queries returning driver tuples (no ORM object or ``Row`` per member, see
:mod:`proposals.bulk`), so a unit of a million members is read in one pass (DESIGN.md §6).
"""

import sqlalchemy as sa
from sqlmodel import Session, select

from delegation import Delegation as Link
from delegation import Overrides, Scope, UnitGraph, build_overrides, build_unit_graph
from proposals.bulk import fetch_column, fetch_rows, gc_paused
from proposals.models import Delegation, Privilege, standing
from proposals.services.access import eligible_privileges

__all__ = ["UnitGraphs", "eligible_ids", "load_overrides", "load_unit_graph", "scope_links"]


def eligible_ids(session: Session, unit_id: int) -> frozenset[int]:
    """The members eligible in the unit (``access.eligible_privileges``), as plain ids."""
    eligible = eligible_privileges().where(Privilege.unit_id == unit_id).subquery()
    return frozenset(fetch_column(session, sa.select(eligible.c.member_id)))


def scope_links(session: Session, scope: Scope, scope_id: int) -> list[Link]:
    """The standing delegation rows of one unit, area or issue (declined ones left out,
    :func:`~proposals.models.standing`), as the engine's plain rows."""
    column = {"unit": Delegation.unit_id, "area": Delegation.area_id, "issue": Delegation.issue_id}
    statement = select(Delegation.truster_id, Delegation.trustee_id).where(
        column[scope] == scope_id, standing()
    )
    return [Link(truster, trustee, scope) for truster, trustee in fetch_rows(session, statement)]


def load_unit_graph(session: Session, unit_id: int) -> UnitGraph:
    """The unit's eligible members and unit delegations as a reusable graph."""
    with gc_paused():
        eligible = eligible_ids(session, unit_id)
        return build_unit_graph(eligible, scope_links(session, "unit", unit_id))


def load_overrides(
    session: Session,
    graph: UnitGraph,
    *,
    area_id: int,
    issue_id: int | None,
    graphs: "UnitGraphs | None" = None,
) -> Overrides:
    """The area's (and, for an issue, the issue's) delegations layered over the unit graph.
    With ``graphs`` (a lifecycle run's, see :class:`UnitGraphs`) the area's rows are read once
    per run (:meth:`UnitGraphs.area_links`); the issue's rows are always read."""
    with gc_paused():
        issue_rows = scope_links(session, "issue", issue_id) if issue_id is not None else []
        if graphs is None:
            area_rows = scope_links(session, "area", area_id)
        else:
            area_rows = graphs.area_links(session, area_id)
        return build_overrides(graph, area_rows, issue_rows)


class UnitGraphs:
    """Unit graphs and area delegation rows read once per lifecycle run and reused by every
    issue of the unit. It lives either in one unit's moment of ``run_lifecycle`` (PostgreSQL),
    where it is read in the moment's exported snapshot and used only by transactions that
    import that same snapshot, or inside the transaction that holds the unit's row lock, which
    every delegation write of the unit and its areas waits for
    (:mod:`proposals.services.locks`). Either way what it keeps is what every reader of it
    sees."""

    def __init__(self) -> None:
        self._graphs: dict[int, UnitGraph] = {}
        self._areas: dict[int, list[Link]] = {}

    def get(self, session: Session, unit_id: int) -> UnitGraph:
        graph = self._graphs.get(unit_id)
        if graph is None:
            graph = self._graphs[unit_id] = load_unit_graph(session, unit_id)
        return graph

    def area_links(self, session: Session, area_id: int) -> list[Link]:
        """The area's standing delegation rows (:func:`scope_links`), read on first use."""
        rows = self._areas.get(area_id)
        if rows is None:
            rows = self._areas[area_id] = scope_links(session, "area", area_id)
        return rows
