"""Keyset pagination over an integer id: stable under inserts, no offsets."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and the id to continue after (None on the last page).

    ``after`` is the id this page started after (None: the first page); :meth:`previous_after`
    finds where the page before it starts (one more query, only when asked: the web client's
    "Previous" links; the API has no use for it)."""

    items: Sequence[T]
    next_after: int | None
    after: int | None = None
    _previous: Callable[[], int | None] | None = field(default=None, repr=False, compare=False)

    @property
    def has_previous(self) -> bool:
        return self.after is not None

    def previous_after(self) -> int | None:
        """The ``after`` of the page before this one (None: that is the first page)."""
        return self._previous() if self._previous is not None else None


def paginate(
    session: Session,
    statement: SelectOfScalar[T],
    id_column: InstrumentedAttribute[Any] | Any,
    *,
    after: int | None,
    limit: int,
) -> Page[T]:
    """Rows of ``statement`` with id greater than ``after``, ascending, at most ``limit``."""
    base = statement
    if after is not None:
        statement = statement.where(id_column > after)
    rows = list(session.exec(statement.order_by(id_column).limit(limit + 1)))

    def previous() -> int | None:
        """The previous page holds the last ``limit`` rows up to ``after``; it starts after the
        row before them (None: no such row, it is the first page)."""
        if after is None:
            return None
        ids = list(
            session.scalars(
                base.with_only_columns(id_column)
                .where(id_column <= after)
                .order_by(id_column.desc())
                .limit(limit + 1)
            )
        )
        return int(ids[limit]) if len(ids) > limit else None

    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, getattr(rows[-1], id_column.key), after, previous)
    return Page(rows, None, after, previous)
