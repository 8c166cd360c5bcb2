"""Password changes and stale tokens (issue 9, item 5): a change needs the current password and
ends every other session and token; an admin's reset ends them all; deactivation ends them for
good; a password of whitespace only is refused wherever one is set."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.db import Database
from tests.api.test_auth import login
from tests.databases import throwaway_database
from tests.factories import PASSWORD, bearer, make_member, make_token

NEW = "a brand new password"
BLANK = " " * 12


def _works(client: TestClient, token: str) -> bool:
    status = client.get("/api/v1/members/me", headers=bearer(token)).status_code
    assert status in (200, 401), status
    return status == 200


def _change(client: TestClient, token: str, body: dict[str, str]) -> tuple[int, object]:
    response = client.patch("/api/v1/members/me", json=body, headers=bearer(token))
    return response.status_code, response.json()["detail"] if response.status_code >= 400 else None


class TestOwnPasswordChange:
    def test_needs_the_current_password(self, client: TestClient, db: Database) -> None:
        alice = make_member(db, name="alice")
        token = make_token(db, alice)
        status, detail = _change(client, token, {"password": NEW})
        assert status == 422 and detail == "changing the password needs current_password"
        status, detail = _change(client, token, {"password": NEW, "current_password": "wrong!"})
        assert status == 403 and detail == "current_password is wrong"
        assert login(client, "alice", PASSWORD)
        assert _change(client, token, {"password": NEW, "current_password": PASSWORD})[0] == 200
        assert login(client, "alice", NEW)

    def test_a_wrong_current_password_changes_nothing_else(
        self, client: TestClient, db: Database
    ) -> None:
        alice = make_member(db, name="alice")
        token = make_token(db, alice)
        body = {"password": NEW, "current_password": "wrong!", "statement": "changed"}
        assert _change(client, token, body)[0] == 403
        me = client.get("/api/v1/members/me", headers=bearer(token)).json()
        assert me["statement"] == ""

    def test_ends_every_other_session_and_token(self, client: TestClient, db: Database) -> None:
        alice, bob = make_member(db, name="alice"), make_member(db, name="bob")
        used, other_login = make_token(db, alice), login(client, "alice")
        personal = make_token(db, alice, scopes=["read", "write"])
        bobs = make_token(db, bob)
        assert _change(client, used, {"password": NEW, "current_password": PASSWORD})[0] == 200
        assert _works(client, used)
        assert not _works(client, other_login)
        assert not _works(client, personal)
        assert _works(client, bobs)

    def test_the_answer_says_apps_must_be_authorised_again(self, client: TestClient) -> None:
        operation = client.get("/openapi.json").json()["paths"]["/api/v1/members/me"]["patch"]
        assert "authorised again" in operation["description"]

    def test_blank_new_password_is_422(self, client: TestClient, db: Database) -> None:
        alice = make_member(db, name="alice")
        token = make_token(db, alice)
        status, detail = _change(client, token, {"password": BLANK, "current_password": PASSWORD})
        assert status == 422 and isinstance(detail, str)
        assert login(client, "alice", PASSWORD)


class TestAdminSetsAPassword:
    def test_ends_all_sessions_and_tokens_of_the_member(
        self, client: TestClient, db: Database
    ) -> None:
        admin, alice = make_member(db, is_admin=True), make_member(db, name="alice")
        admin_token = make_token(db, admin)
        tokens = [make_token(db, alice), make_token(db, alice, scopes=["read"])]
        response = client.patch(
            f"/api/v1/members/{alice.id}", json={"password": NEW}, headers=bearer(admin_token)
        )
        assert response.status_code == 200, response.text
        assert not any(_works(client, token) for token in tokens)
        assert _works(client, admin_token)
        assert login(client, "alice", NEW)

    def test_blank_password_is_422(self, client: TestClient, db: Database) -> None:
        admin, alice = make_member(db, is_admin=True), make_member(db, name="alice")
        response = client.patch(
            f"/api/v1/members/{alice.id}",
            json={"password": BLANK},
            headers=bearer(make_token(db, admin)),
        )
        assert response.status_code == 422 and isinstance(response.json()["detail"], str)
        assert login(client, "alice", PASSWORD)

    def test_not_for_their_own_password(self, client: TestClient, db: Database) -> None:
        admin = make_member(db, is_admin=True, name="root")
        response = client.patch(
            f"/api/v1/members/{admin.id}",
            json={"password": NEW},
            headers=bearer(make_token(db, admin)),
        )
        assert response.status_code == 409
        assert login(client, "root", PASSWORD)


class TestDeactivation:
    def test_tokens_from_before_stay_dead_after_reactivation(
        self, client: TestClient, db: Database
    ) -> None:
        admin, alice = make_member(db, is_admin=True), make_member(db, name="alice")
        headers = bearer(make_token(db, admin))
        tokens = [make_token(db, alice), make_token(db, alice, scopes=["read"])]
        for active in (False, True):
            response = client.patch(
                f"/api/v1/members/{alice.id}", json={"active": active}, headers=headers
            )
            assert response.status_code == 200
        assert not any(_works(client, token) for token in tokens)
        assert _works(client, login(client, "alice"))


class TestBlankPasswords:
    def test_member_creation_refuses_a_blank_password(
        self, client: TestClient, db: Database
    ) -> None:
        response = client.post(
            "/api/v1/members",
            json={"name": "bob", "password": BLANK},
            headers=bearer(make_token(db, make_member(db, is_admin=True))),
        )
        assert response.status_code == 422
        assert response.json() == {"detail": "password must not be only whitespace"}

    def test_create_admin_refuses_a_blank_password(
        self,
        backend: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        with throwaway_database(backend, tmp_path) as url:
            monkeypatch.setenv("DATABASE_URL", url)
            monkeypatch.setenv("ARGON2_MEMORY_COST", "8")
            monkeypatch.setenv("ARGON2_TIME_COST", "1")
            monkeypatch.setenv("ARGON2_PARALLELISM", "1")
            monkeypatch.setenv("LOG_LEVEL", "WARNING")
            assert main(["migrate"]) == 0
            assert main(["create-admin", "admin", "--password", BLANK]) == 2
            assert "password must not be only whitespace" in capsys.readouterr().err
