"""How was my vote counted? (issue 12, item 2) on the closed issue page, for the logged-in
member, and a link to it from their chain page."""

import html

from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from proposals.services.records import write_due_records
from tests.api.test_records import to_voting
from tests.api.world import DAY, World
from tests.web.helpers import web_login


def closed(world: World) -> int:
    issue, first, _ = to_voting(world)
    world.delegate("C", "A")
    assert world.vote("A", issue, {first: 1}).status_code == 200
    assert world.vote("B", issue, {first: -1}).status_code == 200
    assert world.step(DAY)[0].startswith("finished")
    return issue


def test_the_closed_issue_page_tells_the_member(
    client: TestClient, world: World, db: Database, clock: FrozenClock
) -> None:
    issue = closed(world)
    web_login(client, "C")
    before = client.get(f"/issues/{issue}")
    assert before.status_code == 200
    assert "How was my vote counted?" not in before.text  # no record yet
    assert write_due_records(db, clock=clock)
    sentence = world.ok("GET", f"/issues/{issue}/explanation", "C")["sentence"]
    assert sentence.startswith("You delegated")
    page = client.get(f"/issues/{issue}")
    assert "How was my vote counted?" in page.text
    assert sentence in html.unescape(page.text)
    chain = client.get(f"/chain?member_id={world.id('C')}&issue_id={issue}")
    assert f'href="/issues/{issue}#how-counted"' in chain.text


def test_not_shown_without_login(
    client: TestClient, world: World, db: Database, clock: FrozenClock
) -> None:
    issue = closed(world)
    assert write_due_records(db, clock=clock)
    assert "How was my vote counted?" not in client.get(f"/issues/{issue}").text
