"""Fixtures of the page and form tests."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db import Database
from app.main import create_app
from app.settings import PublicAccess
from proposals.clock import FrozenClock
from tests.api.world import World, build_world
from tests.conftest import settings_for_tests

_apps: dict[PublicAccess, FastAPI] = {}


@pytest.fixture
def app(db: Database, clock: FrozenClock, public_access: PublicAccess) -> FastAPI:
    """The app of tests/conftest.py, built once per ``PUBLIC_ACCESS`` level and bound to this
    test's database and clock: building FastAPI's routes is most of a page test's time."""
    if public_access not in _apps:
        _apps[public_access] = create_app(
            settings_for_tests(public_access=public_access), database=db, clock=clock
        )
    built = _apps[public_access]
    built.state.database = db
    built.state.clock = clock
    return built


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    """A unit, an area, a policy (a day per phase), an admin and members A, B and C with every
    privilege in the unit."""
    return build_world(client, db, clock, ["A", "B", "C"])
