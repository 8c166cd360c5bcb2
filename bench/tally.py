"""Benchmark the delegation engine: cold and warm resolution, Schulze tally, peak RSS, baseline.

Usage::

    python bench/tally.py                         # 10k, 100k and 1M members, a table
    python bench/tally.py --members 1000000 --json

Per size it prints

* ``cold_s``: ``build_unit_graph`` + ``build_overrides`` + ``resolve`` from plain row lists (what
  the first issue of a unit costs in a lifecycle run);
* ``warm_s``: ``build_overrides`` + ``resolve`` with the unit graph reused (every later issue of the
  unit), median of 5 runs; this yields weights, lost and absent counts (a snapshot's needs); the
  table also shows the time to materialise every delegator's intermediate weight, trustee and
  scope (what closing a vote additionally reads);
* ``schulze_s``: ``tally_ballots`` on 100k weighted ballots and 4 initiatives (the electorate's
  own ballots with their resolved weights, padded with weight-1 ballots to 100k), median of 5;
* ``peak_rss_mib``: peak resident set size of this process so far (``resource``);
* ``baseline_s``: a plain-array numpy resolver on the same rows (precedence, eligibility,
  pointer jumping, ``bincount``), from columns already in memory; it computes participants'
  weights only.  The script checks that both resolvers agree.

With ``--json`` the last line is one JSON object with the keys ``members``, ``delegation_rows``,
``voters``, ``cold_s``, ``warm_s``, ``schulze_s``, ``peak_rss_mib``, ``baseline_s``.
"""

import argparse
import gc
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import Electorate, IntArray, generate_electorate
from delegation import (
    Ballot,
    Resolution,
    build_overrides,
    build_unit_graph,
    resolve,
    tally_ballots,
)

SCHULZE_BALLOTS = 100_000


def numpy_baseline(e: Electorate) -> tuple[IntArray, IntArray]:
    """Resolve participants' weights with plain arrays: returns (participant ids, weights)."""
    n = e.members
    absent, lost = n + 1, n + 2
    eligible = np.zeros(n + 3, dtype=bool)
    eligible[e.columns["eligible"][0]] = True
    voter = np.zeros(n + 3, dtype=bool)
    voter[e.columns["voters"][0]] = True
    voter &= eligible
    target = np.full(n + 3, -2, dtype=np.int64)  # -2: no row
    for scope in ("unit", "area", "issue"):  # later scopes take precedence
        trusters, trustees = e.columns[scope]
        target[trusters] = trustees
    nxt = np.arange(n + 3, dtype=np.int64)
    ids = np.arange(n + 3, dtype=np.int64)
    has = target >= 0
    to_eligible = np.zeros(n + 3, dtype=bool)
    to_eligible[has] = eligible[target[has]]
    nxt[has & to_eligible] = target[has & to_eligible]
    nxt[has & ~to_eligible] = lost
    nxt[~has] = absent
    nxt[voter] = ids[voter]
    nxt[~eligible] = lost
    nxt[absent], nxt[lost] = absent, lost
    for _ in range(int(np.ceil(np.log2(n + 3))) + 1):
        nxt = nxt[nxt]
    reached = voter[nxt] & eligible
    counts = np.bincount(nxt[reached], minlength=n + 3)
    participants = np.flatnonzero(voter)
    return participants, counts[participants]


CPU: dict[str, float] = {}


def median_time(fn: Any, repeat: int, name: str) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs (median CPU time goes to ``CPU[name]``)."""
    times = []
    cpu = []
    result = None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU[name] = statistics.median(cpu)
    return statistics.median(times), result


def schulze_ballots(e: Electorate, resolution: Resolution) -> dict[int, Ballot]:
    ballots: dict[int, Ballot] = {
        v: (w, e.grades.get(v, {})) for v, w in resolution.weights.items()
    }
    grades = list(e.grades.values()) or [{}]
    extra = 10 * (e.members + 10)
    k = 0
    while len(ballots) < SCHULZE_BALLOTS:
        ballots[extra + k] = (1, grades[k % len(grades)])
        k += 1
    return ballots


def run(members: int, seed: int) -> dict[str, Any]:
    e = generate_electorate(members, seed)
    gc.collect()

    start, start_cpu = time.perf_counter(), time.process_time()
    graph = build_unit_graph(e.eligible, e.unit_rows)
    cold_resolution = resolve(graph, e.voters, build_overrides(graph, e.area_rows, e.issue_rows))
    cold = time.perf_counter() - start
    CPU["cold"] = time.process_time() - start_cpu

    warm, resolution = median_time(
        lambda: resolve(graph, e.voters, build_overrides(graph, e.area_rows, e.issue_rows)),
        5,
        "warm",
    )
    materialize, _ = median_time(
        lambda: (
            dict(resolution.intermediate_weights.items()),
            dict(resolution.trustees.items()),
            dict(resolution.scopes.items()),
        ),
        1,
        "materialize",
    )
    assert resolution == cold_resolution
    assert sum(resolution.weights.values()) + resolution.lost_count + resolution.absent_count == (
        resolution.eligible_count
    )

    ballots = schulze_ballots(e, resolution)
    schulze, _ = median_time(lambda: tally_ballots(ballots, e.initiatives), 5, "schulze")

    baseline, (ids, weights) = median_time(lambda: numpy_baseline(e), 3, "baseline")
    assert dict(zip(ids.tolist(), weights.tolist(), strict=True)) == resolution.weights

    return {
        "members": members,
        "delegation_rows": e.delegation_rows,
        "voters": len(e.voters),
        "cold_s": round(cold, 4),
        "warm_s": round(warm, 4),
        "schulze_s": round(schulze, 4),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "baseline_s": round(baseline, 4),
        "materialize_s": round(materialize, 4),
        "cpu": {k: round(v, 4) for k, v in CPU.items()},
        "delegating_counted": len(resolution.intermediate_weights),
        "lost": resolution.lost_count,
        "absent": resolution.absent_count,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, action="append", help="size (repeatable)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args(argv)
    sizes = args.members or [10_000, 100_000, 1_000_000]
    results = [run(n, args.seed) for n in sizes]
    header = (
        f"{'members':>9} {'rows':>8} {'voters':>7} {'cold_s':>7} {'warm_s':>7} "
        f"{'schulze_s':>9} {'rss_MiB':>8} {'numpy_s':>8} {'warm/numpy':>10}"
    )
    print(header)
    for r in results:
        ratio = r["warm_s"] / r["baseline_s"] if r["baseline_s"] else float("nan")
        print(
            f"{r['members']:>9} {r['delegation_rows']:>8} {r['voters']:>7} {r['cold_s']:>7.3f} "
            f"{r['warm_s']:>7.3f} {r['schulze_s']:>9.3f} {r['peak_rss_mib']:>8.1f} "
            f"{r['baseline_s']:>8.3f} {ratio:>10.1f}"
        )
        print(
            f"{'':>9} cpu seconds: cold {r['cpu']['cold']:.3f}, warm {r['cpu']['warm']:.3f}, "
            f"schulze {r['cpu']['schulze']:.3f}, numpy {r['cpu']['baseline']:.3f}; "
            f"materialising all delegators' weight/trustee/scope {r['materialize_s']:.3f} s; "
            f"{r['delegating_counted']} delegators counted, {r['lost']} lost, "
            f"{r['absent']} absent"
        )
    if args.json:
        keys = (
            "members",
            "delegation_rows",
            "voters",
            "cold_s",
            "warm_s",
            "schulze_s",
            "peak_rss_mib",
            "baseline_s",
        )
        print(json.dumps({k: results[-1][k] for k in keys}))


if __name__ == "__main__":
    main()
