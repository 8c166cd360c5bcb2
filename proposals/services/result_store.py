"""Writes and reads of ``result_block`` rows (issue 13): a closed issue's votes and delegating
voters in compact blocks (:mod:`proposals.result_blocks`), read by key -- one page, some members,
or the whole list piece by piece -- from the blocks holding those keys only, through the primary
key ``(issue_id, kind, first_key)``.
"""

import struct
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlmodel import Session, col

from proposals import result_blocks
from proposals.bulk import copy_binary
from proposals.models import DelegatingVoter, ResultBlock, Vote
from proposals.services.paging import Page

T = TypeVar("T")


STREAM_BATCH = 64
"""Blocks read per query while streaming a whole list (bounds what is in memory)."""

_TABLE: sa.Table = ResultBlock.__table__  # type: ignore[attr-defined]
_COLUMNS = ("issue_id", "kind", "first_key", "last_key", "count", "data")


def insert_blocks(
    session: Session, issue_id: int, kind: str, blocks: Sequence[result_blocks.Block]
) -> None:
    """Write an issue's blocks of ``kind``: on PostgreSQL one ``COPY`` in the binary format
    (the bytes as they are, no escaping; a few hundred rows, each packed by one ``struct``
    call), elsewhere one ``executemany``."""
    if not blocks:
        return
    if session.connection().dialect.name == "postgresql":
        name = kind.encode()
        head = struct.pack(f">hiii{len(name)}s", 6, 4, issue_id, len(name), name)
        data = b"".join(
            head
            + struct.pack(">iiiiiii", 4, b.first_key, 4, b.last_key, 4, b.count, len(b.data))
            + b.data
            for b in blocks
        )
        copy_binary(session, ResultBlock, _COLUMNS, data)
        return
    session.flush()
    values = [
        {
            "issue_id": issue_id,
            "kind": kind,
            "first_key": b.first_key,
            "last_key": b.last_key,
            "count": b.count,
            "data": b.data,
        }
        for b in blocks
    ]
    session.connection().execute(sa.insert(_TABLE), values)


def _blocks(
    session: Session,
    issue_id: int,
    kind: str,
    where: sa.ColumnElement[bool],
    *,
    descending: bool = False,
    batch: int,
) -> Iterator[tuple[int, bytes]]:
    """``(first_key, data)`` of the issue's blocks of ``kind`` matching ``where``, by first key
    (descending if asked), ``batch`` per query."""
    first_key = col(ResultBlock.first_key)
    order = first_key.desc() if descending else first_key
    bound: int | None = None
    while True:
        statement = (
            sa.select(first_key, col(ResultBlock.data))
            .where(col(ResultBlock.issue_id) == issue_id, col(ResultBlock.kind) == kind, where)
            .order_by(order)
            .limit(batch)
        )
        if bound is not None:
            statement = statement.where(first_key < bound if descending else first_key > bound)
        rows = session.execute(statement).all()
        for first, data in rows:
            yield int(first), bytes(data)
        if len(rows) < batch:
            return
        bound = int(rows[-1][0])


def _holding(
    session: Session, issue_id: int, kind: str, key: int, *columns: Any
) -> tuple[Any, ...] | None:
    """``columns`` of the block that may hold ``key``: the last block starting at or before it
    (an indexed lookup); None if every block starts after it."""
    row = session.execute(
        sa.select(*columns)
        .where(
            col(ResultBlock.issue_id) == issue_id,
            col(ResultBlock.kind) == kind,
            col(ResultBlock.first_key) <= key,
        )
        .order_by(col(ResultBlock.first_key).desc())
        .limit(1)
    ).first()
    return None if row is None else tuple(row)


def _start(session: Session, issue_id: int, kind: str, key: int) -> int | None:
    """The first key of the block that may hold ``key`` (:func:`_holding`), if any."""
    block = _holding(session, issue_id, kind, key, col(ResultBlock.first_key))
    return None if block is None else int(block[0])


def _enough(want: int) -> int:
    """Blocks to read at once for ``want`` entries from some key on: the first block may hold
    one of them only, each further one up to :data:`~proposals.result_blocks.BLOCK` (more are
    read, a batch at a time, if blocks hold fewer)."""
    return want // result_blocks.BLOCK + 2


def _forward(
    session: Session, issue_id: int, kind: str, after: int | None, want: int
) -> list[tuple[int, Any]]:
    """Up to ``want`` ``(key, entry)`` with keys greater than ``after``, ascending."""
    start = None if after is None else _start(session, issue_id, kind, after + 1)
    where = sa.true() if start is None else col(ResultBlock.first_key) >= start
    found: list[tuple[int, Any]] = []
    for first, data in _blocks(session, issue_id, kind, where, batch=_enough(want)):
        entries = result_blocks.decode(kind, data)
        for key, entry in zip(
            result_blocks.keys(kind, first, entries), entries.tolist(), strict=True
        ):
            if after is None or key > after:
                found.append((key, entry))
                if len(found) == want:
                    return found
    return found


def _backward(session: Session, issue_id: int, kind: str, upto: int, want: int) -> list[int]:
    """Up to ``want`` keys not greater than ``upto``, descending."""
    found: list[int] = []
    where = col(ResultBlock.first_key) <= upto
    for first, data in _blocks(
        session, issue_id, kind, where, descending=True, batch=_enough(want)
    ):
        keys = result_blocks.keys(kind, first, result_blocks.decode(kind, data))
        for key in reversed(keys):
            if key <= upto:
                found.append(key)
                if len(found) == want:
                    return found
    return found


def page(
    session: Session,
    issue_id: int,
    kind: str,
    make: Callable[[int, Any], T],
    *,
    after: int | None,
    limit: int,
) -> Page[T]:
    """Keyset pagination over the issue's list of ``kind``, as
    :func:`proposals.services.paging.paginate` over rows: entries with keys greater than
    ``after``, ascending, at most ``limit``, each made into an item by ``make(key, entry)``."""
    rows = _forward(session, issue_id, kind, after, limit + 1)

    def previous() -> int | None:
        """The previous page holds the last ``limit`` entries up to ``after``; it starts after
        the entry before them (None: no such entry, it is the first page)."""
        if after is None:
            return None
        keys = _backward(session, issue_id, kind, after, limit + 1)
        return keys[limit] if len(keys) > limit else None

    items = [make(key, entry) for key, entry in rows[:limit]]
    next_after = rows[limit - 1][0] if len(rows) > limit else None
    return Page(items, next_after, after, previous)


def entries(session: Session, issue_id: int, kind: str) -> Iterator[tuple[int, Any]]:
    """Every ``(key, entry)`` of the issue's list of ``kind`` in key order, read
    :data:`STREAM_BATCH` blocks at a time (never the whole list in memory)."""
    for first, data in _blocks(session, issue_id, kind, sa.true(), batch=STREAM_BATCH):
        decoded = result_blocks.decode(kind, data)
        yield from zip(result_blocks.keys(kind, first, decoded), decoded.tolist(), strict=True)


def column(session: Session, issue_id: int, kind: str, field: str) -> npt.NDArray[Any]:
    """One field of every entry of the issue's list of ``kind``, in key order (the whole list:
    for writers, never for a read of one member)."""
    parts = [
        result_blocks.decode(kind, data)[field]
        for _, data in _blocks(session, issue_id, kind, sa.true(), batch=STREAM_BATCH)
    ]
    if not parts:
        return np.zeros(0, dtype=result_blocks.DTYPES[kind][field])
    return np.concatenate(parts)


def vote(issue_id: int, key: int, entry: tuple[int, int, int, bytes]) -> Vote:
    """The :class:`Vote` of a ``vote`` entry at position ``key``."""
    member_id, initiative_id, grade, ballot_id = entry
    return Vote(
        id=key,
        issue_id=issue_id,
        member_id=member_id or None,
        initiative_id=initiative_id,
        grade=grade,
        ballot_id=ballot_id.decode("ascii") or None,
    )


def vote_page(session: Session, issue_id: int, *, after: int | None, limit: int) -> Page[Vote]:
    return page(
        session, issue_id, "vote", lambda k, e: vote(issue_id, k, e), after=after, limit=limit
    )


def issue_votes(session: Session, issue_id: int) -> Iterator[Vote]:
    """Every stored vote of the issue, by position."""
    for key, entry in entries(session, issue_id, "vote"):
        yield vote(issue_id, key, entry)


def delegating_voter(issue_id: int, entry: tuple[int, int, int, int]) -> DelegatingVoter:
    """The :class:`DelegatingVoter` of a ``delegating_voter`` entry."""
    member_id, trustee_id, weight, scope = entry
    return DelegatingVoter(issue_id, member_id, trustee_id, weight, result_blocks.SCOPES[scope])


def delegating_page(
    session: Session, issue_id: int, *, after: int | None, limit: int
) -> Page[DelegatingVoter]:
    return page(
        session,
        issue_id,
        "delegating_voter",
        lambda _, e: delegating_voter(issue_id, e),
        after=after,
        limit=limit,
    )


def issue_delegating_voters(session: Session, issue_id: int) -> Iterator[DelegatingVoter]:
    """Every stored delegating voter of the issue, by member id."""
    for _, entry in entries(session, issue_id, "delegating_voter"):
        yield delegating_voter(issue_id, entry)


def delegating_voters_among(
    session: Session, issue_id: int, member_ids: Iterable[int]
) -> dict[int, DelegatingVoter]:
    """The stored delegating voters among ``member_ids`` (:func:`among`)."""
    found = among(session, issue_id, "delegating_voter", member_ids)
    return {member: delegating_voter(issue_id, entry) for member, entry in found.items()}


def among(session: Session, issue_id: int, kind: str, member_ids: Iterable[int]) -> dict[int, Any]:
    """The entries of the issue's list of ``kind`` (one keyed by member id) among
    ``member_ids``: one indexed lookup of the block that may hold each asked member not already
    answered by a block read before (members close together share a block), never the issue's
    whole list."""
    wanted = sorted(set(member_ids))
    found: dict[int, Any] = {}
    index = 0
    while index < len(wanted):
        block = _holding(
            session,
            issue_id,
            kind,
            wanted[index],
            col(ResultBlock.last_key),
            col(ResultBlock.data),
        )
        if block is None or block[0] < wanted[index]:
            index += 1  # in no block: not in the list
            continue
        decoded = result_blocks.decode(kind, bytes(block[1]))
        members = decoded["member_id"].tolist()
        while index < len(wanted) and wanted[index] <= block[0]:
            at = bisect_left(members, wanted[index])
            if at < len(members) and members[at] == wanted[index]:
                found[wanted[index]] = decoded[at].tolist()
            index += 1
    return found


def at_positions(
    session: Session, issue_id: int, kind: str, spans: Sequence[tuple[int, int]]
) -> list[list[Any]]:
    """The entries of each span ``(first position, count)`` of the issue's positional list of
    ``kind`` (:data:`~proposals.result_blocks.POSITIONAL`): the blocks holding them are found by
    their first keys (:func:`~proposals.result_blocks.block_start`), read by the primary key in
    one query per :data:`STREAM_BATCH` blocks."""
    starts = sorted(
        {
            result_blocks.block_start(position)
            for first, count in spans
            for position in range(first, first + count, result_blocks.BLOCK)
        }
        | {result_blocks.block_start(first + count - 1) for first, count in spans if count}
    )
    blocks: dict[int, Any] = {}
    for batch in range(0, len(starts), STREAM_BATCH):
        keys = starts[batch : batch + STREAM_BATCH]
        rows = session.execute(
            sa.select(col(ResultBlock.first_key), col(ResultBlock.data)).where(
                col(ResultBlock.issue_id) == issue_id,
                col(ResultBlock.kind) == kind,
                col(ResultBlock.first_key).in_(keys),
            )
        )
        blocks.update((int(first), result_blocks.decode(kind, bytes(data))) for first, data in rows)
    found = []
    for first, count in spans:
        entries = []
        for position in range(first, first + count):
            start = result_blocks.block_start(position)
            entries.append(blocks[start][position - start].tolist())
        found.append(entries)
    return found
