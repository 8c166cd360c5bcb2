"""POST /auth/token, POST /auth/logout, token expiry, revocation and scopes."""

from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.factories import PASSWORD, bearer, make_member, make_token


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", data={"username": name, "password": password})
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert isinstance(token, str)
    return token


class TestLogin:
    def test_good_password_gives_a_token_that_works(self, client: TestClient, db: Database) -> None:
        make_member(db, name="alice")
        response = client.post(
            "/api/v1/auth/token", data={"username": "alice", "password": PASSWORD}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "bearer"
        assert len(body["access_token"]) >= 43  # 32 random bytes, base64url
        assert body["expires_at"].endswith("Z")
        me = client.get("/api/v1/members/me", headers=bearer(body["access_token"]))
        assert me.status_code == 200
        assert me.json()["name"] == "alice"

    def test_wrong_password_is_401(self, client: TestClient, db: Database) -> None:
        make_member(db, name="alice")
        response = client.post(
            "/api/v1/auth/token", data={"username": "alice", "password": "wrong password!"}
        )
        assert response.status_code == 401
        assert response.json() == {"detail": "wrong name or password"}

    def test_unknown_name_is_the_same_401(self, client: TestClient) -> None:
        response = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
        assert response.status_code == 401
        assert response.json() == {"detail": "wrong name or password"}

    def test_inactive_member_cannot_log_in(self, client: TestClient, db: Database) -> None:
        admin = make_member(db, is_admin=True)
        alice = make_member(db, name="alice")
        token = make_token(db, admin)
        client.patch(f"/api/v1/members/{alice.id}", json={"active": False}, headers=bearer(token))
        response = client.post(
            "/api/v1/auth/token", data={"username": "alice", "password": PASSWORD}
        )
        assert response.status_code == 401

    def test_the_database_keeps_only_a_hash(self, client: TestClient, db: Database) -> None:
        make_member(db, name="alice")
        token = login(client, "alice")
        with db.session() as session:
            from sqlmodel import select

            from proposals.models import ApiToken

            stored = [t.token_hash for t in session.exec(select(ApiToken))]
        assert token not in stored
        assert len(stored) == 1 and len(stored[0]) == 64


class TestTokenLifetime:
    def test_expired_login_token_is_401(
        self, client: TestClient, db: Database, clock: FrozenClock
    ) -> None:
        make_member(db, name="alice")
        token = login(client, "alice")
        clock.advance(86400 - 1)
        assert client.get("/api/v1/members/me", headers=bearer(token)).status_code == 200
        clock.advance(1)
        response = client.get("/api/v1/members/me", headers=bearer(token))
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

    def test_logout_revokes_the_token_used(self, client: TestClient, db: Database) -> None:
        make_member(db, name="alice")
        first, second = login(client, "alice"), login(client, "alice")
        assert client.post("/api/v1/auth/logout", headers=bearer(first)).status_code == 204
        assert client.get("/api/v1/members/me", headers=bearer(first)).status_code == 401
        assert client.get("/api/v1/members/me", headers=bearer(second)).status_code == 200

    def test_logout_of_a_personal_token(self, client: TestClient, db: Database) -> None:
        alice = make_member(db)
        token = make_token(db, alice, scopes=["read"])
        assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
        assert client.get("/api/v1/members/me", headers=bearer(token)).status_code == 401

    def test_logout_without_a_token_is_401(self, client: TestClient) -> None:
        response = client.post("/api/v1/auth/logout")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

    def test_garbage_token_is_401(self, client: TestClient) -> None:
        assert client.get("/api/v1/members/me", headers=bearer("nope")).status_code == 401
        response = client.get("/api/v1/members/me", headers={"Authorization": "Basic abc"})
        assert response.status_code == 401

    def test_no_token_is_401_on_private_reads(self, client: TestClient) -> None:
        assert client.get("/api/v1/members/me").status_code == 401
        assert client.get("/api/v1/tokens").status_code == 401
