"""The Idempotency-Key mechanism of API.md."""

from fastapi.testclient import TestClient

from app.db import Database
from tests.factories import bearer, make_member, make_token, row_counts


class TestIdempotencyKey:
    def test_same_key_twice_creates_one_member_and_returns_the_same_body(
        self, client: TestClient, db: Database
    ) -> None:
        headers = {
            **bearer(make_token(db, make_member(db, is_admin=True))),
            "Idempotency-Key": "k1",
        }
        body = {"name": "bob", "password": "0123456789"}
        first = client.post("/api/v1/members", json=body, headers=headers)
        counts = row_counts(db)
        second = client.post("/api/v1/members", json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert second.content == first.content
        assert second.headers["idempotent-replayed"] == "true"
        assert row_counts(db) == counts
        listed = client.get("/api/v1/members", headers=headers).json()["items"]
        assert [m["name"] for m in listed].count("bob") == 1

    def test_same_key_with_another_body_is_422(self, client: TestClient, db: Database) -> None:
        headers = {
            **bearer(make_token(db, make_member(db, is_admin=True))),
            "Idempotency-Key": "k2",
        }
        client.post(
            "/api/v1/members", json={"name": "bob", "password": "0123456789"}, headers=headers
        )
        response = client.post(
            "/api/v1/members", json={"name": "carol", "password": "0123456789"}, headers=headers
        )
        assert response.status_code == 422
        assert "Idempotency-Key" in response.json()["detail"]

    def test_errors_are_not_stored(self, client: TestClient, db: Database) -> None:
        headers = {
            **bearer(make_token(db, make_member(db, is_admin=True))),
            "Idempotency-Key": "k3",
        }
        body = {"name": "bob", "password": "0123456789"}
        make_member(db, name="bob")
        assert client.post("/api/v1/members", json=body, headers=headers).status_code == 409
        response = client.post("/api/v1/members", json={**body, "name": "bob2"}, headers=headers)
        assert response.status_code == 201

    def test_keys_are_scoped_to_the_member(self, client: TestClient, db: Database) -> None:
        body = {"name": "unit"}
        first = bearer(make_token(db, make_member(db, is_admin=True)))
        second = bearer(make_token(db, make_member(db, is_admin=True)))
        a = client.post("/api/v1/units", json=body, headers={**first, "Idempotency-Key": "same"})
        b = client.post("/api/v1/units", json=body, headers={**second, "Idempotency-Key": "same"})
        assert a.status_code == b.status_code == 201
        assert a.json()["id"] != b.json()["id"]

    def test_keys_are_scoped_to_the_path(self, client: TestClient, db: Database) -> None:
        headers = {**bearer(make_token(db, make_member(db, is_admin=True))), "Idempotency-Key": "p"}
        unit = client.post("/api/v1/units", json={"name": "u"}, headers=headers)
        policy = client.post(
            "/api/v1/areas", json={"unit_id": unit.json()["id"], "name": "a"}, headers=headers
        )
        assert unit.status_code == policy.status_code == 201


class TestPurgeExpired:
    def test_only_records_older_than_a_day_go(self, db: Database) -> None:
        from datetime import timedelta

        from proposals.clock import FrozenClock
        from proposals.services import idempotency
        from tests.factories import NOW

        member = make_member(db)
        with db.session() as session:
            for key, age in (("old", timedelta(hours=24, seconds=1)), ("new", timedelta(hours=23))):
                idempotency.store_record(
                    session,
                    member_id=member.id or 0,
                    method="POST",
                    path="/api/v1/units",
                    key=key,
                    request_hash="h",
                    status_code=201,
                    content_type="application/json",
                    body=b"{}",
                    clock=FrozenClock(NOW - age),
                )
            assert idempotency.purge_expired(session, clock=lambda: NOW) == 1
            left = [
                idempotency.find_record(
                    session,
                    member_id=member.id or 0,
                    method="POST",
                    path="/api/v1/units",
                    key=key,
                    clock=lambda: NOW,
                )
                for key in ("old", "new")
            ]
            session.commit()
        assert left[0] is None and left[1] is not None
