"""Issue 10 item 2: every delegation box says where the member's vote goes now at its scope and
why; its default choice changes nothing; blocking is an explicit choice whose label says its
effect; removing an issue or area delegation returns to what the member inherits, and says so."""

import html
import re
from typing import Any

from fastapi.testclient import TestClient

from app.db import Database
from tests.api.world import World
from tests.factories import row_counts
from tests.web.helpers import flash, submit, web_login


def _box(text: str) -> str:
    """The delegation box of a page, unescaped, tags stripped."""
    found = re.search(r'<form method="post" action="/delegations".*?</form>', text, re.S)
    assert found, "the page has no delegation box"
    return html.unescape(re.sub(r"\s+", " ", found.group(0)))


def _status(text: str) -> str:
    found = re.search(r'<p class="delegation-status">(.*?)</p>', _box(text), re.S)
    assert found
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def _selected(text: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', _box(text))


def _default(text: str) -> str:
    """What a browser submits for the box's select untouched: the selected option, else the
    first one."""
    selected = _selected(text)
    return selected[0] if selected else next(iter(_options(text)))


def _options(text: str) -> dict[str, str]:
    return {
        v: label.strip()
        for v, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', _box(text))
    }


def _carol_delegates_to_alice_for_the_unit(world: World, client: TestClient) -> dict[str, Any]:
    """C delegates to A for the whole unit; an issue is open in the area; C is logged in."""
    first = world.propose("B", "Cycle lanes")
    world.delegate("C", "A")
    web_login(client, "C")
    return first


def _form(scope: str, scope_id: int, back: str, **fields: Any) -> dict[str, Any]:
    return {"scope": scope, "scope_id": scope_id, "back": back, "action": "set", **fields}


class TestTheBoxSaysWhereTheVoteGoes:
    def test_the_inherited_unit_delegation_on_the_issue_and_area_pages(
        self, client: TestClient, world: World
    ) -> None:
        first = _carol_delegates_to_alice_for_the_unit(world, client)
        for path in (f"/issues/{first['issue_id']}", f"/areas/{world.area_id}"):
            text = client.get(path).text
            assert _status(text) == "Your vote goes to A — your unit delegation.", path
            assert f'<a href="/members/{world.members["A"]}">A</a>' in _box(text)
            assert "You have no delegation" not in text
            assert _selected(text) == ["keep"]

    def test_own_delegation_at_this_scope(self, client: TestClient, world: World) -> None:
        first = _carol_delegates_to_alice_for_the_unit(world, client)
        world.delegate("C", "B", area_id=world.area_id)
        text = client.get(f"/areas/{world.area_id}").text
        assert _status(text) == "Your vote goes to B — your delegation for this area."
        text = client.get(f"/issues/{first['issue_id']}").text
        assert _status(text) == "Your vote goes to B — your area delegation."
        text = client.get("/").text
        assert _status(text) == "Your vote goes to A — your delegation for this unit."

    def test_no_delegation_and_a_block(self, client: TestClient, world: World) -> None:
        first = world.propose("B", "Cycle lanes")
        web_login(client, "C")
        text = client.get(f"/issues/{first['issue_id']}").text
        assert _status(text) == "You have no delegation: your vote stays with you."
        world.delegate("C", None, issue_id=first["issue_id"])
        text = client.get(f"/issues/{first['issue_id']}").text
        assert _status(text) == "You block delegation here: your vote stays with you."

    def test_an_area_block_seen_from_the_issue_page(self, client: TestClient, world: World) -> None:
        first = _carol_delegates_to_alice_for_the_unit(world, client)
        world.delegate("C", None, area_id=world.area_id)
        text = client.get(f"/issues/{first['issue_id']}").text
        assert _status(text) == "You block delegation for the whole area: your vote stays with you."
        assert _options(text)["block"] == "Block: don't pass my vote on in this issue"
        assert "remove" not in _options(text)

    def test_a_declined_delegation_says_so_and_the_lower_scope_applies(
        self, client: TestClient, world: World
    ) -> None:
        """Issue 12: the truster sees their delegation declined where it was set."""
        first = _carol_delegates_to_alice_for_the_unit(world, client)
        area = world.delegate("C", "B", area_id=world.area_id)
        world.ok("POST", f"/delegations/{area['id']}/decline", "B")
        text = client.get(f"/areas/{world.area_id}").text
        assert _status(text) == (
            "Your vote goes to A — your unit delegation."
            " B declined your delegation for this area: it counts as none."
        )
        text = client.get(f"/issues/{first['issue_id']}").text
        assert _status(text) == "Your vote goes to A — your unit delegation."


class TestTheDefaultChangesNothing:
    def test_submitting_the_box_unchanged_creates_no_row(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = _carol_delegates_to_alice_for_the_unit(world, client)
        for scope, scope_id, back in (
            ("issue", first["issue_id"], f"/issues/{first['issue_id']}"),
            ("area", world.area_id, f"/areas/{world.area_id}"),
            ("unit", world.unit_id, "/"),
        ):
            page = client.get(back).text
            before = row_counts(db)
            default = _default(page)
            response = submit(
                client, "/delegations", _form(scope, scope_id, back, trustee_id=default)
            )
            assert row_counts(db) == before, scope
            message = flash(response)
            assert message is not None and message[0] == "success"
            assert "Your vote goes to A" in message[1], message
            if scope != "unit":
                assert _status(response.text) == "Your vote goes to A — your unit delegation."
        assert len(world.all_items("/delegations", truster_id=world.members["C"])) == 1


class TestBlockingIsExplicit:
    def test_block_label_says_its_effect_and_creates_the_block(
        self, client: TestClient, world: World
    ) -> None:
        first = _carol_delegates_to_alice_for_the_unit(world, client)
        back = f"/issues/{first['issue_id']}"
        options = _options(client.get(back).text)
        assert options["block"] == (
            "Block: don't pass my vote on in this issue, even though I delegate for the unit"
        )
        assert options["keep"] == "Keep as it is"
        assert "none" not in options
        response = submit(
            client, "/delegations", _form("issue", first["issue_id"], back, trustee_id="block")
        )
        assert flash(response) == (
            "success",
            "Your delegation is saved. You block delegation here: your vote stays with you.",
        )
        rows = world.all_items("/delegations", truster_id=world.members["C"], scope="issue")
        assert [(r["issue_id"], r["trustee_id"]) for r in rows] == [(first["issue_id"], None)]
        assert _status(response.text) == "You block delegation here: your vote stays with you."

    def test_area_block_label(self, client: TestClient, world: World) -> None:
        _carol_delegates_to_alice_for_the_unit(world, client)
        options = _options(client.get(f"/areas/{world.area_id}").text)
        assert options["block"] == (
            "Block: don't pass my vote on in this area, even though I delegate for the unit"
        )

    def test_unit_box_has_no_block(self, client: TestClient, world: World) -> None:
        _carol_delegates_to_alice_for_the_unit(world, client)
        options = _options(client.get("/").text)
        assert "block" not in options
        assert options["remove"] == (
            "Remove my delegation for this unit: then you have no delegation: your vote stays"
            " with you"
        )


class TestRemovingReturnsToWhatIsInherited:
    def test_removing_an_issue_delegation(self, client: TestClient, world: World) -> None:
        first = _carol_delegates_to_alice_for_the_unit(world, client)
        world.delegate("C", "B", issue_id=first["issue_id"])
        back = f"/issues/{first['issue_id']}"
        text = client.get(back).text
        assert _status(text) == "Your vote goes to B — your delegation for this issue."
        assert _options(text)["remove"] == (
            "Remove my delegation for this issue: then your vote goes to A — your unit delegation"
        )
        response = submit(
            client, "/delegations", _form("issue", first["issue_id"], back, trustee_id="remove")
        )
        assert flash(response) == (
            "success",
            "Your issue delegation is removed. Your vote goes to A — your unit delegation.",
        )
        assert _status(response.text) == "Your vote goes to A — your unit delegation."
        assert world.all_items("/delegations", truster_id=world.members["C"], scope="issue") == []

    def test_removing_an_area_block(self, client: TestClient, world: World) -> None:
        _carol_delegates_to_alice_for_the_unit(world, client)
        world.delegate("C", None, area_id=world.area_id)
        back = f"/areas/{world.area_id}"
        assert _status(client.get(back).text) == (
            "You block delegation here: your vote stays with you."
        )
        response = submit(
            client, "/delegations", _form("area", world.area_id, back, trustee_id="remove")
        )
        assert flash(response) == (
            "success",
            "Your area delegation is removed. Your vote goes to A — your unit delegation.",
        )
        assert _status(response.text) == "Your vote goes to A — your unit delegation."

    def test_removing_without_a_row_is_refused(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = _carol_delegates_to_alice_for_the_unit(world, client)
        back = f"/issues/{first['issue_id']}"
        before = row_counts(db)
        response = submit(
            client, "/delegations", _form("issue", first["issue_id"], back, trustee_id="remove")
        )
        assert flash(response) == ("error", "you have no delegation for this issue to remove")
        assert row_counts(db) == before
