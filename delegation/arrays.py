"""Resolution over numpy arrays, for the bulk paths: a whole unit's snapshot and close (issue 13).

:func:`resolve_arrays` answers what :func:`delegation.resolve.resolve` answers (DESIGN.md §3) for
a unit given as arrays of member ids: the participants' weights, the delegators whose vote
counted with their trustee, scope and intermediate weight, and the counts of lost and absent
members. The same Hypothesis properties check it against the naive reference resolver and
against :func:`~delegation.resolve.resolve` (``tests/delegation/test_arrays.py``).

Why a second implementation of the rule: at a million members the dict resolver's inputs and
outputs are Python objects per member (the frozenset of the eligible ids alone costs more than
this whole resolution); here a member is an entry of an array and every step runs in C. The
rest of the service (chains, agendas, explanations) keeps the dict resolver; a lifecycle run
and the close use this one, and build the dict form from the same arrays when a step needs it
(:meth:`UnitArrays.unit_graph`).

Method
------
Members are numbered by their position in the sorted eligible ids. The delegation that applies
to each member -- issue over area over unit, a null trustee blocking the lower scopes, a
participant's own delegation cut -- becomes one array of trustee positions (:data:`DEAD` for a
trustee who is not eligible, :data:`NONE` where none applies). Every chain is then followed at
once by pointer jumping: each round, every pointer that has not reached the end of its chain
(a participant, or a member who does not delegate) moves to where its target points and adds
its target's distance, so after ``r`` rounds it covers ``2**r`` steps; a pointer still moving
after ``log2(n) + 1`` rounds is in, or leads into, a cycle without participant (participants
cut their own delegation, so a cycle through one ends there). A counted delegator's
intermediate weight is summed level by level, from the deepest, into its trustee.

This module needs numpy; ``import delegation`` does not import it, so the record verifier
(:mod:`proposals.verify`) still runs on the standard library and networkx alone.
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from delegation.exceptions import InvalidDelegationError
from delegation.graph import (
    SCOPES,
    AreaOverrides,
    Delegation,
    Overrides,
    Scope,
    UnitGraph,
    build_area_overrides_from_pairs,
    build_issue_overrides,
    build_unit_graph_from_columns,
)

__all__ = [
    "DEAD",
    "NONE",
    "SCOPE_INDEX",
    "ArrayResolution",
    "Ids",
    "OverrideArrays",
    "UnitArrays",
    "build_arrays",
    "build_override_arrays",
    "build_unit_arrays",
    "dict_overrides",
    "pairs",
    "resolve_arrays",
    "resolve_rows",
]

Ids = npt.NDArray[np.int64]
NONE = -2
"""In a trustee-position array: no delegation applies (none, a null block, or participating)."""
DEAD = -1
"""In a trustee-position array: the trustee is not eligible (a vote sent there is lost)."""
SCOPE_INDEX: dict[Scope, int] = {scope: index for index, scope in enumerate(SCOPES)}
"""A scope as the index :attr:`ArrayResolution.scopes` gives it."""


def as_ids(ids: Iterable[int] | npt.NDArray[np.integer]) -> Ids:
    """``ids`` as an int64 array (an int64 array as is, no copy)."""
    if isinstance(ids, np.ndarray):
        return ids.astype(np.int64, copy=False)
    if isinstance(ids, Collection):
        return np.fromiter(ids, dtype=np.int64, count=len(ids))
    return np.fromiter(ids, dtype=np.int64)


def positions(eligible: Ids, ids: Ids, table: "_Table | None" = None) -> Ids:
    """The position of each of ``ids`` in the sorted ``eligible``; -1 for an id not in it.
    Looked up in ``table`` (``_Table.of(eligible)``) if given, else by binary search."""
    if table is not None:
        return table(ids)
    if not len(eligible):
        return np.full(len(ids), -1, dtype=np.int64)
    at = np.searchsorted(eligible, ids)
    np.minimum(at, len(eligible) - 1, out=at)
    return np.where(eligible[at] == ids, at, -1)


class _Table:
    """Positions of sorted ids looked up in a table indexed by ``id - first`` (-1 where there is
    no such id): one read per id instead of a binary search (at a million members, ~10x less),
    for ids that span at most :data:`DENSE` times their number -- database ids of a unit's
    members. ``None`` for ids too sparse for it."""

    DENSE = 4

    def __init__(self, eligible: Ids) -> None:
        self.first = int(eligible[0])
        self.table = np.full(int(eligible[-1]) - self.first + 2, -1, dtype=np.int64)
        self.table[eligible - self.first] = np.arange(len(eligible), dtype=np.int64)

    @classmethod
    def of(cls, eligible: Ids) -> "_Table | None":
        if not len(eligible):
            return None
        span = int(eligible[-1]) - int(eligible[0]) + 1
        return cls(eligible) if span <= cls.DENSE * len(eligible) + 1024 else None

    def __call__(self, ids: Ids) -> Ids:
        offset = ids - self.first
        outside = (offset < 0) | (offset >= len(self.table))
        offset[outside] = len(self.table) - 1  # the table's last entry is -1
        return self.table[offset]


def _sorted_unique(ids: Ids) -> Ids:
    """``ids`` sorted without repeats (checked first: the database usually sends them sorted)."""
    if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])):
        return ids
    return np.unique(ids)


def _check_rows(
    trusters: Ids, at: Ids, size: int, trustees: Ids, blocks: npt.NDArray[np.bool_], scope: Scope
) -> None:
    """Raise :class:`InvalidDelegationError` as :mod:`delegation.graph` does for the same rows:
    first for a repeated truster, then for a truster delegating to themselves (the first in
    row order). ``at``: the trusters' positions among ``size`` eligible members (-1: not
    eligible); repeats are counted per position, and among the few ineligible trusters."""
    counts = np.bincount(at[at >= 0], minlength=size)
    others = trusters[at < 0]
    if (len(counts) and counts.max() > 1) or len(np.unique(others)) != len(others):
        seen: set[int] = set()
        for truster in trusters.tolist():
            if truster in seen:
                raise InvalidDelegationError(
                    f"member {truster} has more than one {scope} delegation"
                )
            seen.add(truster)
    own = np.flatnonzero((trusters == trustees) & ~blocks)
    if len(own):
        raise InvalidDelegationError(f"member {int(trusters[own[0]])} delegates to themselves")


@dataclass(frozen=True, eq=False)
class UnitArrays:
    """A unit's eligible members and unit delegations as arrays; build it with
    :func:`build_unit_arrays` and treat it as read-only.

    Attributes
    ----------
    eligible : array of int64
        The eligible members' ids, sorted; a member's position here numbers it.
    trusters, trustees : arrays of int64
        The unit rows of eligible trusters (``trusters[i]`` delegates to ``trustees[i]``).
    next : array of int64
        Per position: the position of the member's unit trustee, :data:`DEAD` or :data:`NONE`.
    """

    eligible: Ids
    trusters: Ids
    trustees: Ids
    next: Ids
    table: _Table | None = field(default=None, repr=False)
    """``_Table.of(eligible)``: the lookup :meth:`positions` uses."""

    def positions(self, ids: Iterable[int] | Ids) -> Ids:
        """Positions of ``ids`` among the eligible members; -1 for one not eligible."""
        return positions(self.eligible, as_ids(ids), self.table)

    @cached_property
    def unit_graph(self) -> UnitGraph:
        """The same unit as the dict resolver's :class:`~delegation.UnitGraph`, built on first
        use (only steps that need the dict form pay for it)."""
        return build_unit_graph_from_columns(
            frozenset(self.eligible.tolist()), self.trusters.tolist(), self.trustees.tolist()
        )


def build_unit_arrays(
    eligible: Iterable[int] | Ids, trusters: Sequence[int] | Ids, trustees: Sequence[int] | Ids
) -> UnitArrays:
    """The unit's arrays from its eligible ids and its unit rows as two columns of ids.

    Rows of trusters who are not eligible are dropped, as :func:`~delegation.build_unit_graph`
    drops them; rows to an ineligible trustee are kept as dead ends.

    Raises
    ------
    InvalidDelegationError
        For a repeated truster or a truster delegating to themselves.
    ValueError
        If the columns differ in length.

    Examples
    --------
    >>> u = build_unit_arrays([3, 1, 2], [1, 4, 3], [2, 1, 9])
    >>> u.eligible.tolist(), u.trusters.tolist(), u.next.tolist()
    ([1, 2, 3], [1, 3], [1, -2, -1])
    """
    truster_ids, trustee_ids = as_ids(trusters), as_ids(trustees)
    if len(truster_ids) != len(trustee_ids):
        raise ValueError(f"{len(truster_ids)} trusters but {len(trustee_ids)} trustees")
    elig = _sorted_unique(as_ids(eligible))
    table = _Table.of(elig)
    at = positions(elig, truster_ids, table)
    _check_rows(truster_ids, at, len(elig), trustee_ids, np.zeros(len(at), dtype=bool), "unit")
    kept = at >= 0
    truster_ids, trustee_ids, at = truster_ids[kept], trustee_ids[kept], at[kept]
    to = positions(elig, trustee_ids, table)
    to[to < 0] = DEAD
    following = np.full(len(elig), NONE, dtype=np.int64)
    following[at] = to
    return UnitArrays(elig, truster_ids, trustee_ids, following, table)


@dataclass(frozen=True, eq=False)
class OverrideArrays:
    """The area or issue rows of eligible trusters over one :class:`UnitArrays`; build it with
    :func:`build_override_arrays`.

    Attributes
    ----------
    unit : UnitArrays
    scope : str
        ``"area"`` or ``"issue"``.
    trusters, trustees : arrays of int64
        The rows' ids (a block's trustee is meaningless, see ``blocks``).
    blocks : array of bool
        True where the row's trustee is null: no delegation here, nor at the lower scopes.
    at, to : arrays of int64
        The trusters' positions and their trustees' positions (:data:`DEAD`, :data:`NONE`).
    """

    unit: UnitArrays
    scope: Scope
    trusters: Ids
    trustees: Ids
    blocks: npt.NDArray[np.bool_]
    at: Ids
    to: Ids

    def pairs(self) -> list[tuple[int, int | None]]:
        """The rows as ``(truster_id, trustee_id or None)`` pairs, for the dict resolver."""
        return pairs(self.trusters, self.trustees, self.blocks)


def pairs(
    trusters: Ids, trustees: Ids, blocks: npt.NDArray[np.bool_]
) -> list[tuple[int, int | None]]:
    """Rows given as columns (``blocks[i]``: a null trustee) as ``(truster_id, trustee_id or
    None)`` pairs, the form the dict graph's builders take."""
    return [
        (truster, None if block else trustee)
        for truster, trustee, block in zip(
            trusters.tolist(), trustees.tolist(), blocks.tolist(), strict=True
        )
    ]


def build_override_arrays(
    unit: UnitArrays,
    scope: Scope,
    trusters: Sequence[int] | Ids,
    trustees: Sequence[int] | Ids,
    blocks: Sequence[bool] | npt.NDArray[np.bool_] | None = None,
) -> OverrideArrays:
    """The ``scope`` rows (``"area"`` or ``"issue"``) of one area or issue over ``unit``.
    ``blocks[i]`` marks a null trustee (``trustees[i]`` is then ignored). Rows of ineligible
    trusters are dropped.

    Raises
    ------
    InvalidDelegationError
        For a repeated truster or a truster delegating to themselves.

    Examples
    --------
    >>> u = build_unit_arrays([1, 2, 3], [1], [2])
    >>> o = build_override_arrays(u, "area", [1, 2, 7], [3, 0, 1], [False, True, False])
    >>> o.at.tolist(), o.to.tolist()
    ([0, 1], [2, -2])
    """
    truster_ids, trustee_ids = as_ids(trusters), as_ids(trustees)
    blocked = (
        np.zeros(len(truster_ids), dtype=bool) if blocks is None else np.asarray(blocks, dtype=bool)
    )
    if not len(truster_ids) == len(trustee_ids) == len(blocked):
        raise ValueError("trusters, trustees and blocks differ in length")
    at = unit.positions(truster_ids)
    _check_rows(truster_ids, at, len(unit.eligible), trustee_ids, blocked, scope)
    kept = at >= 0
    truster_ids, trustee_ids, blocked, at = (
        truster_ids[kept],
        trustee_ids[kept],
        blocked[kept],
        at[kept],
    )
    to = unit.positions(trustee_ids)
    to[to < 0] = DEAD
    to[blocked] = NONE
    return OverrideArrays(unit, scope, truster_ids, trustee_ids, blocked, at, to)


def dict_overrides(
    unit: UnitArrays, area: OverrideArrays | None, issue: OverrideArrays | None
) -> Overrides:
    """The same rows as the dict resolver's :class:`~delegation.Overrides` over
    :attr:`UnitArrays.unit_graph` (built on demand, for the steps that need the dict form)."""
    indexed: AreaOverrides = build_area_overrides_from_pairs(
        unit.unit_graph, area.pairs() if area is not None else []
    )
    return build_issue_overrides(indexed, issue.pairs() if issue is not None else [])


@dataclass(frozen=True, eq=False)
class ArrayResolution:
    """What :func:`resolve_arrays` found; treat it as read-only.

    Attributes
    ----------
    voters : array of int64
        The eligible participants' ids, sorted.
    weights : array of int64
        Their weights, aligned with ``voters``: 1 plus every member behind them.
    eligible_count, lost_count, absent_count : int
        As :class:`~delegation.Resolution` counts them.
    """

    unit: UnitArrays
    voters: Ids
    weights: Ids
    eligible_count: int
    lost_count: int
    absent_count: int
    _weight_at: Ids
    _next: Ids
    _scope: npt.NDArray[np.int8]
    _counted: Ids
    _depth: Ids

    def weights_of(self, ids: Iterable[int] | Ids) -> Ids:
        """The weight of each of ``ids``: 0 for anyone who is not an eligible participant."""
        return self._weight_at[self.unit.positions(ids)]  # -1: the trailing 0

    @cached_property
    def delegators(self) -> Ids:
        """The ids of the delegators whose vote counted, sorted."""
        return self.unit.eligible[self._counted]

    @cached_property
    def trustees(self) -> Ids:
        """Each delegator's trustee (the next member of their chain), aligned with
        ``delegators``."""
        return self.unit.eligible[self._next[self._counted]]

    @cached_property
    def scopes(self) -> npt.NDArray[np.int8]:
        """The scope of each delegator's applying delegation, as an index into
        :data:`~delegation.SCOPES`, aligned with ``delegators``."""
        return self._scope[self._counted]

    @cached_property
    def intermediate_weights(self) -> Ids:
        """Each delegator's own vote plus every member behind them, aligned with
        ``delegators``: summed into each trustee from the deepest level of the chains up."""
        counted, following = self._counted, self._next
        size = np.ones(len(self.unit.eligible), dtype=np.int64)
        order = np.argsort(self._depth, kind="stable")
        levels = np.split(order, np.flatnonzero(np.diff(self._depth[order])) + 1)
        for level in reversed(levels[1:]):  # level 0 delegates to participants directly
            members = counted[level]
            np.add.at(size, following[members], size[members])
        return size[counted]


def resolve_arrays(
    unit: UnitArrays,
    participants: Iterable[int] | Ids,
    area: OverrideArrays | None = None,
    issue: OverrideArrays | None = None,
) -> ArrayResolution:
    """Resolve one issue's delegations over arrays (DESIGN.md §3; the method is in the module's
    docstring): the answer of :func:`~delegation.resolve.resolve` for the same unit, area rows
    ``area``, issue rows ``issue`` and ``participants`` (ineligible ones ignored).

    Examples
    --------
    The cycle of DESIGN.md section 3: A=1 -> B=2 -> C=3 -> D=4 -> A, A and C participate.

    >>> u = build_unit_arrays([1, 2, 3, 4], [1, 2, 3, 4], [2, 3, 4, 1])
    >>> r = resolve_arrays(u, [1, 3])
    >>> r.voters.tolist(), r.weights.tolist(), r.delegators.tolist(), r.trustees.tolist()
    ([1, 3], [2, 2], [2, 4], [3, 1])
    >>> r.lost_count, r.absent_count
    (0, 0)
    """
    size = len(unit.eligible)
    following = unit.next.copy()
    scope = np.zeros(size, dtype=np.int8)
    for rows in (area, issue):
        if rows is not None:
            if rows.unit is not unit:
                raise ValueError("overrides of another unit's arrays")
            following[rows.at] = rows.to
            scope[rows.at] = SCOPE_INDEX[rows.scope]
    voting = unit.positions(as_ids(participants))
    voting = np.unique(voting[voting >= 0])
    following[voting] = NONE  # participating cuts one's own delegation
    delegating = int(np.count_nonzero(following != NONE))
    # Pointer jumping over positions plus one end for the dead ends (index ``size``).
    ends = np.arange(size + 1, dtype=np.int64)
    walking = np.flatnonzero(following >= 0)
    ends[walking] = following[walking]
    ends[np.flatnonzero(following == DEAD)] = size
    depth = np.zeros(size + 1, dtype=np.int64)
    depth[walking] = 1
    moving = walking
    for _ in range(size.bit_length() + 1):
        target = ends[moving]
        still = ends[target] != target
        moving, target = moving[still], target[still]
        if not len(moving):
            break
        depth[moving] += depth[target]
        ends[moving] = ends[target]
    participant = np.zeros(size + 1, dtype=bool)
    participant[voting] = True
    counted = walking[participant[ends[walking]]]
    # Per position, plus a trailing 0 that position -1 (not eligible) reads.
    weight_at = np.bincount(ends[counted], minlength=size + 1) + participant
    return ArrayResolution(
        unit=unit,
        voters=unit.eligible[voting],
        weights=weight_at[voting],
        eligible_count=size,
        lost_count=delegating - len(counted),
        absent_count=size - len(voting) - delegating,
        _weight_at=weight_at,
        _next=following,
        _scope=scope,
        _counted=counted,
        _depth=depth[counted],
    )


def resolve_rows(
    eligible: Iterable[int], rows: Iterable[Delegation], participants: Iterable[int]
) -> ArrayResolution:
    """:func:`resolve_arrays` in one call from :class:`~delegation.Delegation` rows of any
    scope, as :func:`~delegation.resolve_delegations` is for the dict resolver.

    Raises
    ------
    InvalidDelegationError
        For a row of an unknown scope, a unit row without trustee, or as the builders raise.

    Examples
    --------
    >>> rows = [Delegation(1, 3, "unit"), Delegation(1, None, "issue"), Delegation(2, 9, "area")]
    >>> r = resolve_rows({1, 2, 3}, rows, {3})
    >>> r.voters.tolist(), r.weights.tolist(), r.lost_count, r.absent_count
    ([3], [1], 1, 1)
    """
    unit, area, issue = build_arrays(eligible, rows)
    return resolve_arrays(unit, participants, area, issue)


def build_arrays(
    eligible: Iterable[int], rows: Iterable[Delegation]
) -> tuple[UnitArrays, OverrideArrays, OverrideArrays]:
    """The unit's arrays and the area's and issue's override arrays of
    :class:`~delegation.Delegation` rows of any scope (the inputs of :func:`resolve_arrays`).

    Raises
    ------
    InvalidDelegationError
        For a row of an unknown scope, a unit row without trustee, or as the builders raise.
    """
    by_scope: dict[Scope, list[Delegation]] = {scope: [] for scope in SCOPES}
    for row in rows:
        bucket = by_scope.get(row.scope)
        if bucket is None:
            raise InvalidDelegationError(f"row of member {row.truster_id} has scope {row.scope!r}")
        bucket.append(row)
    columns = {
        scope: (
            [r.truster_id for r in scoped],
            [r.trustee_id or 0 for r in scoped],
            [r.trustee_id is None for r in scoped],
        )
        for scope, scoped in by_scope.items()
    }
    trusters, trustees, nulls = columns["unit"]
    if any(nulls):
        truster = trusters[nulls.index(True)]
        raise InvalidDelegationError(f"unit delegation of member {truster} has no trustee")
    unit = build_unit_arrays(as_ids(eligible), trusters, trustees)
    area = build_override_arrays(unit, "area", *columns["area"])
    return unit, area, build_override_arrays(unit, "issue", *columns["issue"])
