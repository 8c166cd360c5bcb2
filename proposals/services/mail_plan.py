"""Who gets which e-mail when (issue 11): the one place that turns notifications into outbox rows.

A pass (:func:`compose_due`, looped by :func:`compose_pending`) takes the members who can get
e-mail -- a settings row whose address is verified (``email_verified_address`` equals the
member's current e-mail), not failing, frequency not ``never``, member active -- and who have
something due, in ``member_id`` order, a batch per transaction, their settings rows locked
``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite serializes writers). For each, :func:`plan` decides
from the locked row alone, and the e-mails are queued
(:func:`proposals.services.outbox.enqueue_many`) in the transaction that moves the member's
watermark ``mailed_up_to_id`` (and ``last_digest_at``), so two passes at once never compose the
same e-mail twice.

The schedule (docs/decisions.md, "Notifications (issue 11): composing e-mails"):

* a **mail day** runs from ``DIGEST_HOUR`` UTC to the next ``DIGEST_HOUR``; a **week** from
  Monday at ``DIGEST_HOUR``. The *digest moment* of a member is the start of their current mail
  day (``immediately``, ``daily``) or week (``weekly``);
* a digest is **due** when none was composed since the digest moment and a pending notification
  was made before it -- or, for ``daily`` and ``weekly``, when the member never had one (their
  first digest goes out at the first pass after verification); it holds everything pending (the
  kinds the member wants) and is not sent when that is nothing;
* ``immediately``: each pending notification is one e-mail while the member's ``notification``
  and ``digest`` e-mails of this mail day are fewer than ``EMAIL_DAILY_CAP``; the rest waits and,
  being older than the next digest moment by then, goes out as that moment's digest. A digest is
  never held back by the cap (it is where the cap folds to) but counts towards its day's cap;
* ``voting_reminder`` notifications are never in a digest or a single e-mail: each goes out at
  once as its own ``reminder`` e-mail, outside the cap and the frequency (but not for ``never``
  members and not when the kind is off), at most one per member and issue (checked against the
  outbox), and only while the issue is still in voting.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, select

from proposals.clock import Clock, utcnow
from proposals.models import (
    Area,
    Ballot,
    EmailMessage,
    Initiative,
    Issue,
    Member,
    Notification,
    NotificationSettings,
)
from proposals.services.email_settings import verified_in_sql
from proposals.services.issues import phase_ends_at
from proposals.services.notifications import issue_title
from proposals.services.outbox import Letter, Outgoing, enqueue_many

__all__ = [
    "KIND_URGENCY",
    "AreaGroup",
    "Composed",
    "IssueGroup",
    "Mail",
    "compose_due",
    "compose_pending",
    "digest_moment",
    "plan",
    "preview_digest",
    "wants",
]

KIND_URGENCY = (
    "voting_reminder",
    "votes_delegated",
    "phase_changed",
    "invitation",
    "new_suggestion",
    "new_draft",
    "delegation_started",
    "delegation_stopped",
    "delegation_declined",
    "webhook_disabled",
    "new_issue",
    "issue_closed",
)
"""Within one issue of a digest, notifications are listed in this order (then oldest first)."""

DIGEST_ITEMS = 100
"""At most this many notifications are written out in one digest (most urgent first); the rest
is counted ("and 40 more") and waits in the app's inbox."""

COUNTED = ("notification", "digest")
"""The e-mail kinds that count towards ``EMAIL_DAILY_CAP``."""


@dataclass(frozen=True)
class IssueGroup:
    """The notifications of one issue in a digest (``issue_id`` None: not about one issue)."""

    issue_id: int | None
    title: str | None
    state: str | None
    ends_at: datetime | None
    notes: list[Notification]


@dataclass(frozen=True)
class AreaGroup:
    """The issues of one area in a digest (``area_id`` None: not about one area)."""

    area_id: int | None
    name: str | None
    issues: list[IssueGroup]


@dataclass(frozen=True)
class Mail:
    """One e-mail to compose: ``notification`` and ``reminder`` carry one note, ``digest`` its
    groups (most urgent first) and how many notifications it leaves out (``more``)."""

    kind: str
    member_id: int
    member_name: str
    to_address: str
    frequency: str
    notes: list[Notification]
    groups: list[AreaGroup] = field(default_factory=list)
    more: int = 0
    issue_id: int | None = None


Render = Callable[[Mail], Letter]


def wants(kinds: dict[str, Any], kind: str) -> bool:
    """Issue 11: whether a member wants e-mail of a notification kind (a missing kind is on)."""
    return kinds.get(kind, True) is not False


def digest_moment(frequency: str, now: datetime, digest_hour: int) -> datetime:
    """The start of the member's current mail day (``DIGEST_HOUR`` UTC; ``immediately`` and
    ``daily``) or week (Monday at ``DIGEST_HOUR``; ``weekly``): the latest such moment at or
    before ``now``."""
    moment = now.replace(hour=digest_hour, minute=0, second=0, microsecond=0)
    if moment > now:
        moment -= timedelta(days=1)
    if frequency == "weekly":
        moment -= timedelta(days=moment.weekday())
    return moment


# --- the context of a digest: areas, issues, how urgent -------------------------------------


@dataclass(frozen=True)
class _IssueInfo:
    title: str
    state: str
    ends_at: datetime | None


@dataclass(frozen=True)
class _Context:
    areas: dict[int, str]
    issues: dict[int, _IssueInfo]


def _context(session: Session, notes: Iterable[Notification]) -> _Context:
    """Area names and issue titles, states and phase ends: three queries for any number."""
    notes = list(notes)
    area_ids = sorted({n.area_id for n in notes if n.area_id is not None})
    issue_ids = sorted({n.issue_id for n in notes if n.issue_id is not None})
    areas: dict[int, str] = {}
    issues: dict[int, _IssueInfo] = {}
    if area_ids:
        rows = session.exec(select(Area.id, Area.name).where(col(Area.id).in_(area_ids)))
        areas = {area_id or 0: name for area_id, name in rows}
    if issue_ids:
        names: dict[int, str] = {}
        for issue_id, name in session.exec(
            select(Initiative.issue_id, Initiative.name)
            .where(col(Initiative.issue_id).in_(issue_ids))
            .order_by(col(Initiative.id))
        ):
            names.setdefault(issue_id, name)
        for issue in session.exec(select(Issue).where(col(Issue.id).in_(issue_ids))):
            number = issue.id or 0
            title = issue_title(number, names.get(number))
            issues[number] = _IssueInfo(title, issue.state, phase_ends_at(issue))
    return _Context(areas, issues)


_FAR = datetime.max.replace(tzinfo=None)


def _issue_urgency(info: _IssueInfo | None, issue_id: int | None) -> tuple[int, datetime, int]:
    """Issues in voting first, then other open issues, then closed ones; within each, the phase
    that ends soonest first."""
    if info is None:
        return (3, _FAR, issue_id or 0)
    rank = 0 if info.state == "voting" else 1 if info.ends_at is not None else 2
    ends = info.ends_at.replace(tzinfo=None) if info.ends_at is not None else _FAR
    return (rank, ends, issue_id or 0)


def _note_urgency(note: Notification) -> tuple[int, int]:
    rank = KIND_URGENCY.index(note.kind) if note.kind in KIND_URGENCY else len(KIND_URGENCY)
    return (rank, note.id or 0)


def group_digest(notes: Sequence[Notification], context: _Context) -> list[AreaGroup]:
    """Issue 11, a digest's order: grouped by area and issue, most urgent first (the area of the
    most urgent issue first; a group without an area or issue last)."""
    by_area: dict[int | None, dict[int | None, list[Notification]]] = {}
    for note in notes:
        by_area.setdefault(note.area_id, {}).setdefault(note.issue_id, []).append(note)
    groups = []
    for area_id, by_issue in by_area.items():
        issues = [
            IssueGroup(
                issue_id,
                info.title if (info := context.issues.get(issue_id or 0)) else None,
                info.state if info else None,
                info.ends_at if info else None,
                sorted(items, key=_note_urgency),
            )
            for issue_id, items in by_issue.items()
        ]
        issues.sort(key=lambda g: _issue_urgency(context.issues.get(g.issue_id or 0), g.issue_id))
        groups.append(AreaGroup(area_id, context.areas.get(area_id or 0), issues))

    def area_key(group: AreaGroup) -> tuple[int, tuple[int, datetime, int], int]:
        first = group.issues[0]
        urgency = _issue_urgency(context.issues.get(first.issue_id or 0), first.issue_id)
        return (1 if group.area_id is None else 0, urgency, group.area_id or 0)

    return sorted(groups, key=area_key)


def _digest(
    settings: NotificationSettings, member: Member, notes: list[Notification], context: _Context
) -> Mail:
    ordered = group_digest(notes, context)
    shown: list[Notification] = []
    kept: list[AreaGroup] = []
    for area in ordered:
        issues = []
        for issue in area.issues:
            room = DIGEST_ITEMS - len(shown)
            if room <= 0:
                break
            taken = issue.notes[:room]
            shown.extend(taken)
            issues.append(
                IssueGroup(issue.issue_id, issue.title, issue.state, issue.ends_at, taken)
            )
        if issues:
            kept.append(AreaGroup(area.area_id, area.name, issues))
    return Mail(
        "digest",
        member.id or 0,
        member.name,
        member.email or "",
        settings.email_frequency,
        shown,
        kept,
        more=len(notes) - len(shown),
    )


# --- deciding for one member ------------------------------------------------------------------


@dataclass
class Plan:
    """What a pass does for one member: the e-mails, the new watermark, and whether a digest was
    due (composed, or found empty: either way ``last_digest_at`` moves)."""

    mails: list[Mail]
    mailed_up_to_id: int
    digest_done: bool


def plan(
    settings: NotificationSettings,
    member: Member,
    pending: Sequence[Notification],
    *,
    now: datetime,
    digest_hour: int,
    cap: int,
    sent_today: int,
    reminded: set[int],
    context: _Context,
) -> Plan:
    """Issue 11, the one rule of who gets which e-mail when (module docstring): from a member's
    settings, their pending notifications (id above the watermark, oldest first), the number of
    their capped e-mails this mail day and the issues they need no reminder for (already sent,
    or they voted)."""
    frequency = settings.email_frequency
    mails: list[Mail] = []
    watermark = settings.mailed_up_to_id
    kinds = settings.kinds or {}

    def single(kind: str, note: Notification) -> Mail:
        return Mail(
            kind,
            member.id or 0,
            member.name,
            member.email or "",
            frequency,
            [note],
            issue_id=note.issue_id if kind == "reminder" else None,
        )

    for note in pending:
        issue = context.issues.get(note.issue_id or 0)
        if (
            note.kind == "voting_reminder"
            and wants(kinds, note.kind)
            and note.issue_id is not None
            and note.issue_id not in reminded
            and issue is not None
            and issue.state == "voting"
            and (issue.ends_at is None or issue.ends_at > now)
        ):
            mails.append(single("reminder", note))
            reminded.add(note.issue_id)
    regular = [n for n in pending if n.kind != "voting_reminder"]
    moment = digest_moment(frequency, now, digest_hour)
    first = settings.last_digest_at is None and frequency in ("daily", "weekly")
    digest_due = bool(pending) and (
        first
        or (
            (settings.last_digest_at is None or settings.last_digest_at < moment)
            and any(n.created_at < moment for n in pending)
        )
    )
    if digest_due:
        wanted = [n for n in regular if wants(kinds, n.kind)]
        if wanted:
            mails.append(_digest(settings, member, wanted, context))
        watermark = max((n.id or 0 for n in pending), default=watermark)
        return Plan(mails, watermark, True)
    if frequency == "immediately":
        count = sent_today
        for note in pending:
            if note.kind != "voting_reminder" and wants(kinds, note.kind):
                if count >= cap:
                    break
                mails.append(single("notification", note))
                count += 1
            watermark = note.id or 0
    return Plan(mails, watermark, False)


# --- the pass -----------------------------------------------------------------------------------


def _due(now: datetime, digest_hour: int) -> Any:
    """SQL: the settings row (joined with its member) has something due (a superset of what
    :func:`plan` sends: the plan decides from the locked row)."""
    s = NotificationSettings
    n = Notification

    def pending(*extra: Any) -> Any:
        return (
            sa.exists()
            .where(col(n.member_id) == col(s.member_id), col(n.id) > col(s.mailed_up_to_id), *extra)
            .correlate(s)
        )

    def digest_due(frequency: str) -> Any:
        moment = digest_moment(frequency, now, digest_hour)
        return sa.and_(
            col(s.email_frequency) == frequency,
            sa.or_(col(s.last_digest_at).is_(None), col(s.last_digest_at) < moment),
            pending(col(n.created_at) < moment),
        )

    reminded = sa.exists().where(
        col(EmailMessage.member_id) == col(n.member_id),
        col(EmailMessage.issue_id) == col(n.issue_id),
        col(EmailMessage.kind) == "reminder",
    )
    return sa.or_(
        sa.and_(col(s.email_frequency) == "immediately", pending()),
        sa.and_(
            col(s.email_frequency).in_(("daily", "weekly")),
            col(s.last_digest_at).is_(None),
            pending(),
        ),
        digest_due("daily"),
        digest_due("weekly"),
        pending(col(n.kind) == "voting_reminder", ~reminded),
    )


def _mailable() -> list[Any]:
    """Issue 11: a member can get e-mail: verified current address, not failing, not ``never``,
    active."""
    s = NotificationSettings
    return [
        verified_in_sql(),
        col(s.email_failing_at).is_(None),
        col(s.email_frequency) != "never",
        col(Member.active).is_(True),
    ]


def _pending(session: Session, member_ids: Sequence[int]) -> dict[int, list[Notification]]:
    """Each member's notifications above their watermark, oldest first (one query)."""
    s = NotificationSettings
    rows = session.exec(
        select(Notification)
        .join(s, col(s.member_id) == col(Notification.member_id))
        .where(col(s.member_id).in_(member_ids), col(Notification.id) > col(s.mailed_up_to_id))
        .order_by(col(Notification.member_id), col(Notification.id))
    )
    pending: dict[int, list[Notification]] = {}
    for note in rows:
        pending.setdefault(note.member_id, []).append(note)
    return pending


def _sent_since(session: Session, member_ids: Sequence[int], since: datetime) -> dict[int, int]:
    """How many capped e-mails each member got since ``since`` (one grouped query)."""
    rows = session.exec(
        select(EmailMessage.member_id, sa.func.count())
        .where(
            col(EmailMessage.member_id).in_(member_ids),
            col(EmailMessage.kind).in_(COUNTED),
            col(EmailMessage.created_at) >= since,
        )
        .group_by(col(EmailMessage.member_id))
    )
    return {member_id: int(count) for member_id, count in rows}


def _reminded(
    session: Session, member_ids: Sequence[int], pending: dict[int, list[Notification]]
) -> dict[int, set[int]]:
    """The issues each member needs no reminder e-mail for: they got one, or have voted since
    the reminder was fanned out (two queries, only when reminders are pending)."""
    issue_ids = {
        n.issue_id
        for notes in pending.values()
        for n in notes
        if n.kind == "voting_reminder" and n.issue_id is not None
    }
    if not issue_ids:
        return {}
    rows = list(
        session.exec(
            select(EmailMessage.member_id, EmailMessage.issue_id).where(
                col(EmailMessage.member_id).in_(member_ids),
                col(EmailMessage.kind) == "reminder",
                col(EmailMessage.issue_id).in_(issue_ids),
            )
        )
    )
    rows += session.exec(
        select(Ballot.member_id, Ballot.issue_id).where(
            col(Ballot.member_id).in_(member_ids), col(Ballot.issue_id).in_(issue_ids)
        )
    )
    reminded: dict[int, set[int]] = {}
    for member_id, issue_id in rows:
        reminded.setdefault(member_id, set()).add(issue_id or 0)
    return reminded


@dataclass(frozen=True)
class Composed:
    members: int
    emails: int
    last_member_id: int | None = None


def compose_due(
    session: Session,
    *,
    now: datetime,
    cap: int,
    digest_hour: int,
    domain: str,
    render: Render,
    after: int = 0,
    batch: int = 500,
) -> Composed:
    """Issue 11: compose the due e-mails of up to ``batch`` members with ``member_id`` above
    ``after``, in the caller's transaction; their settings rows are locked ``FOR UPDATE SKIP
    LOCKED`` and their watermarks moved with the e-mails queued (module docstring)."""
    s = NotificationSettings
    if session.get_bind().dialect.name == "postgresql":
        # the planner prices the five EXISTS of _due high enough to JIT-compile the query,
        # which took ~90 ms of every batch (measured); the plan itself walks the primary key
        session.execute(sa.text("SET LOCAL jit = off"))
    rows = session.exec(
        select(s, Member)
        .join(Member, col(Member.id) == col(s.member_id))
        .where(
            col(s.member_id) > after,
            col(Member.id) > after,
            *_mailable(),
            _due(now, digest_hour),
        )
        .order_by(col(s.member_id))
        .limit(batch)
        .with_for_update(of=s, skip_locked=True)
    ).all()
    if not rows:
        return Composed(0, 0, None)
    ids = [settings.member_id for settings, _ in rows]
    pending = _pending(session, ids)
    context = _context(session, (n for notes in pending.values() for n in notes))
    sent = _sent_since(session, ids, digest_moment("daily", now, digest_hour))
    reminded = _reminded(session, ids, pending)
    outgoing: list[Outgoing] = []
    moved: list[dict[str, Any]] = []
    for settings, member in rows:
        decided = plan(
            settings,
            member,
            pending.get(settings.member_id, []),
            now=now,
            digest_hour=digest_hour,
            cap=cap,
            sent_today=sent.get(settings.member_id, 0),
            reminded=reminded.get(settings.member_id, set()),
            context=context,
        )
        for mail in decided.mails:
            rendered = render(mail)
            outgoing.append(
                Outgoing(
                    member_id=mail.member_id,
                    kind=mail.kind,
                    to_address=mail.to_address,
                    subject=rendered.subject,
                    text_body=rendered.text,
                    html_body=rendered.html,
                    issue_id=mail.issue_id,
                )
            )
        if decided.mailed_up_to_id != settings.mailed_up_to_id or decided.digest_done:
            moved.append(
                {
                    "member": settings.member_id,
                    "watermark": decided.mailed_up_to_id,
                    "digest_at": now if decided.digest_done else settings.last_digest_at,
                }
            )
    enqueue_many(session, outgoing, now=now, domain=domain)
    if moved:
        table: sa.Table = NotificationSettings.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            sa.update(table)
            .where(table.c.member_id == sa.bindparam("member"))
            .values(
                mailed_up_to_id=sa.bindparam("watermark"), last_digest_at=sa.bindparam("digest_at")
            ),
            moved,
        )
    session.expire_all()
    return Composed(len(rows), len(outgoing), ids[-1])


class SessionFactory(Protocol):
    def session(self, *, write: bool = False) -> Session: ...


def compose_pending(
    database: SessionFactory,
    *,
    cap: int,
    digest_hour: int,
    domain: str,
    render: Render,
    clock: Clock = utcnow,
    batch: int = 500,
) -> Composed:
    """One pass (the server's background loop, ``liquidpolicy notify``): compose what is due for
    every member, ``batch`` members per transaction, in ``member_id`` order."""
    members = emails = 0
    after = 0
    while True:
        with database.session(write=True) as session:
            done = compose_due(
                session,
                now=clock(),
                cap=cap,
                digest_hour=digest_hour,
                domain=domain,
                render=render,
                after=after,
                batch=batch,
            )
            session.commit()
        members += done.members
        emails += done.emails
        if done.last_member_id is None or done.members < batch:
            return Composed(members, emails, done.last_member_id)
        after = done.last_member_id


def preview_digest(session: Session, member: Member) -> Mail | None:
    """Issue 11, ``liquidpolicy notify --preview``: the member's next digest -- every pending
    notification of the kinds they want, as :func:`plan` would fold it -- whatever their
    frequency and address, or None when it would be empty. Reads only."""
    settings = session.get(NotificationSettings, member.id) or NotificationSettings(
        member_id=member.id or 0
    )
    notes = session.exec(
        select(Notification)
        .where(
            Notification.member_id == member.id,
            col(Notification.id) > settings.mailed_up_to_id,
            Notification.kind != "voting_reminder",
        )
        .order_by(col(Notification.id))
    ).all()
    wanted = [n for n in notes if wants(settings.kinds or {}, n.kind)]
    if not wanted:
        return None
    return _digest(settings, member, wanted, _context(session, wanted))
