"""Malformed or invalid bodies answer 4xx with a ``detail``, and leave no row behind."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db import Database
from app.deps import SessionDep
from tests.api.test_structure import policy_body
from tests.factories import NOW, bearer, make_member, make_policy, make_token, make_unit, row_counts

MALFORMED = b'{"name": '  # broken JSON


def bad_bodies(world: dict[str, int]) -> list[tuple[str, str, Any]]:
    """(method, path, body) triples; bytes are sent raw, everything else as JSON."""
    unit, member, policy = world["unit"], world["member"], world["policy"]
    privilege = f"/api/v1/units/{unit}/privileges/{member}"
    return [
        ("POST", "/api/v1/members", MALFORMED),
        ("POST", "/api/v1/members", {"name": "x"}),
        ("POST", "/api/v1/members", {"name": "", "password": "0123456789"}),
        ("POST", "/api/v1/members", {"name": "x", "password": "short"}),
        ("POST", "/api/v1/members", {"name": "x" * 101, "password": "0123456789"}),
        ("POST", "/api/v1/members", {"name": "x", "password": "0123456789", "is_admin": "yes"}),
        ("POST", "/api/v1/members", {"name": "x", "password": "0123456789", "extra": 1}),
        ("POST", "/api/v1/members", [1, 2]),
        ("PATCH", "/api/v1/members/me", MALFORMED),
        ("PATCH", "/api/v1/members/me", {"password": "short"}),
        ("PATCH", "/api/v1/members/me", {"statement": 5}),
        ("PATCH", "/api/v1/members/me", {"email": "not an address"}),
        ("PATCH", f"/api/v1/members/{member}", {"active": "maybe"}),
        ("PATCH", f"/api/v1/members/{member}", MALFORMED),
        ("POST", "/api/v1/tokens", MALFORMED),
        ("POST", "/api/v1/tokens", {"name": "t", "scopes": []}),
        ("POST", "/api/v1/tokens", {"name": "t", "scopes": ["admin"]}),
        ("POST", "/api/v1/tokens", {"name": "t", "scopes": ["read"], "expires_at": "soon"}),
        ("POST", "/api/v1/tokens", {"name": "t", "scopes": ["read"], "expires_at": "2030-01-01"}),
        ("POST", "/api/v1/units", MALFORMED),
        ("POST", "/api/v1/units", {"name": ""}),
        ("POST", "/api/v1/units", {"name": "x", "parent_id": "one"}),
        ("POST", "/api/v1/units", {"name": "x", "parent_id": 999999}),
        ("PUT", privilege, MALFORMED),
        ("PUT", privilege, {"voting_right": True}),
        ("PUT", privilege, {"voting_right": "sure", "initiative_right": True}),
        (
            "PUT",
            f"/api/v1/units/{unit}/privileges/999999",
            {"voting_right": True, "initiative_right": True},
        ),
        ("POST", "/api/v1/areas", MALFORMED),
        ("POST", "/api/v1/areas", {"name": "x"}),
        ("POST", "/api/v1/areas", {"unit_id": 999999, "name": "x"}),
        ("POST", "/api/v1/policies", MALFORMED),
        ("POST", "/api/v1/policies", {"name": "p"}),
        ("POST", "/api/v1/policies", policy_body(voting_time=-1)),
        ("POST", "/api/v1/policies", policy_body(min_admission_time=9, max_admission_time=1)),
        ("POST", "/api/v1/policies", policy_body(issue_quorum_den=0)),
        ("POST", "/api/v1/policies", policy_body(defeat_strength="weird")),
        (
            "POST",
            "/api/v1/policies",
            policy_body(no_reverse_beat_path=True, defeat_strength="simple"),
        ),
        ("POST", "/api/v1/policies", policy_body(voting_time=2**70)),
        ("PATCH", f"/api/v1/policies/{policy}", {"active": None}),
        ("PATCH", f"/api/v1/policies/{policy}", MALFORMED),
        ("POST", "/api/v1/auth/token", {"username": "x"}),
    ]


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    return {
        "unit": make_unit(db).id or 0,
        "member": make_member(db).id or 0,
        "policy": make_policy(db).id or 0,
        "admin": make_member(db, is_admin=True).id or 0,
    }


class TestBadInput:
    def test_every_bad_body_is_4xx_with_detail_and_writes_nothing(
        self, client: TestClient, db: Database, world: dict[str, int]
    ) -> None:
        from sqlmodel import select

        from proposals.models import Member

        with db.session() as session:
            admin = session.exec(select(Member).where(Member.id == world["admin"])).one()
        headers = bearer(make_token(db, admin))
        before = row_counts(db)
        cases = bad_bodies(world)
        assert len(cases) > 30
        for method, path, body in cases:
            kwargs: dict[str, Any] = (
                {"content": body, "headers": {**headers, "content-type": "application/json"}}
                if isinstance(body, bytes)
                else {"json": body, "headers": headers}
            )
            response = client.request(method, path, **kwargs)
            assert 400 <= response.status_code < 500, (method, path, body, response.text)
            assert "detail" in response.json(), (method, path)
            assert row_counts(db) == before, (method, path, body)

    def test_a_refused_write_after_a_flush_leaves_no_row(
        self, app: FastAPI, client: TestClient, db: Database
    ) -> None:
        """The unit of work rolls back what a service flushed before the request failed."""
        from proposals.errors import Conflict
        from proposals.models import Unit

        @app.post("/api/v1/test-flush-then-fail")  # under the API: JSON errors (issue 10)
        def flush_then_fail(session: SessionDep) -> None:
            session.add(Unit(name="half written", created_at=NOW))
            session.flush()
            raise Conflict("refused after a flush")

        before = row_counts(db)
        response = client.post("/api/v1/test-flush-then-fail")
        assert response.status_code == 409
        assert response.json() == {"detail": "refused after a flush"}
        assert row_counts(db) == before

    def test_a_successful_write_is_committed(
        self, app: FastAPI, client: TestClient, db: Database
    ) -> None:
        from proposals.models import Unit

        @app.post("/test-flush-then-succeed")
        def flush_then_succeed(session: SessionDep) -> None:
            session.add(Unit(name="whole", created_at=NOW))
            session.flush()

        before = row_counts(db)
        assert client.post("/test-flush-then-succeed").status_code == 200
        assert row_counts(db)["unit"] == before["unit"] + 1
