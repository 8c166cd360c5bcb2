"""A member's agenda: what needs their attention, most urgent first (API.md
``GET /members/me/agenda``, the ``/me`` page).

Every item is due at the end of its issue's current phase (``issues.phase_ends_at``): that is
when acting may become too late. Items are ordered by :data:`AgendaKey` -- due time, then kind,
then issue, initiative and suggestion id -- which is unique, so a page continues after the key of
the last item shown (a keyset cursor, stable when items come and go).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from proposals.models import (
    Area,
    Ballot,
    Initiative,
    Initiator,
    Interest,
    Issue,
    Member,
    Privilege,
    Suggestion,
    Supporter,
)
from proposals.services.access import eligible_privileges
from proposals.services.issues import (
    BEFORE_FULL_FREEZE,
    BEFORE_HALF_FREEZE,
    current_draft_ids,
    phase_ends_at,
)
from proposals.services.weights import weights_carried

__all__ = ["KINDS", "PHASE_ENDING_WITHIN", "AgendaItem", "AgendaKey", "AgendaPage", "agenda"]

AgendaKind = Literal["vote", "phase_ending", "invitation", "open_suggestion", "newer_draft"]
KINDS: tuple[AgendaKind, ...] = (
    "vote",
    "phase_ending",
    "invitation",
    "open_suggestion",
    "newer_draft",
)
"""The kinds of API.md, in the order items due at the same moment are listed."""

PHASE_ENDING_WITHIN = timedelta(hours=48)

AgendaKey = tuple[datetime, int, int, int, int]
"""(due_at, kind's place in :data:`KINDS`, issue id, initiative id or 0, suggestion id or 0)."""


@dataclass(frozen=True)
class AgendaItem:
    """One thing to do. ``weight`` only on ``vote`` items (the weight the member would carry)."""

    kind: AgendaKind
    unit_id: int
    area_id: int
    issue_id: int
    initiative_id: int | None
    suggestion_id: int | None
    due_at: datetime
    weight: int | None
    text: str
    state: str

    @property
    def key(self) -> AgendaKey:
        return (
            self.due_at,
            KINDS.index(self.kind),
            self.issue_id,
            self.initiative_id or 0,
            self.suggestion_id or 0,
        )


@dataclass(frozen=True)
class AgendaPage:
    items: list[AgendaItem]
    next_after: AgendaKey | None


@dataclass(frozen=True)
class _Due:
    """An item before its text (and weight) is known: only the items of the page get one."""

    kind: AgendaKind
    issue: Issue
    due_at: datetime
    initiative: Initiative | None = None
    suggestion: Suggestion | None = None

    @property
    def key(self) -> AgendaKey:
        return (
            self.due_at,
            KINDS.index(self.kind),
            self.issue.id or 0,
            self.initiative.id or 0 if self.initiative else 0,
            self.suggestion.id or 0 if self.suggestion else 0,
        )


def _due(issue: Issue) -> datetime | None:
    return phase_ends_at(issue)


def _to_vote(session: Session, member_id: int) -> list[_Due]:
    """Issues in voting in the member's units (eligible there) without their ballot."""
    units = eligible_privileges().where(Privilege.member_id == member_id).subquery()
    voted = sa.exists().where(
        col(Ballot.issue_id) == col(Issue.id), col(Ballot.member_id) == member_id
    )
    statement = select(Issue).where(
        Issue.state == "voting", col(Issue.unit_id).in_(sa.select(units.c.unit_id)), ~voted
    )
    return [_Due("vote", i, d) for i in session.exec(statement) if (d := _due(i)) is not None]


def _phase_ending(session: Session, member_id: int, now: datetime) -> list[_Due]:
    """Issues before voting whose phase ends within 48 hours, in which the member takes part:
    interest (which support implies) or being an initiator of one of its initiatives."""
    interested = sa.exists().where(
        col(Interest.issue_id) == col(Issue.id), col(Interest.member_id) == member_id
    )
    initiator = sa.exists().where(
        col(Initiative.issue_id) == col(Issue.id),
        col(Initiator.initiative_id) == col(Initiative.id),
        col(Initiator.member_id) == member_id,
        col(Initiator.accepted).is_(True),
    )
    statement = select(Issue).where(
        col(Issue.state).in_(BEFORE_FULL_FREEZE), sa.or_(interested, initiator)
    )
    items = []
    for issue in session.exec(statement):
        due = _due(issue)
        if due is not None and due - now <= PHASE_ENDING_WITHIN:
            items.append(_Due("phase_ending", issue, due))
    return items


def _newer_drafts(session: Session, member_id: int) -> list[_Due]:
    """Initiatives the member supports whose current draft is newer than the supported one,
    while support can still move (before full freeze, not revoked)."""
    statement = (
        select(Supporter, Initiative, Issue)
        .join(Initiative, col(Initiative.id) == col(Supporter.initiative_id))
        .join(Issue, col(Issue.id) == col(Initiative.issue_id))
        .where(
            Supporter.member_id == member_id,
            col(Initiative.revoked_at).is_(None),
            col(Issue.state).in_(BEFORE_FULL_FREEZE),
        )
    )
    found = list(session.exec(statement))
    current = current_draft_ids(session, [initiative.id or 0 for _, initiative, _ in found])
    return [
        _Due("newer_draft", issue, due, initiative)
        for supporter, initiative, issue in found
        if supporter.draft_id != current.get(initiative.id or 0)
        and (due := _due(issue)) is not None
    ]


def _open_suggestions(session: Session, member_id: int) -> list[_Due]:
    """Open suggestions on initiatives of which the member is an initiator, while they can
    still be accepted or rejected (admission and discussion, not revoked)."""
    statement = (
        select(Suggestion, Initiative, Issue)
        .join(Initiative, col(Initiative.id) == col(Suggestion.initiative_id))
        .join(Initiator, col(Initiator.initiative_id) == col(Initiative.id))
        .join(Issue, col(Issue.id) == col(Initiative.issue_id))
        .where(
            Initiator.member_id == member_id,
            col(Initiator.accepted).is_(True),
            Suggestion.status == "open",
            col(Suggestion.removed_at).is_(None),
            col(Initiative.revoked_at).is_(None),
            col(Issue.state).in_(BEFORE_HALF_FREEZE),
        )
    )
    return [
        _Due("open_suggestion", issue, due, initiative, suggestion)
        for suggestion, initiative, issue in session.exec(statement)
        if (due := _due(issue)) is not None
    ]


def _invitations(session: Session, member_id: int) -> list[_Due]:
    """Invitations to become an initiator not yet answered, while they can be answered."""
    statement = (
        select(Initiative, Issue)
        .join(Initiator, col(Initiator.initiative_id) == col(Initiative.id))
        .join(Issue, col(Issue.id) == col(Initiative.issue_id))
        .where(
            Initiator.member_id == member_id,
            col(Initiator.accepted).is_(None),
            col(Initiative.revoked_at).is_(None),
            col(Issue.state).in_(BEFORE_HALF_FREEZE),
        )
    )
    return [
        _Due("invitation", issue, due, initiative)
        for initiative, issue in session.exec(statement)
        if (due := _due(issue)) is not None
    ]


def _text(due: _Due, area: str, weight: int | None) -> str:
    issue = f"issue {due.issue.id} ({area})"
    initiative = f'"{due.initiative.name}"' if due.initiative else ""
    if due.kind == "vote":
        others = (weight or 1) - 1
        if others == 0:
            carried = "your own vote"
        else:
            carried = f"your vote and {others} delegated to you ({weight} in all)"
        return f"Vote on {issue}: you have not voted yet; your ballot would carry {carried}."
    if due.kind == "phase_ending":
        return f"The {due.issue.state} phase of {issue}, in which you take part, ends soon."
    if due.kind == "newer_draft":
        return (
            f"Initiative {initiative} in {issue} has a newer draft than the one you support:"
            " read it and support it again."
        )
    if due.kind == "open_suggestion":
        name = due.suggestion.name if due.suggestion else ""
        return (
            f'Suggestion "{name}" on your initiative {initiative} in {issue} awaits your answer:'
            " accept or reject it."
        )
    return f"You are invited to become an initiator of {initiative} in {issue}: accept or decline."


def agenda(
    session: Session,
    member: Member,
    *,
    now: datetime,
    after: AgendaKey | None = None,
    limit: int | None = None,
) -> AgendaPage:
    """What needs the member's attention, most urgent (soonest ``due_at``) first: ``vote``,
    ``phase_ending``, ``newer_draft``, ``open_suggestion`` and ``invitation`` (API.md). Items
    after ``after`` (an item's key), at most ``limit``."""
    member_id = member.id or 0
    found = [
        *_to_vote(session, member_id),
        *_phase_ending(session, member_id, now),
        *_newer_drafts(session, member_id),
        *_open_suggestions(session, member_id),
        *_invitations(session, member_id),
    ]
    found.sort(key=lambda due: due.key)
    if after is not None:
        found = [due for due in found if due.key > after]
    more = limit is not None and len(found) > limit
    shown = found[:limit] if limit is not None else found
    weights = weights_carried(session, member_id, [d.issue for d in shown if d.kind == "vote"])
    area_ids = sorted({d.issue.area_id for d in shown})
    areas = dict(
        session.exec(select(Area.id, Area.name).where(col(Area.id).in_(area_ids))).all()
        if area_ids
        else []
    )
    items = []
    for due in shown:
        weight = weights[due.issue.id or 0] if due.kind == "vote" else None
        items.append(
            AgendaItem(
                kind=due.kind,
                unit_id=due.issue.unit_id,
                area_id=due.issue.area_id,
                issue_id=due.issue.id or 0,
                initiative_id=due.initiative.id if due.initiative else None,
                suggestion_id=due.suggestion.id if due.suggestion else None,
                due_at=due.due_at,
                weight=weight,
                text=_text(due, areas.get(due.issue.area_id, ""), weight),
                state=due.issue.state,
            )
        )
    return AgendaPage(items, items[-1].key if more and items else None)
