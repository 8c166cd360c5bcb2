"""Driving the web client like a browser: log in through the form, submit forms with the CSRF
token of the page, read the flash message after the redirect."""

import html
import re
from typing import Any

import httpx2 as httpx
from fastapi.testclient import TestClient

from tests.api.world import DAY, World
from tests.factories import PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FLASH = re.compile(r'class="flash flash-(success|error)"[^>]*>(.*?)</', re.S)


_tokens: dict[tuple[str, str | None], str] = {}


def csrf_of(client: TestClient) -> str:
    """The CSRF token of this client's session (or, logged out, of its ``lp_csrf`` cookie), as
    a page puts it into its forms (read from the login page once per session and cookie)."""
    key = (client.cookies.get("lp_csrf") or "", client.cookies.get("lp_session"))
    if key not in _tokens:
        found = _CSRF.search(client.get("/login").text)
        assert found, "the login page has no CSRF field"
        key = (client.cookies.get("lp_csrf") or "", client.cookies.get("lp_session"))
        _tokens[key] = found.group(1)
    return _tokens[key]


def web_login(client: TestClient, name: str, password: str = PASSWORD) -> httpx.Response:
    """Log in through the form; answers the page after the redirect."""
    response = submit(client, "/login", {"username": name, "password": password, "next": "/"})
    assert flash(response) == ("success", f"Welcome, {name}."), response.text[:2000]
    return response


def submit(
    client: TestClient,
    path: str,
    data: dict[str, Any] | None = None,
    *,
    follow: bool = True,
    **kwargs: Any,
) -> httpx.Response:
    """POST a form with this browser's CSRF token (following the redirect, like a browser)."""
    body = {"csrf_token": csrf_of(client), **(data or {})}
    return client.post(path, data=body, follow_redirects=follow, **kwargs)


def flash(response: httpx.Response) -> tuple[str, str] | None:
    """The flash message (or error page message) on a page, unescaped."""
    found = _FLASH.search(response.text)
    return (found.group(1), html.unescape(found.group(2)).strip()) if found else None


def title(response: httpx.Response) -> str:
    found = re.search(r"<title>(.*?)</title>", response.text, re.S)
    assert found, "the page has no <title>"
    return html.unescape(found.group(1)).strip()


def meta_description(response: httpx.Response) -> str:
    found = re.search(r'<meta name="description" content="([^"]*)">', response.text)
    assert found, "the page has no meta description"
    return html.unescape(found.group(1))


def canonical(response: httpx.Response) -> str | None:
    found = re.search(r'<link rel="canonical" href="([^"]*)">', response.text)
    return html.unescape(found.group(1)) if found else None


def member_links(response: httpx.Response) -> list[str]:
    return re.findall(r'href="(/members/\d+)"', response.text)


def set_cookie_headers(response: httpx.Response) -> dict[str, str]:
    """Each cookie name set by the answer -> its whole ``Set-Cookie`` header, lower-cased."""
    out: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        out[header.split("=", 1)[0]] = header.lower()
    return out


def proposal(world: World, who: str = "A", name: str = "First") -> dict[str, Any]:
    """A new issue with one initiative that ``who`` supports (enough for the issue quorum)."""
    initiative = world.propose(who, name)
    world.ok("PUT", f"/initiatives/{initiative['id']}/support", who)
    return initiative


def advance(world: World, phases: int) -> None:
    """Run the lifecycle ``phases`` times, a day apart: admission -> discussion -> ..."""
    world.run()
    for _ in range(phases - 1):
        world.clock.advance(DAY)
        world.run()
