"""Journey (G): a member proposes an initiative in the browser, then finds it from the header's
search box by a word that is only in its text; the snippet shows the word marked."""

import re
from pathlib import Path

from playwright.sync_api import Browser, Response, expect

from tests.browser.audit import audit
from tests.browser.conftest import LiveServer
from tests.factories import PASSWORD

expect.set_options(timeout=10_000)


def test_search_finds_an_initiative_by_a_word_of_its_text(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    context = browser.new_context(
        base_url=live_server.base_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    failures: list[str] = []
    page = context.new_page()

    def check(response: Response) -> None:
        if response.status >= 500:
            failures.append(f"{response.status} {response.url}")

    page.on("response", check)
    page.on("pageerror", lambda error: failures.append(f"page error: {error}"))
    try:
        page.goto("/login")
        page.get_by_label("Name").fill("A")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("status")).to_contain_text("Welcome, A.")

        # A proposes an initiative whose text (not its title) has the word "funicular".
        page.get_by_role("link", name=live_server.area_name).first.click()
        page.get_by_role("link", name="Propose a new initiative").click()
        page.get_by_label("Title").fill("Better hill transport")
        page.get_by_label("Text (Markdown)").fill(
            "A **funicular** up to the old town.\n\nIt runs <every> ten minutes."
        )
        page.get_by_role("button", name="Publish", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Your initiative is online.")
        initiative_path = page.url.removeprefix(live_server.base_url)
        assert re.fullmatch(r"/initiatives/\d+", initiative_path), initiative_path

        # From the header's search box, on any page.
        page.goto("/")
        header = page.locator("header.site")
        header.get_by_label("Search").fill("Funicular")
        header.get_by_role("button", name="Search").click()
        expect(page).to_have_url(re.compile(r"/search\?q=Funicular$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Search")

        results = page.locator("ol.results > li")
        expect(results).to_have_count(1)
        hit = results.first
        expect(hit.get_by_role("link", name="Better hill transport")).to_have_attribute(
            "href", initiative_path
        )
        expect(hit.locator("mark")).to_have_text(["funicular"])
        expect(hit.locator(".snippet")).to_have_text(
            "A funicular up to the old town. It runs <every> ten minutes."
        )  # the text as a reader sees it: no Markdown marks, markup shown as text
        # The page's own form keeps the words, ready to refine.
        expect(page.locator("main").get_by_label(re.compile("^Words to find"))).to_have_value(
            "Funicular"
        )
        audit(page, artifacts, "search")

        hit.get_by_role("link", name="Better hill transport").click()
        expect(page).to_have_url(live_server.base_url + initiative_path)
    finally:
        context.close()
    assert not failures, f"server errors or page errors seen: {failures}"
