"""A refused form keeps what was typed (issue 10, item 4): the page of the form is shown again
at once, with the API's status and message for the refusal, and every field as the member
filled it in (never a password)."""

import html
import re
from typing import Any

import httpx2 as httpx
from fastapi.testclient import TestClient

from app.db import Database
from tests.api.world import World
from tests.factories import row_counts
from tests.web.helpers import advance, canonical, flash, proposal, submit, web_login

LONG_TITLE = "A title that is far too long " * 10  # 290 characters


def _shown_again(
    client: TestClient, db: Database, path: str, data: dict[str, Any], status: int, message: str
) -> httpx.Response:
    before = row_counts(db)
    response = submit(client, path, data)
    assert not response.history, ("shown again at once, not redirected", flash(response))
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    assert flash(response) == ("error", message), response.text[:3000]
    assert row_counts(db) == before
    return response


def _field(response: httpx.Response, field_id: str) -> str:
    """The value of an input, or the text of a textarea, by id (unescaped)."""
    found = re.search(rf'<input id="{field_id}"[^>]*value="([^"]*)"', response.text) or re.search(
        rf'<textarea id="{field_id}"[^>]*>\n?(.*?)</textarea>', response.text, re.S
    )
    assert found, f"no field {field_id}"
    return html.unescape(found.group(1))


def _selected(response: httpx.Response, select_id: str) -> list[str]:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', response.text, re.S)
    assert found, f"no select {select_id}"
    return re.findall(r'<option value="([^"]*)" ?selected>', found.group(1))


class TestNewInitiative:
    def test_a_too_long_title_keeps_title_text_and_policy(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        web_login(client, "A")
        data = {
            "area_id": world.area_id,
            "policy_id": world.policy_id,
            "name": LONG_TITLE,
            "content": "My <long> text\n\nwith *two* paragraphs",
        }
        response = _shown_again(
            client, db, "/initiatives/new", data, 422, "name must have at most 200 characters"
        )
        assert _field(response, "name") == LONG_TITLE.strip() or _field(response, "name") == (
            LONG_TITLE
        )
        assert _field(response, "content") == "My <long> text\n\nwith *two* paragraphs"
        assert "My &lt;long&gt; text" in response.text  # escaped, never markup
        assert _selected(response, "policy") == [str(world.policy_id)]
        assert f'name="area_id" value="{world.area_id}"' in response.text
        assert canonical(response) == "http://testserver/initiatives/new"

    def test_a_blank_title_keeps_the_text(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = proposal(world)
        web_login(client, "B")
        data = {"issue_id": first["issue_id"], "name": "  ", "content": "Competing text"}
        response = _shown_again(client, db, "/initiatives/new", data, 422, "name must not be empty")
        assert _field(response, "content") == "Competing text"
        assert f'name="issue_id" value="{first["issue_id"]}"' in response.text


class TestNewDraft:
    def test_a_too_long_draft_keeps_the_text(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = proposal(world)
        web_login(client, "A")
        text = "x" * 100_001
        response = _shown_again(
            client,
            db,
            f"/initiatives/{first['id']}/drafts",
            {"content": text},
            422,
            "content must have at most 100000 characters",
        )
        assert _field(response, "draft-content") == text
        assert re.search(r'<details class="card" open>\s*<summary>Write a new draft', response.text)


class TestSuggestion:
    def test_a_refused_suggestion_keeps_every_field(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = proposal(world)
        web_login(client, "B")
        data = {
            "name": "Shorter",
            "content": " ",
            "degree": "-2",
            "replacement_content": "New *text*",
        }
        response = _shown_again(
            client,
            db,
            f"/initiatives/{first['id']}/suggestions",
            data,
            422,
            "content must not be empty",
        )
        assert _field(response, "s-name") == "Shorter"
        assert _field(response, "s-replacement") == "New *text*"
        assert _selected(response, "s-degree") == ["-2"]
        opened = r'<details class="card" open>\s*<summary>Write a suggestion'
        assert re.search(opened, response.text)


class TestOpinion:
    def test_a_missing_degree_keeps_fulfilled(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = proposal(world)
        suggestion = world.suggest("B", first["id"])
        web_login(client, "C")
        response = _shown_again(
            client,
            db,
            f"/suggestions/{suggestion['id']}/opinion",
            {"action": "rate", "fulfilled": "on"},
            422,
            "choose must, should, should not or must not",
        )
        form = response.text.split(f'id="suggestion-{suggestion["id"]}"')[1]
        assert '<input type="checkbox" name="fulfilled" checked>' in form


class TestReject:
    def test_a_too_long_reason_is_kept(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        suggestion = world.suggest("B", proposal(world)["id"])
        web_login(client, "A")
        reason = "because " * 1300
        response = _shown_again(
            client,
            db,
            f"/suggestions/{suggestion['id']}/reject",
            {"reason": reason},
            422,
            "reason must have at most 10000 characters",
        )
        assert _field(response, f"reason-{suggestion['id']}") == reason


class TestBallot:
    def test_a_refused_ballot_keeps_the_grades(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = proposal(world)
        second = world.propose("B", "Second", issue_id=first["issue_id"])
        world.ok("PUT", f"/initiatives/{second['id']}/support", "B")
        advance(world, 3)
        web_login(client, "C")
        data = {"action": "cast", f"grade_{first['id']}": "-3", "grade_999999": "1"}
        response = _shown_again(
            client,
            db,
            f"/issues/{first['issue_id']}/ballot",
            data,
            422,
            f"initiative 999999 is not admitted in issue {first['issue_id']}",
        )
        assert _selected(response, f"grade-{first['id']}") == ["-3"]
        assert "You have not voted yet." in response.text


class TestDelegation:
    def test_a_refused_delegation_shows_its_page_again(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        web_login(client, "A")
        back = f"/areas/{world.area_id}"
        data = {"scope": "area", "scope_id": world.area_id, "trustee_id": "999999", "back": back}
        response = _shown_again(client, db, "/delegations", data, 404, "member 999999 not found")
        assert "Propose a new initiative" in response.text  # the area's page
        assert canonical(response) == f"http://testserver{back}"

    def test_on_the_home_page_the_choice_is_kept(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        world.delegate("A", "B")
        world.delegate("B", "C")
        theirs = world.all_items("/delegations", truster_id=world.members["B"])[0]["id"]
        web_login(client, "A")
        data = {
            "scope": "unit",
            "scope_id": world.unit_id,
            "back": "/",
            "trustee_id": "remove",
            "delegation_id": theirs,
        }
        response = _shown_again(
            client, db, "/delegations", data, 403, "only the truster may revoke a delegation"
        )
        assert _selected(response, f"trustee-unit-{world.unit_id}") == ["remove"]


class TestLogin:
    def test_the_name_is_kept_never_the_password(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        response = submit(
            client, "/login", {"username": "A", "password": "wrong password", "next": "/"}
        )
        assert not response.history
        assert response.status_code == 401
        assert flash(response) == ("error", "wrong name or password")
        assert _field(response, "username") == "A"
        assert "wrong password" not in response.text


class TestRemovalMessage:
    """Regression: removing the unit delegation said "Your unit delegation is removed: you have
    no delegation: your vote stays with you." (two colons in one sentence)."""

    def test_one_sentence_per_fact(self, client: TestClient, world: World) -> None:
        world.delegate("A", "B")
        web_login(client, "A")
        data = {"scope": "unit", "scope_id": world.unit_id, "back": "/", "trustee_id": "remove"}
        response = submit(client, "/delegations", data)
        shown = flash(response)
        assert shown == (
            "success",
            "Your unit delegation is removed. You have no delegation: your vote stays with you.",
        )
        assert all(sentence.count(":") <= 1 for sentence in shown[1].split(". "))
