"""Journey (E), issue 11 by real e-mail: a live server whose ``SMTP_URL`` is a real SMTP server
(aiosmtpd, :mod:`tests.smtp`) and whose ``PUBLIC_URL`` is its own address, so the browser follows
the links of the e-mails it sent.

B subscribes to the area on its page, gives an address on the profile, receives the
verification e-mail, opens its link and confirms; C opens a new issue in the area (through the
API); after the next pass B sees the count in the header and the notification in
``/me/notifications``, and B's first daily digest arrives, naming the issue, whose link opens the
issue page. Each new page gets the accessibility audit.

The notification pass (``notify_pass``, then ``send_due``: what the server's background loop and
``liquidpolicy notify`` run) is run by the test, on the live server's database, with the server's
own settings, at the moments the journey needs it. The alternative, the server's loop with a
short ``LIFECYCLE_INTERVAL``, would make the test wait on a timer and race the loop's passes
against the journey's own writes on SQLite, and a failing pass would be only a log line in the
server (the test would just time out); run here, a pass is over when it returns (aiosmtpd has
stored a message before it answers), and it fails with its own traceback."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from app.db import Database, create_engine
from app.mail.compose import notify_pass
from app.mail.send import send_due
from app.settings import Settings
from tests.browser.audit import audit
from tests.browser.conftest import LiveServer, _free_port, _seed, _serving
from tests.browser.test_journey_agenda import Browsing, api, ok
from tests.conftest import settings_for_tests
from tests.smtp import Received, SmtpServer

expect.set_options(timeout=10_000)
SECRET_KEY = "browser-test-secret"  # the one _serving gives the server
ADDRESS = "b@example.org"


@dataclass(frozen=True)
class MailingServer:
    """A live server that sends e-mail to ``smtp``, and the settings it runs with."""

    live: LiveServer
    smtp: SmtpServer
    settings: Settings

    def run_pass(self) -> None:
        """One notification pass on the server's database: fan out and compose, then send."""
        database = Database(create_engine(self.settings.database_url))
        try:
            notify_pass(database, self.settings)
            send_due(database, self.settings)
        finally:
            database.dispose()

    def mail_to(self, address: str, subject: str) -> Received:
        """The one message that reached ``address`` with a subject starting with ``subject``."""
        found = [
            m
            for m in self.smtp.messages
            if address in m.rcpt_tos and str(m.message["Subject"]).startswith(subject)
        ]
        subjects = [(m.rcpt_tos, m.message["Subject"]) for m in self.smtp.messages]
        assert len(found) == 1, f"{subject!r} to {address}: {subjects}"
        return found[0]


@pytest.fixture(scope="module")
def mailing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailingServer]:
    """``liquidpolicy serve`` seeded like ``live_server``, with ``SMTP_URL`` an aiosmtpd server
    and ``PUBLIC_URL`` its own address (a free port chosen before it starts)."""
    smtp = SmtpServer()
    smtp.start()
    try:
        workdir = tmp_path_factory.mktemp("mailing")
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {"SMTP_URL": smtp.url, "PUBLIC_URL": base_url}
        settings = settings_for_tests(
            database_url=f"sqlite:///{workdir / 'journey.db'}",
            secret_key=SECRET_KEY,
            smtp_url=smtp.url,
            public_url=base_url,
        )
        with _serving(workdir, port=port, extra_env=env) as served:
            assert served == base_url
            yield MailingServer(_seed(base_url, "admin"), smtp, settings)
    finally:
        smtp.stop()


def link_in(text: str, base_url: str, path: str) -> str:
    """The one link in ``text`` to ``base_url`` + ``path`` (a prefix)."""
    found: set[str] = set(re.findall(re.escape(base_url + path) + r"[^\s)>\"]*", text))
    assert len(found) == 1, (path, found, text)
    return found.pop()


def test_a_verified_subscriber_gets_the_new_issue_by_e_mail(
    browser: Browser, mailing_server: MailingServer, artifacts: Path
) -> None:
    server = mailing_server.live
    area = server.area_name
    b = Browsing(browser, server, "B")
    try:
        # B subscribes to the area on its page.
        b.page.goto("/")
        b.page.get_by_role("link", name=area).first.click()
        b.page.get_by_role("button", name=f"Subscribe to {area}").click()
        b.expect_flash(f"You subscribed to {area}")
        expect(b.page.get_by_role("button", name="Unsubscribe")).to_be_visible()
        audit(b.page, artifacts, "email-journey-area")

        # B gives an address: its verification link is on its way.
        b.page.goto("/me/profile")
        b.page.get_by_label("Email", exact=True).fill(ADDRESS)
        b.page.get_by_role("button", name="Save profile").click()
        b.expect_flash(f"A link to verify {ADDRESS} is on its way")
        audit(b.page, artifacts, "email-journey-profile")

        assert not mailing_server.smtp.messages  # queued in the request, sent by the pass
        mailing_server.run_pass()
        verification = mailing_server.mail_to(ADDRESS, "Confirm your e-mail address")
        link = link_in(verification.text, server.base_url, "/email/verify")

        # The link opens a page with a button (a GET verifies nothing); the button verifies.
        b.page.goto(link)
        confirm = b.page.get_by_role("button", name="Confirm my address")
        expect(confirm).to_be_visible()
        audit(b.page, artifacts, "email-journey-verify")
        confirm.click()
        expect(b.page.get_by_text(f"{ADDRESS} is verified")).to_be_visible()
        audit(b.page, artifacts, "email-journey-verified")
        b.page.goto("/me/notifications/settings")
        expect(b.page.locator(".email-verified")).to_have_text("verified")
        audit(b.page, artifacts, "email-journey-settings")

        # C opens a new issue in the area; then the next pass.
        with api(server, "C") as c:
            area_id = ok(c.get("/areas"))["items"][0]["id"]
            policy_id = ok(c.get("/policies"))["items"][0]["id"]
            initiative = ok(
                c.post(
                    "/initiatives",
                    json={
                        "area_id": area_id,
                        "policy_id": policy_id,
                        "name": "Night buses",
                        "content": "Buses run all night.",
                    },
                )
            )
        issue_id = initiative["issue_id"]
        mailing_server.run_pass()

        # In the app: the count in the header, the notification in the inbox.
        b.page.goto("/")
        header = b.page.get_by_role("navigation", name="Main")
        header.get_by_role("link", name="Notifications (1 unread)").click()
        expect(b.page).to_have_url(re.compile(r"/me/notifications$"))
        card = b.page.locator("li.notification-new_issue")
        expect(card).to_have_count(1)
        expect(card).to_contain_text(f"New issue in {area}: issue #{issue_id} (Night buses)")
        expect(card).to_contain_text(f"Because you subscribed to {area}")
        audit(b.page, artifacts, "email-journey-notifications")

        # By e-mail: B's first daily digest, naming the issue; its link opens the issue page.
        digest = mailing_server.mail_to(ADDRESS, "Your daily Liquid Policy digest")
        assert digest.rcpt_tos == [ADDRESS]
        assert f"New issue in {area}: issue #{issue_id} (Night buses)" in digest.text
        assert f"issue #{issue_id}" in digest.html
        assert digest.message["List-Unsubscribe"].startswith(f"<{server.base_url}/")
        b.page.goto(link_in(digest.text, server.base_url, f"/issues/{issue_id}"))
        expect(b.page).to_have_url(f"{server.base_url}/issues/{issue_id}")
        expect(b.page.get_by_role("heading", level=1)).to_contain_text(f"{issue_id}")
        expect(b.page.get_by_text("Night buses").first).to_be_visible()
        audit(b.page, artifacts, "email-journey-issue")

        # Nobody else got e-mail: no one else has an address.
        assert [m.rcpt_tos for m in mailing_server.smtp.messages] == [[ADDRESS], [ADDRESS]]
    finally:
        b.context.close()
    assert not b.failures, b.failures
