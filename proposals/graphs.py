"""Reading the delegation graph from the database as plain rows, for ``delegation/``.

Set-based queries returning tuples (no ORM object per member), so a unit of a million members is
read in one pass (DESIGN.md §6).
"""

from sqlmodel import Session

from delegation import Delegation as Link
from delegation import Overrides, UnitGraph, build_overrides, build_unit_graph
from proposals.services.access import eligible_member_ids
from proposals.services.delegations import delegation_rows


def load_unit_graph(session: Session, unit_id: int) -> UnitGraph:
    """The unit's eligible members and unit delegations as a reusable graph."""
    eligible = eligible_member_ids(session, unit_id)
    rows = delegation_rows(session, unit_id=unit_id)
    return build_unit_graph(eligible, [Link(truster, trustee, "unit") for truster, trustee in rows])


def load_overrides(
    session: Session, graph: UnitGraph, *, area_id: int, issue_id: int | None
) -> Overrides:
    """The area's (and, for an issue, the issue's) delegations layered over the unit graph."""
    area_rows = [Link(t, e, "area") for t, e in delegation_rows(session, area_id=area_id)]
    issue_rows = (
        [Link(t, e, "issue") for t, e in delegation_rows(session, issue_id=issue_id)]
        if issue_id is not None
        else []
    )
    return build_overrides(graph, area_rows, issue_rows)


class UnitGraphs:
    """Unit graphs built once per lifecycle run and reused by every issue of the unit."""

    def __init__(self) -> None:
        self._graphs: dict[int, UnitGraph] = {}

    def get(self, session: Session, unit_id: int) -> UnitGraph:
        graph = self._graphs.get(unit_id)
        if graph is None:
            graph = self._graphs[unit_id] = load_unit_graph(session, unit_id)
        return graph
