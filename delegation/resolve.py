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
are counted from the reverse index's list lengths less the blocked ones (per trustee with set
operations in C, or for all trustees at once when the participants reach many), and the walk
continues only through delegators who are trustees themselves, so delegators nobody delegates
to (most of them) are never materialised.  Counts of lost and absent members come from set
sizes in O(participants + overrides).  ``delegators`` and the ``intermediate_weights``,
``trustees`` and ``scopes`` views are built on first access (O(delegators), or a C-level copy
of the unit or override index when most of it was found), the ``lost``/``absent`` member sets
too (O(eligible)): a snapshot needs only the participants' weights and the counts; the final
vote pays for the per-delegator data when it stores it.
"""

from collections import Counter, deque
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
from itertools import chain, repeat
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
    pred = unit_graph.trusters_of
    over_links = over.links
    trusters_of = over.trusters_of

    roots = eligible.intersection(participants)
    unit_roots = roots.intersection(unit_graph.trusters)
    over_roots = roots.intersection(over_links)
    # Unit trusters whose unit delegation does not apply: they participate or are overridden.
    blocked = unit_roots.union(over.unit_overridden)
    walk = _walk(unit_graph, over, roots, blocked, over_roots)
    behind = walk.behind
    weights = dict.fromkeys(roots, 1)
    carrying = roots.intersection(behind)
    plus_one = map(add, map(behind.__getitem__, carrying), repeat(1))
    weights.update(zip(carrying, plus_one, strict=True))

    @cache
    def split() -> tuple[dict[int, int], dict[int, int]]:
        """Delegator -> trustee, for the delegators found through unit links and overrides."""
        via_unit = _links(unit_trustee, pred, walk.unit_parents, walk.found_unit, blocked)
        via_over = _links(over_links, trusters_of, walk.over_parents, walk.found_over, over_roots)
        return via_unit, via_over

    @cache
    def all_delegators() -> frozenset[int]:
        via_unit, via_over = split()
        return frozenset(via_unit).union(via_over)

    def intermediate_weights() -> dict[int, int]:
        # Every delegator carries 1; those with members behind them carry more.
        result = dict.fromkeys(all_delegators(), 1)
        inner = walk.inner
        plus_one = map(add, map(behind.__getitem__, inner), repeat(1))
        result.update(zip(inner, plus_one, strict=True))
        return result

    def trustee_of() -> dict[int, int]:
        via_unit, via_over = split()
        result = via_unit.copy()
        result.update(via_over)
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
        - len(over_roots)
    )
    found = walk.found_unit + walk.found_over
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


@dataclass(frozen=True)
class _Walk:
    """What the backward walk found: ``behind[m]`` counts everyone whose weight ``m`` carries
    (participants and inner delegators); ``found_unit`` and ``found_over`` count the delegators
    found through unit links and overrides, ``unit_parents`` and ``over_parents`` are the
    trustees whose delegators those are; ``inner`` are the delegators who carry somebody."""

    behind: dict[int, int]
    found_unit: int
    found_over: int
    unit_parents: list[int]
    over_parents: list[int]
    inner: list[int]


def _walk(
    unit_graph: UnitGraph,
    over: Overrides,
    roots: frozenset[int],
    blocked: frozenset[int],
    over_roots: frozenset[int],
) -> _Walk:
    """Walk breadth-first, one level at a time, backwards from the participants ``roots``.

    The delegators of a trustee are its unit trusters that are not ``blocked``, plus its
    override trusters that do not participate; each delegator is found once, from its effective
    trustee.  Only their number is taken (the list length less the cut ones, see
    :func:`_cutter`); the walk continues only through delegators who are trustees themselves.
    """
    unit_trustee = unit_graph.trustee
    unit_trustees = unit_graph.trustees
    over_links = over.links
    over_trustees = over.trustees
    trustees = unit_trustees.union(over_trustees)
    pred = unit_graph.trusters_of
    trusters_of = over.trusters_of
    unit_cut, unit_next = _cutter(unit_trustee, pred, unit_trustees, blocked, trustees, roots)
    over_cut, over_next = _cutter(
        over_links, trusters_of, over_trustees, over_roots, trustees, roots
    )

    behind: dict[int, int] = {}
    unit_parents: list[int] = []
    over_parents: list[int] = []
    levels: list[list[int]] = []
    found_unit = found_over = 0
    frontier: Iterable[int] = roots
    while True:
        nonleaf: list[int] = []
        for trustee in unit_trustees.intersection(frontier):
            count = len(pred[trustee]) - unit_cut(trustee, 0)
            if count:
                behind[trustee] = count
                found_unit += count
                unit_parents.append(trustee)
                nonleaf += unit_next(trustee, ())
        for trustee in over_trustees.intersection(frontier):
            count = len(trusters_of[trustee]) - over_cut(trustee, 0)
            if count:
                behind[trustee] = behind.get(trustee, 0) + count
                found_over += count
                over_parents.append(trustee)
                nonleaf += over_next(trustee, ())
        if not nonleaf:
            break
        levels.append(nonleaf)
        frontier = nonleaf

    # Deepest level first, delegators with members behind them pass their count on to their
    # trustee, so behind[m] becomes the number of all members whose weight m carries.
    inner: list[int] = []
    for nonleaf in reversed(levels):
        for t in behind.keys() & nonleaf:
            behind[over_links[t] if t in over_links else unit_trustee[t]] += behind[t]
            inner.append(t)
    return _Walk(behind, found_unit, found_over, unit_parents, over_parents, inner)


def _cutter(
    trustee: dict[int, int],
    trusters_of: dict[int, list[int]],
    keys: frozenset[int],
    cut: frozenset[int],
    trustees: frozenset[int],
    roots: frozenset[int],
) -> tuple[Callable[[int, int], int], Callable[[int, tuple[()]], Iterable[int]]]:
    """For one kind of links (unit or override; ``keys`` are the keys of ``trusters_of``) and
    its ``cut`` trusters (who do not use them): how many of a trustee's trusters are cut, and
    which of the others are trustees themselves (both called with a default, like ``dict.get``).

    Either per trustee with two set intersections of its trusters, or for every trustee at
    once: the cut trusters counted by trustee and the trustee-trusters grouped by trustee, in
    C.  The second pays off when the participants' own trusters outnumber the members it
    reads (a close or snapshot with many participants); the first keeps a resolve with few
    participants in O(their trusters).
    """
    # The participants' trusters, estimated from the mean number of trusters per trustee.
    # Measured at 1M members: a cut truster counted in bulk (a lookup at random in ``trustee``)
    # or a trustee costs about two probes of an intersection.
    reached = len(keys.intersection(roots)) * len(trustee) // max(len(keys), 1)
    if not _in_bulk(reached, 2 * (len(cut) + len(keys))):

        def count(member: int, default: int) -> int:
            return len(cut.intersection(trusters_of[member]))

        def nonleaf(member: int, default: tuple[()]) -> Iterable[int]:
            return trustees.intersection(trusters_of[member]).difference(cut)

        return count, nonleaf
    groups: dict[int, list[int]] = {}
    for member in (trustee.keys() & trustees).difference(cut):
        groups.setdefault(trustee[member], []).append(member)
    return Counter(map(trustee.__getitem__, cut)).get, groups.get


def _in_bulk(one_by_one: int, at_once: int) -> bool:
    """Whether to work on a whole index at once (in C) rather than on the members found: when
    the members read one by one would outnumber those read at once.

    Only speed depends on it: both ways give the same result (the tests check both).
    """
    return one_by_one > at_once


def _links(
    trustee: dict[int, int],
    trusters_of: Mapping[int, list[int]],
    parents: list[int],
    kept: int,
    cut: frozenset[int],
) -> dict[int, int]:
    """The part of ``trustee`` (truster -> trustee) whose trusters the walk found.

    These are the trusters of ``parents`` (through the reverse index ``trusters_of``) less the
    ``cut`` ones -- ``kept`` of them.  When they are most of ``trustee``, copying it and dropping
    the rest (all in C) beats building the dict key by key.
    """
    if not _in_bulk(kept, len(trustee) - kept):
        members = set(chain.from_iterable(map(trusters_of.__getitem__, parents)))
        members.difference_update(cut)
        return dict(zip(members, map(trustee.__getitem__, members), strict=True))
    links = trustee.copy()
    unfound = trusters_of.keys() - set(parents)
    dropped = chain(cut, chain.from_iterable(map(trusters_of.__getitem__, unfound)))
    deque(map(links.pop, dropped, repeat(None)), maxlen=0)
    return links


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
