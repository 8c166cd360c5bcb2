"""Every member's carried weight in one issue at once, blind to participation (issue 11).

The agenda and the notifications ask what a member's ballot *would* count for: 1 + everyone whose
effective delegation leads to the member, as if nobody but the member took part (so the member's
own delegation is cut, as a ballot cuts it). :func:`delegation.resolve` answers that for one
member at a time (the member as the only participant); :func:`carried_weights` answers it for
every member in one pass over the same unit graph and overrides.

Semantics (the same as ``resolve(graph, {m}, overrides).weights[m]`` for every member ``m``)
--------------------------------------------------------------------------------------------
Effective delegations (precedence, null blocks and eligibility already applied by
:func:`~delegation.graph.build_overrides` / :func:`~delegation.graph.build_unit_graph`) give each
eligible member at most one trustee: a functional graph, each of whose weakly connected parts is a
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

from delegation.graph import NO_OVERRIDES, Overrides, UnitGraph

__all__ = ["carried_weights"]


def carried_weights(unit_graph: UnitGraph, overrides: Overrides | None = None) -> dict[int, int]:
    """Return the weight every eligible member would carry in one issue, if they alone took part.

    Parameters
    ----------
    unit_graph : UnitGraph
        The graph of the issue's unit (:func:`~delegation.graph.build_unit_graph`).
    overrides : Overrides, optional
        The issue's area and issue rows (:func:`~delegation.graph.build_overrides`).

    Returns
    -------
    dict
        Member -> weight (>= 2) for every eligible member somebody's weight reaches. Every other
        eligible member carries 1; a member who is not eligible carries 0.

    Examples
    --------
    ``1 -> 2 -> 3`` plus the cycle ``4 -> 5 -> 4`` with ``6 -> 4``; 7 is not eligible.

    >>> from delegation.graph import Delegation, build_unit_graph
    >>> pairs = [(1, 2), (2, 3), (4, 5), (5, 4), (6, 4), (8, 7)]
    >>> rows = [Delegation(t, e, "unit") for t, e in pairs]
    >>> graph = build_unit_graph({1, 2, 3, 4, 5, 6, 8}, rows)
    >>> dict(sorted(carried_weights(graph).items()))
    {2: 2, 3: 3, 4: 3, 5: 3}
    """
    over = overrides if overrides is not None else NO_OVERRIDES
    # Eligible member -> effective trustee (a block is no link; an overridden unit link is gone).
    link = dict(unit_graph.trustee)
    for truster in over.trustee.keys() & link.keys():
        del link[truster]
    link.update(over.links)

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
    eligible = unit_graph.eligible
    weights = {m: n + 1 for m, n in behind.items() if m in eligible}
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
