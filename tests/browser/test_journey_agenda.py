"""Journey (F): a delegate's ``/me`` lists an issue in voting with the weight they carry, and voting
from there removes it.

C delegates to B for the area in the browser; A proposes and supports an initiative and the admin
runs the lifecycle (through the API, as an app would: this journey is about B's page). B opens
``/me``: the issue is there, due when voting ends, with weight 2 (B and C). B follows the link,
casts the ballot, and the item is gone from ``/me``.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect

from tests.browser.audit import audit
from tests.browser.conftest import LiveServer
from tests.factories import PASSWORD

expect.set_options(timeout=10_000)


class Browsing:
    """One member's browser context (own cookies), logged in through the form."""

    def __init__(self, browser: Browser, server: LiveServer, name: str) -> None:
        self.context: BrowserContext = browser.new_context(
            base_url=server.base_url, viewport={"width": 1280, "height": 900}
        )
        self.context.set_default_timeout(10_000)
        self.page: Page = self.context.new_page()
        self.failures: list[str] = []
        self.page.on("response", self._check)
        self.page.on("pageerror", lambda error: self.failures.append(f"page error: {error}"))
        self.page.goto("/login")
        self.page.get_by_label("Name").fill(name)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        self.expect_flash(f"Welcome, {name}.")

    def _check(self, response: Response) -> None:
        if response.status >= 500:
            self.failures.append(f"{response.status} {response.url}")

    def expect_flash(self, text: str) -> None:
        expect(self.page.get_by_role("status")).to_contain_text(text)


@pytest.fixture
def people(browser: Browser, live_server: LiveServer) -> Iterator[dict[str, Browsing]]:
    people: dict[str, Browsing] = {}
    try:
        for name in ("B", "C"):
            people[name] = Browsing(browser, live_server, name)
        yield people
    finally:
        for person in people.values():
            person.context.close()
    failures = {name: p.failures for name, p in people.items() if p.failures}
    assert not failures, f"server errors or page errors seen: {failures}"


@contextmanager
def api(server: LiveServer, name: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url + "/api/v1", timeout=10) as client:
        token = client.post("/auth/token", data={"username": name, "password": PASSWORD})
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, (response.request.url, response.status_code, response.text)
    return response.json() if response.content else None


def test_a_delegate_votes_from_my_page(
    people: dict[str, Browsing], live_server: LiveServer, artifacts: Path
) -> None:
    b, c = people["B"], people["C"]

    # C delegates to B for the area, in the browser.
    c.page.goto("/")
    c.page.get_by_role("link", name=live_server.area_name).first.click()
    c.page.get_by_label("Change my delegation for this area").select_option(label="B")
    c.page.get_by_role("button", name="Save delegation", exact=True).click()
    c.expect_flash("Your delegation is saved.")

    # A proposes and supports; the admin runs the lifecycle: zero-length phases, now voting.
    with api(live_server, "A") as a, api(live_server, live_server.admin) as admin:
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
        ok(a.put(f"/initiatives/{initiative['id']}/support"))
        ok(admin.post("/admin/lifecycle/run"))
        issue = ok(a.get(f"/issues/{initiative['issue_id']}"))
    assert issue["state"] == "voting"
    issue_id = issue["id"]

    # B's page lists the issue, with the weight B carries (B's own vote and C's).
    b.page.goto("/")
    b.page.get_by_role("link", name="My page", exact=True).click()
    expect(b.page).to_have_url(re.compile(r"/me$"))
    entry = b.page.locator("li.agenda-vote")
    expect(entry).to_have_count(1)
    expect(entry.get_by_role("link", name=f"Vote on issue {issue_id}")).to_be_visible()
    expect(entry).to_contain_text("Weight you would carry: 2")
    expect(entry).to_contain_text("your vote and 1 delegated to you (2 in all)")
    expect(entry).to_contain_text("Due ")
    received = b.page.get_by_role("region", name="Delegations to me")
    expect(received).to_contain_text("From C for area Transport")
    audit(b.page, artifacts, "me")

    # B votes from there: the link leads to the ballot.
    entry.get_by_role("link", name=f"Vote on issue {issue_id}").click()
    expect(b.page).to_have_url(re.compile(rf"/issues/{issue_id}#ballot$"))
    ballot = b.page.get_by_role("form", name="Your ballot")
    ballot.get_by_label("Night buses").select_option(label="Approve — top level (best)")
    b.page.get_by_role("button", name="Save my ballot", exact=True).click()
    b.expect_flash("Your ballot is saved.")

    # The item is gone.
    b.page.goto("/me")
    expect(b.page.locator("li.agenda-vote")).to_have_count(0)
    expect(b.page.get_by_role("region", name="What needs my attention")).to_contain_text(
        "Nothing needs your attention right now."
    )
    audit(b.page, artifacts, "me-done")
