"""Issue 11, composing e-mails: who gets which e-mail when (each frequency, the daily cap folding
into the next digest, digests grouped and ordered, never an empty digest, kinds turned off,
unverified and failing addresses), the delegates' last-day reminder, and two passes at once."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.db import Database
from app.mail.compose import links_for, renderer
from proposals.clock import FrozenClock
from proposals.models import EmailMessage, Member, Notification, NotificationSettings
from proposals.services import notifications, reminders
from proposals.services.mail_plan import (
    Composed,
    _Context,
    _IssueInfo,
    compose_pending,
    digest_moment,
    group_digest,
)
from tests.api.world import DAY, World, build_world
from tests.conftest import settings_for_tests
from tests.factories import NOW

NAMES = list("ABCDEFG")
PUBLIC = "https://lp.example.org"
SETTINGS = settings_for_tests(public_url=PUBLIC, smtp_url="smtp://localhost:25")
HOUR = 3600
MONDAY_6 = NOW.replace(hour=6)


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, NAMES)


def mailable(
    db: Database,
    member_id: int,
    frequency: str = "daily",
    *,
    verified: bool = True,
    failing: bool = False,
    last_digest: datetime | None = MONDAY_6,
    **kinds: bool,
) -> None:
    """A verified address; by default a digest went out this morning (Monday, 06:00)."""
    with db.session() as session:
        member = session.get(Member, member_id)
        assert member is not None
        member.email = f"{member.name.lower()}@example.org"
        session.add(member)
        session.add(
            NotificationSettings(
                member_id=member_id,
                email_frequency=frequency,
                kinds=kinds,
                email_verified_address=member.email if verified else "old@example.org",
                email_verified_at=NOW,
                email_failing_at=NOW if failing else None,
                last_digest_at=last_digest,
            )
        )
        session.commit()


def note(
    db: Database, member_id: int, text: str, *, now: datetime, kind: str = "invitation", **ids: Any
) -> None:
    with db.session() as session:
        notifications.notify_member(
            session,
            member_id,
            kind,
            actor_id=None,
            text=text,
            reason="because of a test",
            now=now,
            **ids,
        )
        session.commit()


def compose(db: Database, clock: FrozenClock, *, cap: int = 3, batch: int = 500) -> Composed:
    return compose_pending(
        db,
        cap=cap,
        digest_hour=6,
        domain="example.org",
        render=renderer(SETTINGS),
        clock=clock,
        batch=batch,
    )


def outbox(db: Database, member_id: int | None = None) -> list[EmailMessage]:
    with db.session() as session:
        statement = select(EmailMessage).order_by(col(EmailMessage.id))
        if member_id is not None:
            statement = statement.where(EmailMessage.member_id == member_id)
        rows = list(session.exec(statement))
        for row in rows:
            session.expunge(row)
        return rows


def settings_of(db: Database, member_id: int) -> NotificationSettings:
    with db.session() as session:
        row = session.get(NotificationSettings, member_id)
        assert row is not None
        session.expunge(row)
        return row


def at(clock: FrozenClock, when: datetime) -> None:
    clock.advance((when - clock()).total_seconds())


TUESDAY_6 = datetime(2026, 1, 6, 6, 0, tzinfo=UTC)


def test_the_clock_starts_on_a_monday_after_the_digest_hour() -> None:
    assert NOW.weekday() == 0 and NOW.hour == 12
    assert digest_moment("daily", NOW, 6) == NOW.replace(hour=6)
    assert digest_moment("daily", NOW, 13) == NOW.replace(hour=13) - timedelta(days=1)
    assert digest_moment("weekly", NOW + timedelta(days=3), 6) == NOW.replace(hour=6)
    assert digest_moment("weekly", NOW.replace(hour=5), 6) == NOW.replace(hour=6) - timedelta(7)


class TestImmediately:
    def test_one_email_per_notification_with_reason_and_links(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        a = world.id("A")
        mailable(db, a, "immediately")
        note(db, a, "Tram lines: you are invited", now=clock())
        note(db, a, "Second", now=clock(), kind="delegation_started")
        assert compose(db, clock).emails == 2
        first, second = outbox(db, a)
        assert (first.kind, first.subject, first.to_address) == (
            "notification",
            "Tram lines: you are invited",
            "a@example.org",
        )
        assert "because of a test" in first.text_body
        assert f"{PUBLIC}/me" in first.text_body  # where to act on an invitation
        links = links_for(SETTINGS, a)
        assert links.settings.startswith(PUBLIC) and links.unsubscribe.startswith(PUBLIC)
        assert links.settings in first.text_body and links.settings in first.html_body
        assert links.unsubscribe in first.text_body and links.unsubscribe in first.html_body
        assert "each notification at once" in first.text_body
        assert second.subject == "Second"
        assert compose(db, clock).emails == 0
        assert settings_of(db, a).mailed_up_to_id > 0

    def test_the_cap_folds_the_rest_into_the_next_digest(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        a = world.id("A")
        mailable(db, a, "immediately")
        for n in range(5):
            note(db, a, f"Note {n}", now=clock())
        assert compose(db, clock, cap=3).emails == 3
        note(db, a, "Note 5", now=clock())
        clock.advance(HOUR)
        assert compose(db, clock, cap=3).emails == 0  # capped until the next digest hour
        at(clock, TUESDAY_6 - timedelta(seconds=1))
        assert compose(db, clock, cap=3).emails == 0  # the mail day runs to DIGEST_HOUR
        at(clock, TUESDAY_6)
        assert compose(db, clock, cap=3).emails == 1
        digest = outbox(db, a)[-1]
        assert digest.kind == "digest"
        assert [line for line in digest.text_body.splitlines() if line.startswith("* ")] == [
            "* Note 3",
            "* Note 4",
            "* Note 5",
        ]
        note(db, a, "Note 6", now=clock())
        note(db, a, "Note 7", now=clock())
        note(db, a, "Note 8", now=clock())
        assert compose(db, clock, cap=3).emails == 2  # the digest counted towards Tuesday's cap
        assert [m.kind for m in outbox(db, a)] == ["notification"] * 3 + ["digest"] + [
            "notification"
        ] * 2

    def test_kinds_turned_off_are_skipped(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        a = world.id("A")
        mailable(db, a, "immediately", new_issue=False)
        note(db, a, "Off", now=clock(), kind="new_issue")
        note(db, a, "On", now=clock(), kind="invitation")
        note(db, a, "Off again", now=clock(), kind="new_issue")
        assert compose(db, clock).emails == 1
        assert [m.subject for m in outbox(db, a)] == ["On"]
        with db.session() as session:
            newest = max(n.id or 0 for n in session.exec(select(Notification)))
        assert settings_of(db, a).mailed_up_to_id == newest  # the watermark passed them


class TestDigests:
    def test_daily_at_the_digest_hour_once_and_never_empty(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        a, b = world.id("A"), world.id("B")
        mailable(db, a, "daily")
        mailable(db, b, "daily", invitation=False)
        note(db, a, "One", now=clock())
        note(db, a, "Two", now=clock())
        note(db, b, "Unwanted", now=clock())
        assert compose(db, clock).emails == 0  # made after today's digest hour
        at(clock, TUESDAY_6 - timedelta(minutes=1))
        assert compose(db, clock).emails == 0
        at(clock, TUESDAY_6 + timedelta(minutes=5))
        assert compose(db, clock).emails == 1
        [digest] = outbox(db)
        assert digest.member_id == a and digest.kind == "digest"
        assert digest.subject == "Your daily Liquid Policy digest: 2 notifications"
        assert "daily digest" in digest.text_body
        assert settings_of(db, a).last_digest_at == clock()
        assert settings_of(db, b).mailed_up_to_id > 0  # nothing wanted: no e-mail, passed
        assert settings_of(db, b).last_digest_at == clock()
        note(db, a, "Three", now=clock())
        clock.advance(12 * HOUR)
        assert compose(db, clock).emails == 0  # one digest a day
        at(clock, TUESDAY_6 + timedelta(days=1))
        assert compose(db, clock).emails == 1
        assert "* Three" in outbox(db, a)[-1].text_body

    def test_the_first_digest_goes_out_at_once(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        a, b, c = world.id("A"), world.id("B"), world.id("C")
        mailable(db, a, "daily", last_digest=None)
        mailable(db, b, "weekly", last_digest=None)
        mailable(db, c, "daily", last_digest=None)  # nothing pending: nothing sent
        note(db, a, "One", now=clock())
        note(db, b, "Two", now=clock())
        assert compose(db, clock).emails == 2
        assert [(m.member_id, m.kind) for m in outbox(db)] == [(a, "digest"), (b, "digest")]
        note(db, a, "Three", now=clock())
        note(db, c, "Four", now=clock())
        clock.advance(HOUR)
        assert compose(db, clock).emails == 1  # C's first; A's next one is Tuesday's
        assert outbox(db)[-1].member_id == c

    def test_a_long_digest_shows_the_first_hundred(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        a = world.id("A")
        mailable(db, a, "daily")
        with db.session() as session:
            for n in range(102):
                notifications.notify_member(
                    session,
                    a,
                    "invitation",
                    actor_id=None,
                    text=f"Note {n}",
                    reason="r",
                    now=clock(),
                )
            session.commit()
        at(clock, TUESDAY_6)
        assert compose(db, clock).emails == 1
        [digest] = outbox(db, a)
        assert digest.subject == "Your daily Liquid Policy digest: 102 notifications"
        assert digest.text_body.count("\n* ") == 100
        assert f"... and 2 more: {PUBLIC}/me/notifications" in digest.text_body

    def test_weekly_only_on_mondays(self, world: World, db: Database, clock: FrozenClock) -> None:
        a = world.id("A")
        mailable(db, a, "weekly")
        note(db, a, "One", now=clock())
        for day in range(6):
            at(clock, TUESDAY_6 + timedelta(days=day, hours=1))
            assert compose(db, clock).emails == 0, clock()
        at(clock, TUESDAY_6 + timedelta(days=6))  # Monday, 06:00
        assert compose(db, clock).emails == 1
        assert outbox(db, a)[0].subject.startswith("Your weekly")

    def test_nobody_without_a_verified_working_address_or_with_never(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        mailable(db, world.id("A"), "immediately", verified=False)
        mailable(db, world.id("B"), "immediately", failing=True)
        mailable(db, world.id("C"), "never")
        for who in "ABCD":  # D has no settings row at all
            note(db, world.id(who), "Hello", now=clock())
        at(clock, TUESDAY_6)
        assert compose(db, clock).emails == 0
        assert outbox(db) == []

    def test_grouped_by_area_and_issue_with_absolute_links(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        s = world.id("G")
        mailable(db, s, "daily")
        world.ok("PUT", f"/areas/{world.area_id}/subscription", "G")
        tram = world.propose("A", "Tram lines")
        world.propose("B", "Bike lanes")
        notifications.fan_out_pending(db, clock=clock)
        note(db, s, "A invites you", now=clock(), issue_id=tram["issue_id"], area_id=world.area_id)
        at(clock, TUESDAY_6)
        assert compose(db, clock).emails == 1
        [digest] = outbox(db, s)
        text = digest.text_body
        assert "== Transport ==" in text
        tram_at = text.index(f"-- Issue #{tram['issue_id']} (Tram lines)")
        assert text.index("Bike lanes") > tram_at  # same phase end: by issue id
        assert "because you subscribed to Transport" in text
        assert f"{PUBLIC}/issues/{tram['issue_id']}" in text
        invite = text.index("A invites you")
        assert tram_at < invite < text.index(f"New issue in Transport: issue #{tram['issue_id']}")
        assert "<h2>Transport</h2>" in digest.html_body


def test_digest_order_most_urgent_first() -> None:
    """Issues in voting by voting end, then other open issues by phase end, then closed;
    within an issue by kind urgency; the area of the most urgent issue first."""

    def n(i: int, kind: str, area: int | None, issue: int | None) -> Notification:
        return Notification(
            id=i,
            member_id=1,
            kind=kind,
            created_at=NOW,
            area_id=area,
            issue_id=issue,
            text=f"n{i}",
            reason="r",
        )

    soon, later = NOW + timedelta(hours=5), NOW + timedelta(hours=50)
    context = _Context(
        areas={1: "Health", 2: "Transport"},
        issues={
            10: _IssueInfo("issue #10", "discussion", soon),
            11: _IssueInfo("issue #11", "voting", later),
            12: _IssueInfo("issue #12", "finished_with_winner", None),
            13: _IssueInfo("issue #13", "voting", soon),
        },
    )
    notes = [
        n(1, "new_issue", 1, 10),
        n(2, "issue_closed", 1, 12),
        n(3, "new_issue", 2, 11),
        n(4, "delegation_started", None, None),
        n(5, "phase_changed", 1, 13),
        n(6, "votes_delegated", 1, 13),
        n(7, "delegation_stopped", 2, None),
    ]
    groups = group_digest(notes, context)
    assert [
        (g.name, [(i.issue_id, [x.id for x in i.notes]) for i in g.issues]) for g in groups
    ] == [
        ("Health", [(13, [6, 5]), (10, [1]), (12, [2])]),
        ("Transport", [(11, [3]), (None, [7])]),
        (None, [(None, [4])]),
    ]


class TestReminder:
    def _voting(self, world: World) -> tuple[int, int]:
        world.delegate("C", "B")
        world.delegate("D", "B")
        world.delegate("G", "F")
        initiative = world.propose("A", "Tram lines")
        world.support("A", initiative["id"])
        world.to_voting(initiative["issue_id"])
        notifications.fan_out_pending(world.db, clock=world.clock)
        return int(initiative["issue_id"]), int(initiative["id"])

    def derive(self, world: World, hours: int = 24) -> int:
        with world.db.session() as session:
            made = reminders.derive_reminders(session, now=world.clock(), hours=hours)
            session.commit()
        notifications.fan_out_pending(world.db, clock=world.clock)
        return made

    def reminders(self, world: World, who: str) -> list[Notification]:
        with world.db.session() as session:
            return list(
                session.exec(
                    select(Notification).where(
                        Notification.member_id == world.id(who),
                        Notification.kind == "voting_reminder",
                    )
                )
            )

    def test_to_a_delegate_without_ballot_once_per_issue(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        issue_id, initiative_id = self._voting(world)
        assert self.derive(world, hours=23) == 0  # voting ends in 24 hours
        clock.advance(HOUR)
        f_voted = world.vote("F", issue_id, {initiative_id: 1})
        assert f_voted.status_code < 300, f_voted.text
        assert self.derive(world) == 1
        [reminder] = self.reminders(world, "B")
        assert reminder.text == (
            f"Voting on issue #{issue_id} (Tram lines) ends in 23 hours; 2 members' votes go to you"
        )
        assert reminder.reason == "because 2 members delegate to you"
        for other in "ACDEFG":  # F has a ballot; the others carry no one's vote
            assert self.reminders(world, other) == []
        assert self.derive(world) == 0  # at most one per issue
        assert len(self.reminders(world, "B")) == 1

    def test_emailed_at_once_to_a_daily_member_and_only_once(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        b, f = world.id("B"), world.id("F")
        mailable(db, b, "daily")
        mailable(db, f, "daily", voting_reminder=False)
        issue_id, _ = self._voting(world)
        assert self.derive(world) == 1
        assert len(self.reminders(world, "F")) == 1
        compose(db, clock)
        [mail] = [m for m in outbox(db, b) if m.kind == "reminder"]
        # B's delegations of Monday are in a digest of their own (two days have passed)
        [digest] = [m for m in outbox(db, b) if m.kind == "digest"]
        assert "ends in" not in digest.text_body
        assert (mail.kind, mail.issue_id) == ("reminder", issue_id)
        assert mail.subject.startswith(f"Reminder: Voting on issue #{issue_id} (Tram lines) ends")
        assert f"{PUBLIC}/issues/{issue_id}#ballot" in mail.text_body
        assert "once per issue" in mail.text_body
        assert [m.kind for m in outbox(db, f)] == ["digest"]  # the reminder kind is off
        assert "ends in" not in outbox(db, f)[0].text_body
        clock.advance(HOUR)
        assert compose(db, clock).emails == 0

    def test_no_reminder_mail_after_voting(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        mailable(db, world.id("B"), "immediately")
        issue_id, initiative_id = self._voting(world)
        compose(db, clock)
        self.derive(world)
        assert len(self.reminders(world, "B")) == 1
        assert world.vote("B", issue_id, {initiative_id: 1}).status_code < 300
        assert compose(db, clock).emails == 0
        assert [m.kind for m in outbox(db, world.id("B")) if m.kind == "reminder"] == []

    def test_one_notify_pass_derives_fans_out_and_mails_it(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        from app.mail.compose import notify_pass

        mailable(db, world.id("B"), "daily")
        issue_id, _ = self._voting(world)
        done = notify_pass(db, SETTINGS, clock=clock)
        assert done.reminders == 1 and done.fanned_out.causes == 1
        assert done.composed is not None
        [mail] = [m for m in outbox(db, world.id("B")) if m.kind == "reminder"]
        assert mail.issue_id == issue_id
        without_smtp = settings_for_tests(public_url=PUBLIC)
        assert notify_pass(db, without_smtp, clock=clock).composed is None

    def test_never_members_get_no_reminder_mail(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        mailable(db, world.id("B"), "never")
        self._voting(world)
        self.derive(world)
        assert compose(db, clock).emails == 0


def test_two_passes_at_once_compose_each_email_once(committed_db: Database) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.factories import make_member

    clock = FrozenClock(NOW)
    ids = []
    for n in range(9):
        member = make_member(committed_db, name=f"reader{n}", email=f"reader{n}@example.org")
        ids.append(member.id or 0)
        frequency = "immediately" if n % 2 else "daily"
        mailable(committed_db, member.id or 0, frequency, last_digest=None)
        for k in range(2):
            note(committed_db, member.id or 0, f"Note {k}", now=NOW - timedelta(days=1))
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda _: compose(committed_db, clock, batch=2), range(2)))
    assert sum(d.emails for d in done) == len(outbox(committed_db))
    per_member = {i: [m.kind for m in outbox(committed_db, i)] for i in ids}
    # every notification is a day old: each member gets exactly one digest
    assert all(kinds == ["digest"] for kinds in per_member.values()), per_member
    assert compose(committed_db, clock).emails == 0


def test_two_derive_passes_at_once_record_one_reminder(committed_db: Database) -> None:
    """The second pass cannot see the first one's uncommitted cause; the partial unique index and
    ``ON CONFLICT DO NOTHING`` (PostgreSQL) or the write lock (SQLite) keep it to one."""
    import threading

    import sqlalchemy as sa

    from proposals.models import Issue, NotificationCause
    from proposals.services import initiatives
    from tests.factories import grant, make_area, make_member, make_policy, make_unit

    unit = make_unit(committed_db)
    area = make_area(committed_db, unit)
    policy = make_policy(committed_db)
    proposer = make_member(committed_db)
    grant(committed_db, unit, proposer)
    with committed_db.session(write=True) as session:
        initiative = initiatives.create_initiative(
            session,
            actor=proposer,
            name="Tram",
            content="c",
            area_id=area.id,
            policy_id=policy.id,
            clock=lambda: NOW,
        )
        session.execute(
            sa.update(Issue)
            .where(col(Issue.id) == initiative.issue_id)
            .values(state="voting", fully_frozen_at=NOW - timedelta(hours=12), voting_time=DAY)
        )
        session.commit()
    first = committed_db.session(write=True)
    assert reminders.derive_reminders(first, now=NOW, hours=24) == 1
    made: list[int] = []

    def second() -> None:
        with committed_db.session(write=True) as session:
            made.append(reminders.derive_reminders(session, now=NOW, hours=24))
            session.commit()

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.2)  # it waits for the first transaction (on the index or SQLite's lock)
    first.commit()
    first.close()
    thread.join()
    assert made == [0]
    with committed_db.session() as session:
        kinds = session.exec(select(NotificationCause.kind)).all()
    assert kinds.count("voting_reminder") == 1
