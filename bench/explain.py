"""Benchmark how one member's vote was counted (issue 13, item 1) on PostgreSQL.

Usage::

    python bench/explain.py --members 100000 --repeats 5

Sets up the closed issue of :mod:`bench.close_issue` (a fresh database, the generated unit, the
close in a subprocess, its record written -- ``record_s``, which now includes writing the
record's index), then times the explanation of a few members of every case, alternating in the
same run: ``indexed`` (:func:`proposals.services.records.explain_member_vote`, from the index)
and ``replayed`` (the whole record read and replayed, the former path:
:class:`proposals.vote_explanation.ReplayedClose`). Also times writing the index alone
(``index_s``: reading the votes' members, building the entries, inserting the blocks; in a
transaction rolled back). Prints min and median seconds per member and case.
"""

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import migrate
from app.db import Database, create_engine
from bench.close_issue import (
    SNAPSHOT_ISSUE,
    VOTING_ISSUE,
    close_in_subprocess,
    load_unit,
    throwaway_database,
)
from bench.generate import generate_electorate
from proposals import result_blocks
from proposals.models import Issue, Policy
from proposals.services.close_index import CloseInputs, close_members
from proposals.services.records import (
    _secret,
    check_inputs,
    explain_member_vote,
    stored_body,
    write_due_records,
)
from proposals.services.result_store import column, insert_blocks
from proposals.verify import load_record, replay
from proposals.vote_explanation import ReplayedClose, explain_close


def _seconds(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _replayed(session: Session, member_id: int) -> dict[str, Any]:
    """The former path: the whole record read, parsed and replayed."""
    document = load_record(stored_body(session, VOTING_ISSUE))
    return explain_close(ReplayedClose(replay(document)), member_id)


def _index(session: Session, inputs: CloseInputs, *, secret: bool) -> None:
    """What :func:`write_index` does for the voting issue, its blocks written under the other
    issue's id (the voting issue's exist already; the caller rolls back)."""
    vote_members = column(session, VOTING_ISSUE, "vote", "member_id")
    entries, carried = close_members(inputs, secret=secret, vote_members=vote_members)
    for kind, listed in (("close_member", entries), ("carried", carried)):
        insert_blocks(session, SNAPSHOT_ISSUE, kind, result_blocks.encode(kind, listed))


def _sample(database: Database) -> dict[str, int]:
    """One member of each case: the heaviest direct voter, a direct voter of weight 1, the
    delegating voter of the longest chain among some, and the first lost, absent and ineligible
    members found."""
    found: dict[str, int] = {}
    with database.session() as session:
        heaviest, light = (
            session.execute(
                sa.text(
                    "SELECT member_id FROM direct_voter WHERE issue_id = :i"
                    f" ORDER BY weight {order}, member_id LIMIT 1"
                ),
                {"i": VOTING_ISSUE},
            ).scalar_one()
            for order in ("DESC", "ASC")
        )
        found["voted_directly (heaviest)"] = heaviest
        found["voted_directly (weight 1)"] = light
        longest = 0
        for member_id in range(1, 3000, 7):
            answer = explain_member_vote(session, VOTING_ISSUE, member_id)
            case = answer["case"]
            if case == "delegated_counted" and len(answer["steps"]) > longest:
                longest = len(answer["steps"])
                found["delegated_counted (longest)"] = member_id
            elif case not in ("voted_directly", "delegated_counted"):
                found.setdefault(case, member_id)
    return found


def run(members: int, repeats: int) -> None:
    e = generate_electorate(members, 1)
    with throwaway_database() as url:
        engine = create_engine(url)
        try:
            migrate.upgrade(url)
            load_unit(engine, e, 1)
            database = Database(engine)
            close_in_subprocess(url, None)
            record_s = _seconds(lambda: write_due_records(database))
            print(f"members {members}  record_s {record_s:.3f}")
            index: list[float] = []
            for _ in range(repeats):
                with database.session(write=True) as session:
                    issue = session.get(Issue, VOTING_ISSUE)
                    assert issue is not None
                    policy = session.get(Policy, issue.policy_id)
                    assert policy is not None
                    secret = _secret(policy)
                    inputs = check_inputs(session, issue)
                    index.append(_seconds(partial(_index, session, inputs, secret=secret)))
                    session.rollback()
            print(f"index_s min {min(index):.3f} median {statistics.median(index):.3f}")
            sample = _sample(database)
            for case, member_id in sample.items():
                indexed: list[float] = []
                replayed: list[float] = []
                for _ in range(repeats):
                    with database.session() as session:
                        indexed.append(
                            _seconds(partial(explain_member_vote, session, VOTING_ISSUE, member_id))
                        )
                    with database.session() as session:
                        replayed.append(_seconds(partial(_replayed, session, member_id)))
                with database.session() as session:
                    indexed_answer = explain_member_vote(session, VOTING_ISSUE, member_id)
                    same = indexed_answer == _replayed(session, member_id)
                print(
                    f"{case:32s} member {member_id:7d}  indexed min {min(indexed) * 1000:8.2f} ms"
                    f" median {statistics.median(indexed) * 1000:8.2f} ms | replayed min"
                    f" {min(replayed):7.3f} s median {statistics.median(replayed):7.3f} s"
                    f" | same {same} | weight {indexed_answer['weight']}"
                )
        finally:
            engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    run(args.members, args.repeats)


if __name__ == "__main__":
    main()
