"""/docs and /redoc work in a real browser under their Content-Security-Policy (issue 9): the
page renders the API, and the browser reports no blocked script, style or worker (ReDoc's footer
logo on cdn.redoc.ly is the one thing blocked, on purpose)."""

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import LiveServer


@pytest.mark.parametrize(
    ("path", "rendered"), [("/docs", ".swagger-ui .opblock"), ("/redoc", "[data-section-id]")]
)
def test_the_api_documentation_renders_under_the_policy(
    browser: Browser, live_server: LiveServer, path: str, rendered: str
) -> None:
    page = browser.new_page(base_url=live_server.base_url)
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text)
            if "Content Security Policy" in message.text and "cdn.redoc.ly" not in message.text
            else None
        ),
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        response = page.goto(path)
        assert response is not None and response.ok
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.wait_for_selector(rendered, timeout=30_000)
        assert page.locator(rendered).count() > 10
        page.wait_for_timeout(500)
        assert blocked == [] and errors == []
    finally:
        page.close()
