"""Benchmark the draft diff of the initiative page against a plain render of the same page.

Usage::

    python bench/diff.py              # 7 rounds
    python bench/diff.py --rounds 15 --json

A throw-away SQLite file is migrated, and the real application answers over HTTP (Starlette's
``TestClient``). One initiative holds two drafts of ``CONTENT_MAX`` (100 KB) characters each for
every worst case below; a second initiative holds a single draft of the same 100 KB text, so its
page renders the same Markdown and no diff: that is the baseline.

Worst cases (all two 100 KB drafts of near-identical lines):

* ``one_word``: ~1,300 lines that differ from each other by a number, each with one word changed
  between the drafts (every line is a word-level diff);
* ``shuffled``: 2,000 lines drawn from 150 near-identical sentences, in two different orders
  (the line matcher's worst case: many equal lines in different places);
* ``tiny``: 50,000 one-character lines, all different between the drafts (the most rows).

Each round times one GET of the baseline page and one GET of each diff page
(``?diff_from=&diff_to=``), interleaved, after one warm-up. It prints each case's median,
``diff_s`` (the largest of them), ``render_s`` (the baseline's median) and their ratio; the target
is ``diff_s <= 3 x render_s``. With ``--json`` the last line is one JSON object.
"""

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import migrate
from app.db import Database, create_engine
from app.main import create_app
from proposals.clock import FrozenClock
from proposals.models.deliberation import CONTENT_MAX
from tests.api.world import build_world
from tests.conftest import settings_for_tests


def _fill(lines: list[str]) -> str:
    """Lines joined and cut to exactly CONTENT_MAX characters."""
    text = "\n".join(lines)
    assert len(text) >= CONTENT_MAX, len(text)
    return text[:CONTENT_MAX]


def worst_cases() -> dict[str, tuple[str, str]]:
    line = "Line {0:04d} of the plan: the council shall fund item {0} by {1} the end of the year."
    rng = random.Random(9)
    sentences = [f"The same sentence of the plan, with a small variation {i}." for i in range(150)]
    pool = [sentences[i % 150] for i in range(2000)]
    return {
        "one_word": (
            _fill([line.format(i, "before") for i in range(1400)]),
            _fill([line.format(i, "after") for i in range(1400)]),
        ),
        "shuffled": (
            _fill(rng.sample(pool, len(pool))),
            _fill(rng.sample(pool, len(pool))),
        ),
        "tiny": (_fill(["a"] * 50_001), _fill(["b"] * 50_001)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        migrate.upgrade(url)
        db = Database(create_engine(url))
        clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
        app = create_app(settings_for_tests(database_url=url), database=db, clock=clock)
        with TestClient(app) as client:
            world = build_world(client, db, clock, ["A"])
            cases = worst_cases()
            pages: dict[str, str] = {}
            for name, (old, new) in cases.items():
                created = world.ok(
                    "POST",
                    "/initiatives",
                    "A",
                    json={
                        "name": name,
                        "content": old,
                        "area_id": world.area_id,
                        "policy_id": world.policy_id,
                    },
                )
                second = world.ok(
                    "POST", f"/initiatives/{created['id']}/drafts", "A", json={"content": new}
                )
                first = min(
                    d["id"] for d in world.all_items(f"/initiatives/{created['id']}/drafts")
                )
                pages[name] = (
                    f"/initiatives/{created['id']}?diff_from={first}&diff_to={second['id']}"
                )
                plain = world.ok(
                    "POST",
                    "/initiatives",
                    "A",
                    json={
                        "name": f"{name} (plain)",
                        "content": new,
                        "area_id": world.area_id,
                        "policy_id": world.policy_id,
                    },
                )
                pages[f"{name}/plain"] = f"/initiatives/{plain['id']}"

            times: dict[str, list[float]] = {name: [] for name in pages}
            for round_ in range(args.rounds + 1):
                for name, path in pages.items():
                    started = time.perf_counter()
                    response = client.get(path)
                    elapsed = time.perf_counter() - started
                    assert response.status_code == 200, (name, response.status_code)
                    if round_:  # the first round warms up
                        times[name].append(elapsed)
        db.dispose()

    medians = {name: statistics.median(values) for name, values in times.items()}
    ratios = {name: medians[name] / medians[f"{name}/plain"] for name in cases}
    for name in cases:
        print(
            f"{name:>9}: diff page {medians[name]:.3f} s,"
            f" plain page {medians[name + '/plain']:.3f} s (medians of {args.rounds}),"
            f" ratio {ratios[name]:.2f}"
        )
    worst = max(ratios, key=lambda name: ratios[name])
    diff_s, render_s, ratio = medians[worst], medians[f"{worst}/plain"], ratios[worst]
    print(f"diff_s = {diff_s:.3f} s ({worst}); render_s = {render_s:.3f} s (plain page, same run)")
    print(f"ratio = {ratio:.2f} (target <= 3): {'ok' if ratio <= 3 else 'MISSED'}")
    if args.json:
        print(
            json.dumps(
                {
                    "diff_s": round(diff_s, 4),
                    "render_s": round(render_s, 4),
                    "ratio": round(ratio, 2),
                    "worst_case": worst,
                    "cases": {k: round(v, 4) for k, v in medians.items()},
                }
            )
        )


if __name__ == "__main__":
    main()
