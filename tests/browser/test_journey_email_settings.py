"""Journey (S), issue 11's settings and e-mail links in a browser: B opens the notification
settings from ``/me/notifications``, chooses a weekly digest without new drafts, gives an address
on the profile, follows its verification link (a mail scanner's GET changes nothing; the button
verifies), and then a one-click unsubscribe link's page and button. Each page gets the
accessibility audit.

The live server sends no e-mail (no ``SMTP_URL``), so the links are made here with the server's
``SECRET_KEY``, exactly as the e-mails would carry them."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, expect

from app.mail import links
from tests.browser.audit import audit
from tests.browser.conftest import LiveServer
from tests.browser.test_journey_agenda import Browsing, api, ok
from tests.conftest import settings_for_tests

expect.set_options(timeout=10_000)
SERVER_SETTINGS = settings_for_tests(secret_key="browser-test-secret")


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_settings_verification_and_unsubscribe(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    b = Browsing(browser, live_server, "B")
    scanner = browser.new_context(base_url=live_server.base_url)
    try:
        b.page.goto("/me/notifications")
        b.page.get_by_role("link", name="Notification settings").click()
        expect(b.page.get_by_role("heading", name="Notification settings", level=1)).to_be_visible()
        expect(b.page.get_by_text("You have no e-mail address")).to_be_visible()
        b.page.get_by_label("A weekly digest (on Mondays)").check()
        b.page.get_by_label("A new draft of an initiative I support").uncheck()
        b.page.get_by_role("button", name="Save settings").click()
        b.expect_flash("Your notification settings are saved.")
        expect(b.page.get_by_label("A weekly digest (on Mondays)")).to_be_checked()
        audit(b.page, artifacts, "notification-settings")

        b.page.goto("/me/profile")
        b.page.get_by_label("Email", exact=True).fill("b@example.org")
        b.page.get_by_role("button", name="Save profile").click()
        b.expect_flash("Your profile is saved.")
        member_id = live_server.members["B"]
        link = links.verification_url(
            SERVER_SETTINGS,
            member_id,
            "b@example.org",
            datetime.now(UTC) + timedelta(hours=1),
            base=live_server.base_url,
        )

        # A scanner opens the link: a page with a button, nothing verified.
        scan = scanner.new_page()
        scan.goto(local(link))
        expect(scan.get_by_role("button", name="Confirm my address")).to_be_visible()
        with api(live_server, "B") as me:
            assert ok(me.get("/members/me/notification-settings"))["email_verified"] is False
        audit(scan, artifacts, "email-verify")

        b.page.goto(local(link))
        b.page.get_by_role("button", name="Confirm my address").click()
        expect(b.page.get_by_text("b@example.org is verified")).to_be_visible()
        b.page.goto("/me/notifications/settings")
        expect(b.page.locator(".email-verified")).to_have_text("verified")

        unsubscribe = local(links.unsubscribe_url(SERVER_SETTINGS, member_id, base="http://x"))
        scan.goto(unsubscribe)
        expect(scan.get_by_role("button", name="Unsubscribe")).to_be_visible()
        audit(scan, artifacts, "email-unsubscribe")
        scan.get_by_role("button", name="Unsubscribe").click()
        expect(scan.get_by_role("heading", name="Unsubscribed")).to_be_visible()
        with api(live_server, "B") as me:
            assert ok(me.get("/members/me/notification-settings"))["email_frequency"] == "never"
        b.page.goto("/me/notifications/settings")
        expect(b.page.get_by_label("Never: in the app only")).to_be_checked()
    finally:
        scanner.close()
        b.context.close()
    assert not b.failures, b.failures
