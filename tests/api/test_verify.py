"""``liquidpolicy verify`` (issue 12, item 3): a record's results recompute from its inputs
with ``delegation/`` alone, its digest matches its content, a digest trusted from elsewhere
(``--digest``, ``--url``, ``--chain``) matches too; every disagreement is named."""

import json
import random
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.cli import main
from app.db import Database
from app.settings import PublicAccess
from proposals.clock import FrozenClock
from proposals.services.records import write_due_records
from proposals.verify import content_digest, recompute
from tests.api.test_records import close, record
from tests.api.world import DAY, World, build_world, scatter

Document = dict[str, Any]


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, list("ABCDE"))


def recorded(world: World, db: Database, clock: FrozenClock) -> bytes:
    """The served record of :func:`close` (delegations in all three scopes, a block)."""
    issue, _, _ = close(world)
    write_due_records(db, clock=clock)
    response = record(world, issue)
    assert response.status_code == 200
    content: bytes = response.content
    return content


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["verify", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def save(path: Path, document: Document | bytes) -> str:
    path.write_bytes(document if isinstance(document, bytes) else json.dumps(document).encode())
    return str(path)


def redigest(document: Document) -> Document:
    """A forger's record: the content changed and its digest member recomputed to match."""
    document["digest"] = content_digest(document)
    return document


def by(rows: list[Document], key: str, value: Any) -> Document:
    [row] = [r for r in rows if r[key] == value]
    return row


class TestVerified:
    def test_a_served_record_verifies(
        self,
        world: World,
        db: Database,
        clock: FrozenClock,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        served = recorded(world, db, clock)
        path = save(tmp_path / "record.json", served)
        assert verify(capsys, path) == (0, "verified\n", "")
        digest = json.loads(served)["digest"]
        assert verify(capsys, path, "--digest", digest) == (0, "verified\n", "")
        assert verify(capsys, path, "--digest", digest.upper())[0] == 0

    def test_a_pretty_printed_copy_verifies(
        self,
        world: World,
        db: Database,
        clock: FrozenClock,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The digest is of the content, not of the bytes of the file."""
        document = json.loads(recorded(world, db, clock))
        path = tmp_path / "pretty.json"
        path.write_text(json.dumps(document, indent=2, ensure_ascii=True))
        assert verify(capsys, str(path))[0] == 0

    def test_needs_no_database(
        self, world: World, db: Database, clock: FrozenClock, tmp_path: Path
    ) -> None:
        """The installed command, with a database URL nobody answers: verify never opens it."""
        import os
        import subprocess
        import sys

        path = save(tmp_path / "record.json", recorded(world, db, clock))
        env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"}
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", "verify", path],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (done.returncode, done.stdout, done.stderr) == (0, "verified\n", "")

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_generated_closes_verify(
        self,
        client: TestClient,
        db: Database,
        clock: FrozenClock,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        seed: int,
    ) -> None:
        """Random electorates: delegations in every scope (blocks, cycles, chains), random
        ballots, some members without voting right."""
        rng = random.Random(seed)
        names = [f"M{i}" for i in range(14)]
        world = build_world(client, db, clock, names)
        first = world.propose(names[0], "First")
        issue = first["issue_id"]
        others = [world.propose(names[i], f"Other {i}", issue_id=issue) for i in (1, 2)]
        ids = [first["id"], *(o["id"] for o in others)]
        world.propose(names[3], "Without support", issue_id=issue)  # not admitted
        for initiative in ids:  # quorum: 1/10 of 14 members
            for who in names[:3]:
                world.support(who, initiative)
        world.to_voting(issue)
        scatter(world, rng, issue, ids, vote_share=0.45)
        assert world.step(DAY)[0].startswith("finished")
        assert write_due_records(db, clock=clock)
        served = record(world, issue, names[0]).content
        document = json.loads(served)
        assert document["results"]["delegating_voters"] or seed != 1
        assert [i["admitted"] for i in document["inputs"]["initiatives"]] == [True] * 3 + [False]
        assert verify(capsys, save(tmp_path / "r.json", served)) == (0, "verified\n", "")


def _weight(d: Document) -> str:
    row = d["results"]["direct_voters"][0]
    row["weight"] += 1
    return f"results.direct_voters[member {row['member_id']}].weight"


def _trustee(d: Document) -> str:
    rows = d["results"]["delegating_voters"]
    row = rows[0]
    row["trustee_id"] = next(
        r["member_id"] for r in d["results"]["direct_voters"] if r["member_id"] != row["trustee_id"]
    )
    return f"results.delegating_voters[member {row['member_id']}].trustee_id"


def _battle(d: Document) -> str:
    row = next(b for b in d["results"]["battles"] if b["losing_initiative_id"] is None)
    row["count"] += 1
    return f"results.battles[initiative {row['winning_initiative_id']} over status quo].count"


def _winner(d: Document) -> str:
    winner = d["results"]["winner_initiative_id"]
    other = next(i["id"] for i in d["inputs"]["initiatives"] if i["id"] != winner)
    d["results"]["winner_initiative_id"] = other
    return "results.winner_initiative_id"


def _rank(d: Document) -> str:
    row = d["results"]["initiatives"][1]
    row["rank"] = 1 if row["rank"] != 1 else 2
    return f"results.initiatives[initiative {row['id']}].rank"


def _state(d: Document) -> str:
    d["results"]["state"] = "finished_without_winner"
    return "results.state"


def _voter_count(d: Document) -> str:
    d["results"]["voter_count"] += 1
    return "results.voter_count"


def _missing_voter(d: Document) -> str:
    row = d["results"]["direct_voters"].pop()
    return f"results.direct_voters[member {row['member_id']}]"


def _scope(d: Document) -> str:
    row = d["results"]["delegating_voters"][-1]
    row["scope"] = "issue" if row["scope"] != "issue" else "unit"
    return f"results.delegating_voters[member {row['member_id']}].scope"


RESULT_CHANGES: list[Callable[[Document], str]] = [
    _weight,
    _trustee,
    _battle,
    _winner,
    _rank,
    _state,
    _voter_count,
    _missing_voter,
    _scope,
]


class TestResultChanged:
    @pytest.mark.parametrize("change", RESULT_CHANGES, ids=lambda c: c.__name__.strip("_"))
    def test_names_the_field(
        self,
        world: World,
        db: Database,
        clock: FrozenClock,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        change: Callable[[Document], str],
    ) -> None:
        document = json.loads(recorded(world, db, clock))
        digest = document["digest"]
        name = change(document)
        # as altered: the digest no longer matches, and the recomputation names the field
        status, out, err = verify(capsys, save(tmp_path / "a.json", document))
        assert (status, err) == (1, "")
        assert f"{name}: the record says" in out or f"{name}: recomputed" in out, out
        assert "digest: the record says" in out
        assert "verified" not in out.replace("NOT verified", "")
        # re-digested by a forger: the recomputation still names the field
        status, out, _ = verify(capsys, save(tmp_path / "b.json", redigest(document)))
        assert status == 1 and name in out and "digest" not in out, out
        # and against the digest published elsewhere
        status, out, _ = verify(capsys, str(tmp_path / "b.json"), "--digest", digest)
        assert status == 1 and f"digest: --digest says {digest}" in out


def _grade_without_effect(d: Document) -> None:
    """A changed grade that changes no result: only the digest catches it."""
    ballot = next(b for b in d["inputs"]["ballots"] if b["grades"])
    grade = ballot["grades"][-1]
    grade["grade"] = 2 if grade["grade"] == 1 else 1


def _grade(d: Document) -> None:
    for ballot in d["inputs"]["ballots"]:
        for grade in ballot["grades"]:
            grade["grade"] = -grade["grade"] if grade["grade"] else 2


def _eligible(d: Document) -> None:
    voter = d["results"]["delegating_voters"][0]["member_id"]
    d["inputs"]["eligible_member_ids"].remove(voter)


def _delegation(d: Document) -> None:
    row = next(r for r in d["inputs"]["delegations"] if r["trustee_id"] is not None)
    d["inputs"]["delegations"].remove(row)


def _admitted(d: Document) -> None:
    d["inputs"]["initiatives"][0]["admitted"] = False
    for ballot in d["inputs"]["ballots"]:
        ballot["grades"] = [
            g for g in ballot["grades"] if g["initiative_id"] != d["inputs"]["initiatives"][0]["id"]
        ]


def _policy(d: Document) -> None:
    d["inputs"]["policy"]["direct_majority_num"] = 99
    d["inputs"]["policy"]["direct_majority_den"] = 100


INPUT_CHANGES: list[Callable[[Document], None]] = [
    _grade_without_effect,
    _grade,
    _eligible,
    _delegation,
    _admitted,
    _policy,
]


class TestInputChanged:
    @pytest.mark.parametrize("change", INPUT_CHANGES, ids=lambda c: c.__name__.strip("_"))
    def test_fails(
        self,
        world: World,
        db: Database,
        clock: FrozenClock,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        change: Callable[[Document], None],
    ) -> None:
        document = json.loads(recorded(world, db, clock))
        digest = document["digest"]
        change(document)
        status, out, _ = verify(capsys, save(tmp_path / "a.json", document))
        assert status == 1 and "digest: the record says" in out, out
        status, out, _ = verify(
            capsys, save(tmp_path / "b.json", redigest(document)), "--digest", digest
        )
        assert status == 1 and f"digest: --digest says {digest}" in out, out

    @pytest.mark.parametrize("change", INPUT_CHANGES[1:], ids=lambda c: c.__name__.strip("_"))
    def test_that_changes_a_result_fails_the_recomputation_too(
        self,
        world: World,
        db: Database,
        clock: FrozenClock,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        change: Callable[[Document], None],
    ) -> None:
        document = json.loads(recorded(world, db, clock))
        change(document)
        status, out, _ = verify(capsys, save(tmp_path / "a.json", redigest(document)))
        assert status == 1 and "results." in out and "digest" not in out, out


class TestBadInput:
    def test_missing_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        status, out, err = verify(capsys, str(tmp_path / "nowhere.json"))
        assert (status, out) == (2, "")
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err

    @pytest.mark.parametrize(
        "content",
        [
            b"not json at all",
            b"[1, 2]",
            b'{"format": "something else"}',
            b'{"format": "liquidpolicy-record/1", "seq": 1}',
            b'{"format": "liquidpolicy-record/1", "format": "liquidpolicy-record/1"}',
            b"\xff\xfe",
            b"",
        ],
    )
    def test_not_a_record(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
    ) -> None:
        status, out, err = verify(capsys, save(tmp_path / "x.json", content))
        assert (status, out) == (2, "")
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err

    def test_a_float_is_not_a_record(
        self,
        world: World,
        db: Database,
        clock: FrozenClock,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        text = recorded(world, db, clock).replace(b'"voter_count":4', b'"voter_count":4.0')
        assert b"4.0" in text
        assert verify(capsys, save(tmp_path / "x.json", text))[0] == 2

    def test_no_source_or_two(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert verify(capsys)[0] == 2
        assert verify(capsys, "a.json", "--chain", str(tmp_path))[0] == 2


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def live(app: FastAPI, client: TestClient) -> Iterator[str]:
    """The test's app (the same database as ``world``) served by uvicorn in a thread."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class TestUrl:
    def test_verified_from_a_running_instance(
        self,
        world: World,
        db: Database,
        clock: FrozenClock,
        live: str,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        issue, _, _ = close(world)
        write_due_records(db, clock=clock)
        url = f"{live}/api/v1/issues/{issue}/record"
        assert verify(capsys, "--url", url) == (0, "verified\n", "")
        assert verify(capsys, "--url", f"{live}/api/v1/issues/{issue}")[0] == 0
        token = world.headers["A"]["Authorization"].removeprefix("Bearer ")
        assert verify(capsys, "--url", url, "--token", token)[0] == 0

    def test_a_downloaded_record_altered_fails_against_the_issues_digest(
        self,
        world: World,
        db: Database,
        clock: FrozenClock,
        live: str,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Acceptance 2: download, alter one grade, verify with --digest from the issue."""
        issue, _, _ = close(world)
        write_due_records(db, clock=clock)
        with urllib.request.urlopen(f"{live}/api/v1/issues/{issue}/record") as response:
            document = json.loads(response.read())
        with urllib.request.urlopen(f"{live}/api/v1/issues/{issue}") as response:
            published = json.loads(response.read())["record_digest"]
        assert verify(capsys, save(tmp_path / "ok.json", document), "--digest", published)[0] == 0
        _grade_without_effect(document)
        path = save(tmp_path / "altered.json", redigest(document))
        status, out, _ = verify(capsys, path, "--digest", published)
        assert status == 1 and f"digest: --digest says {published}" in out, out

    @pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
    def test_a_token_for_an_instance_that_asks_for_one(
        self,
        world: World,
        db: Database,
        clock: FrozenClock,
        live: str,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        issue, _, _ = close(world)
        write_due_records(db, clock=clock)
        url = f"{live}/api/v1/issues/{issue}/record"
        status, out, err = verify(capsys, "--url", url)
        assert (status, out) == (2, "") and "401" in err and err.count("\n") == 1
        token = world.headers["E"]["Authorization"].removeprefix("Bearer ")
        assert verify(capsys, "--url", url, "--token", token)[0] == 0

    def test_bad_urls(self, world: World, live: str, capsys: pytest.CaptureFixture[str]) -> None:
        for url in (
            f"{live}/api/v1/issues/999999/record",  # 404
            f"{live}/api/v1/units",  # not a record's URL
            "ftp://example.org/api/v1/issues/1/record",
            f"http://127.0.0.1:{_free_port()}/api/v1/issues/1/record",  # nobody listens
        ):
            status, out, err = verify(capsys, "--url", url)
            assert (status, out) == (2, ""), url
            assert err.startswith("error: ") and err.count("\n") == 1, err


def closes(world: World, db: Database, clock: FrozenClock, count: int) -> list[Document]:
    """``count`` closed issues, their records written one after another: a chain."""
    issues = []
    for n in range(count):
        initiative = world.propose("A", f"Proposal {n}")
        world.support("A", initiative["id"])
        world.to_voting(initiative["issue_id"])
        if n % 2 == 0:
            world.vote("B", initiative["issue_id"], {initiative["id"]: 1})
        world.delegate("C", "B")
        assert world.step(DAY)[0].startswith("finished")
        write_due_records(db, clock=clock)
        issues.append(initiative["issue_id"])
    return [json.loads(record(world, issue).content) for issue in issues]


def save_chain(folder: Path, documents: list[Document]) -> str:
    folder.mkdir()
    for document in documents:
        save(folder / f"issue-{document['issue']['id']}.json", document)
    return str(folder)


class TestChain:
    def test_a_chain_verifies(
        self,
        world: World,
        db: Database,
        clock: FrozenClock,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        documents = closes(world, db, clock, 4)
        assert [d["seq"] for d in documents] == [1, 2, 3, 4]
        folder = save_chain(tmp_path / "all", documents)
        assert verify(capsys, "--chain", folder) == (0, "verified\n", "")
        head = documents[-1]["digest"]
        assert verify(capsys, "--chain", folder, "--digest", head)[0] == 0
        # the later part of the chain, from a digest trusted from elsewhere
        part = save_chain(tmp_path / "part", documents[2:])
        assert verify(capsys, "--chain", part)[0] == 1
        assert verify(capsys, "--chain", part, "--after", documents[1]["digest"])[0] == 0
        assert verify(capsys, "--chain", part, "--after", documents[0]["digest"])[0] == 1
        assert verify(capsys, "--chain", folder, "--digest", documents[0]["digest"])[0] == 1

    @pytest.mark.parametrize("middle", [1, 2])
    def test_an_altered_record_in_the_middle_breaks_it(
        self,
        world: World,
        db: Database,
        clock: FrozenClock,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        middle: int,
    ) -> None:
        documents = closes(world, db, clock, 4)
        altered = documents[middle]
        altered["inputs"]["policy"]["name"] += " (altered)"  # changes no result
        # as altered: its own digest no longer matches
        status, out, _ = verify(capsys, "--chain", save_chain(tmp_path / "a", documents))
        assert status == 1 and f"issue-{altered['issue']['id']}.json: digest" in out, out
        # re-digested by a forger: the next record names the old digest
        redigest(altered)
        status, out, _ = verify(capsys, "--chain", save_chain(tmp_path / "b", documents))
        following = documents[middle + 1]["issue"]["id"]
        assert status == 1 and f"issue-{following}.json: previous_digest" in out, out

    def test_a_missing_record_breaks_it(
        self,
        world: World,
        db: Database,
        clock: FrozenClock,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        documents = closes(world, db, clock, 3)
        del documents[1]
        status, out, _ = verify(capsys, "--chain", save_chain(tmp_path / "c", documents))
        assert status == 1 and "seq 3 follows seq 1" in out, out

    def test_bad_directories(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert verify(capsys, "--chain", str(tmp_path / "nowhere"))[0] == 2
        assert verify(capsys, "--chain", str(tmp_path))[0] == 2  # empty
        (tmp_path / "x.json").write_text("{}")
        status, _, err = verify(capsys, "--chain", str(tmp_path))
        assert status == 2 and err.count("\n") == 1
        assert verify(capsys, "a.json", "--after", "00")[0] == 2
        assert verify(capsys, "a.json", "--token", "secret")[0] == 2


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    return 0  # null


_ROW_KEYS = {
    "initiatives": ("id",),
    "battles": ("winning_initiative_id", "losing_initiative_id"),
    "direct_voters": ("member_id",),
    "delegating_voters": ("member_id",),
}


def _row_name(part: str, row: Document) -> str:
    if part == "initiatives":
        return f"results.initiatives[initiative {row['id']}]"
    if part == "battles":
        won, lost = (
            "status quo" if row[k] is None else f"initiative {row[k]}"
            for k in ("winning_initiative_id", "losing_initiative_id")
        )
        return f"results.battles[{won} over {lost}]"
    return f"results.{part}[member {row['member_id']}]"


class TestEveryResultField:
    def test_each_changed_leaf_is_named(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        """Every value under ``results``, changed alone (the record re-digested), is named by
        its path; a changed row key names the row."""
        original = json.loads(recorded(world, db, clock))
        assert recompute(original) == []
        checked = 0
        for part, value in original["results"].items():
            if not isinstance(value, list):
                document = json.loads(json.dumps(original))
                document["results"][part] = _changed(value)
                assert any(line.startswith(f"results.{part}:") for line in recompute(document))
                checked += 1
                continue
            for index, row in enumerate(value):
                for field in row:
                    document = json.loads(json.dumps(original))
                    document["results"][part][index][field] = _changed(row[field])
                    found = recompute(document)
                    if field in _ROW_KEYS[part]:
                        expected = f"{_row_name(part, row)}: recomputed, missing from the record"
                        assert expected in found, (part, field, found)
                    else:
                        expected = f"{_row_name(part, row)}.{field}: the record says"
                        assert any(line.startswith(expected) for line in found), (expected, found)
                    checked += 1
        assert checked > 40
