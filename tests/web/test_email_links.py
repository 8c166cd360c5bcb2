"""Issue 11: the links of e-mails, followed over HTTP as a member's browser (or mail client)
would: the verification link from the queued e-mail, its expiry, links for another member or an
old address, one-click unsubscribe without a session (RFC 8058), GET changing nothing, and
tampered tokens. Also the settings page at ``/me/notifications/settings``."""

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from app.mail import links
from app.main import create_app
from app.settings import PublicAccess, Settings
from proposals.clock import FrozenClock
from proposals.models import NOTIFICATION_KINDS, EmailMessage, Member, NotificationSettings
from proposals.services import email_settings
from tests.api.world import World, build_world
from tests.conftest import settings_for_tests
from tests.web.helpers import flash, submit, web_login

PUBLIC_URL = "https://lp.example.org"
_apps: dict[tuple[PublicAccess, bool], FastAPI] = {}


def _settings(public_access: PublicAccess, public_url: bool) -> Settings:
    """With ``PUBLIC_URL``, an app that sends e-mail; without, one that cannot (SMTP_URL needs
    PUBLIC_URL: app/settings.py)."""
    if not public_url:
        return settings_for_tests(public_access=public_access)
    return settings_for_tests(
        public_access=public_access, smtp_url="smtp://127.0.0.1:9", public_url=PUBLIC_URL
    )


@pytest.fixture
def public_url() -> bool:
    return True


@pytest.fixture
def app(db: Database, clock: FrozenClock, public_access: PublicAccess, public_url: bool) -> FastAPI:
    """An app that sends e-mail (nothing drains the outbox here), built once per variant."""
    key = (public_access, public_url)
    if key not in _apps:
        _apps[key] = create_app(_settings(*key), database=db, clock=clock)
    built = _apps[key]
    built.state.database = db
    built.state.clock = clock
    return built


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, ["A", "B"])


def settings_of(app: FastAPI) -> Settings:
    settings: Settings = app.state.settings
    return settings


def browser(app: FastAPI, who: str | None = None) -> TestClient:
    client = TestClient(app)
    if who:
        web_login(client, who)
    return client


def set_address(client: TestClient, address: str) -> Any:
    return submit(client, "/me/profile", {"statement": "", "email": address})


def messages(db: Database, member_id: int) -> list[EmailMessage]:
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


def link_in(message: EmailMessage) -> str:
    found = re.search(r"https?://\S+/email/verify\?token=\S+", message.text_body)
    assert found, message.text_body
    return found.group(0)


def local(url: str) -> str:
    """The path and query of an absolute link (the test client answers any host)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def row_of(db: Database, member_id: int) -> NotificationSettings | None:
    with db.session() as session:
        row = session.get(NotificationSettings, member_id)
        if row is not None:
            session.expunge(row)
        return row


def verified(db: Database, member_id: int) -> bool:
    with db.session() as session:
        member = session.get(Member, member_id)
        assert member is not None
        return email_settings.read_settings(session, member).email_verified


def latest_link(world: World, who: str) -> str:
    return local(link_in(messages(world.db, world.id(who))[-1]))


class TestVerificationLink:
    def test_from_the_queued_email_to_a_verified_address(self, world: World, app: FastAPI) -> None:
        member = browser(app, "A")
        page = set_address(member, "a@example.org")
        assert flash(page) == (
            "success",
            "Your profile is saved. A link to verify a@example.org is on its way: open it to "
            "get e-mail.",
        )
        [message] = messages(world.db, world.id("A"))
        assert message.kind == "verification" and message.to_address == "a@example.org"
        link = link_in(message)
        assert link.startswith(f"{PUBLIC_URL}/email/verify?token=")
        assert link in message.html_body

        # A mail scanner (no session) opens the link: nothing changes.
        scanner = TestClient(app)
        page = scanner.get(local(link))
        assert page.status_code == 200
        assert "Confirm my address" in page.text
        assert page.headers["cache-control"] == "no-store"
        assert not verified(world.db, world.id("A"))

        # The member presses the button (logged in or not: the link authorises it).
        done = TestClient(app).post(local(link))
        assert done.status_code == 200, done.text
        assert "a@example.org is verified" in done.text
        assert verified(world.db, world.id("A"))
        row = row_of(world.db, world.id("A"))
        assert row is not None and row.email_verified_at == world.clock()

        # The settings page says so, and offers no link any more.
        settings_page = member.get("/me/notifications/settings")
        assert "verified" in settings_page.text
        assert "Send the verification link again" not in settings_page.text
        # Opening the link again is harmless.
        again = scanner.get(local(link))
        assert again.status_code == 200 and "verified already" in again.text

    def test_expired_after_48_hours(self, world: World, app: FastAPI) -> None:
        set_address(browser(app, "A"), "a@example.org")
        link = latest_link(world, "A")
        world.clock.advance(links.VERIFICATION_HOURS * 3600 - 1)
        assert TestClient(app).get(link).status_code == 200
        world.clock.advance(1)
        for method in ("GET", "POST"):
            response = TestClient(app).request(method, link)
            assert response.status_code == 400
            assert "has expired" in response.text
        assert not verified(world.db, world.id("A"))

    def test_a_link_for_an_old_address_no_longer_works(self, world: World, app: FastAPI) -> None:
        member = browser(app, "A")
        set_address(member, "old@example.org")
        old_link = latest_link(world, "A")
        set_address(member, "new@example.org")
        response = TestClient(app).post(old_link)
        assert response.status_code == 400
        assert "no longer the one in your profile" in response.text
        assert not verified(world.db, world.id("A"))
        assert TestClient(app).post(latest_link(world, "A")).status_code == 200
        assert verified(world.db, world.id("A"))

    def test_changing_a_verified_address_needs_a_new_verification(
        self, world: World, app: FastAPI
    ) -> None:
        member = browser(app, "A")
        set_address(member, "a@example.org")
        assert TestClient(app).post(latest_link(world, "A")).status_code == 200
        assert verified(world.db, world.id("A"))
        set_address(member, "other@example.org")
        assert not verified(world.db, world.id("A"))
        assert messages(world.db, world.id("A"))[-1].to_address == "other@example.org"
        page = member.get("/me/notifications/settings")
        assert "not verified" in page.text

    def test_another_members_id_in_the_link_is_refused(self, world: World, app: FastAPI) -> None:
        set_address(browser(app, "A"), "a@example.org")
        set_address(browser(app, "B"), "a@example.org")  # even the same address
        link = latest_link(world, "A")
        _, _, token = link.partition("token=")
        forged = link.replace(f"token={token}", f"token={world.id('B')}.{token.split('.', 1)[1]}")
        assert forged != link
        response = TestClient(app).post(forged)
        assert response.status_code == 400
        assert not verified(world.db, world.id("B"))
        assert not verified(world.db, world.id("A"))

    @pytest.mark.parametrize(
        "token",
        ["", "junk", "1.2.3", "1.99999999999.abc", "x" * 5000, "0.0.0", "-1.5.abc", "1..", "."],
    )
    def test_malformed_or_tampered_tokens_change_nothing(
        self, world: World, app: FastAPI, token: str
    ) -> None:
        set_address(browser(app, "A"), "a@example.org")
        for method in ("GET", "POST"):
            response = TestClient(app).request(method, "/email/verify", params={"token": token})
            assert response.status_code == 400, (token, response.status_code)
        link = latest_link(world, "A")
        tampered = link[:-1] + ("0" if link[-1] != "0" else "1")
        assert TestClient(app).post(tampered).status_code == 400
        # The expiry is signed too: pushing it later breaks the link.
        expires = link.partition("token=")[2].split(".")[1]
        later = link.replace(f"{expires}.", f"{int(expires) + 86400}.")
        assert TestClient(app).post(later).status_code == 400
        assert not verified(world.db, world.id("A"))

    def test_resend_button(self, world: World, app: FastAPI) -> None:
        member = browser(app, "A")
        set_address(member, "a@example.org")
        page = member.get("/me/notifications/settings")
        assert "not verified" in page.text
        assert "Send the verification link again" in page.text
        answer = submit(member, "/me/email/verification")
        assert flash(answer) == (
            "success",
            "A verification link is on its way to a@example.org. Open it within 48 hours.",
        )
        assert len(messages(world.db, world.id("A"))) == 2
        # Either link works.
        assert TestClient(app).post(latest_link(world, "A")).status_code == 200

    def test_resend_without_an_address_is_refused(self, world: World, app: FastAPI) -> None:
        member = browser(app, "A")
        page = member.get("/me/notifications/settings")
        assert "You have no e-mail address" in page.text
        answer = submit(member, "/me/email/verification")
        assert flash(answer) == (
            "error",
            "you have no e-mail address: add one to your profile first",
        )
        assert messages(world.db, world.id("A")) == []


class TestLinksWithoutPublicUrl:
    @pytest.fixture
    def public_url(self) -> bool:
        return False

    def test_no_email_is_queued(self, world: World, app: FastAPI) -> None:
        """SMTP_URL cannot be set without PUBLIC_URL, so links never follow a request's
        ``Host``: setting an address here queues no verification e-mail."""
        set_address(browser(app, "A"), "a@example.org")
        assert messages(world.db, world.id("A")) == []

    def test_outside_a_request_public_url_is_required(self, app: FastAPI) -> None:
        with pytest.raises(links.NoPublicUrl):
            links.unsubscribe_url(settings_of(app), 1)
        assert links.unsubscribe_url(settings_of(app), 1, base="http://x/").startswith(
            "http://x/email/unsubscribe?token=1."
        )


class TestOneClickUnsubscribe:
    def test_post_without_a_session_turns_email_off(self, world: World, app: FastAPI) -> None:
        url = links.unsubscribe_url(settings_of(app), world.id("A"))
        assert url.startswith(f"{PUBLIC_URL}/email/unsubscribe?token=")
        mail_client = TestClient(app)
        response = mail_client.post(
            local(url),
            content="List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200, response.text
        row = row_of(world.db, world.id("A"))
        assert row is not None and row.email_frequency == "never"
        assert row_of(world.db, world.id("B")) is None  # only that member
        # Again: still fine, still never.
        assert mail_client.post(local(url)).status_code == 200

    def test_get_changes_nothing_and_shows_the_button(self, world: World, app: FastAPI) -> None:
        url = local(links.unsubscribe_url(settings_of(app), world.id("A")))
        page = TestClient(app).get(url)
        assert page.status_code == 200
        assert 'name="List-Unsubscribe" value="One-Click"' in page.text
        assert f'action="{url}"' in page.text
        assert row_of(world.db, world.id("A")) is None
        assert TestClient(app).head(url).status_code == 200
        assert row_of(world.db, world.id("A")) is None

    def test_the_page_button_unsubscribes(self, world: World, app: FastAPI) -> None:
        url = local(links.unsubscribe_url(settings_of(app), world.id("B")))
        member = browser(app, "A")  # logged in as someone else: the link decides
        page = member.get(url)
        action = re.search(r'<form method="post" action="(/email/unsubscribe[^"]+)"', page.text)
        assert action
        response = member.post(action.group(1).replace("&amp;", "&"), data={"x": "1"})
        assert response.status_code == 200 and "Unsubscribed" in response.text
        row = row_of(world.db, world.id("B"))
        assert row is not None and row.email_frequency == "never"
        assert row_of(world.db, world.id("A")) is None

    def test_a_token_works_only_for_its_member(self, world: World, app: FastAPI) -> None:
        url = local(links.unsubscribe_url(settings_of(app), world.id("A")))
        mac = url.rpartition(".")[2]
        other = f"/email/unsubscribe?token={world.id('B')}.{mac}"
        assert TestClient(app).post(other).status_code == 400
        assert row_of(world.db, world.id("B")) is None

    @pytest.mark.parametrize(
        "token", ["", "1", "1.", ".abc", "junk", "x" * 5000, "99999999.abc", "1.2.3"]
    )
    def test_bad_tokens_change_nothing(self, world: World, app: FastAPI, token: str) -> None:
        for method in ("GET", "POST"):
            response = TestClient(app).request(
                method, "/email/unsubscribe", params={"token": token}
            )
            assert response.status_code == 400, (token, method, response.status_code)
        url = local(links.unsubscribe_url(settings_of(app), world.id("A")))
        tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
        assert TestClient(app).post(tampered).status_code == 400
        assert TestClient(app).post("/email/unsubscribe").status_code == 400
        assert row_of(world.db, world.id("A")) is None

    def test_a_key_of_another_installation_is_refused(self, world: World, app: FastAPI) -> None:
        foreign = settings_for_tests(secret_key="another-key", public_url=PUBLIC_URL)
        url = local(links.unsubscribe_url(foreign, world.id("A")))
        assert TestClient(app).post(url).status_code == 400
        assert row_of(world.db, world.id("A")) is None

    @pytest.mark.parametrize("public_access", [PublicAccess.NONE])
    def test_works_without_login_on_a_private_service(self, world: World, app: FastAPI) -> None:
        url = local(links.unsubscribe_url(settings_of(app), world.id("A")))
        assert TestClient(app).get(url).status_code == 200
        assert TestClient(app).post(url).status_code == 200
        row = row_of(world.db, world.id("A"))
        assert row is not None and row.email_frequency == "never"
        # Other pages still ask for a login.
        assert TestClient(app).get("/", follow_redirects=False).status_code == 303


class TestSettingsPage:
    def test_linked_from_my_notifications_and_my_profile(self, world: World, app: FastAPI) -> None:
        member = browser(app, "A")
        for page in ("/me/notifications", "/me/profile"):
            assert 'href="/me/notifications/settings"' in member.get(page).text

    def test_needs_a_login(self, world: World, app: FastAPI) -> None:
        response = TestClient(app).get("/me/notifications/settings", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")

    def test_shows_and_saves_frequency_and_kinds(self, world: World, app: FastAPI) -> None:
        member = browser(app, "A")
        page = member.get("/me/notifications/settings")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "private, no-store"
        assert re.search(r'value="daily" checked', page.text)
        assert page.text.count('type="checkbox" name="kinds"') == len(NOTIFICATION_KINDS)
        answer = submit(
            member,
            "/me/notifications/settings",
            {"email_frequency": "weekly", "kinds": ["new_issue", "invitation"]},
        )
        assert flash(answer) == ("success", "Your notification settings are saved.")
        api = world.ok("GET", "/members/me/notification-settings", "A")
        assert api["email_frequency"] == "weekly"
        assert {k for k, on in api["kinds"].items() if on} == {"new_issue", "invitation"}
        assert re.search(r'value="weekly" checked', answer.text)
        assert re.search(r'value="invitation" checked', answer.text)
        assert not re.search(r'value="new_draft" checked', answer.text)

    @pytest.mark.parametrize(
        "data",
        [{"email_frequency": "hourly"}, {"email_frequency": "daily", "kinds": ["no_such_kind"]}],
    )
    def test_a_refused_form_changes_nothing(
        self, world: World, app: FastAPI, data: dict[str, Any]
    ) -> None:
        member = browser(app, "A")
        answer = submit(member, "/me/notifications/settings", data)
        found = flash(answer)
        assert found is not None and found[0] == "error"
        assert row_of(world.db, world.id("A")) is None

    def test_shows_a_failing_address(self, world: World, app: FastAPI) -> None:
        member = browser(app, "A")
        set_address(member, "a@example.org")
        TestClient(app).post(latest_link(world, "A"))
        with world.db.session() as session:
            row = session.get(NotificationSettings, world.id("A"))
            assert row is not None
            row.email_failing_at = world.clock()
            session.add(row)
            session.commit()
        assert "failing" in member.get("/me/notifications/settings").text
