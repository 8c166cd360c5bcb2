"""Units, privileges, areas and policies (API.md "Structure")."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from tests.factories import (
    POLICY_FIELDS,
    bearer,
    grant,
    make_area,
    make_member,
    make_policy,
    make_token,
    make_unit,
)


@pytest.fixture
def admin_headers(db: Database) -> dict[str, str]:
    return bearer(make_token(db, make_member(db, is_admin=True)))


@pytest.fixture
def member_headers(db: Database) -> dict[str, str]:
    return bearer(make_token(db, make_member(db)))


class TestUnits:
    def test_create_and_read(self, client: TestClient, admin_headers: dict[str, str]) -> None:
        parent = client.post("/api/v1/units", json={"name": "Party"}, headers=admin_headers)
        assert parent.status_code == 201
        child = client.post(
            "/api/v1/units",
            json={"name": "Berlin", "description": "branch", "parent_id": parent.json()["id"]},
            headers=admin_headers,
        )
        assert child.status_code == 201
        assert child.json() == {
            "id": child.json()["id"],
            "name": "Berlin",
            "description": "branch",
            "parent_id": parent.json()["id"],
            "member_count": 0,
        }
        assert client.get(f"/api/v1/units/{child.json()['id']}").json() == child.json()
        assert len(client.get("/api/v1/units").json()["items"]) == 2

    def test_unknown_parent_is_404(self, client: TestClient, admin_headers: dict[str, str]) -> None:
        response = client.post(
            "/api/v1/units", json={"name": "x", "parent_id": 424242}, headers=admin_headers
        )
        assert response.status_code == 404

    def test_member_count_counts_eligible_members_only(
        self, client: TestClient, db: Database
    ) -> None:
        unit = make_unit(db)
        voter, initiator_only, inactive = make_member(db), make_member(db), make_member(db)
        grant(db, unit, voter)
        grant(db, unit, initiator_only, voting=False, initiative=True)
        grant(db, unit, inactive)
        admin_headers = bearer(make_token(db, make_member(db, is_admin=True)))
        client.patch(
            f"/api/v1/members/{inactive.id}", json={"active": False}, headers=admin_headers
        )
        assert client.get(f"/api/v1/units/{unit.id}").json()["member_count"] == 1


class TestPrivileges:
    def test_grant_change_and_revoke(
        self, client: TestClient, db: Database, admin_headers: dict[str, str]
    ) -> None:
        unit, alice = make_unit(db), make_member(db)
        path = f"/api/v1/units/{unit.id}/privileges/{alice.id}"
        response = client.put(
            path, json={"voting_right": True, "initiative_right": False}, headers=admin_headers
        )
        assert response.status_code == 200
        assert response.json() == {
            "unit_id": unit.id,
            "member_id": alice.id,
            "voting_right": True,
            "initiative_right": False,
        }
        listed = client.get(f"/api/v1/units/{unit.id}/privileges").json()["items"]
        assert [(p["member_id"], p["voting_right"]) for p in listed] == [(alice.id, True)]
        response = client.put(
            path, json={"voting_right": False, "initiative_right": False}, headers=admin_headers
        )
        assert response.status_code == 200
        assert client.get(f"/api/v1/units/{unit.id}/privileges").json()["items"] == []

    def test_delete(self, client: TestClient, db: Database, admin_headers: dict[str, str]) -> None:
        unit, alice = make_unit(db), make_member(db)
        grant(db, unit, alice)
        path = f"/api/v1/units/{unit.id}/privileges/{alice.id}"
        assert client.delete(path, headers=admin_headers).status_code == 204
        assert client.delete(path, headers=admin_headers).status_code == 404

    def test_unknown_member_is_404(
        self, client: TestClient, db: Database, admin_headers: dict[str, str]
    ) -> None:
        unit = make_unit(db)
        response = client.put(
            f"/api/v1/units/{unit.id}/privileges/999999",
            json={"voting_right": True, "initiative_right": True},
            headers=admin_headers,
        )
        assert response.status_code == 404


class TestAreas:
    def test_create_list_and_filter(
        self, client: TestClient, db: Database, admin_headers: dict[str, str]
    ) -> None:
        first, second = make_unit(db, name="A"), make_unit(db, name="B")
        created = client.post(
            "/api/v1/areas", json={"unit_id": first.id, "name": "Transport"}, headers=admin_headers
        )
        assert created.status_code == 201
        assert created.json()["unit_id"] == first.id
        make_area(db, second, name="Housing")
        names = [a["name"] for a in client.get(f"/api/v1/areas?unit_id={first.id}").json()["items"]]
        assert names == ["Transport"]
        assert len(client.get("/api/v1/areas").json()["items"]) == 2
        assert client.get(f"/api/v1/areas/{created.json()['id']}").json() == created.json()

    def test_unknown_unit_is_404(self, client: TestClient, admin_headers: dict[str, str]) -> None:
        response = client.post(
            "/api/v1/areas", json={"unit_id": 999999, "name": "x"}, headers=admin_headers
        )
        assert response.status_code == 404


def policy_body(**overrides: Any) -> dict[str, Any]:
    return {**POLICY_FIELDS, **overrides}


class TestPolicies:
    def test_create_with_defaults(self, client: TestClient, admin_headers: dict[str, str]) -> None:
        response = client.post("/api/v1/policies", json=policy_body(), headers=admin_headers)
        assert response.status_code == 201
        body = response.json()
        assert body["active"] is True
        assert (body["direct_majority_num"], body["direct_majority_den"]) == (1, 2)
        assert body["direct_majority_strict"] is True
        assert body["defeat_strength"] == "tuple" and body["tie_breaking"] == "variant1"
        assert body["no_reverse_beat_path"] is False
        assert client.get(f"/api/v1/policies/{body['id']}").json() == body

    @pytest.mark.parametrize(
        ("overrides", "detail"),
        [
            (
                {"min_admission_time": 10, "max_admission_time": 5},
                "min_admission_time must not exceed max_admission_time",
            ),
            ({"issue_quorum_den": 0}, "issue_quorum_den must be at least 1"),
            ({"initiative_quorum_num": -1}, "initiative_quorum_num must not be negative"),
            ({"direct_majority_den": 0}, "direct_majority_den must be at least 1"),
            ({"indirect_majority_num": -2}, "indirect_majority_num must not be negative"),
            (
                {"no_reverse_beat_path": True, "defeat_strength": "simple"},
                "no_reverse_beat_path needs defeat_strength 'tuple'",
            ),
        ],
    )
    def test_content_rules_are_422_with_a_string_detail(
        self,
        client: TestClient,
        admin_headers: dict[str, str],
        overrides: dict[str, Any],
        detail: str,
    ) -> None:
        response = client.post(
            "/api/v1/policies", json=policy_body(**overrides), headers=admin_headers
        )
        assert response.status_code == 422
        assert response.json() == {"detail": detail}

    def test_deactivate(
        self, client: TestClient, db: Database, admin_headers: dict[str, str]
    ) -> None:
        policy = make_policy(db)
        response = client.patch(
            f"/api/v1/policies/{policy.id}", json={"active": False}, headers=admin_headers
        )
        assert response.status_code == 200 and response.json()["active"] is False


class TestAdminOnly:
    """A member's token is refused (403) on every structure write an admin may make."""

    def test_member_is_refused_everywhere(
        self, client: TestClient, db: Database, member_headers: dict[str, str]
    ) -> None:
        unit, other, policy = make_unit(db), make_member(db), make_policy(db)
        calls = [
            ("POST", "/api/v1/members", {"name": "x", "password": "0123456789"}),
            ("PATCH", f"/api/v1/members/{other.id}", {"active": False}),
            ("POST", "/api/v1/units", {"name": "x"}),
            (
                "PUT",
                f"/api/v1/units/{unit.id}/privileges/{other.id}",
                {"voting_right": True, "initiative_right": True},
            ),
            ("DELETE", f"/api/v1/units/{unit.id}/privileges/{other.id}", None),
            ("POST", "/api/v1/areas", {"unit_id": unit.id, "name": "x"}),
            ("POST", "/api/v1/policies", policy_body()),
            ("PATCH", f"/api/v1/policies/{policy.id}", {"active": False}),
        ]
        for method, path, body in calls:
            response = client.request(method, path, json=body, headers=member_headers)
            assert response.status_code == 403, (method, path, response.text)
            assert response.json() == {"detail": "only an admin may do this"}
            anonymous = client.request(method, path, json=body)
            assert anonymous.status_code == 401, (method, path)
