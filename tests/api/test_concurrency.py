"""Concurrency on PostgreSQL (issue 4): lifecycle runs and ballots racing the close of a vote.

These tests commit for real (``committed_db``) and call the services from threads, as two server
processes would. SQLite serializes writers anyway, so they run on PostgreSQL only.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from app.db import Database
from proposals.clock import FrozenClock
from proposals.errors import Conflict
from proposals.lifecycle import Transition, run_lifecycle
from proposals.models import DirectVoter, Event, Issue, Member, Suggestion
from proposals.services import initiatives, participation, voting
from proposals.services.result_store import issue_votes
from tests.factories import grant, make_area, make_member, make_policy, make_unit

DAY = 86400
T = TypeVar("T")


@pytest.fixture(autouse=True)
def postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("concurrency needs PostgreSQL (SQLite serializes writers)")


@dataclass
class Voting:
    """Issues in voting in a committed database, due to close once the clock moves a day."""

    db: Database
    clock: FrozenClock
    member_ids: list[int]
    issues: dict[int, int] = field(default_factory=dict)  # issue id -> initiative id

    def as_member(self, member_id: int, work: Callable[..., T]) -> T:
        with self.db.session(write=True) as session:
            actor = session.get(Member, member_id)
            assert actor is not None
            result = work(session, actor)
            session.commit()
            return result


def voting_world(db: Database, clock: FrozenClock, *, members: int, issues: int) -> Voting:
    unit = make_unit(db)
    area = make_area(db, unit)
    policy = make_policy(db, discussion_time=0, verification_time=0, voting_time=DAY)
    ids = []
    for _ in range(members):
        member = make_member(db)
        grant(db, unit, member)
        ids.append(member.id or 0)
    world = Voting(db, clock, ids)
    for _ in range(issues):
        initiative = world.as_member(
            ids[0],
            lambda s, a: initiatives.create_initiative(
                s,
                actor=a,
                name="Proposal",
                content="Text",
                area_id=area.id,
                policy_id=policy.id,
                clock=clock,
            ),
        )
        for supporter in ids[: -(-members // 10)]:  # the issue quorum is 1/10
            world.as_member(
                supporter,
                lambda s, a, i=initiative.id: participation.support(s, actor=a, initiative_id=i),
            )
        world.issues[initiative.issue_id] = initiative.id or 0
    steps = run_lifecycle(db, clock=clock)
    assert {t.to_state for t in steps} == {"discussion", "verification", "voting"}
    return world


def in_threads(*targets: Callable[[], None]) -> None:
    """Start every target at the same moment; re-raise the first error of any."""
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target: Callable[[], None]) -> None:
        barrier.wait()
        try:
            target()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    if errors:
        raise errors[0]


class TestParallelRecordWriters:
    def test_each_record_is_written_once_and_the_chain_stays_whole(
        self, committed_db: Database, clock: FrozenClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Issue 12: two background steps at once (two workers, or a worker and ``tick``), on
        issues of two units (the chain's lock, not a unit's, orders them)."""
        from proposals.models import IssueRecord
        from proposals.services.records import write_due_records

        one = voting_world(committed_db, clock, members=6, issues=2)
        two = voting_world(committed_db, clock, members=6, issues=2)
        clock.advance(DAY)
        assert len(run_lifecycle(committed_db, clock=clock)) == 4
        written: list[list[tuple[int, str]]] = [[], []]

        def writer(slot: int) -> Callable[[], None]:
            def run() -> None:
                written[slot] = write_due_records(committed_db, clock=clock)

            return run

        with caplog.at_level(logging.ERROR, logger="liquidpolicy.records"):
            in_threads(writer(0), writer(1))
        assert [r.getMessage() for r in caplog.records] == []
        issues = sorted([*one.issues, *two.issues])
        assert sorted(i for batch in written for i, _ in batch) == issues
        with committed_db.session() as session:
            records = list(session.exec(select(IssueRecord).order_by(col(IssueRecord.seq))))
        assert [r.seq for r in records] == [1, 2, 3, 4]
        assert [r.previous_digest for r in records] == [None] + [r.digest for r in records[:-1]]


class TestParallelLifecycleRuns:
    def test_two_runs_close_each_issue_once(
        self, committed_db: Database, clock: FrozenClock
    ) -> None:
        world = voting_world(committed_db, clock, members=6, issues=4)
        for issue_id, initiative_id in world.issues.items():
            for member_id in world.member_ids[:3]:
                world.as_member(
                    member_id,
                    lambda s, a, i=issue_id, n=initiative_id: voting.cast_ballot(
                        s, actor=a, issue_id=i, votes=[(n, 1)], clock=clock
                    ),
                )
        clock.advance(DAY)
        results: list[list[Transition]] = [[], []]

        def lifecycle(slot: int) -> Callable[[], None]:
            def run() -> None:
                results[slot] = run_lifecycle(committed_db, clock=clock)

            return run

        in_threads(lifecycle(0), lifecycle(1))
        closes = [t for run in results for t in run if t.from_state == "voting"]
        assert sorted(t.issue_id for t in closes) == sorted(world.issues)
        assert {t.to_state for t in closes} == {"finished_with_winner"}
        with committed_db.session() as session:
            for issue_id in world.issues:
                voters = session.exec(
                    select(DirectVoter.member_id).where(DirectVoter.issue_id == issue_id)
                ).all()
                assert sorted(voters) == world.member_ids[:3]
                finished = session.exec(
                    select(sa.func.count())
                    .select_from(Event)
                    .where(
                        Event.issue_id == issue_id,
                        Event.type == "issue_state_changed",
                        Event.state == "finished_with_winner",
                    )
                ).one()
                assert finished == 1
                issue = session.get(Issue, issue_id)
                assert issue is not None and issue.voter_count == 3
        assert run_lifecycle(committed_db, clock=clock) == []


class TestBallotsRacingTheClose:
    @pytest.mark.parametrize(("members", "threads"), [(24, 3), (200, 8)])
    def test_every_ballot_is_counted_or_refused(
        self, committed_db: Database, clock: FrozenClock, members: int, threads: int
    ) -> None:
        """Members cast and replace ballots from several threads while a lifecycle run closes
        the vote: each ballot committed before the close is counted exactly once with its last
        grade, and every later one is refused (409), none lost silently (issues 4 and 6)."""
        world = voting_world(committed_db, clock, members=members, issues=1)
        [(issue_id, initiative_id)] = world.issues.items()
        clock.advance(DAY)
        last_counted: dict[int, int] = {}  # member -> grade of their last committed ballot
        refused: list[int] = []
        lock = threading.Lock()
        started = threading.Event()
        closed = threading.Event()

        def caster(members: list[int]) -> Callable[[], None]:
            def run() -> None:
                grade = 0
                while not (closed.is_set() and grade > len(members)):
                    grade += 1
                    member_id = members[grade % len(members)]
                    try:
                        world.as_member(
                            member_id,
                            lambda s, a, g=grade: voting.cast_ballot(
                                s, actor=a, issue_id=issue_id, votes=[(initiative_id, g)]
                            ),
                        )
                    except Conflict:
                        with lock:
                            refused.append(member_id)
                        if closed.is_set():
                            return
                        continue
                    with lock:
                        last_counted[member_id] = grade
                        if len(last_counted) == len(world.member_ids):
                            started.set()  # everyone has voted; replacements go on

            return run

        def closer() -> None:
            started.wait(timeout=60)
            try:
                run_lifecycle(committed_db, clock=clock)
            finally:
                closed.set()

        groups = [world.member_ids[i::threads] for i in range(threads)]
        in_threads(closer, *(caster(g) for g in groups))
        assert refused, "some ballot must have come after the close"
        with committed_db.session() as session:
            issue = session.get(Issue, issue_id)
            assert issue is not None and issue.state.startswith("finished")
            stored = {v.member_id: v.grade for v in issue_votes(session, issue_id)}
            voters = set(
                session.exec(
                    select(DirectVoter.member_id).where(DirectVoter.issue_id == issue_id)
                ).all()
            )
        # Every committed ballot is in the result, with its last grade: none lost silently.
        assert len(last_counted) == members
        assert stored == last_counted
        assert voters == set(last_counted)
        assert issue.voter_count == len(last_counted)


class TestDecidingASuggestionTwice:
    def test_accept_and_reject_at_once_decide_it_once(
        self, committed_db: Database, clock: FrozenClock
    ) -> None:
        unit = make_unit(committed_db)
        area = make_area(committed_db, unit)
        policy = make_policy(committed_db)
        author, rater = make_member(committed_db), make_member(committed_db)
        for member in (author, rater):
            grant(committed_db, unit, member)
        world = Voting(committed_db, clock, [author.id or 0, rater.id or 0])
        rounds = 8
        suggestion_ids = []
        for _ in range(rounds):
            initiative = world.as_member(
                author.id or 0,
                lambda s, a: initiatives.create_initiative(
                    s, actor=a, name="P", content="T", area_id=area.id, policy_id=policy.id
                ),
            )
            suggestion = world.as_member(
                rater.id or 0,
                lambda s, a, i=initiative.id: participation.create_suggestion(
                    s, actor=a, initiative_id=i, name="S", content="C", replacement_content="New"
                ),
            )
            suggestion_ids.append(suggestion.id or 0)
        outcomes: dict[str, list[str]] = {"accept": [], "reject": []}

        def decide(how: str) -> Callable[[], None]:
            def run() -> None:
                for suggestion_id in suggestion_ids:
                    try:
                        world.as_member(
                            author.id or 0,
                            lambda s, a, i=suggestion_id: (
                                participation.accept_suggestion(s, actor=a, suggestion_id=i)
                                if how == "accept"
                                else participation.reject_suggestion(
                                    s, actor=a, suggestion_id=i, reason="no"
                                )
                            ),
                        )
                        outcomes[how].append("done")
                    except Conflict:
                        outcomes[how].append("conflict")

            return run

        in_threads(decide("accept"), decide("reject"))
        decided = [
            a == "done" or r == "done"
            for a, r in zip(outcomes["accept"], outcomes["reject"], strict=True)
        ]
        assert all(decided)
        with committed_db.session() as session:
            for index, suggestion_id in enumerate(suggestion_ids):
                stored = session.get(Suggestion, suggestion_id)
                assert stored is not None
                both = (outcomes["accept"][index], outcomes["reject"][index])
                assert both in (("done", "conflict"), ("conflict", "done")), both
                expected = "accepted" if both[0] == "done" else "rejected"
                assert stored.status == expected
                events = session.exec(
                    select(Event.type).where(
                        Event.suggestion_id == suggestion_id,
                        col(Event.type).in_(("suggestion_accepted", "suggestion_rejected")),
                    )
                ).all()
                assert events == [f"suggestion_{expected}"]


class TestRevokingTwiceAtOnce:
    def test_one_revocation_wins(self, committed_db: Database, clock: FrozenClock) -> None:
        unit = make_unit(committed_db)
        area = make_area(committed_db, unit)
        policy = make_policy(committed_db)
        first, second = make_member(committed_db), make_member(committed_db)
        for member in (first, second):
            grant(committed_db, unit, member)
        world = Voting(committed_db, clock, [first.id or 0, second.id or 0])
        initiative_ids = []
        for _ in range(8):
            initiative = world.as_member(
                first.id or 0,
                lambda s, a: initiatives.create_initiative(
                    s, actor=a, name="P", content="T", area_id=area.id, policy_id=policy.id
                ),
            )
            world.as_member(
                first.id or 0,
                lambda s, a, i=initiative.id: initiatives.invite_initiator(
                    s, actor=a, initiative_id=i, member_id=second.id or 0
                ),
            )
            world.as_member(
                second.id or 0,
                lambda s, a, i=initiative.id: initiatives.answer_invitation(
                    s, actor=a, initiative_id=i, accepted=True
                ),
            )
            initiative_ids.append(initiative.id or 0)
        outcomes: dict[int, list[str]] = {first.id or 0: [], second.id or 0: []}

        def revoker(member_id: int) -> Callable[[], None]:
            def run() -> None:
                for initiative_id in initiative_ids:
                    try:
                        world.as_member(
                            member_id,
                            lambda s, a, i=initiative_id: initiatives.revoke_initiative(
                                s, actor=a, initiative_id=i
                            ),
                        )
                        outcomes[member_id].append("done")
                    except Conflict:
                        outcomes[member_id].append("conflict")

            return run

        in_threads(revoker(first.id or 0), revoker(second.id or 0))
        with committed_db.session() as session:
            for index, initiative_id in enumerate(initiative_ids):
                both = sorted(outcome[index] for outcome in outcomes.values())
                assert both == ["conflict", "done"], both
                revoked = session.exec(
                    select(sa.func.count())
                    .select_from(Event)
                    .where(Event.initiative_id == initiative_id, Event.type == "initiative_revoked")
                ).one()
                assert revoked == 1


class TestOneMembersBallotsAtOnce:
    def test_concurrent_ballots_of_one_member_leave_one_ballot(
        self, committed_db: Database, clock: FrozenClock
    ) -> None:
        world = voting_world(committed_db, clock, members=4, issues=10)
        voter = world.member_ids[1]
        failures: list[BaseException] = []

        def caster(grade: int) -> Callable[[], None]:
            def run() -> None:
                for issue_id, initiative_id in world.issues.items():
                    try:
                        world.as_member(
                            voter,
                            lambda s, a, i=issue_id, n=initiative_id: voting.cast_ballot(
                                s, actor=a, issue_id=i, votes=[(n, grade)]
                            ),
                        )
                    except Exception as exc:
                        failures.append(exc)

            return run

        in_threads(caster(1), caster(2))
        assert failures == []
        with committed_db.session() as session:
            actor = session.get(Member, voter)
            assert actor is not None
            for issue_id, initiative_id in world.issues.items():
                view = voting.get_ballot(session, actor=actor, issue_id=issue_id)
                assert [i for i, _ in view.votes] == [initiative_id]


class TestOneMembersRepeatedWritesAtOnce:
    """A double-clicked form or a retried call: the same member's identical writes at once."""

    def test_delegation_support_and_interest_twice_at_once(
        self, committed_db: Database, clock: FrozenClock
    ) -> None:
        from proposals.models import Delegation, Interest, Supporter
        from proposals.services import delegations

        unit = make_unit(committed_db)
        area = make_area(committed_db, unit)
        policy = make_policy(committed_db)
        ids = []
        for _ in range(3):
            member = make_member(committed_db)
            grant(committed_db, unit, member)
            ids.append(member.id or 0)
        world = Voting(committed_db, clock, ids)
        initiative = world.as_member(
            ids[0],
            lambda s, a: initiatives.create_initiative(
                s, actor=a, name="P", content="T", area_id=area.id, policy_id=policy.id
            ),
        )
        truster, trustee = ids[1], ids[2]
        issue_id, initiative_id, unit_id = initiative.issue_id, initiative.id or 0, unit.id

        def twice(work: Callable[..., object]) -> None:
            def once() -> None:
                world.as_member(truster, work)

            for _ in range(5):
                in_threads(once, once)

        twice(
            lambda s, a: delegations.set_delegation(
                s, actor=a, trustee_id=trustee, unit_id=unit_id, clock=clock
            )
        )
        twice(lambda s, a: participation.support(s, actor=a, initiative_id=initiative_id))
        twice(lambda s, a: participation.declare_interest(s, actor=a, issue_id=issue_id))
        with committed_db.session() as session:
            for model, where in (
                (Delegation, col(Delegation.truster_id) == truster),
                (Supporter, col(Supporter.member_id) == truster),
                (Interest, col(Interest.member_id) == truster),
            ):
                count = session.exec(select(sa.func.count()).select_from(model).where(where)).one()
                assert count == 1, model


class TestSnapshotsSeeOneMoment:
    """Support and delegations changing during snapshots never give counts of no moment."""

    def test_supporter_count_always_matches_a_moment(
        self, committed_db: Database, clock: FrozenClock
    ) -> None:
        from proposals.models import Initiative
        from proposals.services import delegations

        unit = make_unit(committed_db)
        area = make_area(committed_db, unit)
        policy = make_policy(committed_db, max_admission_time=100 * DAY, discussion_time=100 * DAY)
        ids = []
        for _ in range(4):
            member = make_member(committed_db)
            grant(committed_db, unit, member)
            ids.append(member.id or 0)
        initiator, a, b, x = ids
        world = Voting(committed_db, clock, ids)

        def propose() -> int:
            initiative = world.as_member(
                initiator,
                lambda s, m: initiatives.create_initiative(
                    s, actor=m, name="P", content="T", area_id=area.id, policy_id=policy.id
                ),
            )
            return initiative.id or 0

        propose()  # an earlier issue of the unit: the run reaches it first and reads the graph
        initiative_id = propose()

        def move(to: int, away: int) -> None:
            """In ONE transaction: x delegates to ``to``, who supports; ``away`` withdraws.
            Before and after, the initiative's weighted supporter count is 2."""
            with committed_db.session(write=True) as session:
                actors = {i: session.get(Member, i) for i in (x, to, away)}
                mover, gainer, loser = actors[x], actors[to], actors[away]
                assert mover is not None and gainer is not None and loser is not None
                delegations.set_delegation(
                    session, actor=mover, trustee_id=to, unit_id=unit.id, clock=clock
                )
                participation.withdraw_support(session, actor=loser, initiative_id=initiative_id)
                participation.support(session, actor=gainer, initiative_id=initiative_id)
                session.commit()

        move(a, b)
        seen: list[int] = []
        stop = threading.Event()

        def writer() -> None:
            for turn in range(60):
                move(*((b, a) if turn % 2 == 0 else (a, b)))
            stop.set()

        def snapshotter() -> None:
            while not stop.is_set():
                run_lifecycle(committed_db, clock=clock)
                with committed_db.session() as session:
                    found = session.get(Initiative, initiative_id)
                    assert found is not None
                    seen.append(found.supporter_count)

        in_threads(writer, snapshotter)
        assert len(seen) >= 5
        assert set(seen) == {2}, seen
