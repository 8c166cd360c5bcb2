"""Reading the delegation graph from the database as plain rows, for ``delegation/``.

Set-based queries returning driver tuples (no ORM object or ``Row`` per member, see
:mod:`proposals.bulk`), so a unit of a million members is read in one pass (DESIGN.md §6).
"""

import struct

import sqlalchemy as sa
from sqlmodel import Session, col, select

from delegation import (
    AreaOverrides,
    Overrides,
    Scope,
    UnitGraph,
    build_area_overrides_from_pairs,
    build_issue_overrides,
    build_unit_graph_from_columns,
    build_unit_graph_from_pairs,
)
from delegation import Delegation as Link
from proposals.bulk import fetch_column, fetch_rows, gc_paused
from proposals.models import Delegation, Privilege, standing
from proposals.services.access import eligible_privileges

__all__ = [
    "UnitGraphs",
    "area_links",
    "area_overrides",
    "eligible_ids",
    "issue_links",
    "load_overrides",
    "load_unit_graph",
    "scope_links",
]


def eligible_ids(session: Session, unit_id: int) -> frozenset[int]:
    """The members eligible in the unit (``access.eligible_privileges``), as plain ids.

    On PostgreSQL the ids come back as one ``array_agg`` array in one row: the driver then
    parses one value instead of building a row tuple per member (about 0.4 s less at a
    million members)."""
    eligible = eligible_privileges().where(Privilege.unit_id == unit_id).subquery()
    if session.connection().dialect.name == "postgresql":
        statement = sa.select(sa.func.array_agg(eligible.c.member_id))
        ((ids,),) = fetch_rows(session, statement, binary=True)
        return frozenset(ids or ())
    return frozenset(fetch_column(session, sa.select(eligible.c.member_id)))


def _scope_pairs(session: Session, scope: Scope, scope_id: int) -> list[tuple[int, int | None]]:
    """``(truster_id, trustee_id)`` of the standing delegation rows of one unit, area or issue."""
    column = {"unit": Delegation.unit_id, "area": Delegation.area_id, "issue": Delegation.issue_id}
    statement = select(Delegation.truster_id, Delegation.trustee_id).where(
        column[scope] == scope_id, standing()
    )
    return fetch_rows(session, statement, binary=True)


def scope_links(session: Session, scope: Scope, scope_id: int) -> list[Link]:
    """The standing delegation rows of one unit, area or issue (declined ones left out,
    :func:`~proposals.models.standing`), as the engine's plain rows."""
    return [
        Link(truster, trustee, scope) for truster, trustee in _scope_pairs(session, scope, scope_id)
    ]


def _unit_columns(session: Session, unit_id: int) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """PostgreSQL: the unit's standing unit delegation rows as two columns, ``(trusters,
    trustees)`` in the order of the rows, or ``None`` if a trustee is null.

    One row of two ``bytea`` values, each id as its 4 big-endian bytes (``int4send``) joined by
    ``string_agg`` in one pass over the rows, unpacked by one ``struct`` call per column: no
    tuple or driver call per row (300,000 rows: about half the client time of a binary fetch of
    the pairs). ``string_agg`` skips nulls, so the columns differ in length exactly when a
    trustee is null (never stored: ``ck_delegation_unit_has_trustee``); the caller then reads the
    pairs, so the error is the one :func:`~delegation.build_unit_graph_from_pairs` raises."""
    empty: sa.ColumnElement[bytes] = sa.literal_column("''::bytea")
    statement = sa.select(
        sa.func.string_agg(sa.func.int4send(Delegation.truster_id), empty),
        sa.func.string_agg(sa.func.int4send(Delegation.trustee_id), empty),
    ).where(col(Delegation.unit_id) == unit_id, standing())
    ((trusters, trustees),) = fetch_rows(session, statement, binary=True)
    if len(trusters or b"") != len(trustees or b""):
        return None
    return _int4s(trusters), _int4s(trustees)


def _int4s(data: bytes | None) -> tuple[int, ...]:
    """Ids packed as consecutive 4-byte big-endian signed integers (``int4send``)."""
    data = data or b""
    return struct.unpack(f">{len(data) // 4}i", data)


def load_unit_graph(session: Session, unit_id: int) -> UnitGraph:
    """The unit's eligible members and unit delegations as a reusable graph. The unit rows go
    to the engine as plain ids, never a :class:`~delegation.Delegation` per row: on PostgreSQL
    as two columns (:func:`_unit_columns`, :func:`~delegation.build_unit_graph_from_columns`),
    elsewhere as the driver's ``(truster_id, trustee_id)`` tuples
    (:func:`~delegation.build_unit_graph_from_pairs`)."""
    with gc_paused():
        eligible = eligible_ids(session, unit_id)
        if session.connection().dialect.name == "postgresql":
            columns = _unit_columns(session, unit_id)
            if columns is not None:
                return build_unit_graph_from_columns(eligible, *columns)
        return build_unit_graph_from_pairs(eligible, _scope_pairs(session, "unit", unit_id))


def area_overrides(session: Session, graph: UnitGraph, area_id: int) -> AreaOverrides:
    """The area's standing delegation rows indexed over the unit graph, once for its issues."""
    return build_area_overrides_from_pairs(graph, area_links(session, area_id))


def area_links(session: Session, area_id: int) -> list[tuple[int, int | None]]:
    """The area's standing delegation rows as ``(truster_id, trustee_id)`` driver tuples, read
    in binary format: no :class:`~delegation.Delegation` per row."""
    return _scope_pairs(session, "area", area_id)


def issue_links(session: Session, issue_id: int) -> list[tuple[int, int | None]]:
    """The issue's standing delegation rows as ``(truster_id, trustee_id)`` driver tuples (in
    binary format on PostgreSQL, which the driver parses faster: issue 13 item 2)."""
    statement = select(Delegation.truster_id, Delegation.trustee_id).where(
        Delegation.issue_id == issue_id, standing()
    )
    return fetch_rows(session, statement, binary=True)


def load_overrides(
    session: Session,
    graph: UnitGraph,
    *,
    area_id: int,
    issue_id: int | None,
    graphs: "UnitGraphs | None" = None,
) -> Overrides:
    """The area's (and, for an issue, the issue's) delegations layered over the unit graph.
    With ``graphs`` (a lifecycle run's, see :class:`UnitGraphs`) the area's rows are read and
    indexed once per run (:meth:`UnitGraphs.area_overrides`); the issue's rows are always read and
    layered over that index (:func:`delegation.build_issue_overrides`)."""
    with gc_paused():
        if graphs is None:
            area = area_overrides(session, graph, area_id)
        else:
            area = graphs.area_overrides(session, graph, area_id)
        if issue_id is None:
            return area.overrides
        return build_issue_overrides(area, issue_links(session, issue_id))


class UnitGraphs:
    """Unit graphs and area overrides read once per lifecycle run and reused by every issue of
    the unit. It lives either in one unit's moment of ``run_lifecycle`` (PostgreSQL), where it
    is read in the moment's exported snapshot and used only by transactions that import that
    same snapshot, or inside the transaction that holds the unit's row lock, which every
    delegation write of the unit and its areas waits for (:mod:`proposals.services.locks`).
    Either way what it keeps is what every reader of it sees."""

    def __init__(self) -> None:
        self._graphs: dict[int, UnitGraph] = {}
        self._areas: dict[int, AreaOverrides] = {}

    def get(self, session: Session, unit_id: int) -> UnitGraph:
        graph = self._graphs.get(unit_id)
        if graph is None:
            graph = self._graphs[unit_id] = load_unit_graph(session, unit_id)
        return graph

    def area_overrides(self, session: Session, graph: UnitGraph, area_id: int) -> AreaOverrides:
        """The area's rows indexed over ``graph`` (:func:`area_overrides`), read on first use."""
        area = self._areas.get(area_id)
        if area is None or area.unit_graph is not graph:
            with gc_paused():
                area = self._areas[area_id] = area_overrides(session, graph, area_id)
        return area
