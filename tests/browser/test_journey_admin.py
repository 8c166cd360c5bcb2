"""Journey D (issue 10): a fresh install — a migrated database holding only the admin, as the
README's first steps leave it — set up in the browser, without curl.

The admin logs in, follows the back-office's first steps: a unit, an area in it, a policy, three
members (one refusal on the way keeps what was typed), and grants the three of them both rights
by pasting their names. Then ann logs in, finds the area from the home page and proposes an
initiative under the new policy; the back-office refuses her with an HTML page.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.audit import audit
from tests.browser.conftest import LiveServer
from tests.browser.test_journey import Person
from tests.factories import PASSWORD

MEMBERS = ("ann", "ben", "cat")


@pytest.fixture
def admin(browser: Browser, fresh_server: LiveServer) -> Iterator[Person]:
    person = Person(browser, fresh_server, fresh_server.admin)
    try:
        yield person
    finally:
        person.context.close()
    assert not person.failures, f"server errors or page errors seen: {person.failures}"


def test_a_fresh_install_is_set_up_in_the_browser(
    admin: Person, browser: Browser, fresh_server: LiveServer, artifacts: Path
) -> None:
    page = admin.page
    admin.log_in()
    expect(page.get_by_text("No units yet.")).to_be_visible()

    # The back-office, from the link only admins see.
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Admin", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"/admin$"))
    expect(page.get_by_role("heading", name="First steps")).to_be_visible()
    audit(page, artifacts, "admin-overview")

    # A unit.
    page.get_by_role("link", name="Create a unit").click()
    audit(page, artifacts, "admin-units")
    page.get_by_label("Name").fill("Green Party")
    page.get_by_label("Description (optional)").fill("The whole party")
    admin.click("Create unit")
    admin.expect_flash("The unit Green Party is created. Next: an area in it.")
    expect(page.get_by_role("heading", name="Green Party")).to_be_visible()

    # An area in it.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Areas").click()
    audit(page, artifacts, "admin-areas")
    page.get_by_label("Unit").select_option(label="Green Party")
    page.get_by_label("Name").fill("Transport")
    admin.click("Create area")
    admin.expect_flash("The area Transport is created in Green Party.")

    # A policy with short times (so an issue would move on quickly).
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Policies").click()
    expect(page.get_by_text("a changed rule is a new policy")).to_be_visible()
    audit(page, artifacts, "admin-policies")
    page.get_by_label("Name").fill("Fast track")
    for legend, amount, unit in (
        ("Minimum admission time", "0", "seconds"),
        ("Maximum admission time", "1", "hours"),
        ("Discussion time", "0", "seconds"),
        ("Verification time", "0", "seconds"),
        ("Voting time", "30", "seconds"),
    ):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Amount").fill(amount)
        group.get_by_label("Unit").select_option(unit)
    for legend in ("Issue quorum", "Initiative quorum"):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("At least").fill("1")
        group.get_by_label("out of every").fill("100")
    admin.click("Create policy")
    admin.expect_flash("The policy Fast track is created; new issues may use it.")
    expect(page.get_by_text("Admission 0 s to 1 h 0 min")).to_be_visible()
    audit(page, artifacts, "admin-policies-created")

    # Three members; a short password is refused and the name stays typed.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Members").click()
    audit(page, artifacts, "admin-members")
    page.get_by_label("Name").fill("ann")
    page.get_by_label("Email (optional)").fill("ann@example.org")
    page.get_by_label(re.compile(r"^Password")).fill("short")
    admin.click("Create member")
    expect(page.get_by_role("alert")).to_contain_text("password must have at least 10 characters")
    expect(page.get_by_label("Name")).to_have_value("ann")
    expect(page.get_by_label("Email (optional)")).to_have_value("ann@example.org")
    audit(page, artifacts, "admin-members-refused")
    for name in MEMBERS:
        page.get_by_label("Name").fill(name)
        page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
        admin.click("Create member")
        admin.expect_flash(f"The member {name} is created.")
    for name in MEMBERS:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    audit(page, artifacts, "admin-members-created")

    # Their privileges in the unit, pasted at once.
    page.get_by_role("navigation", name="Admin").get_by_role(
        "link", name="Units and privileges"
    ).click()
    page.get_by_role("link", name="Privileges in Green Party").click()
    audit(page, artifacts, "admin-privileges")
    page.get_by_label("Member names").fill("ann\nben, cat")
    expect(page.get_by_label("Voting right")).to_be_checked()
    expect(page.get_by_label("Initiative right")).to_be_checked()
    admin.click("Grant")
    admin.expect_flash("3 members now hold the voting and initiative rights: ann, ben, cat.")
    for name in MEMBERS:
        expect(page.get_by_role("button", name=f"Save rights of {name}")).to_be_visible()
    audit(page, artifacts, "admin-privileges-granted")

    # ann proposes.
    ann = Person(browser, fresh_server, "ann")
    try:
        ann.log_in()
        ann.page.get_by_role("link", name="Transport").click()
        ann.page.get_by_role("link", name="Propose a new initiative").click()
        expect(ann.page.get_by_label("Policy")).to_contain_text("Fast track")
        ann.page.get_by_label("Title").fill("Night buses on weekends")
        ann.page.get_by_label("Text (Markdown)").fill(
            "Buses run all night on Fridays and Saturdays."
        )
        ann.click("Publish")
        ann.expect_flash("Your initiative is online.")
        expect(ann.page).to_have_url(re.compile(r"/initiatives/\d+$"))
        expect(ann.page.get_by_role("heading", name="Night buses on weekends")).to_be_visible()

        # A member has no Admin link, and the back-office answers her with an HTML 403 page.
        expect(ann.page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
        response = ann.page.goto("/admin")
        assert response is not None and response.status == 403
        expect(ann.page.get_by_role("heading", name="Not allowed")).to_be_visible()
        expect(ann.page.get_by_text("only an admin may do this")).to_be_visible()
    finally:
        ann.context.close()
    assert ann.failures == []
