"""The weighted counts a snapshot stores (DESIGN.md §2) against a naive sum row by row, on small
generated supports, opinions and delegations (issue 13 item 2: the warm snapshot reads them
grouped, and sums the groups in C)."""

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, delete, select

from app.db import Database
from delegation import resolve
from proposals.graphs import UnitGraphs, load_overrides, load_unit_graph
from proposals.lifecycle import take_snapshot
from proposals.models import (
    Delegation,
    Draft,
    Initiative,
    Interest,
    Issue,
    Opinion,
    Privilege,
    Suggestion,
    Supporter,
)
from proposals.services import initiatives, issues
from tests.factories import NOW, grant, make_area, make_member, make_policy, make_unit

POOL = 7
INITIATIVES = 3  # the last one has nobody's support
DRAFTS = 2  # per initiative; the second is the current one
SUGGESTIONS = 2  # per initiative
KINDS = [(degree, fulfilled) for degree in (-2, -1, 1, 2) for fulfilled in (False, True)]


@dataclass
class Org:
    unit_id: int
    area_id: int
    issue: Issue
    initiative_ids: list[int]
    drafts: dict[int, list[int]]  # initiative -> its drafts, oldest first
    suggestions: dict[int, list[int]]  # initiative -> its suggestions
    members: list[int]


@pytest.fixture
def org(db: Database) -> Org:
    unit = make_unit(db)
    area = make_area(db, unit)
    policy = make_policy(db)
    creator = make_member(db)
    grant(db, unit, creator, voting=False, initiative=True)  # not eligible
    with db.session() as session:
        first = initiatives.create_initiative(
            session,
            actor=creator,
            name="Proposal",
            content="Text",
            area_id=area.id,
            policy_id=policy.id,
            clock=lambda: NOW,
        )
        issue_id = first.issue_id
        ids = [first.id or 0]
        for n in range(1, INITIATIVES):
            other = initiatives.create_initiative(
                session,
                actor=creator,
                name=f"Proposal {n}",
                content="Text",
                issue_id=issue_id,
                clock=lambda: NOW,
            )
            ids.append(other.id or 0)
        drafts: dict[int, list[int]] = {}
        suggestions: dict[int, list[int]] = {}
        for initiative_id in ids:
            session.add(
                Draft(
                    initiative_id=initiative_id,
                    author_id=creator.id or 0,
                    created_at=NOW,
                    content="2",
                )
            )
            session.flush()
            drafts[initiative_id] = [
                d.id or 0
                for d in session.exec(
                    select(Draft)
                    .where(Draft.initiative_id == initiative_id)
                    .order_by(col(Draft.id))
                )
            ]
            assert len(drafts[initiative_id]) == DRAFTS
            for n in range(SUGGESTIONS):
                suggestion = Suggestion(
                    initiative_id=initiative_id,
                    draft_id=drafts[initiative_id][0],
                    author_id=creator.id or 0,
                    name=f"Suggestion {n}",
                    content="Text",
                    created_at=NOW,
                )
                session.add(suggestion)
                session.flush()
                suggestions.setdefault(initiative_id, []).append(suggestion.id or 0)
        session.commit()
        issue = issues.get_issue(session, issue_id)
    return Org(
        unit_id=unit.id or 0,
        area_id=area.id or 0,
        issue=issue,
        initiative_ids=ids,
        drafts=drafts,
        suggestions=suggestions,
        members=[make_member(db).id or 0 for _ in range(POOL)],
    )


@st.composite
def scenes(draw: st.DrawFn) -> dict[str, object]:
    """Member indexes: eligible ones, unit delegations, interest, supports (initiative index,
    draft index) and opinions (initiative index, suggestion index, kind index)."""
    members = st.integers(0, POOL - 1)
    eligible = draw(st.sets(members, min_size=3))
    links = draw(st.dictionaries(members, members))
    return {
        "eligible": eligible,
        "links": {t: e for t, e in links.items() if t != e},
        "interested": draw(st.sets(members, min_size=2)),
        "supports": draw(
            st.dictionaries(
                st.tuples(st.integers(0, INITIATIVES - 2), members),
                st.integers(0, DRAFTS - 1),
                min_size=3,
            )
        ),
        "opinions": draw(
            st.dictionaries(
                st.tuples(
                    st.integers(0, INITIATIVES - 1), st.integers(0, SUGGESTIONS - 1), members
                ),
                st.integers(0, len(KINDS) - 1),
                min_size=3,
            )
        ),
    }


def _store(session: Session, org: Org, scene: dict[str, object]) -> None:
    eligible, links, interested = scene["eligible"], scene["links"], scene["interested"]
    supports, opinions = scene["supports"], scene["opinions"]
    assert isinstance(eligible, set) and isinstance(interested, set)
    assert isinstance(links, dict) and isinstance(supports, dict) and isinstance(opinions, dict)
    for index, member_id in enumerate(org.members):
        if index in eligible:
            session.add(
                Privilege(
                    unit_id=org.unit_id,
                    member_id=member_id,
                    voting_right=True,
                    initiative_right=False,
                )
            )
    for truster, trustee in links.items():
        session.add(
            Delegation(
                truster_id=org.members[truster],
                trustee_id=org.members[trustee],
                created_at=NOW,
                scope="unit",
                unit_id=org.unit_id,
            )
        )
    issue_id = org.issue.id or 0
    for index in interested:
        session.add(Interest(issue_id=issue_id, member_id=org.members[index]))
    for (initiative, member), draft in supports.items():
        initiative_id = org.initiative_ids[initiative]
        session.add(
            Supporter(
                initiative_id=initiative_id,
                member_id=org.members[member],
                issue_id=issue_id,
                draft_id=org.drafts[initiative_id][draft],
            )
        )
    for (initiative, suggestion, member), kind in opinions.items():
        initiative_id = org.initiative_ids[initiative]
        degree, fulfilled = KINDS[kind]
        session.add(
            Opinion(
                suggestion_id=org.suggestions[initiative_id][suggestion],
                member_id=org.members[member],
                initiative_id=initiative_id,
                degree=degree,
                fulfilled=fulfilled,
            )
        )
    session.flush()


def _expected(
    session: Session, org: Org
) -> tuple[dict[int, tuple[int, ...]], dict[int, tuple[int, ...]]]:
    """DESIGN.md §2 row by row: the counts of each initiative and suggestion."""
    graph = load_unit_graph(session, org.unit_id)
    interested = session.exec(select(Interest.member_id).where(Interest.issue_id == org.issue.id))
    overrides = load_overrides(session, graph, area_id=org.area_id, issue_id=org.issue.id)
    weights = resolve(graph, list(interested), overrides).weights
    opinions = list(session.exec(select(Opinion)))
    critical = {
        (o.initiative_id, o.member_id)
        for o in opinions
        if (o.degree, o.fulfilled) in ((2, False), (-2, True))
    }
    counts: dict[int, tuple[int, ...]] = {}
    for initiative_id in org.initiative_ids:
        current = org.drafts[initiative_id][-1]
        total = informed = satisfied = both = 0
        for s in session.exec(select(Supporter).where(Supporter.initiative_id == initiative_id)):
            weight = weights.get(s.member_id, 0)
            total += weight
            content = (initiative_id, s.member_id) not in critical
            if s.draft_id == current:
                informed += weight
                both += weight if content else 0
            satisfied += weight if content else 0
        counts[initiative_id] = (total, informed, satisfied, both)
    sums: dict[int, tuple[int, ...]] = {}
    for ids in org.suggestions.values():
        for suggestion_id in ids:
            sums[suggestion_id] = tuple(
                sum(
                    weights.get(o.member_id, 0)
                    for o in opinions
                    if o.suggestion_id == suggestion_id and (o.degree, o.fulfilled) == kind
                )
                for kind in KINDS
            )
    return counts, sums


def _stored(
    session: Session, org: Org
) -> tuple[dict[int, tuple[int, ...]], dict[int, tuple[int, ...]]]:
    counts: dict[int, tuple[int, ...]] = {
        i.id or 0: (
            i.supporter_count,
            i.informed_supporter_count,
            i.satisfied_supporter_count,
            i.satisfied_informed_supporter_count,
        )
        for i in session.exec(select(Initiative).where(Initiative.issue_id == org.issue.id))
    }
    fields = [
        f"{'minus' if degree < 0 else 'plus'}{abs(degree)}_{'' if done else 'un'}fulfilled_count"
        for degree, done in KINDS
    ]
    sums = {
        s.id or 0: tuple(getattr(s, field) for field in fields)
        for s in session.exec(select(Suggestion))
    }
    return counts, sums


def _snapshot(session: Session, org: Org) -> int | None:
    """Take the issue's snapshot as a lifecycle run does; the stored population."""
    issue = session.get(Issue, org.issue.id)
    assert issue is not None
    graphs = UnitGraphs()
    take_snapshot(session, issue, graphs.arrays(session, org.unit_id), now=NOW, graphs=graphs)
    session.expire_all()
    stored = session.get(Issue, org.issue.id)
    assert stored is not None
    return stored.population


class TestSnapshotCounts:
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(scene=scenes())
    def test_the_stored_counts_are_the_naive_sums(
        self, db: Database, org: Org, scene: dict[str, object]
    ) -> None:
        with db.session() as session:
            try:
                _store(session, org, scene)
                expected = _expected(session, org)
                population = _snapshot(session, org)
                assert _stored(session, org) == expected
                assert population == len(scene["eligible"])  # type: ignore[arg-type]
            finally:
                session.rollback()

    def test_an_issue_nobody_is_interested_in(self, db: Database, org: Org) -> None:
        # Regression (issue 13, session 7): on PostgreSQL the ids of no rows, read without
        # grouping keys, came back as one row of null.
        with db.session() as session:
            try:
                session.exec(delete(Supporter))
                session.exec(delete(Interest))
                population = _snapshot(session, org)
                counts, _ = _stored(session, org)
                assert set(counts.values()) == {(0, 0, 0, 0)}
                assert population == len(UnitGraphs().arrays(session, org.unit_id).eligible)
            finally:
                session.rollback()
