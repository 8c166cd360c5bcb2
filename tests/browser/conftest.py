"""A real ``liquidpolicy serve`` process on a free port with a small seeded organisation, and
Debian's Chromium (``/usr/bin/chromium``, headless) driven by Playwright — never a downloaded
browser."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from app import migrate
from app.db import Database, create_engine
from proposals.services import members
from tests.factories import CHEAP_HASHER, PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VOTING_TIME = 30


@dataclass
class LiveServer:
    base_url: str
    admin: str
    area_name: str
    members: dict[str, int] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _migrate_with_admin(url: str, name: str) -> None:
    """What ``liquidpolicy migrate`` and ``create-admin`` do, in this process (no two more
    interpreter start-ups)."""
    migrate.upgrade(url)
    database = Database(create_engine(url))
    try:
        with database.session(write=True) as session:
            members.create_member(
                session, CHEAP_HASHER, actor=None, name=name, password=PASSWORD, is_admin=True
            )
            session.commit()
    finally:
        database.dispose()


def _wait_healthy(base_url: str, server: "subprocess.Popen[bytes]", log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(base_url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the server did not become healthy:\n{log.read_text()}")


def _seed(base_url: str, admin: str, names: tuple[str, ...] = ("A", "B", "C")) -> LiveServer:
    """Members ``names`` with voting and initiative right, a unit, an area and a policy with
    zero admission, discussion and verification time and ``VOTING_TIME`` seconds of voting."""
    with httpx.Client(base_url=base_url + "/api/v1", timeout=10) as api:
        token = api.post("/auth/token", data={"username": admin, "password": PASSWORD})
        assert token.status_code == 200, token.text
        api.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

        def post(path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
            response = api.request(method, path, json=body)
            assert response.status_code < 300, (path, response.status_code, response.text)
            result: dict[str, Any] = response.json()
            return result

        unit = post("/units", {"name": "Green Party"})
        area = post("/areas", {"unit_id": unit["id"], "name": "Transport"})
        post(
            "/policies",
            {
                "name": "Fast track",
                "min_admission_time": 0,
                "max_admission_time": 3600,
                "discussion_time": 0,
                "verification_time": 0,
                "voting_time": VOTING_TIME,
                "issue_quorum_num": 1,
                "issue_quorum_den": 100,
                "initiative_quorum_num": 1,
                "initiative_quorum_den": 100,
            },
        )
        server = LiveServer(base_url=base_url, admin=admin, area_name=area["name"])
        for name in names:
            member = post("/members", {"name": name, "password": PASSWORD})
            rights = {"voting_right": True, "initiative_right": True}
            post(f"/units/{unit['id']}/privileges/{member['id']}", rights, method="PUT")
            server.members[name] = member["id"]
        return server


@contextmanager
def _serving(
    workdir: Path, *, port: int | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """``liquidpolicy serve`` on a fresh SQLite file in ``workdir`` with an admin ``admin``;
    answers its address. The lifecycle runs only once at startup (``LIFECYCLE_INTERVAL`` is an
    hour), so a test runs it itself. ``port`` (default: a free one) and ``extra_env`` (more
    environment, e.g. ``SMTP_URL``) are for a server that must know its own address."""
    port = port or _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'journey.db'}",
        "LIFECYCLE_INTERVAL": "3600",
        "PUBLIC_ACCESS": "pseudonym",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "8",
        "ARGON2_PARALLELISM": "1",
        "SECRET_KEY": "browser-test-secret",
        "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    _migrate_with_admin(env["DATABASE_URL"], "admin")
    base_url = f"http://127.0.0.1:{port}"
    log = workdir / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(base_url, server, log)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``liquidpolicy serve`` seeded with members A, B and C (:func:`_seed`)."""
    with _serving(tmp_path_factory.mktemp("browser")) as base_url:
        yield _seed(base_url, "admin")


@pytest.fixture(scope="module")
def crowded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Like ``live_server``, with members A to H (voting and initiative right in the unit)."""
    with _serving(tmp_path_factory.mktemp("crowded")) as base_url:
        yield _seed(base_url, "admin", names=tuple("ABCDEFGH"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts() -> Path:
    """Screenshots go to ``test-artifacts/`` (git-ignored), overwritten on every run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``liquidpolicy serve`` on a fresh install: a migrated SQLite file holding only the admin
    ``admin`` (what the README's first steps make) — no unit, area, policy or other member
    (``area_name`` is empty: there is none yet)."""
    with _serving(tmp_path_factory.mktemp("fresh")) as base_url:
        yield LiveServer(base_url=base_url, admin="admin", area_name="")
