"""``liquidpolicy notify`` and the server's background loop send what is due (issue 11)."""

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import migrate
from app.cli import main
from app.db import Database, create_engine
from app.main import create_app
from proposals.models import EmailMessage
from tests.conftest import settings_for_tests
from tests.databases import throwaway_database
from tests.factories import make_member
from tests.mail.test_send import mail_settings, queue
from tests.smtp import SmtpServer


@pytest.fixture
def url(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with throwaway_database(backend, tmp_path) as url:
        migrate.upgrade(url)
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("LOG_LEVEL", "WARNING")
        monkeypatch.setenv("PUBLIC_URL", "https://lp.example.org")
        yield url


def test_notify_sends_what_is_due(
    url: str,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = Database(create_engine(url))
    try:
        message = queue(database, make_member(database, email="ada@example.org"))
        assert main(["notify"]) == 0  # no SMTP_URL: in-app only
        assert smtp_server.messages == []
        assert "e-mails" not in capsys.readouterr().out
        monkeypatch.setenv("SMTP_URL", smtp_server.url)
        assert main(["notify"]) == 0
        assert capsys.readouterr().out.splitlines()[-1] == "1 e-mails sent, 0 to retry, 0 failed"
        [received] = smtp_server.messages
        assert received.message["Message-ID"] == message.message_id
        assert received.message["List-Unsubscribe"].startswith("<https://lp.example.org/")
        with database.session() as session:
            row = session.get(EmailMessage, message.id)
            assert row is not None and row.sent_at is not None
    finally:
        database.dispose()


def test_the_background_loop_sends_what_is_due(url: str, smtp_server: SmtpServer) -> None:
    database = Database(create_engine(url))
    try:
        queue(database, make_member(database, email="ada@example.org"))
        settings = mail_settings(smtp_server.url).model_copy(
            update={"database_url": url, "lifecycle_interval": 1, "secret_key": ""}
        )
        app = create_app(settings, database=database, run_lifecycle_every=True)

        async def wait_for_mail() -> None:
            for _ in range(100):
                if smtp_server.messages:
                    return
                await asyncio.sleep(0.05)

        with TestClient(app) as client:
            assert client.portal is not None
            client.portal.call(wait_for_mail)
        assert len(smtp_server.messages) == 1
    finally:
        database.dispose()


def test_shutdown_waits_for_the_step_in_progress(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: stopping the server cancelled the loop while a step still ran in its thread,
    then disposed of the engine under it — the step's connection was left open (a
    ``ResourceWarning`` later, at garbage collection, in whatever test ran then). Shutdown now
    lets the step in progress finish, and starts no other."""
    import threading

    import app.main

    started = threading.Event()
    steps: list[str] = []

    def slow_pass(*args: object, **kwargs: object) -> None:
        started.set()
        time.sleep(0.3)
        steps.append("finished")

    monkeypatch.setattr(app.main, "notify_pass", slow_pass)
    database = Database(create_engine(url))
    try:
        settings = settings_for_tests(database_url=url, lifecycle_interval=1)
        application = create_app(settings, database=database, run_lifecycle_every=True)
        with TestClient(application):
            assert started.wait(timeout=10)
        assert steps == ["finished"]
        time.sleep(1.2)  # an interval later: nothing ran after shutdown
        assert steps == ["finished"]
    finally:
        database.dispose()
