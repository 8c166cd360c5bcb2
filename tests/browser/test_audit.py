"""The accessibility check can fail: axe-core finds an unlabelled form control and an image
without a text alternative on a page built to have them, and nothing on one built without."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.audit import accessibility_violations

BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>
<h1>Broken</h1><form><input type="text" name="q"><button>Go</button></form>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
</main></body></html>"""

FIXED = """<!doctype html><html lang="en"><head><title>Fixed</title></head><body><main>
<h1>Fixed</h1><form><label for="q">Search</label><input id="q" type="text" name="q">
<button>Go</button></form><img alt="A dot" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
</main></body></html>"""


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def test_violations_are_found(page: Page) -> None:
    page.set_content(BROKEN)
    found = " ".join(accessibility_violations(page))
    assert "label" in found
    assert "image-alt" in found


def test_a_clean_page_has_none(page: Page) -> None:
    page.set_content(FIXED)
    assert accessibility_violations(page) == []
