"""Issue 11 end to end, through a real SMTP server (aiosmtpd): the app is driven over HTTP, the
notification passes are the real ``notify_pass`` + ``send_due`` (or ``liquidpolicy notify``),
and the links of the received e-mails are followed over HTTP."""

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
from proposals.models import EmailMessage, Member, Notification, NotificationSettings
from proposals.services.mail_plan import wants
from proposals.services.outbox import backoff
from tests.api.world import DAY, World, build_world
from tests.conftest import settings_for_tests
from tests.databases import throwaway_database
from tests.factories import CHEAP_HASHER
from tests.smtp import Received, SmtpServer

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
    assert room.client.get(settings_path, headers=room.world.headers["C"]).status_code in (
        200,
        303,
    )
    acting = [relative(u) for u in re.findall(re.escape(PUBLIC) + r"/\S+", text)]
    assert any(p.startswith("/issues/") or p.startswith("/initiatives/") for p in acting)
    for path in acting:
        if path.startswith(("/issues/", "/initiatives/")):
            assert room.client.get(path).status_code == 200, path
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{PUBLIC}/email/unsubscribe?token=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in text  # the same link in the footer


# --- 3. immediately, under the daily cap -----------------------------------------------------------


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


# --- 4. one-click unsubscribe ------------------------------------------------------------------------


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


# --- 5. delivery: a temporary refusal, a permanent one ---------------------------------------------


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
