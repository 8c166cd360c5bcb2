"""Issue 11: notification settings and address verification over the API (API.md
"Notifications"): defaults, changing frequency and kinds, scopes, refusals, the verification
e-mail queued in the outbox (sending it is the sender's job), and what changing the address
does."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from app.db import Database
from app.main import create_app
from proposals.clock import FrozenClock
from proposals.models import (
    NOTIFICATION_KINDS,
    EmailMessage,
    Member,
    Notification,
    NotificationSettings,
)
from proposals.services import email_settings, notifications
from tests.api.world import World, build_world
from tests.conftest import settings_for_tests
from tests.factories import bearer, make_member, make_token

SETTINGS = "/members/me/notification-settings"
VERIFICATION = "/members/me/email/verification"
PUBLIC_URL = "https://lp.example.org"


@pytest.fixture
def app(db: Database, clock: FrozenClock) -> FastAPI:
    """E-mail configured (nothing drains the outbox in these tests)."""
    settings = settings_for_tests(smtp_url="smtp://127.0.0.1:9", public_url=PUBLIC_URL)
    return create_app(settings, database=db, clock=clock)


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, ["A", "B"])


def outbox(db: Database, member_id: int) -> list[EmailMessage]:
    with db.session() as session:
        rows = list(
            session.exec(
                select(EmailMessage)
                .where(EmailMessage.member_id == member_id)
                .order_by(EmailMessage.id)  # type: ignore[arg-type]
            )
        )
        for row in rows:
            session.expunge(row)
        return rows


def set_email(world: World, who: str, address: str | None) -> None:
    world.ok("PATCH", "/members/me", who, json={"email": address})


def settings_of(world: World, who: str) -> dict[str, Any]:
    result: dict[str, Any] = world.ok("GET", SETTINGS, who)
    return result


def verify_directly(world: World, who: str) -> None:
    with world.db.session() as session:
        member = session.get(Member, world.id(who))
        assert member is not None and member.email is not None
        email_settings.verify(session, member, address=member.email, clock=world.clock)
        session.commit()


class TestReadSettings:
    def test_defaults_without_a_row(self, world: World) -> None:
        response = world.call("GET", SETTINGS, "A")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        body = response.json()
        assert body == {
            "email_frequency": "daily",
            "kinds": dict.fromkeys(NOTIFICATION_KINDS, True),
            "email_verified": False,
            "email": None,
            "email_failing": False,
        }

    def test_needs_a_token(self, world: World) -> None:
        assert world.status("GET", SETTINGS) == 401
        assert world.status("PUT", SETTINGS, json={}) == 401
        assert world.status("POST", VERIFICATION) == 401

    def test_read_scope_reads_write_scope_changes(self, world: World) -> None:
        with world.db.session() as session:
            member = session.get(Member, world.id("A"))
            assert member is not None
            session.expunge(member)
        reader = bearer(make_token(world.db, member, scopes=["read"]))
        writer = bearer(make_token(world.db, member, scopes=["write"]))
        client = world.client
        assert client.get("/api/v1" + SETTINGS, headers=reader).status_code == 200
        assert client.get("/api/v1" + SETTINGS, headers=writer).status_code == 403
        body = {"email_frequency": "weekly"}
        assert client.put("/api/v1" + SETTINGS, headers=reader, json=body).status_code == 403
        assert client.put("/api/v1" + SETTINGS, headers=writer, json=body).status_code == 200
        assert client.post("/api/v1" + VERIFICATION, headers=reader).status_code == 403


class TestChangeSettings:
    def test_frequency_and_some_kinds(self, world: World) -> None:
        response = world.call(
            "PUT",
            SETTINGS,
            "A",
            json={"email_frequency": "weekly", "kinds": {"new_issue": False}},
        )
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        body = response.json()
        assert body["email_frequency"] == "weekly"
        assert body["kinds"]["new_issue"] is False
        assert all(on for kind, on in body["kinds"].items() if kind != "new_issue")
        # A later change names other kinds: the ones left out keep their value.
        body = world.ok("PUT", SETTINGS, "A", json={"kinds": {"invitation": False}})
        assert body["email_frequency"] == "weekly"
        assert body["kinds"]["new_issue"] is False and body["kinds"]["invitation"] is False
        body = world.ok("PUT", SETTINGS, "A", json={"kinds": {"new_issue": True}})
        assert body["kinds"]["new_issue"] is True
        assert settings_of(world, "A") == body
        assert settings_of(world, "B")["email_frequency"] == "daily"  # only mine changed

    def test_turning_email_back_on_skips_what_came_while_it_was_off(self, world: World) -> None:
        """As with a new verification: a member who turned e-mail off and on again gets what
        comes next, not a digest of everything they chose not to hear of meanwhile (the inbox
        keeps it all)."""
        world.ok("PUT", SETTINGS, "A", json={"email_frequency": "never"})
        with world.db.session() as session:
            notifications.notify_member(
                session,
                world.id("A"),
                "invitation",
                actor_id=None,
                text="while off",
                reason="because",
                now=world.clock(),
            )
            newest = session.exec(select(func.max(Notification.id))).one()
            session.commit()
        world.ok("PUT", SETTINGS, "A", json={"email_frequency": "weekly"})
        with world.db.session() as session:
            row = session.get(NotificationSettings, world.id("A"))
            assert row is not None and newest is not None
            assert row.mailed_up_to_id >= newest
        # Changing between frequencies that send e-mail moves nothing.
        with world.db.session() as session:
            notifications.notify_member(
                session,
                world.id("A"),
                "invitation",
                actor_id=None,
                text="while on",
                reason="because",
                now=world.clock(),
            )
            session.commit()
        world.ok("PUT", SETTINGS, "A", json={"email_frequency": "daily"})
        with world.db.session() as session:
            row = session.get(NotificationSettings, world.id("A"))
            assert row is not None and row.mailed_up_to_id == newest

    def test_empty_body_changes_nothing(self, world: World) -> None:
        assert world.ok("PUT", SETTINGS, "A", json={}) == settings_of(world, "A")

    @pytest.mark.parametrize(
        "body",
        [
            {"email_frequency": "hourly"},
            {"email_frequency": None, "kinds": {"new_issue": "yes"}},
            {"kinds": {"new_issue": 1}},
            {"kinds": ["new_issue"]},
            {"kinds": {"no_such_kind": True}},
            {"colour": "blue"},
        ],
    )
    def test_bad_bodies_are_422_and_change_nothing(
        self, world: World, body: dict[str, Any]
    ) -> None:
        before = settings_of(world, "A")
        response = world.call("PUT", SETTINGS, "A", json=body)
        assert response.status_code == 422, response.text
        assert "detail" in response.json()
        assert settings_of(world, "A") == before

    def test_unknown_kind_is_named(self, world: World) -> None:
        response = world.call("PUT", SETTINGS, "A", json={"kinds": {"no_such_kind": False}})
        assert response.status_code == 422
        assert "no_such_kind" in response.json()["detail"]


class TestVerification:
    def test_a_new_address_gets_its_link_at_once(self, world: World) -> None:
        set_email(world, "A", "a@example.org")
        [message] = outbox(world.db, world.id("A"))
        assert message.kind == "verification"
        assert message.to_address == "a@example.org"
        assert f"{PUBLIC_URL}/email/verify?token=" in message.text_body
        assert f"{PUBLIC_URL}/email/verify?token=" in message.html_body
        assert message.subject
        assert settings_of(world, "A")["email"] == "a@example.org"
        assert settings_of(world, "A")["email_verified"] is False

    def test_saving_the_same_address_sends_nothing_more(self, world: World) -> None:
        set_email(world, "A", "a@example.org")
        set_email(world, "A", "a@example.org")
        world.ok("PATCH", "/members/me", "A", json={"statement": "Hello"})
        assert len(outbox(world.db, world.id("A"))) == 1

    def test_send_again_is_202(self, world: World) -> None:
        set_email(world, "A", "a@example.org")
        response = world.call("POST", VERIFICATION, "A")
        assert response.status_code == 202, response.text
        assert response.headers["cache-control"] == "private, no-store"
        assert [m.kind for m in outbox(world.db, world.id("A"))] == ["verification"] * 2

    def test_no_address_is_409(self, world: World) -> None:
        response = world.call("POST", VERIFICATION, "A")
        assert response.status_code == 409
        assert "no e-mail address" in response.json()["detail"]
        assert outbox(world.db, world.id("A")) == []

    def test_verified_already_is_409(self, world: World) -> None:
        set_email(world, "A", "a@example.org")
        verify_directly(world, "A")
        assert settings_of(world, "A")["email_verified"] is True
        response = world.call("POST", VERIFICATION, "A")
        assert response.status_code == 409
        assert "already verified" in response.json()["detail"]

    def test_at_most_five_a_day(self, world: World) -> None:
        set_email(world, "A", "a@example.org")  # the first
        for _ in range(email_settings.VERIFICATIONS_PER_DAY - 1):
            assert world.status("POST", VERIFICATION, "A") == 202
        response = world.call("POST", VERIFICATION, "A")
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) == 86400
        world.clock.advance(86400)
        assert world.status("POST", VERIFICATION, "A") == 202

    def test_changing_the_address_needs_a_new_verification(self, world: World) -> None:
        set_email(world, "A", "a@example.org")
        verify_directly(world, "A")
        set_email(world, "A", "new@example.org")
        body = settings_of(world, "A")
        assert body["email"] == "new@example.org"
        assert body["email_verified"] is False
        messages = outbox(world.db, world.id("A"))
        assert [m.to_address for m in messages] == ["a@example.org", "new@example.org"]
        # Back to the verified address: verified again, and no new link.
        set_email(world, "A", "a@example.org")
        assert settings_of(world, "A")["email_verified"] is True
        assert len(outbox(world.db, world.id("A"))) == 2
        # No address at all: nothing is verified.
        set_email(world, "A", None)
        assert settings_of(world, "A")["email_verified"] is False

    def test_failing_is_shown(self, world: World) -> None:
        set_email(world, "A", "a@example.org")
        verify_directly(world, "A")
        with world.db.session() as session:
            row = session.get(NotificationSettings, world.id("A"))
            assert row is not None
            row.email_failing_at = world.clock()
            row.email_permanent_failures = 3
            session.add(row)
            session.commit()
        assert settings_of(world, "A")["email_failing"] is True


class TestWithoutSmtp:
    @pytest.fixture
    def app(self, db: Database, clock: FrozenClock) -> FastAPI:
        return create_app(settings_for_tests(), database=db, clock=clock)

    def test_no_link_is_queued_and_sending_again_is_409(self, world: World) -> None:
        set_email(world, "A", "a@example.org")
        assert outbox(world.db, world.id("A")) == []
        response = world.call("POST", VERIFICATION, "A")
        assert response.status_code == 409
        assert "SMTP_URL" in response.json()["detail"]
        # The settings are kept all the same.
        assert world.ok("PUT", SETTINGS, "A", json={"email_frequency": "never"})


def test_verify_moves_the_watermark_past_old_notifications(world: World) -> None:
    """A newly verified address gets no old backlog by e-mail."""
    from proposals.models import Notification

    member = make_member(world.db, name="Z", email="z@example.org")
    with world.db.session() as session:
        for n in range(3):
            session.add(
                Notification(
                    member_id=member.id or 0,
                    kind="invitation",
                    created_at=world.clock(),
                    text=f"old {n}",
                    reason="because",
                )
            )
        session.flush()
        newest = max(
            n.id or 0
            for n in session.exec(select(Notification).where(Notification.member_id == member.id))
        )
        fresh = session.get(Member, member.id)
        assert fresh is not None
        assert email_settings.verify(session, fresh, address="z@example.org", clock=world.clock)
        row = session.get(NotificationSettings, member.id)
        assert row is not None and row.mailed_up_to_id == newest
        assert row.email_verified_at == world.clock()
        # Verifying again changes nothing (the watermark stays where the sender moved it).
        row.mailed_up_to_id = newest + 100
        assert not email_settings.verify(session, fresh, address="z@example.org", clock=world.clock)
        assert row.mailed_up_to_id == newest + 100
        session.rollback()
