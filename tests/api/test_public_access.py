"""Anonymous reads follow PUBLIC_ACCESS (DESIGN.md §5)."""

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.settings import PublicAccess
from tests.factories import (
    bearer,
    grant,
    make_area,
    make_member,
    make_policy,
    make_token,
    make_unit,
)

STRUCTURE = ["/api/v1/units", "/api/v1/areas", "/api/v1/policies"]


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    unit = make_unit(db)
    area = make_area(db, unit)
    policy = make_policy(db)
    member = make_member(db, email="m@example.org")
    grant(db, unit, member)
    return {
        "unit": unit.id or 0,
        "area": area.id or 0,
        "policy": policy.id or 0,
        "member": member.id or 0,
    }


def member_paths(world: dict[str, int]) -> list[str]:
    return [
        "/api/v1/members",
        f"/api/v1/members/{world['member']}",
        f"/api/v1/units/{world['unit']}/privileges",
    ]


def structure_paths(world: dict[str, int]) -> list[str]:
    return [
        *STRUCTURE,
        f"/api/v1/units/{world['unit']}",
        f"/api/v1/areas/{world['area']}",
        f"/api/v1/policies/{world['policy']}",
    ]


class TestAnonymousReads:
    @pytest.mark.parametrize("public_access", [PublicAccess.NONE])
    def test_none_reads_nothing(self, client: TestClient, world: dict[str, int]) -> None:
        for path in structure_paths(world) + member_paths(world):
            response = client.get(path)
            assert response.status_code == 401, path
            assert "detail" in response.json()

    @pytest.mark.parametrize("public_access", [PublicAccess.NONE])
    def test_none_still_serves_members_with_a_token(
        self, client: TestClient, db: Database, world: dict[str, int]
    ) -> None:
        headers = bearer(make_token(db, make_member(db)))
        for path in structure_paths(world) + member_paths(world):
            assert client.get(path, headers=headers).status_code == 200, path

    @pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
    def test_anonymous_reads_structure_but_not_members(
        self, client: TestClient, world: dict[str, int]
    ) -> None:
        for path in structure_paths(world):
            assert client.get(path).status_code == 200, path
        for path in member_paths(world):
            assert client.get(path).status_code == 401, path

    @pytest.mark.parametrize("public_access", [PublicAccess.PSEUDONYM])
    def test_pseudonym_shows_names_and_statements_only(
        self, client: TestClient, world: dict[str, int]
    ) -> None:
        body = client.get(f"/api/v1/members/{world['member']}").json()
        assert body["name"] and body["statement"] == ""
        assert body["created_at"] is None and body["active"] is None and body["email"] is None
        assert client.get(f"/api/v1/units/{world['unit']}/privileges").status_code == 200

    @pytest.mark.parametrize("public_access", [PublicAccess.FULL])
    def test_full_shows_the_remaining_fields_but_never_email(
        self, client: TestClient, world: dict[str, int]
    ) -> None:
        body = client.get(f"/api/v1/members/{world['member']}").json()
        assert body["created_at"] is not None and body["active"] is True
        assert body["email"] is None

    @pytest.mark.parametrize("public_access", list(PublicAccess))
    def test_members_with_a_token_read_everything(
        self, client: TestClient, db: Database, world: dict[str, int]
    ) -> None:
        headers = bearer(make_token(db, make_member(db)))
        body = client.get(f"/api/v1/members/{world['member']}", headers=headers).json()
        assert body["created_at"] is not None and body["active"] is True
        assert body["email"] is None
