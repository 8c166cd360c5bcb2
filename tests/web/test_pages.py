"""Every page of the web client: content, <title>, meta description, canonical link, and what a
visitor without a session may read under each ``PUBLIC_ACCESS`` level (DESIGN.md §5)."""

import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from app.settings import PublicAccess
from tests.api.world import DAY, World
from tests.factories import PASSWORD
from tests.web.helpers import (
    advance,
    canonical,
    flash,
    member_links,
    meta_description,
    proposal,
    set_cookie_headers,
    submit,
    title,
    web_login,
)

BASE = "http://testserver"


def _pages(world: World) -> dict[str, str]:
    """One URL of each page kind, in a world with an issue, a draft history and a delegation."""
    first = proposal(world, "A", "First")
    world.ok("POST", f"/initiatives/{first['id']}/drafts", "A", json={"content": "Second text"})
    world.delegate("C", "B", area_id=world.area_id)
    b, c = world.members["B"], world.members["C"]
    return {
        "home": "/",
        "area": f"/areas/{world.area_id}",
        "issue": f"/issues/{first['issue_id']}",
        "initiative": f"/initiatives/{first['id']}",
        "new": f"/initiatives/new?area_id={world.area_id}",
        "member": f"/members/{b}",
        "chain": f"/chain?member_id={c}&area_id={world.area_id}",
        "sitemap": "/sitemap.xml",
    }


def _assert_redirects_to_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303, (path, response.status_code)
    location = response.headers["location"]
    assert location.startswith("/login?next="), (path, location)


class TestHomePage:
    def test_lists_open_issues_by_phase_with_time_left_and_the_units(
        self, client: TestClient, world: World
    ) -> None:
        first = proposal(world, "A", "Cycle lanes")
        response = client.get("/")
        assert response.status_code == 200
        assert title(response) == "Liquid Policy"
        assert meta_description(response)
        assert canonical(response) == f"{BASE}/"
        assert '<h3>Admission</h3>\n  <ul class="issues">' in response.text
        assert f'href="/issues/{first["issue_id"]}"' in response.text
        assert "Cycle lanes" in response.text and "1 day 0 h left" in response.text
        assert "<h3>Party</h3>" in response.text and "Transport" in response.text

    def test_recently_closed_issues(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        advance(world, 3)
        world.vote("A", first["issue_id"], {first["id"]: 1})
        world.clock.advance(DAY)
        world.run()
        text = client.get("/").text
        closed = text.split('id="closed-heading"')[1]
        assert f'href="/issues/{first["issue_id"]}"' in closed and "winner" in closed

    def test_a_member_gets_the_unit_delegation_form(self, client: TestClient, world: World) -> None:
        assert 'action="/delegations"' not in client.get("/").text
        web_login(client, "A")
        text = client.get("/").text
        assert '<input type="hidden" name="scope" value="unit">' in text
        assert f'<input type="hidden" name="scope_id" value="{world.unit_id}">' in text
        assert "No delegation here" not in text  # a unit delegation needs a trustee


class TestAreaPage:
    def test_shows_the_area_with_its_issues(self, client: TestClient, world: World) -> None:
        first = proposal(world, "A", "Cycle lanes")
        path = f"/areas/{world.area_id}"
        response = client.get(path)
        assert response.status_code == 200
        assert title(response) == "Transport · Party · Liquid Policy"
        assert meta_description(response) == "Open and closed issues in Transport."
        assert canonical(response) == BASE + path
        assert "<h1>Transport</h1>" in response.text and "Cycle lanes" in response.text
        assert f"/initiatives/new?area_id={world.area_id}" not in response.text
        web_login(client, "A")
        text = client.get(path).text
        assert f"/initiatives/new?area_id={world.area_id}" in text
        assert '<input type="hidden" name="scope" value="area">' in text
        assert f'href="/issues/{first["issue_id"]}"' in text

    def test_an_unknown_area_is_a_404_page(self, client: TestClient, world: World) -> None:
        response = client.get("/areas/999999")
        assert response.status_code == 404
        assert title(response) == "Not found · Liquid Policy"
        assert flash(response) == ("error", "area 999999 not found")


class TestIssuePage:
    def test_shows_timeline_and_initiatives_with_quorum_progress(
        self, client: TestClient, world: World
    ) -> None:
        first = proposal(world, "A", "First")
        world.propose("B", "Second", issue_id=first["issue_id"])
        path = f"/issues/{first['issue_id']}"
        response = client.get(path)
        assert response.status_code == 200
        assert title(response) == f"Issue {first['issue_id']}: First / Second · Liquid Policy"
        assert meta_description(response) == f"Issue {first['issue_id']} in Transport, admission."
        assert canonical(response) == BASE + path
        assert "Admission from 2026-01-05 12:00 UTC" in response.text
        # counts come from the lifecycle's snapshots (none yet)
        assert response.text.count("0 supporters of 1 needed for the issue quorum") == 2
        assert '<progress max="1" value="0"' in response.text
        assert "Your part" not in response.text
        world.run()  # the snapshot: First has the issue quorum, the issue is in discussion
        text = client.get(path).text
        assert "Discussion from 2026-01-05 12:00 UTC" in text
        assert "1 supporter, 1 satisfied (1 needed to be admitted)" in text
        assert "This phase can end 2026-01-06 12:00 UTC</strong> (1 day 0 h left)" in text

    def test_closed_issue_shows_winner_votes_battles_and_voters(
        self, client: TestClient, world: World
    ) -> None:
        first = proposal(world, "A", "First")
        issue_id = first["issue_id"]
        world.delegate("C", "B", area_id=world.area_id)
        advance(world, 3)
        world.vote("B", issue_id, {first["id"]: 1})
        world.vote("A", issue_id, {first["id"]: -1})
        world.clock.advance(DAY)
        world.run()
        text = client.get(f"/issues/{issue_id}").text
        assert f'Winner: <a href="/initiatives/{first["id"]}">First</a>' in text
        assert "Yes 2 · No 1 · Rank 1" in text
        assert "Pairwise comparison" in text
        voters = text.split(">Direct voters</h3>")[1].split(">Delegating voters</h3>")
        b, c = world.members["B"], world.members["C"]
        assert f'<a href="/members/{b}">B</a></td><td>2</td>' in voters[0]
        assert f'<a href="/members/{c}">C</a></td><td>1</td><td>area</td>' in voters[1]
        assert f'<td><a href="/members/{b}">B</a></td></tr>' in voters[1]

    def test_an_unknown_issue_is_a_404_page(self, client: TestClient, world: World) -> None:
        response = client.get("/issues/999999")
        assert response.status_code == 404
        assert flash(response) == ("error", "issue 999999 not found")


class TestInitiativePage:
    def test_shows_draft_initiators_and_suggestions(self, client: TestClient, world: World) -> None:
        first = proposal(world, "A", "First")
        world.ok("PUT", f"/initiatives/{first['id']}/support", "B")
        world.suggest("B", first["id"], degree=1, replacement_content="Better")
        path = f"/initiatives/{first['id']}"
        response = client.get(path)
        assert response.status_code == 200
        assert title(response) == f"First · Issue {first['issue_id']} · Liquid Policy"
        assert meta_description(response) == "Text of First"
        assert canonical(response) == BASE + path
        a = world.members["A"]
        assert f'Initiators: <a href="/members/{a}">A</a>' in response.text
        assert "<p>Text of First</p>" in response.text
        assert "<h3>Suggestion" in response.text and "Proposed new text" in response.text
        assert '<table class="opinions">' in response.text
        assert "Your support" not in response.text  # a visitor gets no forms

    def test_markdown_is_rendered_safely(self, client: TestClient, world: World) -> None:
        evil = "# Plan\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) and **bold**"
        created = world.ok(
            "POST",
            "/initiatives",
            "A",
            json={
                "name": "<b>Evil</b>",
                "content": evil,
                "area_id": world.area_id,
                "policy_id": world.policy_id,
            },
        )
        response = client.get(f"/initiatives/{created['id']}")
        assert response.status_code == 200
        assert "<script>alert(1)" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
        assert not re.search(r"href=\"\s*javascript:", response.text, re.I)
        assert "<h1>Plan</h1>" in response.text and "<strong>bold</strong>" in response.text
        assert "<b>Evil</b>" not in response.text and "&lt;b&gt;Evil&lt;/b&gt;" in response.text

    def test_the_diff_shows_added_and_removed_lines(self, client: TestClient, world: World) -> None:
        created = world.ok(
            "POST",
            "/initiatives",
            "A",
            json={
                "name": "Plan",
                "content": "keep\nold line",
                "area_id": world.area_id,
                "policy_id": world.policy_id,
            },
        )
        second = world.ok(
            "POST", f"/initiatives/{created['id']}/drafts", "A", json={"content": "keep\nnew line"}
        )
        third = world.ok(
            "POST", f"/initiatives/{created['id']}/drafts", "A", json={"content": "keep\nthird"}
        )
        drafts = [d["id"] for d in world.all_items(f"/initiatives/{created['id']}/drafts")]
        first_id = min(drafts)
        latest = client.get(f"/initiatives/{created['id']}").text
        assert '<span class="removed">- new line</span>' in latest
        assert '<span class="added">+ third</span>' in latest
        chosen = client.get(
            f"/initiatives/{created['id']}?diff_from={first_id}&diff_to={second['id']}"
        )
        assert chosen.status_code == 200
        assert '<span class="same">  keep</span>' in chosen.text
        # A line with a word changed is one row with the word marked (issue 9).
        assert '<span class="changed">~ <del>old</del><ins>new</ins> line</span>' in chosen.text
        assert "+ third" not in chosen.text
        assert canonical(chosen) == f"{BASE}/initiatives/{created['id']}"
        # Drafts are named by their version of this initiative, not by their id (issue 10).
        assert f'<option value="{third["id"]}" selected>version 3</option>' in latest

    def test_a_diff_with_foreign_drafts_is_refused(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        world.ok("POST", f"/initiatives/{first['id']}/drafts", "A", json={"content": "Two"})
        response = client.get(f"/initiatives/{first['id']}?diff_from=999999")
        assert response.status_code == 422
        assert flash(response) == ("error", "those drafts do not belong to this initiative")

    def test_an_unknown_initiative_is_a_404_page(self, client: TestClient, world: World) -> None:
        response = client.get("/initiatives/999999")
        assert response.status_code == 404
        assert flash(response) == ("error", "initiative 999999 not found")


class TestNewInitiativePage:
    def test_a_visitor_is_sent_to_login(self, client: TestClient, world: World) -> None:
        _assert_redirects_to_login(client, f"/initiatives/new?area_id={world.area_id}")

    def test_new_issue_and_competing_forms(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        web_login(client, "A")
        response = client.get(f"/initiatives/new?area_id={world.area_id}")
        assert response.status_code == 200
        assert title(response) == "New initiative · Liquid Policy"
        assert meta_description(response) == "Propose a new initiative."
        assert canonical(response) == f"{BASE}/initiatives/new"
        assert "A new initiative in Transport" in response.text
        assert f'<option value="{world.policy_id}">Standard</option>' in response.text
        competing = client.get(f"/initiatives/new?issue_id={first['issue_id']}")
        assert f"A competing initiative for issue {first['issue_id']}" in competing.text
        assert 'name="policy_id"' not in competing.text


class TestMemberPage:
    def test_shows_statement_and_delegations(self, client: TestClient, world: World) -> None:
        world.ok("PATCH", "/members/me", "B", json={"statement": "I read *everything*."})
        world.delegate("C", "B", area_id=world.area_id)
        world.delegate("B", "A")
        b = world.members["B"]
        response = client.get(f"/members/{b}")
        assert response.status_code == 200
        assert title(response) == "B · Liquid Policy"
        assert meta_description(response) == "I read *everything*."
        assert canonical(response) == f"{BASE}/members/{b}"
        assert "<em>everything</em>" in response.text
        given = response.text.split('id="given-heading"')[1].split('id="received-heading"')
        assert f'to <a href="/members/{world.members["A"]}">A</a>' in given[0]
        assert f'From <a href="/members/{world.members["C"]}">C</a> for area' in given[1]

    def test_an_unknown_member_is_a_404_page(self, client: TestClient, world: World) -> None:
        assert client.get("/members/999999").status_code == 404


class TestChainPage:
    def test_draws_the_chain_in_words(self, client: TestClient, world: World) -> None:
        world.delegate("C", "B", area_id=world.area_id)
        world.delegate("B", "A", area_id=world.area_id)
        c = world.members["C"]
        path = f"/chain?member_id={c}&area_id={world.area_id}"
        response = client.get(path)
        assert response.status_code == 200
        assert title(response) == "Where C's vote goes · Liquid Policy"
        assert meta_description(response) == "The delegation chain of C in area Transport."
        assert canonical(response) == BASE + path
        names = re.findall(r'<a href="/members/\d+">(\w)</a>', response.text)
        assert names[-3:] == ["C", "B", "A"]
        assert '<p class="explain">In this area, C&#39;s vote goes to A.</p>' in response.text
        assert "takes part" not in response.text

    def test_explains_a_loop(self, client: TestClient, world: World) -> None:
        world.delegate("A", "B", area_id=world.area_id)
        world.delegate("B", "A", area_id=world.area_id)
        response = client.get(f"/chain?member_id={world.members['A']}&area_id={world.area_id}")
        assert "In this area, A&#39;s delegations run in a loop." in response.text

    def test_needs_exactly_one_scope(self, client: TestClient, world: World) -> None:
        response = client.get(f"/chain?member_id={world.members['A']}")
        assert response.status_code == 422
        assert flash(response) == ("error", "give exactly one of issue_id, area_id and unit_id")


class TestLoginPage:
    def test_renders_the_form(self, client: TestClient, world: World) -> None:
        response = client.get("/login?next=/areas/1")
        assert response.status_code == 200
        assert title(response) == "Log in · Liquid Policy"
        assert meta_description(response) == "Log in to Liquid Policy."
        assert canonical(response) == f"{BASE}/login"
        assert '<input type="hidden" name="next" value="/areas/1">' in response.text
        assert '<label for="username">Name</label>' in response.text
        hostile = client.get("/login", params={"next": '"><script>alert(1)</script>'})
        assert "<script>" not in hostile.text and "&#34;&gt;&lt;script&gt;" in hostile.text

    def test_cookies_are_httponly_and_samesite_lax(self, client: TestClient, world: World) -> None:
        csrf = set_cookie_headers(client.get("/login"))["lp_csrf"]
        assert "httponly" in csrf and "samesite=lax" in csrf and "secure" not in csrf
        response = submit(
            client, "/login", {"username": "A", "password": "correct horse battery"}, follow=False
        )
        cookies = set_cookie_headers(response)
        assert set(cookies) >= {"lp_session", "lp_flash"}
        for header in cookies.values():
            assert "httponly" in header and "samesite=lax" in header and "secure" not in header

    def test_cookies_are_secure_behind_https(self, client: TestClient, world: World) -> None:
        https = {"X-Forwarded-Proto": "https"}
        assert "secure" in set_cookie_headers(client.get("/login", headers=https))["lp_csrf"]
        client.cookies.delete("lp_csrf")
        response = submit(
            client,
            "/login",
            {"username": "A", "password": "correct horse battery"},
            follow=False,
            headers=https,
        )
        cookies = set_cookie_headers(response)
        assert "secure" in cookies["lp_session"] and "secure" in cookies["lp_flash"]


class TestRobots:
    @pytest.mark.parametrize(
        "public_access", [PublicAccess.ANONYMOUS, PublicAccess.PSEUDONYM, PublicAccess.FULL]
    )
    def test_public_services_allow_crawling(self, client: TestClient) -> None:
        response = client.get("/robots.txt")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert "Allow: /\n" in response.text and "Disallow: /login" in response.text
        assert f"Sitemap: {BASE}/sitemap.xml" in response.text

    @pytest.mark.parametrize("public_access", [PublicAccess.NONE])
    def test_a_closed_service_disallows_everything(self, client: TestClient) -> None:
        response = client.get("/robots.txt")
        assert response.status_code == 200
        assert response.text == "User-agent: *\nDisallow: /\n"


class TestSitemap:
    def test_lists_areas_issues_and_initiatives(self, client: TestClient, world: World) -> None:
        first = proposal(world, "A", "First")
        second = world.propose("B", "Second", issue_id=first["issue_id"])
        other = world.propose("C", "Other")
        response = client.get("/sitemap.xml")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/xml")
        locs = re.findall(r"<loc>([^<]+)</loc>", response.text)
        for path in (
            "/",
            f"/areas/{world.area_id}",
            f"/issues/{first['issue_id']}",
            f"/issues/{other['issue_id']}",
            f"/initiatives/{first['id']}",
            f"/initiatives/{second['id']}",
            f"/initiatives/{other['id']}",
        ):
            assert BASE + path in locs, path
        assert not any("/members/" in loc for loc in locs)


class TestPublicAccessNone:
    pytestmark = pytest.mark.parametrize("public_access", [PublicAccess.NONE])

    def test_every_page_but_login_needs_a_session(self, client: TestClient, world: World) -> None:
        pages = _pages(world)
        for path in pages.values():
            _assert_redirects_to_login(client, path)
        response = client.get("/", follow_redirects=True)
        assert title(response) == "Log in · Liquid Policy"
        assert flash(response) == ("error", "this service is not public: please log in")
        assert client.get("/login").status_code == 200

    def test_a_member_reads_every_page(self, client: TestClient, world: World) -> None:
        pages = _pages(world)
        web_login(client, "A")
        for path in pages.values():
            response = client.get(path)
            assert response.status_code == 200, (path, response.text[:1000])


class TestPublicAccessAnonymous:
    pytestmark = pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])

    def test_pages_hide_member_names(self, client: TestClient, world: World) -> None:
        pages = _pages(world)
        for kind in ("home", "area", "issue", "initiative", "sitemap"):
            response = client.get(pages[kind])
            assert response.status_code == 200, kind
            assert member_links(response) == [], kind
        text = client.get(pages["initiative"]).text
        assert "Initiators: a member" in text
        assert ">A<" not in text and ", by " not in text

    def test_member_pages_need_a_login(self, client: TestClient, world: World) -> None:
        pages = _pages(world)
        for kind in ("member", "chain", "new"):
            _assert_redirects_to_login(client, pages[kind])
        response = client.get(pages["member"], follow_redirects=True)
        assert flash(response) == ("error", "member pages need a login on this service")
        # the login leads back to the page, query string included
        response = client.get(pages["chain"], follow_redirects=False)
        assert response.headers["location"] == "/login?next=" + quote(pages["chain"], safe="/")
        data = {"username": "C", "password": PASSWORD, "next": pages["chain"]}
        back = submit(client, "/login", data)
        assert back.url.path == "/chain" and back.url.query.decode() == pages["chain"][7:]
        assert "Where C's vote goes" in back.text

    def test_a_closed_issue_hides_its_voters(self, client: TestClient, world: World) -> None:
        first = proposal(world)
        advance(world, 3)
        world.vote("A", first["issue_id"], {first["id"]: 1})
        world.clock.advance(DAY)
        world.run()
        text = client.get(f"/issues/{first['issue_id']}").text
        assert "Winner:" in text and "Direct voters" not in text
        assert member_links(client.get(f"/issues/{first['issue_id']}")) == []

    def test_a_member_sees_names(self, client: TestClient, world: World) -> None:
        pages = _pages(world)
        web_login(client, "C")
        text = client.get(pages["initiative"]).text
        assert f'Initiators: <a href="/members/{world.members["A"]}">A</a>' in text
        assert client.get(pages["member"]).status_code == 200
        assert client.get(pages["chain"]).status_code == 200


class TestPublicAccessPseudonymAndFull:
    @pytest.mark.parametrize("public_access", [PublicAccess.PSEUDONYM, PublicAccess.FULL])
    def test_a_visitor_reads_every_page_with_names(self, client: TestClient, world: World) -> None:
        pages = _pages(world)
        for kind, path in pages.items():
            if kind == "new":
                _assert_redirects_to_login(client, path)
                continue
            response = client.get(path)
            assert response.status_code == 200, (kind, response.text[:1000])
        text = client.get(pages["initiative"]).text
        assert f'Initiators: <a href="/members/{world.members["A"]}">A</a>' in text
