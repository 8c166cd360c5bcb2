"""The chain page's summary (issue 10 item 1): the same sentence as the API's ``outcome``, one
case each (DESIGN.md §3)."""

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.api.chain_cases import CASES
from tests.api.world import World
from tests.web.helpers import web_login


@pytest.mark.parametrize("name", list(CASES))
def test_the_page_says_where_the_vote_goes(client: TestClient, world: World, name: str) -> None:
    case = CASES[name](world)
    web_login(client, case.viewer)
    query = "&".join(f"{k}={v}" for k, v in case.context.items())
    response = client.get(f"/chain?member_id={world.id(case.member)}&{query}")
    assert response.status_code == 200
    found = re.search(r'<p class="explain[^"]*">(.*?)</p>', response.text, re.S)
    assert found, response.text
    summary = html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()
    assert summary == case.text
    for words in case.absent:
        assert words not in summary


def test_a_member_behind_a_direct_participant_is_not_reached(
    client: TestClient, world: World
) -> None:
    """The row notes check ``overridden`` before ``participation``: C takes part too, but B's
    own participation already cut B's area delegation to C."""
    case = CASES["direct"](world)
    web_login(client, case.viewer)
    response = client.get(f"/chain?member_id={world.id('B')}&issue_id={case.context['issue_id']}")
    steps = re.findall(r'<li class="link[^"]*">(.*?)</li>', response.text, re.S)
    assert len(steps) == 2
    assert "takes part directly: the vote is cast here." in steps[0]
    assert "not reached: someone earlier in the chain takes part directly" in steps[1]
    assert "the vote is cast here" not in steps[1]


def test_a_declined_delegation_is_named_where_it_was_passed_over(
    client: TestClient, world: World
) -> None:
    """Issue 12: the chain page says which member's delegation here was declined."""
    world.delegate("A", "C", area_id=world.area_id)
    declined = world.delegate("A", "B")
    world.ok("POST", f"/delegations/{declined['id']}/decline", "B")
    web_login(client, "A")
    response = client.get(f"/chain?member_id={world.id('A')}&area_id={world.area_id}")
    steps = re.findall(r'<li class="link[^"]*">(.*?)</li>', response.text, re.S)
    assert len(steps) == 2
    assert "a delegation of theirs here was declined, and is passed over" in steps[0]
    assert "declined" not in steps[1]
