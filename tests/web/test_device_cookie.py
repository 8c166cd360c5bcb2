"""OWASP's device cookie (issue 9, item 4): a stranger's failed logins cannot lock a member out of
the browser they logged in with before; failures made with a device cookie lock only that device."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db import Database
from app.main import create_app
from proposals.clock import FrozenClock
from tests.conftest import settings_for_tests
from tests.factories import PASSWORD, make_member
from tests.web.helpers import flash, submit

DEVICE_COOKIE = "lp_device"
LOCKED = "too many failed logins"


@pytest.fixture
def app(db: Database, clock: FrozenClock) -> FastAPI:
    settings = settings_for_tests(
        login_failures_per_account=3, login_failures_per_address=100, login_throttle_window=600
    )
    return create_app(settings, database=db, clock=clock)


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    """The member's own browser."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def stranger(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def web_attempt(client: TestClient, name: str, password: str) -> tuple[str, str] | None:
    response = submit(client, "/login", {"username": name, "password": password, "next": "/"})
    return flash(response)


def api_attempt(client: TestClient, name: str, password: str) -> int:
    response = client.post("/api/v1/auth/token", data={"username": name, "password": password})
    return response.status_code


def trusted(browser: TestClient, name: str) -> None:
    """Log in on the web once (the browser gets its device cookie), then log out."""
    assert web_attempt(browser, name, PASSWORD) == ("success", f"Welcome, {name}.")
    assert browser.cookies.get(DEVICE_COOKIE)
    submit(browser, "/logout")
    assert DEVICE_COOKIE in browser.cookies


class TestDeviceCookie:
    def test_a_strangers_failures_do_not_lock_out_the_members_browser(
        self, browser: TestClient, stranger: TestClient, db: Database
    ) -> None:
        make_member(db, name="alice")
        trusted(browser, "alice")
        for _ in range(2):
            assert api_attempt(stranger, "alice", "wrong password") == 401
        assert web_attempt(stranger, "alice", "wrong password") == (
            "error",
            "wrong name or password",
        )
        assert api_attempt(stranger, "alice", PASSWORD) == 429
        result = web_attempt(stranger, "alice", PASSWORD)
        assert result is not None and LOCKED in result[1]
        assert web_attempt(browser, "alice", PASSWORD) == ("success", "Welcome, alice.")

    def test_failures_with_a_device_cookie_lock_that_device_only(
        self, browser: TestClient, stranger: TestClient, db: Database
    ) -> None:
        make_member(db, name="alice")
        trusted(browser, "alice")
        for _ in range(3):
            assert web_attempt(browser, "alice", "typo") == ("error", "wrong name or password")
        result = web_attempt(browser, "alice", PASSWORD)
        assert result is not None and LOCKED in result[1]
        assert api_attempt(stranger, "alice", PASSWORD) == 200

    def test_a_device_cookie_counts_only_for_its_own_account(
        self, browser: TestClient, stranger: TestClient, db: Database
    ) -> None:
        make_member(db, name="alice")
        make_member(db, name="bob")
        trusted(browser, "bob")
        for _ in range(3):
            assert api_attempt(stranger, "alice", "wrong password") == 401
        result = web_attempt(browser, "alice", PASSWORD)
        assert result is not None and LOCKED in result[1]

    def test_a_forged_device_cookie_is_ignored(
        self, browser: TestClient, stranger: TestClient, db: Database
    ) -> None:
        make_member(db, name="alice")
        trusted(browser, "alice")
        value = browser.cookies[DEVICE_COOKIE]
        for _ in range(3):
            assert api_attempt(stranger, "alice", "wrong password") == 401
        stranger.cookies.set(
            DEVICE_COOKIE, value[:-4] + ("0000" if value[-4:] != "0000" else "1111")
        )
        result = web_attempt(stranger, "alice", PASSWORD)
        assert result is not None and LOCKED in result[1]
