"""A lifecycle run's one moment per unit, without holding the unit locked (issue 13, item 3).

On PostgreSQL a run exports one snapshot per unit (the moment) and takes each issue's snapshot
in a short transaction of its own that imports it, locking only that issue; the issues with a
transition due are then advanced under the unit's lock, as before (docs/decisions.md,
"Per-issue locks in a lifecycle run"). These tests pause a run inside one issue's snapshot and
write from another thread meanwhile. They commit for real, so they run on PostgreSQL only
(SQLite serializes writers, and keeps the unit lock for the whole run).
"""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlmodel import col, select

from app.db import Database
from proposals import lifecycle
from proposals.clock import FrozenClock
from proposals.lifecycle import Transition, run_lifecycle
from proposals.models import Area, Initiative, Issue, Member, Policy, Unit
from proposals.services import delegations, initiatives, participation
from tests.factories import grant, make_area, make_member, make_policy, make_unit

DAY = 86400
PAUSE_S = 5  # how long a paused run waits for the writer before it goes on alone


@pytest.fixture(autouse=True)
def postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("the moment's exported snapshot needs PostgreSQL")


@dataclass
class World:
    db: Database
    clock: FrozenClock
    unit: Unit
    area: Area
    members: list[int]

    def as_member(self, member_id: int, work: Callable[[Any, Member], Any]) -> Any:
        with self.db.session(write=True) as session:
            actor = session.get(Member, member_id)
            assert actor is not None
            result = work(session, actor)
            session.commit()
            return result

    def revoke(self, member_id: int, initiative_id: int) -> None:
        self.as_member(
            member_id,
            lambda s, a: initiatives.revoke_initiative(
                s, actor=a, initiative_id=initiative_id, clock=self.clock
            ),
        )

    def propose(self, member_id: int, policy: Policy) -> Initiative:
        """A new issue with one initiative; its initiator supports it."""
        initiative: Initiative = self.as_member(
            member_id,
            lambda s, a: initiatives.create_initiative(
                s,
                actor=a,
                name="P",
                content="T",
                area_id=self.area.id,
                policy_id=policy.id,
                clock=self.clock,
            ),
        )
        self.as_member(
            member_id,
            lambda s, a: participation.support(s, actor=a, initiative_id=initiative.id or 0),
        )
        return initiative

    def counts(self, initiative_ids: list[int]) -> list[int]:
        with self.db.session() as session:
            found = {
                i.id: i.supporter_count
                for i in session.exec(
                    select(Initiative).where(col(Initiative.id).in_(initiative_ids))
                )
            }
        return [found[i] for i in initiative_ids]

    def snapshot_times(self, issue_ids: list[int]) -> list[Any]:
        with self.db.session() as session:
            issues = {i.id: i for i in session.exec(select(Issue))}
        return [issues[i].snapshot_at for i in issue_ids]


def make_world(db: Database, clock: FrozenClock, members: int) -> World:
    unit = make_unit(db)
    area = make_area(db, unit)
    ids = []
    for _ in range(members):
        member = make_member(db)
        grant(db, unit, member)
        ids.append(member.id or 0)
    return World(db, clock, unit, area, ids)


def long_policy(db: Database) -> Policy:
    """Nothing falls due for 100 days: no issue reaches the quorum of all members."""
    return make_policy(
        db, max_admission_time=100 * DAY, issue_quorum_num=1, issue_quorum_den=1, name="Long"
    )


@dataclass
class Pause:
    """Pauses the next run inside ``take_snapshot`` of one issue until the writer is done (at
    most ``PAUSE_S``): ``resumed_by_writer`` says whether the writer finished in time, i.e. its
    write never waited for the run. Counts every ``take_snapshot`` per issue."""

    issue_id: int
    nth: int = 1  # the call of take_snapshot for that issue that pauses
    paused: threading.Event = field(default_factory=threading.Event)
    resume: threading.Event = field(default_factory=threading.Event)
    resumed_by_writer: bool | None = None
    calls: dict[int, int] = field(default_factory=dict)


@pytest.fixture
def pause(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Pause]]:
    original = lifecycle.take_snapshot

    def install(issue_id: int, nth: int = 1) -> Pause:
        state = Pause(issue_id, nth)

        def pausing(session: Any, issue: Issue, *args: Any, **kwargs: Any) -> Any:
            state.calls[issue.id or 0] = state.calls.get(issue.id or 0, 0) + 1
            if issue.id == state.issue_id and state.calls[issue.id] == state.nth:
                state.paused.set()
                state.resumed_by_writer = state.resume.wait(timeout=PAUSE_S)
            return original(session, issue, *args, **kwargs)

        monkeypatch.setattr(lifecycle, "take_snapshot", pausing)
        return state

    yield install


def run_with_writer(
    world: World, pause: Pause, write: Callable[[], None]
) -> tuple[list[Transition], BaseException | None]:
    """Run the lifecycle in one thread; once it pauses, ``write`` (committing) in another."""
    result: list[list[Transition]] = []
    errors: list[BaseException] = []

    def runner() -> None:
        try:
            result.append(run_lifecycle(world.db, clock=world.clock))
        except BaseException as exc:
            errors.append(exc)

    def writer() -> None:
        assert pause.paused.wait(timeout=60), "the run never reached the paused snapshot"
        try:
            write()
        except BaseException as exc:
            errors.append(exc)
        finally:
            pause.resume.set()

    threads = [threading.Thread(target=runner), threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return (result[0] if result else []), (errors[0] if errors else None)


class TestWritersDuringARun:
    def test_a_delegation_write_completes_inside_a_snapshot_which_never_sees_it(
        self, committed_db: Database, clock: FrozenClock, pause: Callable[..., Pause]
    ) -> None:
        """(a) A unit delegation commits while the run is inside the second issue's snapshot;
        (b) no snapshot of that run sees it, nor a support committed meanwhile in the third
        issue, though that issue's snapshot is taken after both: the run's issues all see its
        one moment. The next run sees both."""
        world = make_world(committed_db, clock, members=4)
        initiator, x, y, _ = world.members
        policy = long_policy(committed_db)
        proposed = [world.propose(initiator, policy) for _ in range(3)]
        issues = [i.issue_id for i in proposed]
        ids = [i.id or 0 for i in proposed]
        assert run_lifecycle(committed_db, clock=clock) == []
        assert world.counts(ids) == [1, 1, 1]
        clock.advance(60)
        state = pause(issues[1])

        def write() -> None:
            world.as_member(
                x,
                lambda s, a: delegations.set_delegation(
                    s, actor=a, trustee_id=initiator, unit_id=world.unit.id, clock=clock
                ),
            )
            world.as_member(y, lambda s, a: participation.support(s, actor=a, initiative_id=ids[2]))

        steps, error = run_with_writer(world, state, write)
        assert error is None
        assert steps == []
        assert state.resumed_by_writer is True, "the delegation write waited for the run"
        assert world.snapshot_times(issues) == [clock()] * 3
        assert world.counts(ids) == [1, 1, 1]
        clock.advance(60)
        assert run_lifecycle(committed_db, clock=clock) == []
        assert world.counts(ids) == [2, 2, 3]

    def test_a_support_after_the_moment_counts_in_the_transition_it_decides(
        self, committed_db: Database, clock: FrozenClock, pause: Callable[..., Pause]
    ) -> None:
        """(c) At the moment the second issue is due to be canceled (admission ended without
        quorum); a support committed after the moment reaches the quorum, and the snapshot the
        transition is decided by, taken under the unit's lock, counts it: the issue is
        accepted."""
        world = make_world(committed_db, clock, members=4)
        initiator, supporter, _, _ = world.members
        first = world.propose(initiator, long_policy(committed_db))
        short = make_policy(
            committed_db, max_admission_time=DAY, issue_quorum_num=1, issue_quorum_den=2
        )
        second = world.propose(initiator, short)
        clock.advance(DAY + 60)
        state = pause(first.issue_id)

        def write() -> None:
            world.as_member(
                supporter,
                lambda s, a: participation.support(s, actor=a, initiative_id=second.id or 0),
            )

        steps, error = run_with_writer(world, state, write)
        assert error is None
        assert state.resumed_by_writer is True
        assert steps == [Transition(second.issue_id, "admission", "discussion")]
        assert world.counts([first.id or 0, second.id or 0]) == [1, 2]

    def test_a_serialization_failure_sends_the_issue_to_the_locked_path(
        self, committed_db: Database, clock: FrozenClock, pause: Callable[..., Pause]
    ) -> None:
        """(d) The second issue's only initiative is revoked after the moment: its snapshot,
        which writes that initiative's counts, fails with a serialization failure; the issue is
        advanced under the unit's lock instead (canceled, as the revocation asks) and the run
        succeeds."""
        world = make_world(committed_db, clock, members=3)
        initiator = world.members[0]
        policy = long_policy(committed_db)
        first = world.propose(initiator, policy)
        second = world.propose(initiator, policy)  # no snapshot yet: the counts will change
        clock.advance(60)
        state = pause(first.issue_id)

        steps, error = run_with_writer(
            world, state, lambda: world.revoke(initiator, second.id or 0)
        )
        assert error is None
        assert state.resumed_by_writer is True
        assert steps == [
            Transition(second.issue_id, "admission", "canceled_revoked_before_accepted")
        ]
        assert state.calls == {first.issue_id: 1, second.issue_id: 2}
        assert world.counts([first.id or 0, second.id or 0]) == [1, 1]
        assert world.snapshot_times([first.issue_id, second.issue_id]) == [clock()] * 2

    def test_a_writer_of_an_issue_due_later_does_not_deadlock_with_the_transitions(
        self, committed_db: Database, clock: FrozenClock, pause: Callable[..., Pause]
    ) -> None:
        """While the locked path advances the first of two due issues, the second issue's only
        initiative is revoked. The revocation holds that issue's row shared and writes an event
        referring to the unit, whose foreign key check share-locks the unit's key: the unit lock
        of the transitions must not conflict with that (``FOR NO KEY UPDATE``), or the two
        deadlock as the transitions reach the second issue."""
        world = make_world(committed_db, clock, members=4)
        initiator = world.members[0]
        short = make_policy(
            committed_db, max_admission_time=DAY, issue_quorum_num=1, issue_quorum_den=1
        )
        first = world.propose(initiator, short)
        second = world.propose(initiator, short)
        clock.advance(DAY + 60)
        state = pause(first.issue_id, nth=2)  # the moment's snapshot, then the locked path's

        steps, error = run_with_writer(
            world, state, lambda: world.revoke(initiator, second.id or 0)
        )
        assert error is None
        assert state.resumed_by_writer is True, "the revocation waited for the transitions"
        assert steps == [
            Transition(first.issue_id, "admission", "canceled_issue_not_accepted"),
            Transition(second.issue_id, "admission", "canceled_revoked_before_accepted"),
        ]


class TestTwoRunsAtTheirMoments:
    def test_two_runs_at_once_advance_each_issue_once(
        self, committed_db: Database, clock: FrozenClock
    ) -> None:
        """(e) Two runs at once over issues whose snapshots reach the quorum and whose phases
        are zero-length: each transition happens once, in one of the two runs."""
        import sqlalchemy as sa

        from proposals.models import Event
        from tests.api.test_concurrency import in_threads

        world = make_world(committed_db, clock, members=4)
        policy = make_policy(committed_db, discussion_time=0, verification_time=0)
        proposed = [world.propose(world.members[0], policy) for _ in range(4)]
        issues = sorted(i.issue_id for i in proposed)
        clock.advance(60)
        results: list[list[Transition]] = [[], []]

        def run(slot: int) -> Callable[[], None]:
            def go() -> None:
                results[slot] = run_lifecycle(committed_db, clock=clock)

            return go

        in_threads(run(0), run(1))
        done = sorted((t.issue_id, t.from_state, t.to_state) for r in results for t in r)
        assert done == sorted(
            (i, a, b)
            for i in issues
            for a, b in (
                ("admission", "discussion"),
                ("discussion", "verification"),
                ("verification", "voting"),
            )
        )
        with committed_db.session() as session:
            changes = session.exec(
                select(Event.issue_id, sa.func.count())
                .where(col(Event.type) == "issue_state_changed")
                .group_by(col(Event.issue_id))
            ).all()
        assert sorted(changes) == [(i, 3) for i in issues]
