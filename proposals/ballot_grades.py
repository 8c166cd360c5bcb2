"""The grades of a closing issue's ballots as integer arrays (DESIGN.md §4, issue 13).

At a large close (1,000,000 members, ~100,000 ballots, ~318,000 grades) a Python dict per
voter -- built from the rows, flattened back into arrays for the vote entries, walked once per
voter by the tally's merge and once per secret ballot for the anonymous ones -- cost about a
third of a second. Here the grades stay three aligned columns read without a Python object per
row (:func:`~proposals.graphs.int_columns`), and a ballot's content is one row of a matrix:

* :meth:`CastGrades.contents` -- each ballot's grades as ``(initiative, grade)`` pairs by
  initiative, flattened and padded with :data:`PAD`; a stored grade 0 is a pair, a missing
  grade is none (as in the live tables).
* :func:`group_contents` -- ballots of equal content together, in the order Python gives the
  contents as tuples of pairs (shorter first on a common prefix).

The rules stay where they are: the tally (:func:`delegation.tally_ballots`) gets the ballots
pre-merged by content with their weights summed (:func:`merged_ballots`), which its own merge
would have done; :func:`proposals.lifecycle._anonymous` orders the anonymous ballots.
"""

from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session, col

from delegation import Ballot
from delegation.arrays import Ids, as_ids
from proposals.graphs import int_columns
from proposals.models import BallotGrade

__all__ = [
    "PAD",
    "CastGrades",
    "cast_grades",
    "group_contents",
    "load_cast_grades",
    "merged_ballots",
]

PAD = np.iinfo(np.int64).min
"""Fills a content row after its last pair: below every id and grade, so a shorter content
sorts before a longer one that begins with it, as tuples do."""


@dataclass(frozen=True, eq=False)
class CastGrades:
    """The grades of the ballots that count at a close; treat the arrays as read-only.

    Attributes
    ----------
    casters : array of int64
        The members whose ballots count, sorted (with or without grades).
    members, initiatives, grades : arrays of int64
        One entry per stored grade of a caster, sorted by member, then initiative.
    """

    casters: Ids
    members: Ids
    initiatives: Ids
    grades: Ids

    def contents(self, ids: Ids) -> Ids:
        """The ballot of each of ``ids`` (casters) as one row: its ``(initiative, grade)``
        pairs by initiative, flattened, then :data:`PAD` up to the widest ballot's width."""
        if not np.isin(ids, self.casters).all():
            raise ValueError("a ballot asked for is not a caster's")
        return self._matrix[np.searchsorted(self.casters, ids)]

    @cached_property
    def _matrix(self) -> Ids:
        """:meth:`contents` of every caster, in the order of ``casters``."""
        rows = np.searchsorted(self.casters, self.members)
        slot = np.arange(len(self.members)) - np.searchsorted(self.members, self.members)
        width = int(slot.max()) + 1 if len(slot) else 1
        matrix = np.full((len(self.casters), 2 * width), PAD, dtype=np.int64)
        matrix[rows, 2 * slot] = self.initiatives
        matrix[rows, 2 * slot + 1] = self.grades
        return matrix

    def graded(self) -> set[int]:
        """The initiatives some counted ballot grades."""
        return set(np.unique(self.initiatives).tolist())


def cast_grades(casters: Ids, members: Ids, initiatives: Ids, grades: Ids) -> CastGrades:
    """:class:`CastGrades` from stored grade rows in any order; rows of members who are not
    ``casters`` are dropped (DESIGN.md §4: their ballots do not count)."""
    kept = np.isin(members, casters)
    members, initiatives, grades = members[kept], initiatives[kept], grades[kept]
    order = np.lexsort((initiatives, members))
    return CastGrades(np.unique(casters), members[order], initiatives[order], grades[order])


def load_cast_grades(session: Session, issue_id: int, casters: Ids) -> CastGrades:
    """The stored grades of ``casters`` on the issue, read as integer columns."""
    rows = sa.select(
        col(BallotGrade.member_id), col(BallotGrade.initiative_id), col(BallotGrade.grade)
    ).where(col(BallotGrade.issue_id) == issue_id)
    columns = int_columns(session, cast("sa.Select[Any]", rows))
    return cast_grades(casters, *columns)


def group_contents(contents: Ids) -> tuple[Ids, Ids]:
    """Rows of :meth:`CastGrades.contents` ordered as Python orders their contents as tuples of
    pairs, equal ones together: the order (indices into ``contents``) and each sorted row's
    group number (0, 1, ... by content)."""
    order = np.lexsort(contents.T[::-1])
    ordered = contents[order]
    changes = np.any(ordered[1:] != ordered[:-1], axis=1)
    return order, np.concatenate(([0], np.cumsum(changes))).astype(np.int64)[: len(order)]


def merged_ballots(grades: CastGrades, voters: Ids, weights: Ids) -> list[Ballot]:
    """The ballots of ``voters`` (weighted by ``weights``) for :func:`delegation.tally_ballots`,
    one per content with the weights of its voters summed -- what the tally's own merge
    (:func:`delegation.merge_ballots`) does first, without a Python step per voter. Grades of
    initiatives that are not admitted are passed on as stored, for the tally to refuse."""
    contents = grades.contents(voters)
    order, groups = group_contents(contents)
    starts = np.flatnonzero(np.diff(groups, prepend=-1))
    sums = np.add.reduceat(as_ids(weights)[order], starts) if len(starts) else starts
    firsts = contents[order[starts]].tolist()
    return [
        (weight, {i: g for i, g in zip(row[0::2], row[1::2], strict=True) if i != PAD})
        for weight, row in zip(sums.tolist(), firsts, strict=True)
    ]
