"""Every member's carried weight in one issue at once, blind to participation (issue 11).

The agenda and the notifications ask what a member's ballot *would* count for: 1 + everyone whose
effective delegation leads to the member, as if nobody but the member took part (so the member's
own delegation is cut, as a ballot cuts it). :func:`delegation.resolve` answers that for one
member at a time (the member as the only participant); :func:`carried_weights` answers it for
every member in one pass over plain dicts -- no networkx graph to build, as a fan-out of a unit
of a million members reads only its delegation rows once.

Semantics (the same as ``resolve(graph, {m}, overrides).weights[m]`` for every member ``m``)
--------------------------------------------------------------------------------------------
Effective delegations (precedence issue > area > unit, a null trustee blocking the scopes below,
rows of ineligible trusters dropped -- the rules of :mod:`delegation.graph`) give each eligible
member at most one trustee: a functional graph, each of whose weakly connected parts is a
tree or a single cycle with trees hanging on it.

* A member on no cycle carries 1 + the size of the tree behind them.
* A member on a cycle carries the whole part: every member of the part reaches them (the cycle
  leads back to them, and their own delegation is cut).
* A chain ends at an ineligible member (they have no effective delegation and carry 0).

Cost: O(delegations). Direct delegators are counted with :class:`collections.Counter` (C speed);
Python code loops only over delegators who are trustees themselves (delegates with a delegate),
and walks each cycle once.
"""

from collections import Counter
from collections.abc import Iterable, Set

from delegation.exceptions import InvalidDelegationError
from delegation.graph import SCOPES, Overrides, UnitGraph

Row = tuple[int, int | None, str]
"""``(truster_id, trustee_id or None, scope)``: a :class:`~delegation.graph.Delegation` or the
same plain tuple as read from the database."""

__all__ = ["carried_weights", "carried_weights_over"]


def _effective_links(eligible: Set[int], rows: Iterable[Row]) -> dict[int, int]:
    """Eligible member -> trustee of the delegation that applies to them: issue over area over
    unit, a null trustee blocking the scopes below (as :func:`~delegation.graph.build_overrides`
    layers them over the unit graph); rows of ineligible trusters never count. Rows are checked
    as :func:`~delegation.graph.build_unit_graph` checks them."""
    by_scope: dict[str, dict[int, int | None]] = {scope: {} for scope in SCOPES}
    for truster, trustee, scope in rows:
        index = by_scope.get(scope)
        if index is None:
            raise InvalidDelegationError(f"row of member {truster} has scope {scope!r}")
        if truster in index:
            raise InvalidDelegationError(f"member {truster} has more than one {scope} delegation")
        if trustee == truster:
            raise InvalidDelegationError(f"member {truster} delegates to themselves")
        index[truster] = trustee
    if None in by_scope["unit"].values():
        truster = next(t for t, e in by_scope["unit"].items() if e is None)
        raise InvalidDelegationError(f"unit delegation of member {truster} has no trustee")
    link = by_scope["unit"]
    link.update(by_scope["area"])  # area over unit, a null trustee blocking it
    link.update(by_scope["issue"])  # issue over both
    return {t: e for t, e in link.items() if e is not None and t in eligible}


def carried_weights(eligible: Iterable[int], rows: Iterable[Row]) -> dict[int, int]:
    """Return the weight every eligible member would carry in one issue, if they alone took part.

    Parameters
    ----------
    eligible : iterable of int
        Members eligible in the issue's unit (a ``frozenset`` or ``set`` is used as is). Members
        named by no row may be left out: they carry 1 either way.
    rows : iterable of Delegation (or plain ``(truster_id, trustee_id, scope)`` tuples)
        Unit rows of the unit, area rows of the issue's area and issue rows of the issue, in any
        order (as :func:`~delegation.resolve.resolve_delegations` takes them).

    Returns
    -------
    dict
        Member -> weight (>= 2) for every eligible member somebody's weight reaches. Every other
        eligible member carries 1; a member who is not eligible carries 0.

    Raises
    ------
    InvalidDelegationError
        For an unknown scope, a self-delegation, a unit row without trustee, or a truster
        repeated within a scope.

    Examples
    --------
    ``1 -> 2 -> 3`` plus the cycle ``4 -> 5 -> 4`` with ``6 -> 4`` at unit scope, but 6 blocks the
    issue (and 1's area delegation is overridden by an issue one); 7 is not eligible.

    >>> from delegation.graph import Delegation
    >>> pairs = [(1, 2), (2, 3), (4, 5), (5, 4), (6, 4), (8, 7)]
    >>> rows = [Delegation(t, e, "unit") for t, e in pairs]
    >>> rows += [Delegation(6, None, "issue"), Delegation(1, 5, "area"), Delegation(1, 2, "issue")]
    >>> dict(sorted(carried_weights({1, 2, 3, 4, 5, 6, 8}, rows).items()))
    {2: 2, 3: 3, 4: 2, 5: 2}
    """
    members = eligible if isinstance(eligible, Set) else frozenset(eligible)
    return _carried(members, _effective_links(members, rows))


def _carried(members: Set[int], link: dict[int, int]) -> dict[int, int]:
    """The weights of :func:`carried_weights`, given every eligible member's effective link."""
    behind = Counter(link.values())  # trustee -> members behind them; direct delegators first
    inner = {t: link[t] for t in behind.keys() & link.keys()}  # trustees who delegate too
    waiting = Counter(inner.values())  # inner member -> inner delegators not yet passed on
    ready = [t for t in inner if t not in waiting]
    # Leaves first: a delegate passes everyone behind them on to their own trustee.
    while ready:
        member = ready.pop()
        trustee = inner[member]
        behind[trustee] += behind[member]
        waiting[trustee] -= 1
        if not waiting[trustee] and trustee in inner:
            ready.append(trustee)
    weights = {m: n + 1 for m, n in behind.items() if m in members}
    # What is left of ``inner`` with delegators still waiting lies on cycles: everyone in the
    # cycle's part reaches each of its members. The part's size is the sum of behind[] over the
    # cycle (each count includes the member's predecessor on the cycle, not the member).
    for start in [m for m in inner if waiting[m]]:
        if not waiting[start]:
            continue  # already walked as part of an earlier cycle
        cycle = [start]
        member = inner[start]
        while member != start:
            cycle.append(member)
            member = inner[member]
        size = sum(behind[m] for m in cycle)
        for m in cycle:
            weights[m] = size
            waiting[m] = 0
    return weights


def carried_weights_over(graph: UnitGraph, overrides: Overrides) -> dict[int, int]:
    """:func:`carried_weights` from a unit graph and an issue's overrides, as a lifecycle run
    holds them when it takes the issue's snapshot: no delegation row is read again, and the
    effective links are the graph's, replaced by the overrides' (both hold only eligible
    trusters' rows, checked when they were built; a ``None`` override is a block). The same
    answer as ``carried_weights`` of the rows they were built from (a property test)."""
    link: dict[int, int | None] = {**graph.trustee, **overrides.trustee}
    return _carried(graph.eligible, {t: e for t, e in link.items() if e is not None})
