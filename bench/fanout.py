"""Benchmark the notification fan-out of an issue reaching voting, on PostgreSQL (issue 11).

Usage::

    python bench/fanout.py                                  # 1,000,000 members, 100,000 subscribers
    python bench/fanout.py --members 100000 --subscribers 10000 --json
    python bench/fanout.py --compare-old                    # also the old per-delegate weight loop

It creates a throw-away database on the server named by ``TEST_POSTGRES_URL`` (default: the local
server), migrates it with ``app.migrate.upgrade`` (so every index of the real schema is there),
generates one unit server-side with ``generate_series`` and always drops the database afterwards.

The unit: ``--members`` members (about 1% inactive, 1% without voting right), one area with
``--subscribers`` subscribers, an issue in voting whose 1 in 1,000 members take part (all of them
subscribers too), and delegations of about 10% of the members: unit delegations to a pool of
delegates (1% of the members, a skewed choice: a few carry thousands), a third of the delegates
delegating on to a more popular one (chains), area and issue delegations and null blocks that
override some of them, and a few cycles of delegates at area scope.

Timed, in one run, because this machine's speed varies too much between runs for seconds alone:

* ``fanout_s``: :func:`proposals.services.notifications.fan_out_pending` of ONE ``phase_changed``
  cause to ``voting``, recorded as the lifecycle records it (with the delegates' weights that
  ``lifecycle.delegates_carrying`` computes from the snapshot's graph; ``transition_s``: what
  computing and storing them adds to the transition) -- the real code path: one
  ``INSERT ... SELECT`` per group of recipients (participants, then the other subscribers),
  then the ``votes_delegated`` notifications to every delegate carrying weight, then the commit
  (``votes_delegated_s``: the delegates' part).
* ``floor_s``: ``COPY`` of the same number of notification rows (prepared in memory beforehand)
  into a table of the same columns without indexes or constraints, then the commit.

Both are measured in ``--rounds`` alternating rounds (floor, fan-out, ..., floor) and each
side's median is compared. The same run also fans the cause out without stored weights, as
before (``computed``: the fan-out then computes them with ``weights.delegate_weights``).

Target: ``fanout_s <= 2 * floor_s``. Before/after for the delegates' weights, in the same run: the
old way (``weights_carried`` once per delegate, one recursive query each) is timed on
``--old-sample`` delegates and extrapolated to all of them; with ``--compare-old`` the
notifications are removed and the same cause is fanned out again entirely the old way (its
``fanout_s``; many minutes at 1,000,000 members).

With ``--json`` the last line is one JSON object with the numbers.
"""

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import migrate
from app.db import Database, create_engine
from bench.close_issue import throwaway_database
from proposals.graphs import load_override_arrays, load_unit_arrays
from proposals.lifecycle import delegates_carrying
from proposals.models import Area, Delegation, Initiative, Issue, Policy, Unit
from proposals.services import notifications
from proposals.services.notifications import fan_out_pending, record_cause
from proposals.services.weights import delegate_weights, weights_carried

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
DAY = 86_400
UNIT, AREA, POLICY, ISSUE = 1, 1, 1, 1
COLUMNS = (
    "member_id, kind, created_at, read_at, cause_id, unit_id, area_id, issue_id, initiative_id,"
    " suggestion_id, text, reason"
)


# Loading the unit server-side -------------------------------------------------------------------


def load_unit(engine: sa.Engine, members: int, subscribers: int, seed: float) -> dict[str, int]:
    """Generate the unit with ``INSERT ... SELECT generate_series``; returns rows per table."""
    moment = NOW - timedelta(days=30)
    with Session(engine) as session:
        session.add(Unit(id=UNIT, name="Unit", created_at=moment))
        session.flush()
        session.add(Area(id=AREA, unit_id=UNIT, name="Transport", created_at=moment))
        session.add(
            Policy(
                id=POLICY, name="Policy", min_admission_time=0, max_admission_time=DAY,
                discussion_time=DAY, verification_time=DAY, voting_time=DAY,
                issue_quorum_num=1, issue_quorum_den=10, initiative_quorum_num=1,
                initiative_quorum_den=10, created_at=moment,
            )
        )  # fmt: skip
        session.commit()
    every = max(members // max(subscribers, 1), 1)
    delegates = max(members // 100, 10)
    # Delegate k (0-based, 0 the most popular) is member k * 100 + 7; a skewed pick of k.
    cycles = max(min(1000, delegates - 40) // 2 * 2, 0)
    pick = f"(floor({delegates} * power(random(), 3))::int * 100 + 7)"
    statements = {
        "member": f"""
            INSERT INTO member (id, name, password_hash, statement, active, is_admin, created_at)
            SELECT g, 'm' || g, '-', '', g % 97 <> 0, false, :moment
            FROM generate_series(1, {members}) g""",
        "privilege": f"""
            INSERT INTO privilege (unit_id, member_id, voting_right, initiative_right)
            SELECT {UNIT}, g, g % 89 <> 0, true FROM generate_series(1, {members}) g""",
        "area_subscription": f"""
            INSERT INTO area_subscription (member_id, area_id, created_at)
            SELECT g, {AREA}, :moment FROM generate_series({every}, {members}, {every}) g
            LIMIT {subscribers}""",
        # Participants: every 100th subscriber is interested (so recipients = subscribers).
        "interest": f"""
            INSERT INTO interest (issue_id, member_id)
            SELECT {ISSUE}, g FROM generate_series({every}, {members}, {every * 100}) g""",
        # ~7% of the members delegate at unit scope to a delegate (never one of the delegates).
        "delegation (unit)": f"""
            INSERT INTO delegation (truster_id, trustee_id, scope, unit_id, created_at)
            SELECT g, {pick}, 'unit', {UNIT}, :moment
            FROM generate_series(1, {members}) g WHERE g % 100 <> 7 AND random() < 0.07""",
        # A third of the delegates delegate on to a more popular delegate: chains.
        "delegation (chains)": f"""
            INSERT INTO delegation (truster_id, trustee_id, scope, unit_id, created_at)
            SELECT k * 100 + 7, floor(k * random())::int * 100 + 7, 'unit', {UNIT}, :moment
            FROM generate_series(1, {delegates} - 1) k WHERE random() < 0.33""",
        # ~2% area delegations (some of them override a unit one), ~0.5% area blocks.
        "delegation (area)": f"""
            INSERT INTO delegation (truster_id, trustee_id, scope, area_id, created_at)
            SELECT g, CASE WHEN random() < 0.2 THEN NULL ELSE {pick} END, 'area', {AREA}, :moment
            FROM generate_series(1, {members}) g WHERE g % 100 <> 7 AND random() < 0.025""",
        # A few cycles of two delegates at area scope (delegates 1000+2j <-> 1001+2j).
        "delegation (cycles)": f"""
            INSERT INTO delegation (truster_id, trustee_id, scope, area_id, created_at)
            SELECT k * 100 + 7, (k # 1) * 100 + 7, 'area', {AREA}, :moment
            FROM generate_series({cycles}, {cycles} + 39) k WHERE {delegates} >= 80""",
        # ~1% issue delegations, a fifth of them blocks.
        "delegation (issue)": f"""
            INSERT INTO delegation (truster_id, trustee_id, scope, issue_id, created_at)
            SELECT g, CASE WHEN random() < 0.2 THEN NULL ELSE {pick} END, 'issue', {ISSUE},
                   :moment
            FROM generate_series(1, {members}) g WHERE g % 100 <> 7 AND random() < 0.01""",
    }
    written: dict[str, int] = {}
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT setseed(:seed)"), {"seed": seed})
        for name, statement in statements.items():
            if name == "interest":
                _issue(connection, members)
            result = connection.execute(sa.text(statement), {"moment": moment})
            written[name] = result.rowcount
        for table in ("member", "unit", "area", "policy", "issue", "initiative", "delegation"):
            connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
            )
        connection.commit()
    # A database in service has statistics and a visibility map; a fresh load has neither.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE)")
    return written


def _issue(connection: sa.Connection, members: int) -> None:
    """The issue in voting and its two admitted initiatives (written between members and
    interest: the issue's foreign keys need the members, the interest needs the issue)."""
    moment = NOW - timedelta(days=3)
    with Session(connection) as session:
        session.add(
            Issue(
                id=ISSUE, area_id=AREA, unit_id=UNIT, policy_id=POLICY, state="voting",
                created_at=moment, accepted_at=moment, half_frozen_at=moment,
                fully_frozen_at=NOW, min_admission_time=0, max_admission_time=DAY,
                discussion_time=DAY, verification_time=DAY, voting_time=DAY, population=members,
            )
        )  # fmt: skip
        session.flush()
        for initiative_id in (1, 2):
            session.add(
                Initiative(
                    id=initiative_id, issue_id=ISSUE, name=f"Free buses, variant {initiative_id}",
                    created_at=moment, admitted=True,
                )
            )  # fmt: skip
        session.flush()


# Timing ------------------------------------------------------------------------------------------


class Timer:
    """Seconds spent inside wrapped functions, by name."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - start

        return timed


@contextmanager
def patched(name: str, value: Any) -> Iterator[None]:
    """Replace ``notifications.<name>`` for the duration (the module's own lookups see it)."""
    original = getattr(notifications, name)
    setattr(notifications, name, value)
    try:
        yield
    finally:
        setattr(notifications, name, original)


def old_delegate_weights(session: Session, issue: Issue) -> dict[int, int]:
    """The weights as ``_votes_delegated`` computed them before: every trustee of a row of the
    unit, area or issue, then :func:`weights_carried` once per trustee."""
    return {
        t: weights_carried(session, t, [issue])[issue.id or 0] for t in old_trustees(session, issue)
    }


def old_trustees(session: Session, issue: Issue) -> list[int]:
    """Every trustee of a delegation row of the issue's unit, area or issue (the old loop's)."""
    trustees = session.exec(
        select(Delegation.trustee_id)
        .where(
            col(Delegation.trustee_id).is_not(None),
            sa.or_(
                col(Delegation.unit_id) == issue.unit_id,
                col(Delegation.area_id) == issue.area_id,
                col(Delegation.issue_id) == issue.id,
            ),
        )
        .distinct()
    ).all()
    return sorted(t for t in trustees if t is not None)


def time_old_sample(database: Database, weights: dict[int, int], sample: int) -> dict[str, Any]:
    """Time the old way's weights (``weights_carried`` per delegate) on ``sample`` delegates spread
    over the list of every trustee, and check each against the one pass; extrapolate to all."""
    with database.session() as session:
        issue = session.get(Issue, ISSUE)
        assert issue is not None
        trustees = sorted(t for t in old_trustees(session, issue))
        chosen = trustees[:: max(len(trustees) // max(sample, 1), 1)][:sample]
        start = time.perf_counter()
        for trustee in chosen:
            got = weights_carried(session, trustee, [issue])[ISSUE]
            assert got == weights.get(trustee, 1 if got else 0), (trustee, got)
        elapsed = time.perf_counter() - start
    return {
        "sampled": len(chosen),
        "trustees": len(trustees),
        "sample_s": elapsed,
        "estimated_s": elapsed / max(len(chosen), 1) * len(trustees),
    }


def record_voting_cause(database: Database, *, stored: bool) -> float:
    """The cause the issue's state writer records when the issue reaches voting: with
    ``stored``, with the delegates' weights as ``advance_issue`` computes them from the graph
    and overrides of the snapshot it has just taken (:func:`lifecycle.delegates_carrying`);
    without, as causes recorded before migration 0010 (the fan-out then computes them).
    Answers the time the weights add to the transition (computing them and writing the cause),
    the unit's arrays, the rows and the dict graph being loaded beforehand (the snapshot reads
    the first two anyway; a run builds the dict graph once per unit)."""
    with database.session(write=True) as session:
        issue = session.get(Issue, ISSUE)
        assert issue is not None
        unit = load_unit_arrays(session, UNIT)
        rows = load_override_arrays(session, unit, area_id=AREA, issue_id=ISSUE)
        _ = unit.unit_graph  # built before the clock: a run builds the dict form once per unit
        start = time.perf_counter()
        weights = delegates_carrying(unit, *rows) if stored else None
        record_cause(
            session,
            "phase_changed",
            issue,
            actor_id=None,
            now=NOW,
            state="voting",
            delegate_weights=weights,
        )
        session.commit()
        return time.perf_counter() - start


def fan_out_once(
    database: Database, delegate_weights: Callable[..., Any], *, stored: bool = True
) -> dict[str, Any]:
    """Record one voting cause, then time one fan-out pass with the given weight function
    (used only for a cause without stored weights)."""
    transition = record_voting_cause(database, stored=stored)
    timer = Timer()
    with (
        patched("delegate_weights", timer.wrap("weights", delegate_weights)),
        patched("_votes_delegated", timer.wrap("votes_delegated", notifications._votes_delegated)),
    ):
        start = time.perf_counter()
        done = fan_out_pending(database, clock=lambda: NOW)
        elapsed = time.perf_counter() - start
    assert done.causes == 1, done
    with database.engine.connect() as connection:
        kinds = dict(
            connection.execute(
                sa.text("SELECT kind, count(*) FROM notification GROUP BY kind")
            ).all()
        )
    assert sum(kinds.values()) == done.notifications, (kinds, done)
    return {
        "fanout_s": elapsed,
        "transition_s": transition,
        "votes_delegated_s": timer.spent.get("votes_delegated", 0.0),
        "weights_s": timer.spent.get("weights", 0.0),
        "notifications": done.notifications,
        "by_kind": kinds,
    }


def floor_rows(database: Database, count: int) -> bytes:
    """``count`` notification rows in COPY's text format, like the fan-out's (prepared before
    the clock starts)."""
    with database.engine.connect() as connection:
        ids = [
            m
            for (m,) in connection.execute(
                sa.text("SELECT id FROM member ORDER BY id LIMIT :n"), {"n": count}
            )
        ]
    stamp = NOW.isoformat()
    text = "Voting has started on issue #1 (Free buses, variant 1)"
    reason = "because you subscribed to Transport"
    lines = [
        f"{m}\tphase_changed\t{stamp}\t\\N\t1\t{UNIT}\t{AREA}\t{ISSUE}\t\\N\t\\N\t{text}\t{reason}"
        for m in ids
    ]
    return ("\n".join(lines) + "\n").encode()


def time_floor(database: Database, data: bytes) -> float:
    """COPY the prepared rows into a fresh table of the notification's columns, without indexes
    or constraints, and commit; the table is dropped afterwards."""
    with database.engine.connect() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS notification_floor")
        connection.exec_driver_sql(
            "CREATE TABLE notification_floor (id serial, member_id integer, kind varchar(32),"
            " created_at timestamptz, read_at timestamptz, cause_id integer, unit_id integer,"
            " area_id integer, issue_id integer, initiative_id integer, suggestion_id integer,"
            " text text, reason varchar(255))"
        )
        connection.commit()
        pg = connection.connection.driver_connection
        assert pg is not None
        start = time.perf_counter()
        with (
            pg.cursor() as cursor,
            cursor.copy(f"COPY notification_floor ({COLUMNS}) FROM STDIN") as copy,
        ):
            for offset in range(0, len(data), 1 << 20):
                copy.write(data[offset : offset + (1 << 20)])
        pg.commit()
        elapsed = time.perf_counter() - start
        connection.exec_driver_sql("DROP TABLE notification_floor")
        connection.commit()
    return elapsed


def clear_notifications(database: Database) -> None:
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("TRUNCATE notification")
        connection.exec_driver_sql("VACUUM (ANALYZE) notification")


def run(
    members: int,
    subscribers: int,
    seed: float,
    compare_old: bool,
    old_sample: int,
    rounds: int = 3,
) -> dict[str, Any]:
    with throwaway_database() as url:
        engine = create_engine(url)
        try:
            start = time.perf_counter()
            migrate.upgrade(url)
            written = load_unit(engine, members, subscribers, seed)
            load = time.perf_counter() - start
            database = Database(engine)
            with database.session() as session:
                issue = session.get(Issue, ISSUE)
                assert issue is not None
                weights = delegate_weights(session, issue)
            # The old way on a sample of the delegates (checked against the one pass).
            sampled = time_old_sample(database, weights, old_sample) if old_sample else None
            with database.session() as session:
                stored = [[m, w] for m, w in sorted(weights.items()) if w > 1]
                unit = load_unit_arrays(session, UNIT)
                rows = load_override_arrays(session, unit, area_id=AREA, issue_id=ISSUE)
                assert delegates_carrying(unit, *rows) == stored
            # A first pass warms the caches and tells how many rows the floor copies.
            new = fan_out_once(database, delegate_weights)
            data = floor_rows(database, new["notifications"])
            # Alternating rounds, each side's median: the floor alone varied 0.23-0.42 s within
            # one run on this machine, so one sample of each decided the verdict by chance.
            floors: list[float] = []
            passes: list[dict[str, Any]] = []
            for _ in range(rounds):
                clear_notifications(database)
                floors.append(time_floor(database, data))
                passes.append(fan_out_once(database, delegate_weights))
            floors.append(time_floor(database, data))
            new = sorted(passes, key=lambda p: float(p["fanout_s"]))[len(passes) // 2]
            # Before/after in the same run: the weights computed by the fan-out itself.
            clear_notifications(database)
            computed = fan_out_once(database, delegate_weights, stored=False)
            assert computed["by_kind"] == new["by_kind"], (computed["by_kind"], new["by_kind"])
            old: dict[str, Any] | None = None
            if compare_old:
                clear_notifications(database)
                old = fan_out_once(database, old_delegate_weights, stored=False)
                assert old["by_kind"] == new["by_kind"], (old["by_kind"], new["by_kind"])
        finally:
            engine.dispose()
    floor = statistics.median(floors)
    return {
        "members": members,
        "subscribers": subscribers,
        "delegation_rows": sum(v for k, v in written.items() if k.startswith("delegation")),
        "delegates_notified": new["by_kind"].get("votes_delegated", 0),
        "notifications": new["notifications"],
        "load_s": round(load, 3),
        "fanout_s": round(new["fanout_s"], 3),
        "votes_delegated_s": round(new["votes_delegated_s"], 3),
        "transition_s": round(new["transition_s"], 3),
        "computed": {
            "fanout_s": round(computed["fanout_s"], 3),
            "votes_delegated_s": round(computed["votes_delegated_s"], 3),
            "weights_s": round(computed["weights_s"], 3),
            "ratio": round(computed["fanout_s"] / floor, 2),
        },
        "floor_s": round(floor, 3),
        "floors_s": [round(f, 3) for f in floors],
        "fanouts_s": [round(p["fanout_s"], 3) for p in passes],
        "ratio": round(new["fanout_s"] / floor, 2),
        # Only a breakdown, not the target: the recipients' INSERT ... SELECT and the commit,
        # without the delegates' notifications (which fanout_s and ratio include).
        "without_delegates_ratio": round((new["fanout_s"] - new["votes_delegated_s"]) / floor, 2),
        "passed": new["fanout_s"] <= 2 * floor,
        "old": None
        if old is None
        else {
            "fanout_s": round(old["fanout_s"], 3),
            "votes_delegated_s": round(old["votes_delegated_s"], 3),
            "weights_s": round(old["weights_s"], 3),
        },
        "old_sample": None
        if sampled is None
        else {
            "sampled": sampled["sampled"],
            "trustees": sampled["trustees"],
            "sample_s": round(sampled["sample_s"], 3),
            "estimated_weights_s": round(sampled["estimated_s"], 1),
        },
        "written": written,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--seed", type=float, default=0.42, help="setseed() value, -1..1")
    parser.add_argument(
        "--compare-old",
        action="store_true",
        help="fan out again with the old per-delegate weight loop (slow: many minutes at 1M)",
    )
    parser.add_argument(
        "--old-sample",
        type=int,
        default=200,
        help="time the old per-delegate weights_carried on this many delegates and extrapolate"
        " to all of them (0: skip)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternating rounds of floor and fan-out; each side's median is compared",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args(argv)
    r = run(
        args.members, args.subscribers, args.seed, args.compare_old, args.old_sample, args.rounds
    )
    w = r["written"]
    print(
        f"members {r['members']}  subscribers {w['area_subscription']}  interested "
        f"{w['interest']}  delegation rows {r['delegation_rows']}  load {r['load_s']:.1f} s"
    )
    print(
        f"one voting cause -> {r['notifications']} notifications "
        f"({r['notifications'] - r['delegates_notified']} participants and subscribers, "
        f"{r['delegates_notified']} delegates)"
    )
    print("both measured in this run: this machine's speed varies too much between runs")
    share = r["votes_delegated_s"] / r["fanout_s"] if r["fanout_s"] else 0.0
    print(
        f"fanout_s  {r['fanout_s']:7.3f} s   of which delegates' notifications "
        f"{r['votes_delegated_s']:.3f} s ({share:.0%}), their weights stored by the lifecycle"
    )
    print(
        f"          the weights add {r['transition_s']:.3f} s to the transition to voting "
        f"(computing them from the snapshot's graph, writing the cause; inside the unit's lock)"
    )
    floors = ", ".join(f"{f:.3f}" for f in r["floors_s"])
    fanouts = ", ".join(f"{f:.3f}" for f in r["fanouts_s"])
    print(f"floor_s   {r['floor_s']:7.3f} s   (COPY of as many rows, no indexes: {floors} s)")
    print(f"          medians of alternating rounds; the fan-outs: {fanouts} s")
    verdict = "PASS" if r["passed"] else "FAIL"
    print(f"ratio     {r['ratio']:7.2f}     {verdict} (target fanout_s <= 2 x floor_s)")
    print(
        f"          (breakdown only: without the delegates' notifications "
        f"{r['fanout_s'] - r['votes_delegated_s']:.3f} s = {r['without_delegates_ratio']:.2f} x "
        f"floor_s; the ratio above is the whole fan-out)"
    )
    c = r["computed"]
    print(
        f"before    weights computed by the fan-out (cause without them): fanout_s "
        f"{c['fanout_s']:.3f} s = {c['ratio']:.2f} x floor_s, delegates' notifications "
        f"{c['votes_delegated_s']:.3f} s, their weights {c['weights_s']:.3f} s (same run)"
    )
    if r["old"] is not None:
        o = r["old"]
        print(
            f"old loop  fanout_s {o['fanout_s']:.3f} s, delegates' notifications "
            f"{o['votes_delegated_s']:.3f} s, their weights {o['weights_s']:.3f} s "
            f"(weights_carried once per delegate; same run)"
        )
    if r["old_sample"] is not None:
        o = r["old_sample"]
        print(
            f"old way   weights_carried once per delegate: {o['sample_s']:.3f} s for "
            f"{o['sampled']} of {o['trustees']} trustees -> about {o['estimated_weights_s']:.1f} s "
            f"for all, vs {c['weights_s']:.3f} s for the one pass (same run)"
        )
    if args.json:
        keys = ("members", "subscribers", "delegation_rows", "delegates_notified",
                "notifications", "load_s", "fanout_s", "votes_delegated_s", "transition_s",
                "floor_s", "floors_s", "fanouts_s", "ratio", "without_delegates_ratio",
                "passed", "computed", "old",
                "old_sample")  # fmt: skip
        print(json.dumps({k: r[k] for k in keys}))


if __name__ == "__main__":
    main()
