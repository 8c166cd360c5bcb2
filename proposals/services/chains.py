"""The "where does my vote go" chain of DESIGN.md §3 for a unit, an area or an issue.

The chain is walked hop by hop (:func:`delegation.walk_chain`, :func:`delegation.replay_walk`)
over indexed lookups of one member at a time -- eligibility by the privilege's primary key, the
member's delegations by the ``(truster_id, unit_id|area_id|issue_id)`` unique indexes, interest,
ballots and stored voters by their primary keys -- so a request reads the members on the chain,
never the whole unit.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Session, col, or_, select

from delegation import ChainRow, Scope, replay_walk, walk_chain
from proposals.models import Delegation, Interest, Issue, standing
from proposals.services.access import eligible_in
from proposals.services.issues import BEFORE_FULL_FREEZE, get_issue
from proposals.services.members import get_member, names_of
from proposals.services.structure import get_area, get_unit
from proposals.services.voting import has_ballot, is_direct_voter, stored_link

FINISHED = ("finished_with_winner", "finished_without_winner")

OutcomeKind = Literal[
    "direct", "delegated", "pending", "lost", "hidden", "blocked", "cycle", "dead_end", "scope_only"
]
Context = Literal["issue", "area", "unit"]


@dataclass(frozen=True)
class Outcome:
    """Where a chain's vote goes now, in words (API.md GET /delegation-chain ``outcome``)."""

    kind: OutcomeKind
    member_id: int | None
    text: str


def outcome(
    rows: list[ChainRow], *, context: Context, state: str | None, names: Mapping[int, str]
) -> Outcome:
    """DESIGN.md §3: the one place that says where the vote of a chain goes now.

    A pure function of the chain's rows as this viewer may see them (:func:`chain` hides
    participation per viewer), the context (``issue``, ``area`` or ``unit``), the issue's
    ``state`` and member names; the API's ``outcome`` and the ``/chain`` page both show it.

    * Area and unit chains, and issues canceled before their vote (participation null on every
      row), say only where the delegations lead: ``scope_only``, nothing about taking part.
    * A closed issue's replayed chain: ``direct`` (the member voted), ``delegated`` (counted
      through the direct voter at its end) or ``lost`` without naming where it ended, since the
      stored result keeps no link of an uncounted member.
    * A live issue: the first member on the chain who takes part directly gets the vote
      (``direct`` when it is the member, whose own delegation is then overridden, else
      ``delegated``); when an earlier participation is not shown to this viewer, ``hidden``
      names the first such member and says "not shown", never a guess; else the chain's end
      decides: ``dead_end`` (a member without voting right), ``cycle``, ``blocked`` (a null
      block), ``pending`` (a member who neither takes part nor delegates, *yet*).
    """
    first = rows[0]
    m = first.member_id
    name = names.get(m, f"member {m}")
    last = rows[-1]

    def n(member_id: int) -> str:
        return names.get(member_id, f"member {member_id}")

    if state in FINISHED:
        if first.participation:
            return Outcome("direct", m, f"{name} voted directly: {name}'s own vote was counted.")
        if last.participation:
            text = f"{name}'s vote was counted through {n(last.member_id)}."
            return Outcome("delegated", last.member_id, text)
        return Outcome("lost", None, f"{name}'s vote was not counted in this issue.")
    if context != "issue" or (state or "").startswith("canceled"):
        return _structure_only(rows, context, name, n)
    for row in rows:
        if row.participation is None:
            if row.index == 0:
                text = (
                    f"Whether {name} or anyone on this chain has voted is not shown while"
                    " voting is open."
                )
                return Outcome("hidden", m, text)
            t = n(row.member_id)
            text = (
                f"{name}'s vote goes to {t}; whether {t} or anyone after {t} on this chain has"
                " voted is not shown while voting is open."
            )
            return Outcome("hidden", row.member_id, text)
        if row.participation:
            if row.index > 0:
                text = f"{name}'s vote goes to {n(row.member_id)}, who takes part directly."
                return Outcome("delegated", row.member_id, text)
            text = f"{name} takes part directly: {name}'s own vote counts"
            if first.scope_out is not None and not first.disabled_out:
                text += f", and {name}'s {first.scope_out} delegation does not apply"
            return Outcome("direct", m, text + ".")
    if not first.member_valid:
        text = f"{name} has no voting right in this unit, so {name} has no vote in this issue."
        return Outcome("dead_end", m, text)
    if last.loop == "repetition":
        text = (
            f"{name}'s delegations run in a loop in which nobody takes part directly (yet):"
            f" unless someone in it does, {name}'s vote carries nothing."
        )
        return Outcome("cycle", None, text)
    t = n(last.member_id)
    if not last.member_valid:
        text = (
            f"{name}'s vote goes to {t}, who has no voting right in this unit: it is lost there"
            " unless someone earlier on this chain takes part directly."
        )
        return Outcome("dead_end", last.member_id, text)
    if last.disabled_out:
        here = f"this {last.scope_out}" if last.scope_out == "issue" else f"this {context}'s area"
        if last.index == 0:
            text = (
                f'{name} chose "no delegation here" for {here}: {name}\'s vote counts only if'
                f" {name} takes part directly."
            )
        else:
            text = (
                f'{name}\'s vote goes to {t}, who chose "no delegation here": it counts only if'
                f" {t} or someone earlier on this chain takes part directly."
            )
        return Outcome("blocked", last.member_id, text)
    if last.index == 0:
        text = (
            f"{name} has no delegation here and has not taken part directly (yet): {name}'s"
            " vote counts only if they do."
        )
        return Outcome("pending", m, text)
    text = (
        f"{name}'s vote goes to {t}, who has not taken part directly (yet) and delegates no"
        " further."
    )
    return Outcome("pending", last.member_id, text)


def _structure_only(
    rows: list[ChainRow], context: Context, name: str, n: Callable[[int], str]
) -> Outcome:
    """The ``scope_only`` sentence of :func:`outcome`: where the delegations lead, no more."""
    where = f"In this {context},"
    if context == "issue":
        where = "This issue was canceled and no vote was counted; by the current delegations,"
    first, last = rows[0], rows[-1]
    if not first.member_valid:
        return Outcome(
            "scope_only", first.member_id, f"{where} {name} has no voting right in this unit."
        )
    if last.loop == "repetition":
        text = f"{where} {name}'s delegations run in a loop."
        return Outcome("scope_only", None, text)
    if last.index == 0:
        if last.disabled_out:
            text = f'{where} {name} chose "no delegation here": {name}\'s vote stays with {name}.'
        else:
            text = f"{where} {name} has no delegation: {name}'s vote stays with {name}."
        return Outcome("scope_only", first.member_id, text)
    t = n(last.member_id)
    text = f"{where} {name}'s vote goes to {t}"
    if not last.member_valid:
        text += ", who has no voting right in this unit: there it stops"
    elif last.disabled_out:
        text += ', who chose "no delegation here"'
    return Outcome("scope_only", last.member_id, text + ".")


def _contexts(unit_id: int, area_id: int | None, issue_id: int | None) -> list[Any]:
    contexts = [col(Delegation.unit_id) == unit_id]
    if area_id is not None:
        contexts.append(col(Delegation.area_id) == area_id)
    if issue_id is not None:
        contexts.append(col(Delegation.issue_id) == issue_id)
    return contexts


def _declined_in(
    session: Session,
    members: list[int],
    *,
    unit_id: int,
    area_id: int | None,
    issue_id: int | None,
) -> frozenset[int]:
    """Issue 12: the members among ``members`` with a declined delegation in the context (passed
    over, :func:`~proposals.models.standing`)."""
    if not members:
        return frozenset()
    rows = session.exec(
        select(Delegation.truster_id).where(
            col(Delegation.truster_id).in_(members),
            or_(*_contexts(unit_id, area_id, issue_id)),
            sa.not_(standing()),
        )
    )
    return frozenset(rows)


def _delegations_in(
    session: Session, *, unit_id: int, area_id: int | None, issue_id: int | None
) -> Callable[[int], dict[Scope, int | None]]:
    """Member -> their standing delegation rows in the unit, the area and the issue of the
    context."""
    contexts = _contexts(unit_id, area_id, issue_id)

    def delegations(member_id: int) -> dict[Scope, int | None]:
        rows = session.exec(
            select(Delegation.trustee_id, Delegation.scope).where(
                Delegation.truster_id == member_id, or_(*contexts), standing()
            )
        )
        return {scope: trustee for trustee, scope in rows}  # type: ignore[misc]

    return delegations


def _walk(
    session: Session,
    member_id: int,
    *,
    unit_id: int,
    area_id: int | None = None,
    issue_id: int | None = None,
    participation: Callable[[int], bool | None] | None = None,
) -> list[ChainRow]:
    """The live chain over lookups in the context's unit, area and issue."""
    return walk_chain(
        member_id,
        eligible=lambda m: eligible_in(session, unit_id, m),
        delegations=_delegations_in(session, unit_id=unit_id, area_id=area_id, issue_id=issue_id),
        participation=participation,
    )


def chain(
    session: Session,
    *,
    member_id: int,
    viewer_id: int | None,
    unit_id: int | None = None,
    area_id: int | None = None,
    issue_id: int | None = None,
) -> list[ChainRow]:
    """The chain of a member in an issue, an area or a unit (:func:`_issue_chain` for issues;
    area and unit chains have participation null)."""
    get_member(session, member_id)
    if issue_id is not None:
        return _issue_chain(session, get_issue(session, issue_id), member_id, viewer_id)
    if area_id is not None:
        area = get_area(session, area_id)
        return _walk(session, member_id, unit_id=area.unit_id, area_id=area_id)
    assert unit_id is not None
    return _walk(session, member_id, unit_id=get_unit(session, unit_id).id or 0)


def _issue_chain(
    session: Session, issue: Issue, member_id: int, viewer_id: int | None
) -> list[ChainRow]:
    """DESIGN.md §3: participation is interest before full freeze; from full freeze on it is
    shown only to a member asking about their own chain, and other members' ballots never shape
    a live chain; a finished issue replays its stored result; a canceled one shows the current
    delegations with participation null."""
    issue_id = issue.id or 0
    if issue.state in FINISHED:
        return replay_walk(
            member_id,
            voted=lambda m: is_direct_voter(session, issue_id, m),
            link=lambda m: stored_link(session, issue_id, m),  # type: ignore[arg-type,return-value]
        )
    where = {"unit_id": issue.unit_id, "area_id": issue.area_id, "issue_id": issue_id}

    def walk(participation: Callable[[int], bool | None] | None) -> list[ChainRow]:
        return _walk(session, member_id, **where, participation=participation)

    if issue.state in BEFORE_FULL_FREEZE:
        return walk(lambda m: session.get(Interest, (issue_id, m)) is not None)
    if issue.state == "voting":
        own = viewer_id == member_id
        voted = own and has_ballot(session, issue_id, member_id)
        return walk(lambda m: voted if own and m == member_id else None)
    return walk(None)


@dataclass(frozen=True)
class ChainAnswer:
    """A chain as shown to one viewer, with its :func:`outcome`."""

    rows: list[ChainRow]
    outcome: Outcome
    names: dict[int, str]
    replayed: bool
    declined: frozenset[int] = frozenset()
    """Members of the chain whose delegation here was declined and passed over (live chains)."""


def chain_answer(
    session: Session,
    *,
    member_id: int,
    viewer_id: int | None,
    unit_id: int | None = None,
    area_id: int | None = None,
    issue_id: int | None = None,
) -> ChainAnswer:
    """:func:`chain` and its :func:`outcome`, as the API and the ``/chain`` page show them (the
    issue, if any, read once for both)."""
    state: str | None = None
    if issue_id is not None:
        get_member(session, member_id)
        issue = get_issue(session, issue_id)
        state = issue.state
        rows = _issue_chain(session, issue, member_id, viewer_id)
        where: dict[str, Any] = {
            "unit_id": issue.unit_id,
            "area_id": issue.area_id,
            "issue_id": issue_id,
        }
    else:
        rows = chain(
            session, member_id=member_id, viewer_id=viewer_id, unit_id=unit_id, area_id=area_id
        )
        if area_id is not None:
            where = {"unit_id": get_area(session, area_id).unit_id, "area_id": area_id}
        else:
            where = {"unit_id": unit_id or 0, "area_id": None}
        where["issue_id"] = None
    declined = (
        frozenset()
        if state in FINISHED
        else _declined_in(session, [r.member_id for r in rows], **where)
    )
    context: Context = "issue" if issue_id is not None else "area" if area_id else "unit"
    names = names_of(session, [r.member_id for r in rows])
    return ChainAnswer(
        rows=rows,
        outcome=outcome(rows, context=context, state=state, names=names),
        names=names,
        replayed=state in FINISHED,
        declined=declined,
    )
