"""The draft diff (app/web/diff.py): bounded work on any two drafts, never an error, words shown
inline for prose. Work is counted, not timed: every ``SequenceMatcher`` comparison is metered."""

import difflib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from app.web.diff import DiffRow, draft_diff
from proposals.models.deliberation import CONTENT_MAX
from tests.api.world import World

WORK_BOUND = 2_000_000
"""Comparisons one page view may make: far above what the budgeted diff needs, far below what
``difflib.ndiff`` needed on main for 600 near-equal lines (minutes, then RecursionError)."""


class WorkExceeded(Exception):
    pass


class _Meter:
    """Counts the work of ``difflib.SequenceMatcher``: each element handed to it, each position
    scanned and each candidate looked at by ``find_longest_match``, each ``quick_ratio`` element."""

    def __init__(self) -> None:
        self.work = 0

    def add(self, amount: int) -> None:
        self.work += amount
        if self.work > WORK_BOUND:
            raise WorkExceeded(self.work)


@pytest.fixture
def meter(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Meter]:
    meter = _Meter()
    matcher = difflib.SequenceMatcher
    find, seq1, seq2, quick = (
        matcher.find_longest_match,
        matcher.set_seq1,
        matcher.set_seq2,
        matcher.quick_ratio,
    )

    def find_longest_match(
        self: Any, alo: int = 0, ahi: Any = None, blo: int = 0, bhi: Any = None
    ) -> Any:
        top = len(self.a) if ahi is None else ahi
        meter.add(1 + top - alo + sum(len(self.b2j.get(x, ())) for x in self.a[alo:top]))
        return find(self, alo, ahi, blo, bhi)

    def set_seq1(self: Any, a: Any) -> None:
        meter.add(1 + len(a))
        seq1(self, a)

    def set_seq2(self: Any, b: Any) -> None:
        meter.add(1 + len(b))
        seq2(self, b)

    def quick_ratio(self: Any) -> float:
        meter.add(1 + len(self.a) + len(self.b))
        return float(quick(self))

    monkeypatch.setattr(matcher, "find_longest_match", find_longest_match)
    monkeypatch.setattr(matcher, "set_seq1", set_seq1)
    monkeypatch.setattr(matcher, "set_seq2", set_seq2)
    monkeypatch.setattr(matcher, "quick_ratio", quick_ratio)
    yield meter


def _initiative_with(world: World, first: str, *later: str) -> tuple[int, list[int]]:
    created = world.ok(
        "POST",
        "/initiatives",
        "A",
        json={
            "name": "Plan",
            "content": first,
            "area_id": world.area_id,
            "policy_id": world.policy_id,
        },
    )
    for content in later:
        world.ok("POST", f"/initiatives/{created['id']}/drafts", "A", json={"content": content})
    drafts = sorted(d["id"] for d in world.all_items(f"/initiatives/{created['id']}/drafts"))
    return created["id"], drafts


def _similar_lines(count: int, word: str) -> str:
    return "\n".join(f"line {i} of the plan says {word} about item {i}" for i in range(count))


def _near_identical_100k(word: str) -> str:
    line = "The council shall fund the cycle lane in street {} by {} the end of the year."
    text = "\n".join(line.format(i, word) for i in range(2000))
    return text[:CONTENT_MAX]


class TestBoundedWork:
    def test_600_similar_lines_take_bounded_work(
        self, client: TestClient, world: World, meter: _Meter
    ) -> None:
        """On main: difflib.ndiff ran for minutes, then raised RecursionError."""
        initiative, (first, second) = _initiative_with(
            world, _similar_lines(600, "this"), _similar_lines(600, "that")
        )
        meter.work = 0
        response = client.get(f"/initiatives/{initiative}?diff_from={first}&diff_to={second}")
        assert response.status_code == 200
        assert meter.work <= WORK_BOUND
        assert response.text.count('<span class="changed">') == 600

    def test_two_100_kb_drafts_take_bounded_work(
        self, client: TestClient, world: World, meter: _Meter
    ) -> None:
        old, new = _near_identical_100k("before"), _near_identical_100k("after")
        assert len(old) == len(new) == CONTENT_MAX
        initiative, (first, second) = _initiative_with(world, old, new)
        meter.work = 0
        response = client.get(f"/initiatives/{initiative}?diff_from={first}&diff_to={second}")
        assert response.status_code == 200
        assert meter.work <= WORK_BOUND
        assert "<del>before</del><ins>after</ins>" in response.text

    @pytest.mark.parametrize("budget", [0, 50, 5_000])
    def test_past_the_budget_it_falls_back_to_a_plain_line_diff(self, budget: int) -> None:
        old = "same\n" + _similar_lines(50, "this") + "\nend"
        new = "same\n" + _similar_lines(50, "that") + "\nend"
        rows = draft_diff(old, new, budget=budget)
        assert rows == draft_diff(old, new, budget=budget)  # deterministic
        assert rows[0] == DiffRow("same", "same") and rows[-1] == DiffRow("same", "end")
        if budget == 0:
            kinds = [r.kind for r in rows]
            assert kinds == ["same"] + ["removed"] * 50 + ["added"] * 50 + ["same"]


class TestWords:
    def test_a_one_word_change_in_a_long_paragraph_shows_that_word(
        self, client: TestClient, world: World
    ) -> None:
        words = [f"word{i}" for i in range(400)]
        changed = [*words]
        changed[200] = "replaced"
        initiative, _ = _initiative_with(world, " ".join(words), " ".join(changed))
        page = client.get(f"/initiatives/{initiative}").text
        diff = re.search(r'<pre class="diff".*?</pre>', page, re.S)
        assert diff is not None
        assert "<del>word200</del><ins>replaced</ins>" in diff.group(0)
        assert '<span class="removed">' not in diff.group(0)
        assert '<span class="added">' not in diff.group(0)

    def test_identical_drafts_show_only_unchanged_lines(self) -> None:
        text = "# Title\n\nSame text.\n"
        assert draft_diff(text, text) == [
            DiffRow("same", "# Title"),
            DiffRow("same", ""),
            DiffRow("same", "Same text."),
        ]

    def test_empty_drafts(self) -> None:
        assert draft_diff("", "") == []
        assert draft_diff("", "new") == [DiffRow("added", "new")]
        assert draft_diff("old", "") == [DiffRow("removed", "old")]

    def test_different_lines_are_removed_and_added_not_inlined(self) -> None:
        assert draft_diff("keep\nnew line", "keep\nthird") == [
            DiffRow("same", "keep"),
            DiffRow("removed", "new line"),
            DiffRow("added", "third"),
        ]


_TEXT = st.text(alphabet=st.sampled_from("ab c\n.\t"), max_size=300)
_LINES = st.lists(st.sampled_from(["a b c", "a b d", "a", "", "x y", " b c"]), max_size=60).map(
    "\n".join
)


class TestNeverRaises:
    @settings(max_examples=150, deadline=None)
    @given(
        old=st.one_of(_TEXT, _LINES),
        new=st.one_of(_TEXT, _LINES),
        budget=st.sampled_from([0, 40, 300, 400_000]),
    )
    def test_any_two_drafts_diff_back_to_both(self, old: str, new: str, budget: int) -> None:
        rows = draft_diff(old, new, budget=budget)
        old_side = [
            "".join(t for k, t in r.parts if k != "ins") if r.kind == "changed" else r.text
            for r in rows
            if r.kind != "added"
        ]
        new_side = [r.text for r in rows if r.kind != "removed"]
        assert old_side == old.splitlines()
        assert new_side == new.splitlines()
        for row in rows:
            if row.kind == "changed":
                assert "".join(t for k, t in row.parts if k != "del") == row.text
