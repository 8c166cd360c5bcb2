"""The delegates page /members: members with voting right in a unit, their statements and how
many eligible members delegate to them there (unit scope, direct), sortable, paginated, shown
as PUBLIC_ACCESS allows."""

import html
import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.settings import PublicAccess
from proposals.models import Unit
from proposals.services import delegates
from tests.api.world import ALL_SCOPES, World
from tests.factories import NOW, bearer, grant, make_member, make_token, make_unit
from tests.reads import counting_reads
from tests.web.helpers import web_login

_ROW = re.compile(
    r'<tr>\s*<td><a href="/members/(\d+)">([^<]*)</a>[^\n]*</td>\s*<td>(\d+)</td>', re.S
)
NOT_SHOWN = "Members are shown only to logged-in members on this service"


def rows(text: str) -> list[tuple[str, int]]:
    """(name, delegators) of each row of the table, in order."""
    return [(html.unescape(name), int(count)) for _id, name, count in _ROW.findall(text)]


def _member(world: World, name: str, *units: int) -> int:
    """A new member with voting right in ``units`` (the world's unit by default)."""
    member = make_member(world.db, name=name)
    world.members[name] = member.id or 0
    world.headers[name] = bearer(make_token(world.db, member, scopes=ALL_SCOPES))
    for unit_id in units or (world.unit_id,):
        grant(world.db, Unit(id=unit_id, name="unit", created_at=NOW), member)
    return member.id or 0


def _grant(world: World, unit_id: int, who: str, *, voting: bool = True) -> None:
    response = world.client.put(
        f"/api/v1/units/{unit_id}/privileges/{world.id(who)}",
        headers=world.admin,
        json={"voting_right": voting, "initiative_right": True},
    )
    assert response.status_code == 200, response.text


def _next(text: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', text)
    return html.unescape(found.group(1)) if found else None


class TestCounts:
    def test_counts_direct_unit_delegations_of_eligible_members(
        self, client: TestClient, world: World
    ) -> None:
        _member(world, "D")
        world.delegate("B", "A")
        world.delegate("C", "B")  # C's vote reaches A through B: counted for B only
        world.delegate("D", "A", area_id=world.area_id)  # an area delegation: not counted
        web_login(client, "A")
        response = client.get("/members")
        assert response.status_code == 200
        assert rows(response.text) == [("A", 1), ("B", 1), ("C", 0), ("D", 0)]
        assert "directly to this member (a unit delegation)" in response.text

    def test_a_declined_delegation_does_not_count(self, client: TestClient, world: World) -> None:
        """Issue 12: a declined delegation counts as if it did not exist."""
        world.delegate("B", "A")
        declined = world.delegate("C", "A")
        world.ok("POST", f"/delegations/{declined['id']}/decline", "A")
        web_login(client, "A")
        assert dict(rows(client.get("/members").text))["A"] == 1

    def test_ineligible_delegators_do_not_count(self, client: TestClient, world: World) -> None:
        _member(world, "D")
        _member(world, "E")
        for who in ("B", "C", "D", "E"):
            world.delegate(who, "A")
        admin = world.admin
        deactivated = client.patch(
            f"/api/v1/members/{world.id('C')}", headers=admin, json={"active": False}
        )
        assert deactivated.status_code == 200
        _grant(world, world.unit_id, "D", voting=False)
        web_login(client, "A")
        found = dict(rows(client.get("/members").text))
        assert found["A"] == 2  # B and E; C is inactive, D has no voting right
        assert "D" not in found  # without voting right nobody can delegate to D here

    def test_counts_per_unit(self, client: TestClient, world: World) -> None:
        other = make_unit(world.db, name="Berlin").id or 0
        _member(world, "D", world.unit_id, other)
        for who in ("A", "B"):
            _grant(world, other, who)
        world.delegate("B", "A")
        world.delegate("C", "A")
        world.delegate("B", "D", unit_id=other)
        world.delegate("A", "D", unit_id=other)
        web_login(client, "A")
        first = client.get("/members")
        assert rows(first.text)[0] == ("A", 2)
        assert 'id="unit-choice"' in first.text  # two units: a choice
        berlin = client.get(f"/members?unit_id={other}")
        assert rows(berlin.text) == [("D", 2), ("A", 0), ("B", 0)]
        assert "Delegates in Berlin" in berlin.text

    def test_one_query_whatever_the_number_of_members(self, world: World) -> None:
        for name in ("D", "E", "F", "G", "H"):
            _member(world, name)
            world.delegate(name, "A")
        with world.db.session() as session, counting_reads(world.db) as reads:
            page = delegates.list_delegates(
                session, unit_id=world.unit_id, sort="delegators", after=None, limit=50
            )
        assert [(r.member.name, r.delegators) for r in page.items][:2] == [("A", 5), ("B", 0)]
        selects = [sql for sql, _rows in reads.log if sql.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 1, selects  # (the session's SAVEPOINT aside)


class TestSorting:
    def test_by_delegators_most_first_then_by_name(self, client: TestClient, world: World) -> None:
        world.delegate("A", "C")
        world.delegate("B", "C")
        web_login(client, "A")
        response = client.get("/members")
        assert rows(response.text) == [("C", 2), ("A", 0), ("B", 0)]
        assert '<th scope="col" aria-sort="descending"><a href="' in response.text

    def test_by_name(self, client: TestClient, world: World) -> None:
        world.delegate("A", "C")
        web_login(client, "A")
        page = client.get("/members")
        link = re.search(r'<a href="([^"]+)">Name</a>', page.text)
        assert link is not None
        response = client.get(html.unescape(link.group(1)))
        assert "sort=name" in link.group(1)
        assert rows(response.text) == [("A", 0), ("B", 0), ("C", 1)]
        assert '<th scope="col" aria-sort="ascending">' in response.text

    def test_unknown_sort_is_an_html_error(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        response = client.get("/members?sort=age")
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")
        assert "sort must be name or delegators" in response.text


class TestPagination:
    @pytest.mark.parametrize("sort", ["delegators", "name"])
    def test_next_links_walk_every_member_once(
        self, client: TestClient, world: World, sort: str
    ) -> None:
        for name in ("D", "E"):
            _member(world, name)
        world.delegate("D", "B")
        world.delegate("E", "B")
        world.delegate("A", "E")
        web_login(client, "A")
        seen: list[tuple[str, int]] = []
        url: str | None = f"/members?sort={sort}&limit=2"
        pages = 0
        while url:
            response = client.get(url)
            assert response.status_code == 200
            seen += rows(response.text)
            url = _next(response.text)
            pages += 1
        assert pages == 3
        expected = (
            [("B", 2), ("E", 1), ("A", 0), ("C", 0), ("D", 0)]
            if sort == "delegators"
            else [("A", 0), ("B", 2), ("C", 0), ("D", 0), ("E", 1)]
        )
        assert seen == expected

    def test_bad_cursor_is_an_html_error(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        response = client.get("/members?cursor=bm9wZQ")
        assert response.status_code == 422
        assert "cursor is not valid" in response.text


class TestLinks:
    def test_each_member_links_to_their_page(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        response = client.get("/members")
        for name in ("A", "B", "C"):
            assert f'<a href="/members/{world.id(name)}">{name}</a>' in response.text
        assert client.get(f"/members/{world.id('B')}").status_code == 200

    def test_statement_is_shown(self, client: TestClient, world: World) -> None:
        world.ok("PATCH", "/members/me", "B", json={"statement": "## Cycling\n\n**Safe** streets."})
        web_login(client, "A")
        assert "Cycling Safe streets." in client.get("/members").text  # as plain text

    def test_nav_links_to_the_page(self, client: TestClient, world: World) -> None:
        assert '<a href="/members">Delegates</a>' in client.get("/").text

    def test_unknown_unit_is_not_found(self, client: TestClient, world: World) -> None:
        web_login(client, "A")
        assert client.get("/members?unit_id=999").status_code == 404


class TestVisibility:
    @pytest.mark.parametrize("public_access", [PublicAccess.PSEUDONYM, PublicAccess.FULL])
    def test_visitors_see_members_from_pseudonym_on(self, client: TestClient, world: World) -> None:
        world.delegate("B", "A")
        response = client.get("/members")
        assert response.status_code == 200
        assert rows(response.text) == [("A", 1), ("B", 0), ("C", 0)]
        assert NOT_SHOWN not in response.text

    @pytest.mark.parametrize("public_access", [PublicAccess.PSEUDONYM])
    def test_inactive_is_marked_only_for_who_may_see_it(
        self, client: TestClient, world: World
    ) -> None:
        deactivated = client.patch(
            f"/api/v1/members/{world.id('C')}", headers=world.admin, json={"active": False}
        )
        assert deactivated.status_code == 200
        visitor = client.get("/members").text
        assert ("C", 0) in rows(visitor) and "(inactive)" not in visitor
        web_login(client, "A")
        assert 'C</a> <span class="muted">(inactive)</span>' in client.get("/members").text

    @pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
    def test_anonymous_visitors_get_one_line_why(self, client: TestClient, world: World) -> None:
        response = client.get("/members")
        assert response.status_code == 200
        assert NOT_SHOWN in response.text
        assert rows(response.text) == []
        assert not re.search(r'href="/members/\d+"', response.text)
        assert ">A<" not in response.text

    @pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
    def test_logged_in_members_see_them_at_anonymous(
        self, client: TestClient, world: World
    ) -> None:
        web_login(client, "A")
        response = client.get("/members")
        assert [name for name, _ in rows(response.text)] == ["A", "B", "C"]

    @pytest.mark.parametrize("public_access", [PublicAccess.NONE])
    def test_not_public_asks_to_log_in(self, client: TestClient, world: World) -> None:
        response = client.get("/members", follow_redirects=False)
        assert response.status_code == 303
        assert urlsplit(response.headers["location"]).path == "/login"
