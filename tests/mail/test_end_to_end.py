"""Issue 11 end to end, through a real SMTP server (aiosmtpd): the app is driven over HTTP, the
notification passes are the real ``notify_pass`` + ``send_due`` (or ``liquidpolicy notify``),
and the links of the received e-mails are followed over HTTP."""

import contextlib
import io
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app import migrate
from app.cli import main
from app.db import Database, create_engine
from app.mail.compose import notify_pass
from app.mail.send import send_due
from app.main import create_app
from app.settings import Settings
from proposals.clock import FrozenClock, utcnow
from proposals.demo import load_demo
from proposals.models import EmailMessage, Issue, Member, Notification, NotificationSettings
from proposals.services.issues import phase_ends_at
from proposals.services.mail_plan import wants
from proposals.services.outbox import backoff
from tests.api.world import DAY, World, build_world
from tests.conftest import settings_for_tests
from tests.databases import throwaway_database
from tests.factories import CHEAP_HASHER
from tests.smtp import Received, SmtpServer
from tests.web.helpers import web_login

PUBLIC = "https://lp.example.org"
NAMES = list("ABCDEFG")


def address(who: str) -> str:
    return f"{who.lower()}@example.org"


@dataclass
class Mailroom:
    """A world driven over HTTP whose app sends e-mail to ``smtp``."""

    world: World
    smtp: SmtpServer
    settings: Settings
    app: Any

    @property
    def client(self) -> TestClient:
        return self.world.client

    def notify(self) -> None:
        """One complete pass, as ``liquidpolicy notify`` runs it: compose, then send."""
        notify_pass(self.world.db, self.settings, clock=self.world.clock)
        self.send()

    def send(self) -> None:
        send_due(self.world.db, self.settings, clock=self.world.clock)

    def to(self, who: str) -> list[Received]:
        """What the SMTP server accepted for ``who``, in order."""
        return [m for m in self.smtp.messages if m.rcpt_tos == [address(who)]]

    def kinds(self, who: str) -> list[str]:
        return [self.kind(m) for m in self.to(who)]

    def kind(self, received: Received) -> str:
        """The outbox row's kind of a received message (by its Message-ID)."""
        with self.world.db.session() as session:
            row = session.exec(
                select(EmailMessage).where(
                    EmailMessage.message_id == received.message["Message-ID"]
                )
            ).one()
            return row.kind

    def settings_of(self, who: str) -> dict[str, Any]:
        result: dict[str, Any] = self.world.ok("GET", "/members/me/notification-settings", who)
        return result

    def set_address(self, who: str) -> None:
        self.world.ok("PATCH", "/members/me", who, json={"email": address(who)})

    def verify(self, who: str, frequency: str | None = None) -> None:
        """Set the address, receive the verification e-mail and confirm it over HTTP."""
        self.set_address(who)
        self.send()
        received = [m for m in self.to(who) if self.kind(m) == "verification"][-1]
        assert "List-Unsubscribe" not in received.message
        path = link(received.text, "/email/verify")
        assert self.client.post(path).status_code == 200
        if frequency is not None:
            body = {"email_frequency": frequency}
            self.world.ok("PUT", "/members/me/notification-settings", who, json=body)


def link(text: str, path: str) -> str:
    """The path and query of the first absolute link to ``path`` in ``text``."""
    found = re.search(re.escape(PUBLIC + path) + r"\S*", text)
    assert found is not None, (path, text)
    return relative(found.group(0))


def relative(url: str) -> str:
    assert url.startswith(PUBLIC + "/"), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@contextmanager
def mailroom(
    db: Database, clock: FrozenClock, smtp: SmtpServer, names: list[str]
) -> Iterator[Mailroom]:
    settings = settings_for_tests(smtp_url=smtp.url, public_url=PUBLIC)
    app = create_app(settings, database=db, clock=clock)
    with TestClient(app) as client:
        yield Mailroom(build_world(client, db, clock, names), smtp, settings, app)


@pytest.fixture
def room(db: Database, clock: FrozenClock, smtp_server: SmtpServer) -> Iterator[Mailroom]:
    with mailroom(db, clock, smtp_server, NAMES) as made:
        yield made


def subscribe(room: Mailroom, who: str) -> None:
    room.world.ok("PUT", f"/areas/{room.world.area_id}/subscription", who)


# --- 1. the address and its verification ------------------------------------------------------


def test_the_verification_link_verifies_on_post_only(room: Mailroom) -> None:
    room.set_address("B")
    assert room.settings_of("B")["email_verified"] is False
    room.send()
    [received] = room.to("B")
    assert room.kind(received) == "verification"
    assert "List-Unsubscribe" not in received.message
    path = link(received.text, "/email/verify")
    page = room.client.get(path)
    assert page.status_code == 200 and "Confirm my address" in page.text
    assert room.settings_of("B")["email_verified"] is False  # a GET changes nothing
    assert room.client.post(path).status_code == 200
    assert room.settings_of("B")["email_verified"] is True
    assert "verified already" in room.client.get(path).text


def test_an_unverified_address_gets_nothing_but_its_link(room: Mailroom) -> None:
    room.set_address("B")
    subscribe(room, "B")
    room.verify("C")
    subscribe(room, "C")
    room.world.propose("A", "Tram lines")
    room.notify()
    assert room.kinds("B") == ["verification"]
    assert room.kinds("C") == ["verification", "digest"]


# --- 2. each targeting rule, by e-mail ------------------------------------------------------------


@pytest.fixture
def targeted(room: Mailroom) -> Mailroom:
    """B subscribes; C supports and suggests; D and F delegate to E; A initiates (and subscribes:
    the actor is never told of their own new issue); G is verified, daily, outside every rule.
    Everyone verified (daily); ONE pass after it all."""
    world = room.world
    for who in NAMES:
        room.verify(who)
    subscribe(room, "A")
    subscribe(room, "B")
    world.delegate("D", "E")
    world.delegate("F", "E")
    initiative = world.propose("A", "Tram lines")
    world.support("A", initiative["id"])
    world.support("C", initiative["id"])
    world.suggest("C", initiative["id"], name="Add a stop")
    world.ok("POST", f"/initiatives/{initiative['id']}/drafts", "A", json={"content": "v2"})
    world.to_voting(initiative["issue_id"])
    room.notify()
    return room


def after_verification(room: Mailroom, who: str) -> list[Received]:
    return [m for m in room.to(who) if room.kind(m) != "verification"]


def digest_of(room: Mailroom, who: str) -> Received:
    [digest] = after_verification(room, who)
    assert room.kind(digest) == "digest"
    return digest


def test_each_rule_by_email_and_nobody_else(targeted: Mailroom) -> None:
    room = targeted
    subscriber = digest_of(room, "B").text
    assert "New issue in" in subscriber and "because you subscribed to" in subscriber
    assert "Voting" in subscriber or "voting" in subscriber
    participant = digest_of(room, "C").text
    for phase in ("discussion", "verification", "voting"):
        assert phase in participant
    assert "Tram lines has a new draft" in participant  # C supports the older draft
    # voting lasts a day, so E, a delegate without a ballot, also gets the last-day reminder
    # at once (as its own e-mail, never inside the digest)
    reminder, digest = after_verification(room, "E")
    assert (room.kind(reminder), room.kind(digest)) == ("reminder", "digest")
    assert reminder.message["Subject"].startswith("Reminder: ")
    assert "2 members' votes go to you" in digest.text
    assert "Reminder" not in digest.text
    initiator = digest_of(room, "A").text
    assert "New suggestion on Tram lines: Add a stop" in initiator
    assert "New issue in" not in initiator  # A subscribed, but opened the issue
    assert "new draft" not in initiator  # A wrote it
    for outsider in "DFG":
        assert after_verification(room, outsider) == [], outsider


def test_a_digest_is_grouped_multipart_says_why_and_links(targeted: Mailroom) -> None:
    room = targeted
    received = digest_of(room, "C")
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    text, html = received.text, received.html
    area = room.world.ok("GET", f"/areas/{room.world.area_id}")["name"]
    assert f"== {area} ==" in text and area in html
    assert re.search(r"^-- Issue #\d+ \(Tram lines\)", text, re.MULTILINE), text
    assert "You get this e-mail because you chose a daily digest" in text
    assert "you chose a daily digest" in html
    settings_path = link(text, "/me/notifications/settings")
    with TestClient(room.app) as browser:
        web_login(browser, "C")
        page = browser.get(settings_path)
        assert page.status_code == 200 and address("C") in page.text
    acting = [relative(u) for u in re.findall(re.escape(PUBLIC) + r"/\S+", text)]
    assert any(p.startswith("/issues/") or p.startswith("/initiatives/") for p in acting)
    for path in acting:
        if path.startswith(("/issues/", "/initiatives/")):
            assert room.client.get(path).status_code == 200, path
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{PUBLIC}/email/unsubscribe?token=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in text  # the same link in the footer
    assert unsubscribe[1:-1] in html and f'href="{PUBLIC}/me/notifications/settings"' in html


# --- 3. immediately, under the daily cap ----------------------------------------------------------


def test_immediately_stops_at_the_cap_and_folds_the_rest_into_the_next_digest(
    room: Mailroom,
) -> None:
    world = room.world
    room.verify("B", "immediately")
    cap = room.settings.email_daily_cap
    for number in range(cap + 2):
        initiative = world.propose("A", f"Idea {number}")
        body = {"member_id": world.id("B")}
        world.ok("POST", f"/initiatives/{initiative['id']}/initiators", "A", json=body)
        room.notify()
    assert room.kinds("B") == ["verification"] + ["notification"] * cap
    world.clock.advance(3600)
    room.notify()  # still the same mail day
    assert len(after_verification(room, "B")) == cap
    until_digest_hour = (24 - world.clock().hour + room.settings.digest_hour) * 3600
    world.clock.advance(until_digest_hour + 60)
    room.notify()
    *singles, digest = after_verification(room, "B")
    assert len(singles) == cap and room.kind(digest) == "digest"
    assert f"Idea {cap}" in digest.text and f"Idea {cap + 1}" in digest.text
    assert "Idea 0" not in digest.text
    room.notify()
    assert len(after_verification(room, "B")) == cap + 1


# --- 4. one-click unsubscribe ---------------------------------------------------------------------


def test_one_click_unsubscribe_without_a_session(targeted: Mailroom) -> None:
    room = targeted
    received = digest_of(room, "B")
    path = relative(received.message["List-Unsubscribe"][1:-1])
    with TestClient(room.app) as stranger:  # no cookie, no token
        assert stranger.get(path).status_code == 200
        assert room.settings_of("B")["email_frequency"] == "daily"  # a GET changes nothing
        answer = stranger.post(
            path,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status_code == 200
    assert room.settings_of("B")["email_frequency"] == "never"
    room.world.propose("A", "Another idea")
    room.world.clock.advance(DAY)
    room.notify()
    assert after_verification(room, "B") == [received]
    inbox = room.world.ok("GET", "/members/me/notifications", "B")["items"]
    assert inbox[0]["text"].startswith("New issue in")  # in-app notifications go on


# --- 5. delivery: a temporary refusal, a permanent one --------------------------------------------


def outbox_row(room: Mailroom, message_id: str) -> EmailMessage:
    with room.world.db.session() as session:
        row = session.exec(select(EmailMessage).where(EmailMessage.message_id == message_id)).one()
        session.expunge(row)
        return row


def test_a_temporary_refusal_is_retried_after_the_backoff_and_delivered_once(
    room: Mailroom,
) -> None:
    room.smtp.reply("451 4.3.0 Try again later")
    room.set_address("B")
    room.send()
    [refused] = room.smtp.attempts
    assert refused.reply.startswith("451") and room.smtp.messages == []
    room.send()  # not due before its backoff
    assert len(room.smtp.attempts) == 1
    room.world.clock.advance(backoff(1).total_seconds())
    room.send()
    [delivered] = room.smtp.messages
    assert delivered.message["Message-ID"] == refused.message["Message-ID"]
    room.world.clock.advance(DAY)
    room.notify()
    assert len(room.smtp.attempts) == 2
    row = outbox_row(room, delivered.message["Message-ID"])
    assert row.sent_at is not None and row.attempts == 2


def test_a_permanent_refusal_is_recorded_and_not_retried(room: Mailroom) -> None:
    room.smtp.reply("550 5.1.1 No such user")
    room.set_address("B")
    room.send()
    [refused] = room.smtp.attempts
    row = outbox_row(room, refused.message["Message-ID"])
    assert row.failed_at is not None and row.sent_at is None
    assert row.last_error is not None and "550" in row.last_error
    room.world.clock.advance(2 * DAY)
    room.notify()
    assert len(room.smtp.attempts) == 1 and room.smtp.messages == []


# --- the delegates' last-day reminder -------------------------------------------------------------


def test_a_delegate_without_a_ballot_gets_one_reminder_at_once(room: Mailroom) -> None:
    """Voting lasts a day here, so it ends within ``REMINDER_HOURS`` as soon as it starts."""
    world = room.world
    for who in "BE":
        room.verify(who)  # daily: a reminder goes out at once all the same
    world.delegate("C", "B")
    world.delegate("D", "E")
    initiative = world.propose("A", "Tram lines")
    world.support("A", initiative["id"])
    world.to_voting(initiative["issue_id"])
    assert world.vote("B", initiative["issue_id"], {initiative["id"]: 1}).status_code == 200
    room.notify()
    reminders = [m for m in after_verification(room, "E") if room.kind(m) == "reminder"]
    [reminder] = reminders
    assert "1 member's vote goes to you" in reminder.text
    assert reminder.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    ballot = link(reminder.text, f"/issues/{initiative['issue_id']}")
    assert room.client.get(ballot).status_code == 200
    assert "reminder" not in room.kinds("B")  # B has voted
    sent = len(room.smtp.messages)
    world.clock.advance(3600)
    room.notify()
    assert len(room.smtp.messages) == sent  # one reminder per issue, whatever the passes


# --- 6. two complete passes at once ---------------------------------------------------------------

MANY = [f"M{number:02d}" for number in range(12)]


def test_two_notify_passes_at_once_send_each_message_once(
    backend: str, committed_db: Database, clock: FrozenClock, smtp_server: SmtpServer
) -> None:
    if backend == "sqlite":
        pytest.skip("concurrency needs PostgreSQL (SQLite serializes writers)")
    with mailroom(committed_db, clock, smtp_server, ["A", *MANY]) as room:
        for number, who in enumerate(MANY):
            room.verify(who, "immediately" if number % 2 else None)
            subscribe(room, who)
        for number in range(3):
            room.world.propose("A", f"Idea {number}")
        verifications = len(room.smtp.messages)
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def one_pass() -> None:
            try:
                barrier.wait(timeout=10)
                room.notify()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=one_pass) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        received = room.smtp.messages[verifications:]
        by_id = Counter(m.message["Message-ID"] for m in received)
        assert by_id and set(by_id.values()) == {1}
        by_recipient = Counter(m.rcpt_tos[0] for m in received)
        expected = {address(who): 3 if n % 2 else 1 for n, who in enumerate(MANY)}
        assert by_recipient == expected
        with committed_db.session() as session:
            rows = session.exec(select(EmailMessage).where(EmailMessage.kind != "verification"))
            assert {row.message_id for row in rows} == set(by_id)
        room.notify()
        assert len(room.smtp.messages) == verifications + len(received)


# --- 7. acceptance 2: the demo and ONE ``liquidpolicy notify`` ------------------------------------


@dataclass(frozen=True)
class DemoMail:
    database: Database
    received: list[Received]
    output: str


@pytest.fixture(scope="module")
def demo_mail(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoMail]:
    """The demo loaded into a fresh database, then ONE ``liquidpolicy notify`` with SMTP_URL at
    an aiosmtpd server (one per backend)."""
    server = SmtpServer()
    server.start()
    directory: Path = tmp_path_factory.mktemp(f"demo-mail-{backend}")
    try:
        with throwaway_database(backend, directory) as url, pytest.MonkeyPatch.context() as env:
            migrate.upgrade(url)
            database = Database(create_engine(url))
            try:
                load_demo(database, CHEAP_HASHER)
                for name, value in {
                    "DATABASE_URL": url,
                    "SMTP_URL": server.url,
                    "PUBLIC_URL": PUBLIC,
                    "LOG_LEVEL": "WARNING",
                }.items():
                    env.setenv(name, value)
                env.delenv("SECRET_KEY", raising=False)
                buffer = io.StringIO()
                with contextlib.redirect_stdout(buffer):
                    assert main(["notify"]) == 0
                yield DemoMail(database, server.messages, buffer.getvalue())
            finally:
                database.dispose()
    finally:
        server.stop()


def outbox_kinds(database: Database) -> dict[str, str]:
    with database.session() as session:
        return {row.message_id: row.kind for row in session.exec(select(EmailMessage))}


def test_the_demo_gets_at_most_one_digest_each_and_nothing_else(demo_mail: DemoMail) -> None:
    kinds = outbox_kinds(demo_mail.database)
    per_member = Counter(m.rcpt_tos[0] for m in demo_mail.received)
    assert per_member and set(per_member.values()) == {1}, per_member
    assert {kinds[m.message["Message-ID"]] for m in demo_mail.received} == {"digest"}
    assert demo_mail.output.splitlines()[-1].endswith("0 to retry, 0 failed")


def test_the_demo_has_no_vote_ending_within_the_reminder_window(demo_mail: DemoMail) -> None:
    """So no reminder is right after ONE pass (the reminder has its own test above)."""
    soon = utcnow() + timedelta(hours=Settings.model_fields["reminder_hours"].default)
    with demo_mail.database.session() as session:
        voting = list(session.exec(select(Issue).where(Issue.state == "voting")))
        assert voting
        for issue in voting:
            ends = phase_ends_at(issue)
            assert ends is not None and ends > soon
        reminders = session.exec(
            select(Notification).where(Notification.kind == "voting_reminder")
        ).all()
        assert reminders == []


def test_the_demo_mails_exactly_those_with_something_to_hear(demo_mail: DemoMail) -> None:
    """Computed from the notification table alone: every active, verified member with at least
    one notification of a kind they want gets one digest holding each of them; nobody else."""
    expected: dict[str, list[str]] = {}
    with demo_mail.database.session() as session:
        for member, settings in session.exec(
            select(Member, NotificationSettings).join(
                NotificationSettings, col(NotificationSettings.member_id) == col(Member.id)
            )
        ):
            assert member.email is not None
            if not member.active or settings.email_verified_address != member.email:
                continue
            if settings.email_frequency == "never" or settings.email_failing_at is not None:
                continue
            notes = session.exec(
                select(Notification).where(Notification.member_id == member.id)
            ).all()
            assert settings.email_verified_at is not None
            assert all(n.created_at >= settings.email_verified_at for n in notes)
            texts = [
                n.text
                for n in notes
                if n.kind != "voting_reminder" and wants(settings.kinds or {}, n.kind)
            ]
            if texts:
                expected[member.email] = texts
        everyone = session.exec(select(Member)).all()
    assert expected, "the demo should leave somebody something to hear about"
    assert len(expected) < len(everyone), "and somebody nothing"
    digests = {m.rcpt_tos[0]: m for m in demo_mail.received}
    assert set(digests) == set(expected)
    for recipient, texts in expected.items():
        body = digests[recipient].text
        assert f"digest: {len(texts)} notification" in digests[recipient].message["Subject"]
        for text in texts[:100]:
            assert text in body, (recipient, text)


# --- what waits for a retry when the member changed their mind -------------------------------


def refused_digest(room: Mailroom) -> Received:
    """B (verified, subscribed) has a digest refused for now (451): it waits for its retry."""
    room.verify("B")
    subscribe(room, "B")
    room.world.propose("A", "Tram lines")
    room.smtp.reply("451 4.3.0 Try again later")
    room.notify()
    refused = room.smtp.attempts[-1]
    assert refused.reply.startswith("451") and room.kind(refused) == "digest"
    return refused


def test_after_one_click_unsubscribe_a_waiting_message_is_not_sent(room: Mailroom) -> None:
    refused = refused_digest(room)
    path = relative(refused.message["List-Unsubscribe"][1:-1])
    with TestClient(room.app) as stranger:
        assert stranger.post(path, content=b"List-Unsubscribe=One-Click").status_code == 200
    room.world.clock.advance(DAY)
    room.notify()
    message_id = refused.message["Message-ID"]
    assert [a.message["Message-ID"] for a in room.smtp.attempts].count(message_id) == 1
    assert room.kinds("B") == ["verification"]
    row = outbox_row(room, refused.message["Message-ID"])
    assert row.failed_at is not None and row.sent_at is None
    assert row.last_error is not None and "turned e-mail off" in row.last_error
    assert room.settings_of("B")["email_failing"] is False


def test_a_waiting_message_is_not_sent_to_a_replaced_address(room: Mailroom) -> None:
    refused = refused_digest(room)
    room.world.ok("PATCH", "/members/me", "B", json={"email": "b.new@example.org"})
    room.world.clock.advance(DAY)
    room.notify()
    assert room.kinds("B") == ["verification"]  # nothing more to the old address
    [new] = [m for m in room.smtp.messages if m.rcpt_tos == ["b.new@example.org"]]
    assert room.kind(new) == "verification"
    row = outbox_row(room, refused.message["Message-ID"])
    assert row.failed_at is not None and row.sent_at is None
    assert row.last_error is not None and "address changed" in row.last_error


# --- kinds turned off; an address that keeps refusing ---------------------------------------------


def test_a_kind_turned_off_is_not_mailed_but_stays_in_the_inbox(room: Mailroom) -> None:
    world = room.world
    for who in "BC":
        room.verify(who)
        subscribe(room, who)
    body = {"kinds": {"new_issue": False}}
    world.ok("PUT", "/members/me/notification-settings", "B", json=body)
    world.propose("A", "Tram lines")
    room.notify()
    assert room.kinds("B") == ["verification"]
    assert room.kinds("C") == ["verification", "digest"]
    [note] = world.ok("GET", "/members/me/notifications", "B")["items"]
    assert note["kind"] == "new_issue"


def test_an_address_refused_for_good_three_times_is_marked_failing_and_gets_no_more(
    room: Mailroom,
) -> None:
    world = room.world
    room.verify("B", "immediately")
    subscribe(room, "B")
    room.smtp.always("550 5.1.1 No such user")
    for number in range(3):
        world.propose("A", f"Idea {number}")
        room.notify()
    assert len(room.smtp.attempts) == 1 + 3 and room.smtp.messages == room.smtp.attempts[:1]
    assert room.settings_of("B")["email_failing"] is True
    room.smtp.always(None)
    world.propose("A", "Idea 3")
    world.clock.advance(DAY)
    room.notify()
    assert len(room.smtp.attempts) == 4  # nothing composed for a failing address
    # a new verification clears the mark; e-mail goes out again from then on
    world.ok("PATCH", "/members/me", "B", json={"email": "b.new@example.org"})
    room.send()
    [verification] = [m for m in room.smtp.messages if m.rcpt_tos == ["b.new@example.org"]]
    assert room.client.post(link(verification.text, "/email/verify")).status_code == 200
    assert room.settings_of("B")["email_failing"] is False
    world.propose("A", "Idea 4")
    room.notify()
    [_, mail] = [m for m in room.smtp.messages if m.rcpt_tos == ["b.new@example.org"]]
    assert room.kind(mail) == "notification" and "Idea 4" in mail.text
