"""Issues: reads, phase guards, locking, state changes and the admin's cancel (DESIGN.md §2)."""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from proposals.clock import Clock, utcnow
from proposals.errors import NotFound
from proposals.models import OPEN_STATES, Draft, Initiative, Issue, Member
from proposals.services.access import phase_refusal, refuse
from proposals.services.events import append_issue_event
from proposals.services.members import require_admin
from proposals.services.notifications import record_cause
from proposals.services.paging import Page, paginate

BEFORE_HALF_FREEZE = ("admission", "discussion")
BEFORE_FULL_FREEZE = ("admission", "discussion", "verification")


def get_issue(session: Session, issue_id: int) -> Issue:
    issue = session.get(Issue, issue_id)
    if issue is None:
        raise NotFound(f"issue {issue_id} not found")
    return issue


def lock_issue(session: Session, issue_id: int, *, shared: bool = False) -> Issue:
    """Read the issue and lock its row until the transaction ends (PostgreSQL; SQLite already
    serializes writers). Writers of ballots take a shared lock, the lifecycle an exclusive one,
    so a ballot either commits before the close reads the ballots or sees the issue closed."""
    statement = (
        select(Issue)
        .where(Issue.id == issue_id)
        .with_for_update(read=shared)
        .execution_options(populate_existing=True)
    )
    issue = session.exec(statement).first()
    if issue is None:
        raise NotFound(f"issue {issue_id} not found")
    return issue


def require_phase(issue: Issue, allowed: Iterable[str], action: str) -> None:
    """409 unless the issue is in one of the ``allowed`` states (:func:`phase_refusal`)."""
    refuse(phase_refusal(issue, allowed, action))


def phase_ends_at(issue: Issue) -> datetime | None:
    """DESIGN.md §2: when the current phase can end (null once closed)."""
    if issue.state == "admission":
        return issue.created_at + timedelta(seconds=issue.max_admission_time)
    if issue.state == "discussion" and issue.accepted_at is not None:
        return issue.accepted_at + timedelta(seconds=issue.discussion_time)
    if issue.state == "verification" and issue.half_frozen_at is not None:
        return issue.half_frozen_at + timedelta(seconds=issue.verification_time)
    if issue.state == "voting" and issue.fully_frozen_at is not None:
        return issue.fully_frozen_at + timedelta(seconds=issue.voting_time)
    return None


def list_issues(
    session: Session,
    *,
    state: str | None,
    area_id: int | None,
    unit_id: int | None,
    after: int | None,
    limit: int,
) -> Page[Issue]:
    statement = select(Issue)
    if state is not None:
        statement = statement.where(Issue.state == state)
    if area_id is not None:
        statement = statement.where(Issue.area_id == area_id)
    if unit_id is not None:
        statement = statement.where(Issue.unit_id == unit_id)
    return paginate(session, statement, Issue.id, after=after, limit=limit)


def initiative_ids_of(session: Session, issue_ids: Sequence[int]) -> dict[int, list[int]]:
    """The initiatives of each issue, oldest first (one query)."""
    out: dict[int, list[int]] = {issue_id: [] for issue_id in issue_ids}
    if issue_ids:
        rows = session.exec(
            select(Initiative.issue_id, Initiative.id)
            .where(col(Initiative.issue_id).in_(issue_ids))
            .order_by(col(Initiative.id))
        )
        for issue_id, initiative_id in rows:
            out[issue_id].append(initiative_id or 0)
    return out


def current_draft_ids(session: Session, initiative_ids: Sequence[int]) -> dict[int, int]:
    """DESIGN.md §1: the newest draft of an initiative is its current one."""
    if not initiative_ids:
        return {}
    rows = session.exec(
        select(Draft.initiative_id, func.max(Draft.id))
        .where(col(Draft.initiative_id).in_(initiative_ids))
        .group_by(col(Draft.initiative_id))
    )
    return {initiative_id: draft_id or 0 for initiative_id, draft_id in rows}


def change_state(
    session: Session,
    issue: Issue,
    state: str,
    *,
    now: datetime,
    member_id: int | None = None,
    delegate_weights: list[list[int]] | None = None,
) -> tuple[str, str]:
    """The one writer of an issue's state: sets the phase timestamp, appends the event and
    records the notification cause (issue 11: participants, and subscribers at voting; at
    voting also the delegates' ``delegate_weights`` of that moment, for the fan-out)."""
    previous = issue.state
    issue.state = state
    if state == "discussion":
        issue.accepted_at = now
    elif state == "verification":
        issue.half_frozen_at = now
    elif state == "voting":
        issue.fully_frozen_at = now
    elif state not in OPEN_STATES:
        issue.closed_at = now
    session.add(issue)
    session.flush()
    record_cause(
        session,
        "phase_changed" if state in OPEN_STATES else "issue_closed",
        issue,
        actor_id=member_id,
        now=now,
        state=state,
        delegate_weights=delegate_weights,
    )
    append_issue_event(
        session,
        "issue_state_changed",
        issue,
        member_id=member_id,
        state=state,
        clock=lambda: now,
    )
    return previous, state


def cancel_issue(session: Session, *, actor: Member, issue_id: int, clock: Clock = utcnow) -> Issue:
    """DESIGN.md §1: an admin may cancel an open issue in any phase."""
    require_admin(actor)
    issue = lock_issue(session, issue_id)
    require_phase(issue, OPEN_STATES, "canceling")
    change_state(session, issue, "canceled_by_admin", now=clock(), member_id=actor.id)
    return issue


def open_issues(session: Session, *, area_id: int | None = None, limit: int = 200) -> list[Issue]:
    """Open issues, oldest first (for overview pages)."""
    statement = select(Issue).where(col(Issue.state).in_(OPEN_STATES))
    if area_id is not None:
        statement = statement.where(Issue.area_id == area_id)
    return list(session.exec(statement.order_by(col(Issue.id)).limit(limit)))


def list_open_issues(
    session: Session, *, area_id: int | None = None, after: int | None, limit: int
) -> Page[Issue]:
    """Open issues, oldest first, a page at a time (for overview pages)."""
    statement = select(Issue).where(col(Issue.state).in_(OPEN_STATES))
    if area_id is not None:
        statement = statement.where(Issue.area_id == area_id)
    return paginate(session, statement, Issue.id, after=after, limit=limit)


def recently_closed(
    session: Session, *, area_id: int | None = None, limit: int = 10
) -> list[Issue]:
    """Closed issues, most recently closed first."""
    statement = select(Issue).where(col(Issue.closed_at).is_not(None))
    if area_id is not None:
        statement = statement.where(Issue.area_id == area_id)
    return list(
        session.exec(
            statement.order_by(col(Issue.closed_at).desc(), col(Issue.id).desc()).limit(limit)
        )
    )


def initiatives_of(session: Session, issue_ids: Sequence[int]) -> dict[int, list[Initiative]]:
    """The initiatives of each issue, oldest first (one query)."""
    out: dict[int, list[Initiative]] = {issue_id: [] for issue_id in issue_ids}
    if issue_ids:
        for initiative in session.exec(
            select(Initiative)
            .where(col(Initiative.issue_id).in_(issue_ids))
            .order_by(col(Initiative.id))
        ):
            out[initiative.issue_id].append(initiative)
    return out
