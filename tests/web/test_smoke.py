"""Every page renders for a visitor and a member through a whole issue life."""

import re

from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import DAY, build_world
from tests.factories import PASSWORD


def web_login(client: TestClient, name: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = client.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert "lp_session" in response.cookies


class TestPagesRender:
    def test_through_a_whole_issue(
        self, client: TestClient, db: Database, clock: FrozenClock
    ) -> None:
        world = build_world(client, db, clock, list("ABC"))
        first = world.propose("A", "First")
        issue_id = first["issue_id"]
        world.ok("PUT", f"/initiatives/{first['id']}/support", "A")
        world.ok("PUT", f"/initiatives/{first['id']}/support", "B")
        suggestion = world.ok(
            "POST",
            f"/initiatives/{first['id']}/suggestions",
            "B",
            json={
                "name": "Better",
                "content": "Change it",
                "degree": 1,
                "replacement_content": "New **text**",
            },
        )
        world.ok("POST", f"/suggestions/{suggestion['id']}/accept", "A")
        world.delegate("C", "B", area_id=world.area_id)
        pages = [
            "/",
            f"/areas/{world.area_id}",
            f"/issues/{issue_id}",
            f"/initiatives/{first['id']}",
            f"/members/{world.members['B']}",
            f"/chain?member_id={world.members['C']}&issue_id={issue_id}",
            "/login",
            "/robots.txt",
            "/sitemap.xml",
        ]
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, (path, response.text[:2000])
        web_login(client, "A")
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, (path, response.text[:2000])
        world.run()
        for _ in range(2):
            world.clock.advance(DAY)
            world.run()
        assert world.issue(issue_id)["state"] == "voting"
        web_login(client, "A")  # the session of two days ago has expired
        response = client.get(f"/issues/{issue_id}")
        assert response.status_code == 200 and "Your ballot" in response.text
        world.vote("B", issue_id, {first["id"]: 1})
        world.clock.advance(DAY)
        world.run()
        assert world.issue(issue_id)["state"] == "finished_with_winner"
        response = client.get(f"/issues/{issue_id}")
        assert response.status_code == 200 and "Winner" in response.text
        chain = client.get(f"/chain?member_id={world.members['C']}&issue_id={issue_id}")
        assert chain.status_code == 200
