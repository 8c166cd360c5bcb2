"""/docs and /redoc work in a real browser without network, under their Content-Security-Policy
(issues 9 and 14): every request other than to the live server is aborted (and counted), the page
renders the API, and the browser reports no blocked script, style or worker (ReDoc's footer logo on
cdn.redoc.ly is the one thing blocked, on purpose, by the policy). Swagger UI's "Authorize" takes a
personal API token, and an operation executed from the page then answers 200."""

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser.conftest import LiveServer
from tests.factories import PASSWORD


@pytest.fixture
def offline(browser: Browser, live_server: LiveServer) -> Iterator[tuple[Page, list[str]]]:
    """A page that reaches the live server only: any other request is aborted and listed."""
    context: BrowserContext = browser.new_context(base_url=live_server.base_url)
    own = urlsplit(live_server.base_url).netloc
    elsewhere: list[str] = []

    def only_the_server(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == own or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", only_the_server)
    try:
        yield context.new_page(), elsewhere
    finally:
        context.close()


@pytest.mark.parametrize(
    ("path", "rendered"), [("/docs", ".swagger-ui .opblock"), ("/redoc", "[data-section-id]")]
)
def test_the_api_documentation_renders_offline_under_the_policy(
    offline: tuple[Page, list[str]], path: str, rendered: str
) -> None:
    page, elsewhere = offline
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
    response = page.goto(path)
    assert response is not None and response.ok
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert re.search(r"https?:|//[a-z]", response.text()) is None, "an external URL in the HTML"
    page.wait_for_selector(rendered, timeout=30_000)
    assert page.locator(rendered).count() > 10
    page.wait_for_timeout(500)
    assert blocked == [] and errors == [] and elsewhere == []


def personal_token(server: LiveServer, name: str) -> str:
    """A ``read`` personal API token of ``name``, made through the API."""
    with httpx.Client(base_url=server.base_url + "/api/v1", timeout=10) as api:
        login = api.post("/auth/token", data={"username": name, "password": PASSWORD})
        assert login.status_code == 200, login.text
        created = api.post(
            "/tokens",
            json={"name": "Swagger UI", "scopes": ["read"]},
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        )
        assert created.status_code == 201, created.text
        token: str = created.json()["token"]
        return token


def execute_get_me(page: Page) -> None:
    """Open ``GET /api/v1/members/me``, "Try it out", "Execute"; expect a 200 naming A."""
    operation = page.locator("#operations-members-get_me_api_v1_members_me_get")
    operation.locator(".opblock-summary").first.click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    live = operation.locator(".live-responses-table .response")
    expect(live.locator(".response-col_status").first).to_have_text("200", timeout=10_000)
    expect(live.locator(".response-col_description")).to_contain_text('"name": "A"')


def test_authorize_with_a_personal_token_then_execute(
    offline: tuple[Page, list[str]], live_server: LiveServer
) -> None:
    page, elsewhere = offline
    token = personal_token(live_server, "A")
    page.goto("/docs")
    page.locator(".swagger-ui .btn.authorize").first.click()
    dialog = page.locator(".dialog-ux .modal-ux")
    bearer = dialog.locator(".auth-container").filter(has_text="personal_token")
    bearer.get_by_label("Value").fill(token)
    bearer.locator("button.authorize").click()
    expect(bearer.locator("button", has_text="Logout")).to_be_visible()
    dialog.locator("button.btn-done").first.click()
    execute_get_me(page)
    assert elsewhere == []


def test_authorize_with_the_password_flow_then_execute(
    offline: tuple[Page, list[str]], live_server: LiveServer
) -> None:
    page, elsewhere = offline
    page.goto("/docs")
    page.locator(".swagger-ui .btn.authorize").first.click()
    dialog = page.locator(".dialog-ux .modal-ux")
    oauth = dialog.locator(".auth-container").filter(has_text="login_token")
    oauth.locator("#oauth_username").fill("A")
    oauth.locator("#oauth_password").fill(PASSWORD)
    oauth.locator("button.authorize").click()
    expect(oauth.locator("button", has_text="Logout")).to_be_visible()
    dialog.locator("button.btn-done").first.click()
    execute_get_me(page)
    assert elsewhere == []
