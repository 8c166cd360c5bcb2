"""Web sessions (issue 9): only a web login is a session, forms check what their API endpoint
checks, the CSRF token belongs to the session and changes at login, a password change ends the
other sessions, and the login form submits the password exactly as typed."""

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from proposals.models import ApiToken, Member
from tests.api.test_auth import login
from tests.api.world import World
from tests.factories import PASSWORD, bearer, make_member, make_token, row_counts
from tests.web.helpers import advance, csrf_of, flash, proposal, submit, web_login

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SCOPES = ["read", "write", "delegate", "vote"]
CSRF_REFUSED = (
    "error",
    "The form has expired or did not come from this site. Reload the page and try again.",
)


def _member(world: World, who: str) -> Member:
    with world.db.session() as session:
        member = session.get(Member, world.members[who])
        assert member is not None
        return member


def _member_named(db: Database, name: str) -> Member:
    with db.session() as session:
        member = session.exec(select(Member).where(Member.name == name)).one()
        return member


def _narrow_web_sessions(db: Database, scopes: list[str]) -> None:
    """Give every web session exactly ``scopes`` (web sessions carry all; this shows checks)."""
    with db.session() as session:
        for token in session.exec(select(ApiToken).where(ApiToken.kind == "web")):
            for scope in SCOPES:
                setattr(token, f"scope_{scope}", scope in scopes)
            session.add(token)
        session.commit()


def _page_csrf(client: TestClient, path: str = "/") -> str:
    found = _CSRF.search(client.get(path).text)
    assert found, "the page has no CSRF field"
    return found.group(1)


def _logged_in(client: TestClient) -> bool:
    return 'action="/logout"' in client.get("/").text


def _post_with_cookie(
    client: TestClient, db: Database, secret: str, path: str, data: dict[str, Any]
) -> Any:
    """POST a form (with this browser's valid CSRF token) while the session cookie holds
    ``secret``: it must be treated as not logged in, and write nothing."""
    token = csrf_of(client)
    client.cookies.set("lp_session", secret)
    before = row_counts(db)
    response = client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)
    assert response.status_code == 303, response.text[:1000]
    assert response.headers["location"].startswith("/login?next="), response.headers["location"]
    assert row_counts(db) == before
    return response


class TestOnlyAWebLoginIsASession:
    def test_a_read_only_personal_token_in_the_cookie_cannot_vote(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = proposal(world)
        advance(world, 3)
        read_only = make_token(db, _member(world, "B"), scopes=["read"])
        _post_with_cookie(
            client,
            db,
            read_only,
            f"/issues/{first['issue_id']}/ballot",
            {"action": "cast", f"grade_{first['id']}": "2"},
        )

    def test_a_read_only_personal_token_in_the_cookie_cannot_delegate(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        read_only = make_token(db, _member(world, "A"), scopes=["read"])
        data = {
            "scope": "unit",
            "scope_id": world.unit_id,
            "back": "/",
            "action": "set",
            "trustee_id": world.members["B"],
        }
        _post_with_cookie(client, db, read_only, "/delegations", data)

    def test_a_read_only_personal_token_in_the_cookie_cannot_support(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = world.propose("A", "First")
        read_only = make_token(db, _member(world, "B"), scopes=["read"])
        path = f"/initiatives/{first['id']}/support"
        _post_with_cookie(client, db, read_only, path, {"action": "support"})

    def test_an_api_login_token_in_the_cookie_is_no_session(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = world.propose("A", "First")
        api_login = login(client, "B")
        path = f"/initiatives/{first['id']}/support"
        _post_with_cookie(client, db, api_login, path, {"action": "support"})

    def test_a_web_session_is_no_bearer_token(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        web_login(client, "A")
        secret = client.cookies["lp_session"]
        with db.session() as session:
            row = session.exec(select(ApiToken).where(ApiToken.member_id == world.members["A"]))
            assert {t.kind for t in row} >= {"web"}
        response = client.get("/api/v1/members/me", headers=bearer(secret))
        assert response.status_code == 401
        assert _logged_in(client)


class TestFormsCheckTheScopesOfTheirEndpoint:
    def test_a_session_without_the_vote_scope_cannot_vote(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        """Web sessions carry every scope; this one is narrowed in the database to show that the
        ballot form checks the 'vote' scope as PUT /issues/{id}/ballot does."""
        first = proposal(world)
        advance(world, 3)
        web_login(client, "B")
        with db.session() as session:
            for token in session.exec(select(ApiToken).where(ApiToken.kind == "web")):
                token.scope_vote = False
                session.add(token)
            session.commit()
        before = row_counts(db)
        response = submit(
            client,
            f"/issues/{first['issue_id']}/ballot",
            {"action": "cast", f"grade_{first['id']}": "2"},
        )
        assert response.status_code == 403
        assert flash(response) == ("error", "the token lacks the 'vote' scope")
        assert row_counts(db) == before


# Each form and the API endpoint doing the same (with 1 for every id: scopes come first).
FORM_ENDPOINTS = [
    ("/initiatives/new", "POST", "/initiatives"),
    ("/initiatives/1/support", "PUT", "/initiatives/1/support"),
    ("/initiatives/1/drafts", "POST", "/initiatives/1/drafts"),
    ("/initiatives/1/revoke", "POST", "/initiatives/1/revoke"),
    ("/initiatives/1/suggestions", "POST", "/initiatives/1/suggestions"),
    ("/suggestions/1/opinion", "PUT", "/suggestions/1/opinion"),
    ("/suggestions/1/accept", "POST", "/suggestions/1/accept"),
    ("/suggestions/1/reject", "POST", "/suggestions/1/reject"),
    ("/issues/1/interest", "PUT", "/issues/1/interest"),
    ("/issues/1/ballot", "PUT", "/issues/1/ballot"),
    ("/delegations", "PUT", "/delegations"),
    ("/admin/lifecycle", "POST", "/admin/lifecycle/run"),
]


def _lacks(detail: object) -> set[str]:
    found = re.fullmatch(r"the token lacks the '(\w+)' scope", str(detail))
    return {found.group(1)} if found else set()


class TestFormsAndEndpointsCannotDrift:
    def test_every_form_needs_what_its_endpoint_needs(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        """For each scope, a web session without it and a personal token without it: the form
        and its endpoint refuse for the same scopes, and both for a member who is no admin."""
        make_member(db, name="root", is_admin=True)
        root = _member_named(db, "root")
        web_login(client, "root")
        for form, method, endpoint in FORM_ENDPOINTS:
            web_needs: set[str] = set()
            api_needs: set[str] = set()
            for scope in SCOPES:
                others = [s for s in SCOPES if s != scope]
                _narrow_web_sessions(db, others)
                response = submit(client, form, {"scope": "unit", "scope_id": "1"})
                web_needs |= _lacks((flash(response) or ("", ""))[1])
                token = make_token(db, root, scopes=others)
                answer = client.request(
                    method, "/api/v1" + endpoint, json={}, headers=bearer(token)
                )
                api_needs |= _lacks(answer.json().get("detail") if answer.content else None)
            assert web_needs == api_needs and web_needs, (form, web_needs, api_needs)
        _narrow_web_sessions(db, SCOPES)
        with TestClient(client.app) as member:
            web_login(member, "A")
            refused = submit(member, "/admin/lifecycle", {})
            assert refused.status_code == 403
            assert flash(refused) == ("error", "only an admin may do this")
        api = world.call("POST", "/admin/lifecycle/run", "A")
        assert api.status_code == 403 and api.json()["detail"] == "only an admin may do this"


class TestCsrfBelongsToTheSession:
    def test_the_token_shown_before_login_is_refused_after_login(
        self, client: TestClient, world: World
    ) -> None:
        before = _page_csrf(client, "/login")
        response = client.post(
            "/login",
            data={"csrf_token": before, "username": "A", "password": PASSWORD, "next": "/"},
        )
        assert flash(response) == ("success", "Welcome, A.")
        after = _page_csrf(client)
        assert after != before
        refused = client.post("/logout", data={"csrf_token": before}, follow_redirects=False)
        assert refused.status_code == 403 and flash(refused) == CSRF_REFUSED
        assert _logged_in(client)
        ok = client.post("/logout", data={"csrf_token": after})
        assert flash(ok) == ("success", "You are logged out.")

    def test_the_token_of_another_members_session_is_refused(
        self, client: TestClient, world: World, app: Any
    ) -> None:
        web_login(client, "A")
        with TestClient(app) as other:
            # the same pre-session cookie, as if an attacker had planted it
            other.cookies.set("lp_csrf", client.cookies["lp_csrf"])
            web_login(other, "B")
            foreign = _page_csrf(other)
        refused = client.post("/logout", data={"csrf_token": foreign}, follow_redirects=False)
        assert refused.status_code == 403 and flash(refused) == CSRF_REFUSED
        assert _logged_in(client)

    def test_a_token_of_any_text_is_refused_not_an_error(
        self, client: TestClient, world: World
    ) -> None:
        for token in ("ünïcödé", "x" * 5000):
            response = client.post("/login", data={"csrf_token": token}, follow_redirects=False)
            assert response.status_code == 403 and flash(response) == CSRF_REFUSED
        web_login(client, "A")
        response = client.post("/logout", data={"csrf_token": "é"}, follow_redirects=False)
        assert response.status_code == 403 and flash(response) == CSRF_REFUSED

    def test_two_sessions_of_one_member_have_different_tokens(
        self, client: TestClient, world: World, app: Any
    ) -> None:
        web_login(client, "A")
        with TestClient(app) as other:
            other.cookies.set("lp_csrf", client.cookies["lp_csrf"])
            web_login(other, "A")
            assert _page_csrf(other) != _page_csrf(client)


class TestPasswordOfTheWebLogin:
    def test_the_password_is_submitted_as_typed(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        padded = "  padded-pw-1  "
        created = client.post(
            "/api/v1/members", json={"name": "padded", "password": padded}, headers=world.admin
        )
        assert created.status_code == 201, created.text
        assert login(client, "padded", padded)
        web_login(client, "padded", padded)
        assert _logged_in(client)

    def test_a_password_change_ends_the_web_sessions(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        web_login(client, "A")
        assert _logged_in(client)
        token = make_token(db, _member(world, "A"))
        response = client.patch(
            "/api/v1/members/me",
            json={"password": "a brand new password", "current_password": PASSWORD},
            headers=bearer(token),
        )
        assert response.status_code == 200, response.text
        assert not _logged_in(client)
