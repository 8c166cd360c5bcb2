"""Draft diffs with a bounded amount of work: lines first, then words inside changed lines.

:func:`draft_diff` runs the standard library's :class:`difflib.SequenceMatcher` (with
``autojunk``) under a :class:`Budget` of steps. A step is one position of ``a`` scanned or one
candidate position of ``b`` looked at by ``find_longest_match`` (the loop that dominates the
matcher's cost), or one element of a sequence handed to a matcher; the count is charged *before*
the work is done, so the work of one diff never exceeds the budget, whatever the input (two
100 KB drafts of thousands of near-equal lines included). The budget counts steps, not seconds:
the same two drafts always give the same diff, on any machine.

* Lines are matched first. When the budget runs out there, the diff falls back to a plain line
  diff: the common first and last lines kept, everything between removed and added.
* Within a block of replaced lines, old and new lines are paired in order; a pair whose words are
  at least half the same becomes one ``changed`` row with the removed and inserted words marked
  (a one-word change in a long paragraph shows as that word). Once the budget is spent, the
  remaining pairs are shown as whole removed and added lines.

``difflib.ndiff`` is not used: its ``_fancy_replace`` compares every pair of similar lines
recursively, which took minutes (and ended in ``RecursionError``) on 600 near-equal lines.
"""

import difflib
import re
from collections.abc import Sequence
from itertools import groupby
from typing import Literal, NamedTuple

from markupsafe import Markup, escape

__all__ = ["DEFAULT_BUDGET", "Budget", "BudgetExhausted", "DiffRow", "diff_html", "draft_diff"]

DEFAULT_BUDGET = 400_000
"""Steps one diff may take (two 100 KB drafts of one-word-changed lines need about a third)."""

OVERHEAD = 40
"""Steps charged for each pair of lines compared word by word, each matcher set up and each call
of ``find_longest_match``, so that many tiny comparisons cost what they take too."""

SIMILAR = 0.5
"""A pair of lines sharing at least this share of their words is shown word by word."""

RowKind = Literal["same", "added", "removed", "changed"]
PartKind = Literal["same", "ins", "del"]

_WORDS = re.compile(r"\s+|\w+|[^\w\s]")


class BudgetExhausted(Exception):
    """The diff would take more steps than its budget allows."""


class Budget:
    """A count of steps left; :meth:`spend` raises :class:`BudgetExhausted` past zero."""

    def __init__(self, steps: int) -> None:
        self.left = steps

    def spend(self, steps: int) -> None:
        if steps > self.left:
            self.left = 0
            raise BudgetExhausted
        self.left -= steps


class _BudgetedMatcher(difflib.SequenceMatcher[str]):
    """``SequenceMatcher`` that charges its budget before each ``find_longest_match``."""

    def __init__(self, a: Sequence[str], b: Sequence[str], budget: Budget) -> None:
        budget.spend(OVERHEAD + len(a) + len(b))
        self.budget = budget
        self.first = a
        super().__init__(None, a, b, autojunk=True)
        # Where each element of ``b`` occurs (set by difflib; typeshed does not declare it).
        self.where: dict[str, list[int]] = self.__dict__["b2j"]

    def find_longest_match(
        self, alo: int = 0, ahi: int | None = None, blo: int = 0, bhi: int | None = None
    ) -> difflib.Match:
        top = len(self.first) if ahi is None else ahi
        self.budget.spend(OVERHEAD + top - alo)
        where = self.where
        self.budget.spend(sum(len(where.get(x, ())) for x in self.first[alo:top]))
        return super().find_longest_match(alo, top, blo, bhi)


class DiffRow(NamedTuple):
    """One line of a diff. A ``changed`` row has ``parts``: ``(kind, text)`` with kind
    ``same``, ``del`` (removed words) or ``ins`` (inserted words); ``text`` is then the new line."""

    kind: RowKind
    text: str
    parts: tuple[tuple[PartKind, str], ...] = ()


def draft_diff(old: str, new: str, *, budget: int = DEFAULT_BUDGET) -> list[DiffRow]:
    """The diff of two drafts, line by line and word by word, in at most ``budget`` steps.

    >>> [(r.kind, r.parts) for r in draft_diff("a big cat", "a small cat")]
    [('changed', (('same', 'a '), ('del', 'big'), ('ins', 'small'), ('same', ' cat')))]
    """
    a, b = old.splitlines(), new.splitlines()
    steps = Budget(budget)
    try:
        opcodes = _BudgetedMatcher(a, b, steps).get_opcodes()
    except BudgetExhausted:
        return _plain(a, b)
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            rows += [DiffRow("same", line) for line in a[i1:i2]]
        elif tag == "delete":
            rows += [DiffRow("removed", line) for line in a[i1:i2]]
        elif tag == "insert":
            rows += [DiffRow("added", line) for line in b[j1:j2]]
        else:
            rows += _replace(a[i1:i2], b[j1:j2], steps)
    return rows


def _plain(a: list[str], b: list[str]) -> list[DiffRow]:
    """The fallback: common first and last lines, everything between removed then added."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return [
        *(DiffRow("same", line) for line in a[:start]),
        *(DiffRow("removed", line) for line in a[start : len(a) - end]),
        *(DiffRow("added", line) for line in b[start : len(b) - end]),
        *(DiffRow("same", line) for line in a[len(a) - end :]),
    ]


def _replace(old: list[str], new: list[str], steps: Budget) -> list[DiffRow]:
    """A block of replaced lines: pairs in order, word by word while the budget lasts."""
    rows: list[DiffRow] = []
    start = 0  # old[start:k] and new[start:k] are waiting to be shown as removed and added
    paired = min(len(old), len(new))
    for k in range(paired):
        if not steps.left:  # the budget is spent: everything left is removed and added
            break
        parts = _words(old[k], new[k], steps)
        if parts is None:
            continue
        rows += [DiffRow("removed", x) for x in old[start:k]]
        rows += [DiffRow("added", x) for x in new[start:k]]
        rows.append(DiffRow("changed", new[k], parts))
        start = k + 1
    rows += [DiffRow("removed", x) for x in old[start:]]
    rows += [DiffRow("added", x) for x in new[start:]]
    return rows


def _words(before: str, after: str, steps: Budget) -> tuple[tuple[PartKind, str], ...] | None:
    """The word diff of two lines, or None when they are too different (or the budget is out).
    The common first and last words are set aside before the matcher runs."""
    a, b = _WORDS.findall(before), _WORDS.findall(after)
    shorter = min(len(a), len(b))
    head = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), shorter)
    rest = shorter - head
    tail = next(
        (
            i
            for i, (x, y) in enumerate(zip(reversed(a), reversed(b), strict=False))
            if i == rest or x != y
        ),
        rest,
    )
    middle_a, middle_b = a[head : len(a) - tail], b[head : len(b) - tail]
    try:
        steps.spend(OVERHEAD + len(a) + len(b))
        opcodes: Sequence[tuple[str, int, int, int, int]]
        if set(middle_a).isdisjoint(middle_b):  # nothing in common: no matcher needed
            opcodes = [("replace", 0, len(middle_a), 0, len(middle_b))]
        else:
            opcodes = _BudgetedMatcher(middle_a, middle_b, steps).get_opcodes()
    except BudgetExhausted:
        return None
    same = sum(map(len, a[:head])) + sum(map(len, a[len(a) - tail :]))
    same += sum(len(x) for tag, i1, i2, _, _ in opcodes if tag == "equal" for x in middle_a[i1:i2])
    if 2 * same < SIMILAR * (len(before) + len(after)):
        return None
    parts: list[tuple[PartKind, str]] = [("same", "".join(a[:head]))]
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            parts.append(("same", "".join(middle_a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("del", "".join(middle_a[i1:i2])))
        if j2 > j1:
            parts.append(("ins", "".join(middle_b[j1:j2])))
    parts.append(("same", "".join(a[len(a) - tail :])))
    return tuple((kind, text) for kind, text in parts if text)


_PREFIX = {"same": "  ", "added": "+ ", "removed": "- "}
_MARK = {"ins": ("<ins>", "</ins>"), "del": ("<del>", "</del>"), "same": ("", "")}


def diff_html(rows: list[DiffRow]) -> Markup:
    r"""The rows as the inside of ``<pre class="diff">``: one ``<span class="KIND">`` per run of
    whole lines of one kind (each line prefixed ``+``, ``-`` or blank), one
    ``<span class="changed">`` per changed line with its words in ``<ins>`` and ``<del>``.
    Built here rather than in a template loop: 100 KB of one-character lines are 100,000 rows.

    >>> str(diff_html(draft_diff("a<b\nx", "a<c\nx")))
    '<span class="changed">~ a&lt;<del>b</del><ins>c</ins></span><span class="same">  x</span>'
    """
    out: list[str] = []
    for kind, run in groupby(rows, key=lambda row: row.kind):
        if kind == "changed":
            for row in run:
                words = "".join(
                    f"{_MARK[part][0]}{escape(text)}{_MARK[part][1]}" for part, text in row.parts
                )
                out.append(f'<span class="changed">~ {words}</span>')
        else:
            prefix = _PREFIX[kind]
            lines = "\n".join(f"{prefix}{escape(row.text)}" for row in run)
            out.append(f'<span class="{kind}">{lines}</span>')
    return Markup("".join(out))
