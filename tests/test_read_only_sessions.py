"""Read-only units of work (GET): on PostgreSQL without BEGIN/COMMIT, never leaking into writes."""

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.db import Database
from app.main import create_app
from proposals.clock import FrozenClock
from tests.conftest import settings_for_tests
from tests.factories import NOW, bearer, make_member, make_token, make_unit


def _autocommit(database: Database, **kwargs: bool) -> bool:
    """Whether a statement of this kind of session runs outside a database transaction."""
    with database.session(**kwargs) as session:
        session.execute(sa.text("SELECT 1"))
        dbapi: Any = session.connection().connection.dbapi_connection
        if database.engine.dialect.name == "postgresql":
            return bool(dbapi.autocommit)
        return not dbapi.in_transaction


def test_read_only_sessions_autocommit_on_postgres_only(committed_db: Database) -> None:
    postgres = committed_db.engine.dialect.name == "postgresql"
    # The pool hands the same connections to both kinds, in turn: check the reset each way.
    for _ in range(3):
        assert _autocommit(committed_db, read_only=True) is postgres
        assert _autocommit(committed_db, write=True) is False
        assert _autocommit(committed_db) is False


def test_a_read_only_session_still_reads_what_was_committed(committed_db: Database) -> None:
    unit = make_unit(committed_db, name="Seen")
    with committed_db.session(read_only=True) as session:
        names = session.execute(sa.text("SELECT name FROM unit WHERE id = :i"), {"i": unit.id})
        assert names.scalar_one() == "Seen"


def test_the_api_reads_and_writes_on_a_real_database(committed_db: Database) -> None:
    """GETs run read-only, then a write through the same pool commits as before."""
    member = make_member(committed_db, is_admin=True)
    headers = bearer(make_token(committed_db, member))
    app = create_app(settings_for_tests(), database=committed_db, clock=FrozenClock(NOW))
    with TestClient(app) as client:
        for _ in range(3):
            assert client.get("/api/v1/units").status_code == 200
            created = client.post("/api/v1/units", json={"name": f"U{_}"}, headers=headers)
            assert created.status_code == 201, created.text
        listed = client.get("/api/v1/units", headers=headers)
        assert [u["name"] for u in listed.json()["items"]] == ["U0", "U1", "U2"]
        etag = listed.headers["etag"]
        again = client.get("/api/v1/units", headers={**headers, "If-None-Match": etag})
        assert again.status_code == 304
