"""``bench/lifecycle.py`` end to end at a small size (issue 13): it runs, every issue's snapshot
is really taken in the measured run, and the JSON carries the keys the targets are read from.
Nothing here is timed: performance is the benchmark's to print, never a test's to assert."""

import json

import pytest

from bench.lifecycle import main


@pytest.fixture(autouse=True)
def postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("the benchmark's floor, COPY and lock waits need PostgreSQL")


def test_lifecycle_bench_takes_every_snapshot_and_reports_its_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    returned = main(["--members", "2000", "--issues", "3", "--json"])

    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed == returned
    assert {"run_s", "floor_s", "snapshots_taken", "max_lock_wait_s"} <= printed.keys()
    assert printed["issues"] == 3
    assert printed["snapshots_taken"] == 3
    assert printed["snapshots_computed"] == 3
    assert printed["writes_during_run"] >= 1
    assert printed["max_lock_wait_s"] > 0
    assert printed["floor_s"] > 0
    assert printed["floor_s"] == pytest.approx(
        printed["floor_read_s"] + printed["floor_write_s"], abs=0.002
    )
