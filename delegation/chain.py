"""The delegation chain of one member, as shown to people (DESIGN.md section 3).

Assumptions
-----------
* A live chain (issue before close, area or unit) is walked hop by hop with :func:`walk_chain`
  over lookups (member -> eligible, member -> delegation rows of the context's scopes, member ->
  participation), so a caller backed by a database asks only about the members on the chain;
  :func:`delegation_chain` runs the same walk over the unit graph and overrides of
  :mod:`delegation.graph`: pass no overrides for a unit chain, area rows only for an area chain.
* ``participants`` is the set the caller may reveal: interested members before full freeze;
  from full freeze on only ``{member}`` (if they cast a ballot) together with ``shown={member}``
  so that every other row's ``participation`` is ``None``; ``None`` for area and unit chains and
  for issues canceled before voting (``participation`` null on every row).
* A closed issue's chain is replayed from the stored result with :func:`replay_walk` (hop by
  hop over lookups) or :func:`replay_chain` (the whole stored result), never recomputed.

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

from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, replace
from typing import Literal

from delegation.exceptions import InvalidStoredChainError
from delegation.graph import NO_OVERRIDES, Overrides, Scope, UnitGraph, effective_delegation

__all__ = [
    "ChainRow",
    "Loop",
    "applicable_delegation",
    "delegation_chain",
    "replay_chain",
    "replay_walk",
    "walk_chain",
]

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


def applicable_delegation(rows: Mapping[Scope, int | None]) -> tuple[int | None, Scope] | None:
    """DESIGN.md section 3: the one delegation that applies to a member in a walk.

    ``rows`` are the member's delegation rows in the scopes of the context (the unit's unit row,
    the area's area row, the issue's issue row), scope -> trustee (``None`` for a block).
    Precedence is issue > area > unit; a block at a higher scope hides the lower rows.

    >>> applicable_delegation({"unit": 2, "area": None}), applicable_delegation({})
    ((None, 'area'), None)
    """
    for scope in ("issue", "area", "unit"):
        if scope in rows:
            return rows[scope], scope
    return None


def walk_chain(
    member_id: int,
    *,
    eligible: Callable[[int], bool],
    delegations: Callable[[int], Mapping[Scope, int | None]],
    participation: Callable[[int], bool | None] | None = None,
) -> list[ChainRow]:
    """Return the live delegation chain of ``member_id``, asking only about the members on it.

    The walk of :func:`delegation_chain` (see the module docstring for the semantics), hop by
    hop over lookups, so its cost grows with the length of the chain and not with the size of
    the unit: each member on the chain is looked up once with ``eligible``; ``delegations`` is
    asked only for eligible members, ``participation`` only for eligible members when given.

    Parameters
    ----------
    member_id : int
    eligible : callable
        Member -> eligible in the unit.
    delegations : callable
        Member -> their rows in the context's scopes, scope -> trustee or ``None`` (a block);
        precedence is applied by :func:`applicable_delegation`.
    participation : callable, optional
        Member -> participates directly (``None`` when that may not be shown).  Without it
        ``participation`` is null on every row and nothing is overridden.

    Returns
    -------
    list of ChainRow

    Examples
    --------
    >>> rows = {1: {"unit": 2, "area": 3}, 3: {"issue": None}}
    >>> for r in walk_chain(1, eligible=lambda m: m < 9, delegations=lambda m: rows.get(m, {})):
    ...     print(r.member_id, r.scope_in, r.scope_out, r.disabled_out)
    1 None area False
    3 area issue True
    """
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
        if rows and participation is not None:
            overridden = _or3(overridden, rows[-1].participation)
        valid = eligible(current)
        shown: bool | None = None
        if participation is not None:
            shown = participation(current) if valid else False
        link = applicable_delegation(delegations(current)) if valid else None
        trustee, scope_out = link if link is not None else (None, None)
        rows.append(
            ChainRow(
                index=len(rows),
                member_id=current,
                member_valid=valid,
                participation=shown,
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


def delegation_chain(
    unit_graph: UnitGraph,
    member_id: int,
    overrides: Overrides | None = None,
    *,
    participants: Set[int] | None = None,
    shown: Set[int] | None = None,
) -> list[ChainRow]:
    """Return the live delegation chain of ``member_id`` from a whole unit graph.

    :func:`walk_chain` over lookups into the graph and overrides.

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

    def delegations(member: int) -> dict[Scope, int | None]:
        link = effective_delegation(unit_graph, over, member)
        return {} if link is None else {link[1]: link[0]}

    def participation(member: int) -> bool | None:
        assert participants is not None
        return member in participants if shown is None or member in shown else None

    return walk_chain(
        member_id,
        eligible=unit_graph.eligible.__contains__,
        delegations=delegations,
        participation=None if participants is None else participation,
    )


def replay_chain(
    member_id: int,
    direct_voters: Set[int],
    delegating_voters: Mapping[int, tuple[int, Scope]],
) -> list[ChainRow]:
    """Replay the stored chain of a closed issue: member -> trustee -> ... -> direct voter.

    :func:`replay_walk` over the whole stored result held in memory.

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
        As :func:`replay_walk`.

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
    return replay_walk(member_id, voted=direct_voters.__contains__, link=delegating_voters.get)


def replay_walk(
    member_id: int,
    *,
    voted: Callable[[int], bool],
    link: Callable[[int], tuple[int, Scope] | None],
) -> list[ChainRow]:
    """Replay the stored chain of a closed issue hop by hop, asking only about its members.

    Parameters
    ----------
    member_id : int
    voted : callable
        Member -> is a stored direct voter of the issue.
    link : callable
        Member -> the stored ``(trustee_id, scope)`` of that delegating voter, or ``None``.

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
    >>> links = {1: (2, "unit"), 2: (3, "issue")}
    >>> [r.member_id for r in replay_walk(1, voted={3}.__contains__, link=links.get)]
    [1, 2, 3]
    """
    rows: list[ChainRow] = []
    seen: set[int] = set()
    current = member_id
    scope_in: Scope | None = None
    while True:
        if current in seen:
            raise InvalidStoredChainError(f"stored chain of member {member_id} loops")
        seen.add(current)
        direct = voted(current)
        stored = None if direct else link(current)
        if not direct and stored is None and rows:
            raise InvalidStoredChainError(
                f"stored chain of member {member_id} ends at {current}, who did not vote"
            )
        rows.append(
            ChainRow(
                index=len(rows),
                member_id=current,
                member_valid=True,
                participation=direct,
                overridden=None,
                scope_in=scope_in,
                scope_out=stored[1] if stored is not None else None,
                disabled_out=None,
                loop=None,
            )
        )
        if stored is None:
            return rows
        current, scope_in = stored
