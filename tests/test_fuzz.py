"""Schemathesis fuzzes every operation of the app's own ``/openapi.json`` (issue 6; PostgreSQL).

The app runs in-process on a committed, migrated database holding the demo organisation, and the
generated ids are steered towards its rows, so requests get past the 404s to the rules behind them:
issues in every phase, initiatives, drafts, suggestions, delegations. Every operation runs twice,
with an admin's login token and with a member's, on a bounded, derandomized number of examples
(plus schemathesis' coverage cases). Every answer must be below 500 and documented: its status
code, content type and body as the operation's OpenAPI entry declares them.

Left out are the operations that would revoke the fuzzing token or lock its member out: logout,
token deletion, password change and deactivation. tests/api/test_auth.py, test_members.py and
test_bad_input.py cover them. The live event stream is left out too: its answer never ends
(tests/api/test_event_stream.py covers it on a real server).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case, HookContext
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import migrate
from app.db import Database, create_engine
from app.main import create_app
from proposals.demo import ADMIN_NAME, DEMO_PASSWORD, load_demo
from tests.conftest import settings_for_tests
from tests.databases import throwaway_database
from tests.factories import CHEAP_HASHER

MAX_EXAMPLES = 20  # per operation and role; 2 x 59 operations: about a minute
ROLES = {"admin": ADMIN_NAME, "member": "alice"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# The document does not depend on the data: it comes from an app of its own at collection time,
# and the requests go to the fixture's app on the demo database.
schema = (
    schemathesis.openapi.from_asgi("/openapi.json", create_app(settings_for_tests()))
    .exclude(method="POST", path="/api/v1/auth/logout")
    .exclude(method="DELETE", path="/api/v1/tokens/{token_id}")
    .exclude(method="PATCH", path="/api/v1/members/me")
    .exclude(method="PATCH", path="/api/v1/members/{member_id}")
    .exclude(method="GET", path="/api/v1/events/stream")
)

# Up to the demo's largest ids (members 31, delegations 26, drafts 12, initiatives 10, issues 7).
DEMO_IDS = st.one_of(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=32))


def _near_demo_rows(value: Any, key: str = "") -> st.SearchStrategy[Any]:
    """``value`` as generated, or with its integer ``*_id`` fields replaced by demo ids."""
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _near_demo_rows(v, k) for k, v in value.items()})
    if isinstance(value, list):
        return st.tuples(*(_near_demo_rows(v, key) for v in value)).map(list)
    if key.endswith("_id") and isinstance(value, int) and not isinstance(value, bool):
        return st.one_of(st.just(value), DEMO_IDS)
    return st.just(value)


@schema.hook
def flatmap_path_parameters(
    _context: HookContext, path_parameters: dict[str, Any]
) -> st.SearchStrategy[Any]:
    return _near_demo_rows(path_parameters)


@schema.hook
def flatmap_query(_context: HookContext, query: dict[str, Any]) -> st.SearchStrategy[Any]:
    return _near_demo_rows(query)


@schema.hook
def flatmap_body(_context: HookContext, body: Any) -> st.SearchStrategy[Any]:
    return _near_demo_rows(body)


def _no_names(host: str, _port: int) -> list[str]:
    """Webhook URLs are checked without real DNS: no name resolves (an address in a URL is still
    judged, and ``WEBHOOK_ALLOW_PRIVATE`` stays unset, so only public ones pass)."""
    raise OSError(f"{host}: no name resolution while fuzzing")


@dataclass(frozen=True)
class Target:
    app: FastAPI
    token: str


@pytest.fixture(scope="module")
def demo(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    """The app on a committed, migrated PostgreSQL database holding the demo organisation, and a
    login token per role (taken before any fuzzing, which may throttle failed logins)."""
    if backend != "postgres":
        pytest.skip("the fuzzing run needs one backend: PostgreSQL")
    with throwaway_database(backend, tmp_path_factory.mktemp("fuzz")) as url:
        migrate.upgrade(url)
        database = Database(create_engine(url))
        try:
            load_demo(database, CHEAP_HASHER)
            app = create_app(settings_for_tests(), database=database, resolver=_no_names)
            tokens: dict[str, str] = {}
            with TestClient(app) as client:
                for role, name in ROLES.items():
                    answer = client.post(
                        "/api/v1/auth/token", data={"username": name, "password": DEMO_PASSWORD}
                    )
                    assert answer.status_code == 200, answer.text
                    tokens[role] = answer.json()["access_token"]
                yield app, tokens
        finally:
            database.dispose()


@pytest.fixture(scope="module", params=sorted(ROLES))
def target(request: pytest.FixtureRequest, demo: tuple[FastAPI, dict[str, str]]) -> Target:
    app, tokens = demo
    return Target(app, tokens[request.param])


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented_and_below_500(case: Case[Any], target: Target) -> None:
    case.call_and_validate(
        app=target.app, headers={"Authorization": f"Bearer {target.token}"}, checks=CHECKS
    )
