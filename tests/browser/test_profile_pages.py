"""The profile and delegates pages in a real browser: A edits the statement, creates a token
(its secret shown once) and looks at the delegates; each page passes the audit (axe-core, phone
width, screenshots)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.audit import audit
from tests.browser.conftest import LiveServer
from tests.browser.test_journey import Person

expect.set_options(timeout=10_000)


@pytest.fixture
def a(browser: Browser, live_server: LiveServer) -> Iterator[Person]:
    person = Person(browser, live_server, "A")
    try:
        person.log_in()
        yield person
    finally:
        person.context.close()
    assert not person.failures, f"server errors or page errors seen: {person.failures}"


def test_profile_and_delegates(a: Person, live_server: LiveServer, artifacts: Path) -> None:
    page = a.page
    page.goto("/me/profile")
    page.get_by_label("Statement", exact=True).fill("I read every draft and vote on **transport**.")
    a.click("Save profile")
    a.expect_flash("Your profile is saved.")
    expect(page.get_by_label("Statement", exact=True)).to_have_value(
        "I read every draft and vote on **transport**."
    )

    page.get_by_label("Name (which app it is for)").fill("Phone app")
    page.get_by_label("vote: cast and withdraw your ballots").check()
    a.click("Create token")
    a.expect_flash("Your token “Phone app” is created.")
    secret = page.get_by_label("Token “Phone app” (read, vote)").input_value()
    assert len(secret) > 20
    audit(page, artifacts, "token-created")
    page.get_by_role("link", name="Back to your tokens").click()
    expect(page.get_by_role("button", name="Revoke “Phone app”")).to_be_visible()
    assert secret not in page.content()
    audit(page, artifacts, "profile")  # with the token list

    page.get_by_role("link", name="Delegates", exact=True).click()
    expect(page).to_have_url(live_server.base_url + "/members")
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name="A", exact=True)).to_be_visible()
    expect(table).to_contain_text("I read every draft and vote on transport.")
    audit(page, artifacts, "delegates")
    page.get_by_role("link", name="Name", exact=True).click()
    expect(page.get_by_role("columnheader", name="Name")).to_have_attribute(
        "aria-sort", "ascending"
    )
