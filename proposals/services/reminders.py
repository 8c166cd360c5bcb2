"""The delegates' last-day reminder (issue 11): "Voting on issue #12 (Tram lines) ends in 24
hours; 37 members' votes go to you".

:func:`derive_reminders` (first step of every notification pass) records one ``voting_reminder``
cause per issue whose voting ends within ``REMINDER_HOURS``; the fan-out
(:mod:`proposals.services.notifications`) hands it to :func:`fan_out_reminder`, which tells the
issue's delegates who have no ballot then. E-mailing it is :mod:`proposals.services.mail_plan`'s.
"""

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from proposals.models import Ballot, Issue, NotificationCause
from proposals.services.issues import phase_ends_at
from proposals.services.notifications import _votes, write_to_delegates
from proposals.services.upsert import dialect_insert
from proposals.services.weights import delegate_weights

__all__ = ["derive_reminders", "fan_out_reminder"]


def derive_reminders(session: Session, *, now: datetime, hours: int) -> int:
    """Issue 11: one ``voting_reminder`` cause for each issue in voting whose voting ends within
    ``hours`` (``REMINDER_HOURS``) and has not ended; at most one per issue ever (a partial
    unique index; inserted ``ON CONFLICT DO NOTHING``, so passes at once are safe). Answers how
    many were recorded."""
    reminded = sa.exists().where(
        col(NotificationCause.issue_id) == col(Issue.id),
        col(NotificationCause.kind) == "voting_reminder",
    )
    voting = session.exec(select(Issue).where(Issue.state == "voting", ~reminded)).all()
    window = timedelta(hours=hours)
    due = [
        issue
        for issue in voting
        if (ends := phase_ends_at(issue)) is not None and now < ends <= now + window
    ]
    insert = dialect_insert(session)
    made = 0
    for issue in due:
        statement = (
            insert(NotificationCause)
            .values(kind="voting_reminder", created_at=now, issue_id=issue.id)
            .on_conflict_do_nothing()
            .returning(col(NotificationCause.id))
        )
        made += len(session.execute(statement).all())
    return made


def fan_out_reminder(session: Session, cause: NotificationCause, issue: Issue, title: str) -> int:
    """Issue 11, the delegates' last-day reminder: each delegate of the issue (weight above 1)
    who has no ballot in it when the cause is fanned out hears that voting ends soon and how
    many members' votes go to them. Nothing once voting is over."""
    ends = phase_ends_at(issue)
    if issue.state != "voting" or ends is None or ends <= cause.created_at:
        return 0
    voted = set(session.exec(select(Ballot.member_id).where(Ballot.issue_id == issue.id)).all())
    hours = max(1, math.ceil((ends - cause.created_at).total_seconds() / 3600))
    delegates = [
        (trustee, weight)
        for trustee, weight in sorted(delegate_weights(session, issue).items())
        if weight > 1 and trustee not in voted
    ]
    return write_to_delegates(
        session,
        cause,
        issue,
        "voting_reminder",
        delegates,
        lambda others: (
            f"Voting on {title} ends in {hours} hour{'' if hours == 1 else 's'}; "
            f"{_votes(others)} to you"
        ),
    )
