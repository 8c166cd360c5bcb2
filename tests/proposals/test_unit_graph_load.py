"""Reading a unit graph from the database (``proposals.graphs.load_unit_graph``): the graph the
engine builds from the rows read one per pair, on both backends, down to the order of every
dict, list and set; invalid rows (possible only without the table's constraints) raise the
engine's errors."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.db import Database
from delegation import InvalidDelegationError, UnitGraph, build_unit_graph_from_pairs
from proposals.graphs import _scope_pairs, eligible_ids, int_columns, load_unit_graph
from tests.delegation.test_unit_columns import as_lists
from tests.factories import NOW, make_unit

TOP = 2**31 - 1  # the largest PostgreSQL ``integer``


def from_pairs(session: Session, unit_id: int) -> UnitGraph:
    """The graph as the rows read one pair at a time build it."""
    return build_unit_graph_from_pairs(
        eligible_ids(session, unit_id), _scope_pairs(session, "unit", unit_id)
    )


def add_members(session: Session, ids: list[int], *, inactive: tuple[int, ...] = ()) -> None:
    session.execute(
        sa.text(
            "INSERT INTO member (id, name, password_hash, statement, active, is_admin, created_at)"
            " VALUES (:id, :name, '-', '', :active, false, :created)"
        ),
        [{"id": m, "name": f"load{m}", "active": m not in inactive, "created": NOW} for m in ids],
    )


def grant_all(
    session: Session, unit_id: int, ids: list[int], *, no_vote: tuple[int, ...] = ()
) -> None:
    session.execute(
        sa.text(
            "INSERT INTO privilege (unit_id, member_id, voting_right, initiative_right)"
            " VALUES (:unit, :member, :voting, true)"
        ),
        [{"unit": unit_id, "member": m, "voting": m not in no_vote} for m in ids],
    )


def delegate(
    session: Session, unit_id: int, pairs: list[tuple[int, int | None]], *, declined: bool = False
) -> None:
    session.execute(
        sa.text(
            "INSERT INTO delegation (truster_id, trustee_id, scope, unit_id, created_at,"
            " declined_at) VALUES (:truster, :trustee, 'unit', :unit, :created, :declined)"
        ),
        [
            {
                "truster": t,
                "trustee": e,
                "unit": unit_id,
                "created": NOW,
                "declined": NOW + timedelta(seconds=1) if declined else None,
            }
            for t, e in pairs
        ],
    )


class TestLoadUnitGraph:
    def test_the_graph_of_the_pairs_in_every_order(self, db: Database) -> None:
        unit = make_unit(db)
        unit_id = unit.id or 0
        high = [TOP, TOP - 1, TOP - 2, TOP - 3, TOP - 4]
        ids = [*high, 900_001, 900_002, 900_003, 900_004]
        with db.session() as session:
            add_members(session, ids, inactive=(900_003,))
            grant_all(session, unit_id, ids, no_vote=(900_004,))
            delegate(
                session,
                unit_id,
                [
                    (TOP, TOP - 1),
                    (900_001, TOP - 1),
                    (TOP - 2, 900_001),
                    (900_003, TOP),  # inactive truster: dropped
                    (900_004, TOP),  # no voting right: dropped
                    (TOP - 1, 900_003),  # to an ineligible trustee: kept, a dead end
                ],
            )
            delegate(session, unit_id, [(TOP - 3, TOP)], declined=True)  # counts as absent
            graph = load_unit_graph(session, unit_id)
            expected = from_pairs(session, unit_id)
        assert as_lists(graph) == as_lists(expected)
        assert graph.trustee == {TOP: TOP - 1, 900_001: TOP - 1, TOP - 2: 900_001, TOP - 1: 900_003}
        assert graph.trusters_of[TOP - 1] == [TOP, 900_001]
        assert graph.eligible == frozenset({*high, 900_001, 900_002})

    def test_a_unit_without_delegations(self, db: Database) -> None:
        unit = make_unit(db)
        unit_id = unit.id or 0
        with db.session() as session:
            add_members(session, [800_001])
            grant_all(session, unit_id, [800_001])
            graph = load_unit_graph(session, unit_id)
            assert as_lists(graph) == as_lists(from_pairs(session, unit_id))
            assert graph.eligible == {800_001}
            assert (graph.trustee, graph.trusters_of, graph.trustees) == ({}, {}, frozenset())
            empty = load_unit_graph(session, 10**9)
        assert empty.eligible == frozenset() and empty.trustee == {}


@pytest.fixture
def unconstrained(db: Database, backend: str) -> Database:
    """PostgreSQL: the test's transaction without the constraints that keep invalid unit rows
    out (rolled back with the test)."""
    if backend != "postgres":
        pytest.skip("SQLite cannot drop a table's constraints")
    with db.session() as session:
        for name in ("ck_delegation_unit_has_trustee", "ck_delegation_not_self"):
            session.execute(sa.text(f"ALTER TABLE delegation DROP CONSTRAINT {name}"))
        session.execute(
            sa.text("ALTER TABLE delegation DROP CONSTRAINT uq_delegation_truster_unit")
        )
        session.commit()
    return db


class TestInvalidRows:
    @pytest.mark.parametrize(
        ("pairs", "message"),
        [
            (
                [(700_001, 700_002), (700_002, None)],
                "unit delegation of member 700002 has no trustee",
            ),
            ([(700_001, 700_002), (700_002, 700_002)], "member 700002 delegates to themselves"),
            (
                [(700_002, 700_001), (700_001, 700_003), (700_002, 700_003)],
                "member 700002 has more than one unit delegation",
            ),
        ],
    )
    def test_raise_the_engine_error(
        self, unconstrained: Database, pairs: list[tuple[int, int | None]], message: str
    ) -> None:
        unit = make_unit(unconstrained)
        unit_id = unit.id or 0
        ids = [700_001, 700_002, 700_003]
        with unconstrained.session() as session:
            add_members(session, ids)
            grant_all(session, unit_id, ids)
            delegate(session, unit_id, pairs)
            with pytest.raises(InvalidDelegationError) as engine_error:
                from_pairs(session, unit_id)
            assert str(engine_error.value) == message
            with pytest.raises(InvalidDelegationError, match=f"^{message}$"):
                load_unit_graph(session, unit_id)


def test_int_columns_read_signed_integers_of_the_whole_range(db: Database) -> None:
    # On PostgreSQL each id travels as its 4 big-endian bytes (int4send).
    values = (1, TOP, -1, -(2**31), 0)
    rows = sa.union_all(
        *(
            sa.select(sa.literal(n, sa.Integer).label("n"), sa.literal(k).label("k"))
            for k, n in enumerate(values)
        )
    ).subquery()
    with db.session() as session:
        ordered = sa.select(rows.c.n).order_by(rows.c.k)
        (column,) = int_columns(session, ordered)
        assert column.tolist() == list(values)
        (empty,) = int_columns(session, ordered.where(rows.c.k < 0))
        assert empty.tolist() == []
