"""The database's own write floor of a million-member close (issue 13, item 1), for ratios.

This machine's speed varies several-fold from day to day, so the scale benchmarks compare their
timings with a floor measured in the same run, on the same server:

* **read**: ``COPY (SELECT a, b, c FROM floor_source) TO STDOUT`` of 900,000 rows of three
  integer columns, every byte received by this process (not parsed: the floor is what the
  server and the socket cost, not what Python makes of it);
* **write**: ``COPY ... FROM STDIN`` of 710,000 rows of today's result columns -- 100,000 direct
  voters ``(issue_id, member_id, weight)``, 300,000 delegating voters ``(issue_id, member_id,
  trustee_id, weight, scope)`` and 310,000 votes ``(issue_id, member_id, initiative_id, grade)``,
  about what the close of the 1,000,000-member unit of ``bench/close_issue.py`` writes (97,470,
  296,968 and 311,455 rows, 2026-12-04) -- into
  three fresh tables without indexes or constraints, then ``COMMIT``.

Counts and widths are fixed (member ids spread over 1..1,000,000), independent of the
benchmark's ``--members``, so the floor does not shrink with the unit or with the storage a
close chooses.  The source table and the rows are prepared before the clock starts; the fresh
tables are created (empty, committed) before it too and dropped afterwards.
"""

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

READ_ROWS = 900_000
DIRECT, DELEGATING, VOTES = 100_000, 300_000, 310_000
WRITE_ROWS = DIRECT + DELEGATING + VOTES  # 710,000
MEMBERS = 1_000_000
SOURCE = "floor_source"
TABLES = {
    "floor_direct_voter": "issue_id integer, member_id integer, weight integer",
    "floor_delegating_voter": (
        "issue_id integer, member_id integer, trustee_id integer, weight integer, scope varchar(8)"
    ),
    "floor_vote": "issue_id integer, member_id integer, initiative_id integer, grade integer",
}

Row = tuple[int | str, ...]


@dataclass(frozen=True)
class FloorData:
    """The rows the write part copies, built in memory once per run."""

    rows: dict[str, list[Row]]


def prepare_floor(engine: sa.Engine) -> FloorData:
    """Create and vacuum the read source (900,000 rows) and build the rows to write."""
    with engine.connect() as connection:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {SOURCE}")
        connection.exec_driver_sql(
            f"CREATE TABLE {SOURCE} AS SELECT i AS a,"
            f" (mod(i * 7919::bigint, {MEMBERS}) + 1)::integer AS b, mod(i, 5) AS c"
            f" FROM generate_series(1, {READ_ROWS}) AS i"
        )
        connection.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM (ANALYZE) {SOURCE}")
    step = MEMBERS // DIRECT
    scopes = ("unit", "area", "issue")
    direct: list[Row] = [(2, 1 + i * step, 1 + i % 50) for i in range(DIRECT)]
    delegating: list[Row] = [
        (2, 1 + (i * 4761) % MEMBERS, 1 + (i * 7) % MEMBERS, 1 + i % 3, scopes[i % 3])
        for i in range(DELEGATING)
    ]
    votes: list[Row] = [
        (2, 1 + (i // 4) * (MEMBERS // (VOTES // 4)), 101 + i % 4, i % 5 - 2) for i in range(VOTES)
    ]
    return FloorData(
        {"floor_direct_voter": direct, "floor_delegating_voter": delegating, "floor_vote": votes}
    )


def _driver(connection: sa.Connection) -> Any:
    pg = connection.connection.driver_connection
    assert pg is not None
    return pg


def measure_floor(engine: sa.Engine, data: FloorData) -> dict[str, float]:
    """One measurement: ``read_s``, ``write_s`` and ``floor_s`` (their sum)."""
    with engine.connect() as connection:
        pg = _driver(connection)
        pg.commit()
        with pg.cursor() as cur:
            for table, columns in TABLES.items():
                cur.execute(f"DROP TABLE IF EXISTS {table}")
                cur.execute(f"CREATE TABLE {table} ({columns})")
        pg.commit()

        start = time.perf_counter()
        received, rows = 0, 0
        with (
            pg.cursor() as cur,
            cur.copy(f"COPY (SELECT a, b, c FROM {SOURCE}) TO STDOUT") as copy,
        ):
            for block in copy:  # libpq hands over one text row per block
                received += len(block)
                rows += 1
        pg.commit()
        read = time.perf_counter() - start
        assert rows == READ_ROWS, rows

        start = time.perf_counter()
        with pg.cursor() as cur:
            for table, table_rows in data.rows.items():
                names = ", ".join(c.split()[0] for c in TABLES[table].split(", "))
                with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    write = copy.write_row
                    for row in table_rows:
                        write(row)
        pg.commit()
        write_s = time.perf_counter() - start

        with pg.cursor() as cur:
            for table in TABLES:
                cur.execute(f"DROP TABLE {table}")
        pg.commit()
    return {"read_s": read, "write_s": write_s, "floor_s": read + write_s}


def floor_of(measurements: list[dict[str, float]]) -> dict[str, float]:
    """The mean of several measurements of one run (rounded), for the JSON."""
    n = len(measurements)
    return {
        key: round(sum(m[key] for m in measurements) / n, 3)
        for key in ("read_s", "write_s", "floor_s")
    }
