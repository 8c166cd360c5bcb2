"""Every form of the web client: the success flash after the redirect, refused actions showing
the API's wording (and writing nothing), CSRF rejection and login redirects."""

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from app.settings import PublicAccess
from proposals.models import ApiToken, Unit
from tests.api.world import DAY, World
from tests.factories import NOW, grant, make_member, row_counts
from tests.web.helpers import (
    advance,
    csrf_of,
    flash,
    proposal,
    submit,
    web_login,
)

CSRF_REFUSED = (
    "error",
    "The form has expired or did not come from this site. Reload the page and try again.",
)


def _outsider(world: World, *, voting: bool = False, initiative: bool = False) -> str:
    """A member named D with the given privileges in the world's unit (none by default)."""
    member = make_member(world.db, name="D")
    world.members["D"] = member.id or 0
    if voting or initiative:
        unit = Unit(id=world.unit_id, name="Party", created_at=NOW)
        grant(world.db, unit, member, voting=voting, initiative=initiative)
    return "D"


def _refused(
    client: TestClient, db: Database, path: str, data: dict[str, Any], message: str
) -> Any:
    """Submit a form that the service refuses: the page of the form is shown again at once (no
    redirect) with the API's status for the refusal (a 4xx) and its message as the error flash,
    and not a row has changed (issue 10: typed text is kept, tests/web/test_kept_input.py)."""
    before = row_counts(db)
    response = submit(client, path, data)
    assert not response.history, "a refused form is shown again, not redirected"
    assert response.status_code in (403, 404, 409, 422), response.text[:1000]
    assert flash(response) == ("error", message), response.text[:3000]
    assert row_counts(db) == before
    return response


def _ok(client: TestClient, path: str, data: dict[str, Any], message: str) -> Any:
    response = submit(client, path, data)
    assert response.status_code == 200, response.text[:1000]
    assert flash(response) == ("success", message), response.text[:3000]
    return response


def _in_voting(world: World, client: TestClient, who: str = "A") -> dict[str, Any]:
    """An issue in voting with one admitted initiative; ``who`` logged in (after the days)."""
    first = proposal(world)
    advance(world, 3)
    web_login(client, who)
    return first


class TestLoginForm:
    def test_logs_in_and_greets(self, client: TestClient, world: World) -> None:
        response = web_login(client, "A")
        assert urlsplit(str(response.url)).path == "/"
        assert f'<a href="/members/{world.members["A"]}">A</a>' in response.text
        assert 'action="/logout"' in response.text

    def test_wrong_password_is_refused(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        before = row_counts(db)
        response = submit(client, "/login", {"username": "A", "password": "wrong", "next": "/"})
        assert urlsplit(str(response.url)).path == "/login"
        assert flash(response) == ("error", "wrong name or password")
        assert "lp_session" not in client.cookies
        after = row_counts(db)
        assert after["login_failure"] == before["login_failure"] + 1  # counted for throttling
        assert {**after, "login_failure": 0} == {**before, "login_failure": 0}

    def test_goes_to_next(self, client: TestClient, world: World) -> None:
        data = {"username": "A", "password": "correct horse battery"}
        response = submit(client, "/login", {**data, "next": f"/areas/{world.area_id}"})
        assert urlsplit(str(response.url)).path == f"/areas/{world.area_id}"
        assert flash(response) == ("success", "Welcome, A.")

    @pytest.mark.parametrize(
        "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "evil.example"]
    )
    def test_an_open_redirect_is_refused(
        self, client: TestClient, world: World, target: str
    ) -> None:
        assert client.get("/login", params={"next": target}).status_code == 200
        data = {"username": "A", "password": "correct horse battery", "next": target}
        response = submit(client, "/login", data, follow=False)
        location = response.headers["location"]
        assert response.status_code == 303
        assert location == "/" or (
            location.startswith("/")
            and not location.startswith(("//", "/\\"))
            and not urlsplit(location).netloc
        ), location

    def test_needs_the_csrf_token(self, client: TestClient, world: World) -> None:
        data = {"username": "A", "password": "correct horse battery", "next": "/"}
        response = client.post("/login", data=data)
        assert response.status_code == 403
        assert flash(response) == CSRF_REFUSED
        assert "lp_session" not in client.cookies


class TestLogoutForm:
    def test_revokes_the_session(self, client: TestClient, world: World, db: Database) -> None:
        web_login(client, "A")
        secret = client.cookies["lp_session"]
        response = _ok(client, "/logout", {}, "You are logged out.")
        assert 'action="/logout"' not in response.text and "Log in" in response.text
        assert "lp_session" not in client.cookies
        with db.session() as session:
            tokens = session.exec(
                select(ApiToken).where(
                    ApiToken.member_id == world.members["A"], ApiToken.kind == "web"
                )
            ).all()
            assert tokens and all(t.revoked_at is not None for t in tokens)
        # the stolen cookie of the old session no longer logs anybody in, and is cleared
        client.cookies.set("lp_session", secret)
        again = client.get("/", follow_redirects=False)
        assert 'action="/logout"' not in again.text
        assert 'lp_session=""' in again.headers.get("set-cookie", "")

    def test_a_session_expires_after_its_lifetime(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        world.clock.advance(DAY + 1)
        page = client.get("/")
        assert 'action="/logout"' not in page.text and "Log in" in page.text
        assert "lp_session" not in client.cookies

    @pytest.mark.parametrize("public_access", [PublicAccess.NONE])
    def test_a_closed_service_sends_the_logged_out_to_login(
        self, client: TestClient, world: World
    ) -> None:
        web_login(client, "A")
        assert client.get("/").status_code == 200
        submit(client, "/logout")
        response = client.get("/", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login?next=/"


class TestNewInitiativeForm:
    def test_a_new_issue(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        data = {
            "area_id": world.area_id,
            "policy_id": world.policy_id,
            "name": "Cycle lanes",
            "content": "Build *them*.",
        }
        response = _ok(client, "/initiatives/new", data, "Your initiative is online.")
        assert re.fullmatch(r"/initiatives/\d+", urlsplit(str(response.url)).path)
        assert "<h1>Cycle lanes</h1>" in response.text
        assert "<p>Build <em>them</em>.</p>" in response.text

    def test_a_competing_initiative(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        web_login(client, "B")
        data = {"issue_id": first["issue_id"], "name": "Better", "content": "Other text"}
        response = _ok(client, "/initiatives/new", data, "Your initiative is online.")
        assert f'<a href="/issues/{first["issue_id"]}">Issue {first["issue_id"]}</a>' in (
            response.text
        )
        issue = client.get(f"/issues/{first['issue_id']}").text
        assert "First" in issue and "Better" in issue

    def test_refused_without_initiative_right(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        web_login(client, _outsider(world, voting=True))
        data = {"area_id": world.area_id, "policy_id": world.policy_id, "name": "X", "content": "Y"}
        response = _refused(
            client, db, "/initiatives/new", data, "you have no initiative right in this unit"
        )
        # shown again: the new-initiative page of that area, which now says why there is no form
        assert "<h1>A new initiative in " in response.text
        assert '<p class="why-not">You have no initiative right in this unit.</p>' in response.text

    def test_refused_once_voting_started(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = _in_voting(world, client, "B")
        data = {"issue_id": first["issue_id"], "name": "Late", "content": "Too late"}
        _refused(
            client,
            db,
            "/initiatives/new",
            data,
            "a new initiative is not possible while the issue is voting",
        )

    def test_refused_without_a_title_or_with_a_too_long_one(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        web_login(client, "A")
        data = {"area_id": world.area_id, "policy_id": world.policy_id, "content": "Text"}
        _refused(client, db, "/initiatives/new", {**data, "name": " "}, "name must not be empty")
        _refused(
            client,
            db,
            "/initiatives/new",
            {**data, "name": "x" * 201},
            "name must have at most 200 characters",
        )

    def test_a_visitor_is_sent_to_login(self, client: TestClient, world: World) -> None:
        data = {"area_id": world.area_id, "policy_id": world.policy_id, "name": "X", "content": "Y"}
        response = submit(client, "/initiatives/new", data)
        assert urlsplit(str(response.url)).path == "/login"
        assert flash(response) == ("error", "please log in first")


class TestNewDraftForm:
    def test_an_initiator_publishes_a_draft(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        web_login(client, "A")
        path = f"/initiatives/{first['id']}/drafts"
        response = _ok(client, path, {"content": "Second text"}, "A new draft is current.")
        assert "<p>Second text</p>" in response.text
        assert '<span class="added">+ Second text</span>' in response.text

    def test_refused_for_a_non_initiator(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = proposal(world)
        web_login(client, "B")
        _refused(
            client,
            db,
            f"/initiatives/{first['id']}/drafts",
            {"content": "Mine"},
            "only an initiator of this initiative may do this",
        )

    def test_refused_in_verification(self, client: TestClient, world: World, db: Database) -> None:
        first = proposal(world)
        advance(world, 2)
        web_login(client, "A")
        _refused(
            client,
            db,
            f"/initiatives/{first['id']}/drafts",
            {"content": "Late"},
            "a new draft is not possible while the issue is verification",
        )


class TestRevokeForm:
    def test_an_initiator_revokes(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        other = world.propose("B", "Other", issue_id=first["issue_id"])
        web_login(client, "A")
        page = client.get(f"/initiatives/{first['id']}").text
        assert f'<option value="{other["id"]}">Other</option>' in page
        response = _ok(
            client,
            f"/initiatives/{first['id']}/revoke",
            {"suggested_initiative_id": other["id"]},
            "The initiative is revoked.",
        )
        assert "<strong>revoked 2026-01-05 12:00 UTC</strong>" in response.text
        assert world.initiative(first["id"])["suggested_initiative_id"] == other["id"]

    def test_refused_for_a_non_initiator(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = proposal(world)
        web_login(client, "B")
        _refused(
            client,
            db,
            f"/initiatives/{first['id']}/revoke",
            {},
            "only an initiator of this initiative may do this",
        )


class TestSupportForm:
    def test_support_and_withdraw(self, client: TestClient, world: World) -> None:
        first = world.propose("A", "First")
        web_login(client, "B")
        path = f"/initiatives/{first['id']}/support"
        page = client.get(f"/initiatives/{first['id']}").text
        assert "You do not support this initiative." in page
        draft = re.search(r'name="draft_id" value="(\d+)"', page)
        assert draft
        response = _ok(
            client,
            path,
            {"action": "support", "draft_id": draft.group(1)},
            "You support the current draft.",
        )
        assert "You support this initiative." in response.text
        response = _ok(
            client, path, {"action": "withdraw"}, "You no longer support this initiative."
        )
        assert "You do not support this initiative." in response.text

    def test_refused_while_voting(self, client: TestClient, world: World, db: Database) -> None:
        first = _in_voting(world, client, "B")
        _refused(
            client,
            db,
            f"/initiatives/{first['id']}/support",
            {"action": "support"},
            "supporting is not possible while the issue is voting",
        )

    def test_refused_without_voting_right(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = world.propose("A", "First")
        web_login(client, _outsider(world))
        _refused(
            client,
            db,
            f"/initiatives/{first['id']}/support",
            {"action": "support"},
            "you have no voting right in this unit",
        )

    def test_refused_for_an_old_draft(self, client: TestClient, world: World, db: Database) -> None:
        first = world.propose("A", "First")
        old = world.all_items(f"/initiatives/{first['id']}/drafts")[0]["id"]
        new = world.ok("POST", f"/initiatives/{first['id']}/drafts", "A", json={"content": "2"})
        web_login(client, "B")
        _refused(
            client,
            db,
            f"/initiatives/{first['id']}/support",
            {"action": "support", "draft_id": old},
            f"draft {old} is not the current draft ({new['id']}) of the initiative",
        )


class TestInterestForm:
    def test_declare_and_remove(self, client: TestClient, world: World) -> None:
        first = world.propose("A", "First")
        web_login(client, "B")
        path = f"/issues/{first['issue_id']}/interest"
        response = _ok(client, path, {"action": "add"}, "You take part directly in this issue.")
        assert "<p>You take part directly in this issue.</p>" in response.text
        response = _ok(
            client,
            path,
            {"action": "remove"},
            "You no longer take part directly in this issue.",
        )
        assert "Take part directly (declare interest)" in response.text

    def test_refused_while_voting(self, client: TestClient, world: World, db: Database) -> None:
        first = _in_voting(world, client, "B")
        _refused(
            client,
            db,
            f"/issues/{first['issue_id']}/interest",
            {"action": "add"},
            "declaring interest is not possible while the issue is voting",
        )


class TestSuggestionForm:
    def test_with_replacement_text(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        web_login(client, "B")
        data = {
            "name": "Shorter",
            "content": "Cut it down.",
            "degree": "1",
            "replacement_content": "Short *text*",
        }
        path = f"/initiatives/{first['id']}/suggestions"
        response = _ok(client, path, data, "Your suggestion is online.")
        assert "Shorter" in response.text and "<p>Cut it down.</p>" in response.text
        assert "Proposed new text" in response.text and "Short <em>text</em>" in response.text
        assert "You support this initiative." in response.text  # a suggestion implies support

    def test_refused_in_verification(self, client: TestClient, world: World, db: Database) -> None:
        first = proposal(world)
        advance(world, 2)
        web_login(client, "B")
        _refused(
            client,
            db,
            f"/initiatives/{first['id']}/suggestions",
            {"name": "Late", "content": "Too late"},
            "a new suggestion is not possible while the issue is verification",
        )

    def test_refused_without_content(self, client: TestClient, world: World, db: Database) -> None:
        first = proposal(world)
        web_login(client, "B")
        _refused(
            client,
            db,
            f"/initiatives/{first['id']}/suggestions",
            {"name": "Empty", "content": ""},
            "content must not be empty",
        )


class TestOpinionForm:
    def test_rate_and_remove(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        suggestion = world.suggest("B", first["id"], degree=1)
        web_login(client, "C")
        path = f"/suggestions/{suggestion['id']}/opinion"
        data = {"action": "rate", "degree": "-2", "fulfilled": "on"}
        response = _ok(client, path, data, "Your opinion is saved.")
        assert '<input type="radio" name="degree" value="-2" checked>' in response.text
        assert '<input type="checkbox" name="fulfilled" checked>' in response.text
        response = _ok(client, path, {"action": "remove"}, "Your opinion is removed.")
        assert "checked" not in response.text.split(f'id="suggestion-{suggestion["id"]}"')[1]

    def test_refused_without_a_degree(self, client: TestClient, world: World, db: Database) -> None:
        first = proposal(world)
        suggestion = world.suggest("B", first["id"])
        web_login(client, "C")
        _refused(
            client,
            db,
            f"/suggestions/{suggestion['id']}/opinion",
            {"action": "rate"},
            "choose must, should, should not or must not",
        )

    def test_refused_while_voting(self, client: TestClient, world: World, db: Database) -> None:
        first = proposal(world)
        suggestion = world.suggest("B", first["id"])
        advance(world, 3)
        web_login(client, "C")
        _refused(
            client,
            db,
            f"/suggestions/{suggestion['id']}/opinion",
            {"action": "rate", "degree": "1"},
            "rating is not possible while the issue is voting",
        )


class TestAmendmentForms:
    def _suggestion(self, world: World) -> dict[str, Any]:
        """B's suggestion with replacement text on A's initiative."""
        suggestion: dict[str, Any] = world.suggest(
            "B", proposal(world)["id"], replacement_content="Amended text"
        )
        return suggestion

    def test_an_initiator_accepts(self, client: TestClient, world: World) -> None:
        suggestion = self._suggestion(world)
        web_login(client, "A")
        response = _ok(
            client,
            f"/suggestions/{suggestion['id']}/accept",
            {},
            "The amendment is accepted: a new draft is current.",
        )
        current = response.text.split('id="draft-heading"')[1].split("</article>")[0]
        assert "<p>Amended text</p>" in current
        assert '<span class="badge">accepted</span>' in response.text

    def test_an_initiator_rejects_with_a_reason(self, client: TestClient, world: World) -> None:
        suggestion = self._suggestion(world)
        web_login(client, "A")
        response = _ok(
            client,
            f"/suggestions/{suggestion['id']}/reject",
            {"reason": "Out of scope"},
            "The suggestion is rejected.",
        )
        assert '<span class="badge">rejected</span>' in response.text
        assert "<strong>Reason:</strong> Out of scope" in response.text

    def test_refused_for_a_non_initiator(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        suggestion = self._suggestion(world)
        web_login(client, "C")
        for action, data in (("accept", {}), ("reject", {"reason": "No"})):
            _refused(
                client,
                db,
                f"/suggestions/{suggestion['id']}/{action}",
                data,
                "only an initiator of this initiative may do this",
            )

    def test_refused_in_verification(self, client: TestClient, world: World, db: Database) -> None:
        suggestion = self._suggestion(world)
        advance(world, 2)
        web_login(client, "A")
        _refused(
            client,
            db,
            f"/suggestions/{suggestion['id']}/accept",
            {},
            "accepting is not possible while the issue is verification",
        )


class TestDelegationForm:
    def test_set_and_remove_for_a_unit_from_the_home_page(
        self, client: TestClient, world: World
    ) -> None:
        web_login(client, "A")
        b = world.members["B"]
        data = {"scope": "unit", "scope_id": world.unit_id, "back": "/", "action": "set"}
        response = _ok(
            client,
            "/delegations",
            {**data, "trustee_id": b},
            "Your delegation is saved. Your vote goes to B — your delegation for this unit.",
        )
        assert urlsplit(str(response.url)).path == "/"
        assert (
            f'Your vote goes to <a href="/members/{b}">B</a> — your delegation for this unit.'
            in response.text
        )
        response = _ok(
            client,
            "/delegations",
            {**data, "trustee_id": "remove"},
            "Your unit delegation is removed. You have no delegation: your vote stays with you.",
        )
        assert "You have no delegation: your vote stays with you." in response.text

    def test_a_unit_delegation_needs_a_trustee(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        web_login(client, "A")
        data = {"scope": "unit", "scope_id": world.unit_id, "trustee_id": "none", "back": "/"}
        _refused(client, db, "/delegations", data, "a unit delegation needs a trustee")

    def test_no_delegation_here_for_an_area(self, client: TestClient, world: World) -> None:
        world.delegate("A", "B")
        web_login(client, "A")
        back = f"/areas/{world.area_id}"
        data = {"scope": "area", "scope_id": world.area_id, "trustee_id": "none", "back": back}
        response = _ok(
            client,
            "/delegations",
            data,
            "Your delegation is saved. You block delegation here: your vote stays with you.",
        )
        assert urlsplit(str(response.url)).path == back
        assert "You block delegation here: your vote stays with you." in response.text
        chain = client.get(f"/chain?member_id={world.members['A']}&area_id={world.area_id}")
        assert "In this area, A chose &#34;no delegation here&#34;" in chain.text

    def test_set_for_an_issue(self, client: TestClient, world: World) -> None:
        first = world.propose("B", "First")
        web_login(client, "A")
        back = f"/issues/{first['issue_id']}"
        data = {"scope": "issue", "scope_id": first["issue_id"], "back": back}
        response = _ok(
            client,
            "/delegations",
            {**data, "trustee_id": world.members["C"]},
            "Your delegation is saved. Your vote goes to C — your delegation for this issue.",
        )
        assert (
            f'Your vote goes to <a href="/members/{world.members["C"]}">C</a>'
            " — your delegation for this issue." in response.text
        )

    def test_refusals(self, client: TestClient, world: World, db: Database) -> None:
        world.delegate("B", "C")
        theirs = world.all_items("/delegations", truster_id=world.members["B"])[0]["id"]
        web_login(client, "A")
        data = {"scope": "unit", "scope_id": world.unit_id, "back": "/"}
        _refused(
            client,
            db,
            "/delegations",
            {**data, "trustee_id": world.members["A"]},
            "you cannot delegate to yourself",
        )
        _refused(
            client,
            db,
            "/delegations",
            {**data, "action": "revoke", "delegation_id": theirs},
            "only the truster may revoke a delegation",
        )

    def test_refused_without_voting_right(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        web_login(client, _outsider(world))
        data = {"scope": "area", "scope_id": world.area_id, "trustee_id": world.members["A"]}
        _refused(client, db, "/delegations", data, "you have no voting right in this unit")

    def test_back_never_leaves_the_site(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        data = {
            "scope": "unit",
            "scope_id": world.unit_id,
            "trustee_id": world.members["B"],
            "back": "https://evil.example/",
        }
        response = submit(client, "/delegations", data, follow=False)
        assert response.headers["location"] == "/"


class TestBallotForm:
    def test_cast_replace_and_withdraw(self, client: TestClient, world: World) -> None:
        first = _in_voting(world, client, "B")
        path = f"/issues/{first['issue_id']}/ballot"
        page = client.get(f"/issues/{first['issue_id']}").text
        assert "You have not voted yet." in page
        assert f'<select id="grade-{first["id"]}" name="grade_{first["id"]}"' in page
        saved = "Your ballot is saved. You can change it until voting ends."
        response = _ok(client, path, {"action": "cast", f"grade_{first['id']}": "2"}, saved)
        assert urlsplit(str(response.url)).path == f"/issues/{first['issue_id']}"
        assert "Your current ballot is shown" in response.text
        assert '<option value="2" selected>' in response.text
        response = _ok(client, path, {"action": "cast", f"grade_{first['id']}": "-1"}, saved)
        assert '<option value="-1" selected>' in response.text
        assert '<option value="2" selected>' not in response.text
        response = _ok(client, path, {"action": "withdraw"}, "Your ballot is withdrawn.")
        assert "You have not voted yet." in response.text

    def test_refused_before_voting(self, client: TestClient, world: World, db: Database) -> None:
        first = proposal(world)
        web_login(client, "B")
        _refused(
            client,
            db,
            f"/issues/{first['issue_id']}/ballot",
            {"action": "cast", f"grade_{first['id']}": "1"},
            "voting is not possible while the issue is admission",
        )

    def test_refused_without_voting_right(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = proposal(world)
        advance(world, 3)
        web_login(client, _outsider(world))
        _refused(
            client,
            db,
            f"/issues/{first['issue_id']}/ballot",
            {"action": "cast", f"grade_{first['id']}": "1"},
            "you have no voting right in this unit",
        )

    def test_a_malformed_ballot_is_an_error_page(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = _in_voting(world, client, "B")
        before = row_counts(db)
        response = submit(client, f"/issues/{first['issue_id']}/ballot", {"grade_x": "1"})
        assert response.status_code == 422
        assert flash(response) == ("error", "the ballot form is malformed")
        assert row_counts(db) == before


class TestLifecycleButton:
    def test_an_admin_runs_the_lifecycle(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        make_member(world.db, name="admin", is_admin=True)
        web_login(client, "admin")
        back = f"/issues/{first['issue_id']}"
        assert "Run lifecycle now" in client.get(back).text
        response = _ok(
            client,
            "/admin/lifecycle",
            {"back": back},
            f"Lifecycle run: issue {first['issue_id']}: admission → discussion.",
        )
        assert urlsplit(str(response.url)).path == back
        assert '<span class="state state-discussion">discussion</span>' in response.text
        _ok(client, "/admin/lifecycle", {"back": back}, "Lifecycle run: nothing was due.")

    def test_a_member_gets_no_button_and_is_refused(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        proposal(world)
        web_login(client, "A")
        assert "Run lifecycle now" not in client.get("/").text
        before = row_counts(db)
        response = submit(client, "/admin/lifecycle", {"back": "/"})
        assert response.status_code == 403
        assert flash(response) == ("error", "only an admin may do this")
        assert row_counts(db) == before


FORMS = [
    "/logout",
    "/initiatives/new",
    "/initiatives/{initiative}/support",
    "/initiatives/{initiative}/drafts",
    "/initiatives/{initiative}/revoke",
    "/initiatives/{initiative}/suggestions",
    "/suggestions/{suggestion}/opinion",
    "/suggestions/{suggestion}/accept",
    "/suggestions/{suggestion}/reject",
    "/issues/{issue}/interest",
    "/issues/{issue}/ballot",
    "/delegations",
    "/admin/lifecycle",
]


class TestCsrf:
    def test_every_form_refuses_a_missing_or_foreign_token(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = proposal(world)
        suggestion = world.suggest("B", first["id"], replacement_content="New")
        make_member(world.db, name="admin", is_admin=True)
        web_login(client, "admin")
        ids = {"initiative": first["id"], "suggestion": suggestion["id"]}
        ids["issue"] = first["issue_id"]
        data = {
            "name": "X",
            "content": "Y",
            "reason": "Z",
            "area_id": world.area_id,
            "policy_id": world.policy_id,
            "scope": "unit",
            "scope_id": world.unit_id,
            "trustee_id": world.members["B"],
            "degree": "1",
        }
        with TestClient(client.app) as other:
            foreign = csrf_of(other)  # valid, but for another browser's cookie
        before = row_counts(db)
        for form in FORMS:
            path = form.format(**ids)
            mine = csrf_of(client)
            tampered = mine[:-1] + ("1" if mine.endswith("0") else "0")  # always differs
            for token in (None, "", foreign, tampered):
                body = dict(data) if token is None else {**data, "csrf_token": token}
                response = client.post(path, data=body, follow_redirects=False)
                assert response.status_code == 403, (path, token, response.status_code)
                assert flash(response) == CSRF_REFUSED, path
        assert row_counts(db) == before
        assert 'action="/logout"' in client.get("/").text  # still logged in

    def test_a_good_token_from_this_browser_passes(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        token = csrf_of(client)
        assert token == csrf_of(client)  # stable for the cookie
        response = client.post("/logout", data={"csrf_token": token})
        assert flash(response) == ("success", "You are logged out.")


class TestLoginRedirectsOfForms:
    @pytest.mark.parametrize("public_access", [PublicAccess.PSEUDONYM, PublicAccess.NONE])
    def test_a_visitor_posting_a_form_is_sent_to_login_and_back_to_the_page(
        self, client: TestClient, world: World
    ) -> None:
        first = world.propose("A", "First")
        page = f"/initiatives/{first['id']}"
        response = submit(
            client,
            f"{page}/support",
            {},
            follow=False,
            headers={"referer": f"http://testserver{page}"},
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={page}"
        without_referer = submit(client, f"{page}/support", {}, follow=False)
        assert without_referer.headers["location"] == "/login?next=/"
        data = {"username": "A", "password": "correct horse battery", "next": page}
        assert urlsplit(str(submit(client, "/login", data).url)).path == page
