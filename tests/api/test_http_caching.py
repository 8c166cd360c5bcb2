"""HTTP caching of API reads: ETag, 304 on If-None-Match, Cache-Control and Vary."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.caching import etag_matches, etag_of
from app.db import Database
from app.main import create_app
from proposals.clock import FrozenClock
from tests.api.world import World, build_world
from tests.conftest import settings_for_tests


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, ["A", "B"])


@pytest.fixture
def initiative(world: World) -> dict[str, Any]:
    initiative = world.propose("A")
    world.support("A", initiative["id"])
    return initiative


def public_paths(initiative: dict[str, Any]) -> list[str]:
    i = initiative["id"]
    return [
        f"/api/v1/issues/{initiative['issue_id']}",
        f"/api/v1/initiatives/{i}",
        f"/api/v1/initiatives/{i}/drafts",
        f"/api/v1/drafts/{initiative['current_draft_id']}",
        f"/api/v1/initiatives/{i}/suggestions",
        "/api/v1/issues",
        "/api/v1/units",
    ]


class TestETag:
    def test_present_strong_and_stable(
        self, client: TestClient, initiative: dict[str, Any]
    ) -> None:
        for path in public_paths(initiative):
            first, second = client.get(path), client.get(path)
            assert first.status_code == second.status_code == 200, path
            etag = first.headers["etag"]
            assert etag.startswith('"') and etag.endswith('"'), etag  # strong, not W/"..."
            assert etag == second.headers["etag"] == etag_of(first.content).decode()
            assert first.headers["vary"] == "Authorization, Cookie"

    def test_if_none_match_answers_304_without_body(
        self, client: TestClient, initiative: dict[str, Any]
    ) -> None:
        for path in public_paths(initiative):
            etag = client.get(path).headers["etag"]
            for asked in (etag, f"W/{etag}", f'"other", {etag}', "*"):
                response = client.get(path, headers={"If-None-Match": asked})
                assert response.status_code == 304, (path, asked)
                assert response.content == b""
                assert response.headers["etag"] == etag
                assert response.headers["cache-control"] == "public, max-age=5"
                assert response.headers["vary"] == "Authorization, Cookie"
                assert "content-length" not in response.headers

    def test_other_tags_get_the_full_answer(
        self, client: TestClient, initiative: dict[str, Any]
    ) -> None:
        path = f"/api/v1/initiatives/{initiative['id']}"
        response = client.get(path, headers={"If-None-Match": '"stale"'})
        assert response.status_code == 200
        assert response.json()["id"] == initiative["id"]

    def test_changes_after_a_write(self, world: World, initiative: dict[str, Any]) -> None:
        path = f"/api/v1/initiatives/{initiative['id']}/drafts"
        before = world.client.get(path).headers["etag"]
        world.ok("POST", f"/initiatives/{initiative['id']}/drafts", "A", json={"content": "v2"})
        response = world.client.get(path, headers={"If-None-Match": before})
        assert response.status_code == 200
        assert response.headers["etag"] != before
        assert [d["content"] for d in response.json()["items"]][-1] == "v2"


class TestCacheControl:
    def test_anonymous_reads_are_public_for_a_few_seconds(
        self, client: TestClient, initiative: dict[str, Any]
    ) -> None:
        for path in public_paths(initiative):
            assert client.get(path).headers["cache-control"] == "public, max-age=5", path

    def test_reads_with_a_token_are_private(self, world: World, initiative: dict[str, Any]) -> None:
        # /members/me is private data: ``private, no-store`` (issue 9, test_browser_protections).
        for path in public_paths(initiative):
            response = world.client.get(path, headers=world.headers["A"])
            assert response.status_code == 200, path
            assert response.headers["cache-control"] == "private, no-cache", path
            assert response.headers["vary"] == "Authorization, Cookie"
            etag = response.headers["etag"]
            again = world.client.get(path, headers={**world.headers["A"], "If-None-Match": etag})
            assert again.status_code == 304
            assert again.headers["cache-control"] == "private, no-cache"

    def test_a_session_cookie_makes_a_read_private(
        self, client: TestClient, initiative: dict[str, Any]
    ) -> None:
        path = f"/api/v1/initiatives/{initiative['id']}"
        client.cookies.set("lp_session", "whatever")
        assert client.get(path).headers["cache-control"] == "private, no-cache"

    def test_writes_are_never_cached(self, world: World, initiative: dict[str, Any]) -> None:
        i = initiative["id"]
        for method, path, body in (
            ("PUT", f"/initiatives/{i}/support", None),
            ("POST", f"/initiatives/{i}/drafts", {"content": "v2"}),
            ("DELETE", f"/initiatives/{i}/support", None),
        ):
            response = world.call(method, path, "A", json=body)
            assert response.status_code < 300, (method, path, response.text)
            assert response.headers["cache-control"] == "no-store", (method, path)
            assert "etag" not in response.headers
            # A write never answers 304, whatever the client sends.
            replay = world.client.request(
                method,
                "/api/v1" + path,
                json=body,
                headers={**world.headers["A"], "If-None-Match": "*"},
            )
            assert replay.status_code != 304

    def test_errors_are_not_cached(self, client: TestClient) -> None:
        response = client.get("/api/v1/issues/999999")
        assert response.status_code == 404
        assert response.headers["cache-control"] == "no-store"
        assert "etag" not in response.headers

    def test_pages_are_left_alone(self, client: TestClient, initiative: dict[str, Any]) -> None:
        response = client.get(f"/initiatives/{initiative['id']}")
        assert response.status_code == 200
        assert "etag" not in response.headers
        assert "public" not in response.headers.get("cache-control", "")


class TestMaxAgeSetting:
    @pytest.fixture
    def client(self, db: Database, clock: FrozenClock) -> Iterator[TestClient]:
        app = create_app(settings_for_tests(http_cache_max_age=60), database=db, clock=clock)
        with TestClient(app) as test_client:
            yield test_client

    def test_http_cache_max_age(self, client: TestClient) -> None:
        assert client.get("/api/v1/units").headers["cache-control"] == "public, max-age=60"


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("abc", False),
        ("", False),
    ],
)
def test_if_none_match_parsing(header: str, matches: bool) -> None:
    assert etag_matches(header.encode(), b'"abc"') is matches
