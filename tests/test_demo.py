"""The demo organisation: loaded through the real services and lifecycle, never mixed with data."""

from collections.abc import Iterator
from datetime import timedelta
from itertools import permutations
from pathlib import Path

import networkx as nx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from app import migrate
from app.cli import main
from app.db import Database, create_engine
from proposals.clock import FrozenClock, utcnow
from proposals.demo import DEMO_PASSWORD, DemoSummary, DemoUnavailable, load_demo
from proposals.lifecycle import run_lifecycle
from proposals.models import (
    OPEN_STATES,
    Battle,
    Delegation,
    DirectVoter,
    Initiative,
    Issue,
    Member,
)
from proposals.services import email_settings
from proposals.services.members import check_login
from proposals.services.result_store import issue_delegating_voters
from proposals.services.voting import delegate_chains
from tests.databases import throwaway_database
from tests.factories import CHEAP_HASHER

PHASES = ("admission", "discussion", "verification", "voting")
CLOSED = ("finished_with_winner", "finished_without_winner")


@pytest.fixture(scope="module")
def loaded(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, DemoSummary]]:
    """One demo per backend, loaded into a freshly migrated database."""
    with throwaway_database(backend, tmp_path_factory.mktemp(f"demo-{backend}")) as url:
        migrate.upgrade(url)
        database = Database(create_engine(url))
        try:
            yield database, load_demo(database, CHEAP_HASHER)
        finally:
            database.dispose()


def issues_by_state(database: Database) -> dict[str, list[Issue]]:
    found: dict[str, list[Issue]] = {}
    with database.session() as session:
        for issue in session.exec(select(Issue).order_by(col(Issue.id))):
            found.setdefault(issue.state, []).append(issue)
    return found


class TestLoadDemo:
    def test_issues_in_every_phase_and_closed(self, loaded: tuple[Database, DemoSummary]) -> None:
        database, summary = loaded
        states = issues_by_state(database)
        for state in (*PHASES, *CLOSED):
            assert states.get(state), f"no demo issue is {state}"
        assert {(i.id, i.state) for i in summary.issues} == {
            (issue.id, state) for state, found in states.items() for issue in found
        }

    def test_open_issues_have_days_left(self, loaded: tuple[Database, DemoSummary]) -> None:
        _, summary = loaded
        open_issues = [i for i in summary.issues if i.state in OPEN_STATES]
        assert open_issues
        for issue in open_issues:
            assert issue.phase_ends_at is not None
            assert issue.phase_ends_at - utcnow() > timedelta(days=2), issue

    def test_lifecycle_runs_keep_every_open_issue_where_it_is(
        self, loaded: tuple[Database, DemoSummary]
    ) -> None:
        database, _ = loaded
        before = {s: [i.id for i in found] for s, found in issues_by_state(database).items()}
        assert run_lifecycle(database) == []
        assert run_lifecycle(database, clock=FrozenClock(utcnow() + timedelta(days=1))) == []
        after = {s: [i.id for i in found] for s, found in issues_by_state(database).items()}
        assert after == before

    def test_closed_issues_carry_consistent_results(
        self, loaded: tuple[Database, DemoSummary]
    ) -> None:
        database, _ = loaded
        states = issues_by_state(database)
        with database.session() as session:
            for issue in (issue for state in CLOSED for issue in states[state]):
                issue_id = issue.id or 0
                assert issue.closed_at is not None
                assert issue.closed_at < utcnow() - timedelta(days=1)
                weights = session.exec(
                    select(DirectVoter.member_id, DirectVoter.weight).where(
                        DirectVoter.issue_id == issue_id
                    )
                ).all()
                direct = {member for member, _ in weights}
                assert sum(weight for _, weight in weights) == issue.voter_count
                delegating = [v.member_id for v in issue_delegating_voters(session, issue_id)]
                assert delegating, "the demo's closed issues have delegated weight"
                for member, chain in delegate_chains(session, issue_id, delegating).items():
                    assert chain and chain[-1] in direct, (member, chain)
                admitted = session.exec(
                    select(Initiative.id).where(
                        Initiative.issue_id == issue_id, col(Initiative.admitted).is_(True)
                    )
                ).all()
                candidates = [None, *admitted]
                battles = session.exec(
                    select(Battle.winning_initiative_id, Battle.losing_initiative_id).where(
                        Battle.issue_id == issue_id
                    )
                ).all()
                assert len(battles) == len(admitted) * (len(admitted) + 1)
                assert set(battles) == set(permutations(candidates, 2))

    def test_winner_only_in_the_finished_with_winner_issue(
        self, loaded: tuple[Database, DemoSummary]
    ) -> None:
        database, _ = loaded
        states = issues_by_state(database)
        with database.session() as session:
            for state in CLOSED:
                for issue in states[state]:
                    winners = session.exec(
                        select(func.count()).where(
                            Initiative.issue_id == issue.id, col(Initiative.winner).is_(True)
                        )
                    ).one()
                    assert winners == (1 if state == "finished_with_winner" else 0)

    def test_delegations_of_every_scope(self, loaded: tuple[Database, DemoSummary]) -> None:
        database, _ = loaded
        with database.session() as session:
            rows = session.exec(
                select(Delegation.scope, Delegation.truster_id, Delegation.trustee_id)
            ).all()
        assert {scope for scope, _, _ in rows} == {"unit", "area", "issue"}
        assert {scope for scope, _, trustee in rows if trustee is None} == {"area", "issue"}
        unit_graph = nx.DiGraph([(t, e) for scope, t, e in rows if scope == "unit"])
        assert nx.find_cycle(unit_graph)

    def test_every_login_takes_the_printed_password(
        self, loaded: tuple[Database, DemoSummary]
    ) -> None:
        database, summary = loaded
        with database.session() as session:
            for name in (summary.admin, *summary.members):
                member = check_login(session, CHEAP_HASHER, name, summary.password)
                assert member is not None, name
                assert member.is_admin == (name == summary.admin)
            assert check_login(session, CHEAP_HASHER, "alice", "not the password") is None

    def test_every_member_has_a_verified_example_address_and_daily_digests(
        self, loaded: tuple[Database, DemoSummary]
    ) -> None:
        """Issue 11: a demo with SMTP_URL set shows the real e-mail, to example.org addresses."""
        database, summary = loaded
        with database.session() as session:
            for name in (summary.admin, *summary.members):
                member = session.exec(select(Member).where(Member.name == name)).one()
                settings = email_settings.read_settings(session, member)
                assert member.email == f"{name}@example.org"
                assert settings.email_verified, name
                assert settings.email_frequency == "daily"

    def test_a_second_load_is_refused(self, loaded: tuple[Database, DemoSummary]) -> None:
        database, summary = loaded
        with database.session() as session:
            count = session.exec(select(func.count()).select_from(Member)).one()
        assert count == len(summary.members) + 1
        with pytest.raises(DemoUnavailable, match="already has members"):
            load_demo(database, CHEAP_HASHER)
        with database.session() as session:
            assert session.exec(select(func.count()).select_from(Member)).one() == count


class TestRecords:
    def test_every_finished_issue_has_its_record_and_they_chain(
        self, loaded: tuple[Database, DemoSummary]
    ) -> None:
        """Issue 12: the demo writes the records as the server would, right after each run."""
        import hashlib

        from proposals.models import IssueRecord
        from proposals.services.records import stored_body

        database, _ = loaded
        finished = [
            issue.id or 0
            for state in ("finished_with_winner", "finished_without_winner")
            for issue in issues_by_state(database).get(state, [])
        ]
        with database.session() as session:
            records = list(session.exec(select(IssueRecord).order_by(col(IssueRecord.seq))))
            bodies = [stored_body(session, r.issue_id) for r in records]
        assert finished and sorted(r.issue_id for r in records) == sorted(finished)
        assert [r.seq for r in records] == list(range(1, len(records) + 1))
        assert [r.previous_digest for r in records] == [None] + [r.digest for r in records[:-1]]
        assert [hashlib.sha256(b).hexdigest() for b in bodies] == [r.digest for r in records]

    def test_every_record_verifies_alone_and_as_one_chain(
        self,
        loaded: tuple[Database, DemoSummary],
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Issue 12, item 3: ``liquidpolicy verify`` recomputes every demo record as served."""
        import json

        from proposals.models import IssueRecord
        from proposals.services.records import served_chunks

        database, _ = loaded
        with database.session() as session:
            records = list(session.exec(select(IssueRecord).order_by(col(IssueRecord.seq))))
            served = {r.issue_id: b"".join(served_chunks(session, r.issue_id)) for r in records}
        assert served
        for issue_id, body in served.items():
            path = tmp_path / f"issue-{issue_id}.json"
            path.write_bytes(body)
            assert main(["verify", str(path)]) == 0, capsys.readouterr().out
            assert capsys.readouterr().out == "verified\n"
            document = json.loads(body)
            assert document["results"]["delegating_voters"]  # the demo's closes delegate
        assert main(["verify", "--chain", str(tmp_path), "--digest", records[-1].digest]) == 0
        assert capsys.readouterr().out == "verified\n"

    def test_every_member_gets_an_explanation_agreeing_with_the_record(
        self, loaded: tuple[Database, DemoSummary]
    ) -> None:
        """Issue 12, item 2: over every demo record and member, the answer matches the stored
        direct and delegating voters."""
        import json

        from proposals.models import IssueRecord
        from proposals.services.records import explain_member_vote, stored_body

        database, _ = loaded
        cases: set[str] = set()
        with database.session() as session:
            member_ids = [m.id or 0 for m in session.exec(select(Member))]
            for record in session.exec(select(IssueRecord)):
                results = json.loads(stored_body(session, record.issue_id))["results"]
                direct = {r["member_id"]: r["weight"] for r in results["direct_voters"]}
                delegating = {r["member_id"]: r for r in results["delegating_voters"]}
                for member_id in member_ids:
                    got = explain_member_vote(session, record.issue_id, member_id)
                    cases.add(got["case"])
                    if member_id in direct:
                        assert (got["case"], got["weight"]) == ("voted_directly", direct[member_id])
                    elif member_id in delegating:
                        assert got["case"] == "delegated_counted"
                        assert got["chain"][0] == delegating[member_id]["trustee_id"]
                        assert got["weight"] == delegating[member_id]["weight"]
                        assert got["voter_weight"] == direct[got["voter_id"]]
                    else:
                        assert got["case"] not in ("voted_directly", "delegated_counted")
        assert {"voted_directly", "delegated_counted", "not_eligible"} <= cases

    def test_survives_a_postgresql_dump_and_restore_bit_for_bit(
        self, loaded: tuple[Database, DemoSummary], backend: str, tmp_path: Path
    ) -> None:
        """Issue 12: a restored database serves the same bytes, so the same digests."""
        import hashlib
        import subprocess

        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        if backend != "postgres":
            pytest.skip("pg_dump and pg_restore are PostgreSQL's")
        database, _ = loaded
        query = "SELECT issue_id, position, data FROM issue_record_chunk ORDER BY 1, 2"

        def chunks(engine: sa.Engine) -> list[tuple[int, int, bytes]]:
            with engine.connect() as connection:
                return [(i, p, bytes(d)) for i, p, d in connection.execute(sa.text(query))]

        def libpq(url: str | sa.URL) -> str:
            return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

        before = chunks(database.engine)
        dump = tmp_path / "demo.dump"
        subprocess.run(
            ["pg_dump", "--format=custom", f"--file={dump}", libpq(database.engine.url)],
            check=True,
        )
        with throwaway_database("postgres", tmp_path) as url:
            subprocess.run(
                ["pg_restore", "--no-owner", f"--dbname={libpq(url)}", str(dump)], check=True
            )
            restored = create_engine(url)
            try:
                after = chunks(restored)
                with restored.connect() as connection:
                    digests: dict[int, str] = dict(
                        connection.execute(
                            sa.text("SELECT issue_id, digest FROM issue_record")
                        ).all()
                    )
            finally:
                restored.dispose()
        assert before and after == before
        bodies: dict[int, bytes] = {}
        for issue_id, _, data in after:
            bodies[issue_id] = bodies.get(issue_id, b"") + data
        assert {i: hashlib.sha256(b).hexdigest() for i, b in bodies.items()} == digests


class TestDemoCommand:
    def test_prints_logins_and_refuses_a_second_run(
        self,
        backend: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        with throwaway_database(backend, tmp_path) as url:
            for name, value in {
                "DATABASE_URL": url,
                "ARGON2_TIME_COST": "1",
                "ARGON2_MEMORY_COST": "8",
                "ARGON2_PARALLELISM": "1",
                "LOG_LEVEL": "WARNING",
            }.items():
                monkeypatch.setenv(name, value)
            assert main(["demo"]) == 0  # migrates first
            printed = capsys.readouterr().out
            assert DEMO_PASSWORD in printed and "alice" in printed and "admin" in printed
            for state in (*PHASES, *CLOSED):
                assert state in printed
            assert main(["demo"]) == 2
            captured = capsys.readouterr()
            assert "already has members" in captured.err and captured.out == ""


class TestExport:
    """``liquidpolicy export`` over the demo: every public record, and nothing private."""

    def test_counts_match_and_nothing_private_leaks(
        self, loaded: tuple[Database, DemoSummary]
    ) -> None:
        import io
        import json

        import sqlalchemy as sa

        from app.export import SECTIONS, export
        from proposals.models import DelegatingVoter, Vote

        database, _ = loaded
        out = io.StringIO()
        with database.session() as session:
            written = export(session, out, exported_at=utcnow())
            expected = {
                name: session.execute(
                    sa.select(sa.func.count()).select_from(model.__table__)  # type: ignore[union-attr]
                ).scalar_one()
                for name, model, _ in SECTIONS
                if model not in (Vote, DelegatingVoter)
            }
            # Issue 13: votes and delegating voters are stored in blocks, each counting its
            # entries.
            for name, kind in (("votes", "vote"), ("delegating_voters", "delegating_voter")):
                expected[name] = session.execute(
                    sa.text("SELECT coalesce(sum(count), 0) FROM result_block WHERE kind = :k"),
                    {"k": kind},
                ).scalar_one()
        document = json.loads(out.getvalue())
        assert document["format"] == "liquidpolicy-export/1"
        counts = {name: len(document[name]) for name, _, _ in SECTIONS}
        removed = expected["suggestions"] - counts["suggestions"]
        assert removed >= 0
        assert {**counts, "suggestions": counts["suggestions"] + removed} == expected
        assert written == sum(counts.values()) + len(document["records"]) and written > 100
        text = out.getvalue()
        assert "password_hash" not in text and '"email"' not in text and "token" not in text
        assert document["issues"][0]["created_at"].endswith("Z")

    def test_includes_the_records_as_served(self, loaded: tuple[Database, DemoSummary]) -> None:
        """Issue 12: each record, byte for byte as ``GET /issues/{id}/record`` serves it."""
        import io
        import json

        from app.export import export
        from proposals.models import IssueRecord
        from proposals.services.records import served_chunks

        database, _ = loaded
        out = io.StringIO()
        with database.session() as session:
            export(session, out, exported_at=utcnow())
            stored = list(session.exec(select(IssueRecord).order_by(col(IssueRecord.seq))))
            served = [b"".join(served_chunks(session, r.issue_id)) for r in stored]
        exported = json.loads(out.getvalue())["records"]
        assert stored and [
            (e["issue_id"], e["seq"], e["digest"], e["previous_digest"]) for e in exported
        ] == [(r.issue_id, r.seq, r.digest, r.previous_digest) for r in stored]
        assert [e["record"] for e in exported] == [json.loads(s) for s in served]
        for record in served:
            assert record.decode() in out.getvalue()

    def test_progress_bar_only_on_a_terminal(self, loaded: tuple[Database, DemoSummary]) -> None:
        import io

        from app.export import Progress, export

        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        database, _ = loaded
        terminal, pipe = Terminal(), io.StringIO()
        with database.session() as session:
            export(
                session,
                io.StringIO(),
                exported_at=utcnow(),
                progress=lambda n: Progress(n, terminal),
            )
            export(
                session, io.StringIO(), exported_at=utcnow(), progress=lambda n: Progress(n, pipe)
            )
        assert "100%" in terminal.getvalue() and terminal.getvalue().endswith("\n")
        assert pipe.getvalue() == ""
