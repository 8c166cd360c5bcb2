"""Issue 14: the ``liquidpolicy`` command meets an operator's mistakes with one ``error:`` line
and exit code 2, never a traceback. Each case runs the command as a real process."""

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.cli import _parser, main
from tests.databases import BACKENDS, postgres_server_url
from tests.smtp import free_port

PASSWORD = "Pa55-s3cret-word"  # in a URL; must never be printed
NEEDS_SCHEMA = (["tick"], ["notify"], ["export"], ["create-admin", "x", "--password", "x" * 10])


def liquidpolicy(
    *args: str, url: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m app.cli ARGS`` with ``DATABASE_URL=url``, in ``cwd`` (no ``.env`` there)."""
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "ARGON2_MEMORY_COST": "8",
        "ARGON2_TIME_COST": "1",
        "ARGON2_PARALLELISM": "1",
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_operator_error(done: subprocess.CompletedProcess[str], *phrases: str) -> str:
    """Exit 2, one ``error:`` message holding every phrase, no traceback; the message."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stderr.startswith("error: "), done.stderr
    for phrase in phrases:
        assert phrase in done.stderr, (phrase, done.stderr)
    return done.stderr


def test_a_database_that_is_not_migrated_says_run_migrate(tmp_path: Path) -> None:
    file = tmp_path / "empty.db"
    file.touch()  # an empty SQLite file: a database without tables
    for command in NEEDS_SCHEMA:
        done = liquidpolicy(*command, url=f"sqlite:///{file}", cwd=tmp_path)
        assert_operator_error(done, "not migrated", "run `liquidpolicy migrate`")
        assert done.stdout == ""
    assert liquidpolicy("migrate", url=f"sqlite:///{file}", cwd=tmp_path).returncode == 0
    done = liquidpolicy("tick", url=f"sqlite:///{file}", cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "nothing due\n", "")


def test_a_missing_sqlite_file_is_named_and_not_created(tmp_path: Path) -> None:
    file = tmp_path / "nowhere.db"
    done = liquidpolicy("tick", url=f"sqlite:///{file}", cwd=tmp_path)
    assert_operator_error(done, f"{file} does not exist", "run `liquidpolicy migrate`")
    assert not file.exists()


@pytest.mark.parametrize("command", [["migrate"], ["tick"], ["demo"], ["serve"]])
def test_an_unreachable_server_is_named_without_its_password(
    tmp_path: Path, command: list[str]
) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://lp:{PASSWORD}@127.0.0.1:{port}/liquidpolicy"
    done = liquidpolicy(*command, url=url, cwd=tmp_path)
    assert_operator_error(
        done, "cannot reach", f"postgresql://lp:***@127.0.0.1:{port}/liquidpolicy"
    )
    assert PASSWORD not in done.stderr + done.stdout


@pytest.mark.skipif("postgres" not in BACKENDS, reason="TEST_BACKENDS leaves PostgreSQL out")
@pytest.mark.parametrize("command", [["migrate"], ["export"]])
def test_a_missing_postgresql_database_is_named_without_its_password(
    tmp_path: Path, command: list[str]
) -> None:
    name = f"lp_missing_{uuid.uuid4().hex[:8]}"
    server = make_url(postgres_server_url()).set(drivername="postgresql+psycopg")
    url = server.set(database=name, password=PASSWORD).render_as_string(hide_password=False)
    done = liquidpolicy(*command, url=url, cwd=tmp_path)
    shown = server.set(database=name, password=PASSWORD).render_as_string(hide_password=True)
    assert_operator_error(done, f"'{name}' does not exist", shown, f"createdb {name}")
    assert PASSWORD not in done.stderr + done.stdout


def test_a_demo_into_a_non_empty_database_says_how_to_start_empty(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'used.db'}"
    assert liquidpolicy("migrate", url=url, cwd=tmp_path).returncode == 0
    made = liquidpolicy("create-admin", "admin", "--password", "x" * 10, url=url, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    done = liquidpolicy("demo", url=url, cwd=tmp_path)
    assert_operator_error(
        done, "already has members", "to start from an empty database", "DATABASE_URL=sqlite:///"
    )


def _large_export_database(tmp_path: Path) -> str:
    """A migrated SQLite file whose export (~2 MB) is far larger than a pipe's buffer."""
    file = tmp_path / "large.db"
    assert liquidpolicy("migrate", url=f"sqlite:///{file}", cwd=tmp_path).returncode == 0
    with sqlite3.connect(file) as connection:
        connection.executemany(
            "INSERT INTO unit (name, description, created_at) VALUES (?, ?, ?)",
            [(f"unit {n}", "x" * 2000, "2026-01-01 00:00:00.000000") for n in range(1000)],
        )
    return f"sqlite:///{file}"


def test_export_into_head_stops_quietly(tmp_path: Path) -> None:
    """``liquidpolicy export | head -c 10``: the reader goes away after 10 bytes."""
    url = _large_export_database(tmp_path)
    environment = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    export = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "export"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert export.stdout is not None and export.stderr is not None
    head = subprocess.run(
        ["head", "-c", "10"], stdin=export.stdout, capture_output=True, timeout=120, check=True
    )
    export.stdout.close()  # only head reads the pipe: once head is gone, writes fail
    stderr = export.stderr.read().decode()
    export.stderr.close()
    assert export.wait(timeout=120) == 1, stderr
    assert head.stdout == b'{"format":'
    assert stderr == ""  # not even "Exception ignored": the reader left, nothing to report


def test_export_into_a_pipe_closed_before_it_starts_stops_quietly(tmp_path: Path) -> None:
    """The smallest export, held in Python's buffer until exit, still fails quietly."""
    url = f"sqlite:///{tmp_path / 'small.db'}"
    assert liquidpolicy("migrate", url=url, cwd=tmp_path).returncode == 0
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", "export"],
            cwd=tmp_path,
            env={**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"},
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (1, b"")


def test_an_invalid_setting_is_named_without_its_value(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    smtp = f"smtp://mailer:{PASSWORD}@127.0.0.1:25"  # SMTP_URL needs PUBLIC_URL
    done = liquidpolicy("migrate", url=url, cwd=tmp_path, env={"SMTP_URL": smtp})
    assert_operator_error(done, "PUBLIC_URL")
    done = liquidpolicy("migrate", url=url, cwd=tmp_path, env={"DIGEST_HOUR": "25"})
    assert_operator_error(done, "invalid setting DIGEST_HOUR")
    assert PASSWORD not in done.stderr


def test_an_unparsable_url_is_refused(tmp_path: Path) -> None:
    done = liquidpolicy("tick", url="not a url", cwd=tmp_path)
    assert_operator_error(done, "DATABASE_URL is not a database URL")


def test_every_command_has_help_with_a_description_and_the_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = _parser()
    commands = next(
        action.choices
        for action in parser._actions  # argparse has no public accessor
        if isinstance(action.choices, dict)
    )
    assert {
        "serve",
        "migrate",
        "tick",
        "notify",
        "export",
        "verify",
        "demo",
        "create-admin",
    } <= set(commands)
    for name, command in commands.items():
        with pytest.raises(SystemExit) as exited:
            main([name, "--help"])
        assert exited.value.code == 0
        shown = capsys.readouterr().out
        assert command.description and len(command.description) > 40, name
        assert shown.startswith(f"usage: liquidpolicy {name}"), shown
        assert "exit status:" in shown and "  2    usage or operator error" in shown, name
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    assert "exit status:" in capsys.readouterr().out


def test_a_usage_error_exits_2_without_a_traceback(tmp_path: Path) -> None:
    done = liquidpolicy("tick", "--no-such-option", url="sqlite://", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "unrecognized arguments" in done.stderr


def test_an_export_file_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert liquidpolicy("migrate", url=url, cwd=tmp_path).returncode == 0
    target = tmp_path / "no such directory" / "export.json"
    done = liquidpolicy("export", "-o", str(target), url=url, cwd=tmp_path)
    assert_operator_error(done, str(target), "No such file or directory")
