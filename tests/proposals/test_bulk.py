"""Set-based reads and bulk writes (proposals/bulk.py) and the graph reader (graphs.py)."""

import gc
from datetime import timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from app.db import Database
from delegation import Delegation as Link
from proposals.bulk import (
    _copy_text,
    fetch_column,
    fetch_rows,
    gc_paused,
    insert_int_columns,
    insert_keyed_rows,
    insert_rows,
)
from proposals.graphs import (
    area_links,
    eligible_array,
    eligible_ids,
    issue_links,
    load_unit_arrays,
    scope_links,
)
from proposals.models import DirectVoter, Member, Unit
from proposals.services import delegations
from tests.factories import NOW, grant, make_area, make_member, make_unit


class TestFetchRows:
    def test_plain_tuples_with_in_lists_and_boolean_filters(self, db: Database) -> None:
        a, b, c = (make_member(db) for _ in range(3))
        ids = [a.id or 0, b.id or 0, c.id or 0]
        with db.session() as session:
            rows = fetch_rows(
                session,
                select(Member.id, Member.name)
                .where(col(Member.id).in_(ids[:2]), col(Member.active))
                .order_by(col(Member.id)),
            )
        assert rows == [(a.id, a.name), (b.id, b.name)]
        assert all(type(row) is tuple for row in rows)

    def test_binary_results_are_the_same_plain_tuples(self, db: Database) -> None:
        a, b = make_member(db), make_member(db)
        statement = (
            select(Member.id, Member.active, Member.name, sa.literal(None, sa.Integer))
            .where(col(Member.id).in_([a.id or 0, b.id or 0]))
            .order_by(col(Member.id))
        )
        with db.session() as session:
            rows = fetch_rows(session, statement, binary=True)
            assert rows == fetch_rows(session, statement)
            ((count,),) = fetch_rows(session, sa.select(sa.func.count(col(Member.id))), binary=True)
        assert rows == [(a.id, True, a.name, None), (b.id, True, b.name, None)]
        assert all(type(row) is tuple for row in rows)
        assert count == 2

    def test_an_empty_in_list_matches_nothing(self, db: Database) -> None:
        make_member(db)
        with db.session() as session:
            assert fetch_column(session, select(Member.id).where(col(Member.id).in_([]))) == []

    def test_pending_changes_are_flushed_first(self, db: Database) -> None:
        with db.session() as session:
            session.add(Unit(name="Pending", created_at=NOW))
            assert fetch_column(session, select(Unit.name)) == ["Pending"]

    def test_only_plain_values_are_bound(self, db: Database) -> None:
        with db.session() as session, pytest.raises(TypeError, match="plain values"):
            fetch_rows(session, select(Member.id).where(col(Member.created_at) < NOW))


class TestInsertRows:
    def test_round_trip_with_nulls_odd_text_and_ids_in_row_order(self, db: Database) -> None:
        parent = make_unit(db)
        names = ["tab\there", "new\nline", "back\\slash", "plain"]
        rows = [(name, "", parent.id if i % 2 else None, NOW) for i, name in enumerate(names)]
        with db.session() as session:
            count = insert_rows(
                session, Unit, ("name", "description", "parent_id", "created_at"), rows
            )
            stored = session.exec(
                select(Unit.name, Unit.parent_id, Unit.created_at)
                .where(col(Unit.id) != parent.id)
                .order_by(col(Unit.id))
            ).all()
        assert count == 4
        assert [tuple(row) for row in stored] == [(n, p, t) for n, _, p, t in rows]

    def test_no_rows_write_nothing(self, db: Database) -> None:
        with db.session() as session:
            assert insert_rows(session, Unit, ("name", "created_at"), []) == 0

    def test_constraints_still_hold(self, db: Database) -> None:
        with db.session() as session, pytest.raises(sa.exc.IntegrityError):
            columns = ("name", "description", "parent_id", "created_at")
            insert_rows(session, Unit, columns, [("x", "", 10**9, NOW)])


def ints(*values: int) -> np.typing.NDArray[np.int64]:
    return np.array(values, dtype=np.int64)


class TestInsertIntColumns:
    COLUMNS = ("issue_id", "member_id", "weight")

    def test_round_trip_of_the_integer_range(self, db: Database) -> None:
        members = ints(3, 1, 2**31 - 1, -(2**31))
        with db.session() as session:
            count = insert_int_columns(
                session, DirectVoter, self.COLUMNS, (ints(7, 7, 7, 7), members, ints(1, 2, 9, 5))
            )
            stored = session.exec(
                select(DirectVoter.issue_id, DirectVoter.member_id, DirectVoter.weight).order_by(
                    col(DirectVoter.member_id)
                )
            ).all()
        assert count == 4
        assert [tuple(row) for row in stored] == [
            (7, -(2**31), 5),
            (7, 1, 2),
            (7, 3, 1),
            (7, 2**31 - 1, 9),
        ]

    def test_no_rows_write_nothing(self, db: Database) -> None:
        with db.session() as session:
            assert (
                insert_int_columns(session, DirectVoter, self.COLUMNS, (ints(), ints(), ints()))
                == 0
            )
            assert session.exec(select(DirectVoter)).all() == []

    def test_a_value_outside_the_integer_range_is_refused(self, db: Database) -> None:
        with db.session() as session, pytest.raises(ValueError, match="member_id"):
            insert_int_columns(session, DirectVoter, self.COLUMNS, (ints(7), ints(2**31), ints(1)))

    def test_constraints_still_hold(self, db: Database) -> None:
        with db.session() as session, pytest.raises(sa.exc.IntegrityError):
            insert_int_columns(
                session, DirectVoter, self.COLUMNS, (ints(7, 7), ints(1, 1), ints(1, 2))
            )


class TestInsertKeyedRows:
    def test_each_head_with_its_keys_tail_in_row_order(self, db: Database) -> None:
        parent = make_unit(db)
        later = NOW + timedelta(seconds=1)
        tails = {"a": ("d\\1\tx\ny\rz", None, NOW), "b": ("", parent.id, later)}
        heads = ["tab\there", "new\nline", "back\\slash", "plain", "\\N"]
        rows = list(zip(heads, ["a", "b", "a", "b", "a"], strict=True))
        with db.session() as session:
            count = insert_keyed_rows(
                session, Unit, ("name", "description", "parent_id", "created_at"), rows, tails
            )
            stored = session.exec(
                select(Unit.name, Unit.description, Unit.parent_id, Unit.created_at)
                .where(col(Unit.id) != parent.id)
                .order_by(col(Unit.id))
            ).all()
        assert count == 5
        assert [tuple(row) for row in stored] == [(head, *tails[key]) for head, key in rows]

    def test_integer_heads_and_no_rows(self, db: Database) -> None:
        parent = make_unit(db)
        with db.session() as session:
            columns = ("parent_id", "name", "description", "created_at")
            assert insert_keyed_rows(session, Unit, columns, [], {}) == 0
            tails = {1: ("x", "", NOW)}
            assert insert_keyed_rows(session, Unit, columns, [(parent.id, 1)], tails) == 1
            assert session.exec(select(Unit.parent_id).where(Unit.name == "x")).all() == [parent.id]

    def test_constraints_still_hold(self, db: Database) -> None:
        with db.session() as session, pytest.raises(sa.exc.IntegrityError):
            columns = ("parent_id", "name", "description", "created_at")
            insert_keyed_rows(session, Unit, columns, [(10**9, 0)], {0: ("x", "", NOW)})

    def test_copy_text_format(self) -> None:
        assert [_copy_text(v) for v in (None, True, False, 0, -7)] == ["\\N", "t", "f", "0", "-7"]
        assert _copy_text("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
        assert _copy_text(NOW) == "2026-01-05T12:00:00+00:00"
        with pytest.raises(TypeError, match="COPY"):
            _copy_text(1.5)


class TestGcPaused:
    def test_restores_the_collector_also_on_error(self) -> None:
        assert gc.isenabled()
        with pytest.raises(RuntimeError), gc_paused():
            assert not gc.isenabled()
            raise RuntimeError
        assert gc.isenabled()


class TestGraphReads:
    def test_eligible_is_active_with_voting_right(self, db: Database) -> None:
        unit, other = make_unit(db), make_unit(db, name="Other")
        voting, no_right, inactive, elsewhere = (make_member(db) for _ in range(4))
        grant(db, unit, voting)
        grant(db, unit, no_right, voting=False)
        grant(db, unit, inactive)
        grant(db, other, elsewhere)
        with db.session() as session:
            member = session.get(Member, inactive.id)
            assert member is not None
            member.active = False
            session.add(member)
            session.commit()
        with db.session() as session:
            assert eligible_ids(session, unit.id or 0) == frozenset({voting.id})
            assert eligible_array(session, unit.id or 0).tolist() == [voting.id]

    def test_a_unit_without_eligible_members_has_none(self, db: Database) -> None:
        unit = make_unit(db)
        grant(db, unit, make_member(db), voting=False)
        with db.session() as session:
            assert eligible_ids(session, unit.id or 0) == frozenset()
            assert eligible_ids(session, 10**9) == frozenset()
            assert eligible_array(session, 10**9).tolist() == []

    def test_scope_links_are_engine_rows(self, db: Database) -> None:
        unit = make_unit(db)
        area = make_area(db, unit)
        a, b = make_member(db), make_member(db)
        grant(db, unit, a)
        with db.session() as session:
            actor = session.get(Member, a.id)
            assert actor is not None
            clock = lambda: NOW + timedelta(seconds=1)  # noqa: E731
            delegations.set_delegation(
                session, actor=actor, trustee_id=b.id, unit_id=unit.id, clock=clock
            )
            delegations.set_delegation(
                session, actor=actor, trustee_id=None, area_id=area.id, clock=clock
            )
            assert scope_links(session, "unit", unit.id or 0) == [Link(a.id or 0, b.id, "unit")]
            assert scope_links(session, "area", area.id or 0) == [Link(a.id or 0, None, "area")]
            assert scope_links(session, "issue", 10**9) == []
            # The same rows as columns (issue 13): a block is a null trustee, sent as 0.
            trusters, trustees, blocks = area_links(session, area.id or 0)
            assert (trusters.tolist(), trustees.tolist(), blocks.tolist()) == ([a.id], [0], [True])
            assert [c.tolist() for c in issue_links(session, 10**9)] == [[], [], []]
            unit_arrays = load_unit_arrays(session, unit.id or 0)
            assert unit_arrays.eligible.tolist() == [a.id]
            assert (unit_arrays.trusters.tolist(), unit_arrays.trustees.tolist()) == (
                [a.id],
                [b.id],
            )
