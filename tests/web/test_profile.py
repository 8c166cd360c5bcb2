"""My profile at /me/profile: statement and email, password change, personal API tokens; each
through the service of its API endpoint, refusals showing the typed text and the API's message."""

import html
import re
from urllib.parse import urlsplit

import httpx2 as httpx
from fastapi.testclient import TestClient

from app.db import Database
from tests.api.world import World
from tests.factories import PASSWORD, bearer, row_counts
from tests.web.helpers import csrf_of, flash, submit, web_login

NEW_PASSWORD = "a much better passphrase"


def _me(client: TestClient, token: str) -> int:
    """The API's answer to ``GET /members/me`` with this bearer token (its status)."""
    status: int = client.get("/api/v1/members/me", headers=bearer(token)).status_code
    return status


def _api_login(world: World, who: str) -> str:
    """An API login token of ``who`` (only those change passwords and manage tokens), usable as
    ``world.call(..., who + "-login")``."""
    response = world.client.post("/api/v1/auth/token", data={"username": who, "password": PASSWORD})
    assert response.status_code == 200, response.text
    world.headers[f"{who}-login"] = bearer(response.json()["access_token"])
    return f"{who}-login"


def _my_tokens(world: World, who: str) -> list[tuple[str, list[str]]]:
    """``who``'s personal tokens as the API lists them, but the world's own ("test")."""
    items = world.ok("GET", "/tokens", who)["items"]
    return [(t["name"], t["scopes"]) for t in items if t["name"] != "test"]


def _secret(text: str) -> str:
    found = re.search(r'<input id="secret" value="([^"]+)" readonly>', text)
    assert found, text[:3000]
    return html.unescape(found.group(1))


def _create_token(
    client: TestClient, name: str = "My app", scopes: tuple[str, ...] = ("read",)
) -> httpx.Response:
    return submit(client, "/me/profile/tokens", {"name": name, "scopes": list(scopes)})


class TestProfilePage:
    def test_anonymous_is_sent_to_log_in(self, client: TestClient, world: World) -> None:
        response = client.get("/me/profile", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/me/profile"

    def test_shows_my_statement_email_and_forms(self, client: TestClient, world: World) -> None:
        world.ok("PATCH", "/members/me", "A", json={"statement": "I read *everything*."})
        web_login(client, "A")
        response = client.get("/me/profile")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        assert "I read *everything*.</textarea>" in response.text
        for action in ("/me/profile", "/me/profile/password", "/me/profile/tokens"):
            assert f'action="{action}"' in response.text
        assert "Revoke “test”" in response.text  # the world's own token of A

    def test_every_form_carries_this_sessions_csrf_token(
        self, client: TestClient, world: World
    ) -> None:
        web_login(client, "A")
        page = client.get("/me/profile").text
        forms = re.findall(r'<form method="post"', page)
        found = re.findall(r'name="csrf_token" value="([^"]*)"', page)
        assert len(found) == len(forms) >= 5  # logout, profile, password, revoke, create
        assert set(found) == {csrf_of(client)}


class TestStatementAndEmail:
    def test_saves_both_like_the_api(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        response = submit(
            client, "/me/profile", {"statement": "Line one\r\nLine two", "email": "a@example.org"}
        )
        assert flash(response) == ("success", "Your profile is saved.")
        me = world.ok("GET", "/members/me", "A")
        assert (me["statement"], me["email"]) == ("Line one\nLine two", "a@example.org")

    def test_empty_email_removes_it(self, client: TestClient, world: World) -> None:
        world.ok("PATCH", "/members/me", "A", json={"email": "a@example.org"})
        web_login(client, "A")
        submit(client, "/me/profile", {"statement": "", "email": ""})
        assert world.ok("GET", "/members/me", "A")["email"] is None

    def test_refused_email_keeps_the_typed_text(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        web_login(client, "A")
        api = world.call("PATCH", "/members/me", "A", json={"email": "not an address"})
        before = row_counts(db)
        response = submit(
            client,
            "/me/profile",
            {"statement": "My long & careful text", "email": "not an address"},
        )
        assert response.status_code == api.status_code == 422
        assert flash(response) == ("error", api.json()["detail"])
        assert "My long &amp; careful text</textarea>" in response.text
        assert 'value="not an address"' in response.text
        assert row_counts(db) == before
        assert world.ok("GET", "/members/me", "A")["statement"] == ""

    def test_too_long_statement_is_refused_by_the_schema(
        self, client: TestClient, world: World
    ) -> None:
        web_login(client, "A")
        text = "x" * 20_001
        api = world.call("PATCH", "/members/me", "A", json={"statement": text})
        assert api.status_code == 422
        response = submit(client, "/me/profile", {"statement": text, "email": ""})
        assert response.status_code == 422
        assert flash(response) == (
            "error",
            f"statement: {api.json()['detail'][0]['msg']}",
        )
        assert text in response.text


class TestPassword:
    def test_changes_it_and_ends_the_other_sessions(
        self, client: TestClient, world: World, app: object
    ) -> None:
        login = _api_login(world, "A")
        personal = world.ok("POST", "/tokens", login, json={"name": "app", "scopes": ["read"]})
        other = TestClient(client.app)
        web_login(other, "A")
        web_login(client, "A")
        response = submit(
            client,
            "/me/profile/password",
            {"current_password": PASSWORD, "password": NEW_PASSWORD},
        )
        assert flash(response) == (
            "success",
            "Your password is changed. You are logged out everywhere else, and your personal "
            "API tokens are revoked.",
        )
        assert client.get("/me/profile").status_code == 200  # this session stays
        assert other.get("/me/profile", follow_redirects=False).status_code == 303
        assert world.status("GET", "/members/me", login) == 401  # the API login token ended
        assert world.status("GET", "/members/me", "A") == 401  # and the world's personal one
        assert _me(client, personal["token"]) == 401
        fresh = TestClient(client.app)
        web_login(fresh, "A", NEW_PASSWORD)

    def test_wrong_current_password_is_refused(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        web_login(client, "A")
        api = world.call(
            "PATCH",
            "/members/me",
            _api_login(world, "A"),
            json={"current_password": "not my password", "password": NEW_PASSWORD},
        )
        assert api.status_code == 403
        before = row_counts(db)
        response = submit(
            client,
            "/me/profile/password",
            {"current_password": "not my password", "password": NEW_PASSWORD},
        )
        assert response.status_code == 403
        assert flash(response) == ("error", api.json()["detail"])
        assert NEW_PASSWORD not in response.text  # a password is never written into a page
        assert row_counts(db) == before
        assert world.status("GET", "/members/me", "A") == 200
        web_login(TestClient(client.app), "A", PASSWORD)

    def test_missing_current_password_is_refused(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        api = world.call(
            "PATCH", "/members/me", _api_login(world, "A"), json={"password": NEW_PASSWORD}
        )
        response = submit(
            client, "/me/profile/password", {"current_password": "", "password": NEW_PASSWORD}
        )
        assert response.status_code == api.status_code == 422
        assert flash(response) == ("error", api.json()["detail"])

    def test_short_new_password_is_refused(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        api = world.call(
            "PATCH",
            "/members/me",
            _api_login(world, "A"),
            json={"current_password": PASSWORD, "password": "short"},
        )
        response = submit(
            client, "/me/profile/password", {"current_password": PASSWORD, "password": "short"}
        )
        assert response.status_code == api.status_code == 422
        assert flash(response) == ("error", api.json()["detail"])
        web_login(TestClient(client.app), "A", PASSWORD)


class TestTokens:
    def test_created_token_works_and_its_secret_is_shown_once(
        self, client: TestClient, world: World
    ) -> None:
        web_login(client, "A")
        response = _create_token(client, "Phone app", ("read", "vote"))
        assert response.status_code == 200
        assert flash(response) == ("success", "Your token “Phone app” is created.")
        assert "Copy the token now: this is the only time it is shown." in response.text
        secret = _secret(response.text)
        assert _me(client, secret) == 200
        assert _my_tokens(world, "A") == [("Phone app", ["read", "vote"])]
        page = client.get("/me/profile")
        assert "Phone app" in page.text and "read, vote" in page.text
        assert secret not in page.text
        assert secret not in client.get("/members/" + str(world.id("A"))).text

    def test_scopes_are_those_chosen(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        secret = _secret(_create_token(client, "Reader", ("read",)).text)
        status = client.put(
            "/api/v1/delegations",
            headers=bearer(secret),
            json={"trustee_id": world.id("B"), "unit_id": world.unit_id},
        ).status_code
        assert status == 403

    def test_expiry_is_taken_as_utc(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        response = submit(
            client,
            "/me/profile/tokens",
            {"name": "Short", "scopes": ["read"], "expires_at": "2030-01-02T03:04"},
        )
        assert flash(response) == ("success", "Your token “Short” is created.")
        (listed,) = [t for t in world.ok("GET", "/tokens", "A")["items"] if t["name"] == "Short"]
        assert listed["expires_at"].startswith("2030-01-02T03:04:00")

    def test_refusal_keeps_the_typed_text(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        web_login(client, "A")
        before = row_counts(db)
        response = submit(client, "/me/profile/tokens", {"name": "Backup script", "scopes": []})
        assert row_counts(db) == before
        api = world.call(
            "POST", "/tokens", _api_login(world, "A"), json={"name": "Backup script", "scopes": []}
        )
        assert response.status_code == api.status_code == 422
        assert flash(response) == ("error", f"scopes: {api.json()['detail'][0]['msg']}")
        assert 'id="token-name" name="name" value="Backup script"' in response.text

    def test_past_expiry_is_refused_with_the_api_message(
        self, client: TestClient, world: World
    ) -> None:
        web_login(client, "A")
        response = submit(
            client,
            "/me/profile/tokens",
            {"name": "Old", "scopes": ["read", "write"], "expires_at": "2000-01-01T00:00"},
        )
        assert response.status_code == 422
        assert flash(response) == ("error", "expires_at must lie in the future")
        assert 'value="2000-01-01T00:00"' in response.text
        assert 'id="scope-write" name="scopes" value="write" checked' in response.text
        assert 'id="scope-vote" name="scopes" value="vote">' in response.text

    def test_revoked_token_no_longer_works(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        secret = _secret(_create_token(client, "Old app").text)
        assert _me(client, secret) == 200
        (listed,) = [t for t in world.ok("GET", "/tokens", "A")["items"] if t["name"] == "Old app"]
        response = submit(client, f"/me/profile/tokens/{listed['id']}/revoke")
        assert urlsplit(str(response.url)).path == "/me/profile"
        assert flash(response) == (
            "success",
            "The token is revoked: apps using it can no longer act for you.",
        )
        assert _me(client, secret) == 401
        assert "Old app" not in response.text
        assert _my_tokens(world, "A") == []

    def test_revoking_another_members_token_is_refused(
        self, client: TestClient, world: World
    ) -> None:
        theirs = world.ok(
            "POST", "/tokens", _api_login(world, "B"), json={"name": "B's app", "scopes": ["read"]}
        )
        web_login(client, "A")
        response = submit(client, f"/me/profile/tokens/{theirs['id']}/revoke")
        assert flash(response) == ("error", f"token {theirs['id']} not found")
        assert _me(client, theirs["token"]) == 200


class TestLinkFromMyPage:
    def test_my_member_page_links_to_my_profile(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        assert 'href="/me/profile"' in client.get(f"/members/{world.id('A')}").text
        assert 'href="/me/profile"' not in client.get(f"/members/{world.id('B')}").text
