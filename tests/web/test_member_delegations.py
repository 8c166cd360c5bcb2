"""The member page's "Delegations given" (issue 10, part E): a block -- a delegation row with no
trustee at area or issue scope -- says that it blocks delegation there and that the vote stays
with the member, as the delegation boxes say it (app/web/delegation_box.py), never that the member
has "no delegation"."""

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.api.world import World
from tests.web.helpers import web_login


def _given(text: str) -> list[str]:
    """The items of the "Delegations given" list, tags stripped, unescaped."""
    found = re.search(r'<h2 id="given-heading">.*?<ul>(.*?)</ul>', text, re.S)
    assert found, text
    items = re.findall(r"<li[^>]*>(.*?)</li>", found.group(1), re.S)
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", i))).strip() for i in items]


@pytest.mark.parametrize("viewer", ["B", "C"])
def test_a_block_says_it_blocks_delegation(client: TestClient, world: World, viewer: str) -> None:
    issue_id = world.propose("A")["issue_id"]
    world.delegate("C", "B")
    world.delegate("C", None, area_id=world.area_id)
    world.delegate("C", "A", issue_id=issue_id)
    web_login(client, viewer)
    given = _given(client.get(f"/members/{world.id('C')}").text)
    assert len(given) == 3, given
    unit, area, issue = sorted(given, key=lambda g: ("unit" not in g, "area" not in g))
    assert unit.endswith(": to B"), unit
    assert issue == f"For issue {issue_id}: to A"
    assert area.endswith(": blocks delegation here: the vote stays with C."), area
    assert "no delegation" not in area


def test_an_issue_block_on_the_members_own_page(client: TestClient, world: World) -> None:
    issue_id = world.propose("A")["issue_id"]
    world.delegate("C", "B", area_id=world.area_id)
    world.delegate("C", None, issue_id=issue_id)
    web_login(client, "C")
    given = _given(client.get(f"/members/{world.id('C')}").text)
    assert sorted(given) == sorted(
        [
            f"For area {_area_name(client, world)}: to B",
            f"For issue {issue_id}: blocks delegation here: the vote stays with C.",
        ]
    )


def _area_name(client: TestClient, world: World) -> str:
    name: str = client.get(f"/api/v1/areas/{world.area_id}").json()["name"]
    return name
