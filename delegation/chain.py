"""The delegation chain of one member, as shown to people (DESIGN.md section 3).

Assumptions
-----------
* A live chain (issue before close, area or unit) is computed from the unit graph and overrides of
  :mod:`delegation.graph`: pass no overrides for a unit chain, area rows only for an area chain.
* ``participants`` is the set the caller may reveal: interested members before full freeze;
  from full freeze on only ``{member}`` (if they cast a ballot) together with ``shown={member}``
  so that every other row's ``participation`` is ``None``; ``None`` for area and unit chains and
  for issues canceled before voting (``participation`` null on every row).
* A closed issue's chain is replayed from the stored result with :func:`replay_chain`, never
  recomputed.

Semantics (LiquidFeedback core ``delegation_chain``, with the choices below)
----------------------------------------------------------------------------
The walk starts at the member and follows the effective delegation (issue > area > unit).  It
does *not* stop at participants; it stops after a member with no effective delegation, a null
block (``disabled_out`` true, ``scope_out`` the blocking scope), an ineligible member
(``member_valid`` false, ``scope_out`` null -- their delegation never counts), or a member
already seen.  In the last case one extra row repeats the recurring member with its link fields
filled as usual; the recurring member's first row is marked ``first``, the rows after it
``intermediate``, the row before the repetition ``last`` and the repetition ``repetition``.
``scope_in`` is the previous row's ``scope_out``.

* ``participation`` of an ineligible member is false whenever participation is shown at all
  (as in LiquidFeedback), because an ineligible member cannot participate.
* ``overridden`` is false on row 0; on later rows it is the three-valued OR of the
  ``participation`` of all earlier rows (true if an earlier member participates, null if an
  earlier participation is hidden and none is known true).  LiquidFeedback resets it to null
  after any hidden row even when the member's own ballot already overrode the rest; we keep it
  true.  With ``participants=None`` nothing can override and ``overridden`` is false throughout,
  as in LiquidFeedback's unit chains.
"""

from collections.abc import Mapping, Set
from dataclasses import dataclass, replace
from typing import Literal

from delegation.exceptions import InvalidStoredChainError
from delegation.graph import NO_OVERRIDES, Overrides, Scope, UnitGraph, effective_delegation

__all__ = ["ChainRow", "Loop", "delegation_chain", "replay_chain"]

Loop = Literal["first", "intermediate", "last", "repetition"]


@dataclass(frozen=True)
class ChainRow:
    """One row of a delegation chain.

    Attributes
    ----------
    index : int
        Position, 0 for the member asked about.
    member_id : int
    member_valid : bool
        The member is eligible in the unit.
    participation : bool or None
        The member participates directly (``None`` when not shown).
    overridden : bool or None
        An earlier member of the chain participates, so this part does not carry the weight.
    scope_in, scope_out : str or None
        Scope of the incoming and outgoing link.
    disabled_out : bool or None
        The outgoing link is a null block.
    loop : str or None
        ``"first"``, ``"intermediate"``, ``"last"``, ``"repetition"`` or ``None``.
    """

    index: int
    member_id: int
    member_valid: bool
    participation: bool | None
    overridden: bool | None
    scope_in: Scope | None
    scope_out: Scope | None
    disabled_out: bool | None
    loop: Loop | None = None


def _or3(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def delegation_chain(
    unit_graph: UnitGraph,
    member_id: int,
    overrides: Overrides | None = None,
    *,
    participants: Set[int] | None = None,
    shown: Set[int] | None = None,
) -> list[ChainRow]:
    """Return the live delegation chain of ``member_id``.

    Parameters
    ----------
    unit_graph : UnitGraph
        The unit graph (the unit's delegations and eligible members).
    member_id : int
        The member whose chain is shown.
    overrides : Overrides, optional
        Area rows (area chain) or area and issue rows (issue chain); none for a unit chain.
    participants : set of int, optional
        Direct participants whose participation may be revealed; ``None`` makes ``participation``
        null on every row.
    shown : set of int, optional
        If given, ``participation`` is shown only for these members and null for the others.

    Returns
    -------
    list of ChainRow

    Examples
    --------
    A loop 1 -> 2 -> 3 -> 2 in a unit chain:

    >>> from delegation.graph import Delegation, build_unit_graph
    >>> g = build_unit_graph({1, 2, 3}, [Delegation(1, 2, "unit"), Delegation(2, 3, "unit"),
    ...                                  Delegation(3, 2, "unit")])
    >>> for r in delegation_chain(g, 1):
    ...     print(r.index, r.member_id, r.scope_in, r.scope_out, r.loop)
    0 1 None unit None
    1 2 unit unit first
    2 3 unit unit last
    3 2 unit unit repetition
    """
    over = overrides if overrides is not None else NO_OVERRIDES
    eligible = unit_graph.eligible
    rows: list[ChainRow] = []
    visited: set[int] = set()
    repeated: int | None = None
    current = member_id
    scope_in: Scope | None = None
    overridden: bool | None = False
    while True:
        if current in visited:
            repeated = current
        visited.add(current)
        if rows and participants is not None:
            overridden = _or3(overridden, rows[-1].participation)
        valid = current in eligible
        participation: bool | None = None
        if participants is not None:
            if not valid:
                participation = False
            elif shown is None or current in shown:
                participation = current in participants
        link = effective_delegation(unit_graph, over, current) if valid else None
        trustee, scope_out = link if link is not None else (None, None)
        rows.append(
            ChainRow(
                index=len(rows),
                member_id=current,
                member_valid=valid,
                participation=participation,
                overridden=overridden,
                scope_in=scope_in,
                scope_out=scope_out,
                disabled_out=link is not None and trustee is None,
            )
        )
        if trustee is None or repeated is not None:
            break
        current = trustee
        scope_in = scope_out
    if repeated is None:
        return rows
    marked: list[ChainRow] = []
    in_loop = False
    last = len(rows) - 1
    for i, row in enumerate(rows):
        loop: Loop | None = None
        if in_loop:
            loop = "repetition" if i == last else "last" if i == last - 1 else "intermediate"
        elif row.member_id == repeated:
            loop = "first"
            in_loop = True
        marked.append(replace(row, loop=loop))
    return marked


def replay_chain(
    member_id: int,
    direct_voters: Set[int],
    delegating_voters: Mapping[int, tuple[int, Scope]],
) -> list[ChainRow]:
    """Replay the stored chain of a closed issue: member -> trustee -> ... -> direct voter.

    Parameters
    ----------
    member_id : int
    direct_voters : set of int
        The issue's stored direct voters.
    delegating_voters : Mapping[int, tuple[int, Scope]]
        Stored delegating voter -> ``(trustee_id, scope)`` of the delegation used.

    Returns
    -------
    list of ChainRow
        Rows 0, 1, 2 ... up to the direct voter who carried the weight, or the member alone when
        their weight was not counted.  ``member_valid`` is true; ``participation`` is true on the
        direct voter's row only; ``scope_out`` is null on that row; ``overridden``,
        ``disabled_out`` and ``loop`` are null.

    Raises
    ------
    InvalidStoredChainError
        When the stored links loop or end at a member who is no direct voter.

    Examples
    --------
    >>> rows = replay_chain(1, {3}, {1: (2, "unit"), 2: (3, "issue")})
    >>> [(r.member_id, r.participation, r.scope_in, r.scope_out) for r in rows]
    [(1, False, None, 'unit'), (2, False, 'unit', 'issue'), (3, True, 'issue', None)]
    >>> [(r.member_id, r.participation) for r in replay_chain(7, {3}, {})]
    [(7, False)]
    """
    rows: list[ChainRow] = []
    seen: set[int] = set()
    current = member_id
    scope_in: Scope | None = None
    while True:
        if current in seen:
            raise InvalidStoredChainError(f"stored chain of member {member_id} loops")
        seen.add(current)
        voted = current in direct_voters
        link = None if voted else delegating_voters.get(current)
        if not voted and link is None and rows:
            raise InvalidStoredChainError(
                f"stored chain of member {member_id} ends at {current}, who did not vote"
            )
        rows.append(
            ChainRow(
                index=len(rows),
                member_id=current,
                member_valid=True,
                participation=voted,
                overridden=None,
                scope_in=scope_in,
                scope_out=link[1] if link is not None else None,
                disabled_out=None,
                loop=None,
            )
        )
        if link is None:
            return rows
        current, scope_in = link
