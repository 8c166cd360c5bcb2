"""Deliberately naive reference implementations and hypothesis strategies for the properties.

Nothing here is clever: the resolver walks every member's chain with a visited set, the battle
counter compares every pair of candidates on every ballot.
"""

from collections.abc import Collection, Iterable, Mapping, Set
from dataclasses import dataclass, replace

from hypothesis import strategies as st

from delegation import (
    SCOPES,
    ChainRow,
    Delegation,
    Loop,
    Overrides,
    Scope,
    UnitGraph,
    effective_delegation,
)
from delegation.graph import NO_OVERRIDES


@dataclass
class Naive:
    weights: dict[int, int]
    intermediate_weights: dict[int, int]
    trustees: dict[int, int]
    scopes: dict[int, Scope]
    lost: set[int]
    absent: set[int]


def effective(
    eligible: set[int], rows: Iterable[Delegation], declined: Collection[Delegation] = ()
) -> dict[int, tuple[int | None, Scope]]:
    """Eligible member -> (trustee or None, scope) after precedence issue > area > unit; a
    declined row counts as if it did not exist (issue 12), so the next lower scope applies."""
    by_scope = {(r.truster_id, r.scope): r.trustee_id for r in rows if r not in declined}
    links: dict[int, tuple[int | None, Scope]] = {}
    for member in eligible:
        for scope in ("issue", "area", "unit"):
            if (member, scope) in by_scope:
                links[member] = (by_scope[member, scope], scope)
                break
    return links


def naive_resolve(
    eligible: Iterable[int],
    rows: Iterable[Delegation],
    participants: Iterable[int],
    declined: Collection[Delegation] = (),
) -> Naive:
    elig = set(eligible)
    links = effective(elig, rows, declined)
    voters = set(participants) & elig
    result = Naive({p: 1 for p in voters}, {}, {}, {}, set(), set())
    for member in sorted(elig - voters):
        link = links.get(member)
        if link is None or link[0] is None:
            result.absent.add(member)
            continue
        path = [member]
        seen = {member}
        current = link[0]
        while True:
            if current not in elig or current in seen:
                result.lost.add(member)
                break
            if current in voters:
                result.weights[current] += 1
                for behind in path:
                    result.intermediate_weights[behind] = (
                        result.intermediate_weights.get(behind, 0) + 1
                    )
                result.trustees[member] = link[0]
                result.scopes[member] = link[1]
                break
            next_link = links.get(current)
            if next_link is None or next_link[0] is None:
                result.lost.add(member)
                break
            path.append(current)
            seen.add(current)
            current = next_link[0]
    return result


def naive_battles(
    ballots: Iterable[tuple[int, Mapping[int, int]]], admitted: Iterable[int]
) -> dict[tuple[int | None, int | None], int]:
    candidates: list[int | None] = [None, *sorted(admitted)]
    battle = {(x, y): 0 for x in candidates for y in candidates if x != y}
    for weight, grades in ballots:
        for x in candidates:
            for y in candidates:
                gx = 0 if x is None else grades.get(x, 0)
                gy = 0 if y is None else grades.get(y, 0)
                if x != y and gx > gy:
                    battle[x, y] += weight
    return battle


@st.composite
def electorates(
    draw: st.DrawFn, max_members: int = 10
) -> tuple[set[int], list[Delegation], set[int]]:
    """(eligible, rows, participants) over member ids 0..n-1 plus a non-member id n.

    Rows are valid (one per truster and scope, no self-delegation, null only above unit scope);
    trusters and trustees may be ineligible; participants may be ineligible.
    """
    n = draw(st.integers(min_value=1, max_value=max_members))
    members = list(range(n))
    ineligible = draw(st.sets(st.sampled_from(members), max_size=max(1, n // 3)))
    eligible = set(members) - ineligible
    rows: list[Delegation] = []
    # Often a planted cycle of unit delegations (other scopes may still override parts of it).
    cycle = draw(st.lists(st.sampled_from(members), unique=True, max_size=n))
    if len(cycle) >= 2:
        rows.extend(
            Delegation(a, b, "unit") for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)
        )
    for scope in SCOPES:
        trusters = draw(st.lists(st.sampled_from(members), unique=True, max_size=n))
        for truster in trusters:
            if scope == "unit" and len(cycle) >= 2 and truster in cycle:
                continue
            options: list[int | None] = [m for m in [*members, n] if m != truster]
            if scope != "unit":
                options.append(None)
            rows.append(Delegation(truster, draw(st.sampled_from(options)), scope))
    participants = draw(st.sets(st.sampled_from(members), max_size=max(1, n // 2)))
    if len(cycle) >= 2:
        participants |= draw(st.sets(st.sampled_from(cycle), max_size=2))
    return eligible, rows, participants


@st.composite
def electorates_with_declines(
    draw: st.DrawFn, max_members: int = 10
) -> tuple[set[int], list[Delegation], set[int], set[Delegation]]:
    """An :func:`electorates` electorate and the rows (with a trustee) its trustees declined."""
    eligible, rows, participants = draw(electorates(max_members))
    declinable = [r for r in rows if r.trustee_id is not None]
    declined = draw(st.sets(st.sampled_from(declinable))) if declinable else set()
    return eligible, rows, participants, declined


grades = st.integers(min_value=-3, max_value=3)


@st.composite
def ballot_sets(
    draw: st.DrawFn,
) -> tuple[list[int], list[tuple[int, dict[int, int]]]]:
    admitted = sorted(draw(st.sets(st.integers(min_value=1, max_value=9), min_size=1, max_size=5)))
    ballots = draw(
        st.lists(
            st.tuples(
                st.integers(min_value=1, max_value=5),
                st.dictionaries(st.sampled_from(admitted), grades),
            ),
            max_size=12,
        )
    )
    return admitted, ballots


def _or3(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def whole_graph_chain(
    unit_graph: UnitGraph,
    member_id: int,
    overrides: Overrides | None = None,
    *,
    participants: Set[int] | None = None,
    shown: Set[int] | None = None,
) -> list[ChainRow]:
    """The whole-graph chain as it was before the hop-by-hop walk (a frozen copy)."""
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
