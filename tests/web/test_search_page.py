"""The search page ``/search?q=`` and the header's search box."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.settings import PublicAccess
from tests.api.world import World
from tests.web.helpers import title, web_login


def propose(world: World, who: str, name: str, content: str) -> dict[str, Any]:
    body = {"name": name, "content": content, "area_id": world.area_id}
    result: dict[str, Any] = world.ok(
        "POST", "/initiatives", who, json={**body, "policy_id": world.policy_id}
    )
    return result


def marks(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def results(html: str) -> str:
    found = re.search(r'<ol class="cards results">(.*?)</ol>', html, re.S)
    return found.group(1) if found else ""


class TestSearchPage:
    def test_finds_and_marks_the_words(self, client: TestClient, world: World) -> None:
        initiative = propose(world, "A", "Harbour lanes", "Paint lanes on the harbour road.")
        response = client.get("/search", params={"q": "harbour"})
        assert response.status_code == 200
        assert title(response) == "Search: harbour · Liquid Policy"
        found = results(response.text)
        assert f'href="/initiatives/{initiative["id"]}"' in found
        assert f'href="/issues/{initiative["issue_id"]}"' in found
        assert marks(found) == ["Harbour", "harbour", "Harbour"]  # title, snippet, issue text
        assert 'value="harbour"' in response.text  # the typed words stay in the field

    def test_draft_markup_is_shown_as_text(self, client: TestClient, world: World) -> None:
        propose(
            world,
            "A",
            "Safe <b>name</b>",
            'A <script>alert("zeppelin")</script> & <img src=x onerror=alert(1)> zeppelin',
        )
        response = client.get("/search", params={"q": "zeppelin", "kind": "initiative"})
        found = results(response.text)
        assert "<script>" not in response.text and "<img" not in found and "<b>" not in found
        assert "&lt;script&gt;alert(&#34;<mark>zeppelin</mark>&#34;)&lt;/script&gt;" in found
        assert "&amp; &lt;img src=x onerror=alert(1)&gt; <mark>zeppelin</mark>" in found
        assert "Safe &lt;b&gt;name&lt;/b&gt;" in found

    def test_a_query_looking_like_markup_is_escaped(self, client: TestClient, world: World) -> None:
        response = client.get("/search", params={"q": '"><script>x</script>'})
        assert response.status_code == 200
        assert "<script>x" not in response.text
        assert "&#34;&gt;&lt;script&gt;x&lt;/script&gt;" in response.text

    def test_suggestions_link_to_their_place(self, client: TestClient, world: World) -> None:
        initiative = propose(world, "A", "Lanes", "Paint them.")
        suggestion = world.suggest("B", initiative["id"], name="Lighthouse", content="x")
        response = client.get("/search", params={"q": "lighthouse"})
        assert f'href="/initiatives/{initiative["id"]}#suggestion-{suggestion["id"]}"' in (
            results(response.text)
        )

    def test_next_pages(self, client: TestClient, world: World) -> None:
        ids = {propose(world, "A", f"Canal {i}", "canal")["id"] for i in range(21)}
        first = client.get("/search", params={"q": "canal", "kind": "initiative"})
        links = re.findall(r'href="(/search\?[^"]+)" rel="next"', first.text)
        assert len(links) == 1
        second = client.get(links[0].replace("&amp;", "&"))
        assert "Results (continued)" in second.text
        assert 'rel="next"' not in second.text
        seen = re.findall(r'href="/initiatives/(\d+)"', results(first.text) + results(second.text))
        assert sorted(map(int, seen)) == sorted(ids)

    def test_the_forms_everything_and_one_kind(self, client: TestClient, world: World) -> None:
        initiative = propose(world, "A", "Harbour lanes", "Paint them.")
        everything = client.get("/search", params={"q": "harbour", "kind": ""})
        assert everything.status_code == 200
        assert f'href="/issues/{initiative["issue_id"]}"' in results(everything.text)
        only = client.get("/search", params={"q": "harbour", "kind": "initiative"})
        assert "/issues/" not in results(only.text)
        assert '<option value="initiative" selected>Initiatives</option>' in only.text
        assert client.head("/search?q=harbour").status_code == 200

    def test_nothing_found(self, client: TestClient, world: World) -> None:
        response = client.get("/search", params={"q": "submarine"})
        assert response.status_code == 200
        assert "Nothing found" in response.text

    def test_no_words_shows_the_form(self, client: TestClient, world: World) -> None:
        for url in ("/search", "/search?q=", "/search?q=++"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert 'id="search-q"' in response.text and "results-heading" not in response.text

    @pytest.mark.parametrize(
        ("q", "detail"),
        [
            ("x" * 201, "q must have at most 200 characters"),
            ("*** ()", "q must contain at least one word (a letter or a digit)"),
        ],
    )
    def test_bad_words_are_422_on_the_page(
        self, client: TestClient, world: World, q: str, detail: str
    ) -> None:
        response = client.get("/search", params={"q": q})
        assert response.status_code == 422
        assert detail in response.text
        assert 'id="search-q"' in response.text  # the form is there to correct it

    def test_bad_kind_and_cursor_are_422_pages(self, client: TestClient, world: World) -> None:
        for params in ({"q": "x", "kind": "area"}, {"q": "x", "cursor": "bad"}):
            response = client.get("/search", params=params)
            assert response.status_code == 422
            assert response.headers["content-type"].startswith("text/html")

    def test_the_header_has_a_labelled_search_box(self, client: TestClient, world: World) -> None:
        home = client.get("/").text
        assert re.search(
            r'<form method="get" action="/search" role="search"[^>]*>'
            r'<label for="site-search"[^>]*>Search</label><input id="site-search"[^>]*name="q"',
            home,
        )


class TestSearchPageVisibility:
    @pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
    def test_members_only_for_a_member(self, client: TestClient, world: World) -> None:
        world.ok("PATCH", "/members/me", "A", json={"statement": "I love zeppelins"})
        assert "/members/" not in results(client.get("/search?q=zeppelins").text)
        assert "Members</option>" not in client.get("/search").text
        web_login(client, "B")
        found = results(client.get("/search?q=zeppelins").text)
        assert f'href="/members/{world.id("A")}"' in found

    @pytest.mark.parametrize("public_access", [PublicAccess.NONE])
    def test_none_asks_for_a_login(self, client: TestClient, world: World) -> None:
        response = client.get("/search?q=x", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
