"""No form field, query parameter or header value answers 500 (issue 9, item 7).

Every form of the web client (its POST routes, enumerated from the app, so a new form is covered
without touching this file) is sent by a logged-in member with a valid CSRF token, with fields
missing, empty, oversized, non-numeric and numeric beyond any integer type (5,000 digits); every
page (its GET routes) is read with junk query parameters and headers. No answer may be a 5xx.
On main, a ballot field named ``grade_`` plus 5,000 digits answered 500.
"""

import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from app import web
from app.web.context import WebRoute
from tests.api.world import World
from tests.web.helpers import advance, flash, proposal, submit, web_login

HUGE = "9" * 5000
TEMPLATES = Path(__file__).parents[2] / "app" / "web" / "templates"
# Values every field gets in turn (all fields at once), and None: no field at all.
VALUES: list[str | None] = [
    None,
    "",
    " ",
    "abc",
    "true",
    "1.5",
    "-1",
    "0",
    "9" * 19,  # beyond a 64-bit integer
    HUGE,
    "-" + HUGE,
    "x" * 30_000,  # beyond every name and reason limit
    "\x00",
    "//evil.example/",
]
JUNK_IDS = [HUGE, "-1", "0", "9" * 19]


def form_fields() -> list[str]:
    """Every field name the templates' forms send (Jinja expressions left out), plus ballot
    fields with malformed numbers."""
    names = set()
    for template in TEMPLATES.glob("*.html"):
        names.update(re.findall(r'name="([a-z_]+)"', template.read_text()))
    names.discard("viewport")
    names.discard("csrf_token")
    return [*sorted(names), "grade_", "grade_abc", "grade_" + HUGE, "grade_-1"]


def web_routes(method: str) -> list[str]:
    """The paths of the web client's routes: the ``WebRoute``s of every module of ``app.web``
    that has a router (pages, forms, admin, profile ... a new module is covered untouched)."""
    paths = []
    for module in pkgutil.iter_modules(web.__path__):
        router = getattr(importlib.import_module(f"app.web.{module.name}"), "router", None)
        for route in router.routes if isinstance(router, APIRouter) else []:
            if isinstance(route, WebRoute) and method in (route.methods or set()):
                paths.append(route.path)
    assert paths, f"no web {method} routes found"
    return paths


def fill(path: str, ids: dict[str, int]) -> Iterator[str]:
    """The path with real ids, then with junk ones."""
    params = re.findall(r"{(\w+)}", path)
    yield re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
    for junk in JUNK_IDS if params else []:
        yield re.sub(r"{(\w+)}", junk, path)


def _world_ids(world: World) -> dict[str, int]:
    voting = proposal(world, "A", "Voting")
    suggestion = world.suggest("B", voting["id"])
    advance(world, 3)  # admission -> discussion -> verification -> voting
    assert world.issue(voting["issue_id"])["state"] == "voting"
    fresh = proposal(world, "A", "Fresh")
    world.suggest("B", fresh["id"])
    return {
        "initiative_id": fresh["id"],
        "issue_id": voting["issue_id"],
        "suggestion_id": suggestion["id"],
        "member_id": world.id("B"),
        "area_id": world.area_id,
        "unit_id": world.unit_id,
        "policy_id": world.policy_id,
        "token_id": 1,  # none exists: the revoke form answers its 404 page
        "draft_id": fresh["current_draft_id"],
        "delegation_id": world.delegate("B", "A")["id"],  # to the logged-in A, who may decline
    }


def _browser(app: FastAPI) -> TestClient:
    """A browser of its own that sees 500s as answers (instead of raising), to list them all."""
    return TestClient(app, raise_server_exceptions=False)


def test_every_form_with_bad_fields_answers_below_500(world: World, app: FastAPI) -> None:
    ids = _world_ids(world)
    browser = _browser(app)
    web_login(browser, "A")
    fields = form_fields()
    failures: list[tuple[str, str, int]] = []
    last = ("/logout", "/login")  # they end or start the session: sent last
    paths = [p for p in web_routes("POST") if p not in last] + list(last)
    for route in paths:
        real, *junk = fill(route, ids)
        bodies: list[dict[str, Any]] = [
            {} if v is None else dict.fromkeys(fields, v) for v in VALUES
        ]
        # Each field alone too, so that no refusal of another field hides it.
        bodies += [{field: value} for field in fields for value in (HUGE,)]
        bodies.append({"content": "x" * 100_001, "replacement_content": "x" * 100_001})
        bodies.append({f"grade_{ids['initiative_id']}": HUGE})
        sent = [(real, body) for body in bodies] + [(path, {}) for path in junk]
        for path, body in sent:
            response = submit(browser, path, body, follow=False)
            if response.status_code >= 500:
                sample = ", ".join(f"{k[:10]}={v[:10]}" for k, v in body.items())[:60]
                failures.append((path[:80], sample, response.status_code))
    assert failures == []


def test_every_page_with_junk_query_parameters_and_headers_answers_below_500(
    world: World, app: FastAPI
) -> None:
    ids = _world_ids(world)
    browser = _browser(app)
    web_login(browser, "A")
    query_names = [
        "diff_from",
        "diff_to",
        "member_id",
        "issue_id",
        "area_id",
        "unit_id",
        "next",
        "cursor",
        "limit",
        "sort",
        "q",
        "kind",
    ]
    junk_headers = [
        {},
        {"If-None-Match": '"' + "x" * 5000 + '"'},
        {"If-Modified-Since": "yesterday"},
        {"Accept": "\x7f/\x7f"},
        {"X-Forwarded-Proto": "gopher"},
        {"X-Forwarded-For": "not an address"},
        {"X-Request-ID": "x" * 5000},
        {"Authorization": "Bearer " + "x" * 5000},
        {"Referer": "http://[::1"},
        {"Cookie": "lp_session=junk; lp_flash=" + "x" * 3000 + "; lp_csrf=%%%"},
    ]
    failures: list[tuple[str, int]] = []
    for route in web_routes("GET"):
        for path in fill(route, ids):
            for value in ("abc", HUGE, "-1", "", "x" * 5_000, "1.5", "true"):
                query = "&".join(f"{name}={value}" for name in query_names)
                response = browser.get(f"{path}?{query}")
                if response.status_code >= 500:
                    failures.append((f"{path[:60]}?{query[:40]}", response.status_code))
            for headers in junk_headers:
                response = browser.get(path, headers=headers)
                if response.status_code >= 500:
                    failures.append((f"{path[:60]} {list(headers)}", response.status_code))
    assert failures == []


def test_the_enumeration_finds_the_forms_and_pages() -> None:
    assert {"/issues/{issue_id}/ballot", "/initiatives/new", "/delegations"} <= set(
        web_routes("POST")
    )
    assert {"/", "/initiatives/{initiative_id}", "/chain"} <= set(web_routes("GET"))
    # Routers of other modules are found too (the admin back-office, the profile).
    assert {"/admin", "/me/profile", "/members"} <= set(web_routes("GET"))
    assert "grade_" + HUGE in form_fields()


def test_a_ballot_field_named_grade_and_5000_digits_is_refused(
    client: TestClient, world: World
) -> None:
    ids = _world_ids(world)
    web_login(client, "A")
    response = submit(client, f"/issues/{ids['issue_id']}/ballot", {"grade_" + HUGE: "1"})
    assert flash(response) == ("error", "the ballot form is malformed")
