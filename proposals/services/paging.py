"""Keyset pagination over an integer id: stable under inserts, no offsets."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and the id to continue after (None on the last page)."""

    items: Sequence[T]
    next_after: int | None


def paginate(
    session: Session,
    statement: SelectOfScalar[T],
    id_column: InstrumentedAttribute[Any] | Any,
    *,
    after: int | None,
    limit: int,
) -> Page[T]:
    """Rows of ``statement`` with id greater than ``after``, ascending, at most ``limit``."""
    if after is not None:
        statement = statement.where(id_column > after)
    rows = list(session.exec(statement.order_by(id_column).limit(limit + 1)))
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, getattr(rows[-1], id_column.key))
    return Page(rows, None)
