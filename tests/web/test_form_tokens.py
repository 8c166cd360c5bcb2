"""Every form a page renders carries the browser's CSRF token.

The web tests' ``submit`` helper sends the token it read from the login page, so a template whose
form lost its token (``csrf_input`` imported without ``with context`` renders an empty value) is
only found in a real browser. This test reads every page — a member's and an admin's — and looks
at each POST form itself."""

from html.parser import HTMLParser

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.web.session import CSRF_FIELD
from tests.api.world import World
from tests.factories import make_member
from tests.web.helpers import csrf_of, web_login
from tests.web.test_no_server_errors import _world_ids, fill, web_routes


class _Forms(HTMLParser):
    """The POST forms of a page: their action and the value of their CSRF field (None: none)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str | None]] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and (values.get("method") or "").lower() == "post":
            self.forms.append((values.get("action") or "", None))
            self._open = True
        elif tag == "input" and self._open and values.get("name") == CSRF_FIELD:
            self.forms[-1] = (self.forms[-1][0], values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = False


def post_forms(html: str) -> list[tuple[str, str | None]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def test_the_parser_sees_a_missing_and_an_empty_token() -> None:
    html = (
        '<form method="post" action="/a"><input name="x"></form>'
        f'<form method="post" action="/b"><input type="hidden" name="{CSRF_FIELD}" value=""></form>'
        f'<form method="post" action="/c"><input name="{CSRF_FIELD}" value="t"></form>'
        '<form method="get" action="/d"></form>'
    )
    assert post_forms(html) == [("/a", None), ("/b", ""), ("/c", "t")]


def test_every_post_form_of_every_page_carries_the_token(world: World, app: FastAPI) -> None:
    ids = _world_ids(world)
    make_member(world.db, name="boss", is_admin=True)
    seen: dict[str, int] = {}
    wrong: list[tuple[str, str, str | None]] = []
    for name in ("A", "boss"):
        browser = TestClient(app)
        web_login(browser, name)
        token = csrf_of(browser)
        for route in web_routes("GET"):
            path = next(fill(route, ids))
            response = browser.get(path)
            if response.status_code != 200:
                continue
            for action, value in post_forms(response.text):
                seen[route] = seen.get(route, 0) + 1
                if value != token:
                    wrong.append((path, action, value))
    assert wrong == []
    # The check reached forms on member pages, the profile and the admin back-office.
    assert {"/issues/{issue_id}", "/me/profile", "/admin/members"} <= set(seen), sorted(seen)
