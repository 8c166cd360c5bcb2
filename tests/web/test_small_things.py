"""Smaller things a member trips over (issue 10, item 4): every page error is an HTML page
(404, 405, 413, 422 included), ``HEAD`` answers wherever ``GET`` does, drafts are numbered as
versions of their initiative, counts say "1 supporter", the ballot explains its grades, and
snapshot counts say when the snapshot was taken."""

import re
from pathlib import Path

import httpx2 as httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.web.render import when
from tests.api.world import World
from tests.factories import make_member
from tests.web.helpers import advance, proposal, submit, web_login
from tests.web.test_no_server_errors import JUNK_IDS, web_routes

BAD_IDS = ["abc", "1.5", "99999999999999999999", *JUNK_IDS]


def _assert_html_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html"), response.text[:300]
    assert "<title>" in response.text


class TestErrorsArePages:
    def test_a_page_with_a_bad_id_is_an_html_404(
        self, client: TestClient, world: World, app: FastAPI
    ) -> None:
        paths = [p for p in web_routes("GET") if "{" in p]
        assert paths
        # The back-office sends a visitor to log in first; an admin gets the 404 page.
        admin = TestClient(app)
        make_member(world.db, name="boss", is_admin=True)
        web_login(admin, "boss")
        for path in paths:
            browser = admin if path.startswith("/admin/") else client
            for bad in BAD_IDS:
                url = re.sub(r"{(\w+)}", bad, path)
                _assert_html_error(browser.get(url), 404)

    def test_a_form_to_a_bad_id_is_an_html_error(
        self, client: TestClient, world: World, app: FastAPI
    ) -> None:
        web_login(client, "A")
        # The back-office refuses a member (403) before reading ids; an admin gets the error.
        admin = TestClient(app)
        make_member(world.db, name="boss", is_admin=True)
        web_login(admin, "boss")
        for path in web_routes("POST"):
            if "{" not in path:
                continue
            browser = admin if path.startswith("/admin/") else client
            for bad in ["abc", "1.5", "99999999999999999999"]:
                # A refusal may redirect back to the page, which then is the error page.
                response = submit(browser, re.sub(r"{(\w+)}", bad, path), {})
                assert response.status_code in (404, 422), (path, response.status_code)
                _assert_html_error(response, response.status_code)

    def test_an_unknown_path_is_an_html_404(self, client: TestClient, world: World) -> None:
        _assert_html_error(client.get("/nope"), 404)
        _assert_html_error(client.get("/issues/1/nope"), 404)

    def test_a_wrong_method_is_an_html_405(self, client: TestClient, world: World) -> None:
        response = client.delete("/")
        _assert_html_error(response, 405)
        assert "GET" in response.headers["allow"]
        _assert_html_error(client.get("/logout"), 405)

    def test_an_invalid_query_parameter_is_an_html_422(
        self, client: TestClient, world: World
    ) -> None:
        _assert_html_error(client.get("/chain?member_id=abc"), 422)

    def test_a_body_too_large_for_a_form_is_an_html_413(
        self, client: TestClient, app: FastAPI, world: World
    ) -> None:
        web_login(client, "A")
        limit = app.state.settings.max_body_bytes
        response = submit(client, "/initiatives/new", {"content": "x" * (limit + 10)}, follow=False)
        _assert_html_error(response, 413)

    def test_the_api_keeps_its_json_errors(self, client: TestClient, world: World) -> None:
        for path, status in [
            ("/api/v1/issues/abc", 422),
            ("/api/v1/issues/99999999", 404),
            ("/api/v1/nope", 404),
        ]:
            response = client.get(path)
            assert response.status_code == status, path
            assert response.headers["content-type"] == "application/json", path
            assert "detail" in response.json()
        response = client.delete("/api/v1/units")
        assert response.status_code == 405
        assert response.headers["content-type"] == "application/json"


class TestHead:
    def test_head_answers_wherever_get_does_without_a_body(
        self, client: TestClient, world: World
    ) -> None:
        first = proposal(world, "A", "First")
        ids = {
            "issue_id": first["issue_id"],
            "initiative_id": first["id"],
            "area_id": world.area_id,
            "unit_id": world.unit_id,
            "member_id": world.id("B"),
        }
        for path in web_routes("GET"):
            url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
            if path == "/chain":
                url += f"?member_id={ids['member_id']}&area_id={world.area_id}"
            client.cookies.clear()  # no flash of a redirect before
            get = client.get(url, follow_redirects=False)
            client.cookies.clear()
            head = client.head(url, follow_redirects=False)
            assert head.status_code == get.status_code, (url, head.status_code, get.status_code)
            assert head.content == b"", url
            assert head.headers.get("content-type") == get.headers.get("content-type"), url
            assert int(head.headers["content-length"]) == len(get.content), url
        for url in ["/static/style.css", "/nope"]:
            assert client.head(url).status_code == client.get(url).status_code
            assert client.head(url).content == b""


class TestDraftVersions:
    def test_drafts_are_numbered_as_versions_of_their_initiative(
        self, client: TestClient, world: World
    ) -> None:
        other = proposal(world, "B", "Other")  # takes draft ids between ours
        first = proposal(world, "A", "First")
        world.ok("POST", f"/initiatives/{other['id']}/drafts", "B", json={"content": "B 2"})
        world.ok("POST", f"/initiatives/{first['id']}/drafts", "A", json={"content": "A 2"})
        text = client.get(f"/initiatives/{first['id']}").text
        history = text.split('id="history-heading"', 1)[1].split("</ol>", 1)[0]
        assert re.findall(r"Version (\d+)", history) == ["1", "2"], history
        assert not re.search(r"Draft \d", history)
        assert "version 2" in text.split('id="draft-heading"', 1)[1].split("</h2>", 1)[0]
        assert ">version 1</option>" in text and ">version 2</option>" in text


class TestPlurals:
    def test_one_supporter_is_singular(self, client: TestClient, world: World) -> None:
        first = proposal(world, "A", "First")
        for url in [f"/initiatives/{first['id']}", f"/issues/{first['issue_id']}"]:
            world.run()  # a snapshot
            text = client.get(url).text
            assert "1 supporters" not in text, url
            assert re.search(r"\b1 supporter\b", text), url
        second = world.propose("A", "Second", issue_id=first["issue_id"])
        for who in ("A", "B"):
            world.ok("PUT", f"/initiatives/{second['id']}/support", who)
        world.run()
        assert "2 supporters" in client.get(f"/initiatives/{second['id']}").text


class TestBallotGrades:
    def test_the_ballot_explains_its_grades(self, client: TestClient, world: World) -> None:
        first = proposal(world, "A", "First")
        advance(world, 3)
        assert world.issue(first["issue_id"])["state"] == "voting"
        web_login(client, "A")
        text = client.get(f"/issues/{first['issue_id']}").text
        ballot = text.split('id="ballot"', 1)[1].split("</form>", 1)[0]
        assert "preference" not in ballot.lower()
        labels = re.findall(r"<option value=\"-?\d\"[^>]*>([^<]+)</option>", ballot)
        assert len(labels) == 7 and len(set(labels)) == 7, labels
        assert "Schulze" in ballot
        assert "abstain" in ballot.lower() and "status quo" in ballot


class TestSnapshotCounts:
    def test_snapshot_counts_say_when_the_snapshot_was_taken(
        self, client: TestClient, world: World
    ) -> None:
        first = proposal(world, "A", "First")
        world.run()  # the lifecycle takes a snapshot now
        shown = when(world.clock())
        world.clock.advance(3600)
        issue_page = client.get(f"/issues/{first['issue_id']}").text
        card = issue_page.split('id="initiatives-heading"', 1)[1].split("</li>", 1)[0]
        assert f"at the last snapshot, {shown}" in card, card
        initiative_page = client.get(f"/initiatives/{first['id']}").text
        assert f"at the last snapshot, {shown}" in initiative_page


def test_the_readme_does_not_call_the_web_client_coming() -> None:
    """A guard (already true on main since issue 9): the README describes the web client that
    exists."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "web client" in readme
    assert not re.search(r"\b(coming|will come|not yet)\b", readme, re.I)
