"""One member-visibility rule (issue 10, "How to build it"): the API and the pages ask the same
function (``app.deps.shows_members``), so at every ``PUBLIC_ACCESS`` level they agree on whether
a visitor sees members."""

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.deps import Viewer, shows_members
from app.settings import PublicAccess
from tests.api.world import World
from tests.factories import make_member
from tests.web.helpers import proposal, web_login

LEVELS = [PublicAccess.NONE, PublicAccess.ANONYMOUS, PublicAccess.PSEUDONYM, PublicAccess.FULL]


class TestTheRule:
    @pytest.mark.parametrize("access", LEVELS)
    def test_a_visitor_sees_members_from_pseudonym_on(self, access: PublicAccess) -> None:
        expected = access in (PublicAccess.PSEUDONYM, PublicAccess.FULL)
        assert shows_members(None, access) is expected
        assert Viewer(None, access).shows_members is expected

    @pytest.mark.parametrize("access", LEVELS)
    def test_a_member_always_does(self, db: Database, access: PublicAccess) -> None:
        member = make_member(db, name="M")
        assert shows_members(member, access) is True
        assert Viewer(member, access).shows_members is True


def _api_shows_members(client: TestClient, world: World, headers: dict[str, str]) -> bool:
    response = client.get(f"/api/v1/members/{world.members['A']}", headers=headers)
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


def _page_shows_members(client: TestClient, world: World) -> bool:
    response = client.get(f"/members/{world.members['A']}", follow_redirects=False)
    assert response.status_code in (200, 303), response.text[:500]
    return response.status_code == 200


def _api_names_authors(client: TestClient, initiative_id: int, headers: dict[str, str]) -> bool:
    response = client.get(f"/api/v1/initiatives/{initiative_id}/drafts", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"][0]["author_id"] is not None


def _page_names_authors(client: TestClient, world: World, initiative_id: int) -> bool:
    page = client.get(f"/initiatives/{initiative_id}")
    assert page.status_code == 200
    return f'href="/members/{world.members["A"]}"' in page.text


class TestApiAndPagesAgree:
    @pytest.mark.parametrize("public_access", LEVELS)
    def test_for_a_visitor(
        self, client: TestClient, world: World, public_access: PublicAccess
    ) -> None:
        expected = shows_members(None, public_access)
        assert _api_shows_members(client, world, {}) is expected
        assert _page_shows_members(client, world) is expected
        if public_access != PublicAccess.NONE:  # else neither answers a visitor at all
            initiative = proposal(world)
            assert _api_names_authors(client, initiative["id"], {}) is expected
            assert _page_names_authors(client, world, initiative["id"]) is expected

    @pytest.mark.parametrize("public_access", LEVELS)
    def test_for_a_member(
        self, client: TestClient, world: World, public_access: PublicAccess
    ) -> None:
        initiative = proposal(world)
        headers = world.headers["B"]
        web_login(client, "B")
        assert _api_shows_members(client, world, headers) is True
        assert _page_shows_members(client, world) is True
        assert _api_names_authors(client, initiative["id"], headers) is True
        assert _page_names_authors(client, world, initiative["id"]) is True
