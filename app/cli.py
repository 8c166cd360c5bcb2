"""The ``liquidpolicy`` command: serve, migrate, create-admin, tick, notify, deliver, export, demo
and verify. Errors an operator can fix are printed, never a traceback (:mod:`app.cli_guard`)."""

import argparse
import logging
import sys
import textwrap
from collections.abc import Sequence

from pydantic import ValidationError

from app import migrate
from app.cli_guard import EXIT_CODES, OperatorError, guarded, settings_error
from app.db import Database, create_engine, normalize_url
from app.logs import configure_logging
from app.settings import Settings
from proposals.errors import DomainError
from proposals.lifecycle import run_lifecycle
from proposals.security import PasswordHasher
from proposals.services import members
from proposals.services.records import index_records, write_due_records

log = logging.getLogger("liquidpolicy.cli")
STARTUP_FAILURE = 3  # the server could not start (e.g. the port is taken), as uvicorn.run exits


def _command(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
    name: str,
    summary: str,
    about: str,
) -> argparse.ArgumentParser:
    """A subcommand: ``summary`` in the list of commands, ``about`` and the exit codes in its
    ``--help``."""
    return commands.add_parser(
        name,
        help=summary,
        description=textwrap.fill(about, 79),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liquidpolicy",
        description=textwrap.fill(
            "Liquid Policy: liquid democracy for organisations. Every command but verify uses "
            "the database named by DATABASE_URL (default sqlite:///liquidpolicy.db); "
            "`liquidpolicy COMMAND --help` describes each.",
            79,
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = _command(
        commands,
        "serve",
        "migrate the database, then serve API and web client",
        "Migrate the database to the newest schema, then serve the REST API (/api/v1, "
        "/docs) and the web client over HTTP, running the lifecycle every LIFECYCLE_INTERVAL "
        "seconds in the background.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="server processes (default: WORKERS, 1); above 1 needs PostgreSQL",
    )
    _command(
        commands,
        "migrate",
        "migrate the database to the newest schema",
        "Create or upgrade the database's tables to the newest schema (Alembic migrations). "
        "Safe to run again: an up-to-date database is left as it is.",
    )
    _command(
        commands,
        "index-records",
        "index the records written before the explanation index (once, after upgrading)",
        "Write the explanation index of every record of a close written without one (before "
        "this version), from the record itself: then how one member's vote was counted is "
        "read by a few lookups instead of from the whole record. Prints one line per record "
        "indexed, or 'nothing to index'. Safe to run again.",
    )
    _command(
        commands,
        "tick",
        "run the lifecycle once, then write due records",
        "One lifecycle run, as the server does every LIFECYCLE_INTERVAL seconds: snapshots "
        "and every due phase transition, then the record of each issue it closed. Prints one "
        "line per transition and record, or 'nothing due'.",
    )
    notify = _command(
        commands,
        "notify",
        "one notification pass (fan-out, and e-mail when SMTP_URL is set)",
        "One notification pass: derive the delegates' last-day reminders, fan pending causes "
        "out to the members they concern, and, only when SMTP_URL is set, compose the e-mails "
        "now due and send the outbox. Prints how many of each.",
    )
    notify.add_argument(
        "--preview",
        metavar="MEMBER",
        help="print the next digest of this member (by name) without queueing or changing it",
    )
    _command(
        commands,
        "deliver",
        "one webhook pass: queue new feed events, send the due deliveries, print the tally",
        "One webhook pass: queue the feed events that are new for each webhook, send the due "
        "deliveries (signed, Standard Webhooks) and print how many were queued, delivered, "
        "failed and disabled.",
    )
    export = _command(
        commands,
        "export",
        "write every public record as one JSON document",
        "Write every public record (no passwords, tokens or e-mail addresses) and the records "
        "of closes as one JSON document, streamed; a progress bar goes to standard error on a "
        "terminal.",
    )
    export.add_argument("--output", "-o", default="-", help="a file, or - for standard output")
    verify = _command(
        commands,
        "verify",
        "recompute a record of a close offline and check its digest (no database)",
        "Recompute the results of a record (GET /api/v1/issues/ID/record) from its "
        "inputs and check its digest; exit 0 printing 'verified', 1 printing what differs, 2 "
        "for bad input. Needs no database.",
    )
    verify.add_argument("record", nargs="?", metavar="RECORD.json", help="a downloaded record")
    verify.add_argument("--digest", metavar="HEX", help="the digest trusted from elsewhere")
    verify.add_argument(
        "--url", help="fetch the record and its issue's record_digest from a running instance"
    )
    verify.add_argument("--token", help="a bearer token for --url")
    verify.add_argument(
        "--chain", metavar="DIR", help="check the records (*.json) of a directory as one chain"
    )
    verify.add_argument(
        "--after",
        metavar="HEX",
        help="with --chain: the digest the first record names as its previous one",
    )
    _command(
        commands,
        "demo",
        "migrate and load a demo organisation (empty database only)",
        "Migrate, then load a demo organisation (members, delegations of every scope, issues "
        "in every phase and closed ones) and print the logins. Refused (exit 2) when the "
        "database already has members.",
    )
    admin = _command(
        commands,
        "create-admin",
        "create an admin member and print its id",
        "Create an admin member (the first login of a new installation) and print its id.",
    )
    admin.add_argument("name", help="the login name")
    admin.add_argument("--password", required=True, help="at least 10 characters")
    return parser


WORKER_HEALTHCHECK_S = 30
STREAMS_SHUTDOWN_S = 5


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {text!r}")
    return int(text)


def _serve(settings: Settings, host: str, port: int, workers: int | None) -> int:
    """Migrate, then serve in one process or, on PostgreSQL, in ``workers`` (uvicorn's own
    supervisor restarts a worker that dies; :mod:`app.leader` picks the one that runs the
    background work). A worker must answer the supervisor's health check within
    :data:`WORKER_HEALTHCHECK_S` (uvicorn's default, 5 s, killed workers still starting on a
    loaded machine)."""
    import uvicorn

    from app.main import create_app
    from app.server import serve

    workers = workers or settings.workers
    migrate.upgrade(settings.database_url)
    log.info("serving", extra={"host": host, "port": port, "workers": workers})
    if workers == 1:
        app = create_app(settings, run_lifecycle_every=True, cache_public_reads=True)
        return 0 if serve(app, host, port) else STARTUP_FAILURE
    # uvicorn's supervisor builds each worker's server itself: an open event stream is ended
    # by the graceful-shutdown timeout there (app.server ends them at once in one process).
    uvicorn.run(
        "app.main:served_app",
        factory=True,
        workers=workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
        timeout_graceful_shutdown=STREAMS_SHUTDOWN_S,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
    )
    return 0


def _workers_refused(settings: Settings, workers: int | None) -> str | None:
    """Why ``serve`` may not run ``workers`` processes here (before the database is touched, so a
    refused SQLite file is not created): several need PostgreSQL."""
    count = workers or settings.workers
    if count > 1 and not normalize_url(settings.database_url).startswith("postgresql"):
        return (
            f"--workers {count} needs PostgreSQL (DATABASE_URL=postgresql://...); "
            "SQLite serves from one process"
        )
    return None


def _create_admin(settings: Settings, name: str, password: str) -> int:
    database = Database(create_engine(settings.database_url))
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost,
        parallelism=settings.argon2_parallelism,
    )
    try:
        with database.session(write=True) as session:
            member = members.create_member(
                session, hasher, actor=None, name=name, password=password, is_admin=True
            )
            session.commit()
            print(member.id)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    return 0


def _export(settings: Settings, output: str) -> int:
    from app.export import export
    from proposals.clock import utcnow

    database = Database(create_engine(settings.database_url))
    try:
        with database.session() as session:
            if output == "-":
                count = export(session, sys.stdout, exported_at=utcnow())
            else:
                with open(output, "w", encoding="utf-8") as out:
                    count = export(session, out, exported_at=utcnow())
        log.info("exported", extra={"records": count, "output": output})
    finally:
        database.dispose()
    return 0


def _tick(settings: Settings) -> int:
    database = Database(create_engine(settings.database_url))
    done = 0
    try:
        try:
            for step in run_lifecycle(database):
                print(f"issue {step.issue_id}: {step.from_state} -> {step.to_state}")
                done += 1
        finally:
            for issue_id, digest in write_due_records(database):
                print(f"issue {issue_id}: record {digest}")
                done += 1
    finally:
        database.dispose()
    if not done:
        print("nothing due")
    return 0


def _index_records(settings: Settings) -> int:
    database = Database(create_engine(settings.database_url))
    try:
        indexed = index_records(database)
    finally:
        database.dispose()
    for issue_id in indexed:
        print(f"issue {issue_id}: record indexed")
    if not indexed:
        print("nothing to index")
    return 0


def _notify(settings: Settings) -> int:
    """One pass: derive the delegates' reminders, fan out, compose due e-mails (SMTP only)."""
    from app.mail.compose import notify_pass

    database = Database(create_engine(settings.database_url))
    try:
        done = notify_pass(database, settings)
        fanned = done.fanned_out
        print(f"{fanned.causes} causes fanned out, {fanned.notifications} notifications")
        if done.composed is not None:
            print(f"{done.composed.emails} e-mails queued for {done.composed.members} members")
        if settings.smtp_url:
            _send_mail(database, settings)
    finally:
        database.dispose()
    return 0


def _preview(settings: Settings, name: str) -> int:
    from app.mail.compose import preview, with_secret_key

    database = Database(create_engine(settings.database_url))
    try:
        settings = with_secret_key(database, settings)
        with database.session() as session:
            text = preview(session, settings, name)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    print(text)
    return 0


def _deliver(settings: Settings) -> int:
    """One webhook pass (issue 14), printing what it did."""
    from app.webhooks.deliver import deliver_pass

    database = Database(create_engine(settings.database_url))
    try:
        print(deliver_pass(database, settings).summary())
    finally:
        database.dispose()
    return 0


def _send_mail(database: Database, settings: Settings) -> None:
    """Send what is due in the outbox (the links are signed with the installation's key)."""
    from app.mail.compose import with_secret_key
    from app.mail.send import send_due

    sent = send_due(database, with_secret_key(database, settings))
    print(f"{sent.sent} e-mails sent, {sent.retried} to retry, {sent.failed} failed")


_EMPTY_DATABASE_HINT = """to start from an empty database, point DATABASE_URL at a new one, e.g.
  DATABASE_URL=sqlite:///demo.db liquidpolicy demo       (a new SQLite file), or
  createdb demo && DATABASE_URL=postgresql://USER@HOST/demo liquidpolicy demo
and serve with the same DATABASE_URL (or delete the SQLite file: everything in it is lost)"""


def _demo(settings: Settings) -> int:
    from proposals.demo import DemoUnavailable, load_demo

    migrate.upgrade(settings.database_url)
    database = Database(create_engine(settings.database_url))
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost,
        parallelism=settings.argon2_parallelism,
    )
    try:
        summary = load_demo(database, hasher)
    except DemoUnavailable as exc:
        raise OperatorError(f"{exc.detail}\n{_EMPTY_DATABASE_HINT}") from None
    finally:
        database.dispose()
    print("\n".join(summary.lines()))
    return 0


# Commands that migrate the database themselves (or need none): every other command first
# checks that the database is migrated.
_MIGRATING = frozenset({"serve", "migrate", "demo"})


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, then run one command inside :func:`app.cli_guard.guarded`: an expected failure
    prints one ``error:`` line (exit 2), never a traceback."""
    args = _parser().parse_args(argv)
    if args.command == "verify":  # offline: no settings, no database
        from app.verify import verify_command

        return guarded(
            lambda: verify_command(
                args.record,
                digest=args.digest,
                url=args.url,
                token=args.token,
                chain=args.chain,
                after=args.after,
            ),
            None,
        )
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"error: {settings_error(exc)}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, as_json=settings.log_json)
    if args.command == "serve" and (refused := _workers_refused(settings, args.workers)):
        print(f"error: {refused}", file=sys.stderr)
        return 2
    return guarded(
        lambda: _run(args, settings),
        settings.database_url,
        need_schema=args.command not in _MIGRATING,
    )


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        return _serve(settings, args.host, args.port, args.workers)
    if args.command == "migrate":
        migrate.upgrade(settings.database_url)
        return 0
    if args.command == "create-admin":
        return _create_admin(settings, args.name, args.password)
    if args.command == "tick":
        return _tick(settings)
    if args.command == "index-records":
        return _index_records(settings)
    if args.command == "notify":
        return _preview(settings, args.preview) if args.preview else _notify(settings)
    if args.command == "deliver":
        return _deliver(settings)
    if args.command == "export":
        return _export(settings, args.output)
    if args.command == "demo":
        return _demo(settings)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
