"""The timed lifecycle of issues (DESIGN.md §2): snapshots, transitions, the close of the vote.

A run takes one "now" from the clock. Unit by unit it takes a snapshot of every open issue
before full freeze, all at one moment of the database, locking each issue only while its own
snapshot is taken; then, holding the unit's row locked, it performs every due transition until
nothing more is due, so zero-length phases pass in one run (see :func:`run_lifecycle`).
"""

import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, delete, select

from delegation import (
    SCOPES,
    TallyResult,
    carried_weights_over,
    tally_ballots,
)
from delegation import Policy as TallyPolicy
from delegation.arrays import (
    ArrayResolution,
    Ids,
    OverrideArrays,
    UnitArrays,
    as_ids,
    dict_overrides,
    resolve_arrays,
)
from proposals import result_blocks
from proposals.ballot_grades import (
    PAD,
    CastGrades,
    group_contents,
    load_cast_grades,
    merged_ballots,
)
from proposals.bulk import fetch_rows, gc_paused, insert_int_columns, insert_rows
from proposals.clock import Clock, utcnow
from proposals.errors import Conflict
from proposals.graphs import UnitGraphs, int_columns, load_override_arrays
from proposals.models import (
    OPEN_STATES,
    AnonymousBallot,
    Ballot,
    BallotGrade,
    Battle,
    DirectVoter,
    Initiative,
    Interest,
    Issue,
    IssueRecordDue,
    Opinion,
    Policy,
    Suggestion,
    Supporter,
)
from proposals.services.issues import (
    BEFORE_FULL_FREEZE,
    change_state,
    current_draft_ids,
    lock_issue,
    phase_ends_at,
)
from proposals.services.locks import lock_unit
from proposals.services.result_store import insert_blocks

log = logging.getLogger("liquidpolicy.lifecycle")

# A delegating voter's scope is stored as the index the array resolver gives it.
assert result_blocks.SCOPES == SCOPES


class SessionFactory(Protocol):
    def session(self, *, write: bool = False) -> Session: ...


@dataclass(frozen=True)
class Transition:
    issue_id: int
    from_state: str
    to_state: str


class LifecycleError(Exception):
    """Some issues could not be advanced; the others were (each failure is logged)."""

    def __init__(self, failed: list[int]) -> None:
        super().__init__(f"the lifecycle failed on issues {failed}")
        self.failed = failed


def run_lifecycle(database: SessionFactory, *, clock: Clock = utcnow) -> list[Transition]:
    """One lifecycle run over every open issue; returns each transition performed.

    Unit by unit. On PostgreSQL the run first fixes the unit's moment (:func:`_at_the_moment`):
    one exported snapshot in which it reads the unit graph, and in which every open issue's
    snapshot is taken, each in a short transaction of its own that locks only that issue (its
    support, interest, opinions and ballots wait; the unit's delegations and privileges do not).
    Every snapshot of the run therefore sees one moment in time. The issues with a transition
    due at that moment (or whose transaction met a concurrent change of a row it writes) are
    then advanced in one transaction that locks the unit's row (delegations, privileges and
    member activity in the unit wait, see :mod:`proposals.services.locks`), builds the unit
    graph again and locks and advances each of them in turn: the snapshot that decides a phase
    is taken under that lock. On SQLite (which serializes writers) and on one bound connection
    every open issue takes that locked path. Two runs at once never advance an issue twice. An
    issue that fails is rolled back to its savepoint and logged; the others go on, and the run
    raises :class:`LifecycleError` at the end.
    """
    now = clock()
    with database.session() as session:
        rows = session.exec(
            select(Issue.unit_id, Issue.id)
            .where(col(Issue.state).in_(OPEN_STATES))
            .order_by(col(Issue.unit_id), col(Issue.id))
        ).all()
    by_unit: dict[int, list[int]] = defaultdict(list)
    for unit_id, issue_id in rows:
        by_unit[unit_id].append(issue_id or 0)
    transitions: list[Transition] = []
    failed: list[int] = []
    for unit_id, issue_ids in by_unit.items():
        due = _at_the_moment(database, unit_id, issue_ids, now=now, failed=failed)
        if not due:
            continue
        with database.session(write=True) as session:
            lock_unit(session, unit_id)
            graphs = UnitGraphs()
            for issue_id in due:
                try:
                    with session.begin_nested():
                        steps = advance_issue(session, issue_id, now=now, graphs=graphs)
                except Exception:
                    log.exception("lifecycle failed", extra={"issue_id": issue_id})
                    failed.append(issue_id)
                    continue
                transitions += steps
            session.commit()
    if failed:
        raise LifecycleError(failed)
    return transitions


@runtime_checkable
class SnapshotSessions(Protocol):
    """A session factory that also opens REPEATABLE READ sessions (``app.db.Database``), each
    on a connection of its own; None where it cannot (SQLite, one bound connection)."""

    def repeatable_read_session(self, *, read_only: bool = False) -> Session | None: ...


SERIALIZATION_FAILURE = "40001"
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")


def _at_the_moment(
    database: SessionFactory,
    unit_id: int,
    issue_ids: list[int],
    *,
    now: datetime,
    failed: list[int],
) -> list[int]:
    """Snapshot the unit's open issues at one moment without locking the unit; answer the
    issues left for the locked path (every one where no snapshot can be exported).

    The moment is a READ ONLY, REPEATABLE READ transaction that exports its snapshot and reads
    the unit graph and the areas' delegation rows (once, when a first issue needs them); it
    locks nothing. Each issue before full freeze then gets a transaction
    that imports that snapshot, locks the issue's row and takes its snapshot
    (:func:`_snapshot_at`); an issue in voting only has ``due_state`` read at the moment."""
    if not isinstance(database, SnapshotSessions):
        return issue_ids
    moment = database.repeatable_read_session(read_only=True)
    if moment is None:
        return issue_ids
    due: list[int] = []
    with moment:
        try:
            snapshot_id = str(moment.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one())
        except Exception:
            log.exception("no moment exported; the unit's issues take the locked path")
            return issue_ids
        assert _SNAPSHOT_ID.fullmatch(snapshot_id), snapshot_id
        graphs = UnitGraphs()
        for issue_id in issue_ids:
            try:
                issue = moment.get(Issue, issue_id)
                if issue is None or issue.state not in OPEN_STATES:
                    continue
                if issue.state not in BEFORE_FULL_FREEZE:
                    if due_state(moment, issue, now) is not None:
                        due.append(issue_id)
                    continue
                # Read at the moment, before the issue's row is locked (the first time only).
                graphs.area_arrays(moment, graphs.arrays(moment, issue.unit_id), issue.area_id)
                if _snapshot_at(database, snapshot_id, issue_id, graphs, now=now):
                    due.append(issue_id)
            except Exception:
                log.exception("lifecycle failed", extra={"issue_id": issue_id})
                failed.append(issue_id)
        moment.rollback()
    return due


def _snapshot_at(
    database: SnapshotSessions,
    snapshot_id: str,
    issue_id: int,
    graphs: UnitGraphs,
    *,
    now: datetime,
) -> bool:
    """The issue's snapshot at the run's moment, committed unless a transition is due; answers
    whether the issue goes to the locked path instead (a transition is due, or a row the
    snapshot writes changed after the moment: PostgreSQL's serialization failure)."""
    session = database.repeatable_read_session()
    assert session is not None
    with session:
        try:
            session.execute(sa.text(f"SET TRANSACTION SNAPSHOT '{snapshot_id}'"))
            issue = lock_issue(session, issue_id)
            if issue.state not in BEFORE_FULL_FREEZE:
                session.rollback()
                return issue.state in OPEN_STATES
            unit = graphs.arrays(session, issue.unit_id)
            take_snapshot(session, issue, unit, now=now, graphs=graphs)
            if due_state(session, issue, now) is not None:
                session.rollback()
                return True
            session.commit()
            return False
        except sa.exc.OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != SERIALIZATION_FAILURE:
                raise
            session.rollback()
            log.info(
                "snapshot met a later change; the issue takes the locked path",
                extra={"issue_id": issue_id},
            )
            return True


def advance_issue(
    session: Session, issue_id: int, *, now: datetime, graphs: UnitGraphs | None = None
) -> list[Transition]:
    """Snapshot (before full freeze), then every transition due at ``now``. A run's ``graphs``
    (its unit locked, :class:`UnitGraphs`) also keeps the area rows; called alone, every step
    reads them afresh."""
    run = graphs
    graphs = graphs or UnitGraphs()
    issue = lock_issue(session, issue_id)
    if issue.state not in OPEN_STATES:
        return []
    overrides: tuple[OverrideArrays, OverrideArrays] | None = None
    if issue.state in BEFORE_FULL_FREEZE:
        overrides = take_snapshot(
            session, issue, graphs.arrays(session, issue.unit_id), now=now, graphs=run
        )
    done: list[Transition] = []
    while (target := due_state(session, issue, now)) is not None:
        previous = issue.state
        weights: list[list[int]] | None = None
        if previous == "verification" and target == "voting":
            target = admit_initiatives(session, issue)
            if target == "voting":
                assert overrides is not None  # verification is before full freeze
                weights = delegates_carrying(graphs.arrays(session, issue.unit_id), *overrides)
        elif previous == "voting":
            target = close_voting(session, issue, graphs.arrays(session, issue.unit_id), graphs=run)
        change_state(session, issue, target, now=now, delegate_weights=weights)
        done.append(Transition(issue_id, previous, target))
    return done


@gc_paused()
def delegates_carrying(
    unit: UnitArrays, area: OverrideArrays, issue: OverrideArrays
) -> list[list[int]]:
    """Issue 11: ``[member_id, weight]`` of every member who would carry more than their own
    vote as the issue reaches voting -- the agenda's weight, blind to ballots and participation
    (:func:`delegation.carried_weights_over`), from the unit and rows of the snapshot just
    taken (in their dict form), so no delegation row is read again inside the unit's lock.
    Stored with the voting cause; the fan-out tells these delegates later, outside the lock."""
    carried = carried_weights_over(unit.unit_graph, dict_overrides(unit, area, issue))
    return [[member, weight] for member, weight in sorted(carried.items()) if weight > 1]


def _initiatives(session: Session, issue: Issue) -> list[Initiative]:
    return list(
        session.exec(
            select(Initiative).where(Initiative.issue_id == issue.id).order_by(col(Initiative.id))
        )
    )


def _passed(start: datetime | None, seconds: int, now: datetime) -> bool:
    return start is not None and now >= start + timedelta(seconds=seconds)


def quorum_needed(population: int, num: int, den: int) -> int:
    """DESIGN.md §2, the one place of the quorum rule: a weighted count reaches the quorum iff
    ``count > 0`` and ``count · den ≥ population · num``, i.e. iff it is at least this number."""
    return max(1, -(-population * num // den))


def _quorum(count: int, population: int, num: int, den: int) -> bool:
    return count >= quorum_needed(population, num, den)


def due_state(session: Session, issue: Issue, now: datetime) -> str | None:
    """DESIGN.md §2: the state the issue is due to move to at ``now``, or None.

    ``voting`` after verification may still become ``canceled_no_initiative_admitted`` and
    ``finished_*`` is settled by the tally: the callers decide those.
    """
    state = issue.state
    initiatives = _initiatives(session, issue)
    if state in BEFORE_FULL_FREEZE and all(i.revoked_at is not None for i in initiatives):
        if state == "admission":
            return "canceled_revoked_before_accepted"
        newest = max(i.revoked_at for i in initiatives if i.revoked_at is not None)
        if _passed(newest, issue.verification_time, now) or (
            state == "verification" and _passed(issue.half_frozen_at, issue.verification_time, now)
        ):
            return f"canceled_after_revocation_during_{state}"
    if state == "admission":
        policy = session.get(Policy, issue.policy_id)
        assert policy is not None
        population = issue.population or 0
        if _passed(issue.created_at, issue.min_admission_time, now) and any(
            i.revoked_at is None
            and _quorum(
                i.supporter_count, population, policy.issue_quorum_num, policy.issue_quorum_den
            )
            for i in initiatives
        ):
            return "discussion"
        if _passed(issue.created_at, issue.max_admission_time, now):
            return "canceled_issue_not_accepted"
        return None
    if state == "discussion":
        return "verification" if _passed(issue.accepted_at, issue.discussion_time, now) else None
    if state == "verification":
        return "voting" if _passed(issue.half_frozen_at, issue.verification_time, now) else None
    if state == "voting":
        ends = phase_ends_at(issue)
        return "finished" if ends is not None and now >= ends else None
    return None


def admit_initiatives(session: Session, issue: Issue) -> str:
    """DESIGN.md §2.3: at full freeze each non-revoked initiative is admitted iff its satisfied
    supporters reach the initiative quorum; none admitted cancels the issue."""
    policy = session.get(Policy, issue.policy_id)
    assert policy is not None
    population = issue.population or 0
    any_admitted = False
    for initiative in _initiatives(session, issue):
        if initiative.revoked_at is not None:
            continue
        initiative.admitted = _quorum(
            initiative.satisfied_supporter_count,
            population,
            policy.initiative_quorum_num,
            policy.initiative_quorum_den,
        )
        any_admitted = any_admitted or initiative.admitted
        session.add(initiative)
    session.flush()
    return "voting" if any_admitted else "canceled_no_initiative_admitted"


@gc_paused()  # a pass over up to a million members: no GC sweeps mid-way
def take_snapshot(
    session: Session,
    issue: Issue,
    unit: UnitArrays,
    *,
    now: datetime,
    graphs: UnitGraphs | None = None,
) -> tuple[OverrideArrays, OverrideArrays]:
    """DESIGN.md §2: population and the weighted supporter and suggestion counts. Interest cuts
    a member's own delegation; each direct supporter counts with their snapshot weight. Answers
    the area's and issue's rows it resolved with."""
    issue_id = issue.id or 0
    interested = _member_groups(
        session, col(Interest.member_id), (), col(Interest.issue_id) == issue_id
    ).get((), _NOBODY)
    area, rows = load_override_arrays(
        session, unit, area_id=issue.area_id, issue_id=issue_id, graphs=graphs
    )
    weights = resolve_arrays(unit, interested, area, rows)
    initiatives = _initiatives(session, issue)
    ids = [i.id or 0 for i in initiatives]
    critical = _snapshot_suggestions(session, ids, weights)
    counts = _supporter_counts(
        session, issue_id, current_draft_ids(session, ids), critical, weights
    )
    for initiative in initiatives:
        (
            initiative.supporter_count,
            initiative.informed_supporter_count,
            initiative.satisfied_supporter_count,
            initiative.satisfied_informed_supporter_count,
        ) = counts.get(initiative.id or 0, (0, 0, 0, 0))
        session.add(initiative)
    issue.population = weights.eligible_count
    issue.snapshot_at = now
    session.add(issue)
    session.flush()
    return area, rows


_NOBODY = np.zeros(0, dtype=np.int64)


def _member_groups(
    session: Session,
    member: Mapped[int],
    keys: Sequence[Mapped[Any]],
    where: sa.ColumnElement[bool],
) -> dict[tuple[Any, ...], Ids]:
    """The ``member`` ids of the rows matching ``where`` as arrays, grouped by the values of
    ``keys`` (no keys: one group ``()``, absent when no row matches). On PostgreSQL each group's
    ids come as one ``bytea`` of ``int4send`` values (as :func:`proposals.graphs.int_columns`
    reads columns): no Python object per row, and the weight sums over them run in numpy
    (issue 13 item 2: the warm snapshot). Elsewhere the rows are grouped here."""
    if session.connection().dialect.name == "postgresql":
        empty: sa.ColumnElement[bytes] = sa.literal_column("''::bytea")
        packed = sa.func.string_agg(sa.func.int4send(member), empty)
        statement = sa.select(*keys, packed).where(where).group_by(*keys)
        return {
            tuple(row[:-1]): np.frombuffer(row[-1], dtype=">i4").astype(np.int64)
            for row in fetch_rows(session, statement, binary=True)
            if row[-1] is not None  # no keys and no row: one row of null
        }
    grouped: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for *key, member_id in fetch_rows(session, sa.select(*keys, member).where(where)):
        grouped[tuple(key)].append(member_id)
    return {key: as_ids(members) for key, members in grouped.items()}


def _weight_of(members: Ids, weights: ArrayResolution) -> int:
    """The snapshot weights of ``members`` summed (0 for a member without weight)."""
    return int(weights.weights_of(members).sum())


def _supporter_counts(
    session: Session,
    issue_id: int,
    current: Mapping[int, int],
    critical: Mapping[int, Ids],
    weights: ArrayResolution,
) -> dict[int, tuple[int, int, int, int]]:
    """DESIGN.md §2: per initiative of the issue (``current``: its current draft), the
    supporters' weights -- all, informed (supporting its current draft), satisfied (no critical
    opinion: ``critical``), satisfied and informed. One read of the supporters grouped by
    initiative and draft (:func:`_member_groups`); the sums per group run in numpy (issue 13
    item 2: the warm snapshot's hot loop)."""
    counts: dict[int, tuple[int, int, int, int]] = {}
    for (initiative_id, draft_id), members in _member_groups(
        session,
        col(Supporter.member_id),
        (col(Supporter.initiative_id), col(Supporter.draft_id)),
        col(Supporter.issue_id) == issue_id,
    ).items():
        weight = _weight_of(members, weights)
        doubting = critical.get(initiative_id)
        content = (
            weight - _weight_of(members[np.isin(members, doubting)], weights)
            if doubting is not None
            else weight
        )
        total, informed, satisfied, both = counts.get(initiative_id, (0, 0, 0, 0))
        if draft_id == current.get(initiative_id):
            informed += weight
            both += content
        counts[initiative_id] = (total + weight, informed, satisfied + content, both)
    return counts


_OPINION_FIELDS = {
    (-2, False): "minus2_unfulfilled_count",
    (-2, True): "minus2_fulfilled_count",
    (-1, False): "minus1_unfulfilled_count",
    (-1, True): "minus1_fulfilled_count",
    (1, False): "plus1_unfulfilled_count",
    (1, True): "plus1_fulfilled_count",
    (2, False): "plus2_unfulfilled_count",
    (2, True): "plus2_fulfilled_count",
}
# A supporter with one of these opinions on a suggestion of the initiative is not satisfied.
_CRITICAL = frozenset({(2, False), (-2, True)})


def _snapshot_suggestions(
    session: Session, initiative_ids: Sequence[int], weights: ArrayResolution
) -> dict[int, Ids]:
    """DESIGN.md §2: the eight weight sums of each suggestion's opinions. Answers, from the same
    rows, the members with a critical opinion (:data:`_CRITICAL`) per initiative (sorted, each
    once). The opinions are read grouped by suggestion, initiative, degree and fulfilled
    (:func:`_member_groups`)."""
    sums: dict[tuple[int, int, bool], int] = {}
    critical: dict[int, list[Ids]] = defaultdict(list)
    for (suggestion_id, initiative_id, degree, fulfilled), members in _member_groups(
        session,
        col(Opinion.member_id),
        (
            col(Opinion.suggestion_id),
            col(Opinion.initiative_id),
            col(Opinion.degree),
            col(Opinion.fulfilled),
        ),
        col(Opinion.initiative_id).in_(initiative_ids),
    ).items():
        kind = (degree, bool(fulfilled))
        if kind in _CRITICAL:
            critical[initiative_id].append(members)
        key = (suggestion_id, *kind)
        sums[key] = sums.get(key, 0) + _weight_of(members, weights)
    for suggestion in session.exec(
        select(Suggestion).where(col(Suggestion.initiative_id).in_(initiative_ids))
    ):
        suggestion_id = suggestion.id or 0
        for (degree, fulfilled), field in _OPINION_FIELDS.items():
            setattr(suggestion, field, sums.get((suggestion_id, degree, fulfilled), 0))
        session.add(suggestion)
    return {key: np.unique(np.concatenate(found)) for key, found in critical.items()}


def _tally_policy(policy: Policy) -> TallyPolicy:
    return TallyPolicy(
        direct_majority_num=policy.direct_majority_num,
        direct_majority_den=policy.direct_majority_den,
        direct_majority_strict=policy.direct_majority_strict,
        direct_majority_positive=policy.direct_majority_positive,
        direct_majority_non_negative=policy.direct_majority_non_negative,
        indirect_majority_num=policy.indirect_majority_num,
        indirect_majority_den=policy.indirect_majority_den,
        indirect_majority_strict=policy.indirect_majority_strict,
        indirect_majority_positive=policy.indirect_majority_positive,
        indirect_majority_non_negative=policy.indirect_majority_non_negative,
        no_reverse_beat_path=policy.no_reverse_beat_path,
        no_multistage_majority=policy.no_multistage_majority,
        defeat_strength=policy.defeat_strength,  # type: ignore[arg-type]
        tie_breaking=policy.tie_breaking,  # type: ignore[arg-type]
    )


@gc_paused()
def close_voting(
    session: Session, issue: Issue, unit: UnitArrays, *, graphs: UnitGraphs | None = None
) -> str:
    """DESIGN.md §4: resolve delegations now from the live table, discard ballots of members no
    longer eligible, tally, and store voters, delegating voters, votes, battles and results.
    Stored results never change afterwards: closing twice is refused."""
    if issue.state != "voting" or issue.closed_at is not None or issue.voter_count is not None:
        raise Conflict(f"issue {issue.id} is {issue.state}: its results are stored once")
    issue_id = issue.id or 0
    (cast,) = int_columns(
        session, sa.select(col(Ballot.member_id)).where(col(Ballot.issue_id) == issue_id)
    )
    grades = load_cast_grades(session, issue_id, cast[unit.positions(cast) >= 0])
    area, rows = load_override_arrays(
        session, unit, area_id=issue.area_id, issue_id=issue_id, graphs=graphs
    )
    resolution = resolve_arrays(unit, grades.casters, area, rows)
    initiatives = _initiatives(session, issue)
    admitted = [i.id or 0 for i in initiatives if i.admitted]
    policy = session.get(Policy, issue.policy_id)
    assert policy is not None
    result = tally_ballots(
        merged_ballots(grades, resolution.voters, resolution.weights),
        admitted,
        _tally_policy(policy),
    )
    # The rule asked once per weight that occurs, not once per voter (a few weights, ~100,000
    # voters at a large close).
    weights = np.unique(resolution.weights).tolist()
    kept = [w for w in weights if secret_ballot(policy.ballot_secrecy, w)]
    secret = resolution.voters[np.isin(resolution.weights, kept)]
    _store_results(
        session,
        issue_id,
        resolution,
        grades,
        result,
        secret,
        [i.id or 0 for i in initiatives],
    )
    if len(secret):
        _delete_live_ballots(session, issue_id)
    for initiative in initiatives:
        outcome = result.initiatives.get(initiative.id or 0)
        if outcome is None:
            continue
        initiative.positive_votes = outcome.positive_votes
        initiative.negative_votes = outcome.negative_votes
        initiative.first_preference_votes = outcome.first_preference_votes
        initiative.direct_majority = outcome.direct_majority
        initiative.indirect_majority = outcome.indirect_majority
        initiative.schulze_rank = outcome.schulze_rank
        initiative.better_than_status_quo = outcome.better_than_status_quo
        initiative.reverse_beat_path = outcome.reverse_beat_path
        initiative.multistage_majority = outcome.multistage_majority
        initiative.eligible = outcome.eligible
        initiative.winner = outcome.winner
        initiative.rank = outcome.rank
        session.add(initiative)
    issue.voter_count = result.voter_count
    issue.status_quo_schulze_rank = result.status_quo_schulze_rank
    session.add(issue)
    session.add(IssueRecordDue(issue_id=issue_id))  # written later (proposals.services.records)
    session.flush()
    return "finished_with_winner" if result.winner is not None else "finished_without_winner"


def secret_ballot(ballot_secrecy: str, weight: int) -> bool:
    """Issue 12, item 4 (an exception to DESIGN.md §4 for policies that choose it), the one place
    of the rule: under ``delegates_public`` the ballot of a direct voter who carried no one
    else's vote (weight 1) is kept without their member id; delegates' ballots stay public."""
    return ballot_secrecy == "delegates_public" and weight == 1


def _anonymous(
    issue_id: int, grades: CastGrades, secret: Ids
) -> tuple[list[tuple[int, int, str]], npt.NDArray[np.void]]:
    """The anonymous ballots of ``secret`` members: each under a random ``ballot_id``, numbered
    in the order of their content (sorted grades, then the random id), never of member or time.
    Rows of ``anonymous_ballot``, and their grades as vote entries
    (:func:`proposals.result_blocks.votes`, no member).

    The ids are drawn at once (``token_bytes(16).hex()`` per ballot, as ``token_hex(16)``),
    dealt out in the order of the contents (:func:`~proposals.ballot_grades.group_contents`)
    and sorted within each content -- the order of ``sorted((content, id) ...)``, without a
    Python step per ballot but the row of its id."""
    contents = grades.contents(secret)
    order, groups = group_contents(contents)
    drawn = np.frombuffer(secrets.token_bytes(16 * len(secret)).hex().encode(), dtype="S32")
    ids = drawn[np.lexsort((drawn, groups))]
    ordered = contents[order]
    initiatives, points = ordered[:, 0::2], ordered[:, 1::2]
    graded = initiatives != PAD
    votes = result_blocks.votes(
        np.zeros(int(graded.sum()), dtype=np.int64),
        initiatives[graded],
        points[graded],
        np.broadcast_to(ids[:, None], graded.shape)[graded],
    )
    heads = [(issue_id, k, b.decode()) for k, b in enumerate(ids.tolist())]
    return heads, votes


def _vote_entries(
    grades: CastGrades, secret: Ids, anonymous_votes: npt.NDArray[np.void]
) -> npt.NDArray[np.void]:
    """Every stored grade as an entry of :mod:`proposals.result_blocks`, in the order of their
    positions: the members' (not ``secret``) by member and initiative, then the anonymous
    ballots' (:func:`_anonymous`) in their order; checked as the old table's keys did."""
    owned = ~np.isin(grades.members, secret)
    entries = np.concatenate(
        [
            result_blocks.votes(
                grades.members[owned], grades.initiatives[owned], grades.grades[owned]
            ),
            anonymous_votes,
        ]
    )
    result_blocks.check_votes(entries)
    return entries


def _delete_live_ballots(session: Session, issue_id: int) -> None:
    """Issue 12: the live ballots of the members whose ballots were just stored anonymously go,
    so no row links them to their grades. Called only when some were: the policy is then
    ``delegates_public``, so they are exactly the stored direct voters of weight 1."""
    secret = (
        select(DirectVoter.member_id)
        .where(DirectVoter.issue_id == issue_id, DirectVoter.weight == 1)
        .scalar_subquery()
    )
    for model in (BallotGrade, Ballot):
        session.execute(
            delete(model).where(col(model.issue_id) == issue_id, col(model.member_id).in_(secret))
        )


def _store_results(
    session: Session,
    issue_id: int,
    resolution: ArrayResolution,
    grades: CastGrades,
    result: TallyResult,
    secret: Ids,
    initiative_ids: Sequence[int],
) -> None:
    """Bulk-write the immutable rows of a closed issue: one COPY (PostgreSQL) or executemany
    (SQLite) per table, in primary-key order, never an ORM object per member (the direct voters
    straight from the resolution's arrays, :func:`~proposals.bulk.insert_int_columns`); the
    delegating voters and the votes as result blocks (:mod:`proposals.result_blocks`, issue 13),
    a few hundred rows of compact entries built from numpy arrays. The ballots of ``secret``
    members are written anonymously (:func:`_anonymous`). Their ids are checked once
    (:func:`_check_result_ids`) against the unit's eligible members and the issue's
    ``initiative_ids``."""
    # Straight from the resolution's arrays (sorted by member): no Python object per voter.
    delegating = result_blocks.delegating_voters(
        resolution.delegators,
        resolution.trustees,
        resolution.intermediate_weights,
        resolution.scopes,
    )
    anonymous, anonymous_votes = _anonymous(issue_id, grades, secret)
    votes = _vote_entries(grades, secret, anonymous_votes)
    battles = [
        (issue_id, w, lo, c)
        for (w, lo), c in sorted(
            result.battle.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1] or 0)
        )
    ]
    _check_result_ids(
        issue_id,
        resolution.unit,
        initiative_ids,
        (
            resolution.voters,
            resolution.delegators,
            resolution.trustees,
            grades.casters,
        ),
        grades.graded(),
    )
    insert_int_columns(
        session,
        DirectVoter,
        ("issue_id", "member_id", "weight"),
        (np.full(len(resolution.voters), issue_id), resolution.voters, resolution.weights),
    )
    for model, columns, rows in (
        (Battle, ("issue_id", "winning_initiative_id", "losing_initiative_id", "count"), battles),
        (AnonymousBallot, ("issue_id", "position", "ballot_id"), anonymous),
    ):
        if rows:
            insert_rows(session, model, columns, rows)
    insert_blocks(
        session,
        issue_id,
        "delegating_voter",
        result_blocks.encode("delegating_voter", delegating),
    )
    insert_blocks(session, issue_id, "vote", result_blocks.encode("vote", votes))


def _check_result_ids(
    issue_id: int,
    unit: UnitArrays,
    initiative_ids: Sequence[int],
    named: Iterable[Ids],
    graded: set[int],
) -> None:
    """Issue 13: the check of the per-member result tables' ids, once per close instead of a
    FOREIGN KEY trigger per row (docs/decisions.md "Close storage"). Every member id ``named``
    (direct voters, delegating voters, their trustees, voters with grades) is an eligible member
    of the unit -- read from ``privilege`` and ``member`` rows in this transaction, under the
    unit's lock -- and every initiative ``graded`` one of this issue's."""
    strays = [m for ids in named for m in ids[unit.positions(ids) < 0].tolist()]
    stray_initiatives = graded.difference(initiative_ids)
    if strays or stray_initiatives:
        raise RuntimeError(
            f"issue {issue_id}: results name members {sorted(strays)[:5]} or initiatives"
            f" {sorted(stray_initiatives)[:5]} that are not the unit's or the issue's"
        )
