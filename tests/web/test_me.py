"""The ``/me`` page: my agenda, most urgent first, each item linking to where I act (acting makes it
go away), and my delegations given and received per scope."""

import re

import pytest
from fastapi.testclient import TestClient

from app.settings import PublicAccess
from tests.api.world import World
from tests.web.helpers import flash, submit, title, web_login


def agenda_links(client: TestClient) -> list[tuple[str, str]]:
    """(href, text) of every agenda item's link, in page order."""
    page = client.get("/me")
    assert page.status_code == 200, page.text[:1000]
    section = page.text.split('id="agenda-heading"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<li class="card agenda-\w+">\s*<p><a href="([^"]+)">([^<]+)</a>', section)


def in_voting(world: World) -> tuple[int, int]:
    initiative = world.propose("A")
    world.support("A", initiative["id"])
    world.to_voting(initiative["issue_id"])
    return initiative["issue_id"], initiative["id"]


class TestAccess:
    def test_a_visitor_is_sent_to_log_in(self, client: TestClient, world: World) -> None:
        response = client.get("/me", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/me"

    def test_the_nav_links_my_page_when_logged_in(self, client: TestClient, world: World) -> None:
        assert 'href="/me"' not in client.get("/").text
        web_login(client, "B")
        assert '<a href="/me">My page</a>' in client.get("/").text
        response = client.get("/me")
        assert title(response) == "My page · Liquid Policy"
        assert response.headers["cache-control"] == "private, no-store"
        assert client.head("/me").status_code == 200

    def test_a_bad_cursor_is_an_error_page(self, client: TestClient, world: World) -> None:
        web_login(client, "B")
        for query in ("agenda_cursor=nonsense", "received=nonsense"):
            response = client.get(f"/me?{query}")
            assert response.status_code == 422
            assert response.headers["content-type"].startswith("text/html")
            assert flash(response) == ("error", "cursor is not valid")


class TestAgenda:
    def test_a_delegate_votes_from_there_and_the_item_goes(
        self, client: TestClient, world: World
    ) -> None:
        world.delegate("C", "B")
        issue_id, initiative_id = in_voting(world)
        web_login(client, "B")
        page = client.get("/me").text
        assert agenda_links(client) == [(f"/issues/{issue_id}#ballot", f"Vote on issue {issue_id}")]
        assert "Weight you would carry: <strong>2</strong>" in page
        ends = world.issue(issue_id)["phase_ends_at"]
        assert f"Due {ends[:10]} {ends[11:16]} UTC" in page
        response = submit(
            client, f"/issues/{issue_id}/ballot", {"action": "cast", f"grade_{initiative_id}": "1"}
        )
        assert flash(response) == (
            "success",
            "Your ballot is saved. You can change it until voting ends.",
        )
        assert agenda_links(client) == []
        assert "Nothing needs your attention right now." in client.get("/me").text

    def test_each_kind_links_to_where_i_act(self, client: TestClient, world: World) -> None:
        mine = world.propose("B", "Mine")
        theirs = world.propose("A", "Theirs")
        world.support("B", theirs["id"])
        world.ok("POST", f"/initiatives/{theirs['id']}/drafts", "A", json={"content": "v2"})
        suggestion = world.suggest("C", mine["id"])
        world.ok(
            "POST",
            f"/initiatives/{theirs['id']}/initiators",
            "A",
            json={"member_id": world.id("B")},
        )
        web_login(client, "B")
        links = dict(agenda_links(client))
        assert links == {
            f"/issues/{mine['issue_id']}": f"Issue {mine['issue_id']}",
            f"/issues/{theirs['issue_id']}": f"Issue {theirs['issue_id']}",
            f"/initiatives/{theirs['id']}#draft-heading": (
                f"Read the new draft of initiative {theirs['id']}"
            ),
            f"/initiatives/{mine['id']}#suggestion-{suggestion['id']}": (
                f"Answer suggestion {suggestion['id']}"
            ),
            f"/initiatives/{theirs['id']}": f"Initiative {theirs['id']}",
        }
        for href in links:
            assert client.get(href.split("#")[0]).status_code == 200
        page = client.get("/me").text
        assert "Suggestion &#34;Suggestion&#34; on your initiative &#34;Mine&#34;" in page

    def test_answering_an_invitation_on_the_page(self, client: TestClient, world: World) -> None:
        initiative = world.propose("A")
        path = f"/initiatives/{initiative['id']}/initiators"
        world.ok("POST", path, "A", json={"member_id": world.id("B")})
        web_login(client, "B")
        assert 'action="/me/invitations/' in client.get("/me").text
        response = submit(client, f"/me/invitations/{initiative['id']}", {"answer": "maybe"})
        assert flash(response) == ("error", "answer must be accept or decline")
        response = submit(client, f"/me/invitations/{initiative['id']}", {"answer": "accept"})
        assert flash(response) == ("success", "You are now an initiator of this initiative.")
        assert "agenda-invitation" not in response.text
        initiators = world.ok("GET", path)["items"]
        assert {
            "initiative_id": initiative["id"],
            "member_id": world.id("B"),
            "accepted": True,
        } in initiators

    def test_declining_is_the_same_service_and_rules(
        self, client: TestClient, world: World
    ) -> None:
        initiative = world.propose("A")
        world.ok(
            "POST",
            f"/initiatives/{initiative['id']}/initiators",
            "A",
            json={"member_id": world.id("B")},
        )
        web_login(client, "B")
        response = submit(client, f"/me/invitations/{initiative['id']}", {"answer": "decline"})
        assert flash(response) == ("success", "You declined the invitation.")
        response = submit(client, f"/me/invitations/{initiative['id']}", {"answer": "accept"})
        assert flash(response) == ("error", "the invitation has already been answered")


class TestDelegations:
    def test_given_per_scope_and_received(self, client: TestClient, world: World) -> None:
        world.delegate("A", "B")
        world.delegate("A", None, area_id=world.area_id)
        world.delegate("C", "B", area_id=world.area_id)
        initiative = world.propose("A")
        world.delegate("A", "C", issue_id=initiative["issue_id"])
        web_login(client, "A")
        page = client.get("/me").text
        given = page.split('id="given-heading"', 1)[1].split("</section>", 1)[0]
        unit, area, issue = given.split("<h3>")[1:]
        assert f'to <a href="/members/{world.id("B")}">B</a>' in unit
        assert f"/chain?member_id={world.id('A')}&amp;unit_id={world.unit_id}" in unit
        assert "no delegation here (I keep my vote)" in area
        assert f'href="/issues/{initiative["issue_id"]}">issue' in issue
        assert f'to <a href="/members/{world.id("C")}">C</a>' in issue
        client.cookies.clear()
        web_login(client, "B")
        received = client.get("/me").text.split('id="received-heading"', 1)[1]
        unit, area, issue = received.split("</section>", 1)[0].split("<h3>")[1:]
        assert f'From <a href="/members/{world.id("A")}">A</a> for unit Party' in unit
        assert f'From <a href="/members/{world.id("C")}">C</a> for area' in area
        assert "None." in issue

    def test_declining_a_delegation_to_me(self, client: TestClient, world: World) -> None:
        """Issue 12: a button per delegation to me; the truster sees it declined on their page."""
        delegation = world.delegate("A", "B")
        other = world.delegate("C", "B", area_id=world.area_id)
        web_login(client, "B")
        page = client.get("/me").text
        received = page.split('id="received-heading"', 1)[1].split("</section>", 1)[0]
        action = f'action="/me/delegations/{delegation["id"]}/decline"'
        assert action in received
        form = received.split(action, 1)[1].split("</form>", 1)[0]
        assert 'name="csrf_token"' in form and "<button" in form
        response = submit(client, f"/me/delegations/{delegation['id']}/decline")
        assert flash(response) == (
            "success",
            "You declined the delegation: A's vote no longer comes to you here.",
        )
        received = response.text.split('id="received-heading"', 1)[1].split("</section>", 1)[0]
        assert action not in received  # declined: no button any more
        assert "(declined)" in received.split("</ul>", 1)[0]
        assert f'action="/me/delegations/{other["id"]}/decline"' in received
        again = submit(client, f"/me/delegations/{delegation['id']}/decline")
        assert flash(again) == ("error", "this delegation is already declined")
        [row] = world.all_items("/delegations", "A", truster_id=world.id("A"))
        assert row["declined"] is True
        # Nobody else's delegation: refused with the API's message.
        mine = world.delegate("B", "C")
        refused = submit(client, f"/me/delegations/{mine['id']}/decline")
        assert flash(refused) == ("error", "only the trustee may decline a delegation")
        # The truster sees it declined on their page.
        client.cookies.clear()
        web_login(client, "A")
        given = client.get("/me").text.split('id="given-heading"', 1)[1].split("</section>", 1)[0]
        assert "declined by" in given

    def test_declining_needs_the_csrf_token(self, client: TestClient, world: World) -> None:
        delegation = world.delegate("A", "B")
        web_login(client, "B")
        response = client.post(f"/me/delegations/{delegation['id']}/decline")
        assert response.status_code == 403
        [row] = world.all_items("/delegations", "A", truster_id=world.id("A"))
        assert row["declined"] is False


@pytest.mark.parametrize("public_access", [PublicAccess.NONE, PublicAccess.ANONYMOUS])
def test_logged_in_i_see_names_at_every_public_access_level(
    client: TestClient, world: World, public_access: PublicAccess
) -> None:
    """The member-visibility rule (``shows_members``): a logged-in member sees names."""
    world.delegate("A", "B")
    web_login(client, "B")
    page = client.get("/me")
    assert page.status_code == 200
    assert f'From <a href="/members/{world.id("A")}">A</a> for unit Party' in page.text
