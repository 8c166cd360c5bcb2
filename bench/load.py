"""Load benchmark: public reads and member writes against a running ``liquidpolicy serve``.

Usage::

    # once: generate data in the server's (PostgreSQL) database and log the members in
    python bench/load.py --setup --database-url postgresql://postgres@127.0.0.1:5432/lp_load_x
    # then, as often as you like: a read run and a write run against the server
    python bench/load.py --url http://127.0.0.1:8000 --seconds 30 --concurrency 20
    # or both in one go (--setup first, then the runs)
    python bench/load.py --setup --database-url ... --url http://127.0.0.1:8000 --json

``--setup`` writes through the services, as the demo loader does: an admin, ``--members``
members with voting and initiative right in one unit (three areas), some unit and area
delegations, one policy with long phases, issues in admission (three initiatives each with two
drafts, suggestions, supporters and opinions) and issues in voting (three initiatives, each
supported by ~15% of the members so all are admitted; some ballots already cast). The issues in
voting get there through :func:`proposals.lifecycle.run_lifecycle` driven by a
:class:`~proposals.clock.FrozenClock` over the past eleven days -- snapshots, admission and all.
Every member then gets a login token straight from :mod:`proposals.services.tokens` (a few
thousand ``POST /auth/token`` at argon2's default cost would take minutes). Passwords all share
one argon2 hash, computed once. The ids and the token secrets go to ``--state`` (mode 0600), so
later runs need no ``--setup``; the database must have no members yet.

The read run: anonymous ``GET`` of ``/api/v1/issues/{id}``, ``/initiatives/{id}``,
``/initiatives/{id}/drafts``, ``/drafts/{id}``, ``/initiatives/{id}/suggestions`` and
``/suggestions/{id}`` (a kind, then an id, uniformly at random). Each simulated client remembers
the ``ETag`` it got per URL and sends ``If-None-Match`` with it, as a browser or a caching proxy
revalidating would; it never skips a request because of ``max-age``, so every request counted
reaches the server (``--no-etag`` turns revalidation off).

The write run: ``PUT /initiatives/{id}/support`` and ``PUT /suggestions/{id}/opinion`` (issues in
admission), ``PUT /issues/{id}/ballot`` (issues in voting) and ``PUT /delegations`` (unit, area
or issue scope, random trustee), one of the four at random, each by a random member with their
own token. Each client acts for its own share of the members, so one member never has two
requests in flight (as with real people).

Both runs keep ``--concurrency`` requests in flight for ``--seconds`` and then stop (requests in
flight finish, each with a 10 s timeout). Printed per run: requests/s, p50 and p99 latency, and
errors (any status other than 2xx/304, or an exception). ``--json`` prints one JSON object last.
Only a server on 127.0.0.1 (or localhost) is accepted as target.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any, Protocol
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from app import migrate
from app.db import Database, create_engine
from proposals.clock import FrozenClock, utcnow
from proposals.demo import POLICY_DEFAULTS
from proposals.lifecycle import run_lifecycle
from proposals.models import Issue, Member
from proposals.security import PasswordHasher
from proposals.services import delegations, initiatives, participation, structure, tokens
from proposals.services import members as member_service
from proposals.services import voting as voting_service

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_STATE = Path(tempfile.gettempdir()) / "liquidpolicy-load-state.json"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
REQUEST_TIMEOUT = 10.0
PASSWORD = "load-benchmark"  # every generated member's password (one shared argon2 hash)
DAY = 86_400


# The generated world -----------------------------------------------------------------------------


@dataclass
class InitiativeIds:
    id: int
    drafts: list[int] = field(default_factory=list)
    suggestions: list[int] = field(default_factory=list)


@dataclass
class IssueIds:
    id: int
    initiatives: list[InitiativeIds] = field(default_factory=list)


@dataclass
class World:
    unit_id: int
    area_ids: list[int]
    members: list[tuple[int, str]]  # (member id, login token secret)
    admission: list[IssueIds]
    voting: list[IssueIds]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))
        path.chmod(0o600)

    @classmethod
    def load(cls, path: Path) -> "World":
        data = json.loads(path.read_text())

        def issues(rows: list[dict[str, Any]]) -> list[IssueIds]:
            return [
                IssueIds(row["id"], [InitiativeIds(**i) for i in row["initiatives"]])
                for row in rows
            ]

        return cls(
            unit_id=data["unit_id"],
            area_ids=data["area_ids"],
            members=[(m, t) for m, t in data["members"]],
            admission=issues(data["admission"]),
            voting=issues(data["voting"]),
        )


def setup(database_url: str, *, members: int, admission: int, voting: int, seed: int) -> World:
    """Generate the benchmark's data in an empty database (migrated first) and log everyone in."""

    @dataclass(frozen=True)
    class SharedHash(PasswordHasher):
        """Every generated member has the same password: hash it once."""

        shared: str = ""

        def hash(self, password: str) -> str:
            return self.shared

    rng = random.Random(seed)
    migrate.upgrade(database_url)
    database = Database(create_engine(database_url))
    hasher = SharedHash(shared=PasswordHasher().hash(PASSWORD))
    now = utcnow().replace(microsecond=0)
    clock = FrozenClock(now - timedelta(days=11))

    def write(action: Callable[[Session], None]) -> None:
        with database.session(write=True) as session:
            action(session)
            session.commit()

    ids: list[int] = []
    people: dict[int, Member] = {}
    world = World(unit_id=0, area_ids=[], members=[], admission=[], voting=[])
    policy_id = 0

    def organisation(session: Session) -> None:
        nonlocal policy_id
        if session.exec(select(func.count()).select_from(Member)).one():
            raise SystemExit("the database already has members: --setup needs an empty one")
        admin = member_service.create_member(
            session, hasher, actor=None, name="bench-admin", password=PASSWORD, is_admin=True,
            clock=clock,
        )  # fmt: skip
        unit = structure.create_unit(session, actor=admin, name="Load Party", clock=clock)
        world.unit_id = unit.id or 0
        for name in ("Transport", "Housing", "Environment"):
            area = structure.create_area(
                session, actor=admin, unit_id=world.unit_id, name=name, clock=clock
            )
            world.area_ids.append(area.id or 0)
        policy = structure.create_policy(
            session,
            actor=admin,
            fields={
                **POLICY_DEFAULTS,
                "name": "Long phases",
                "min_admission_time": 0,
                "max_admission_time": 30 * DAY,
                "discussion_time": 5 * DAY,
                "verification_time": 5 * DAY,
                "voting_time": 30 * DAY,
                "issue_quorum_num": 1,
                "issue_quorum_den": 10,
                "initiative_quorum_num": 1,
                "initiative_quorum_den": 10,
            },
            clock=clock,
        )
        policy_id = policy.id or 0
        for n in range(1, members + 1):
            member = member_service.create_member(
                session, hasher, actor=None, name=f"member{n:05d}", password=PASSWORD, clock=clock
            )
            structure.set_privilege(
                session, actor=admin, unit_id=world.unit_id, member_id=member.id or 0,
                voting_right=True, initiative_right=True,
            )  # fmt: skip
            ids.append(member.id or 0)
            people[member.id or 0] = member

    write(organisation)
    delegates = ids[: max(2, len(ids) // 50)]
    others = ids[len(delegates) :]

    def standing_delegations(session: Session) -> None:
        for truster in rng.sample(others, len(others) // 5):
            delegations.set_delegation(
                session, actor=people[truster], trustee_id=rng.choice(delegates),
                unit_id=world.unit_id, clock=clock,
            )  # fmt: skip
        for truster in rng.sample(others, len(others) // 20):
            delegations.set_delegation(
                session, actor=people[truster], trustee_id=rng.choice(delegates),
                area_id=rng.choice(world.area_ids), clock=clock,
            )  # fmt: skip

    clock.advance(60)
    write(standing_delegations)

    def new_issue(session: Session, number: int, kind: str, proposals: int) -> IssueIds:
        issue: IssueIds | None = None
        for p in range(proposals):
            initiative = initiatives.create_initiative(
                session,
                actor=people[rng.choice(others)],
                name=f"{kind} proposal {number}.{p + 1}",
                content=f"The text of {kind} proposal {number}.{p + 1}. " * 20,
                area_id=None if issue else world.area_ids[number % len(world.area_ids)],
                policy_id=None if issue else policy_id,
                issue_id=issue.id if issue else None,
                clock=clock,
            )
            issue = issue or IssueIds(initiative.issue_id)
            issue.initiatives.append(InitiativeIds(initiative.id or 0))
        assert issue is not None
        return issue

    def deliberate(session: Session, issue: IssueIds, supporters: int, suggestions: int) -> None:
        """Drafts, suggestions with opinions and supporters for each initiative of ``issue``."""
        for initiative in issue.initiatives:
            first = initiatives.list_drafts(session, initiative.id, after=None, limit=10).items
            initiative.drafts = [d.id or 0 for d in first]
            author = first[0].author_id
            if author is not None and len(initiative.drafts) == 1:
                draft = initiatives.create_draft(
                    session, actor=people[author], initiative_id=initiative.id,
                    content=f"Second draft of initiative {initiative.id}. " * 25, clock=clock,
                )  # fmt: skip
                initiative.drafts.append(draft.id or 0)
            for s in range(suggestions):
                suggestion = participation.create_suggestion(
                    session, actor=people[rng.choice(others)], initiative_id=initiative.id,
                    name=f"Amendment {s + 1}", content="Please change this part. " * 10,
                    degree=rng.choice((1, 2)), clock=clock,
                )  # fmt: skip
                initiative.suggestions.append(suggestion.id or 0)
            for member_id in rng.sample(others, supporters):
                participation.support(session, actor=people[member_id], initiative_id=initiative.id)
                if initiative.suggestions and rng.random() < 0.3:
                    participation.set_opinion(
                        session, actor=people[member_id],
                        suggestion_id=rng.choice(initiative.suggestions),
                        degree=rng.choice((-1, 1)), fulfilled=rng.random() < 0.5,
                    )  # fmt: skip

    # Issues in voting: created 11 days ago; the lifecycle takes them through discussion and
    # verification (5 days each) into voting a day ago, admitting every initiative.
    def voting_issues(session: Session) -> None:
        for number in range(voting):
            issue = new_issue(session, number, "voting", 3)
            deliberate(session, issue, supporters=len(others) * 3 // 20, suggestions=2)
            world.voting.append(issue)

    write(voting_issues)
    for _ in range(3):
        clock.advance(5)
        run_lifecycle(database, clock=clock)
        clock.advance(5 * DAY)
    clock.now = now - timedelta(hours=2)
    run_lifecycle(database, clock=clock)

    def ballots(session: Session) -> None:
        for issue in world.voting:
            for member_id in rng.sample(ids, len(ids) // 20):
                voting_service.cast_ballot(
                    session, actor=people[member_id], issue_id=issue.id,
                    votes=[(i.id, rng.randint(-2, 2)) for i in issue.initiatives], clock=clock,
                )  # fmt: skip

    write(ballots)

    # Issues in admission: created an hour ago, a few supporters each (short of the quorum).
    clock.now = now - timedelta(hours=1)

    def admission_issues(session: Session) -> None:
        for number in range(admission):
            issue = new_issue(session, number, "admission", 3)
            deliberate(session, issue, supporters=max(1, len(others) // 100), suggestions=3)
            world.admission.append(issue)

    write(admission_issues)
    run_lifecycle(database, clock=clock)

    with database.session() as session:
        states = dict(session.exec(select(Issue.id, Issue.state)).all())
    wrong = [i.id for i in world.voting if states[i.id] != "voting"] + [
        i.id for i in world.admission if states[i.id] != "admission"
    ]
    if wrong:
        raise SystemExit(f"setup failed: issues {wrong} are not in the expected state")

    def login(session: Session) -> None:
        for member_id in ids:
            issued = tokens.issue_login_token(session, people[member_id], lifetime=7 * DAY)
            world.members.append((member_id, issued.secret))

    write(login)
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM (ANALYZE)"
            )
    database.dispose()
    return world


# The load generator ------------------------------------------------------------------------------


@dataclass
class RunStats:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: int = 0

    def record(self, started: float, status: int | None, error: str | None = None) -> None:
        self.latencies.append(time.perf_counter() - started)
        if error is not None:
            self.statuses[error] += 1
            self.errors += 1
        else:
            assert status is not None
            self.statuses[str(status)] += 1
            if not (200 <= status < 300 or status == 304):
                self.errors += 1

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def summary(self) -> dict[str, Any]:
        count = len(self.latencies)
        return {
            "requests": count,
            "seconds": round(self.seconds, 2),
            "requests_per_s": round(count / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(self.percentile(50), 1),
            "p99_ms": round(self.percentile(99), 1),
            "errors": self.errors,
            "statuses": dict(sorted(self.statuses.items())),
        }


class Client(Protocol):
    """One simulated client: a keep-alive connection to the server, one request at a time."""

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, dict[str, str]]:
        """Send a request, read the whole answer; its status and (lower-case) headers."""
        ...

    async def close(self) -> None: ...


class RawClient:
    """A minimal HTTP/1.1 client on asyncio streams (the default).

    httpx costs about 2 ms of CPU per request here, as much as the server's work on a read; on
    two cores shared by server, PostgreSQL and load generator that would bench the client. This
    one speaks just enough HTTP/1.1 for the benchmark: keep-alive, ``Content-Length`` and chunked
    bodies, a reconnect when the server closes."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, dict[str, str]]:
        if self.writer is None or self.reader is None or self.reader.at_eof():
            await self.close()
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.reader, self.writer
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        answer: dict[str, str] = {}
        for line in head[1:]:
            if line:
                key, _, value = line.partition(":")
                answer[key.strip().lower()] = value.strip()
        if "content-length" in answer:
            await reader.readexactly(int(answer["content-length"]))
        elif answer.get("transfer-encoding", "").lower() == "chunked":
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            await reader.readuntil(b"\r\n")
        elif status not in (204, 304) and status >= 200:
            await reader.read()  # the body ends with the connection
        if answer.get("connection", "").lower() == "close":
            await self.close()
        return status, answer

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


class HttpxClient:
    """The same through httpx (``--client httpx``), one connection per simulated client."""

    def __init__(self, url: str) -> None:
        import httpx

        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self.client = httpx.AsyncClient(base_url=url, limits=limits, timeout=REQUEST_TIMEOUT)

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, dict[str, str]]:
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        response = await self.client.request(method, path, headers=headers, content=body)
        return response.status_code, dict(response.headers)

    async def close(self) -> None:
        await self.client.aclose()


Worker = Callable[[Client, int, RunStats, float], Awaitable[None]]


async def drive(
    url: str, name: str, seconds: float, concurrency: int, worker: Worker, client: str = "raw"
) -> RunStats:
    """Run ``concurrency`` clients until ``seconds`` have passed; they stop by themselves (a
    request still running then finishes, or fails after its timeout)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    clients: list[Client] = [
        RawClient(host, port) if client == "raw" else HttpxClient(url) for _ in range(concurrency)
    ]
    stats = RunStats(name)
    started = time.perf_counter()
    deadline = started + seconds
    try:
        tasks = [worker(c, n, stats, deadline) for n, c in enumerate(clients)]
        await asyncio.wait_for(asyncio.gather(*tasks), seconds + 2 * REQUEST_TIMEOUT)
        stats.seconds = time.perf_counter() - started
    finally:
        for c in clients:
            await c.close()
    return stats


async def timed_request(
    client: Client,
    stats: RunStats,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None = None,
) -> tuple[int, dict[str, str]] | None:
    """One request, recorded in ``stats``; None when it failed without an answer."""
    started = time.perf_counter()
    try:
        answer = await asyncio.wait_for(
            client.request(method, path, headers, body), REQUEST_TIMEOUT
        )
    except Exception as exc:
        stats.record(started, None, type(exc).__name__)
        await client.close()  # the connection may be in any state: start afresh
        return None
    stats.record(started, answer[0])
    return answer


def read_paths(world: World) -> list[list[str]]:
    """For each kind of public read, every URL of that kind in the generated world."""
    issues = world.admission + world.voting
    initiatives = [i for issue in issues for i in issue.initiatives]
    return [
        [f"{API}/issues/{i.id}" for i in issues],
        [f"{API}/initiatives/{i.id}" for i in initiatives],
        [f"{API}/initiatives/{i.id}/drafts" for i in initiatives],
        [f"{API}/drafts/{d}" for i in initiatives for d in i.drafts],
        [f"{API}/initiatives/{i.id}/suggestions" for i in initiatives],
        [f"{API}/suggestions/{s}" for i in initiatives for s in i.suggestions],
    ]


def reader(world: World, seed: int, revalidate: bool) -> Worker:
    kinds = read_paths(world)

    async def work(client: Client, n: int, stats: RunStats, deadline: float) -> None:
        rng = random.Random(seed * 1000 + n)
        etags: dict[str, str] = {}  # this client's cache: the ETag it last got per URL
        while time.perf_counter() < deadline:
            path = rng.choice(rng.choice(kinds))
            known = etags.get(path) if revalidate else None
            headers = {"If-None-Match": known} if known else {}
            answer = await timed_request(client, stats, "GET", path, headers)
            if answer is not None and answer[0] == 200 and "etag" in answer[1]:
                etags[path] = answer[1]["etag"]

    return work


def baseline() -> Worker:
    """``GET /healthz`` (one ``SELECT 1``): the floor a read is compared with, same concurrency."""

    async def work(client: Client, n: int, stats: RunStats, deadline: float) -> None:
        while time.perf_counter() < deadline:
            await timed_request(client, stats, "GET", "/healthz", {})

    return work


def writer(world: World, seed: int, concurrency: int) -> Worker:
    members = [m for m, _ in world.members]
    admission = [i for issue in world.admission for i in issue.initiatives]
    suggestions = [s for i in admission for s in i.suggestions]
    open_issues = [i.id for i in world.admission + world.voting]

    async def work(client: Client, n: int, stats: RunStats, deadline: float) -> None:
        rng = random.Random(seed * 1000 + n)
        mine = world.members[n::concurrency]  # one member never has two requests in flight
        while time.perf_counter() < deadline:
            member_id, secret = rng.choice(mine)
            headers = {"Authorization": f"Bearer {secret}"}
            action = rng.randrange(4)
            body: dict[str, Any]
            if action == 0:
                initiative = rng.choice(admission).id
                path, body = f"{API}/initiatives/{initiative}/support", {}
            elif action == 1:
                path = f"{API}/suggestions/{rng.choice(suggestions)}/opinion"
                body = {"degree": rng.choice((-2, -1, 1, 2)), "fulfilled": rng.random() < 0.5}
            elif action == 2:
                issue = rng.choice(world.voting)
                votes = [
                    {"initiative_id": i.id, "grade": rng.randint(-2, 2)} for i in issue.initiatives
                ]
                path, body = f"{API}/issues/{issue.id}/ballot", {"votes": votes}
            else:
                trustee = rng.choice(members)
                while trustee == member_id:
                    trustee = rng.choice(members)
                scope = rng.choice(("unit", "area", "issue"))
                target = {
                    "unit": {"unit_id": world.unit_id},
                    "area": {"area_id": rng.choice(world.area_ids)},
                    "issue": {"issue_id": rng.choice(open_issues)},
                }[scope]
                path, body = f"{API}/delegations", {**target, "trustee_id": trustee}
            await timed_request(client, stats, "PUT", path, headers, json.dumps(body).encode())

    return work


def report(stats: RunStats) -> str:
    s = stats.summary()
    statuses = ", ".join(f"{k}: {v}" for k, v in s["statuses"].items())
    return (
        f"{stats.name:<5} {s['requests']:>7} requests in {s['seconds']:5.1f} s  "
        f"{s['requests_per_s']:7.1f}/s  p50 {s['p50_ms']:6.1f} ms  p99 {s['p99_ms']:6.1f} ms  "
        f"errors {s['errors']}  ({statuses})"
    )


def check_local(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOCAL_HOSTS:
        raise SystemExit(f"--url must be http://127.0.0.1:<port> (a local server), not {url!r}")
    return url.rstrip("/")


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A new database ``lp_load_<random>`` on the server of ``TEST_POSTGRES_URL``, dropped
    afterwards (also on error, Ctrl-C or SIGTERM)."""
    server = make_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)).set(
        drivername="postgresql+psycopg"
    )
    name = f"lp_load_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)  # unwind through ``finally``: the database is dropped

    signal.signal(signal.SIGTERM, terminate)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def own_server(database_url: str, log: Path, workers: int = 1) -> Iterator[str]:
    """``liquidpolicy serve --workers`` on a free local port (default settings, logs to ``log``)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                f"{workers}",
            ],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180  # several workers start slowly on a loaded machine
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer,
            ):
                if answer.status == 200:
                    break
            if process.poll() is not None:
                raise SystemExit(f"the server did not start (see {log})")
            time.sleep(0.25)
        else:
            raise SystemExit(f"the server did not answer /healthz (see {log})")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def generate(args: argparse.Namespace, database_url: str) -> World:
    started = time.perf_counter()
    world = setup(
        database_url,
        members=args.members,
        admission=args.admission_issues,
        voting=args.voting_issues,
        seed=args.seed,
    )
    world.save(args.state)
    print(
        f"setup   {len(world.members)} members logged in, {len(world.admission)} issues in "
        f"admission, {len(world.voting)} in voting, in {time.perf_counter() - started:.1f} s "
        f"(state: {args.state})",
        flush=True,
    )
    return world


def load(args: argparse.Namespace, url: str, world: World, runs: list[str]) -> dict[str, Any]:
    url = check_local(url)
    results: dict[str, Any] = {"url": url, "seconds": args.seconds, "concurrency": args.concurrency}
    for run in runs:
        worker = (
            baseline()
            if run == "baseline"
            else reader(world, args.seed, not args.no_etag)
            if run == "read"
            else writer(world, args.seed, args.concurrency)
        )
        stats = asyncio.run(drive(url, run, args.seconds, args.concurrency, worker, args.client))
        print(report(stats), flush=True)
        results[run] = stats.summary()
    if "baseline" in results and "read" in results:
        results["targets"] = targets(results["baseline"], results["read"], results.get("write"))
        met = results["targets"]
        print(
            f"reads   {met['read_rps_ratio']:.2f} x baseline requests/s (target >= 0.5), p99 "
            f"{met['read_p99_ratio']:.2f} x baseline p99 (target <= 2): "
            + ("PASS" if met["met"] else "FAIL"),
            flush=True,
        )
    return results


def targets(
    base: dict[str, Any], read: dict[str, Any], write: dict[str, Any] | None
) -> dict[str, Any]:
    """Issue 13: reads reach >= 50 % of the baseline's requests/s with p99 <= 2 x its p99;
    writes have no errors."""
    rps = read["requests_per_s"] / base["requests_per_s"] if base["requests_per_s"] else 0.0
    p99 = read["p99_ms"] / base["p99_ms"] if base["p99_ms"] else float("inf")
    met = rps >= 0.5 and p99 <= 2.0 and (write is None or write["errors"] == 0)
    return {"read_rps_ratio": round(rps, 3), "read_p99_ratio": round(p99, 3), "met": met}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running server")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each run")
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight")
    parser.add_argument(
        "--runs",
        default="baseline,read,write",
        help="baseline,read,write (default); any of them, in that order, or none",
    )
    parser.add_argument("--workers", type=int, default=1, help="with --serve: server processes")
    parser.add_argument("--no-etag", action="store_true", help="never send If-None-Match")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw", help="HTTP client")
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE, help="ids and tokens file")
    parser.add_argument("--setup", action="store_true", help="generate data first (empty db)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--serve",
        action="store_true",
        help="all in one: throwaway database, --setup, own server, runs, drop",
    )
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--admission-issues", type=int, default=10)
    parser.add_argument("--voting-issues", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args(argv)
    runs = [r for r in args.runs.split(",") if r and r != "none"]
    if set(runs) - {"baseline", "read", "write"}:
        parser.error("--runs takes baseline, read and/or write")

    if args.serve:
        with throwaway_database() as database_url:
            world = generate(args, database_url)
            log = Path(tempfile.gettempdir()) / "liquidpolicy-load-server.log"
            with own_server(database_url, log, args.workers) as url:
                results = load(args, url, world, runs)
                results["workers"] = args.workers
    else:
        if args.setup:
            if not args.database_url:
                parser.error("--setup needs --database-url (or DATABASE_URL)")
            world = generate(args, args.database_url)
        elif not args.state.exists():
            parser.error(f"no state file {args.state}: run with --setup first")
        else:
            world = World.load(args.state)
        results = load(args, args.url, world, runs)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
