"""A form the member may not use is not shown (issue 10, item 4): in its place one line says
why, and the line is the refusal the service would give on submit (the same ``*_refusal``
check of ``proposals``), so the page and the API say the same thing."""

import re
from typing import Any

from fastapi.testclient import TestClient

from proposals.models import Unit
from tests.api.world import ALL_SCOPES, World
from tests.factories import NOW, bearer, grant, make_member, make_token
from tests.web.helpers import advance, proposal, web_login


def _member(world: World, name: str, *, voting: bool = False, initiative: bool = False) -> str:
    """A member with the given privileges in the world's unit (none by default), with a token."""
    member = make_member(world.db, name=name)
    world.members[name] = member.id or 0
    world.headers[name] = bearer(make_token(world.db, member, scopes=ALL_SCOPES))
    if voting or initiative:
        unit = Unit(id=world.unit_id, name="Party", created_at=NOW)
        grant(world.db, unit, member, voting=voting, initiative=initiative)
    return name


def _why_lines(text: str) -> list[str]:
    return re.findall(r'<p class="why-not"[^>]*>(.*?)</p>', text)


def _sentence(detail: str) -> str:
    return detail[0].upper() + detail[1:] + "."


def _api_refusal(world: World, who: str, method: str, path: str, body: Any) -> str:
    response = world.call(method, path, who, json=body)
    assert 400 <= response.status_code < 500, response.text
    detail: str = response.json()["detail"]
    return detail


class TestVotingRight:
    def test_no_ballot_form_without_voting_right(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        who = _member(world, "D")
        advance(world, 3)
        web_login(client, who)
        page = client.get(f"/issues/{first['issue_id']}").text
        assert f'action="/issues/{first["issue_id"]}/ballot"' not in page
        refusal = _api_refusal(
            world,
            who,
            "PUT",
            f"/issues/{first['issue_id']}/ballot",
            {"votes": [{"initiative_id": first["id"], "grade": 1}]},
        )
        assert refusal == "you have no voting right in this unit"
        assert _sentence(refusal) in _why_lines(page)
        assert 'action="/delegations"' not in page  # nor a delegation box

    def test_no_support_suggestion_or_delegation_form(
        self, client: TestClient, world: World
    ) -> None:
        first = proposal(world)
        who = _member(world, "D")
        web_login(client, who)
        page = client.get(f"/initiatives/{first['id']}").text
        assert f'action="/initiatives/{first["id"]}/support"' not in page
        assert f'action="/initiatives/{first["id"]}/suggestions"' not in page
        refusal = _api_refusal(world, who, "PUT", f"/initiatives/{first['id']}/support", None)
        assert _why_lines(page).count(_sentence(refusal)) == 2  # support, suggestion
        for path in ("/", f"/areas/{world.area_id}"):
            other = client.get(path).text
            assert 'action="/delegations"' not in other, path
            assert "You have no voting right in this unit." in _why_lines(other), path


class TestInitiativeRight:
    def test_no_propose_link_or_form_without_initiative_right(
        self, client: TestClient, world: World
    ) -> None:
        first = proposal(world)
        who = _member(world, "D", voting=True)
        web_login(client, who)
        refusal = _api_refusal(
            world,
            who,
            "POST",
            "/initiatives",
            {"name": "X", "content": "Y", "area_id": world.area_id, "policy_id": world.policy_id},
        )
        assert refusal == "you have no initiative right in this unit"
        area = client.get(f"/areas/{world.area_id}").text
        assert "/initiatives/new?area_id=" not in area
        assert _sentence(refusal) in _why_lines(area)
        assert 'action="/delegations"' in area  # voting right: the delegation box is there
        issue = client.get(f"/issues/{first['issue_id']}").text
        assert "Propose a competing initiative" not in issue
        assert _sentence(refusal) in _why_lines(issue)
        new = client.get(f"/initiatives/new?area_id={world.area_id}").text
        assert 'action="/initiatives/new"' not in new
        assert _why_lines(new) == [_sentence(refusal)]


class TestPhases:
    def test_in_verification_no_suggestion_form_but_support(
        self, client: TestClient, world: World
    ) -> None:
        first = proposal(world)
        advance(world, 2)
        web_login(client, "B")
        page = client.get(f"/initiatives/{first['id']}").text
        assert f'action="/initiatives/{first["id"]}/suggestions"' not in page
        refusal = _api_refusal(
            world,
            "B",
            "POST",
            f"/initiatives/{first['id']}/suggestions",
            {"name": "N", "content": "C"},
        )
        assert refusal == "a new suggestion is not possible while the issue is verification"
        assert _sentence(refusal) in _why_lines(page)
        assert f'action="/initiatives/{first["id"]}/support"' in page

    def test_in_voting_no_support_or_interest_form(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        advance(world, 3)
        web_login(client, "B")
        page = client.get(f"/initiatives/{first['id']}").text
        assert f'action="/initiatives/{first["id"]}/support"' not in page
        refusal = _api_refusal(world, "B", "PUT", f"/initiatives/{first['id']}/support", None)
        assert _sentence(refusal) in _why_lines(page)
        issue = client.get(f"/issues/{first['issue_id']}").text
        assert f'action="/issues/{first["issue_id"]}/interest"' not in issue
        assert f'action="/issues/{first["issue_id"]}/ballot"' in issue
        assert "Declaring interest is not possible while the issue is voting." in _why_lines(issue)

    def test_an_initiator_in_verification_gets_no_draft_form(
        self, client: TestClient, world: World
    ) -> None:
        first = proposal(world)
        advance(world, 2)
        web_login(client, "A")
        page = client.get(f"/initiatives/{first['id']}").text
        assert f'action="/initiatives/{first["id"]}/drafts"' not in page
        assert f'action="/initiatives/{first["id"]}/revoke"' not in page
        refusal = _api_refusal(
            world, "A", "POST", f"/initiatives/{first['id']}/drafts", {"content": "New"}
        )
        assert _sentence(refusal) in _why_lines(page)

    def test_before_voting_the_ballot_says_when(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        web_login(client, "B")
        page = client.get(f"/issues/{first['issue_id']}").text
        assert f'action="/issues/{first["issue_id"]}/ballot"' not in page
        assert "Voting is not possible while the issue is admission." in _why_lines(page)
