"""The weight a member would carry (``proposals.services.weights``) against a naive walk of every
member's chain, on small generated delegation graphs stored in the database; and proof that
nobody's interest or ballot changes it."""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from app.db import Database
from delegation import resolve
from proposals.graphs import load_overrides, load_unit_graph
from proposals.models import Ballot, Delegation, Interest, Issue, Member, Privilege
from proposals.services import initiatives, issues
from proposals.services.weights import delegate_weights, weight_carried, weights_carried
from tests.factories import NOW, grant, make_area, make_member, make_policy, make_unit

POOL = 6
# The contexts a generated row may live in: the unit, the issues' area, another area, the issue
# asked about, another issue of the same area.
CONTEXTS = ("unit", "area", "other_area", "issue", "other_issue")


@dataclass
class Org:
    unit_id: int
    area_id: int
    other_area_id: int
    issue: Issue
    other_issue: Issue
    members: list[int]

    def scope_of(self, context: str) -> dict[str, Any]:
        scopes: dict[str, dict[str, Any]] = {
            "unit": {"scope": "unit", "unit_id": self.unit_id},
            "area": {"scope": "area", "area_id": self.area_id},
            "other_area": {"scope": "area", "area_id": self.other_area_id},
            "issue": {"scope": "issue", "issue_id": self.issue.id},
            "other_issue": {"scope": "issue", "issue_id": self.other_issue.id},
        }
        return scopes[context]


@pytest.fixture
def org(db: Database) -> Org:
    unit = make_unit(db)
    area = make_area(db, unit)
    other_area = make_area(db, unit, name="Housing")
    policy = make_policy(db)
    creator = make_member(db)
    grant(db, unit, creator, voting=False, initiative=True)  # not eligible: never in the graph

    def new_issue(area_id: int) -> Issue:
        with db.session() as session:
            initiative = initiatives.create_initiative(
                session,
                actor=creator,
                name="Proposal",
                content="Text",
                area_id=area_id,
                policy_id=policy.id,
                clock=lambda: NOW,
            )
            session.commit()
            return issues.get_issue(session, initiative.issue_id)

    issue = new_issue(area.id or 0)
    other_issue = new_issue(area.id or 0)
    return Org(
        unit_id=unit.id or 0,
        area_id=area.id or 0,
        other_area_id=other_area.id or 0,
        issue=issue,
        other_issue=other_issue,
        members=[make_member(db).id or 0 for _ in range(POOL)],
    )


Row = tuple[int, int | None, str]  # (truster index, trustee index or None, context)


@st.composite
def graphs(draw: st.DrawFn) -> tuple[set[int], list[Row], int]:
    """(eligible member indexes, valid rows, the member asked about)."""
    eligible = draw(st.sets(st.integers(0, POOL - 1)))
    rows: dict[tuple[int, str], int | None] = {}
    for _ in range(draw(st.integers(0, 14))):
        truster = draw(st.integers(0, POOL - 1))
        context = draw(st.sampled_from(CONTEXTS))
        choices = [m for m in range(POOL) if m != truster]
        trustee = draw(
            st.sampled_from(choices)
            if context == "unit"
            else st.one_of(st.none(), st.sampled_from(choices))
        )
        rows[truster, context] = trustee
    me = draw(st.integers(0, POOL - 1))
    return eligible, [(t, e, c) for (t, c), e in rows.items()], me


def naive_weight(
    eligible: set[int],
    rows: list[Row],
    me: int,
    issue_context: str,
    declined: Collection[Row] = (),
) -> int:
    """Follow every other eligible member's chain by hand: issue row, else area row, else unit
    row; a null block, an ineligible member, a member without delegation or a repeat ends it; a
    declined row counts as if it did not exist (issue 12)."""
    if me not in eligible:
        return 0
    contexts = {"issue": issue_context, "area": "area", "unit": "unit"}
    by = {(t, c): e for t, e, c in rows if (t, e, c) not in declined}

    def link(member: int) -> int | None:
        for scope in ("issue", "area", "unit"):
            if (member, contexts[scope]) in by:
                return by[member, contexts[scope]]
        return None

    weight = 1
    for start in eligible - {me}:
        seen = {start}
        current = link(start)
        while current is not None and current in eligible and current not in seen:
            if current == me:
                weight += 1
                break
            seen.add(current)
            current = link(current)
    return weight


def _store(
    session: Session,
    org: Org,
    eligible: set[int],
    rows: list[Row],
    declined: Collection[Row] = (),
) -> None:
    """Store the rows (those in ``declined`` declined by their trustee); a member outside
    ``eligible`` is not eligible in one of three ways, by index: no privilege in the unit, a
    privilege without voting right, or inactive."""
    for index, member_id in enumerate(org.members):
        way = "eligible" if index in eligible else ("none", "no_right", "inactive")[index % 3]
        if way != "none":
            session.add(
                Privilege(
                    unit_id=org.unit_id,
                    member_id=member_id,
                    voting_right=way != "no_right",
                    initiative_right=way == "no_right",
                )
            )
        if way == "inactive":
            member = session.get(Member, member_id)
            assert member is not None
            member.active = False
            session.add(member)
    for truster, trustee, context in rows:
        session.add(
            Delegation(
                truster_id=org.members[truster],
                trustee_id=None if trustee is None else org.members[trustee],
                created_at=NOW,
                declined_at=NOW if (truster, trustee, context) in declined else None,
                **org.scope_of(context),
            )
        )
    session.flush()


class TestWeightsCarried:
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(graph=graphs(), takes_part=st.sets(st.integers(0, POOL - 1)))
    def test_matches_a_naive_walk_and_ignores_participation(
        self, db: Database, org: Org, graph: tuple[set[int], list[Row], int], takes_part: set[int]
    ) -> None:
        eligible, rows, me = graph
        with db.session() as session:
            try:
                _store(session, org, eligible, rows)
                member = org.members[me]
                both = [org.issue, org.other_issue]
                expected = {
                    org.issue.id: naive_weight(eligible, rows, me, "issue"),
                    org.other_issue.id: naive_weight(eligible, rows, me, "other_issue"),
                }
                assert weights_carried(session, member, both) == expected
                assert weight_carried(session, org.issue, member) == expected[org.issue.id]
                # Interest, support's interest and ballots of anyone (me included) change nothing.
                for index in takes_part:
                    for issue in both:
                        session.add(Interest(issue_id=issue.id or 0, member_id=org.members[index]))
                        session.add(
                            Ballot(
                                issue_id=issue.id or 0, member_id=org.members[index], updated_at=NOW
                            )
                        )
                session.flush()
                assert weights_carried(session, member, both) == expected
            finally:
                session.rollback()

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(graph=graphs())
    def test_delegate_weights_equal_weights_carried_for_every_member(
        self, db: Database, org: Org, graph: tuple[set[int], list[Row], int]
    ) -> None:
        eligible, rows, _ = graph
        with db.session() as session:
            try:
                _store(session, org, eligible, rows)
                for issue, context in ((org.issue, "issue"), (org.other_issue, "other_issue")):
                    at_once = delegate_weights(session, issue)
                    assert all(weight >= 2 for weight in at_once.values())
                    for index, member in enumerate(org.members):
                        one = weights_carried(session, member, [issue])[issue.id or 0]
                        assert one == naive_weight(eligible, rows, index, context)
                        assert at_once.get(member, 1 if index in eligible else 0) == one
            finally:
                session.rollback()

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(graph=graphs(), data=st.data())
    def test_declined_rows_count_as_if_they_did_not_exist(
        self, db: Database, org: Org, graph: tuple[set[int], list[Row], int], data: st.DataObject
    ) -> None:
        """Issue 12: weights, delegate weights and the lifecycle's graph (snapshot and close)
        read declined rows from the database as if they were not there."""
        eligible, rows, _ = graph
        declinable = [row for row in rows if row[1] is not None]
        declined = data.draw(st.sets(st.sampled_from(declinable))) if declinable else set()
        with db.session() as session:
            try:
                _store(session, org, eligible, rows, declined)
                unit_graph = load_unit_graph(session, org.unit_id)
                for issue, context in ((org.issue, "issue"), (org.other_issue, "other_issue")):
                    at_once = delegate_weights(session, issue)
                    overrides = load_overrides(
                        session, unit_graph, area_id=issue.area_id, issue_id=issue.id
                    )
                    nobody_votes = resolve(unit_graph, set(), overrides)
                    for index, member in enumerate(org.members):
                        expected = naive_weight(eligible, rows, index, context, declined)
                        one = weights_carried(session, member, [issue])[issue.id or 0]
                        assert one == expected
                        assert at_once.get(member, 1 if index in eligible else 0) == expected
                        if index in eligible:
                            alone = resolve(unit_graph, {member}, overrides).weights[member]
                            assert alone == expected
                    assert not nobody_votes.weights
            finally:
                session.rollback()

    def test_a_delegate_carries_those_behind_them(self, db: Database, org: Org) -> None:
        a, b, c, d = range(4)
        rows: list[Row] = [(c, b, "unit"), (d, c, "area"), (a, b, "issue")]
        with db.session() as session:
            _store(session, org, {a, b, c, d}, rows)
            assert weight_carried(session, org.issue, org.members[b]) == 4
            assert weight_carried(session, org.other_issue, org.members[b]) == 3  # a: issue only
            assert weight_carried(session, org.issue, org.members[c]) == 2
            assert weight_carried(session, org.issue, org.members[a]) == 1

    def test_a_block_a_dead_end_and_a_cycle_through_me(self, db: Database, org: Org) -> None:
        a, b, c, d, e = range(5)
        rows: list[Row] = [
            (a, b, "unit"),
            (a, None, "issue"),  # a blocks this issue: a's unit delegation does not apply
            (c, e, "unit"),  # e is not eligible: c's weight is lost there
            (e, b, "unit"),
            (d, b, "unit"),
            (b, d, "unit"),  # b -> d -> b: b's own delegation is cut, d is behind b
        ]
        with db.session() as session:
            _store(session, org, {a, b, c, d}, rows)
            assert weight_carried(session, org.issue, org.members[b]) == 2  # b and d
            assert weight_carried(session, org.other_issue, org.members[b]) == 3  # and a
            assert weight_carried(session, org.issue, org.members[e]) == 0  # not eligible
