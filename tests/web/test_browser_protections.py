"""Browser protections (issue 9, item 6): Content-Security-Policy, nosniff and Referrer-Policy on
every answer, /docs and /redoc under the same script policy, no caching of a member's pages and
private API answers, Markdown images never loaded, links built from PUBLIC_URL, not ``Host``."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.headers import CSP
from app.main import create_app
from app.settings import PublicAccess
from proposals.clock import FrozenClock
from tests.api.world import World
from tests.conftest import settings_for_tests
from tests.web.helpers import canonical, proposal, web_login


def _directives(policy: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def _urls(world: World) -> list[str]:
    first = proposal(world, "A", "First")
    world.ok("POST", f"/initiatives/{first['id']}/drafts", "A", json={"content": "Second"})
    world.delegate("C", "B", area_id=world.area_id)
    return [
        "/",
        f"/areas/{world.area_id}",
        f"/issues/{first['issue_id']}",
        f"/initiatives/{first['id']}",
        f"/members/{world.members['B']}",
        f"/chain?member_id={world.members['C']}&area_id={world.area_id}",
        "/login",
        "/robots.txt",
        "/sitemap.xml",
        "/static/style.css",
        "/initiatives/999999",  # an error page
        "/api/v1/units",
        "/api/v1/issues/999999",  # an API error
        "/openapi.json",
        "/healthz",
        "/docs",
        "/redoc",
    ]


class TestEveryAnswer:
    def test_carries_csp_nosniff_and_referrer_policy(
        self, client: TestClient, world: World
    ) -> None:
        """On main: no Content-Security-Policy, nosniff or Referrer-Policy at all."""
        for path in _urls(world):
            response = client.get(path)
            policy = _directives(response.headers.get("content-security-policy", ""))
            assert policy.get("frame-ancestors") == ["'none'"], path
            assert policy.get("script-src") == ["'self'"], path
            assert policy.get("default-src") == ["'self'"], path
            assert response.headers.get("x-content-type-options") == "nosniff", path
            assert response.headers.get("referrer-policy") == "strict-origin-when-cross-origin"
            assert response.headers.get("x-frame-options") == "DENY", path

    def test_pages_are_strict_and_need_nothing_inline(
        self, client: TestClient, world: World
    ) -> None:
        web_login(client, "A")
        for path in _urls(world)[:7]:
            response = client.get(path)
            policy = _directives(response.headers["content-security-policy"])
            assert policy["style-src"] == ["'self'"] and policy["img-src"] == ["'self'"], path
            assert "<script" not in response.text, path
            assert not re.search(r"\sstyle=", response.text), path
            assert not re.search(r"\son[a-z]+=", response.text), path

    def test_a_body_too_large_answer_carries_them_too(self, client: TestClient) -> None:
        response = client.post("/api/v1/initiatives", content=b"x" * 2_000_000)
        assert response.status_code == 413
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


class TestDocs:
    @pytest.mark.parametrize("path", ["/docs", "/redoc"])
    def test_no_inline_script_and_everything_it_loads_is_allowed(
        self, client: TestClient, path: str
    ) -> None:
        """On main: FastAPI's pages start Swagger UI inline and load both from a CDN."""
        response = client.get(path)
        assert response.status_code == 200
        policy = _directives(response.headers["content-security-policy"])
        assert policy["script-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        if path == "/docs":  # Swagger UI needs nothing more than the pages (ReDoc: app/headers.py)
            assert response.headers["content-security-policy"] == CSP
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S)
        assert scripts
        for attributes, body in scripts:
            assert body.strip() == "", "inline script"
            assert re.search(r'src="/[^/]', attributes), attributes  # this site only
        loaded = re.findall(r'(?:src|href)="([^"]+)"', response.text)
        for url in loaded:
            assert url.startswith("/") and not url.startswith("//"), url
            assert client.get(url).status_code == 200, url
        spec = re.search(r'(?:spec-url|data-openapi-url)="([^"]+)"', response.text)
        assert spec is not None and client.get(spec.group(1)).json()["info"]["title"]

    def test_swagger_is_started_by_a_static_file(self, client: TestClient) -> None:
        script = client.get("/static/docs/swagger-init.js")
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]
        assert "SwaggerUIBundle(" in script.text


class TestNoStore:
    def test_every_page_of_a_logged_in_member(self, client: TestClient, world: World) -> None:
        """On main: logged-in pages carried no Cache-Control at all."""
        urls = _urls(world)[:7]
        anonymous = client.get("/")
        assert "no-store" not in anonymous.headers.get("cache-control", "")
        web_login(client, "A")
        for path in [*urls, "/initiatives/999999"]:
            response = client.get(path)
            assert response.headers.get("cache-control") == "private, no-store", path

    def test_private_api_answers(self, world: World) -> None:
        """On main: ``private, no-cache`` (kept on disk, revalidated)."""
        first = proposal(world, "A", "First")
        world.to_voting(first["issue_id"])
        world.ok(
            "PUT",
            f"/issues/{first['issue_id']}/ballot",
            "A",
            json={"votes": [{"initiative_id": first["id"], "grade": 1}]},
        )
        for path in ("/members/me", "/tokens", f"/issues/{first['issue_id']}/ballot"):
            response = world.call("GET", path, "A")
            assert response.status_code == 200, (path, response.text)
            assert response.headers["cache-control"] == "private, no-store", path
            etag = response.headers["etag"]
            again = world.client.get(
                "/api/v1" + path, headers={**world.headers["A"], "If-None-Match": etag}
            )
            assert again.headers["cache-control"] == "private, no-store", path


class TestMarkdownImages:
    def test_an_external_image_becomes_a_link(self, client: TestClient, world: World) -> None:
        """On main: <img src="https://tracker.example/pixel.gif"> on every reader's screen."""
        created = world.ok(
            "POST",
            "/initiatives",
            "A",
            json={
                "name": "Pictures",
                "content": "See ![the map](https://tracker.example/pixel.gif) and "
                "![](//other.example/x.png) and ![local](/static/x.png)\n\n"
                "[![badge](https://tracker.example/b.svg)](https://example.org)",
                "area_id": world.area_id,
                "policy_id": world.policy_id,
            },
        )
        page = client.get(f"/initiatives/{created['id']}").text
        assert "<img" not in page
        assert (
            '<a class="image-link" href="https://tracker.example/pixel.gif" '
            'rel="nofollow noopener noreferrer">the map</a>'
        ) in page
        assert 'href="//other.example/x.png"' in page
        assert (
            '<a href="https://example.org">badge (image: https://tracker.example/b.svg)</a>' in page
        )


def _app(db: Database, clock: FrozenClock, **overrides: Any) -> TestClient:
    settings = settings_for_tests(public_access=PublicAccess.PSEUDONYM, **overrides)
    return TestClient(create_app(settings, database=db, clock=clock))


class TestPublicUrl:
    def test_the_host_header_is_never_reflected(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        """On main: robots.txt, the sitemap and canonical links named whatever Host was sent."""
        first = proposal(world, "A", "First")
        evil = {"Host": "evil.example"}
        with _app(db, clock, public_url="https://vote.example.org/lp/") as client:
            robots = client.get("/robots.txt", headers=evil).text
            assert "Sitemap: https://vote.example.org/lp/sitemap.xml" in robots
            sitemap = client.get("/sitemap.xml", headers=evil).text
            assert "evil.example" not in sitemap and "testserver" not in sitemap
            assert f"<loc>https://vote.example.org/lp/initiatives/{first['id']}</loc>" in sitemap
            page = client.get(f"/initiatives/{first['id']}", headers=evil)
            assert canonical(page) == f"https://vote.example.org/lp/initiatives/{first['id']}"
            assert "evil.example" not in page.text

    def test_unset_it_follows_the_request(
        self, world: World, db: Database, clock: FrozenClock
    ) -> None:
        with _app(db, clock) as client:
            robots = client.get("/robots.txt", headers={"Host": "vote.example.net"}).text
            assert "Sitemap: http://vote.example.net/sitemap.xml" in robots

    @pytest.mark.parametrize("value", ["vote.example.org", "ftp://x.example", "https://x/?a=1"])
    def test_a_malformed_value_is_refused(self, value: str) -> None:
        with pytest.raises(ValueError, match="PUBLIC_URL"):
            settings_for_tests(public_url=value)
