"""Long lists on pages are paginated, never cut (issue 10, item 4): pages once showed the first
500 rows and silently dropped the rest (the voters of a large issue, the units on the home
page). Each list now has "Previous"/"Next" links with the API's keyset cursors; the 501st row
is reachable, and "Previous" leads back."""

import html
import re

import httpx2 as httpx
from fastapi.testclient import TestClient

from app.db import Database
from proposals.models import DirectVoter, Member, Unit
from tests.api.world import World
from tests.factories import NOW
from tests.web.helpers import advance, proposal

MANY = 501


def _link(response: httpx.Response, rel: str, label: str) -> str | None:
    """The ``rel`` link ("next"/"prev") of the pager named ``label`` on the page."""
    nav = re.search(
        rf'<nav class="pager" aria-label="{re.escape(label)}: more pages">(.*?)</nav>',
        response.text,
        re.S,
    )
    if nav is None:
        return None
    found = re.search(rf'<a rel="{rel}" href="([^"]+)">', nav.group(1))
    return html.unescape(found.group(1)) if found else None


def _walk(client: TestClient, start: str, label: str) -> list[httpx.Response]:
    """Every page of a list, following "Next" from ``start``."""
    pages = [client.get(start)]
    while (target := _link(pages[-1], "next", label)) is not None:
        assert len(pages) < 20, "the pages never end"
        pages.append(client.get(target))
        assert pages[-1].status_code == 200, pages[-1].text[:500]
    return pages


class TestIssueVoters:
    def test_the_501st_direct_voter_is_reachable(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        first = proposal(world)
        advance(world, 5)
        issue_id = first["issue_id"]
        assert world.issue(issue_id)["closed_at"] is not None
        with db.session() as session:
            voters = [
                Member(name=f"voter{i:04}", password_hash="x", created_at=NOW) for i in range(MANY)
            ]
            session.add_all(voters)
            session.flush()
            session.add_all(
                DirectVoter(issue_id=issue_id, member_id=v.id or 0, weight=1) for v in voters
            )
            session.commit()
        pages = _walk(client, f"/issues/{issue_id}", "Direct voters")
        assert len(pages) > 1
        text = "".join(p.text.split('id="direct-voters-heading"')[1] for p in pages)
        shown = re.findall(r">(voter\d{4})</a>", text)
        assert len(shown) == MANY and set(shown) == {f"voter{i:04}" for i in range(MANY)}
        assert _link(pages[0], "prev", "Direct voters") is None
        back = _link(pages[-1], "prev", "Direct voters")
        assert back is not None
        assert client.get(back).text.count(">voter") == pages[-2].text.count(">voter")
        back_to_first = _link(pages[1], "prev", "Direct voters")
        assert back_to_first is not None and "voters=" not in back_to_first
        assert ">voter0000</a>" in client.get(back_to_first).text

    def test_a_bad_cursor_is_an_html_422(self, client: TestClient, world: World) -> None:
        response = client.get("/?units=nonsense")
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")


class TestHomeUnits:
    def test_the_501st_unit_is_reachable(
        self, client: TestClient, world: World, db: Database
    ) -> None:
        with db.session() as session:
            session.add_all(Unit(name=f"Unit {i:04}", created_at=NOW) for i in range(MANY))
            session.commit()
        pages = _walk(client, "/", "Units and areas")
        names = [n for p in pages for n in re.findall(r"<h3>(Unit \d{4})</h3>", p.text)]
        assert len(names) == MANY and names[-1] == f"Unit {MANY - 1:04}"
        assert all(p.status_code == 200 for p in pages)
        assert _link(pages[-1], "prev", "Units and areas") is not None
