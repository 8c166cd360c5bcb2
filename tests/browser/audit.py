"""One call per page of a browser journey: an accessibility check (axe-core, shipped by the
``axe-playwright-python`` package, no download) and screenshots at desktop and phone width.

A journey calls ``audit(page, artifacts, "name")`` on every page it visits that is worth a
picture; the page is left as it was (same URL, desktop width)."""

from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
BLOCKING = {"serious", "critical"}
_AXE = Axe()


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each
    (rule, impact, the first offending elements)."""
    results: dict[str, Any] = _AXE.run(page).response
    lines = []
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            lines.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} {targets}"
            )
    return lines


def audit(page: Page, artifacts: Path, name: str) -> None:
    """Fail on serious or critical accessibility violations and on a page wider than a phone;
    save ``name-1280.png`` and ``name-390.png`` (full page) in ``artifacts``."""
    violations = accessibility_violations(page)
    assert not violations, f"{name} ({page.url}): {violations}"
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=artifacts / f"{name}-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} ({page.url}) is {width} px wide on a phone"
        page.screenshot(path=artifacts / f"{name}-390.png", full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)
