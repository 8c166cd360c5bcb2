"""Journey (N), issue 11 in the app: B subscribes to an area on its page; A opens an issue there
(through the API); one notification pass runs (what ``liquidpolicy notify`` and the server's
background loop run); B sees the count in the header, reads the notification on
``/me/notifications`` with its reason and its link, marks everything read, and the count is gone."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from app.db import Database, create_engine
from proposals.services.notifications import fan_out_pending
from tests.browser.audit import audit
from tests.browser.conftest import LiveServer, _seed, _serving
from tests.browser.test_journey_agenda import Browsing, api, ok

expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def notify_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """``liquidpolicy serve`` seeded like ``live_server``, and its database's address."""
    workdir = tmp_path_factory.mktemp("notify")
    with _serving(workdir) as base_url:
        yield _seed(base_url, "admin"), f"sqlite:///{workdir / 'journey.db'}"


def notify_pass(url: str) -> None:
    database = Database(create_engine(url))
    try:
        fan_out_pending(database)
    finally:
        database.dispose()


def test_a_subscriber_hears_of_a_new_issue(
    browser: Browser, notify_server: tuple[LiveServer, str], artifacts: Path
) -> None:
    server, url = notify_server
    b = Browsing(browser, server, "B")
    try:
        b.page.goto("/")
        b.page.get_by_role("link", name=server.area_name).first.click()
        b.page.get_by_role("button", name=f"Subscribe to {server.area_name}").click()
        b.expect_flash(f"You subscribed to {server.area_name}")
        expect(b.page.get_by_role("button", name="Unsubscribe")).to_be_visible()
        audit(b.page, artifacts, "area-subscribed")

        with api(server, "A") as a:
            area_id = ok(a.get("/areas"))["items"][0]["id"]
            policy_id = ok(a.get("/policies"))["items"][0]["id"]
            initiative = ok(
                a.post(
                    "/initiatives",
                    json={
                        "area_id": area_id,
                        "policy_id": policy_id,
                        "name": "Night buses",
                        "content": "Buses run all night.",
                    },
                )
            )
        notify_pass(url)

        b.page.goto("/")
        header = b.page.get_by_role("navigation", name="Main")
        header.get_by_role("link", name="Notifications (1 unread)").click()
        expect(b.page).to_have_url(re.compile(r"/me/notifications$"))
        card = b.page.locator("li.notification-new_issue")
        expect(card).to_have_count(1)
        expect(card).to_contain_text(
            f"New issue in {server.area_name}: issue #{initiative['issue_id']} (Night buses)"
        )
        expect(card).to_contain_text(f"Because you subscribed to {server.area_name}")
        expect(card.get_by_role("link", name=f"Issue {initiative['issue_id']}")).to_be_visible()
        audit(b.page, artifacts, "notifications")

        b.page.get_by_role("button", name="Mark all read").click()
        b.expect_flash("Marked as read.")
        expect(header.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
        expect(b.page.get_by_role("button", name="Mark as read")).to_have_count(0)
    finally:
        b.context.close()
    assert not b.failures, b.failures
