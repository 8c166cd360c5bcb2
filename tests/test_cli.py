"""The ``liquidpolicy`` command line: migrate and create-admin."""

from pathlib import Path

import pytest
from sqlmodel import select

from app.cli import main
from app.db import Database, create_engine
from proposals.models import Member
from tests.databases import throwaway_database


@pytest.fixture
def url(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    with throwaway_database(backend, tmp_path) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("ARGON2_MEMORY_COST", "8")
        monkeypatch.setenv("ARGON2_TIME_COST", "1")
        monkeypatch.setenv("ARGON2_PARALLELISM", "1")
        monkeypatch.setenv("LOG_LEVEL", "WARNING")
        yield url


class TestCreateAdmin:
    def test_prints_the_new_admins_id(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["migrate"]) == 0
        assert main(["create-admin", "admin", "--password", "correct horse battery"]) == 0
        printed = capsys.readouterr().out.strip()
        database = Database(create_engine(url))
        try:
            with database.session() as session:
                admin = session.exec(select(Member).where(Member.name == "admin")).one()
        finally:
            database.dispose()
        assert printed == str(admin.id)
        assert admin.is_admin and admin.active

    def test_short_password_is_refused(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["migrate"]) == 0
        assert main(["create-admin", "admin", "--password", "too short"]) == 2
        assert "at least 10 characters" in capsys.readouterr().err

    def test_taken_name_is_refused(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["migrate"]) == 0
        assert main(["create-admin", "admin", "--password", "correct horse battery"]) == 0
        assert main(["create-admin", "admin", "--password", "correct horse battery"]) == 2
        assert "taken" in capsys.readouterr().err
