"""Issue 11 in the web client: the subscribe button of an area page, ``/me/notifications`` (newest
first, paginated, read and unread, mark as read, mark all read, links to where to act) and the
unread count in the page header."""

import re

from fastapi.testclient import TestClient

from proposals.services.notifications import fan_out_pending
from tests.api.world import World
from tests.web.helpers import flash, submit, title, web_login


def cards(client: TestClient, query: str = "") -> list[tuple[str, str]]:
    """(id, text) of every notification on the page, in page order."""
    page = client.get("/me/notifications" + query)
    assert page.status_code == 200, page.text[:1000]
    return re.findall(
        r'id="notification-(\d+)">\s*<p>(?:<strong>New:</strong> )?([^<]+)</p>', page.text
    )


def header_count(client: TestClient) -> str:
    found = re.search(r'<a href="/me/notifications">([^<]*)</a>', client.get("/").text)
    assert found, "no notifications link in the header"
    return found.group(1)


class TestSubscribeButton:
    def test_subscribe_then_unsubscribe(self, client: TestClient, world: World) -> None:
        assert "/subscription" not in client.get(f"/areas/{world.area_id}").text  # visitor
        web_login(client, "B")
        page = client.get(f"/areas/{world.area_id}").text
        assert "Subscribe to Transport" in page
        response = submit(client, f"/areas/{world.area_id}/subscription", {"action": "subscribe"})
        assert flash(response) == (
            "success",
            "You subscribed to Transport: you will hear of its new issues and votes.",
        )
        assert "Unsubscribe" in response.text
        items = world.all_items("/members/me/subscriptions", "B")
        assert [i["area_id"] for i in items] == [world.area_id]
        response = submit(client, f"/areas/{world.area_id}/subscription", {"action": "unsubscribe"})
        assert flash(response) == ("success", "You unsubscribed from Transport.")
        assert world.all_items("/members/me/subscriptions", "B") == []

    def test_bad_action_and_unknown_area(self, client: TestClient, world: World) -> None:
        web_login(client, "B")
        response = submit(client, f"/areas/{world.area_id}/subscription", {"action": "x"})
        assert response.status_code == 422
        assert flash(response) == ("error", "action must be subscribe or unsubscribe")
        response = submit(client, "/areas/999999/subscription", {"action": "subscribe"})
        assert response.status_code == 404

    def test_a_visitor_is_sent_to_log_in(self, client: TestClient, world: World) -> None:
        response = submit(
            client, f"/areas/{world.area_id}/subscription", {"action": "subscribe"}, follow=False
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


class TestNotificationsPage:
    def test_a_visitor_is_sent_to_log_in(self, client: TestClient, world: World) -> None:
        response = client.get("/me/notifications", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/me/notifications"

    def test_a_subscriber_sees_the_new_issue_and_acts(
        self, client: TestClient, world: World
    ) -> None:
        web_login(client, "B")
        submit(client, f"/areas/{world.area_id}/subscription", {"action": "subscribe"})
        assert header_count(client) == "Notifications"
        initiative = world.propose("A", "Tram lines")
        fan_out_pending(world.db, clock=world.clock)
        assert header_count(client) == "Notifications (1 unread)"
        response = client.get("/me/notifications")
        assert title(response) == "My notifications · Liquid Policy"
        assert response.headers["cache-control"] == "private, no-store"
        issue_id = initiative["issue_id"]
        assert cards(client) == [
            (cards(client)[0][0], f"New issue in Transport: issue #{issue_id} (Tram lines)")
        ]
        assert "Because you subscribed to Transport" in response.text
        assert f'<a href="/issues/{issue_id}">Issue {issue_id}</a>' in response.text
        [(note_id, _)] = cards(client)
        response = submit(
            client,
            "/me/notifications/read",
            {"ids": note_id, "back": "/me/notifications?unread=true"},
        )
        assert flash(response) == ("success", "Marked as read.")
        assert str(response.url).endswith("/me/notifications?unread=true")
        assert "No unread notifications." in response.text, response.text.split("<main", 1)[1][
            :1500
        ]
        assert header_count(client) == "Notifications"
        assert [i for i, _ in cards(client)] == [note_id]  # still listed, read

    def test_newest_first_paginated_and_mark_all(self, client: TestClient, world: World) -> None:
        for _ in range(30):  # C: 60 notifications, stopped and started alternately
            world.delegate("B", "C")
            world.delegate("B", "A")
        web_login(client, "C")
        assert header_count(client) == "Notifications (60 unread)"
        page = client.get("/me/notifications").text
        first = cards(client)
        assert len(first) == 50
        assert [int(i) for i, _ in first] == sorted((int(i) for i, _ in first), reverse=True)
        assert (
            first[0][1]
            == "B no longer delegates to you in the unit " + first[0][1].rsplit(" ", 1)[1]
        )
        more = re.search(r'href="/me/notifications\?cursor=([^"]+)"', page)
        assert more
        rest = cards(client, f"?cursor={more.group(1)}")
        assert len(rest) == 10
        assert int(rest[0][0]) < int(first[-1][0])
        assert '<a href="/me#received-heading">Delegations to me</a>' in page
        response = submit(client, "/me/notifications/read", {"up_to_id": first[0][0]})
        assert flash(response) == ("success", "Marked as read.")
        assert header_count(client) == "Notifications"
        assert cards(client, "?unread=true") == []
        assert len(world.all_items("/members/me/notifications", "C", unread="false")) == 60

    def test_marking_anothers_notification_changes_nothing(
        self, client: TestClient, world: World
    ) -> None:
        world.delegate("B", "C")
        [note] = world.all_items("/members/me/notifications", "C")
        web_login(client, "A")
        response = submit(client, "/me/notifications/read", {"ids": str(note["id"])})
        assert flash(response) == ("success", "Marked as read.")
        assert world.all_items("/members/me/notifications", "C", unread="true") == [note]

    def test_bad_ids_are_refused_like_the_api(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        for data in ({"ids": "x"}, {"up_to_id": "x"}):
            response = submit(client, "/me/notifications/read", data)
            assert response.status_code == 422
            assert flash(response) == ("error", "ids and up_to_id must be notification ids")
        response = submit(client, "/me/notifications/read", {})
        assert flash(response) == ("error", "give ids or up_to_id")

    def test_an_invitation_links_to_my_page(self, client: TestClient, world: World) -> None:
        initiative = world.propose("A", "Tram lines")
        world.ok(
            "POST",
            f"/initiatives/{initiative['id']}/initiators",
            "A",
            json={"member_id": world.id("B")},
        )
        web_login(client, "B")
        page = client.get("/me/notifications").text
        assert "A invites you to become an initiator of Tram lines" in page
        assert '<a href="/me">Accept or decline on my page</a>' in page

    def test_a_huge_number_is_refused_not_a_server_error(
        self, client: TestClient, world: World
    ) -> None:
        web_login(client, "A")
        for field in ("ids", "up_to_id"):
            for value in ("9" * 5000, "99999999999"):
                response = submit(client, "/me/notifications/read", {field: value})
                assert response.status_code == 422, (field, value[:20])
                assert flash(response) == ("error", "ids and up_to_id must be notification ids")


class TestBadAreaIds:
    def test_a_bad_area_id_is_an_html_error(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        for bad in ("abc", "1.5", "99999999999999999999"):
            response = submit(client, f"/areas/{bad}/subscription", {"action": "subscribe"})
            assert response.status_code in (404, 422), (bad, response.status_code)
            assert response.headers["content-type"].startswith("text/html")
