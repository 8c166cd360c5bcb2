"""Throttling of failed logins per account and per client address (429 with Retry-After)."""

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.main import create_app
from proposals.clock import FrozenClock
from tests.conftest import settings_for_tests
from tests.factories import PASSWORD, make_member, row_counts


@pytest.fixture
def client(db: Database, clock: FrozenClock) -> Iterator[TestClient]:
    settings = settings_for_tests(
        login_failures_per_account=3, login_failures_per_address=5, login_throttle_window=600
    )
    with TestClient(create_app(settings, database=db, clock=clock)) as test_client:
        yield test_client


def login(client: TestClient, name: str, password: str) -> int:
    response = client.post("/api/v1/auth/token", data={"username": name, "password": password})
    return response.status_code


class TestPerAccount:
    def test_after_the_limit_even_the_right_password_waits(
        self, client: TestClient, db: Database, clock: FrozenClock
    ) -> None:
        make_member(db, name="alice")
        assert [login(client, "alice", "wrong password") for _ in range(3)] == [401] * 3
        response = client.post(
            "/api/v1/auth/token", data={"username": "alice", "password": PASSWORD}
        )
        assert response.status_code == 429
        assert response.headers["retry-after"] == "600"
        assert "too many failed logins" in response.json()["detail"]
        clock.advance(599)
        assert login(client, "alice", PASSWORD) == 429
        clock.advance(1)
        assert login(client, "alice", PASSWORD) == 200

    def test_failures_outlive_the_failed_request(self, client: TestClient, db: Database) -> None:
        before = row_counts(db)["login_failure"]
        assert login(client, "nobody", "wrong password") == 401
        assert row_counts(db)["login_failure"] == before + 1

    def test_other_accounts_are_not_affected(self, client: TestClient, db: Database) -> None:
        make_member(db, name="alice")
        make_member(db, name="bob")
        for _ in range(3):
            login(client, "alice", "wrong password")
        assert login(client, "bob", PASSWORD) == 200


class TestPerAddress:
    def test_guessing_many_accounts_from_one_address_is_throttled(
        self, client: TestClient, db: Database
    ) -> None:
        make_member(db, name="zed")
        statuses = [login(client, f"guess{i}", "wrong password") for i in range(5)]
        assert statuses == [401] * 5
        assert login(client, "zed", PASSWORD) == 429

    def test_successful_logins_of_many_members_are_never_throttled(
        self, client: TestClient, db: Database
    ) -> None:
        for i in range(12):
            make_member(db, name=f"user{i}")
        assert [login(client, f"user{i}", PASSWORD) for i in range(12)] == [200] * 12


class TestExactUnderConcurrency:
    """Issue 9, item 4: 40 parallel wrong passwords got 38 x 401 against a limit of 10."""

    @pytest.fixture
    def parallel(self, committed_db: Database, clock: FrozenClock) -> Iterator[TestClient]:
        settings = settings_for_tests(
            login_failures_per_account=10, login_failures_per_address=10, login_throttle_window=600
        )
        with TestClient(create_app(settings, database=committed_db, clock=clock)) as test_client:
            yield test_client

    @staticmethod
    def at_once(client: TestClient, names: list[str]) -> list[int]:
        barrier = threading.Barrier(len(names))
        statuses: list[int] = []

        def attempt(name: str) -> None:
            barrier.wait()
            statuses.append(login(client, name, "wrong password"))

        threads = [threading.Thread(target=attempt, args=(n,)) for n in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
        return statuses

    def test_forty_parallel_failures_for_one_account(
        self, parallel: TestClient, committed_db: Database
    ) -> None:
        make_member(committed_db, name="alice")
        statuses = self.at_once(parallel, ["alice"] * 40)
        assert sorted(statuses) == [401] * 10 + [429] * 30

    def test_forty_parallel_failures_from_one_address(
        self, parallel: TestClient, committed_db: Database
    ) -> None:
        statuses = self.at_once(parallel, [f"guess{i}" for i in range(40)])
        assert sorted(statuses) == [401] * 10 + [429] * 30
