"""Members and personal tokens (API.md "Auth and members")."""

from fastapi.testclient import TestClient

from app.db import Database
from tests.api.test_auth import login
from tests.factories import PASSWORD, bearer, make_member, make_token


class TestCreateMember:
    def test_admin_creates_a_member(self, client: TestClient, db: Database) -> None:
        admin = make_member(db, is_admin=True)
        response = client.post(
            "/api/v1/members",
            json={"name": "bob", "password": "0123456789", "email": "bob@example.org"},
            headers=bearer(make_token(db, admin)),
        )
        assert response.status_code == 201
        body = response.json()
        assert body["name"] == "bob" and body["email"] == "bob@example.org"
        assert body["active"] is True and body["is_admin"] is False
        assert set(body) == {"id", "name", "statement", "active", "is_admin", "created_at", "email"}
        assert login(client, "bob", "0123456789")

    def test_member_is_refused(self, client: TestClient, db: Database) -> None:
        member = make_member(db)
        response = client.post(
            "/api/v1/members",
            json={"name": "bob", "password": "0123456789"},
            headers=bearer(make_token(db, member)),
        )
        assert response.status_code == 403

    def test_name_taken_is_409(self, client: TestClient, db: Database) -> None:
        admin = make_member(db, is_admin=True, name="root")
        response = client.post(
            "/api/v1/members",
            json={"name": "root", "password": "0123456789"},
            headers=bearer(make_token(db, admin)),
        )
        assert response.status_code == 409
        assert "taken" in response.json()["detail"]

    def test_short_password_is_422_with_a_string_detail(
        self, client: TestClient, db: Database
    ) -> None:
        admin = make_member(db, is_admin=True)
        response = client.post(
            "/api/v1/members",
            json={"name": "bob", "password": "123456789"},
            headers=bearer(make_token(db, admin)),
        )
        assert response.status_code == 422
        assert response.json() == {"detail": "password must have at least 10 characters"}

    def test_admin_token_without_write_scope_is_403(self, client: TestClient, db: Database) -> None:
        admin = make_member(db, is_admin=True)
        response = client.post(
            "/api/v1/members",
            json={"name": "bob", "password": "0123456789"},
            headers=bearer(make_token(db, admin, scopes=["read", "vote", "delegate"])),
        )
        assert response.status_code == 403
        assert "write" in response.json()["detail"]


class TestReadMembers:
    def test_email_only_for_self_and_admin(self, client: TestClient, db: Database) -> None:
        alice = make_member(db, name="alice", email="alice@example.org")
        bob = make_member(db, name="bob")
        admin = make_member(db, is_admin=True)
        path = f"/api/v1/members/{alice.id}"
        assert client.get(path, headers=bearer(make_token(db, alice))).json()["email"] == (
            "alice@example.org"
        )
        assert client.get(path, headers=bearer(make_token(db, admin))).json()["email"] == (
            "alice@example.org"
        )
        assert client.get(path, headers=bearer(make_token(db, bob))).json()["email"] is None
        assert client.get(path).json()["email"] is None
        listed = client.get("/api/v1/members", headers=bearer(make_token(db, bob))).json()
        assert [m["email"] for m in listed["items"]] == [None, None, None]

    def test_unknown_member_is_404(self, client: TestClient) -> None:
        response = client.get("/api/v1/members/999999")
        assert response.status_code == 404
        assert response.json() == {"detail": "member 999999 not found"}

    def test_pagination_walks_every_member_once(self, client: TestClient, db: Database) -> None:
        created = {make_member(db).id for _ in range(7)}
        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            params: dict[str, str | int] = {"limit": 3}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/v1/members", params=params).json()
            seen += [m["id"] for m in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert pages == 3
        assert len(seen) == len(set(seen)) and created <= set(seen)
        assert seen == sorted(seen)

    def test_limit_above_500_is_422(self, client: TestClient) -> None:
        response = client.get("/api/v1/members", params={"limit": 501})
        assert response.status_code == 422
        assert response.json() == {"detail": "limit must not exceed 500"}

    def test_bad_cursor_is_422(self, client: TestClient) -> None:
        response = client.get("/api/v1/members", params={"cursor": "garbage!"})
        assert response.status_code == 422
        assert response.json() == {"detail": "cursor is not valid"}


class TestProfile:
    def test_member_edits_statement_and_email(self, client: TestClient, db: Database) -> None:
        alice = make_member(db)
        response = client.patch(
            "/api/v1/members/me",
            json={"statement": "I delegate wisely", "email": "a@example.org"},
            headers=bearer(make_token(db, alice)),
        )
        assert response.status_code == 200
        assert response.json()["statement"] == "I delegate wisely"
        assert response.json()["email"] == "a@example.org"

    def test_password_change_needs_a_login_token(self, client: TestClient, db: Database) -> None:
        alice = make_member(db, name="alice")
        personal = make_token(db, alice, scopes=["read", "write"])
        body = {"password": "a new long password", "current_password": PASSWORD}
        response = client.patch("/api/v1/members/me", json=body, headers=bearer(personal))
        assert response.status_code == 403
        response = client.patch(
            "/api/v1/members/me", json=body, headers=bearer(make_token(db, alice))
        )
        assert response.status_code == 200
        assert login(client, "alice", "a new long password")

    def test_the_old_password_stops_working(self, client: TestClient, db: Database) -> None:
        alice = make_member(db, name="alice")
        response = client.patch(
            "/api/v1/members/me",
            json={"password": "a new long password", "current_password": PASSWORD},
            headers=bearer(make_token(db, alice)),
        )
        assert response.status_code == 200
        refused = client.post(
            "/api/v1/auth/token", data={"username": "alice", "password": PASSWORD}
        )
        assert refused.status_code == 401

    def test_short_new_password_is_422(self, client: TestClient, db: Database) -> None:
        alice = make_member(db, name="alice")
        response = client.patch(
            "/api/v1/members/me", json={"password": "short"}, headers=bearer(make_token(db, alice))
        )
        assert response.status_code == 422
        assert isinstance(response.json()["detail"], str)
        assert login(client, "alice", PASSWORD)


class TestMemberFlags:
    def test_admin_deactivates_a_member_whose_tokens_stop_working(
        self, client: TestClient, db: Database
    ) -> None:
        admin, alice = make_member(db, is_admin=True), make_member(db)
        alice_token = make_token(db, alice)
        response = client.patch(
            f"/api/v1/members/{alice.id}",
            json={"active": False},
            headers=bearer(make_token(db, admin)),
        )
        assert response.status_code == 200 and response.json()["active"] is False
        assert client.get("/api/v1/members/me", headers=bearer(alice_token)).status_code == 401

    def test_admin_cannot_demote_themself(self, client: TestClient, db: Database) -> None:
        admin = make_member(db, is_admin=True)
        response = client.patch(
            f"/api/v1/members/{admin.id}",
            json={"is_admin": False},
            headers=bearer(make_token(db, admin)),
        )
        assert response.status_code == 409

    def test_unknown_member_is_404_and_an_id_beyond_the_database_422(
        self, client: TestClient, db: Database
    ) -> None:
        headers = bearer(make_token(db, make_member(db, is_admin=True)))
        body = {"active": False}
        assert client.patch("/api/v1/members/999999", json=body, headers=headers).status_code == 404
        response = client.patch(f"/api/v1/members/{2**63}", json=body, headers=headers)
        assert response.status_code == 422
        assert isinstance(response.json()["detail"], str)

    def test_member_is_refused(self, client: TestClient, db: Database) -> None:
        alice, bob = make_member(db), make_member(db)
        response = client.patch(
            f"/api/v1/members/{bob.id}",
            json={"active": False},
            headers=bearer(make_token(db, alice)),
        )
        assert response.status_code == 403


class TestPersonalTokens:
    def test_create_list_use_and_delete(self, client: TestClient, db: Database) -> None:
        alice = make_member(db)
        login_token = make_token(db, alice)
        created = client.post(
            "/api/v1/tokens",
            json={"name": "my app", "scopes": ["read", "vote"]},
            headers=bearer(login_token),
        )
        assert created.status_code == 201
        body = created.json()
        assert body["scopes"] == ["read", "vote"] and body["expires_at"] is None
        secret = body["token"]
        assert client.get("/api/v1/members/me", headers=bearer(secret)).status_code == 200
        listed = client.get("/api/v1/tokens", headers=bearer(secret)).json()["items"]
        assert [t["id"] for t in listed] == [body["id"]]
        assert listed[0]["token"] is None
        # A personal token may not manage tokens.
        assert (
            client.delete(f"/api/v1/tokens/{body['id']}", headers=bearer(secret)).status_code == 403
        )
        assert (
            client.delete(f"/api/v1/tokens/{body['id']}", headers=bearer(login_token)).status_code
            == 204
        )
        assert client.get("/api/v1/members/me", headers=bearer(secret)).status_code == 401

    def test_personal_token_cannot_create_tokens(self, client: TestClient, db: Database) -> None:
        alice = make_member(db)
        personal = make_token(db, alice, scopes=["read", "write", "delegate", "vote"])
        response = client.post(
            "/api/v1/tokens", json={"name": "x", "scopes": ["read"]}, headers=bearer(personal)
        )
        assert response.status_code == 403

    def test_token_without_read_scope_cannot_read_me(
        self, client: TestClient, db: Database
    ) -> None:
        alice = make_member(db)
        response = client.get(
            "/api/v1/members/me", headers=bearer(make_token(db, alice, scopes=["vote"]))
        )
        assert response.status_code == 403
        assert response.json() == {"detail": "the token lacks the 'read' scope"}

    def test_cannot_delete_someone_elses_token(self, client: TestClient, db: Database) -> None:
        alice, bob = make_member(db), make_member(db)
        created = client.post(
            "/api/v1/tokens",
            json={"name": "a", "scopes": ["read"]},
            headers=bearer(make_token(db, alice)),
        ).json()
        response = client.delete(
            f"/api/v1/tokens/{created['id']}", headers=bearer(make_token(db, bob))
        )
        assert response.status_code == 404

    def test_unknown_token_is_404_and_an_id_beyond_the_database_422(
        self, client: TestClient, db: Database
    ) -> None:
        headers = bearer(make_token(db, make_member(db)))
        assert client.delete("/api/v1/tokens/999999", headers=headers).status_code == 404
        response = client.delete(f"/api/v1/tokens/{2**63}", headers=headers)
        assert response.status_code == 422
        assert isinstance(response.json()["detail"], str)

    def test_expired_personal_token_is_401(self, client: TestClient, db: Database) -> None:
        from proposals.clock import FrozenClock

        alice = make_member(db)
        clock: FrozenClock = client.app.state.clock  # type: ignore[attr-defined]
        expires = clock.now.replace(year=clock.now.year + 1)
        created = client.post(
            "/api/v1/tokens",
            json={"name": "a", "scopes": ["read"], "expires_at": expires.isoformat()},
            headers=bearer(make_token(db, alice)),
        ).json()
        assert client.get("/api/v1/members/me", headers=bearer(created["token"])).status_code == 200
        clock.now = expires
        assert client.get("/api/v1/members/me", headers=bearer(created["token"])).status_code == 401

    def test_expiry_in_the_past_is_422(self, client: TestClient, db: Database) -> None:
        alice = make_member(db)
        response = client.post(
            "/api/v1/tokens",
            json={"name": "a", "scopes": ["read"], "expires_at": "2000-01-01T00:00:00Z"},
            headers=bearer(make_token(db, alice)),
        )
        assert response.status_code == 422
