"""The ``liquidpolicy`` command: serve, migrate, create-admin, tick, notify, export, demo and
verify."""

import argparse
import logging
import sys
from collections.abc import Sequence

from app import migrate
from app.db import Database, create_engine, normalize_url
from app.logs import configure_logging
from app.settings import Settings
from proposals.errors import DomainError
from proposals.lifecycle import run_lifecycle
from proposals.security import PasswordHasher
from proposals.services import members
from proposals.services.records import write_due_records

log = logging.getLogger("liquidpolicy.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liquidpolicy", description="Liquid Policy: liquid democracy for organisations."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="migrate the database, then serve API and web client")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="server processes (default: WORKERS, 1); above 1 needs PostgreSQL",
    )
    commands.add_parser("migrate", help="migrate the database to the newest schema")
    commands.add_parser(
        "tick",
        help="run the lifecycle once (snapshots and due transitions), then write due records",
    )
    notify = commands.add_parser(
        "notify",
        help="one notification pass: derive reminders, fan causes out, compose and send due e-mail",
    )
    notify.add_argument(
        "--preview",
        metavar="MEMBER",
        help="print the next digest of this member (by name) without queueing or changing it",
    )
    export = commands.add_parser("export", help="write every public record as one JSON document")
    export.add_argument("--output", "-o", default="-", help="a file, or - for standard output")
    verify = commands.add_parser(
        "verify",
        help="recompute a record of a close offline and check its digest (no database)",
        description="Recompute the results of a record (GET /api/v1/issues/ID/record) from its "
        "inputs and check its digest; exit 0 printing 'verified', 1 printing what differs, 2 "
        "for bad input.",
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
    commands.add_parser("demo", help="migrate and load a demo organisation (empty database only)")
    admin = commands.add_parser("create-admin", help="create an admin member and print its id")
    admin.add_argument("name")
    admin.add_argument("--password", required=True, help="at least 10 characters")
    return parser


WORKER_HEALTHCHECK_S = 30


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

    workers = workers or settings.workers
    if workers > 1 and not normalize_url(settings.database_url).startswith("postgresql"):
        print(
            f"error: --workers {workers} needs PostgreSQL (DATABASE_URL=postgresql://...); "
            "SQLite serves from one process",
            file=sys.stderr,
        )
        return 2
    migrate.upgrade(settings.database_url)
    log.info("serving", extra={"host": host, "port": port, "workers": workers})
    if workers == 1:
        app = create_app(settings, run_lifecycle_every=True, cache_public_reads=True)
        uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
    else:
        uvicorn.run(
            "app.main:served_app",
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
        )
    return 0


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
    try:
        try:
            for step in run_lifecycle(database):
                print(f"issue {step.issue_id}: {step.from_state} -> {step.to_state}")
        finally:
            for issue_id, digest in write_due_records(database):
                print(f"issue {issue_id}: record {digest}")
    finally:
        database.dispose()
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


def _send_mail(database: Database, settings: Settings) -> None:
    """Send what is due in the outbox (the links are signed with the installation's key)."""
    from app.mail.compose import with_secret_key
    from app.mail.send import send_due

    sent = send_due(database, with_secret_key(database, settings))
    print(f"{sent.sent} e-mails sent, {sent.retried} to retry, {sent.failed} failed")


def _demo(settings: Settings) -> int:
    from proposals.demo import load_demo

    migrate.upgrade(settings.database_url)
    database = Database(create_engine(settings.database_url))
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost,
        parallelism=settings.argon2_parallelism,
    )
    try:
        summary = load_demo(database, hasher)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    print("\n".join(summary.lines()))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "verify":  # offline: no settings, no database
        from app.verify import verify_command

        return verify_command(
            args.record,
            digest=args.digest,
            url=args.url,
            token=args.token,
            chain=args.chain,
            after=args.after,
        )
    settings = Settings()
    configure_logging(settings.log_level, as_json=settings.log_json)
    if args.command == "serve":
        return _serve(settings, args.host, args.port, args.workers)
    if args.command == "migrate":
        migrate.upgrade(settings.database_url)
        return 0
    if args.command == "create-admin":
        return _create_admin(settings, args.name, args.password)
    if args.command == "tick":
        return _tick(settings)
    if args.command == "notify":
        return _preview(settings, args.preview) if args.preview else _notify(settings)
    if args.command == "export":
        return _export(settings, args.output)
    if args.command == "demo":
        return _demo(settings)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
