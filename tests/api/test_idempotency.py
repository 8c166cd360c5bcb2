"""The Idempotency-Key mechanism of API.md."""

import threading

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db import Database
from app.main import create_app
from proposals.clock import FrozenClock
from tests.conftest import settings_for_tests
from tests.factories import bearer, make_member, make_token, row_counts

TOKEN_BODY = {"name": "ci", "scopes": ["read", "write", "delegate", "vote"]}


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


class TestSecretsAndCredentials:
    """Issue 9, item 3: no secret kept in clear, no replay before the checks or to another token."""

    def test_a_token_creation_is_never_stored_and_its_retry_is_409_naming_it(
        self, client: TestClient, db: Database
    ) -> None:
        headers = {**bearer(make_token(db, make_member(db))), "Idempotency-Key": "tok"}
        first = client.post("/api/v1/tokens", json=TOKEN_BODY, headers=headers)
        assert first.status_code == 201
        secret, token_id = first.json()["token"], first.json()["id"]
        with db.session() as session:
            stored = (
                session.execute(
                    sa.select(sa.column("body")).select_from(sa.table("idempotency_record"))
                )
                .scalars()
                .all()
            )
        assert not any(secret.encode() in body for body in stored)
        retry = client.post("/api/v1/tokens", json=TOKEN_BODY, headers=headers)
        assert retry.status_code == 409
        assert secret not in retry.text
        assert f"token {token_id}" in retry.json()["detail"]
        listed = client.get("/api/v1/tokens", headers=headers).json()["items"]
        assert [t["id"] for t in listed] == [token_id]

    def test_a_replay_comes_after_authentication_and_scopes(
        self, client: TestClient, db: Database
    ) -> None:
        member = make_member(db)
        login = {**bearer(make_token(db, member)), "Idempotency-Key": "k"}
        read_only = {**bearer(make_token(db, member, scopes=["read"])), "Idempotency-Key": "k"}
        assert client.post("/api/v1/tokens", json=TOKEN_BODY, headers=login).status_code == 201
        response = client.post("/api/v1/tokens", json=TOKEN_BODY, headers=read_only)
        assert response.status_code == 403
        assert "token" not in response.json()
        unit = {"name": "unit"}
        admin = make_member(db, is_admin=True)
        full = {**bearer(make_token(db, admin)), "Idempotency-Key": "u"}
        assert client.post("/api/v1/units", json=unit, headers=full).status_code == 201
        for scopes in (["read"], ["read", "vote"]):
            weak = {**bearer(make_token(db, admin, scopes=scopes)), "Idempotency-Key": "u"}
            assert client.post("/api/v1/units", json=unit, headers=weak).status_code == 403
        revoked = {**bearer(make_token(db, admin)), "Idempotency-Key": "u"}
        assert client.post("/api/v1/auth/logout", headers=revoked).status_code == 204
        assert client.post("/api/v1/units", json=unit, headers=revoked).status_code == 401

    def test_a_replay_only_goes_to_the_token_that_made_the_first_request(
        self, client: TestClient, db: Database
    ) -> None:
        member = make_member(db)
        first, second = bearer(make_token(db, member)), bearer(make_token(db, member))
        key = {"Idempotency-Key": "bye"}
        assert client.post("/api/v1/auth/logout", headers={**first, **key}).status_code == 204
        response = client.post("/api/v1/auth/logout", headers={**second, **key})
        assert response.status_code == 204
        assert "idempotent-replayed" not in response.headers
        assert client.get("/api/v1/members/me", headers=second).status_code == 401

    def test_the_same_token_still_gets_its_replay(self, client: TestClient, db: Database) -> None:
        admin = make_member(db, is_admin=True)
        headers = {
            **bearer(make_token(db, admin, scopes=["read", "write"])),
            "Idempotency-Key": "x",
        }
        first = client.post("/api/v1/units", json={"name": "u"}, headers=headers)
        second = client.post("/api/v1/units", json={"name": "u"}, headers=headers)
        assert first.status_code == second.status_code == 201
        assert second.headers["idempotent-replayed"] == "true"
        assert second.json() == first.json()

    def test_an_over_long_key_is_422(self, client: TestClient, db: Database) -> None:
        admin = make_member(db, is_admin=True)
        headers = {**bearer(make_token(db, admin)), "Idempotency-Key": "k" * 256}
        counts = row_counts(db)
        response = client.post("/api/v1/units", json={"name": "u"}, headers=headers)
        assert response.status_code == 422
        assert "Idempotency-Key" in response.text and "255" in response.text
        assert row_counts(db) == counts
        headers["Idempotency-Key"] = "k" * 255
        assert client.post("/api/v1/units", json={"name": "u"}, headers=headers).status_code == 201


class TestOpenApi:
    def test_every_write_declares_the_header(self, app: FastAPI) -> None:
        writes = [
            (path, method, operation)
            for path, item in app.openapi()["paths"].items()
            for method, operation in item.items()
            if method in ("post", "put", "patch", "delete")
        ]
        assert len(writes) > 10
        for path, method, operation in writes:
            headers = {
                p["name"].lower(): p for p in operation.get("parameters", []) if p["in"] == "header"
            }
            if path == "/api/v1/auth/token":
                assert "idempotency-key" not in headers
            else:
                assert "idempotency-key" in headers, (method, path)
                assert headers["idempotency-key"]["schema"]["anyOf"][0]["maxLength"] == 255


class TestPurgeExpired:
    def test_only_records_older_than_a_day_go(self, db: Database) -> None:
        from datetime import timedelta

        from proposals.clock import FrozenClock
        from proposals.services import idempotency, tokens
        from tests.factories import NOW

        member = make_member(db)
        with db.session() as session:
            token_id = tokens.issue_login_token(session, member, lifetime=60).row.id or 0
            for key, age in (("old", timedelta(hours=24, seconds=1)), ("new", timedelta(hours=23))):
                idempotency.store_record(
                    session,
                    api_token_id=token_id,
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
                    api_token_id=token_id,
                    method="POST",
                    path="/api/v1/units",
                    key=key,
                    clock=lambda: NOW,
                )
                for key in ("old", "new")
            ]
            session.commit()
        assert left[0] is None and left[1] is not None


class TestParallelRetries:
    def test_a_token_creation_sent_twice_at_once_creates_one_token(
        self, committed_db: Database, clock: FrozenClock
    ) -> None:
        headers = {
            **bearer(make_token(committed_db, make_member(committed_db))),
            "Idempotency-Key": "t",
        }
        app = create_app(settings_for_tests(), database=committed_db, clock=clock)
        statuses: list[int] = []
        barrier = threading.Barrier(4)
        with TestClient(app) as client:

            def send() -> None:
                barrier.wait()
                response = client.post("/api/v1/tokens", json=TOKEN_BODY, headers=headers)
                statuses.append(response.status_code)

            threads = [threading.Thread(target=send) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            listed = client.get("/api/v1/tokens", headers=headers).json()["items"]
        assert sorted(statuses) == [201, 409, 409, 409]
        assert len(listed) == 1
