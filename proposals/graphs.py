"""Reading the delegation graph from the database as plain rows, for ``delegation/``.

Set-based queries returning driver tuples (no ORM object or ``Row`` per member, see
:mod:`proposals.bulk`), so a unit of a million members is read in one pass (DESIGN.md §6).
"""

from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlmodel import Session, col, select

from delegation import (
    AreaOverrides,
    InvalidDelegationError,
    Overrides,
    Scope,
    UnitGraph,
    build_area_overrides_from_pairs,
    build_issue_overrides,
    build_unit_graph_from_columns,
    build_unit_graph_from_pairs,
)
from delegation import Delegation as Link
from delegation.arrays import (
    Ids,
    OverrideArrays,
    UnitArrays,
    build_override_arrays,
    build_unit_arrays,
    pairs,
)
from proposals.bulk import fetch_rows, gc_paused
from proposals.models import Delegation, Privilege, standing
from proposals.services.access import eligible_privileges

__all__ = [
    "Rows",
    "UnitGraphs",
    "area_links",
    "area_overrides",
    "eligible_array",
    "eligible_ids",
    "int_columns",
    "issue_links",
    "load_override_arrays",
    "load_overrides",
    "load_unit_arrays",
    "load_unit_graph",
    "scope_links",
]

Rows = tuple[Ids, Ids, npt.NDArray[np.bool_]]
"""Delegation rows of one area or issue as columns: trusters, trustees (0 where null) and
whether the trustee is null (a block)."""


def int_columns(session: Session, statement: sa.Select[Any]) -> list[Ids]:
    """The integer columns of ``statement``'s rows as arrays, one per column, in row order.

    On PostgreSQL each column comes back as one ``bytea`` value, each id its 4 big-endian bytes
    (``int4send``) joined by ``string_agg`` in one pass over the rows (the aggregates of one
    query see the rows in the same order), and becomes an array without a Python object per
    row: a million ids in a few milliseconds of client time (issue 13). Elsewhere the driver's
    rows are read and transposed. No column may be null (``string_agg`` would skip it)."""
    rows = statement.subquery()
    if session.connection().dialect.name == "postgresql":
        empty: sa.ColumnElement[bytes] = sa.literal_column("''::bytea")
        packed = sa.select(*(sa.func.string_agg(sa.func.int4send(c), empty) for c in rows.c))
        (row,) = fetch_rows(session, packed, binary=True)
        return [np.frombuffer(data or b"", dtype=">i4").astype(np.int64) for data in row]
    fetched = fetch_rows(session, sa.select(*rows.c))
    return [np.array(column, dtype=np.int64) for column in zip(*fetched, strict=True)] or [
        np.zeros(0, dtype=np.int64) for _ in rows.c
    ]


def eligible_array(session: Session, unit_id: int) -> Ids:
    """The members eligible in the unit (``access.eligible_privileges``) as an array of ids."""
    eligible = eligible_privileges().where(Privilege.unit_id == unit_id).subquery()
    (ids,) = int_columns(session, sa.select(eligible.c.member_id))
    return ids


def load_unit_arrays(session: Session, unit_id: int) -> UnitArrays:
    """The unit's eligible members and standing unit delegations as
    :class:`~delegation.arrays.UnitArrays`, read as columns (:func:`int_columns`). A unit row
    without trustee is never stored (``ck_delegation_unit_has_trustee``); were one there, the
    error is the one :func:`load_unit_graph` raises."""
    eligible = eligible_array(session, unit_id)
    trusters, trustees, nulls = _delegation_columns(session, col(Delegation.unit_id) == unit_id)
    if nulls.any():
        truster = int(trusters[nulls][0])
        raise InvalidDelegationError(f"unit delegation of member {truster} has no trustee")
    return build_unit_arrays(eligible, trusters, trustees)


def _delegation_columns(session: Session, where: sa.ColumnElement[bool]) -> Rows:
    """The standing delegation rows matching ``where`` as :data:`Rows` (:func:`int_columns`)."""
    trustee = col(Delegation.trustee_id)
    trusters, trustees, nulls = int_columns(
        session,
        sa.select(
            col(Delegation.truster_id),
            sa.func.coalesce(trustee, 0),
            sa.case((trustee.is_(None), 1), else_=0),
        ).where(where, standing()),
    )
    return trusters, trustees, nulls.astype(bool)


def eligible_ids(session: Session, unit_id: int) -> frozenset[int]:
    """The members eligible in the unit (:func:`eligible_array`), as a set of plain ids."""
    return frozenset(eligible_array(session, unit_id).tolist())


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


def load_unit_graph(session: Session, unit_id: int) -> UnitGraph:
    """The unit's eligible members and unit delegations as the dict resolver's reusable graph.
    The unit rows are read as columns (:func:`int_columns`) and go to the engine as plain ids
    (:func:`~delegation.build_unit_graph_from_columns`), never a tuple or
    :class:`~delegation.Delegation` per row. A null trustee is never stored
    (``ck_delegation_unit_has_trustee``); were one there, the rows are read as pairs, so the
    error is the one :func:`~delegation.build_unit_graph_from_pairs` raises."""
    with gc_paused():
        eligible = eligible_ids(session, unit_id)
        trusters, trustees, nulls = _delegation_columns(session, col(Delegation.unit_id) == unit_id)
        if nulls.any():
            return build_unit_graph_from_pairs(eligible, _scope_pairs(session, "unit", unit_id))
        return build_unit_graph_from_columns(eligible, trusters.tolist(), trustees.tolist())


def area_overrides(session: Session, graph: UnitGraph, area_id: int) -> AreaOverrides:
    """The area's standing delegation rows indexed over the unit graph, once for its issues."""
    return build_area_overrides_from_pairs(graph, pairs(*area_links(session, area_id)))


def area_links(session: Session, area_id: int) -> Rows:
    """The area's standing delegation rows as columns (:data:`Rows`)."""
    return _delegation_columns(session, col(Delegation.area_id) == area_id)


def issue_links(session: Session, issue_id: int) -> Rows:
    """The issue's standing delegation rows as columns (:data:`Rows`)."""
    return _delegation_columns(session, col(Delegation.issue_id) == issue_id)


def load_override_arrays(
    session: Session,
    unit: UnitArrays,
    *,
    area_id: int,
    issue_id: int,
    graphs: "UnitGraphs | None" = None,
) -> tuple[OverrideArrays, OverrideArrays]:
    """The area's and the issue's standing rows over ``unit``. With ``graphs`` (a lifecycle
    run's, see :class:`UnitGraphs`) the area's rows are read once per run."""
    if graphs is None:
        area = build_override_arrays(unit, "area", *area_links(session, area_id))
    else:
        area = graphs.area_arrays(session, unit, area_id)
    return area, build_override_arrays(unit, "issue", *issue_links(session, issue_id))


def load_overrides(
    session: Session, graph: UnitGraph, *, area_id: int, issue_id: int | None
) -> Overrides:
    """The area's (and, for an issue, the issue's) delegations layered over the dict unit graph
    (:func:`delegation.build_issue_overrides`), for the dict resolver."""
    with gc_paused():
        area = area_overrides(session, graph, area_id)
        if issue_id is None:
            return area.overrides
        return build_issue_overrides(area, pairs(*issue_links(session, issue_id)))


class UnitGraphs:
    """Units' arrays and areas' rows read once per lifecycle run and reused by every issue of
    the unit (:mod:`delegation.arrays`; a step that needs the dict graph builds it from the
    unit's arrays, :attr:`~delegation.arrays.UnitArrays.unit_graph`). It lives either in one
    unit's moment of ``run_lifecycle`` (PostgreSQL), where it is read in the moment's exported
    snapshot and used only by transactions that import that same snapshot, or inside the
    transaction that holds the unit's row lock, which every delegation write of the unit and
    its areas waits for (:mod:`proposals.services.locks`). Either way what it keeps is what
    every reader of it sees."""

    def __init__(self) -> None:
        self._units: dict[int, UnitArrays] = {}
        self._area_arrays: dict[int, OverrideArrays] = {}

    def arrays(self, session: Session, unit_id: int) -> UnitArrays:
        """The unit's arrays (:func:`load_unit_arrays`), read on first use."""
        unit = self._units.get(unit_id)
        if unit is None:
            unit = self._units[unit_id] = load_unit_arrays(session, unit_id)
        return unit

    def area_arrays(self, session: Session, unit: UnitArrays, area_id: int) -> OverrideArrays:
        """The area's rows over ``unit`` (:func:`area_links`), read on first use."""
        area = self._area_arrays.get(area_id)
        if area is None or area.unit is not unit:
            rows = area_links(session, area_id)
            area = self._area_arrays[area_id] = build_override_arrays(unit, "area", *rows)
        return area
