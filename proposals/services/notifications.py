"""Targeted in-app notifications: who is told what, and the inbox (issue 11).

Two ways in, so that no change waits on its audience:

* what concerns **one member** (an invitation, someone starting or stopping to delegate to them,
  a new suggestion on their initiative) is written at once, in the transaction of the change, by
  :func:`notify_member` / :func:`notify_initiators_of_suggestion`;
* what concerns **many** (a new issue in an area, a phase change, a close, a new draft) is written
  there as one compact :class:`NotificationCause` by :func:`record_cause`, and fanned out later by
  :func:`fan_out` -- one ``INSERT ... SELECT`` per cause, outside the unit's lock. A pass
  claims pending causes ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite serializes writers) and
  marks each done in the transaction that wrote its notifications, so a cause reaches its
  recipients exactly once however many passes run, at once or again.

Nobody is notified of their own action. Notifications are private to their member: nothing here
writes the public event feed, and the feed never reads these tables.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, select

from proposals.bulk import insert_keyed_rows
from proposals.clock import Clock, utcnow
from proposals.errors import InvalidInput, NotFound
from proposals.models import (
    Area,
    AreaSubscription,
    Ballot,
    DirectVoter,
    Initiative,
    Initiator,
    Interest,
    Issue,
    Member,
    Notification,
    NotificationCause,
    Suggestion,
    Supporter,
    UTCDateTime,
)
from proposals.services.paging import Page, paginate
from proposals.services.upsert import upsert
from proposals.services.weights import delegate_weights

__all__ = [
    "fan_out",
    "fan_out_pending",
    "list_notifications",
    "list_subscriptions",
    "mark_read",
    "notify_initiators_of_suggestion",
    "notify_member",
    "record_cause",
    "subscribe",
    "unread_count",
    "unsubscribe",
]

STATE_WORDS = {
    "admission": "admission",
    "discussion": "discussion",
    "verification": "verification",
    "voting": "voting",
    "finished_with_winner": "finished with a winner",
    "finished_without_winner": "finished without a winner",
    "canceled_issue_not_accepted": "canceled: not accepted for discussion",
    "canceled_no_initiative_admitted": "canceled: no initiative admitted to voting",
    "canceled_revoked_before_accepted": "canceled: revoked before it was accepted",
    "canceled_by_admin": "canceled by an admin",
}


# --- area subscriptions -------------------------------------------------------------------


def _area(session: Session, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"area {area_id} not found")
    return area


def subscribe(session: Session, *, actor: Member, area_id: int, clock: Clock = utcnow) -> None:
    """Issue 11: a member subscribes to an area (any area; idempotent)."""
    _area(session, area_id)
    upsert(
        session,
        AreaSubscription,
        {"member_id": actor.id or 0, "area_id": area_id, "created_at": clock()},
        keys=["member_id", "area_id"],
    )


def unsubscribe(session: Session, *, actor: Member, area_id: int) -> None:
    """Issue 11: a member ends an area subscription (idempotent; 404 for an unknown area)."""
    _area(session, area_id)
    session.execute(
        sa.delete(AreaSubscription).where(
            col(AreaSubscription.member_id) == actor.id, col(AreaSubscription.area_id) == area_id
        )
    )


def is_subscribed(session: Session, member_id: int, area_id: int) -> bool:
    return session.get(AreaSubscription, (member_id, area_id)) is not None


def list_subscriptions(
    session: Session, member_id: int, *, after: int | None, limit: int
) -> Page[AreaSubscription]:
    """A member's subscriptions by area id."""
    statement = select(AreaSubscription).where(AreaSubscription.member_id == member_id)
    return paginate(session, statement, AreaSubscription.area_id, after=after, limit=limit)


# --- writing for one member, in the transaction of the change ------------------------------


def notify_member(
    session: Session,
    member_id: int | None,
    kind: str,
    *,
    actor_id: int | None,
    text: str,
    reason: str,
    now: datetime,
    unit_id: int | None = None,
    area_id: int | None = None,
    issue_id: int | None = None,
    initiative_id: int | None = None,
    suggestion_id: int | None = None,
) -> None:
    """Issue 11: a notification for one member, unless it would tell them of their own action."""
    if member_id is None or member_id == actor_id:
        return
    session.add(
        Notification(
            member_id=member_id,
            kind=kind,
            created_at=now,
            unit_id=unit_id,
            area_id=area_id,
            issue_id=issue_id,
            initiative_id=initiative_id,
            suggestion_id=suggestion_id,
            text=text,
            reason=reason,
        )
    )
    session.flush()


def notify_initiators_of_suggestion(
    session: Session, suggestion: Suggestion, initiative: Initiative, issue: Issue
) -> None:
    """Issue 11: the initiators of an initiative hear of a new suggestion on it (not its author);
    one ``INSERT ... SELECT`` in the suggestion's transaction."""
    recipients = select(Initiator.member_id).where(
        Initiator.initiative_id == initiative.id,
        col(Initiator.accepted).is_(True),
        Initiator.member_id != suggestion.author_id,
    )
    _insert_from(
        session,
        [[recipients]],
        kind="new_suggestion",
        cause_id=None,
        now=suggestion.created_at,
        ids={
            "unit_id": issue.unit_id,
            "area_id": issue.area_id,
            "issue_id": issue.id,
            "initiative_id": initiative.id,
            "suggestion_id": suggestion.id,
        },
        text=f"New suggestion on {initiative.name}: {suggestion.name}",
        reasons=[f"because you are an initiator of {initiative.name}"],
    )


def delegation_changed(
    session: Session,
    *,
    actor: Member,
    old_trustee_id: int | None,
    new_trustee_id: int | None,
    scope_text: str,
    now: datetime,
    unit_id: int | None,
    area_id: int | None,
    issue_id: int | None,
) -> None:
    """Issue 11: a delegate hears when someone starts or stops delegating to them."""
    if old_trustee_id == new_trustee_id:
        return
    ids: dict[str, Any] = {"unit_id": unit_id, "area_id": area_id, "issue_id": issue_id}
    notify_member(
        session,
        old_trustee_id,
        "delegation_stopped",
        actor_id=actor.id,
        text=f"{actor.name} no longer delegates to you {scope_text}",
        reason=f"because {actor.name} had delegated to you",
        now=now,
        **ids,
    )
    notify_member(
        session,
        new_trustee_id,
        "delegation_started",
        actor_id=actor.id,
        text=f"{actor.name} now delegates to you {scope_text}",
        reason=f"because {actor.name} chose you as their delegate",
        now=now,
        **ids,
    )


def delegation_declined(
    session: Session,
    *,
    actor: Member,
    truster_id: int,
    scope_text: str,
    now: datetime,
    unit_id: int | None,
    area_id: int | None,
    issue_id: int | None,
) -> None:
    """Issue 12: a truster hears when their delegate declines their delegation."""
    notify_member(
        session,
        truster_id,
        "delegation_declined",
        actor_id=actor.id,
        text=f"{actor.name} declined your delegation {scope_text}",
        reason=f"because you had delegated to {actor.name}",
        now=now,
        unit_id=unit_id,
        area_id=area_id,
        issue_id=issue_id,
    )


# --- causes: written in the change's transaction, fanned out later ----------------------------


def record_cause(
    session: Session,
    kind: str,
    issue: Issue,
    *,
    actor_id: int | None,
    now: datetime,
    initiative_id: int | None = None,
    draft_id: int | None = None,
    state: str | None = None,
    delegate_weights: list[list[int]] | None = None,
) -> None:
    """Issue 11: one compact row for a change that concerns many members (see :func:`fan_out`)."""
    session.add(
        NotificationCause(
            kind=kind,
            created_at=now,
            actor_id=actor_id,
            issue_id=issue.id or 0,
            initiative_id=initiative_id,
            draft_id=draft_id,
            state=state,
            delegate_weights=delegate_weights,
        )
    )
    session.flush()


def _participants(issue_id: int) -> list[sa.Select[Any]]:
    """Issue 11, participants of an issue: interest, support, initiators, suggestion authors,
    ballot casters (and direct voters of a closed issue)."""
    of_issue = select(Initiative.id).where(Initiative.issue_id == issue_id)
    return [
        select(col(Interest.member_id)).where(Interest.issue_id == issue_id),
        select(col(Supporter.member_id)).where(Supporter.issue_id == issue_id),
        select(col(Initiator.member_id)).where(
            col(Initiator.initiative_id).in_(of_issue), col(Initiator.accepted).is_(True)
        ),
        select(col(Suggestion.author_id)).where(col(Suggestion.initiative_id).in_(of_issue)),
        select(col(Ballot.member_id)).where(Ballot.issue_id == issue_id),
        select(col(DirectVoter.member_id)).where(DirectVoter.issue_id == issue_id),
    ]


def _subscribers(area_id: int) -> sa.Select[Any]:
    """Issue 11, subscribers of an area."""
    return select(col(AreaSubscription.member_id)).where(AreaSubscription.area_id == area_id)


def _members(statements: Sequence[sa.Select[Any]], name: str) -> sa.Subquery:
    """The distinct members the statements select (their first column), as ``member_id``."""
    parts = [s.with_only_columns(s.selected_columns[0].label("member_id")) for s in statements]
    return (sa.union(*parts) if len(parts) > 1 else parts[0].distinct()).subquery(name)


def _insert_from(
    session: Session,
    groups: Sequence[Sequence[sa.Select[Any]]],
    *,
    kind: str,
    cause_id: int | None,
    now: datetime,
    ids: dict[str, Any],
    text: str,
    reasons: Sequence[str],
    actor_id: int | None = None,
) -> int:
    """One notification per distinct recipient, skipping the actor: one ``INSERT ... SELECT``
    per group of recipients (``groups[k]``: statements selecting member ids, told
    ``reasons[k]``), each leaving out the members of the groups before it, so a member in
    several groups hears once, with the reason of the first. Answers how many were made.

    Group by group rather than one ``GROUP BY`` over all of them: the planner cannot estimate
    the groups of a union, and for 100,000 subscribers its hash aggregate and sort spilled to
    disk (docs/decisions.md)."""
    table: sa.Table = Notification.__table__  # type: ignore[attr-defined]
    made = 0
    for rank, (statements, reason) in enumerate(zip(groups, reasons, strict=True)):
        recipients = _members(statements, f"group_{rank}")
        member = recipients.c.member_id
        values: dict[str, Any] = {
            "member_id": member,
            "kind": sa.literal(kind),
            "created_at": sa.literal(now, UTCDateTime()),
            "cause_id": sa.literal(cause_id, sa.Integer()),
            **{key: sa.literal(value, sa.Integer()) for key, value in ids.items()},
            "text": sa.literal(text, sa.Text()),
            "reason": sa.literal(reason),
        }
        query = sa.select(*(v.label(k) for k, v in values.items())).where(member.is_not(None))
        if actor_id is not None:
            query = query.where(member != actor_id)
        if rank:
            earlier = _members([s for group in groups[:rank] for s in group], f"before_{rank}")
            query = query.where(~sa.exists().where(earlier.c.member_id == member))
        # In member order: each index entry of ``(member_id, id)`` lands next to the previous
        # one (and a serial id follows the same order), not at a random leaf page per row.
        insert = sa.insert(table).from_select(list(values), query.order_by(member))
        # SQLAlchemy reads an INSERT's row count only when asked to keep it
        # (``preserve_rowcount``); counting a ``RETURNING id`` cost 5-25% of the statement.
        result = session.execute(insert, execution_options={"preserve_rowcount": True})
        made += max(getattr(result, "rowcount", 0), 0)
    return made


def issue_title(issue_id: int | None, first_initiative: str | None) -> str:
    """How notifications and e-mails name an issue: "issue #12 (Tram lines)", after its first
    initiative."""
    return f"issue #{issue_id}" + (f" ({first_initiative})" if first_initiative else "")


def _issue_title(session: Session, issue: Issue) -> str:
    first = session.exec(
        select(Initiative.name).where(Initiative.issue_id == issue.id).order_by(col(Initiative.id))
    ).first()
    return issue_title(issue.id, first)


def _result_text(session: Session, issue: Issue, title: str, state: str) -> str:
    if state == "finished_with_winner":
        winner = session.exec(
            select(Initiative.name).where(
                Initiative.issue_id == issue.id, col(Initiative.winner).is_(True)
            )
        ).first()
        return f"Voting on {title} has closed: {winner or 'an initiative'} won"
    if state == "finished_without_winner":
        return f"Voting on {title} has closed without a winner"
    return f"{title[0].upper()}{title[1:]} was {STATE_WORDS.get(state, state)}"


def _fan_out_cause(session: Session, cause: NotificationCause) -> int:
    issue = session.get(Issue, cause.issue_id)
    area = session.get(Area, issue.area_id) if issue is not None else None
    if issue is None or area is None:
        return 0
    ids: dict[str, Any] = {
        "unit_id": issue.unit_id,
        "area_id": issue.area_id,
        "issue_id": issue.id,
        "initiative_id": cause.initiative_id,
        "suggestion_id": None,
    }
    title = _issue_title(session, issue)
    if cause.kind == "voting_reminder":
        from proposals.services.reminders import fan_out_reminder  # it writes through this module

        return fan_out_reminder(session, cause, issue, title)
    subscribed = f"because you subscribed to {area.name}"
    taking_part = f"because you take part in issue #{issue.id}"
    groups: list[list[sa.Select[Any]]]
    if cause.kind == "new_issue":
        text = f"New issue in {area.name}: {title}"
        groups, reasons = [[_subscribers(area.id or 0)]], [subscribed]
    elif cause.kind == "new_draft":
        initiative = session.get(Initiative, cause.initiative_id)
        name = initiative.name if initiative is not None else "an initiative"
        text = f"{name} has a new draft; your support is on an older one"
        groups = [
            [
                select(col(Supporter.member_id)).where(
                    Supporter.initiative_id == cause.initiative_id,
                    col(Supporter.draft_id) < (cause.draft_id or 0),
                )
            ]
        ]
        reasons = [f"because you support {name}"]
    elif cause.kind == "issue_closed":
        text = _result_text(session, issue, title, cause.state or issue.state)
        groups, reasons = [_participants(issue.id or 0)], [taking_part]
    elif cause.state == "voting":
        text = f"Voting has started on {title}"
        groups = [_participants(issue.id or 0), [_subscribers(area.id or 0)]]
        reasons = [taking_part, subscribed]
    else:
        text = f"{title[0].upper()}{title[1:]} is now in {STATE_WORDS.get(cause.state or '', '?')}"
        groups, reasons = [_participants(issue.id or 0)], [taking_part]
    made = _insert_from(
        session,
        groups,
        kind=cause.kind,
        cause_id=cause.id,
        now=cause.created_at,
        ids=ids,
        text=text,
        reasons=reasons,
        actor_id=cause.actor_id,
    )
    if cause.kind == "phase_changed" and cause.state == "voting":
        made += _votes_delegated(session, cause, issue, title)
    return made


def _votes_delegated(session: Session, cause: NotificationCause, issue: Issue, title: str) -> int:
    """Issue 11: when an issue reaches voting, each delegate whose weight (the agenda's
    :func:`~proposals.services.weights.weights_carried`, blind to ballots and participation)
    exceeds their own vote hears how many members' votes would flow to them. The weights are
    those the lifecycle stored with the cause as the issue reached voting; a cause recorded
    before they were stored (migration 0010) has them computed now, for all delegates at once,
    by :func:`~proposals.services.weights.delegate_weights`."""
    carried: Sequence[Sequence[int]] = (
        cause.delegate_weights
        if cause.delegate_weights is not None
        else sorted(delegate_weights(session, issue).items())
    )
    actor = cause.actor_id  # read once, not once per delegate (an ORM attribute)
    delegates = [
        (trustee, weight) for trustee, weight in carried if weight > 1 and trustee != actor
    ]
    return write_to_delegates(
        session,
        cause,
        issue,
        "votes_delegated",
        delegates,
        lambda others: f"{_votes(others)} to you in {title}: voting has started",
    )


def write_to_delegates(
    session: Session,
    cause: NotificationCause,
    issue: Issue,
    kind: str,
    delegates: Sequence[tuple[int, int]],
    text: Callable[[int], str],
) -> int:
    """One notification of ``kind`` about ``issue`` per ``(delegate, weight)``, saying (through
    ``text``, given the number of others) how many members' votes go to them, in one bulk write
    (COPY on PostgreSQL), not one statement per delegate. Delegates of the same weight get the
    same row but for the member, so each weight's row is made (and formatted for COPY) once."""
    columns = ("member_id", "kind", "created_at", "cause_id", "unit_id", "area_id", "issue_id")
    shared = (kind, cause.created_at, cause.id, issue.unit_id, issue.area_id, issue.id)
    tails = {
        weight: (*shared, text(weight - 1), f"because {_delegate(weight - 1)} to you")
        for weight in {weight for _, weight in delegates}
    }
    return insert_keyed_rows(session, Notification, (*columns, "text", "reason"), delegates, tails)


def _votes(count: int) -> str:
    return "1 member's vote goes" if count == 1 else f"{count} members' votes go"


def _delegate(count: int) -> str:
    return "1 member delegates" if count == 1 else f"{count} members delegate"


@dataclass(frozen=True)
class FanOut:
    causes: int
    notifications: int


def fan_out(session: Session, *, now: datetime, batch: int = 50) -> FanOut:
    """Issue 11: fan out up to ``batch`` pending causes, oldest first, in the caller's
    transaction; each cause with one ``INSERT ... SELECT`` and then marked done in the same
    transaction. Pending causes are claimed ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), so
    concurrent passes share the work and none sees a cause another has claimed or finished."""
    causes = session.exec(
        select(NotificationCause)
        .where(col(NotificationCause.fanned_out_at).is_(None))
        .order_by(col(NotificationCause.id))
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    made = 0
    for cause in causes:
        made += _fan_out_cause(session, cause)
        cause.fanned_out_at = now
        session.add(cause)
    session.flush()
    return FanOut(len(causes), made)


class SessionFactory(Protocol):
    def session(self, *, write: bool = False) -> Session: ...


def fan_out_pending(database: SessionFactory, *, clock: Clock = utcnow, batch: int = 50) -> FanOut:
    """One pass (the server's background loop, ``liquidpolicy notify``): fan out every pending
    cause, ``batch`` causes per transaction, outside any unit's lock."""
    causes = made = 0
    while True:
        with database.session(write=True) as session:
            done = fan_out(session, now=clock(), batch=batch)
            session.commit()
        causes += done.causes
        made += done.notifications
        if done.causes < batch:
            return FanOut(causes, made)


# --- the inbox ------------------------------------------------------------------------------


def list_notifications(
    session: Session, member_id: int, *, unread: bool | None, before: int | None, limit: int
) -> Page[Notification]:
    """A member's notifications, newest first (keyset on id, descending); ``unread`` filters."""
    statement = select(Notification).where(Notification.member_id == member_id)
    if unread is True:
        statement = statement.where(col(Notification.read_at).is_(None))
    elif unread is False:
        statement = statement.where(col(Notification.read_at).is_not(None))
    if before is not None:
        statement = statement.where(col(Notification.id) < before)
    rows = list(session.exec(statement.order_by(col(Notification.id).desc()).limit(limit + 1)))
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, rows[-1].id)
    return Page(rows, None)


def unread_count(session: Session, member_id: int) -> int:
    """How many of a member's notifications are unread (one indexed count)."""
    return int(
        session.exec(
            select(sa.func.count())
            .select_from(Notification)
            .where(Notification.member_id == member_id, col(Notification.read_at).is_(None))
        ).one()
    )


def mark_read(
    session: Session,
    *,
    actor: Member,
    ids: Sequence[int] | None,
    up_to_id: int | None,
    clock: Clock = utcnow,
) -> int:
    """Mark the actor's own notifications read: those in ``ids`` and every one up to
    ``up_to_id``; anyone else's are left alone. Answers how many changed."""
    if ids is None and up_to_id is None:
        raise InvalidInput("give ids or up_to_id")
    chosen: list[Any] = []
    if ids:
        chosen.append(col(Notification.id).in_(list(ids)))
    if up_to_id is not None:
        chosen.append(col(Notification.id) <= up_to_id)
    if not chosen:
        return 0
    result = session.execute(
        sa.update(Notification)
        .where(
            col(Notification.member_id) == actor.id,
            col(Notification.read_at).is_(None),
            sa.or_(*chosen),
        )
        .values(read_at=clock())
    )
    return int(getattr(result, "rowcount", 0) or 0)
