"""Insert-or-update in one statement, so two requests of one member never both insert a row.

Two identical requests at the same moment (a double-clicked form, a retried call) would both
find no row and both insert it; one would then fail on the unique key with a 500. ``ON CONFLICT``
makes the second wait for the first and then update (or keep) the row instead.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel


def dialect_insert(session: Session) -> Any:
    """``INSERT`` of the session's dialect, which knows ``ON CONFLICT``."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def upsert(
    session: Session,
    model: type[SQLModel],
    values: Mapping[str, Any],
    *,
    keys: Sequence[str],
    update: Mapping[str, Any] | None = None,
) -> None:
    """Insert ``values``; on a conflict on ``keys`` set ``update`` (or keep the row as it is)."""
    statement = dialect_insert(session)(model).values(**values)
    if update:
        statement = statement.on_conflict_do_update(index_elements=list(keys), set_=dict(update))
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    session.execute(statement)
