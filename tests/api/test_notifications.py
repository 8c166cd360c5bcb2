"""Issue 11, in the app: area subscriptions, each targeting rule (and that a member outside it
gets nothing), no self-notification, fan-out on a pass (idempotent), the inbox and marking read,
pagination, authorization, and privacy (nothing of it in the public feed)."""

import contextlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from proposals.clock import FrozenClock
from proposals.services.notifications import fan_out_pending
from tests.api.world import DAY, World, build_world
from tests.conftest import settings_for_tests
from tests.factories import bearer, make_area, make_token

NAMES = list("ABCDEFG")


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, NAMES)


def read(db: Database, model: type[Any], row_id: int) -> Any:
    with db.session() as session:
        row = session.get(model, row_id)
        assert row is not None
        session.expunge(row)
        return row


def inbox(world: World, who: str, **params: Any) -> list[dict[str, Any]]:
    return world.all_items("/members/me/notifications", who, **params)


def kinds(world: World, who: str) -> list[str]:
    return [n["kind"] for n in inbox(world, who)]


def of_kind(world: World, who: str, kind: str) -> list[dict[str, Any]]:
    return [n for n in inbox(world, who) if n["kind"] == kind]


def notify(world: World) -> int:
    """One pass, as the server's background loop and ``liquidpolicy notify`` run it."""
    return fan_out_pending(world.db, clock=world.clock).notifications


def subscribe(world: World, who: str, area_id: int | None = None) -> None:
    world.ok("PUT", f"/areas/{area_id or world.area_id}/subscription", who)


def everyone_else(world: World, *names: str) -> list[str]:
    return [n for n in NAMES if n not in names]


class TestSubscriptions:
    def test_subscribe_list_unsubscribe_idempotent(self, world: World) -> None:
        assert world.call("PUT", f"/areas/{world.area_id}/subscription", "A").status_code == 204
        assert world.call("PUT", f"/areas/{world.area_id}/subscription", "A").status_code == 204
        items = world.all_items("/members/me/subscriptions", "A")
        assert [set(i) for i in items] == [{"area_id", "created_at"}]
        assert items[0]["area_id"] == world.area_id
        assert world.all_items("/members/me/subscriptions", "B") == []
        assert world.call("DELETE", f"/areas/{world.area_id}/subscription", "A").status_code == 204
        assert world.call("DELETE", f"/areas/{world.area_id}/subscription", "A").status_code == 204
        assert world.all_items("/members/me/subscriptions", "A") == []

    def test_unknown_area_is_404(self, world: World) -> None:
        response = world.call("PUT", "/areas/999999/subscription", "A")
        assert response.status_code == 404
        assert "detail" in response.json()
        assert world.status("DELETE", "/areas/999999/subscription", "A") == 404

    def test_paginated_by_area(self, world: World, db: Database) -> None:
        from proposals.models import Unit

        unit = read(db, Unit, world.unit_id)
        area_ids = [world.area_id] + [
            make_area(db, unit, name=f"Area {n}").id or 0 for n in range(3)
        ]
        for area_id in area_ids:
            subscribe(world, "A", area_id)
        first = world.ok("GET", "/members/me/subscriptions", "A", params={"limit": 2})
        assert len(first["items"]) == 2 and first["next_cursor"]
        rest = world.ok(
            "GET",
            "/members/me/subscriptions",
            "A",
            params={"limit": 2, "cursor": first["next_cursor"]},
        )
        assert [i["area_id"] for i in first["items"] + rest["items"]] == sorted(area_ids)

    def test_scopes_and_auth(self, world: World, db: Database) -> None:
        from proposals.models import Member

        member = read(db, Member, world.id("A"))
        reader = bearer(make_token(db, member, scopes=["read"]))
        path = f"/api/v1/areas/{world.area_id}/subscription"
        assert world.client.put(path, headers=reader).status_code == 403
        assert world.client.put(path).status_code == 401
        assert world.client.get("/api/v1/members/me/subscriptions").status_code == 401
        assert (
            world.client.get("/api/v1/members/me/subscriptions", headers=reader).status_code == 200
        )


class TestNewIssue:
    def test_subscribers_hear_after_the_pass_and_only_once(self, world: World) -> None:
        subscribe(world, "B")
        subscribe(world, "A")
        initiative = world.propose("A", "Tram lines")
        assert inbox(world, "B") == []  # written as a cause, fanned out later
        notify(world)
        [note] = inbox(world, "B")
        assert note["kind"] == "new_issue"
        assert note["issue_id"] == initiative["issue_id"]
        assert note["area_id"] == world.area_id and note["unit_id"] == world.unit_id
        assert "Tram lines" in note["text"]
        assert note["reason"] == "because you subscribed to Transport"
        assert note["read_at"] is None
        assert inbox(world, "A") == []  # not told of their own action
        for other in everyone_else(world, "A", "B"):
            assert inbox(world, other) == []
        assert notify(world) == 0
        assert len(inbox(world, "B")) == 1

    def test_the_pass_counts_what_it_wrote(self, world: World) -> None:
        subscribe(world, "B")
        subscribe(world, "C")
        world.propose("A", "Tram lines")
        assert notify(world) == 2  # the INSERT ... SELECT's own row count, on both backends
        assert len(inbox(world, "B")) == len(inbox(world, "C")) == 1

    def test_unsubscribed_members_hear_nothing(self, world: World) -> None:
        subscribe(world, "B")
        world.ok("DELETE", f"/areas/{world.area_id}/subscription", "B")
        world.propose("A")
        notify(world)
        assert inbox(world, "B") == []

    def test_another_area_is_not_told(self, world: World, db: Database) -> None:
        from proposals.models import Unit

        other = make_area(db, read(db, Unit, world.unit_id), name="Health")
        subscribe(world, "B", other.id)
        world.propose("A")
        notify(world)
        assert inbox(world, "B") == []


class TestPhaseChanges:
    def test_participants_hear_each_phase_and_the_result(self, world: World) -> None:
        initiative = world.propose("A", "Tram lines")
        issue_id = initiative["issue_id"]
        world.ok("PUT", f"/issues/{issue_id}/interest", "B")
        world.support("C", initiative["id"])
        world.suggest("D", initiative["id"])
        notify(world)
        subscribe(world, "F")
        world.to_voting(issue_id)
        notify(world)  # the background pass runs between the lifecycle's runs
        world.vote("E", issue_id, {initiative["id"]: 1})
        world.vote("C", issue_id, {initiative["id"]: 1})
        assert world.step(DAY) == ["finished_with_winner"]
        notify(world)
        title = f"issue #{issue_id} (Tram lines)"
        for who in "ABCD":
            phases = of_kind(world, who, "phase_changed")
            assert [n["text"] for n in phases] == [
                f"Voting has started on {title}",
                f"Issue #{issue_id} (Tram lines) is now in verification",
                f"Issue #{issue_id} (Tram lines) is now in discussion",
            ], who
            assert all(n["reason"] == f"because you take part in issue #{issue_id}" for n in phases)
            [closed] = of_kind(world, who, "issue_closed")
            assert closed["text"] == (
                f"Voting on issue #{issue_id} (Tram lines) has closed: Tram lines won"
            )
        # E only cast a ballot: told of the close, not of earlier phases
        assert kinds(world, "E") == ["issue_closed"]
        # F subscribed to the area: told of voting only (the issue was new before F subscribed)
        [voting] = inbox(world, "F")
        assert voting["kind"] == "phase_changed" and "Voting has started" in voting["text"]
        assert voting["reason"] == "because you subscribed to Transport"
        assert inbox(world, "G") == []
        assert notify(world) == 0

    def test_a_participant_who_also_subscribed_is_told_once_with_the_first_reason(
        self, world: World
    ) -> None:
        initiative = world.propose("A")
        issue_id = initiative["issue_id"]
        world.support("B", initiative["id"])
        subscribe(world, "B")
        world.to_voting(issue_id)
        notify(world)
        voting = [n for n in of_kind(world, "B", "phase_changed") if "Voting" in n["text"]]
        assert len(voting) == 1
        assert voting[0]["reason"] == f"because you take part in issue #{issue_id}"

    def test_the_admin_who_cancels_is_not_told(self, world: World) -> None:
        initiative = world.propose("A")
        issue_id = initiative["issue_id"]
        response = world.client.post(f"/api/v1/issues/{issue_id}/cancel", headers=world.admin)
        assert response.status_code == 200, response.text
        notify(world)
        [closed] = of_kind(world, "A", "issue_closed")
        assert closed["text"] == f"Issue #{issue_id} (Proposal) was canceled by an admin"


class TestDelegates:
    def test_start_change_and_stop(self, world: World) -> None:
        world.delegate("B", "C")
        [started] = inbox(world, "C")  # one member: written at once, no pass needed
        assert started["kind"] == "delegation_started"
        assert (
            started["text"]
            == "B now delegates to you in the unit " + started["text"].split("in the unit ")[1]
        )
        assert started["reason"] == "because B chose you as their delegate"
        world.delegate("B", "C")  # the same again: nothing new
        assert len(inbox(world, "C")) == 1
        delegation = world.delegate("B", "D")
        assert kinds(world, "C") == ["delegation_stopped", "delegation_started"]
        assert kinds(world, "D") == ["delegation_started"]
        world.ok("DELETE", f"/delegations/{delegation['id']}", "B")
        assert kinds(world, "D") == ["delegation_stopped", "delegation_started"]
        assert inbox(world, "B") == []
        for other in everyone_else(world, "B", "C", "D"):
            assert inbox(world, other) == []

    def test_area_scope_and_block(self, world: World) -> None:
        world.delegate("B", "C", area_id=world.area_id)
        [started] = inbox(world, "C")
        assert started["area_id"] == world.area_id
        assert started["text"] == "B now delegates to you in the area Transport"
        world.delegate("B", None, area_id=world.area_id)  # a block: C loses the delegation
        assert kinds(world, "C") == ["delegation_stopped", "delegation_started"]

    def test_votes_flowing_to_a_delegate_when_voting_starts(self, world: World) -> None:
        world.delegate("C", "B")
        world.delegate("D", "C")
        initiative = world.propose("A")
        world.support("A", initiative["id"])
        world.to_voting(initiative["issue_id"])
        notify(world)
        [to_b] = of_kind(world, "B", "votes_delegated")
        assert to_b["text"].startswith("2 members' votes go to you in issue #")
        assert to_b["reason"] == "because 2 members delegate to you"
        [to_c] = of_kind(world, "C", "votes_delegated")
        assert to_c["text"].startswith("1 member's vote goes to you")
        assert to_c["reason"] == "because 1 member delegates to you"
        for other in ("A", "D", "E"):
            assert of_kind(world, other, "votes_delegated") == []
        assert notify(world) == 0
        assert len(of_kind(world, "B", "votes_delegated")) == 1

    def test_the_count_is_the_one_of_the_moment_voting_started(self, world: World) -> None:
        """The weights come from the lifecycle's own graph at the transition to voting (stored
        with the cause), not from the delegations when the fan-out runs later."""
        world.delegate("C", "B")
        world.delegate("D", "C")
        initiative = world.propose("A")
        world.support("A", initiative["id"])
        world.to_voting(initiative["issue_id"])
        world.delegate("D", "E")  # after voting started, before the pass
        notify(world)
        [to_b] = of_kind(world, "B", "votes_delegated")
        assert to_b["reason"] == "because 2 members delegate to you"
        [to_c] = of_kind(world, "C", "votes_delegated")
        assert to_c["reason"] == "because 1 member delegates to you"
        assert of_kind(world, "E", "votes_delegated") == []

    def test_a_voting_cause_without_stored_weights_has_them_computed(
        self, world: World, db: Database
    ) -> None:
        """A voting cause recorded before migration 0010 stored no weights: the pass computes
        them (``weights.delegate_weights``) instead of telling no delegate."""
        from proposals.models import NotificationCause

        world.delegate("C", "B")
        world.delegate("D", "C")
        initiative = world.propose("A")
        world.support("A", initiative["id"])
        world.to_voting(initiative["issue_id"])
        with db.session(write=True) as session:
            [cause] = session.exec(
                select(NotificationCause).where(NotificationCause.state == "voting")
            ).all()
            assert cause.delegate_weights == [[world.id("B"), 3], [world.id("C"), 2]]
            cause.delegate_weights = None
            session.add(cause)
            session.commit()
        notify(world)
        [to_b] = of_kind(world, "B", "votes_delegated")
        assert to_b["reason"] == "because 2 members delegate to you"
        [to_c] = of_kind(world, "C", "votes_delegated")
        assert to_c["reason"] == "because 1 member delegates to you"


class TestInitiators:
    def test_a_new_suggestion_reaches_the_initiators_not_its_author(self, world: World) -> None:
        initiative = world.propose("A", "Tram lines")
        world.ok(
            "POST",
            f"/initiatives/{initiative['id']}/initiators",
            "A",
            json={"member_id": world.id("C")},
        )
        world.ok(
            "PUT", f"/initiatives/{initiative['id']}/initiators/me", "C", json={"accepted": True}
        )
        suggestion = world.suggest("B", initiative["id"], name="Add a stop")
        for who in "AC":
            [note] = of_kind(world, who, "new_suggestion")
            assert note["suggestion_id"] == suggestion["id"]
            assert note["initiative_id"] == initiative["id"]
            assert note["text"] == "New suggestion on Tram lines: Add a stop"
            assert note["reason"] == "because you are an initiator of Tram lines"
        assert of_kind(world, "B", "new_suggestion") == []
        world.suggest("A", initiative["id"], name="Mine")  # an initiator's own suggestion
        assert len(of_kind(world, "A", "new_suggestion")) == 1
        assert len(of_kind(world, "C", "new_suggestion")) == 2

    def test_an_invitation(self, world: World) -> None:
        initiative = world.propose("A", "Tram lines")
        world.ok(
            "POST",
            f"/initiatives/{initiative['id']}/initiators",
            "A",
            json={"member_id": world.id("C")},
        )
        [note] = inbox(world, "C")
        assert note["kind"] == "invitation"
        assert note["initiative_id"] == initiative["id"]
        assert note["text"] == "A invites you to become an initiator of Tram lines"
        assert inbox(world, "A") == [] and inbox(world, "B") == []


class TestSupporters:
    def test_a_new_draft_reaches_supporters_of_an_older_one(self, world: World) -> None:
        initiative = world.propose("A", "Tram lines")
        world.support("A", initiative["id"])
        world.support("B", initiative["id"])
        world.ok("POST", f"/initiatives/{initiative['id']}/drafts", "A", json={"content": "v2"})
        world.support("C", initiative["id"])  # supports the new draft already: not told
        notify(world)
        [note] = inbox(world, "B")
        assert note["kind"] == "new_draft"
        assert note["text"] == "Tram lines has a new draft; your support is on an older one"
        assert note["reason"] == "because you support Tram lines"
        assert inbox(world, "A") == []
        assert inbox(world, "C") == []


def _some_notifications(world: World, count: int) -> None:
    for _ in range(count):
        world.delegate("B", "C")
        world.delegate("B", "D")


class TestInbox:
    def test_newest_first_paginated(self, world: World) -> None:
        _some_notifications(world, 3)  # C: started, stopped, started, stopped, started, stopped
        notes = inbox(world, "C")
        assert len(notes) == 6
        assert [n["id"] for n in notes] == sorted((n["id"] for n in notes), reverse=True)
        assert set(notes[0]) == {
            "id",
            "kind",
            "created_at",
            "read_at",
            "unit_id",
            "area_id",
            "issue_id",
            "initiative_id",
            "suggestion_id",
            "text",
            "reason",
        }
        first = world.ok("GET", "/members/me/notifications", "C", params={"limit": 4})
        second = world.ok(
            "GET",
            "/members/me/notifications",
            "C",
            params={"limit": 4, "cursor": first["next_cursor"]},
        )
        assert [n["id"] for n in first["items"] + second["items"]] == [n["id"] for n in notes]
        assert second["next_cursor"] is None

    def test_mark_read_by_ids_and_up_to(self, world: World) -> None:
        _some_notifications(world, 3)
        notes = inbox(world, "C")
        newest, oldest = notes[0]["id"], notes[-1]["id"]
        response = world.call("POST", "/members/me/notifications/read", "C", json={"ids": [newest]})
        assert response.status_code == 204
        unread = inbox(world, "C", unread="true")
        assert [n["id"] for n in unread] == [n["id"] for n in notes[1:]]
        [read_one] = inbox(world, "C", unread="false")
        assert read_one["id"] == newest and read_one["read_at"] is not None
        world.ok("POST", "/members/me/notifications/read", "C", json={"up_to_id": notes[2]["id"]})
        assert [n["id"] for n in inbox(world, "C", unread="true")] == [notes[1]["id"]]
        assert oldest in [n["id"] for n in inbox(world, "C", unread="false")]

    def test_only_my_own(self, world: World) -> None:
        _some_notifications(world, 1)
        c_ids = [n["id"] for n in inbox(world, "C")]
        world.ok("POST", "/members/me/notifications/read", "D", json={"ids": c_ids})
        world.ok("POST", "/members/me/notifications/read", "D", json={"up_to_id": max(c_ids)})
        assert [n["id"] for n in inbox(world, "C", unread="true")] == c_ids
        assert all(n["id"] not in c_ids for n in inbox(world, "D"))

    def test_bad_bodies(self, world: World) -> None:
        for body in ({}, {"ids": "1"}, {"up_to_id": "x"}, {"other": 1}, {"ids": [True]}):
            response = world.call("POST", "/members/me/notifications/read", "C", json=body)
            assert response.status_code == 422, body
            assert "detail" in response.json()

    def test_scopes_auth_and_caching(self, world: World, db: Database) -> None:
        from proposals.models import Member

        member = read(db, Member, world.id("C"))
        reader = bearer(make_token(db, member, scopes=["read"]))
        client = world.client
        assert client.get("/api/v1/members/me/notifications").status_code == 401
        response = client.get("/api/v1/members/me/notifications", headers=reader)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        response = client.get("/api/v1/members/me/subscriptions", headers=reader)
        assert response.headers["cache-control"] == "private, no-store"
        path = "/api/v1/members/me/notifications/read"
        assert client.post(path, json={"up_to_id": 1}, headers=reader).status_code == 403
        assert client.post(path, json={"up_to_id": 1}).status_code == 401


class TestPrivacy:
    def test_no_notification_nor_participation_in_the_public_feed(self, world: World) -> None:
        subscribe(world, "F")
        initiative = world.propose("A", "Tram lines")
        issue_id = initiative["issue_id"]
        before = world.all_items("/events")
        world.ok("PUT", f"/issues/{issue_id}/interest", "B")
        world.support("C", initiative["id"])
        world.support("B", initiative["id"])
        world.ok("DELETE", f"/initiatives/{initiative['id']}/support", "B")
        world.ok(
            "POST",
            f"/initiatives/{initiative['id']}/initiators",
            "A",
            json={"member_id": world.id("D")},
        )
        world.ok("PUT", f"/areas/{world.area_id}/subscription", "G")
        notify(world)
        # interest, support, invitations, subscriptions and the fan-out write no public event
        assert world.all_items("/events") == before
        suggestion = world.suggest("D", initiative["id"])
        world.rate("E", suggestion["id"], 1, False)
        world.to_voting(issue_id)
        events_at_voting = world.all_items("/events")
        world.vote("E", issue_id, {initiative["id"]: 1})
        notify(world)
        assert world.all_items("/events") == events_at_voting  # a ballot is no event
        types = {e["type"] for e in world.all_items("/events")}
        assert types <= {"initiative_created", "suggestion_created", "issue_state_changed"}
        for event in world.all_items("/events"):
            assert "notification" not in str(event).lower()
            assert event["member_id"] not in (world.id("B"), world.id("C"), world.id("E"))
        assert any(inbox(world, who) for who in "ABCDEF")  # there was something to leak

    def test_the_public_export_leaves_them_out(self) -> None:
        from app.export import SECTIONS
        from proposals.models import AreaSubscription, Notification, NotificationCause

        exported = {model for _, model, _ in SECTIONS}
        assert not exported & {AreaSubscription, Notification, NotificationCause}


def _area_with_subscribers(db: Database, subscribers: int) -> tuple[Any, Any, Any]:
    """A unit, its area with ``subscribers`` subscribed members, a policy and a proposer."""
    from proposals.services import notifications
    from tests.factories import grant, make_member, make_policy, make_unit

    unit = make_unit(db)
    area = make_area(db, unit)
    policy = make_policy(db)
    proposer = make_member(db)
    grant(db, unit, proposer)
    followers = [make_member(db) for _ in range(subscribers)]
    with db.session(write=True) as session:
        for member in followers:
            notifications.subscribe(session, actor=member, area_id=area.id or 0)
        session.commit()
    return area, policy, proposer


def _propose(db: Database, area: Any, policy: Any, proposer: Any, count: int) -> None:
    from proposals.services import initiatives

    with db.session(write=True) as session:
        for n in range(count):
            initiatives.create_initiative(
                session,
                actor=proposer,
                name=f"Proposal {n}",
                content="Text",
                area_id=area.id,
                policy_id=policy.id,
            )
        session.commit()


def _notification_count(db: Database) -> int:
    import sqlalchemy as sa

    from proposals.models import Notification

    with db.session() as session:
        return int(
            session.execute(sa.select(sa.func.count()).select_from(Notification)).scalar_one()
        )


class TestPasses:
    def test_the_servers_background_loop_fans_out(self, committed_db: Database) -> None:
        import asyncio

        from app.main import _lifecycle_loop
        from proposals.clock import utcnow

        area, policy, proposer = _area_with_subscribers(committed_db, 3)
        _propose(committed_db, area, policy, proposer, 1)
        assert _notification_count(committed_db) == 0

        async def one_round() -> int:
            loop = asyncio.create_task(
                _lifecycle_loop(committed_db, utcnow, 3600, 60, settings_for_tests())
            )
            try:
                for _ in range(200):
                    await asyncio.sleep(0.05)
                    if (count := _notification_count(committed_db)) == 3:
                        return count
                return _notification_count(committed_db)
            finally:
                loop.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await loop

        assert asyncio.run(one_round()) == 3

    def test_two_passes_at_once_make_each_notification_once(self, committed_db: Database) -> None:
        from concurrent.futures import ThreadPoolExecutor

        area, policy, proposer = _area_with_subscribers(committed_db, 5)
        _propose(committed_db, area, policy, proposer, 12)
        with ThreadPoolExecutor(2) as pool:
            done = list(pool.map(lambda _: fan_out_pending(committed_db, batch=3), range(2)))
        assert sum(d.causes for d in done) == 12  # each cause claimed by one pass
        assert _notification_count(committed_db) == 12 * 5
        assert fan_out_pending(committed_db).causes == 0


def test_the_inbox_schema_knows_every_stored_kind() -> None:
    """Regression: a kind the table accepts but the answer's Literal lacks is a 500 in the inbox
    (``voting_reminder`` came with migration 0009)."""
    from typing import get_args

    from app.schemas.notifications import NotificationKind
    from proposals.models import NOTIFICATION_KINDS

    assert set(get_args(NotificationKind)) == set(NOTIFICATION_KINDS)
