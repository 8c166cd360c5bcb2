"""The admin back-office at /admin (issue 10, items 3 and 5): every action through the same
service as its API endpoint with the API's words, HTML 403 for members, a login for visitors,
refused forms shown again with what was typed, and the bulk grant all or nothing."""

import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import Database
from app.web import admin
from app.web.context import WebRoute
from proposals.models import ApiToken, Member, Privilege, Unit
from tests.api.world import ALL_SCOPES, World
from tests.factories import PASSWORD, bearer, make_member, make_token, row_counts
from tests.web.helpers import flash, proposal, submit, web_login
from tests.web.test_no_server_errors import HUGE, JUNK_IDS, VALUES

ROOT = "root"
NEW_PASSWORD = "a brand new secret"
PAGES = [
    "/admin",
    "/admin/units",
    "/admin/areas",
    "/admin/policies",
    "/admin/members",
    "/admin/units/{unit_id}/privileges",
]
POLICY_FORM = {
    "name": "Quick",
    "description": "For small questions",
    "min_admission_time": "0",
    "min_admission_time_unit": "hours",
    "max_admission_time": "2",
    "max_admission_time_unit": "days",
    "discussion_time": "3",
    "discussion_time_unit": "days",
    "verification_time": "12",
    "verification_time_unit": "hours",
    "voting_time": "90",
    "voting_time_unit": "minutes",
    "issue_quorum_num": "1",
    "issue_quorum_den": "20",
    "initiative_quorum_num": "1",
    "initiative_quorum_den": "10",
    "direct_majority_num": "2",
    "direct_majority_den": "3",
    "direct_majority_strict": "on",
    "direct_majority_positive": "0",
    "direct_majority_non_negative": "0",
    "indirect_majority_num": "1",
    "indirect_majority_den": "2",
    "indirect_majority_positive": "0",
    "indirect_majority_non_negative": "0",
    "defeat_strength": "tuple",
    "tie_breaking": "variant1",
}


@pytest.fixture
def root(client: TestClient, world: World) -> dict[str, str]:
    """An admin named root, logged in in ``client``; answers root's API headers."""
    member = make_member(world.db, name=ROOT, is_admin=True)
    web_login(client, ROOT)
    return bearer(make_token(world.db, member, scopes=ALL_SCOPES))


def _page(world: World, path: str) -> str:
    return path.format(unit_id=world.unit_id)


def _ok(client: TestClient, path: str, data: dict[str, Any], message: str) -> Any:
    response = submit(client, path, data)
    assert response.status_code == 200, response.text[:2000]
    assert flash(response) == ("success", message), response.text[:3000]
    return response


def _refused(
    client: TestClient, world: World, path: str, data: dict[str, Any], status: int, message: str
) -> Any:
    """A form the service or the schema refuses: shown again (no redirect) with the status the
    API answers and its message, and not a row written."""
    before = row_counts(world.db)
    response = submit(client, path, data, follow=False)
    assert response.status_code == status, response.text[:2000]
    assert flash(response) == ("error", message), response.text[:3000]
    assert row_counts(world.db) == before
    return response


def _field(response: Any, field_id: str) -> str:
    """The value shown in an input (or the text of a textarea) of the page."""
    text = response.text
    found = re.search(rf'<input id="{field_id}"[^>]*value="([^"]*)"', text) or re.search(
        rf'<textarea id="{field_id}"[^>]*>(.*?)</textarea>', text, re.S
    )
    assert found, f"no field {field_id}"
    return html.unescape(found.group(1))


def _api(world: World, headers: dict[str, str], path: str) -> Any:
    response = world.client.get("/api/v1" + path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _named(world: World, name: str) -> Member:
    with world.db.session() as session:
        return session.exec(select(Member).where(Member.name == name)).one()


def _privileges(world: World, unit_id: int) -> dict[int, tuple[bool, bool]]:
    with world.db.session() as session:
        rows = session.exec(select(Privilege).where(Privilege.unit_id == unit_id)).all()
        return {p.member_id: (p.voting_right, p.initiative_right) for p in rows}


def _ids(world: World) -> dict[str, int]:
    return {"unit_id": world.unit_id, "member_id": world.id("B"), "policy_id": world.policy_id}


def _admin_routes(method: str) -> Iterator[str]:
    for route in admin.router.routes:
        if isinstance(route, WebRoute) and method in (route.methods or set()):
            yield route.path


def _new_unit(world: World, name: str = "Youth") -> int:
    with world.db.session() as session:
        unit = Unit(name=name, created_at=world.clock())
        session.add(unit)
        session.commit()
        return unit.id or 0


class TestAccess:
    @pytest.mark.parametrize("path", PAGES)
    def test_a_visitor_is_sent_to_log_in(self, client: TestClient, world: World, path: str) -> None:
        page = _page(world, path)
        response = client.get(page, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={page}"

    @pytest.mark.parametrize("path", PAGES)
    def test_a_member_gets_an_html_403_page(
        self, client: TestClient, world: World, path: str
    ) -> None:
        web_login(client, "A")
        response = client.get(_page(world, path))
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert flash(response) == ("error", "only an admin may do this")
        assert "<h1>Not allowed</h1>" in response.text

    def test_every_admin_form_refuses_a_member_and_writes_nothing(
        self, client: TestClient, world: World
    ) -> None:
        web_login(client, "A")
        forms = list(_admin_routes("POST"))
        assert len(forms) == 10
        ids = _ids(world)
        for path in forms:
            filled = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
            before = row_counts(world.db)
            body = {**POLICY_FORM, "names": "B", "unit_id": str(world.unit_id), "active": "false"}
            response = submit(client, filled, {**body, "password": NEW_PASSWORD})
            assert response.status_code == 403, (path, response.text[:500])
            assert flash(response) == ("error", "only an admin may do this")
            assert row_counts(world.db) == before

    def test_only_an_admin_sees_the_admin_link(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        assert '<a href="/admin">Admin</a>' in client.get("/").text
        other = TestClient(client.app)
        web_login(other, "A")
        assert '<a href="/admin">Admin</a>' not in other.get("/").text

    def test_every_page_answers_an_admin(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        for path in PAGES:
            response = client.get(_page(world, path))
            assert response.status_code == 200, (path, response.text[:500])
            assert '<nav aria-label="Admin"' in response.text

    def test_the_lifecycle_runs_from_the_admin_page(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        first = proposal(world)
        page = client.get("/admin")
        assert 'action="/admin/lifecycle"' in page.text
        response = _ok(
            client,
            "/admin/lifecycle",
            {"back": "/admin"},
            f"Lifecycle run: issue {first['issue_id']}: admission → discussion.",
        )
        assert urlsplit(str(response.url)).path == "/admin"

    def test_the_first_steps_show_what_is_done(self, client: TestClient, world: World) -> None:
        make_member(world.db, name=ROOT, is_admin=True)
        web_login(client, ROOT)
        text = client.get("/admin").text
        assert text.count('<span class="badge">done</span>') == 4  # the world has all of them
        assert f'href="/admin/units/{world.unit_id}/privileges"' in text


class TestUnits:
    def test_an_admin_creates_a_unit(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        response = _ok(
            client,
            "/admin/units",
            {"name": "  Youth  ", "description": "Under 30", "parent_id": str(world.unit_id)},
            "The unit Youth is created. Next: an area in it.",
        )
        assert "<h3>Youth</h3>" in response.text
        units = _api(world, root, "/units")["items"]
        assert [(u["name"], u["description"], u["parent_id"]) for u in units[1:]] == [
            ("Youth", "Under 30", world.unit_id)
        ]

    def test_a_blank_name_is_refused_and_the_description_kept(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        response = _refused(
            client,
            world,
            "/admin/units",
            {"name": "   ", "description": "Our <b>youth</b> wing"},
            422,
            "name must not be empty",
        )
        assert _field(response, "unit-description") == "Our <b>youth</b> wing"

    def test_a_too_long_name_gets_the_api_schema_message(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        api = world.client.post("/api/v1/units", headers=root, json={"name": "x" * 201})
        assert api.status_code == 422
        message = api.json()["detail"][0]["msg"]
        response = _refused(
            client, world, "/admin/units", {"name": "x" * 201}, 422, f"name: {message}"
        )
        assert _field(response, "unit-name") == "x" * 201

    def test_an_unknown_parent_is_the_apis_404(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        response = _refused(
            client,
            world,
            "/admin/units",
            {"name": "Youth", "parent_id": "999999"},
            404,
            "unit 999999 not found",
        )
        assert _field(response, "unit-name") == "Youth"


class TestAreas:
    def test_an_admin_creates_an_area(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        response = _ok(
            client,
            "/admin/areas",
            {"unit_id": str(world.unit_id), "name": "Housing", "description": "Rents"},
            "The area Housing is created in Party.",
        )
        area = _api(world, root, "/areas")["items"][-1]
        assert (area["unit_id"], area["name"], area["description"]) == (
            world.unit_id,
            "Housing",
            "Rents",
        )
        assert f'<a href="/areas/{area["id"]}">Housing</a>' in response.text

    def test_a_refused_area_keeps_what_was_typed(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        response = _refused(
            client,
            world,
            "/admin/areas",
            {"unit_id": str(world.unit_id), "name": "", "description": "All about rents"},
            422,
            "name must not be empty",
        )
        assert _field(response, "area-description") == "All about rents"
        assert f'<option value="{world.unit_id}" selected>' in response.text

    def test_a_unit_id_that_is_no_number_gets_the_schema_message(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        _refused(
            client,
            world,
            "/admin/areas",
            {"unit_id": "abc", "name": "Housing"},
            422,
            "unit_id: Input should be a valid integer",
        )

    def test_without_units_the_page_says_to_create_one(
        self, client: TestClient, db: Database
    ) -> None:
        make_member(db, name=ROOT, is_admin=True)  # no world: a fresh install, only the admin
        web_login(client, ROOT)
        text = client.get("/admin/areas").text
        assert "create a unit</a> first" in text
        assert 'action="/admin/areas"' not in text


class TestPolicies:
    def test_an_admin_creates_a_policy_with_times_in_any_unit(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        _ok(
            client,
            "/admin/policies",
            POLICY_FORM,
            "The policy Quick is created; new issues may use it.",
        )
        policy = _api(world, root, "/policies")["items"][-1]
        assert policy == {
            **policy,
            "name": "Quick",
            "description": "For small questions",
            "min_admission_time": 0,
            "max_admission_time": 2 * 86400,
            "discussion_time": 3 * 86400,
            "verification_time": 12 * 3600,
            "voting_time": 90 * 60,
            "issue_quorum_num": 1,
            "issue_quorum_den": 20,
            "direct_majority_num": 2,
            "direct_majority_den": 3,
            "direct_majority_strict": True,
            "indirect_majority_strict": False,  # its box was not ticked
            "no_reverse_beat_path": False,
            "active": True,
        }

    def test_a_broken_rule_gets_the_apis_message_and_keeps_the_form(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        body = {**POLICY_FORM, "min_admission_time": "3", "min_admission_time_unit": "days"}
        api_body = {
            k: int(v) if v.isdigit() else v
            for k, v in POLICY_FORM.items()
            if not k.endswith("_unit") and k not in ("direct_majority_strict",)
        } | {"min_admission_time": 3 * 86400, "max_admission_time": 2 * 86400}
        api = world.client.post("/api/v1/policies", headers=root, json=api_body)
        assert api.status_code == 422
        response = _refused(client, world, "/admin/policies", body, 422, api.json()["detail"])
        assert api.json()["detail"] == "min_admission_time must not exceed max_admission_time"
        assert _field(response, "policy-name") == "Quick"
        assert _field(response, "min_admission_time") == "3"
        assert _field(response, "issue_quorum_den") == "20"
        assert '<option value="hours" selected>' in response.text  # verification in hours

    def test_a_reverse_beat_path_needs_tuple_strength(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        body = {**POLICY_FORM, "no_reverse_beat_path": "on", "defeat_strength": "simple"}
        response = _refused(
            client,
            world,
            "/admin/policies",
            body,
            422,
            "no_reverse_beat_path needs defeat_strength 'tuple'",
        )
        assert 'name="no_reverse_beat_path" checked' in response.text

    def test_a_zero_denominator_and_a_bad_choice_get_the_schemas_messages(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        _refused(
            client,
            world,
            "/admin/policies",
            {**POLICY_FORM, "issue_quorum_den": "0"},
            422,
            "issue_quorum_den must be at least 1",
        )
        _refused(
            client,
            world,
            "/admin/policies",
            {**POLICY_FORM, "tie_breaking": "coin"},
            422,
            "tie_breaking: Input should be 'variant1' or 'simple'",
        )

    def test_the_page_says_a_changed_rule_is_a_new_policy(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        text = client.get("/admin/policies").text
        assert "A policy never changes once issues use it: a changed rule is a new policy." in text
        assert "Admission 0 s to 1 day 0 h" in text

    def test_an_admin_deactivates_and_activates_a_policy(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        path = f"/admin/policies/{world.policy_id}/active"
        response = _ok(
            client,
            path,
            {"active": "false"},
            "The policy Standard is inactive: it takes no new issues; issues already under "
            "it keep it.",
        )
        assert "Activate Standard" in response.text
        assert _api(world, root, f"/policies/{world.policy_id}")["active"] is False
        refused = world.call(
            "POST",
            "/initiatives",
            "A",
            json={
                "name": "N",
                "content": "C",
                "area_id": world.area_id,
                "policy_id": world.policy_id,
            },
        )
        assert refused.status_code == 409
        _ok(
            client,
            path,
            {"active": "true"},
            "The policy Standard is active: new issues may use it.",
        )
        assert _api(world, root, f"/policies/{world.policy_id}")["active"] is True

    def test_an_unknown_policy_and_a_bad_flag_are_refused(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        _refused(
            client,
            world,
            "/admin/policies/999999/active",
            {"active": "false"},
            404,
            "policy 999999 not found",
        )
        _refused(
            client,
            world,
            f"/admin/policies/{world.policy_id}/active",
            {"active": "maybe"},
            422,
            "active: Input should be a valid boolean",
        )


class TestMembers:
    def test_an_admin_creates_a_member_who_can_log_in(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        response = _ok(
            client,
            "/admin/members",
            {"name": "dora", "password": PASSWORD, "email": "dora@example.org"},
            "The member dora is created. Give them privileges in a unit so they can vote and "
            "propose.",
        )
        assert "dora@example.org" in response.text
        dora = _named(world, "dora")
        assert (dora.email, dora.is_admin, dora.active) == ("dora@example.org", False, True)
        web_login(TestClient(client.app), "dora")

    def test_an_admin_creates_an_admin(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        _ok(
            client,
            "/admin/members",
            {"name": "eve", "password": PASSWORD, "is_admin": "on"},
            "The member eve is created. Give them privileges in a unit so they can vote and "
            "propose.",
        )
        assert _named(world, "eve").is_admin

    def test_a_taken_name_is_the_apis_409_and_the_form_is_kept_but_the_password(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        response = _refused(
            client,
            world,
            "/admin/members",
            {"name": "A", "password": PASSWORD, "email": "a2@example.org", "is_admin": "on"},
            409,
            "the name 'A' is taken",
        )
        assert _field(response, "member-name") == "A"
        assert _field(response, "member-email") == "a2@example.org"
        assert 'name="is_admin" checked' in response.text
        assert PASSWORD not in response.text

    def test_a_short_password_gets_the_apis_message(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        api = world.client.post(
            "/api/v1/members", headers=root, json={"name": "dora", "password": "short"}
        )
        assert api.status_code == 422
        _refused(
            client,
            world,
            "/admin/members",
            {"name": "dora", "password": "short"},
            422,
            api.json()["detail"],
        )

    def test_the_list_is_paginated(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        for number in range(50):
            make_member(world.db, name=f"many{number:02}")
        first = client.get("/admin/members")
        assert first.text.count('<li class="card" id="member-') == 50
        found = re.search(r'<a href="(/admin/members\?cursor=[^"]+)">Next page</a>', first.text)
        assert found
        second = client.get(html.unescape(found.group(1)))
        names = re.findall(r'<h3><a href="/members/\d+">([^<]+)</a>', second.text)
        assert names == ["many45", "many46", "many47", "many48", "many49"]
        assert "Next page" not in second.text
        assert '<a href="/admin/members">First page</a>' in second.text

    def test_deactivating_ends_the_members_sessions_and_reactivating_lets_them_in(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        member = TestClient(client.app)
        web_login(member, "A")
        path = f"/admin/members/{world.id('A')}/active"
        response = _ok(
            client,
            path,
            {"active": "false"},
            "A is deactivated: their sessions and tokens are ended.",
        )
        assert "Reactivate A" in response.text
        assert '<a href="/login?next=/">Log in</a>' in member.get("/").text
        assert world.status("GET", "/members/me", "A") == 401
        refused = submit(member, "/login", {"username": "A", "password": PASSWORD, "next": "/"})
        assert flash(refused) == ("error", "wrong name or password")
        _ok(client, path, {"active": "true"}, "A is active again and can log in.")
        web_login(member, "A")

    def test_setting_a_password_ends_the_members_sessions_and_tokens(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        member = TestClient(client.app)
        web_login(member, "A")
        assert world.status("GET", "/members/me", "A") == 200
        _ok(
            client,
            f"/admin/members/{world.id('A')}/password",
            {"password": NEW_PASSWORD},
            "A has a new password: their sessions and tokens are ended.",
        )
        assert '<a href="/login?next=/">Log in</a>' in member.get("/").text
        assert world.status("GET", "/members/me", "A") == 401
        with world.db.session() as session:
            live = session.exec(
                select(ApiToken).where(
                    ApiToken.member_id == world.id("A"),
                    ApiToken.revoked_at.is_(None),  # type: ignore[union-attr]
                )
            ).all()
            assert live == []
        old = submit(member, "/login", {"username": "A", "password": PASSWORD, "next": "/"})
        assert flash(old) == ("error", "wrong name or password")
        web_login(member, "A", NEW_PASSWORD)

    def test_a_short_new_password_is_refused_with_the_form_open(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        api = world.client.patch(
            f"/api/v1/members/{world.id('A')}", headers=root, json={"password": "short"}
        )
        assert api.status_code == 422
        response = _refused(
            client,
            world,
            f"/admin/members/{world.id('A')}/password",
            {"password": "short"},
            422,
            api.json()["detail"],
        )
        assert re.search(r"<details open>\s*<summary>Set a new password for A<", response.text)

    def test_an_admin_is_not_offered_what_the_service_refuses_them(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        me = _named(world, ROOT).id
        text = client.get("/admin/members").text
        assert "This is you" in text
        assert f'action="/admin/members/{me}/' not in text
        _refused(
            client,
            world,
            f"/admin/members/{me}/active",
            {"active": "false"},
            409,
            "an admin cannot deactivate or demote themself",
        )


class TestPrivileges:
    def test_names_pasted_by_line_and_comma_are_granted(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        unit_id = _new_unit(world)
        response = _ok(
            client,
            f"/admin/units/{unit_id}/privileges",
            {"names": "A\r\n B , C,\n\nA", "voting_right": "on", "initiative_right": "on"},
            "3 members now hold the voting and initiative rights: A, B, C.",
        )
        assert _privileges(world, unit_id) == {world.id(n): (True, True) for n in ("A", "B", "C")}
        assert "Save rights of B" in response.text
        listed = _api(world, root, f"/units/{unit_id}/privileges")["items"]
        assert len(listed) == 3

    def test_a_name_holding_a_comma_is_one_name(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        odd = make_member(world.db, name="Smith, Jo")
        unit_id = _new_unit(world)
        _ok(
            client,
            f"/admin/units/{unit_id}/privileges",
            {"names": "Smith, Jo\nA", "voting_right": "on"},
            "2 members now hold the voting right: Smith, Jo, A.",
        )
        assert _privileges(world, unit_id) == {
            odd.id: (True, False),
            world.id("A"): (True, False),
        }

    def test_unknown_names_write_nothing_and_are_named(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        unit_id = _new_unit(world)
        typed = "A\nbob, B\nzed"
        response = _refused(
            client,
            world,
            f"/admin/units/{unit_id}/privileges",
            {"names": typed, "voting_right": "on", "initiative_right": "on"},
            422,
            "no member is named 'bob', 'zed': nothing was changed",
        )
        assert _field(response, "names") == typed
        assert _privileges(world, unit_id) == {}

    def test_the_bulk_grant_is_one_transaction(
        self,
        client: TestClient,
        world: World,
        root: dict[str, str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A failure after some privileges were written (the third member's) leaves none."""
        from proposals.errors import Conflict
        from proposals.services import structure

        real = structure.set_privilege
        calls: list[int] = []

        def failing_third(*args: Any, **kwargs: Any) -> Any:
            calls.append(kwargs["member_id"])
            if len(calls) == 3:
                raise Conflict("simulated failure")
            return real(*args, **kwargs)

        monkeypatch.setattr(structure, "set_privilege", failing_third)
        unit_id = _new_unit(world)
        _refused(
            client,
            world,
            f"/admin/units/{unit_id}/privileges",
            {"names": "A, B, C", "voting_right": "on"},
            409,
            "simulated failure",
        )
        assert len(calls) == 3
        assert _privileges(world, unit_id) == {}

    def test_granting_no_right_is_refused(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        _refused(
            client,
            world,
            f"/admin/units/{world.unit_id}/privileges",
            {"names": "A"},
            422,
            "choose the voting right, the initiative right or both",
        )

    def test_an_empty_list_and_an_unknown_unit_are_refused(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        _refused(
            client,
            world,
            f"/admin/units/{world.unit_id}/privileges",
            {"names": " , \n", "voting_right": "on"},
            422,
            "names must not be empty",
        )
        response = submit(
            client, "/admin/units/999999/privileges", {"names": "A", "voting_right": "on"}
        )
        assert response.status_code == 404
        assert flash(response) == ("error", "unit 999999 not found")

    def test_rights_are_changed_and_both_off_revokes(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        path = f"/admin/units/{world.unit_id}/privileges/{world.id('A')}"
        _ok(client, path, {"voting_right": "on"}, "A holds the voting right here.")
        assert _privileges(world, world.unit_id)[world.id("A")] == (True, False)
        _ok(client, path, {}, "A holds no privilege here any more.")
        assert world.id("A") not in _privileges(world, world.unit_id)

    def test_an_admin_revokes_a_privilege(
        self, client: TestClient, world: World, root: dict[str, str]
    ) -> None:
        path = f"/admin/units/{world.unit_id}/privileges/{world.id('B')}/revoke"
        response = _ok(client, path, {}, "B holds no privilege here any more.")
        assert "Save rights of B" not in response.text
        assert world.id("B") not in _privileges(world, world.unit_id)
        _refused(
            client,
            world,
            path,
            {},
            404,
            f"member {world.id('B')} holds no privilege in unit {world.unit_id}",
        )


ADMIN_FIELDS = sorted(
    {*POLICY_FORM, "names", "unit_id", "parent_id", "active", "password", "email", "is_admin"}
    | {"voting_right", "initiative_right", "cursor", "no_reverse_beat_path"}
    | {"no_multistage_majority", "indirect_majority_strict"}
)


def test_no_admin_form_or_page_answers_500(world: World, app: FastAPI) -> None:
    """Every admin form with every field missing, empty, oversized or no number, and every
    admin page with junk ids and cursors, answers below 500 (as tests/web/test_no_server_errors
    does for the members' forms)."""
    make_member(world.db, name=ROOT, is_admin=True)
    browser = TestClient(app, raise_server_exceptions=False)
    web_login(browser, ROOT)
    ids = _ids(world)
    failures: list[tuple[str, str, int]] = []

    def paths(route: str) -> list[str]:
        out = [re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), route)]
        if "{" in route:
            out += [re.sub(r"{(\w+)}", junk, route) for junk in JUNK_IDS]
        return out

    for route in _admin_routes("POST"):
        real, *junk = paths(route)
        bodies: list[dict[str, Any]] = [
            {} if v is None else dict.fromkeys(ADMIN_FIELDS, v) for v in VALUES
        ]
        bodies += [{field: HUGE} for field in ADMIN_FIELDS]
        for path, body in [(real, b) for b in bodies] + [(p, {}) for p in junk]:
            response = submit(browser, path, body, follow=False)
            if response.status_code >= 500:
                sample = ", ".join(f"{k[:10]}={v[:10]}" for k, v in body.items())[:60]
                failures.append((path[:80], sample, response.status_code))
    for route in _admin_routes("GET"):
        for path in paths(route):
            for value in ("abc", HUGE, "", "x" * 5_000, "-1"):
                response = browser.get(f"{path}?cursor={value}")
                if response.status_code >= 500:
                    failures.append((path[:80], value[:10], response.status_code))
    assert failures == []
    assert _named(world, ROOT).active  # the junk never deactivated the admin


def test_the_policy_form_sends_every_field_of_the_apis_schema() -> None:
    from app.schemas.structure import PolicyCreate

    sent = {"name", "description", *(name for name, _, _ in admin.TIME_FIELDS)}
    sent |= set(admin.POLICY_NUMBERS) | set(admin.POLICY_FLAGS)
    sent |= {"defeat_strength", "tie_breaking", "ballot_secrecy"}
    assert sent == set(PolicyCreate.model_fields)


def test_the_readmes_first_steps_are_done_in_the_browser() -> None:
    """Issue 10, item 5: ``make run``, create the admin with the real command, log in, set up in
    ``/admin`` — no curl; the two set-up commands at the top stay as they were."""
    import shlex
    from pathlib import Path

    from app.cli import _parser

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert readme.split("```sh\n", 1)[1].startswith(
        "make run    # installs into .venv, migrates a SQLite file and serves on "
        "http://127.0.0.1:8000\n"
        "make test   # installs with dev extras, runs ruff, mypy and pytest on SQLite and "
        "PostgreSQL\n```"
    )
    steps = readme.split("## First steps", 1)[1].split("\n## ", 1)[0]
    assert "curl" not in steps
    command = next(line for line in steps.splitlines() if "create-admin" in line)
    words = shlex.split(command.split("#", 1)[0])
    assert words[0] == ".venv/bin/liquidpolicy"
    parsed = _parser().parse_args(words[1:])
    assert (parsed.command, parsed.name, len(parsed.password) >= 10) == (
        "create-admin",
        "admin",
        True,
    )
    for place in (
        "/admin",
        "**Units**",
        "**Areas**",
        "**Policies**",
        "**Members**",
        "Privileges in",
    ):
        assert place in steps
    assert "Propose a new initiative" in steps
