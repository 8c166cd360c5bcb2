"""What the ``liquidpolicy`` command says instead of a traceback (issue 14): one wrapper around
the dispatch of every command, and the database check it runs first.

Exit codes (also in ``--help`` and README): 0 done; 1 the command ran and failed (``verify``
found a difference, the reader of the output went away, an unexpected error, shown with its
traceback); 2 usage or operator error (bad arguments or input, an invalid setting, a database
that is missing, unreachable or not migrated, a demo into a non-empty database); 130
interrupted.
"""

import os
import sys
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy.engine import URL, make_url

from app.db import create_engine, normalize_url
from app.migrate import alembic_config

OK = 0
FAILED = 1
OPERATOR_ERROR = 2
INTERRUPTED = 130

EXIT_CODES = """exit status:
  0    done (verify: the record verified)
  1    the command ran and failed: verify found a difference, the output's reader went away
       (e.g. `| head`), or an unexpected error (shown with its traceback: please report it)
  2    usage or operator error: bad arguments or input, an invalid setting, a database that
       is missing, unreachable or not migrated, a demo into a non-empty database
  130  interrupted (Ctrl-C)"""


class OperatorError(Exception):
    """An expected failure the operator can fix: printed as ``error: ...``, exit 2."""


def shown_url(url: str) -> str:
    """The database URL as given, its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(DATABASE_URL cannot be parsed)"


def settings_error(exc: ValidationError) -> OperatorError:
    """A setting the environment got wrong, named by its variable; never its value (a URL may
    carry a password)."""
    lines = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(
            f"invalid setting {name}: {message}" if name else f"invalid settings: {message}"
        )
    return OperatorError("\n".join(lines))


def _parsed(url: str) -> URL:
    try:
        return make_url(normalize_url(url))
    except sa.exc.ArgumentError:
        raise OperatorError(
            "DATABASE_URL is not a database URL: use sqlite:///FILE or "
            "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
        ) from None


def _sqlite_file(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database or "")


def _connection_failure(url: str, parsed: URL, exc: BaseException) -> OperatorError:
    """Why a connection failed, in the operator's words (the driver's reasons carry no code,
    so they are recognised by their text)."""
    reason = str(getattr(exc, "orig", None) or exc).strip()
    first = reason.splitlines()[0] if reason else type(exc).__name__
    where = shown_url(url)
    if parsed.get_backend_name() == "sqlite":
        return OperatorError(f"cannot open the SQLite database {where}: {first}")
    if parsed.database and f'database "{parsed.database}" does not exist' in reason:
        return OperatorError(
            f"the database {parsed.database!r} does not exist on the server of {where}: create "
            f"it (e.g. createdb {parsed.database}), then run `liquidpolicy migrate`"
        )
    if "Connection refused" in reason or "failed to resolve host" in reason or "timeout" in reason:
        return OperatorError(
            f"cannot reach the database server of {where}: is it running, and are the host "
            f"and port right? ({first.removeprefix('connection failed: ')})"
        )
    return OperatorError(
        f"cannot connect to the database {where}: {first.removeprefix('connection failed: ')}"
    )


def check_database(url: str, *, need_schema: bool) -> None:
    """Raise :class:`OperatorError` unless the database of ``url`` can be reached and, with
    ``need_schema``, is migrated to the newest schema. A SQLite file that does not exist is not
    created here (only ``migrate``, ``serve`` and ``demo`` create one)."""
    parsed = _parsed(url)
    file = _sqlite_file(parsed)
    if need_schema and file is not None and not file.exists():
        raise OperatorError(
            f"the SQLite database {file} does not exist: run `liquidpolicy migrate` to create it "
            "(or set DATABASE_URL to the database you meant)"
        )
    try:
        engine = create_engine(url)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise OperatorError(f"DATABASE_URL {shown_url(url)} cannot be used: {exc}") from None
    try:
        with engine.connect() as connection:
            if need_schema:
                current = set(MigrationContext.configure(connection).get_current_heads())
                _check_revision(url, current)
    except sa.exc.DBAPIError as exc:
        raise _connection_failure(url, parsed, exc) from None
    finally:
        engine.dispose()


def _check_revision(url: str, current: set[str]) -> None:
    try:
        scripts = ScriptDirectory.from_config(alembic_config())
    except RuntimeError as exc:  # an install without the alembic/ folder beside it
        raise OperatorError(f"{exc}: run liquidpolicy from the project's directory") from None
    heads = set(scripts.get_heads())
    if current == heads:
        return
    known = {script.revision for script in scripts.walk_revisions()}
    if current - known:
        raise OperatorError(
            f"the database {shown_url(url)} has a newer schema ({', '.join(sorted(current))}) "
            "than this version of liquidpolicy knows: upgrade liquidpolicy"
        )
    state = "is empty (not migrated)" if not current else "is not migrated to the newest schema"
    raise OperatorError(f"the database {shown_url(url)} {state}: run `liquidpolicy migrate`")


def _stdout_gone() -> int:
    """The reader of our output went away (``liquidpolicy export | head``): stop quietly, as
    Unix tools do, and keep Python from failing again when it flushes at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return FAILED


def guarded(run: Callable[[], int], database_url: str | None, *, need_schema: bool = True) -> int:
    """Run one command; an expected failure becomes one ``error:`` line and its exit code.

    With ``database_url`` the database is checked first (reachable; with ``need_schema``, also
    migrated). A database error the command meets anyway is diagnosed the same way: an
    operator's problem is said as such, anything else keeps its traceback.
    """
    try:
        try:
            if database_url is not None:
                check_database(database_url, need_schema=need_schema)
            code = run()
            sys.stdout.flush()
            return code
        except sa.exc.DBAPIError:
            if database_url is not None:
                check_database(database_url, need_schema=need_schema)
            raise
    except OperatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return OPERATOR_ERROR
    except BrokenPipeError:
        return _stdout_gone()
    except OSError as exc:
        if exc.filename is None:
            raise
        print(f"error: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return OPERATOR_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
