"""``liquidpolicy export``: every public record as one JSON document, streamed.

Public means what the API shows at the ``pseudonym`` level (DESIGN.md §5): never password
hashes, tokens, emails, live ballots, idempotency records or login failures. Rows are read in
batches and written as they come, so memory stays flat however large the database is. On a
terminal a progress bar goes to standard error.
"""

import codecs
import dataclasses
import json
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from proposals.models import (
    Area,
    Battle,
    DelegatingVoter,
    Delegation,
    DirectVoter,
    Draft,
    Event,
    Initiative,
    Initiator,
    Issue,
    IssueRecord,
    Member,
    Opinion,
    Policy,
    Privilege,
    ResultBlock,
    Suggestion,
    Unit,
    Vote,
)
from proposals.services.records import served_chunks
from proposals.services.result_store import issue_delegating_voters, issue_votes

BATCH = 1000

# (section name, model, the columns to leave out)
SECTIONS: list[tuple[str, type[SQLModel] | type[DelegatingVoter] | type[Vote], frozenset[str]]] = [
    ("members", Member, frozenset({"password_hash", "email"})),
    ("units", Unit, frozenset()),
    ("privileges", Privilege, frozenset()),
    ("areas", Area, frozenset()),
    ("policies", Policy, frozenset()),
    ("issues", Issue, frozenset()),
    ("initiatives", Initiative, frozenset()),
    ("initiators", Initiator, frozenset()),
    ("drafts", Draft, frozenset()),
    ("suggestions", Suggestion, frozenset()),
    ("opinions", Opinion, frozenset()),
    ("delegations", Delegation, frozenset()),
    ("direct_voters", DirectVoter, frozenset()),
    ("delegating_voters", DelegatingVoter, frozenset()),
    ("votes", Vote, frozenset()),
    ("battles", Battle, frozenset()),
    ("events", Event, frozenset()),
]


# Sections stored as result blocks (issue 13), by kind.
BLOCKS: dict[type[Any], str] = {Vote: "vote", DelegatingVoter: "delegating_voter"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


def _rows(
    session: Session,
    model: type[SQLModel] | type[DelegatingVoter] | type[Vote],
    leave_out: frozenset[str],
) -> Iterator[dict[str, Any]]:
    if model in BLOCKS:
        yield from _blocked(session, BLOCKS[model])
        return
    table = model.__table__  # type: ignore[union-attr]
    columns = [c for c in table.columns if c.name not in leave_out]
    statement = sa.select(*columns).order_by(*table.primary_key.columns)
    if model is Suggestion:
        statement = statement.where(table.c.removed_at.is_(None))
    result = session.execute(statement.execution_options(yield_per=BATCH))
    for row in result:
        yield {c.name: _plain(row[i]) for i, c in enumerate(columns)}


def _blocked(session: Session, kind: str) -> Iterator[dict[str, Any]]:
    """Issue 13: the votes or delegating voters, stored in blocks, as the rows they were (a
    vote's ``id`` its position in the issue), by issue and key."""
    issues = session.scalars(
        sa.select(col(ResultBlock.issue_id))
        .where(col(ResultBlock.kind) == kind)
        .distinct()
        .order_by(col(ResultBlock.issue_id))
    ).all()
    read = issue_votes if kind == "vote" else issue_delegating_voters
    for issue_id in issues:
        for entry in read(session, issue_id):
            yield dataclasses.asdict(entry)


def count_blocked(session: Session, kind: str) -> int:
    """How many entries :func:`_blocked` exports."""
    total = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(col(ResultBlock.count)), 0)).where(
            col(ResultBlock.kind) == kind
        )
    ).scalar_one()
    return int(total)


def _records(session: Session, out: IO[str], bar: "Progress") -> int:
    """Issue 12: each record as served (``GET /issues/{id}/record``, the same characters),
    chunk by chunk, beside its chain position; in chain order."""
    written = 0
    out.write(', "records": [')
    statement = select(IssueRecord).order_by(col(IssueRecord.seq))
    for index, record in enumerate(session.exec(statement).all()):
        head = {
            "issue_id": record.issue_id,
            "seq": record.seq,
            "digest": record.digest,
            "previous_digest": record.previous_digest,
        }
        out.write(("," if index else "") + "\n" + json.dumps(head)[:-1] + ', "record": ')
        decoder = codecs.getincrementaldecoder("utf-8")()
        for chunk in served_chunks(session, record.issue_id):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True) + "}")
        written += 1
        bar.step()
    out.write("]")
    return written


def count_rows(session: Session) -> int:
    total = int(session.execute(sa.select(sa.func.count()).select_from(IssueRecord)).scalar_one())
    for _name, model, _ in SECTIONS:
        if model in BLOCKS:
            total += count_blocked(session, BLOCKS[model])
            continue
        table = model.__table__  # type: ignore[union-attr]
        total += int(session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    return total


class Progress:
    """A one-line progress bar on a terminal; silent elsewhere."""

    def __init__(self, total: int, stream: IO[str]) -> None:
        self.total, self.done, self.stream = max(total, 1), 0, stream
        self.enabled = stream.isatty()
        self._shown = -1

    def step(self) -> None:
        self.done += 1
        percent = min(100, self.done * 100 // self.total)
        if self.enabled and percent != self._shown:
            self._shown = percent
            bar = "#" * (percent // 4)
            self.stream.write(f"\rexport [{bar:<25}] {percent:3d}% ({self.done} rows)")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


def export(
    session: Session,
    out: IO[str],
    *,
    exported_at: datetime,
    progress: Callable[[int], Progress] | None = None,
) -> int:
    """Write the document to ``out``; returns the number of records written."""
    bar = (progress or (lambda total: Progress(total, sys.stderr)))(count_rows(session))
    written = 0
    out.write('{"format": "liquidpolicy-export/1", ')
    out.write(f'"exported_at": {json.dumps(_plain(exported_at))}')
    for name, model, leave_out in SECTIONS:
        out.write(f', "{name}": [')
        for index, row in enumerate(_rows(session, model, leave_out)):
            out.write(("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False))
            written += 1
            bar.step()
        out.write("]")
    written += _records(session, out, bar)
    out.write("}\n")
    bar.close()
    return written
