"""The delegation graph of a unit, built once, plus the per-issue overrides layered on top.

Assumptions
-----------
* Members are plain ``int`` ids.  A delegation row is a :class:`Delegation` ``(truster_id,
  trustee_id, scope)``; ``trustee_id`` is ``None`` ("explicitly no delegation here") only at
  ``area`` and ``issue`` scope.  There is at most one row per truster and scope, and no
  self-delegation; a violation raises :class:`~delegation.exceptions.InvalidDelegationError`.
* The caller passes, for one issue, the unit-scope rows of the issue's unit, the area-scope rows of
  its area and the issue-scope rows of the issue -- nothing else.
* Eligibility (active and ``voting_right`` in the unit) is fixed for the life of a
  :class:`UnitGraph`.  Rows whose truster is not eligible can never count (DESIGN.md section 3),
  so they are dropped here; rows *to* an ineligible trustee are kept, as dead ends.
* The trustee need not be a known member: it is just an id, and ids that are not eligible are
  dead ends.

Design
------
The unit-scope delegations are edges ``truster -> trustee`` (the scope of such an edge is always
``unit``).  Every member has out-degree at most one, so resolution walks *predecessors* from the
participants.  The :class:`UnitGraph` holds them as plain data: a flat ``truster -> trustee`` dict,
its reverse index ``trustee -> trusters`` (the predecessors) and the sets of trusters and
trustees, so the per-issue walk can skip members nobody delegates to.  It is built once per unit
and reused by every issue of a lifecycle run ("warm").  The same edges as a networkx
:class:`~networkx.DiGraph` (no edge or node attributes), for graph algorithms, are built only
when ``UnitGraph.graph`` is first read: at a million members that build costs more than the
rest of the unit graph together, and the resolver does not need it.  Area and issue rows become
small per-issue :class:`Overrides` (dicts and a reverse index) consulted during the walk instead
of copying or mutating the graph, so the per-issue work is proportional to the overrides plus
the part of the graph that reaches a participant.  Building a networkx graph allocates a few
dicts per node; the cyclic garbage collector is paused while it is built (it would repeatedly
rescan the growing heap for cycles these containers cannot form) and its previous state is
restored afterwards.
"""

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from itertools import filterfalse, starmap
from operator import eq
from typing import Any, Literal, NamedTuple, cast

import networkx as nx

from delegation.exceptions import InvalidDelegationError

__all__ = [
    "SCOPES",
    "AreaOverrides",
    "Delegation",
    "Overrides",
    "Scope",
    "UnitGraph",
    "build_area_overrides",
    "build_issue_overrides",
    "build_overrides",
    "build_unit_graph",
    "build_unit_graph_from_columns",
    "build_unit_graph_from_pairs",
    "effective_delegation",
    "predecessors",
]

Scope = Literal["unit", "area", "issue"]
SCOPES: tuple[Scope, ...] = ("unit", "area", "issue")


class Delegation(NamedTuple):
    """One stored delegation row: ``truster_id`` trusts ``trustee_id`` in ``scope``.

    ``trustee_id`` is ``None`` for an explicit "no delegation here" block (area/issue scope only).
    """

    truster_id: int
    trustee_id: int | None
    scope: Scope


@dataclass(frozen=True, eq=False)
class UnitGraph:
    """The unit-scope delegation graph of one unit and the unit's eligible members.

    Build it with :func:`build_unit_graph`; treat it as read-only.

    Attributes
    ----------
    eligible : frozenset of int
        Members eligible in the unit (active with voting right).
    trustee : dict
        Truster -> trustee: an entry for every unit delegation of an eligible truster.
    trusters : frozenset of int
        Eligible members with a unit delegation (the keys of ``trustee``).
    trustees : frozenset of int
        Members with at least one unit truster (the values of ``trustee``).  Usually a small
        set of delegates, so testing it first spares most predecessor lookups.
    trusters_of : dict
        Reverse index of ``trustee``: trustee -> its trusters (the predecessors), keys
        ``trustees``.
    graph : networkx.DiGraph
        The same edges ``truster -> trustee`` as a networkx graph, no edge or node attributes,
        every node of out-degree 0 or 1.  Built on first access (the resolver never reads it).
    """

    eligible: frozenset[int]
    trustee: dict[int, int]
    trusters: frozenset[int]
    trustees: frozenset[int]
    trusters_of: dict[int, list[int]]

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The unit edges as a networkx DiGraph, built on first access."""
        with _gc_paused():
            graph = nx.DiGraph()
            graph.add_edges_from(self.trustee.items())
        return graph


@dataclass(frozen=True, eq=False)
class Overrides:
    """Area and issue delegations of eligible trusters that take precedence over the unit graph.

    Build it with :func:`build_overrides`; treat it as read-only.

    Attributes
    ----------
    trustee : dict
        Truster -> trustee (``None`` for a block) of the highest-precedence area/issue row.
    scope : dict
        Truster -> scope (``"area"`` or ``"issue"``) of that row.
    links : dict
        The non-null part of ``trustee``.
    trusters_of : dict
        Reverse index of ``links``: trustee -> trusters whose override points to it.
    trustees : frozenset of int
        The keys of ``trusters_of``.
    unit_overridden : frozenset of int
        Trusters that also have a unit delegation, which is therefore overridden.
    """

    trustee: dict[int, int | None]
    scope: dict[int, Scope]
    links: dict[int, int]
    trusters_of: dict[int, list[int]]
    trustees: frozenset[int]
    unit_overridden: frozenset[int]


NO_OVERRIDES = Overrides({}, {}, {}, {}, frozenset(), frozenset())


def predecessors(graph: nx.DiGraph) -> Mapping[int, Mapping[int, object]]:
    """Return the raw predecessor dict-of-dicts of a networkx DiGraph (read it, never write it).

    networkx documents ``_pred``/``_succ`` as the adjacency structure for subclass authors; the
    resolver reads it directly because the public ``G.pred`` view wraps every lookup in a new
    view object, which would double the cost of the walk.
    """
    pred: Mapping[int, Mapping[int, object]] = graph._pred
    return pred


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _reverse(links: Mapping[int, int]) -> dict[int, list[int]]:
    """Trustee -> its trusters, in the order of ``links``."""
    trusters_of: dict[int, list[int]] = {}
    get = trusters_of.get
    for truster, target in links.items():
        bucket = get(target)
        if bucket is None:
            trusters_of[target] = [truster]
        else:
            bucket.append(truster)
    return trusters_of


def _check_rows(rows: list[Delegation], scope: Scope) -> None:
    bad = next((row for row in rows if row[2] != scope or row[0] == row[1]), None)
    if bad is None:
        return
    truster, _, row_scope = bad
    if row_scope != scope:
        raise InvalidDelegationError(
            f"row of member {truster} has scope {row_scope!r}, not {scope!r}"
        )
    raise InvalidDelegationError(f"member {truster} delegates to themselves")


def _check_repeated(index: Mapping[int, object], listed: list[Any], scope: Scope) -> None:
    """Raise for the first repeated truster if ``listed`` has more rows than ``index`` keys."""
    if len(index) == len(listed):
        return
    seen: set[int] = set()
    for row in listed:
        truster = row[0]
        if truster in seen:
            raise InvalidDelegationError(f"member {truster} has more than one {scope} delegation")
        seen.add(truster)


def _index_rows(rows: Iterable[Delegation], scope: Scope) -> dict[int, int | None]:
    listed = rows if isinstance(rows, list) else list(rows)
    _check_rows(listed, scope)
    index: dict[int, int | None] = {truster: trustee for truster, trustee, _ in listed}
    _check_repeated(index, listed, scope)
    return index


def _unit_graph(eligible: Iterable[int], index: dict[int, int | None]) -> UnitGraph:
    """The unit graph of checked unit rows (truster -> trustee, no repeated truster).

    ``index`` is the caller's own new dict: the rows of ineligible trusters are deleted from it
    in place (usually few; found in C), which keeps the order of the others, rather than copying
    every row into a new dict."""
    elig = eligible if isinstance(eligible, frozenset) else frozenset(eligible)
    if None in index.values():
        truster = next(t for t, e in index.items() if e is None)
        raise InvalidDelegationError(f"unit delegation of member {truster} has no trustee")
    for truster in list(filterfalse(elig.__contains__, index)):
        del index[truster]
    trustee = cast(dict[int, int], index)  # no ``None`` left (checked above)
    trusters_of = _reverse(trustee)
    return UnitGraph(elig, trustee, frozenset(trustee), frozenset(trusters_of), trusters_of)


def build_unit_graph(eligible: Iterable[int], unit_rows: Iterable[Delegation]) -> UnitGraph:
    """Build the reusable unit-level delegation graph.

    Parameters
    ----------
    eligible : iterable of int
        Members eligible in the unit.  A ``frozenset`` is used as is (no copy).
    unit_rows : iterable of Delegation
        The unit-scope delegation rows of the unit.

    Returns
    -------
    UnitGraph

    Raises
    ------
    InvalidDelegationError
        For a row that is not unit scope, has no trustee, delegates to its truster, or repeats a
        truster.

    Examples
    --------
    >>> g = build_unit_graph({1, 2, 3}, [Delegation(1, 2, "unit"), Delegation(4, 2, "unit")])
    >>> sorted(g.graph.edges())  # member 4 is not eligible: its row can never count
    [(1, 2)]
    >>> g.trustee, g.trusters, g.trusters_of
    ({1: 2}, frozenset({1}), {2: [1]})
    """
    return _unit_graph(eligible, _index_rows(unit_rows, "unit"))


def build_unit_graph_from_pairs(
    eligible: Iterable[int], pairs: Iterable[tuple[int, int | None]]
) -> UnitGraph:
    """:func:`build_unit_graph` for unit rows given as ``(truster_id, trustee_id)`` pairs.

    The form a database query returns: no :class:`Delegation` is built per row (at a million
    members that costs more than building the graph), and the pairs become the ``truster ->
    trustee`` dict in one C call.

    Parameters
    ----------
    eligible : iterable of int
        Members eligible in the unit.  A ``frozenset`` is used as is (no copy).
    pairs : iterable of (int, int) tuples
        ``(truster_id, trustee_id)`` of every unit-scope delegation row of the unit.

    Returns
    -------
    UnitGraph
        The graph :func:`build_unit_graph` builds from the same rows.

    Raises
    ------
    InvalidDelegationError
        For a pair without trustee, a truster delegating to themselves, or a repeated truster.

    Examples
    --------
    >>> g = build_unit_graph_from_pairs({1, 2, 3}, [(1, 2), (3, 2), (4, 1)])
    >>> g.trustee, g.trusters_of
    ({1: 2, 3: 2}, {2: [1, 3]})
    """
    listed = pairs if isinstance(pairs, list) else list(pairs)
    index: dict[int, int | None] = dict(listed)
    _check_repeated(index, listed, "unit")
    _check_self(index)
    return _unit_graph(eligible, index)


def build_unit_graph_from_columns(
    eligible: Iterable[int], trusters: Sequence[int], trustees: Sequence[int | None]
) -> UnitGraph:
    """:func:`build_unit_graph_from_pairs` for the pairs given as two columns of equal length,
    ``trusters[i]`` delegating to ``trustees[i]``: no tuple is built per row (the rows of a unit
    read from the database as two arrays of ids, :func:`proposals.graphs.load_unit_graph`).

    Raises
    ------
    InvalidDelegationError
        As :func:`build_unit_graph_from_pairs` for the same pairs.
    ValueError
        If the columns differ in length.

    Examples
    --------
    >>> g = build_unit_graph_from_columns({1, 2, 3}, [1, 3, 4], [2, 2, 1])
    >>> g.trustee, g.trusters_of
    ({1: 2, 3: 2}, {2: [1, 3]})
    """
    if len(trusters) != len(trustees):
        raise ValueError(f"{len(trusters)} trusters but {len(trustees)} trustees")
    index: dict[int, int | None] = dict(zip(trusters, trustees, strict=True))
    if len(index) != len(trusters):
        _check_repeated(index, list(zip(trusters, trustees, strict=True)), "unit")
    _check_self(index)
    return _unit_graph(eligible, index)


def _check_self(index: Mapping[int, int | None]) -> None:
    """Raise for the first truster (in ``index`` order) delegating to themselves."""
    if any(map(eq, index.keys(), index.values())):
        truster = next(t for t, e in index.items() if t == e)
        raise InvalidDelegationError(f"member {truster} delegates to themselves")


@dataclass(frozen=True, eq=False)
class AreaOverrides:
    """The area rows of one area indexed over one unit graph, shared by every issue of the area.

    Build it with :func:`build_area_overrides`; treat it as read-only.
    :func:`build_issue_overrides` layers one issue's rows over it without changing it.

    Attributes
    ----------
    unit_graph : UnitGraph
        The graph the area rows were indexed against (eligibility).
    overrides : Overrides
        The overrides of the area rows alone (every ``scope`` is ``"area"``).
    """

    unit_graph: UnitGraph
    overrides: Overrides


def build_area_overrides(
    unit_graph: UnitGraph, area_rows: Iterable[Delegation] = ()
) -> AreaOverrides:
    """Index the area rows of one area as overrides of the unit graph, once for all its issues.

    Rows of trusters that are not eligible in the unit are dropped; a null trustee is a block.

    Raises
    ------
    InvalidDelegationError
        For a row of the wrong scope, a self-delegation, or a truster repeated.

    Examples
    --------
    >>> g = build_unit_graph({1, 2, 3}, [Delegation(1, 2, "unit")])
    >>> a = build_area_overrides(g, [Delegation(1, 3, "area"), Delegation(2, None, "area")])
    >>> a.overrides.trustee, a.overrides.links, a.overrides.unit_overridden
    ({1: 3, 2: None}, {1: 3}, frozenset({1}))
    """
    return _area_overrides(unit_graph, _index_rows(area_rows, "area"))


def build_area_overrides_from_pairs(
    unit_graph: UnitGraph, pairs: Iterable[tuple[int, int | None]]
) -> AreaOverrides:
    """:func:`build_area_overrides` for area rows given as ``(truster_id, trustee_id)`` pairs,
    the form a database query returns: no :class:`Delegation` is built per row.

    Raises
    ------
    InvalidDelegationError
        For a self-delegation or a truster repeated.

    Examples
    --------
    >>> g = build_unit_graph({1, 2, 3}, [Delegation(1, 2, "unit")])
    >>> a = build_area_overrides_from_pairs(g, [(1, 3), (2, None)])
    >>> a.overrides.trustee, a.overrides.links, a.overrides.unit_overridden
    ({1: 3, 2: None}, {1: 3}, frozenset({1}))
    """
    listed = pairs if isinstance(pairs, list) else list(pairs)
    trustee: dict[int, int | None] = dict(listed)
    _check_repeated(trustee, listed, "area")
    _check_self(trustee)
    return _area_overrides(unit_graph, trustee)


def _area_overrides(unit_graph: UnitGraph, trustee: dict[int, int | None]) -> AreaOverrides:
    """The area index of checked area rows (truster -> trustee or None, no repeated truster);
    ``trustee`` is taken over, not copied."""
    for truster in set(trustee).difference(unit_graph.eligible):  # few: runs in C
        del trustee[truster]
    links = {t: e for t, e in trustee.items() if e is not None}
    trusters_of = _reverse(links)
    overrides = Overrides(
        trustee=trustee,
        scope=dict.fromkeys(trustee, "area"),
        links=links,
        trusters_of=trusters_of,
        trustees=frozenset(trusters_of),
        unit_overridden=unit_graph.trusters.intersection(trustee),
    )
    return AreaOverrides(unit_graph, overrides)


def build_issue_overrides(
    area: AreaOverrides, issue_links: Iterable[tuple[int, int | None]] = ()
) -> Overrides:
    """Layer one issue's rows, as ``(truster_id, trustee_id)`` pairs, over an area's index.

    The answer equals :func:`build_overrides` of the area's rows and these rows (issue rows take
    precedence, a null trustee blocks the area and unit rows, ineligible trusters are dropped);
    only the order within a ``trusters_of`` list may differ. The area's dicts are copied (in C),
    then only the issue's trusters are visited, so the work per issue is about the size of its
    own rows, not of the area's. ``area`` is left unchanged.

    Raises
    ------
    InvalidDelegationError
        For a self-delegation or a truster repeated.

    Examples
    --------
    >>> g = build_unit_graph({1, 2, 3}, [])
    >>> a = build_area_overrides(g, [Delegation(1, 2, "area"), Delegation(3, 2, "area")])
    >>> o = build_issue_overrides(a, [(1, None), (2, 3)])
    >>> o.trustee, o.links, o.trusters_of
    ({1: None, 3: 2, 2: 3}, {3: 2, 2: 3}, {2: [3], 3: [2]})
    """
    listed = issue_links if isinstance(issue_links, list) else list(issue_links)
    issue: dict[int, int | None] = dict(listed)
    if len(issue) != len(listed) or any(starmap(eq, listed)):
        seen: set[int] = set()
        for truster, target in listed:
            if truster == target:
                raise InvalidDelegationError(f"member {truster} delegates to themselves")
            if truster in seen:
                raise InvalidDelegationError(f"member {truster} has more than one issue delegation")
            seen.add(truster)
    unit_graph, base = area.unit_graph, area.overrides
    for truster in set(issue).difference(unit_graph.eligible):  # few: runs in C
        del issue[truster]
    if not issue:
        return base  # read-only: sharing the area's answer is safe
    trustee = base.trustee.copy()
    trustee.update(issue)
    scope = base.scope.copy()
    scope.update(dict.fromkeys(issue, "issue"))
    base_links, base_trusters_of = base.links, base.trusters_of
    new_links = {truster: target for truster, target in issue.items() if target is not None}
    links = base_links.copy()
    links.update(new_links)
    # Trusters whose area link the issue replaces (few; found in C) leave that trustee's list.
    removed: dict[int, set[int]] = {}
    for truster in list(filter(base_links.__contains__, issue)):
        old = base_links[truster]
        if truster not in new_links:
            del links[truster]
        gone = removed.get(old)
        if gone is None:
            removed[old] = {truster}
        else:
            gone.add(truster)
    added = _reverse(new_links)
    # The area's lists are shared with other issues: a changed one is replaced, never mutated.
    trusters_of = base_trusters_of.copy()
    for target in removed.keys() | added.keys():
        kept = base_trusters_of.get(target, ())
        gone = removed.get(target)
        bucket = list(filterfalse(gone.__contains__, kept)) if gone else list(kept)
        bucket += added.get(target, ())
        if bucket:
            trusters_of[target] = bucket
        else:
            del trusters_of[target]
    return Overrides(
        trustee=trustee,
        scope=scope,
        links=links,
        trusters_of=trusters_of,
        trustees=frozenset(trusters_of),
        unit_overridden=base.unit_overridden.union(unit_graph.trusters.intersection(issue)),
    )


def build_overrides(
    unit_graph: UnitGraph,
    area_rows: Iterable[Delegation] = (),
    issue_rows: Iterable[Delegation] = (),
) -> Overrides:
    """Collect the area and issue rows of one issue as overrides of the unit graph.

    Precedence is issue > area > unit; a null trustee at a higher scope blocks the lower ones.
    Rows of trusters that are not eligible in the unit are dropped.  The same as
    :func:`build_issue_overrides` over :func:`build_area_overrides` (which a lifecycle run uses
    to index each area once).

    Parameters
    ----------
    unit_graph : UnitGraph
        The graph of the issue's unit (for eligibility).
    area_rows : iterable of Delegation
        Area-scope rows of the issue's area.
    issue_rows : iterable of Delegation
        Issue-scope rows of the issue.

    Returns
    -------
    Overrides

    Raises
    ------
    InvalidDelegationError
        For a row of the wrong scope, a self-delegation, or a truster repeated within a scope.

    Examples
    --------
    >>> g = build_unit_graph({1, 2, 3}, [Delegation(1, 2, "unit")])
    >>> o = build_overrides(g, [Delegation(1, 3, "area")], [Delegation(1, None, "issue")])
    >>> o.trustee, o.scope
    ({1: None}, {1: 'issue'})
    """
    area = build_area_overrides(unit_graph, area_rows)
    listed = issue_rows if isinstance(issue_rows, list) else list(issue_rows)
    _check_rows(listed, "issue")
    return build_issue_overrides(area, [(truster, trustee) for truster, trustee, _ in listed])


def effective_delegation(
    unit_graph: UnitGraph, overrides: Overrides, member_id: int
) -> tuple[int | None, Scope] | None:
    """Return the delegation that applies to ``member_id`` after precedence.

    Parameters
    ----------
    unit_graph : UnitGraph
    overrides : Overrides
    member_id : int

    Returns
    -------
    tuple or None
        ``(trustee_id, scope)`` -- ``trustee_id`` is ``None`` for a block -- or ``None`` when the
        member has no delegation or is not eligible.

    Examples
    --------
    >>> g = build_unit_graph({1, 2, 3}, [Delegation(1, 2, "unit"), Delegation(2, 3, "unit")])
    >>> o = build_overrides(g, [Delegation(2, None, "area")])
    >>> effective_delegation(g, o, 1), effective_delegation(g, o, 2), effective_delegation(g, o, 3)
    ((2, 'unit'), (None, 'area'), None)
    """
    if member_id not in unit_graph.eligible:
        return None
    if member_id in overrides.trustee:
        return overrides.trustee[member_id], overrides.scope[member_id]
    trustee = unit_graph.trustee.get(member_id)
    return None if trustee is None else (trustee, "unit")
