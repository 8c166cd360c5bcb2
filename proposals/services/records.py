"""The verifiable record of every close and the hash chain of records (DESIGN.md §4, issue 12).

After the close of the vote (:func:`proposals.lifecycle.close_voting` marks the issue with an
``issue_record_due`` row), :func:`write_due_records` writes each due record in its own
transaction, outside the close: the issue's policy parameters, initiatives (with ``admitted``, an
input decided at full freeze), the members eligible and the delegation rows in effect (unit, area
and issue scope), every counted ballot, and the stored results. Everything is an integer, string,
boolean or null (times are ISO 8601 UTC strings), serialised canonically by RFC 8785 (JCS); for
such values and ASCII keys that is ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` (:mod:`proposals.canonical`). The long lists are generated piece by piece
in key order and hashed as they are written (to a temporary file, then stored in chunks), so a
record of a million members is never held in memory whole.

The chain: records are numbered ``seq`` 1, 2, ... in the order they are written, under one
transaction-scoped lock (a PostgreSQL advisory lock; SQLite serializes writers); each body names
the digest of record ``seq - 1`` as ``previous_digest`` (null for the first), and its own digest is
the SHA-256 of the body. The record served to readers (:func:`served_chunks`) is the body with
``"digest"`` added as its first member, which keeps it canonical because every other top-level key
sorts after ``"digest"``: remove ``digest``, canonicalise, hash, and the digest must match.
"""

import hashlib
import logging
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import dropwhile, groupby, takewhile
from typing import IO, Any, Protocol

import sqlalchemy as sa
from sqlalchemy import text
from sqlmodel import Session, col, select

from delegation import Delegation as Link
from delegation import Scope, resolve_delegations
from proposals.bulk import fetch_rows, gc_paused
from proposals.canonical import RowEncoder, Stream, encode, scalar
from proposals.clock import Clock, utcnow
from proposals.errors import NotFound
from proposals.graphs import eligible_ids, scope_links
from proposals.lifecycle import secret_ballot
from proposals.models import (
    CHUNK_SIZE,
    AnonymousBallot,
    Battle,
    Delegation,
    DirectVoter,
    Initiative,
    Issue,
    IssueRecord,
    IssueRecordChunk,
    IssueRecordDue,
    Policy,
    Privilege,
    ResultBlock,
    Vote,
    standing,
)
from proposals.services.access import eligible_privileges
from proposals.services.close_index import CloseInputs, StoredClose, indexed, write_index
from proposals.services.events import append_issue_event
from proposals.services.locks import lock_unit
from proposals.services.members import get_member
from proposals.services.record_inputs import (
    forget,
    kept_delegations,
    kept_eligibility,
    overlay_ids,
    overlay_links,
)
from proposals.services.result_store import issue_delegating_voters, issue_votes
from proposals.services.voting import closed_issue
from proposals.verify import FORMAT, RESULT_FIELDS, load_record, replay
from proposals.vote_explanation import Close, ReplayedClose, explain_close

__all__ = [
    "FORMAT",
    "InputsChanged",
    "RecordInfo",
    "check_inputs",
    "index_records",
    "record_info",
    "served_chunks",
    "write_due_records",
    "write_record",
]

log = logging.getLogger("liquidpolicy.records")

RECORD_LOCK_KEY = 7_240_431_012  # an arbitrary constant naming the chain's advisory lock
_BATCH = 10_000  # rows fetched per round trip
_FLUSH_AT = 1 << 16
_POLICY_OMITTED = ("description", "active")  # prose, and a switch that changes after the close


class SessionFactory(Protocol):
    def session(self, *, write: bool = False) -> Session: ...


_GRADE = RowEncoder(("initiative_id", "grade"))


def _ballot_text(ballot: Mapping[str, Any]) -> str:
    """:func:`canonical` of ``{"member_id", "grades": [{"initiative_id", "grade"}]}``, fast."""
    grades = ",".join([_GRADE(g) for g in ballot["grades"]])
    return '{"grades":[' + grades + '],"member_id":' + scalar(ballot["member_id"]) + "}"


def _anonymous_ballot_text(ballot: Mapping[str, Any]) -> str:
    """:func:`canonical` of ``{"ballot_id", "grades": [{"initiative_id", "grade"}]}``, fast."""
    grades = ",".join([_GRADE(g) for g in ballot["grades"]])
    return '{"ballot_id":' + scalar(ballot["ballot_id"]) + ',"grades":[' + grades + "]}"


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _rows(session: Session, statement: Any) -> Iterator[Any]:
    """Rows of ``statement`` in batches from a server-side cursor (never all in memory)."""
    result = session.execute(statement, execution_options={"yield_per": _BATCH})
    try:
        yield from result
    finally:
        result.close()


def _policy(policy: Policy) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in policy.model_dump().items():
        if name in _POLICY_OMITTED:
            continue
        out[name] = _time(value) if isinstance(value, datetime) else value
    return out


def _initiative_input(initiative: Initiative) -> dict[str, Any]:
    return {
        "id": initiative.id,
        "name": initiative.name,
        "admitted": initiative.admitted,
        "revoked_at": _time(initiative.revoked_at),
    }


def _initiative_result(initiative: Initiative) -> dict[str, Any]:
    out = {field: getattr(initiative, field) for field in RESULT_FIELDS}
    out["id"] = initiative.id
    return out


def _eligible(session: Session, issue: Issue) -> Iterator[int]:
    """The members eligible at the close: today's, with the pre-images (:mod:`record_inputs`)."""
    eligible = eligible_privileges().where(Privilege.unit_id == issue.unit_id).subquery()
    statement = sa.select(eligible.c.member_id).order_by(eligible.c.member_id)
    live = (member_id for (member_id,) in _rows(session, statement))
    yield from overlay_ids(live, kept_eligibility(session, issue.id or 0))


def _delegations(session: Session, issue: Issue) -> Iterator[dict[str, Any]]:
    """The delegation rows the close resolved: the unit's, the area's and the issue's, declined
    ones left out as the close left them out (``models.standing``); the unit's and the area's
    with the pre-images kept since the close (:mod:`record_inputs`)."""
    scopes: tuple[tuple[Scope, Any, int], ...] = (
        ("unit", Delegation.unit_id, issue.unit_id),
        ("area", Delegation.area_id, issue.area_id),
        ("issue", Delegation.issue_id, issue.id or 0),
    )
    for scope, column, scope_id in scopes:
        statement = (
            sa.select(col(Delegation.truster_id), col(Delegation.trustee_id))
            .where(col(column) == scope_id, standing())
            .order_by(col(Delegation.truster_id))
        )
        live: Iterator[tuple[int, int | None]] = iter(_rows(session, statement))
        if scope != "issue":
            live = overlay_links(live, kept_delegations(session, issue.id or 0, scope))
        for truster, trustee in live:
            yield {
                "scope": scope,
                "scope_id": scope_id,
                "truster_id": truster,
                "trustee_id": trustee,
            }


def _ballots(session: Session, issue_id: int, *, secret: bool) -> Iterator[dict[str, Any]]:
    """Every counted ballot kept with its member: each direct voter's grades (an all-zero or
    empty ballot counts); with ``secret`` (:func:`_secret`) the weight-1 voters' are not."""
    statement = (
        sa.select(col(DirectVoter.member_id))
        .where(col(DirectVoter.issue_id) == issue_id)
        .order_by(col(DirectVoter.member_id))
    )
    if secret:
        statement = statement.where(col(DirectVoter.weight) > 1)
    votes = takewhile(lambda v: v.member_id is not None, issue_votes(session, issue_id))
    grades = groupby(votes, key=lambda v: v.member_id)
    pending = next(grades, None)
    for (member_id,) in _rows(session, statement):
        while pending is not None and pending[0] < member_id:
            pending = next(grades, None)
        given = pending[1] if pending is not None and pending[0] == member_id else ()
        yield {"member_id": member_id, "grades": _grades(given)}


def _grades(votes: Iterable[Vote]) -> list[dict[str, int]]:
    return [{"initiative_id": v.initiative_id, "grade": v.grade} for v in votes]


def _secret(policy: Policy) -> bool:
    """Whether the close kept the ballots of weight-1 direct voters anonymously
    (:func:`proposals.lifecycle.secret_ballot`)."""
    return secret_ballot(policy.ballot_secrecy, 1)


def _anonymous_voters(session: Session, issue_id: int, *, secret: bool) -> Iterator[int]:
    """Issue 12: the direct voters whose ballots were kept without their name, ascending."""
    if not secret:
        return
    statement = (
        sa.select(col(DirectVoter.member_id))
        .where(col(DirectVoter.issue_id) == issue_id, col(DirectVoter.weight) == 1)
        .order_by(col(DirectVoter.member_id))
    )
    for (member_id,) in _rows(session, statement):
        yield member_id


def _anonymous_ballots(session: Session, issue_id: int) -> Iterator[dict[str, Any]]:
    """Issue 12: the anonymous ballots in their stored order (by content), with their grades
    (the votes after the members', in the same order)."""
    statement = (
        sa.select(col(AnonymousBallot.ballot_id))
        .where(col(AnonymousBallot.issue_id) == issue_id)
        .order_by(col(AnonymousBallot.position))
    )
    grades = None
    pending = None
    for (ballot_id,) in _rows(session, statement):
        if grades is None:  # the votes are read only for an issue with anonymous ballots
            votes = dropwhile(lambda v: v.ballot_id is None, issue_votes(session, issue_id))
            grades = groupby(votes, key=lambda v: v.ballot_id)
            pending = next(grades, None)
        given: Iterable[Vote] = ()
        if pending is not None and pending[0] == ballot_id:
            given, pending = pending[1], None
        yield {"ballot_id": ballot_id, "grades": _grades(given)}
        if pending is None:
            pending = next(grades, None)


def _direct_voters(session: Session, issue_id: int) -> Iterator[dict[str, Any]]:
    statement = (
        sa.select(col(DirectVoter.member_id), col(DirectVoter.weight))
        .where(col(DirectVoter.issue_id) == issue_id)
        .order_by(col(DirectVoter.member_id))
    )
    for member_id, weight in _rows(session, statement):
        yield {"member_id": member_id, "weight": weight}


def _delegating_voters(session: Session, issue_id: int) -> Iterator[dict[str, Any]]:
    for v in issue_delegating_voters(session, issue_id):
        yield {
            "member_id": v.member_id,
            "trustee_id": v.trustee_id,
            "weight": v.weight,
            "scope": v.scope,
        }


def _battles(session: Session, issue_id: int) -> list[dict[str, Any]]:
    rows = session.exec(select(Battle).where(Battle.issue_id == issue_id)).all()
    return [
        {
            "winning_initiative_id": b.winning_initiative_id,
            "losing_initiative_id": b.losing_initiative_id,
            "count": b.count,
        }
        for b in sorted(
            rows, key=lambda b: (b.winning_initiative_id or 0, b.losing_initiative_id or 0)
        )
    ]


_DELEGATION = RowEncoder(("scope", "scope_id", "truster_id", "trustee_id"))
_DIRECT_VOTER = RowEncoder(("member_id", "weight"))
_DELEGATING_VOTER = RowEncoder(("member_id", "trustee_id", "weight", "scope"))


def record_document(
    session: Session, issue: Issue, *, seq: int, previous_digest: str | None
) -> dict[str, Any]:
    """The record of a finished issue as a document whose long lists are :class:`Stream`\\ s.

    Every top-level key sorts after ``"digest"`` (see :func:`served_chunks`)."""
    issue_id = issue.id or 0
    policy = session.get(Policy, issue.policy_id)
    assert policy is not None
    initiatives = list(
        session.exec(
            select(Initiative).where(Initiative.issue_id == issue_id).order_by(col(Initiative.id))
        )
    )
    winners = [i.id for i in initiatives if i.winner]
    secret = _secret(policy)
    return {
        "format": FORMAT,
        "seq": seq,
        "previous_digest": previous_digest,
        "issue": {
            "id": issue_id,
            "unit_id": issue.unit_id,
            "area_id": issue.area_id,
            "policy_id": issue.policy_id,
            "created_at": _time(issue.created_at),
            "accepted_at": _time(issue.accepted_at),
            "half_frozen_at": _time(issue.half_frozen_at),
            "fully_frozen_at": _time(issue.fully_frozen_at),
            "closed_at": _time(issue.closed_at),
            "voting_time": issue.voting_time,
        },
        "inputs": {
            "policy": _policy(policy),
            "initiatives": [_initiative_input(i) for i in initiatives],
            "eligible_member_ids": Stream(_eligible(session, issue), scalar),
            "delegations": Stream(_delegations(session, issue), _DELEGATION),
            "ballots": Stream(_ballots(session, issue_id, secret=secret), _ballot_text),
            "anonymous_ballots": Stream(
                _anonymous_ballots(session, issue_id), _anonymous_ballot_text
            ),
            "anonymous_voter_ids": Stream(
                _anonymous_voters(session, issue_id, secret=secret), scalar
            ),
        },
        "results": {
            "state": issue.state,
            "voter_count": issue.voter_count,
            "status_quo_schulze_rank": issue.status_quo_schulze_rank,
            "winner_initiative_id": winners[0] if winners else None,
            "initiatives": [_initiative_result(i) for i in initiatives],
            "battles": _battles(session, issue_id),
            "direct_voters": Stream(_direct_voters(session, issue_id), _DIRECT_VOTER),
            "delegating_voters": Stream(_delegating_voters(session, issue_id), _DELEGATING_VOTER),
        },
    }


def _spool(document: Any, out: IO[bytes]) -> tuple[str, int]:
    """Write the canonical UTF-8 text of ``document`` to ``out``; its SHA-256 and size."""
    digest = hashlib.sha256()
    size = 0
    pending: list[str] = []
    pending_length = 0
    for piece in encode(document):
        pending.append(piece)
        pending_length += len(piece)
        if pending_length >= _FLUSH_AT:
            data = "".join(pending).encode()
            digest.update(data)
            out.write(data)
            size += len(data)
            pending, pending_length = [], 0
    data = "".join(pending).encode()
    digest.update(data)
    out.write(data)
    return digest.hexdigest(), size + len(data)


class InputsChanged(Exception):
    """The eligible members or delegations read now no longer give the stored weights."""


@gc_paused()
def check_inputs(session: Session, issue: Issue) -> CloseInputs:
    """Issue 12: the record's inputs, read after the close, must reproduce the close; returned
    with their resolution (for the record's index, issue 13: :mod:`close_index`).

    Eligibility and unit and area delegations may change after the close, and the record is
    written after it; their writers keep the values at the close while the record is due
    (:mod:`proposals.services.record_inputs`), and the record holds the live rows overlaid with
    those. Replay the resolution with ``delegation/`` from exactly the members and rows the
    record will hold and the stored direct voters, and refuse (:class:`InputsChanged`) unless
    it gives every stored weight, trustee and scope (a guard: a writer that kept no pre-image).
    The tally itself depends only on stored rows (ballots, weights, policy, admission), so a
    record that passes is one ``liquidpolicy verify`` recomputes.
    """
    issue_id = issue.id or 0
    rows = [
        *_close_links(session, issue, "unit", issue.unit_id),
        *_close_links(session, issue, "area", issue.area_id),
        *scope_links(session, "issue", issue_id),
    ]
    kept = kept_eligibility(session, issue_id)
    eligible = {m for m in eligible_ids(session, issue.unit_id) if m not in kept}
    eligible.update(m for m, was in kept.items() if was)
    stored = dict(
        fetch_rows(
            session,
            sa.select(col(DirectVoter.member_id), col(DirectVoter.weight)).where(
                col(DirectVoter.issue_id) == issue_id
            ),
        )
    )
    replay = resolve_delegations(eligible, rows, stored)
    if dict(replay.weights) != stored:
        raise InputsChanged(f"issue {issue_id}: the weights no longer follow from the inputs")
    delegating = {
        v.member_id: (v.trustee_id, v.weight, v.scope)
        for v in issue_delegating_voters(session, issue_id)
    }
    trustees, weights, scopes = replay.trustees, replay.intermediate_weights, replay.scopes
    if len(delegating) != len(weights) or any(
        (trustees.get(m), weights.get(m), scopes.get(m)) != stored_link
        for m, stored_link in delegating.items()
    ):
        raise InputsChanged(f"issue {issue_id}: the delegating voters no longer follow")
    return CloseInputs(eligible, rows, stored, replay)


def _close_links(session: Session, issue: Issue, scope: Scope, scope_id: int) -> list[Link]:
    """The unit's or area's standing rows at the close: today's with the pre-images."""
    kept = kept_delegations(session, issue.id or 0, scope)
    rows = [link for link in scope_links(session, scope, scope_id) if link.truster_id not in kept]
    return rows + [Link(t, trustee, scope) for t, (stood, trustee) in kept.items() if stood]


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RECORD_LOCK_KEY})
        # The record reads whole result sets through server-side cursors: plan for all rows,
        # not (PostgreSQL's default for cursors) the first tenth.
        session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))


def write_record(session: Session, issue_id: int, *, now: datetime) -> IssueRecord | None:
    """Issue 12: write the due record of one finished issue as the next link of the chain, in
    the caller's transaction (which should do nothing else); None when it is not due.
    Raises :class:`InputsChanged` when the inputs read now do not reproduce the close."""
    _lock_chain(session)
    if session.get(IssueRecordDue, issue_id) is None:
        return None  # written meanwhile, or closed before records existed
    issue = session.get(Issue, issue_id)
    assert issue is not None and issue.closed_at is not None
    # Eligibility and delegation writes in the unit wait (proposals.services.locks), so the
    # inputs checked are the inputs recorded.
    lock_unit(session, issue.unit_id)
    inputs = check_inputs(session, issue)
    last = session.exec(select(IssueRecord).order_by(col(IssueRecord.seq).desc()).limit(1)).first()
    seq = 1 if last is None else last.seq + 1
    previous = None if last is None else last.digest
    with tempfile.TemporaryFile() as spool:
        digest, size = _spool(
            record_document(session, issue, seq=seq, previous_digest=previous), spool
        )
        record = IssueRecord(
            issue_id=issue_id,
            seq=seq,
            digest=digest,
            previous_digest=previous,
            size=size,
            written_at=now,
        )
        session.add(record)
        session.flush()
        spool.seek(0)
        position = 0
        while chunk := spool.read(CHUNK_SIZE):
            session.execute(
                sa.insert(IssueRecordChunk).values(issue_id=issue_id, position=position, data=chunk)
            )
            position += 1
    policy = session.get(Policy, issue.policy_id)
    assert policy is not None
    write_index(session, issue_id, inputs, secret=_secret(policy))
    session.execute(sa.delete(IssueRecordDue).where(col(IssueRecordDue.issue_id) == issue_id))
    forget(session, issue_id)
    append_issue_event(session, "issue_recorded", issue, state=issue.state, record_digest=digest)
    return record


def write_due_records(database: SessionFactory, *, clock: Clock = utcnow) -> list[tuple[int, str]]:
    """Issue 12: write every due record, oldest close first, each in its own transaction; the
    issues recorded and their digests. A failure is logged and the record stays due for the next
    run (the background runner and ``liquidpolicy tick`` call this after the lifecycle run)."""
    with database.session() as session:
        due = [
            issue_id
            for (issue_id,) in session.execute(
                sa.select(col(IssueRecordDue.issue_id))
                .join(Issue, col(Issue.id) == col(IssueRecordDue.issue_id))
                .order_by(col(Issue.closed_at), col(Issue.id))
            )
        ]
    written: list[tuple[int, str]] = []
    for issue_id in due:
        try:
            with database.session(write=True) as session:
                record = write_record(session, issue_id, now=clock())
                done = None if record is None else (issue_id, record.digest)
                session.commit()
            if done is not None:
                written.append(done)
        except InputsChanged as exc:
            log.error("record not written: %s", exc, extra={"issue_id": issue_id})
        except Exception:
            log.exception("writing the record failed", extra={"issue_id": issue_id})
    return written


def index_records(database: SessionFactory) -> list[int]:
    """Issue 13, item 1: write the explanation index (:func:`close_index.write_index`) of every
    record written without one -- before migration 0020 -- from the record itself, replayed
    once, each in its own transaction, oldest record first; the issues indexed. The index is
    the one :func:`write_record` writes with a new record (the weight-1 voters' ballots were
    kept without their name exactly when the record names anonymous voters). A record whose
    close had no eligible member has nothing to index and stays as it is (its explanations
    replay it). ``liquidpolicy index-records`` runs it, once after upgrading."""
    with database.session() as session:
        has_index = sa.exists().where(
            col(ResultBlock.issue_id) == col(IssueRecord.issue_id),
            col(ResultBlock.kind) == "close_member",
        )
        waiting = list(
            session.exec(
                select(IssueRecord.issue_id).where(~has_index).order_by(col(IssueRecord.seq))
            )
        )
    done: list[int] = []
    for issue_id in waiting:
        with database.session(write=True) as session:
            replayed = replay(load_record(stored_body(session, issue_id)))
            resolution = replayed.resolution
            inputs = CloseInputs(
                set(replayed.eligible), list(replayed.rows), dict(resolution.weights), resolution
            )
            write_index(session, issue_id, inputs, secret=bool(replayed.secret))
            if indexed(session, issue_id):
                done.append(issue_id)
            session.commit()
    return done


@dataclass(frozen=True)
class RecordInfo:
    digest: str
    previous_digest: str | None
    seq: int


def record_info(session: Session, issue_ids: Iterable[int]) -> dict[int, RecordInfo]:
    """The digests of the issues that have a record (for the issue object)."""
    ids = list(issue_ids)
    if not ids:
        return {}
    rows = session.exec(select(IssueRecord).where(col(IssueRecord.issue_id).in_(ids))).all()
    return {r.issue_id: RecordInfo(r.digest, r.previous_digest, r.seq) for r in rows}


def served_chunks(session: Session, issue_id: int) -> Iterator[bytes]:
    """The record as served: the stored body with ``"digest"`` inserted as its first member
    (still canonical: every other top-level key sorts after it). NotFound without a record."""
    record = session.get(IssueRecord, issue_id)
    if record is None:
        raise NotFound("this issue has no record")
    return _served(session, record)


def _served(session: Session, record: IssueRecord) -> Iterator[bytes]:
    yield b'{"digest":"' + record.digest.encode() + b'",'
    position = 0
    while True:
        data = session.exec(
            select(IssueRecordChunk.data).where(
                IssueRecordChunk.issue_id == record.issue_id,
                IssueRecordChunk.position == position,
            )
        ).first()
        if data is None:
            return
        yield bytes(data[1:]) if position == 0 else bytes(data)
        position += 1


def stored_body(session: Session, issue_id: int) -> bytes:
    """The stored body (what the digest is the SHA-256 of), whole: for tests and small records."""
    rows = session.exec(
        select(IssueRecordChunk.data)
        .where(IssueRecordChunk.issue_id == issue_id)
        .order_by(col(IssueRecordChunk.position))
    ).all()
    return b"".join(bytes(r) for r in rows)


def explain_member_vote(
    session: Session, issue_id: int, member_id: int, *, you: bool = False
) -> dict[str, Any]:
    """Issue 12, item 2: how ``member_id``'s vote was counted at the issue's close, from its
    stored record (:func:`proposals.vote_explanation.explain_close`). Conflict while the issue
    is open; NotFound for an unknown issue or member, or an issue without a record.

    Issue 13, item 1: read from the record's index (:class:`close_index.StoredClose`), a few
    indexed lookups; a record written without one (before migration 0020) is replayed whole."""
    closed_issue(session, issue_id)
    if session.get(IssueRecord, issue_id) is None:
        raise NotFound("this issue has no record")
    get_member(session, member_id)
    close: Close
    if indexed(session, issue_id):
        close = StoredClose(session, issue_id)
    else:
        close = ReplayedClose(replay(load_record(stored_body(session, issue_id))))
    return explain_close(close, member_id, you=you)
