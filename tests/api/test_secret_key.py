"""SECRET_KEY survives restarts (issue 9, item 4): without it, the key is generated once and kept
in the database, so every worker and every restart signs with the same key."""

import threading
from typing import Any

from fastapi.testclient import TestClient

from app.db import Database
from app.main import create_app
from app.settings import Settings
from proposals.clock import FrozenClock
from tests.conftest import settings_for_tests
from tests.factories import PASSWORD, make_member
from tests.web.helpers import submit


def unconfigured(**overrides: Any) -> Settings:
    """Test settings without a SECRET_KEY."""
    values = settings_for_tests(**overrides).model_dump()
    values.pop("secret_key")
    return Settings(_env_file=None, **values)


class TestInstanceSecret:
    def test_two_instances_share_one_key_and_each_others_cookies(
        self, committed_db: Database, clock: FrozenClock
    ) -> None:
        first = create_app(unconfigured(), database=committed_db, clock=clock)
        second = create_app(unconfigured(), database=committed_db, clock=clock)
        with TestClient(first) as one, TestClient(second) as other:
            key = first.state.settings.secret_key
            assert len(key) >= 32
            assert second.state.settings.secret_key == key
            # A refused form re-renders in place now; a successful login redirects with a
            # signed flash cookie, which the other instance must accept.
            make_member(committed_db, name="carol")
            login = {"username": "carol", "password": PASSWORD, "next": "/"}
            welcomed = submit(one, "/login", login, follow=False)
            assert welcomed.status_code in (302, 303)
            flash = one.cookies.get("lp_flash")
            assert flash
            other.cookies.set("lp_flash", flash)
            assert "Welcome, carol." in other.get("/login").text

    def test_a_configured_key_wins(self, committed_db: Database, clock: FrozenClock) -> None:
        with TestClient(create_app(unconfigured(), database=committed_db, clock=clock)):
            pass
        configured = create_app(
            settings_for_tests(secret_key="from-the-environment"),
            database=committed_db,
            clock=clock,
        )
        with TestClient(configured):
            assert configured.state.settings.secret_key == "from-the-environment"

    def test_workers_starting_at_once_end_up_with_one_key(
        self, committed_db: Database, clock: FrozenClock
    ) -> None:
        from app.main import instance_secret_key

        keys: list[str] = []
        barrier = threading.Barrier(8)

        def start() -> None:
            barrier.wait()
            keys.append(instance_secret_key(committed_db))

        threads = [threading.Thread(target=start) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(keys) == 8 and len(set(keys)) == 1
