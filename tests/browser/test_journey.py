"""A whole issue life in a real browser, as three members and an admin would live it.

A proposes and supports; B supports and suggests an amendment; A accepts it; B supports the new
draft and marks the suggestion fulfilled; C delegates to B for the area — all while the issue is in
admission. The admin runs the lifecycle (the issue reaches voting), A and B vote, the admin runs it
again after the voting time and the issue closes: B carried C's vote with weight 2.
"""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Response,
    expect,
)

from tests.browser.audit import audit
from tests.browser.conftest import VOTING_TIME, LiveServer
from tests.factories import PASSWORD

expect.set_options(timeout=10_000)


class Person:
    """One member in a browser context of their own (own cookies), with a page to act on."""

    def __init__(self, browser: Browser, server: LiveServer, name: str) -> None:
        self.name = name
        self.context: BrowserContext = browser.new_context(
            base_url=server.base_url, viewport={"width": 1280, "height": 900}
        )
        self.context.set_default_timeout(10_000)
        self.page: Page = self.context.new_page()
        self.failures: list[str] = []
        self.page.on("response", self._check_response)
        self.page.on("pageerror", lambda error: self.failures.append(f"page error: {error}"))

    def _check_response(self, response: Response) -> None:
        if response.status >= 500:
            self.failures.append(f"{response.status} {response.url}")

    def log_in(self) -> None:
        page = self.page
        page.goto("/login")
        page.get_by_label("Name").fill(self.name)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        self.expect_flash(f"Welcome, {self.name}.")

    def expect_flash(self, text: str | re.Pattern[str]) -> None:
        expect(self.page.get_by_role("status")).to_contain_text(text)

    def click(self, button: str) -> None:
        self.page.get_by_role("button", name=button, exact=True).click()


@pytest.fixture
def people(browser: Browser, live_server: LiveServer) -> Iterator[dict[str, Person]]:
    people = {name: Person(browser, live_server, name) for name in ("admin", "A", "B", "C")}
    try:
        for person in people.values():
            person.log_in()
        yield people
    finally:
        for person in people.values():
            person.context.close()
    failures = {name: p.failures for name, p in people.items() if p.failures}
    assert not failures, f"server errors or page errors seen: {failures}"


def member_row(table: Locator, name: str) -> Locator:
    """The row of a results table whose member cell links to ``name``."""
    link = table.page.get_by_role("link", name=name, exact=True)
    return table.get_by_role("row").filter(has=link)


def run_lifecycle(admin: Person, path: str) -> None:
    admin.page.goto(path)
    admin.click("Run lifecycle now")
    admin.expect_flash("Lifecycle run:")


def test_full_journey(people: dict[str, Person], live_server: LiveServer, artifacts: Path) -> None:
    admin, a, b, c = people["admin"], people["A"], people["B"], people["C"]

    # A proposes a new initiative from the area page, and supports it.
    a.page.goto("/")
    a.page.get_by_role("link", name=live_server.area_name).first.click()
    a.page.get_by_role("link", name="Propose a new initiative").click()
    expect(a.page.get_by_label("Policy")).to_contain_text("Fast track")
    a.page.get_by_label("Title").fill("Free buses on Sundays")
    a.page.get_by_label("Text (Markdown)").fill(
        "Buses are **free** on Sundays.\n\nThe city pays the operator."
    )
    a.click("Publish")
    a.expect_flash("Your initiative is online.")
    expect(a.page).to_have_url(re.compile(r"/initiatives/\d+$"))
    initiative_path = a.page.url.removeprefix(live_server.base_url)
    issue_link = a.page.get_by_role("link", name=re.compile(r"^Issue \d+$"))
    issue_path = issue_link.get_attribute("href") or ""
    issue_id = int(issue_path.rsplit("/", 1)[1])
    a.click("Support the current draft")
    a.expect_flash("You support the current draft.")
    expect(a.page.get_by_text("You support this initiative")).to_be_visible()

    # B supports and writes a suggestion ("should") with replacement text.
    b.page.goto(initiative_path)
    b.click("Support the current draft")
    b.expect_flash("You support the current draft.")
    title = b.page.get_by_label("Title")
    if not title.is_visible():
        b.page.get_by_text("Write a suggestion", exact=True).click()
    title.fill("Include Saturdays")
    b.page.get_by_label("What should change, and why").fill("Shoppers travel on Saturdays too.")
    b.page.get_by_label("How important is it to you?").select_option(label="should")
    b.page.get_by_label("Complete new text").fill(
        "Buses are **free** on Saturdays and Sundays.\n\nThe city pays the operator."
    )
    b.click("Publish the suggestion")
    b.expect_flash("Your suggestion is online.")
    expect(b.page.get_by_role("heading", name="Include Saturdays")).to_be_visible()

    # A accepts the amendment: a new draft appears.
    a.page.goto(initiative_path)
    a.click("Accept the amendment")
    a.expect_flash("The amendment is accepted: a new draft is current.")
    expect(a.page.locator("article.draft").first).to_contain_text("Saturdays and Sundays")
    history = a.page.get_by_role("region", name="Draft history").get_by_role("listitem")
    expect(history).to_have_count(2)

    # B supports the new draft and marks the suggestion fulfilled.
    b.page.goto(initiative_path)
    expect(b.page.get_by_text("but a newer draft exists")).to_be_visible()
    b.click("Support the current draft")
    b.expect_flash("You support the current draft.")
    expect(b.page.get_by_text("but a newer draft exists")).to_have_count(0)
    opinion = b.page.get_by_role("group", name="Your opinion")
    opinion.get_by_role("radio", name="should", exact=True).check()
    opinion.get_by_role("checkbox", name="fulfilled by the current draft").check()
    b.click("Save opinion")
    b.expect_flash("Your opinion is saved.")
    opinion = b.page.get_by_role("group", name="Your opinion")
    expect(opinion.get_by_role("radio", name="should", exact=True)).to_be_checked()
    expect(opinion.get_by_role("checkbox", name="fulfilled by the current draft")).to_be_checked()

    # C delegates to B for the area.
    c.page.goto("/")
    c.page.get_by_role("link", name=live_server.area_name).first.click()
    c.page.get_by_label("Change my delegation for this area").select_option(label="B")
    c.click("Save delegation")
    c.expect_flash("Your delegation is saved.")
    expect(c.page.locator(".delegation-status")).to_have_text(
        "Your vote goes to B — your delegation for this area."
    )

    # All of this happened in admission: no lifecycle run since the issue was created.
    a.page.goto(issue_path)
    expect(a.page.get_by_role("heading", level=1)).to_contain_text("admission")
    a.page.goto("/")
    audit(a.page, artifacts, "home")
    a.page.get_by_role("link", name=live_server.area_name).first.click()
    audit(a.page, artifacts, "area")
    b.page.goto(initiative_path)
    audit(b.page, artifacts, "initiative")

    # The admin runs the lifecycle: zero-length phases pass in one run, the issue reaches voting.
    run_lifecycle(admin, issue_path)
    voting_started = time.monotonic()
    admin.expect_flash(f"issue {issue_id}: verification → voting")
    expect(admin.page.get_by_role("heading", level=1)).to_contain_text("voting")

    # B and A vote.
    for voter in (b, a):
        voter.page.goto(issue_path)
        ballot = voter.page.get_by_role("form", name="Your ballot")
        expect(ballot).to_contain_text("You have not voted yet.")
        ballot.get_by_label("Free buses on Sundays").select_option(
            label="Approve — top level (best)"
        )
        voter.click("Save my ballot")
        voter.expect_flash("Your ballot is saved.")
        expect(voter.page.get_by_role("form", name="Your ballot")).to_contain_text(
            "Your current ballot is shown"
        )
        expect(voter.page.get_by_label("Free buses on Sundays")).to_have_value("3")
    audit(a.page, artifacts, "issue-voting")

    # Once the voting time is over, the admin runs the lifecycle again and the issue closes.
    time.sleep(max(0.0, voting_started + VOTING_TIME + 0.5 - time.monotonic()))
    for _ in range(10):
        run_lifecycle(admin, issue_path)
        if "finished" in (admin.page.get_by_role("status").text_content() or ""):
            break
        time.sleep(0.5)
    admin.expect_flash(f"issue {issue_id}: voting → finished_with_winner")

    # The results: the winner, and B's weight 2 among the direct voters.
    page = c.page
    page.goto(issue_path)
    results = page.get_by_role("region", name="Results")
    expect(results.get_by_text("Winner:")).to_contain_text("Free buses on Sundays")
    direct = results.get_by_role("table", name="Direct voters")
    expect(direct.get_by_role("row")).to_have_count(3)
    expect(member_row(direct, "B").get_by_role("cell").nth(1)).to_have_text("2")
    expect(member_row(direct, "A").get_by_role("cell").nth(1)).to_have_text("1")
    delegating = results.get_by_role("table", name="Delegating voters")
    expect(delegating.get_by_role("row")).to_have_count(2)
    expect(member_row(delegating, "C").get_by_role("cell")).to_have_text(["C", "1", "area", "B"])
    audit(page, artifacts, "issue-results")

    # C's chain page: B carried C's vote.
    page.get_by_role("link", name="Where does my vote go?").click()
    expect(page).to_have_url(re.compile(rf"/chain\?member_id={live_server.members['C']}&issue_id="))
    steps = page.get_by_role("main").get_by_role("list").get_by_role("listitem")
    expect(steps).to_have_count(2)
    expect(steps.nth(0).get_by_role("link")).to_have_text("C")
    expect(steps.nth(0)).to_contain_text("delegates (area delegation)")
    expect(steps.nth(1).get_by_role("link")).to_have_text("B")
    expect(steps.nth(1)).to_contain_text("voted directly and carried this vote")
    expect(page.get_by_text("C's vote was counted through B.")).to_be_visible()
    audit(page, artifacts, "chain")
