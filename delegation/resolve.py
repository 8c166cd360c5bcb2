"""Resolve scoped transitive delegations of one issue into weights (DESIGN.md section 3).

Assumptions
-----------
* The unit graph and overrides come from :mod:`delegation.graph` (precedence issue > area > unit,
  a null trustee blocks lower scopes, rows of ineligible trusters are already dropped).
* ``participants`` are the direct participants: members with interest for a snapshot, ballot
  casters for the final vote.  A "participant" who is not eligible is ignored -- treated exactly
  like any other ineligible member: no weight, not lost, not absent, and weight sent to them is
  lost.  Callers normally filter beforehand.
* Participating cuts the participant's own delegation.

Semantics
---------
Each eligible participant starts with weight 1.  Every eligible non-participant whose effective
delegation chain reaches a participant through eligible non-participants adds 1 to that
participant and to every delegating member in between (their *intermediate* weight is 1 plus
everyone behind them).  Because every non-participant has at most one effective delegation, the
members behind a participant form a tree, so a cycle carries weight only if it contains a
participant, and then each participant collects the non-participants behind them up to the next
participant: ``A -> B -> C -> D -> A`` with A and C participating gives C weight 2 (C, B) and A
weight 2 (A, D).

An eligible non-participant is *absent* when no delegation applies to them (none, or a null
block) and *lost* when their effective delegation leads to no participant (a delegation to or
through an ineligible member, a chain ending at a member who neither participates nor delegates,
or a cycle without participant).  Invariant: ``sum(weights) + lost + absent = eligible``.

Performance
-----------
The walk goes *backwards* from the participants, breadth-first and one level at a time, over the
unit graph's reverse index plus the override reverse index.  Python code loops only over
*trustees* (members somebody delegates to -- usually a small set of delegates); their delegators
are counted with set operations that run in C, and the walk continues only through delegators
who are trustees themselves, so delegators nobody delegates to (most of them) are never
materialised.  Counts of lost and absent members come from set sizes in O(participants +
overrides).  ``delegators`` and the ``intermediate_weights``, ``trustees`` and ``scopes`` views
are built on first access (O(delegators)), the ``lost``/``absent`` member sets too (O(eligible)):
a snapshot needs only the participants' weights and the counts; the final vote pays for the
per-delegator data when it stores it.
"""

from collections.abc import (
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    Set,
    ValuesView,
)
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import repeat
from operator import add
from typing import Any, TypeVar

from delegation.exceptions import InvalidDelegationError
from delegation.graph import (
    NO_OVERRIDES,
    Delegation,
    Overrides,
    Scope,
    UnitGraph,
    build_overrides,
    build_unit_graph,
)

__all__ = ["Resolution", "delegate_member_ids", "resolve", "resolve_delegations"]


_V = TypeVar("_V")


class _LazySet(Set[int]):
    """A read-only set whose size is known up front and whose members are built on first use."""

    __slots__ = ("_build", "_members", "_size")

    def __init__(self, build: Callable[[], frozenset[int]], size: int) -> None:
        self._build: Callable[[], frozenset[int]] | None = build
        self._members: frozenset[int] = frozenset()
        self._size = size

    def _get(self) -> frozenset[int]:
        if self._build is not None:
            self._members = self._build()
            self._build = None
        return self._members

    def __contains__(self, key: object) -> bool:
        return key in self._get()

    def __iter__(self) -> Iterator[int]:
        return iter(self._get())

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return repr(set(self._get()))


class _LazyDict(Mapping[int, _V]):
    """A read-only mapping built in one go on first access."""

    __slots__ = ("_build", "_data")

    def __init__(self, build: Callable[[], dict[int, _V]]) -> None:
        self._build: Callable[[], dict[int, _V]] | None = build
        self._data: dict[int, _V] = {}

    def _get(self) -> dict[int, _V]:
        if self._build is not None:
            self._data = self._build()
            self._build = None
        return self._data

    def __getitem__(self, key: int) -> _V:
        return self._get()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._get()

    def __iter__(self) -> Iterator[int]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def get(self, key: int, default: Any = None) -> Any:
        return self._get().get(key, default)

    # The views of the built dict: bulk reads (``dict(m.items())``, loops over ``items()``) then
    # run at C speed instead of calling ``__getitem__`` once per key.
    def keys(self) -> KeysView[int]:
        return self._get().keys()

    def items(self) -> ItemsView[int, _V]:
        return self._get().items()

    def values(self) -> ValuesView[_V]:
        return self._get().values()

    def __repr__(self) -> str:
        return repr(self._get())


@dataclass(frozen=True)
class Resolution:
    """The weights of one issue's participants and how they came about.

    Treat every mapping as read-only.  ``delegators``, ``intermediate_weights``, ``trustees`` and
    ``scopes`` are built in one go on first access: a snapshot that needs only the participants'
    weights and the counts never pays for them; the final vote does when it stores the delegating
    voters (read them in bulk through ``.items()``, which runs at C speed).

    Attributes
    ----------
    weights : Mapping[int, int]
        Eligible participant -> weight (1 + everyone whose weight they carry).
    delegators : Set[int]
        Delegating members whose weight reaches a participant (a read-only set view).
    intermediate_weights : Mapping[int, int]
        Delegator -> intermediate weight (1 + everyone behind them).
    trustees : Mapping[int, int]
        Delegator -> trustee of the delegation used (first element of the chain).
    scopes : Mapping[int, Scope]
        Delegator -> scope of the delegation used.
    eligible_count, lost_count, absent_count : int
        ``sum(weights.values()) + lost_count + absent_count == eligible_count``.
    """

    weights: Mapping[int, int]
    delegators: Set[int]
    intermediate_weights: Mapping[int, int]
    trustees: Mapping[int, int]
    scopes: Mapping[int, Scope]
    eligible_count: int
    lost_count: int
    absent_count: int
    unit_graph: UnitGraph = field(repr=False, compare=False)
    overrides: Overrides = field(repr=False, compare=False)

    @cached_property
    def _delegating(self) -> frozenset[int]:
        """Eligible non-participants with an effective, non-null delegation."""
        over = self.overrides
        unit = self.unit_graph.trusters.difference(over.trustee)
        return unit.union(over.links).difference(self.weights)

    @cached_property
    def lost(self) -> frozenset[int]:
        """Eligible non-participants whose effective delegation leads to no participant."""
        return self._delegating.difference(self.delegators)

    @cached_property
    def absent(self) -> frozenset[int]:
        """Eligible non-participants with no effective delegation (none, or a null block)."""
        return self.unit_graph.eligible.difference(self.weights, self._delegating)


def resolve(
    unit_graph: UnitGraph,
    participants: Iterable[int],
    overrides: Overrides | None = None,
) -> Resolution:
    """Resolve the delegations of one issue backwards from its direct participants.

    Parameters
    ----------
    unit_graph : UnitGraph
        The graph of the issue's unit, from :func:`~delegation.graph.build_unit_graph` (reusable).
    participants : iterable of int
        Direct participants; ineligible ones are ignored.
    overrides : Overrides, optional
        The issue's area and issue rows, from :func:`~delegation.graph.build_overrides`.

    Returns
    -------
    Resolution

    Examples
    --------
    The cycle of DESIGN.md section 3: A=1 -> B=2 -> C=3 -> D=4 -> A, A and C participate.

    >>> from delegation.graph import Delegation, build_unit_graph
    >>> rows = [Delegation(1, 2, "unit"), Delegation(2, 3, "unit"),
    ...         Delegation(3, 4, "unit"), Delegation(4, 1, "unit")]
    >>> r = resolve(build_unit_graph({1, 2, 3, 4}, rows), {1, 3})
    >>> dict(sorted(r.weights.items())), dict(sorted(r.trustees.items()))
    ({1: 2, 3: 2}, {2: 3, 4: 1})
    >>> r.lost_count, r.absent_count
    (0, 0)
    """
    over = overrides if overrides is not None else NO_OVERRIDES
    eligible = unit_graph.eligible
    unit_trustee = unit_graph.trustee
    unit_trustees = unit_graph.trustees
    pred = unit_graph.trusters_of
    over_links = over.links
    over_trustees = over.trustees
    trusters_of = over.trusters_of

    roots = eligible.intersection(participants)
    unit_roots = roots.intersection(unit_graph.trusters)
    # Unit trusters whose unit delegation does not apply: they participate or are overridden.
    blocked = unit_roots.union(over.unit_overridden)
    trustees = unit_trustees.union(over_trustees)

    # Breadth-first, one level at a time, backwards from the participants.  The delegators of a
    # trustee are its unit trusters that are not blocked, plus its override trusters that
    # do not participate; each delegator is found once, from its effective trustee.  Only their
    # number is taken here (set operations in C); the walk continues only through delegators who
    # are trustees themselves.  behind[m] first counts m's direct delegators.
    behind: dict[int, int] = {}
    walk: list[tuple[list[int], list[int]]] = []
    levels: list[set[int]] = []
    found = 0
    frontier: Iterable[int] = roots
    while True:
        nonleaf: set[int] = set()
        unit_parents: list[int] = []
        for trustee in unit_trustees.intersection(frontier):
            kids = pred[trustee]
            count = len(kids) - len(blocked.intersection(kids))
            if count:
                behind[trustee] = count
                found += count
                unit_parents.append(trustee)
                nonleaf |= trustees.intersection(kids).difference(blocked)
        over_parents: list[int] = []
        for trustee in over_trustees.intersection(frontier):
            kids_list = trusters_of[trustee]
            count = len(kids_list) - len(roots.intersection(kids_list))
            if count:
                behind[trustee] = behind.get(trustee, 0) + count
                found += count
                over_parents.append(trustee)
                nonleaf |= trustees.intersection(kids_list).difference(roots)
        if not unit_parents and not over_parents:
            break
        walk.append((unit_parents, over_parents))
        levels.append(nonleaf)
        frontier = nonleaf

    # Deepest level first, delegators with members behind them pass their count on to their
    # trustee, so behind[m] becomes the number of all members whose weight m carries.
    for nonleaf in reversed(levels):
        for t in nonleaf.intersection(behind):
            behind[over_links[t] if t in over_links else unit_trustee[t]] += behind[t]
    weights = dict(zip(roots, map(add, map(behind.get, roots, repeat(0)), repeat(1)), strict=True))

    @cache
    def split() -> tuple[frozenset[int], frozenset[int]]:
        """The delegators found through unit links and through overrides."""
        via_unit: set[int] = set()
        via_over: set[int] = set()
        for unit_parents, over_parents in walk:
            for trustee in unit_parents:
                via_unit.update(set(pred[trustee]).difference(blocked))
            for trustee in over_parents:
                via_over.update(set(trusters_of[trustee]).difference(roots))
        return frozenset(via_unit), frozenset(via_over)

    def all_delegators() -> frozenset[int]:
        via_unit, via_over = split()
        return via_unit | via_over

    def intermediate_weights() -> dict[int, int]:
        members = all_delegators()
        plus_one = map(add, map(behind.get, members, repeat(0)), repeat(1))
        return dict(zip(members, plus_one, strict=False))

    def trustee_of() -> dict[int, int]:
        via_unit, via_over = split()
        result = dict(zip(via_unit, map(unit_trustee.__getitem__, via_unit), strict=True))
        result.update(zip(via_over, map(over_links.__getitem__, via_over), strict=True))
        return result

    def scope_of() -> dict[int, Scope]:
        via_unit, via_over = split()
        result: dict[int, Scope] = dict.fromkeys(via_unit, "unit")
        result.update(zip(via_over, map(over.scope.__getitem__, via_over), strict=True))
        return result

    # Eligible non-participants with an effective non-null delegation, counted from set sizes.
    delegating = (
        len(unit_graph.trusters)
        - len(over.unit_overridden)
        + len(over_links)
        - len(unit_roots.difference(over.trustee))
        - len(roots.intersection(over_links))
    )
    return Resolution(
        weights=weights,
        delegators=_LazySet(all_delegators, found),
        intermediate_weights=_LazyDict(intermediate_weights),
        trustees=_LazyDict(trustee_of),
        scopes=_LazyDict(scope_of),
        eligible_count=len(eligible),
        lost_count=delegating - found,
        absent_count=len(eligible) - len(roots) - delegating,
        unit_graph=unit_graph,
        overrides=over,
    )


def resolve_delegations(
    eligible: Iterable[int], rows: Iterable[Delegation], participants: Iterable[int]
) -> Resolution:
    """Resolve one issue in one call (cold): build the unit graph and overrides, then resolve.

    Parameters
    ----------
    eligible : iterable of int
        Members eligible in the issue's unit.
    rows : iterable of Delegation
        Unit rows of the unit, area rows of the area and issue rows of the issue, in any order.
    participants : iterable of int
        Direct participants.

    Returns
    -------
    Resolution

    Examples
    --------
    Member 1's issue block wins over their unit delegation (absent); 2's weight goes to the
    ineligible member 9 (lost); 3 participates.

    >>> rows = [Delegation(1, 3, "unit"), Delegation(1, None, "issue"), Delegation(2, 9, "area")]
    >>> r = resolve_delegations({1, 2, 3}, rows, {3})
    >>> dict(r.weights), sorted(r.absent), sorted(r.lost)
    ({3: 1}, [1], [2])
    """
    by_scope: dict[Scope, list[Delegation]] = {"unit": [], "area": [], "issue": []}
    for row in rows:
        bucket = by_scope.get(row.scope)
        if bucket is None:
            raise InvalidDelegationError(f"row of member {row.truster_id} has scope {row.scope!r}")
        bucket.append(row)
    graph = build_unit_graph(eligible, by_scope["unit"])
    return resolve(graph, participants, build_overrides(graph, by_scope["area"], by_scope["issue"]))


def delegate_member_ids(resolution: Resolution, member_id: int) -> tuple[int, ...]:
    """Return the chain of a delegating member: from their trustee to the final participant.

    Parameters
    ----------
    resolution : Resolution
    member_id : int

    Returns
    -------
    tuple of int
        Empty when ``member_id`` is not a delegating member whose weight was counted.

    Examples
    --------
    >>> rows = [Delegation(1, 2, "unit"), Delegation(2, 3, "area")]
    >>> r = resolve_delegations({1, 2, 3}, rows, {3})
    >>> delegate_member_ids(r, 1), delegate_member_ids(r, 3)
    ((2, 3), ())
    """
    trustees = resolution.trustees
    chain: list[int] = []
    current = member_id
    while current in trustees:
        current = trustees[current]
        chain.append(current)
    return tuple(chain)
