"""Every write endpoint x six actors answers as API.md says (issue 6, "Authorisation matrix").

The actors: ``anonymous`` (no token), ``outsider`` (a member without privilege in the unit),
``member`` (voting and initiative right, not an initiator), ``initiator`` (created the initiative;
same rights as ``member``), ``admin`` (an admin without privilege in the unit: admins have no extra
powers over members' actions, DESIGN.md §1) and ``scopeless`` (the member the request would succeed
for, with a personal token lacking the scope it needs; for login-token-only operations a personal
token with every scope). The other members ask with a personal token holding exactly the scope
the row names (a login token for login-token-only operations). Each row's ``prepare`` builds, per
actor, a target in which the request would succeed for the right actor, so the only thing varying
is who asks.
"""

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.main import create_app
from proposals.clock import FrozenClock
from proposals.models import Member, Unit
from tests.api.world import ALL_SCOPES, World, build_world
from tests.conftest import settings_for_tests
from tests.factories import (
    PASSWORD,
    bearer,
    grant,
    make_member,
    make_policy,
    make_token,
    make_unit,
    policy_fields,
)

ACTORS = ("anonymous", "outsider", "member", "initiator", "admin", "scopeless")
WRITE_METHODS = {"post", "put", "patch", "delete"}
_serial = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_serial)}"


@dataclass
class Call:
    """One request: the concrete path (under /api/v1) and its body."""

    path: str
    json: Any = None
    data: dict[str, str] | None = None


@dataclass
class Matrix:
    """A unit with its members, and the targets the rows need (built lazily, per test)."""

    world: World
    db: Database
    members: dict[str, Member] = field(default_factory=dict)
    personal: dict[str, dict[str, str]] = field(default_factory=dict)
    login: dict[str, dict[str, str]] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    def id(self, who: str) -> int:
        return self.members[who].id or 0

    def login_headers(self, who: str) -> dict[str, str]:
        if who not in self.login:
            self.login[who] = bearer(make_token(self.db, self.members[who]))
        return self.login[who]

    def fresh_member(self) -> Member:
        return make_member(self.db, name=unique("target"))

    def privileged_member(self) -> Member:
        """A new member with both rights in the unit."""
        member = self.fresh_member()
        with self.db.session() as session:
            unit = session.get(Unit, self.world.unit_id)
        assert unit is not None
        grant(self.db, unit, member)
        return member

    # Shared targets ---------------------------------------------------------------------------

    @property
    def initiative(self) -> dict[str, Any]:
        """The initiator's initiative, in admission."""
        if "initiative" not in self.cache:
            self.cache["initiative"] = self.world.propose("initiator", "Base")
        initiative: dict[str, Any] = self.cache["initiative"]
        return initiative

    @property
    def suggestion(self) -> dict[str, Any]:
        """A suggestion on the initiative by ``author``, whose opinion keeps it alive."""
        if "suggestion" not in self.cache:
            self.cache["suggestion"] = self.world.suggest("author", self.initiative["id"])
        suggestion: dict[str, Any] = self.cache["suggestion"]
        return suggestion

    def new_suggestion(self) -> dict[str, Any]:
        return self.world.suggest(
            "author", self.initiative["id"], replacement_content="Better text"
        )

    @property
    def voting(self) -> dict[str, Any]:
        """An initiative admitted in an issue in voting (the only issue of this test)."""
        if "voting" not in self.cache:
            assert "initiative" not in self.cache, "the voting issue must be the only issue"
            initiative = self.world.propose("initiator", "Voted")
            self.world.support("member", initiative["id"])
            self.world.to_voting(initiative["issue_id"])
            self.cache["voting"] = initiative
        voting: dict[str, Any] = self.cache["voting"]
        return voting


ELIGIBLE = ("member", "initiator")  # hold voting right in the unit


def invited(m: Matrix, who: str) -> Call:
    """The initiator has invited ``who`` (unless already invited or an initiator)."""
    path = f"/initiatives/{m.initiative['id']}/initiators"
    listed = m.world.ok("GET", path, "initiator")
    if m.id(who) not in {i["member_id"] for i in listed["items"]}:
        m.world.ok("POST", path, "initiator", json={"member_id": m.id(who)})
    return Call(path + "/me", {"accepted": True})


def own_opinion(m: Matrix, who: str) -> Call:
    """``who`` holds an opinion on the suggestion, where they may rate it."""
    if who in ELIGIBLE:
        m.world.rate(who, m.suggestion["id"], -1, False)
    return Call(f"/suggestions/{m.suggestion['id']}/opinion")


def own_token_id(m: Matrix, who: str) -> int:
    body = {"name": unique("spare"), "scopes": ["read"]}
    response = m.world.client.post("/api/v1/tokens", json=body, headers=m.login_headers(who))
    assert response.status_code == 201, response.text
    token_id: int = response.json()["id"]
    return token_id


PUBLIC_HOOK = "https://93.184.215.14/hook"  # a public address: accepted without a name lookup


def own_webhook_id(m: Matrix, who: str) -> int:
    response = m.world.client.post(
        "/api/v1/webhooks", json={"url": PUBLIC_HOOK}, headers=m.login_headers(who)
    )
    assert response.status_code == 201, response.text
    webhook_id: int = response.json()["id"]
    return webhook_id


def delegation_to_delete(m: Matrix, who: str) -> int:
    """``who``'s own delegation where they may delegate, else someone else's."""
    truster = who if who in ELIGIBLE else "author"
    delegation_id: int = m.world.delegate(truster, "trustee")["id"]
    return delegation_id


def delegation_to_decline(m: Matrix, who: str) -> Call:
    """A delegation of ``author`` to ``who`` (a trustee need not be eligible: any member may be
    one, and may decline)."""
    delegation = m.world.ok(
        "PUT", "/delegations", "author", json={"unit_id": m.world.unit_id, "trustee_id": m.id(who)}
    )
    return Call(f"/delegations/{delegation['id']}/decline")


def voting_ballot(m: Matrix, who: str) -> Call:
    initiative = m.voting
    if who in ELIGIBLE:
        assert m.world.vote(who, initiative["issue_id"], {initiative["id"]: 1}).status_code == 200
    return Call(f"/issues/{initiative['issue_id']}/ballot")


def policy_body() -> dict[str, Any]:
    return policy_fields(name=unique("Policy"))


Prepare = Callable[[Matrix, str], Call]


@dataclass(frozen=True)
class Row:
    """An endpoint (as OpenAPI names it), the statuses per actor in ACTORS order, and what the
    ``scopeless`` token lacks: a scope, ``login`` (a personal token with every scope), or None
    (any token will do: that actor holds a ``read``-only token)."""

    method: str
    path: str
    expected: tuple[int, int, int, int, int, int]
    prepare: Prepare
    needs: str | None
    holder: str = "member"  # who the request succeeds for, and whose token is ``scopeless``
    variant: str = ""

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}" + (f" ({self.variant})" if self.variant else "")


# fmt: off
#    method, path, (anonymous, outsider, member, initiator, admin, scopeless), prepare, needs
ROWS = [
    # Auth and members -----------------------------------------------------------------------
    Row("POST", "/api/v1/auth/token", (200, 200, 200, 200, 200, 200),
        lambda m, who: Call("/auth/token", data={"username": m.members[who].name,
                                                  "password": PASSWORD}), None),
    Row("POST", "/api/v1/auth/logout", (401, 204, 204, 204, 204, 204),
        lambda m, who: Call("/auth/logout"), None),
    Row("POST", "/api/v1/tokens", (401, 201, 201, 201, 201, 403),
        lambda m, who: Call("/tokens", {"name": "app", "scopes": ["read"]}), "login"),
    Row("DELETE", "/api/v1/tokens/{token_id}", (401, 204, 204, 204, 204, 403),
        lambda m, who: Call(f"/tokens/{own_token_id(m, who)}"), "login"),
    Row("POST", "/api/v1/members", (401, 403, 403, 403, 201, 403),
        lambda m, who: Call("/members", {"name": unique("new"), "password": PASSWORD}),
        "write", "admin"),
    Row("PATCH", "/api/v1/members/me", (401, 200, 200, 200, 200, 403),
        lambda m, who: Call("/members/me", {"statement": "I read every draft"}), "write"),
    Row("PATCH", "/api/v1/members/me", (401, 200, 200, 200, 200, 403),
        lambda m, who: Call("/members/me", {"password": "another long password",
                                            "current_password": PASSWORD}), "login",
        variant="password"),
    Row("PATCH", "/api/v1/members/{member_id}", (401, 403, 403, 403, 200, 403),
        lambda m, who: Call(f"/members/{m.fresh_member().id}", {"active": False}),
        "write", "admin"),
    Row("PATCH", "/api/v1/members/{member_id}", (401, 403, 403, 403, 200, 403),
        lambda m, who: Call(f"/members/{m.fresh_member().id}", {"password": "set by an admin"}),
        "write", "admin", variant="password"),
    # Structure ------------------------------------------------------------------------------
    Row("POST", "/api/v1/units", (401, 403, 403, 403, 201, 403),
        lambda m, who: Call("/units", {"name": unique("Branch")}), "write", "admin"),
    Row("PUT", "/api/v1/units/{unit_id}/privileges/{member_id}", (401, 403, 403, 403, 200, 403),
        lambda m, who: Call(f"/units/{m.world.unit_id}/privileges/{m.fresh_member().id}",
                            {"voting_right": True, "initiative_right": True}),
        "write", "admin"),
    Row("DELETE", "/api/v1/units/{unit_id}/privileges/{member_id}",
        (401, 403, 403, 403, 204, 403),
        lambda m, who: Call(f"/units/{m.world.unit_id}/privileges/{m.privileged_member().id}"),
        "write", "admin"),
    Row("POST", "/api/v1/areas", (401, 403, 403, 403, 201, 403),
        lambda m, who: Call("/areas", {"unit_id": m.world.unit_id, "name": unique("Housing")}),
        "write", "admin"),
    Row("POST", "/api/v1/policies", (401, 403, 403, 403, 201, 403),
        lambda m, who: Call("/policies", policy_body()), "write", "admin"),
    Row("PATCH", "/api/v1/policies/{policy_id}", (401, 403, 403, 403, 200, 403),
        lambda m, who: Call(f"/policies/{make_policy(m.db, name=unique('P')).id}",
                            {"active": False}),
        "write", "admin"),
    Row("POST", "/api/v1/admin/lifecycle/run", (401, 403, 403, 403, 200, 403),
        lambda m, who: Call("/admin/lifecycle/run"), "write", "admin"),
    # Issues and initiatives -----------------------------------------------------------------
    Row("POST", "/api/v1/issues/{issue_id}/cancel", (401, 403, 403, 403, 200, 403),
        lambda m, who: Call(f"/issues/{m.world.propose('initiator')['issue_id']}/cancel"),
        "write", "admin"),
    Row("POST", "/api/v1/initiatives", (401, 403, 201, 201, 403, 403),
        lambda m, who: Call("/initiatives", {"area_id": m.world.area_id,
                                             "policy_id": m.world.policy_id,
                                             "name": "New", "content": "Text"}), "write"),
    Row("POST", "/api/v1/initiatives", (401, 403, 201, 201, 403, 403),
        lambda m, who: Call("/initiatives", {"issue_id": m.initiative["issue_id"],
                                             "name": "Rival", "content": "Text"}), "write",
        variant="competing"),
    Row("POST", "/api/v1/initiatives/{initiative_id}/drafts", (401, 403, 403, 201, 403, 403),
        lambda m, who: Call(f"/initiatives/{m.initiative['id']}/drafts", {"content": "v2"}),
        "write", "initiator"),
    Row("POST", "/api/v1/initiatives/{initiative_id}/revoke", (401, 403, 403, 200, 403, 403),
        lambda m, who: Call(f"/initiatives/{m.world.propose('initiator')['id']}/revoke", {}),
        "write", "initiator"),
    Row("POST", "/api/v1/initiatives/{initiative_id}/initiators",
        (401, 403, 403, 201, 403, 403),
        lambda m, who: Call(f"/initiatives/{m.initiative['id']}/initiators",
                            {"member_id": m.fresh_member().id}),
        "write", "initiator"),
    # The asker has been invited (the initiator is one already); accepting needs initiative right.
    Row("PUT", "/api/v1/initiatives/{initiative_id}/initiators/me",
        (401, 403, 200, 200, 403, 403),
        invited, "write"),
    # Participation --------------------------------------------------------------------------
    Row("PUT", "/api/v1/issues/{issue_id}/interest", (401, 403, 204, 204, 403, 403),
        lambda m, who: Call(f"/issues/{m.initiative['issue_id']}/interest"), "write"),
    Row("DELETE", "/api/v1/issues/{issue_id}/interest", (401, 403, 204, 204, 403, 403),
        lambda m, who: Call(f"/issues/{m.initiative['issue_id']}/interest"), "write"),
    Row("PUT", "/api/v1/initiatives/{initiative_id}/support", (401, 403, 200, 200, 403, 403),
        lambda m, who: Call(f"/initiatives/{m.initiative['id']}/support", {}), "write"),
    Row("DELETE", "/api/v1/initiatives/{initiative_id}/support", (401, 403, 204, 204, 403, 403),
        lambda m, who: Call(f"/initiatives/{m.initiative['id']}/support"), "write"),
    Row("POST", "/api/v1/initiatives/{initiative_id}/suggestions",
        (401, 403, 201, 201, 403, 403),
        lambda m, who: Call(f"/initiatives/{m.initiative['id']}/suggestions",
                            {"name": "Idea", "content": "Please add a bus lane"}), "write"),
    Row("PUT", "/api/v1/suggestions/{suggestion_id}/opinion", (401, 403, 200, 200, 403, 403),
        lambda m, who: Call(f"/suggestions/{m.suggestion['id']}/opinion",
                            {"degree": 1, "fulfilled": False}), "write"),
    Row("DELETE", "/api/v1/suggestions/{suggestion_id}/opinion", (401, 403, 204, 204, 403, 403),
        own_opinion, "write"),
    Row("POST", "/api/v1/suggestions/{suggestion_id}/accept", (401, 403, 403, 200, 403, 403),
        lambda m, who: Call(f"/suggestions/{m.new_suggestion()['id']}/accept"),
        "write", "initiator"),
    Row("POST", "/api/v1/suggestions/{suggestion_id}/reject", (401, 403, 403, 200, 403, 403),
        lambda m, who: Call(f"/suggestions/{m.new_suggestion()['id']}/reject",
                            {"reason": "Out of scope"}), "write", "initiator"),
    # Delegation and voting ------------------------------------------------------------------
    Row("PUT", "/api/v1/delegations", (401, 403, 200, 200, 403, 403),
        lambda m, who: Call("/delegations", {"unit_id": m.world.unit_id,
                                             "trustee_id": m.id("trustee")}), "delegate"),
    # Only the truster revokes: eligible actors their own, the others the author's.
    Row("DELETE", "/api/v1/delegations/{delegation_id}", (401, 403, 204, 204, 403, 403),
        lambda m, who: Call(f"/delegations/{delegation_to_delete(m, who)}"), "delegate"),
    # Only the trustee declines: each actor a delegation to them (any member may be a trustee).
    Row("POST", "/api/v1/delegations/{delegation_id}/decline", (401, 200, 200, 200, 200, 403),
        delegation_to_decline, "delegate"),
    Row("PUT", "/api/v1/issues/{issue_id}/ballot", (401, 403, 200, 200, 403, 403),
        lambda m, who: Call(f"/issues/{m.voting['issue_id']}/ballot",
                            {"votes": [{"initiative_id": m.voting["id"], "grade": 1}]}), "vote"),
    Row("DELETE", "/api/v1/issues/{issue_id}/ballot", (401, 403, 204, 204, 403, 403),
        voting_ballot, "vote"),
    # Notifications (issue 11): any member follows any area and reads only their own inbox --------
    Row("PUT", "/api/v1/areas/{area_id}/subscription", (401, 204, 204, 204, 204, 403),
        lambda m, who: Call(f"/areas/{m.world.area_id}/subscription"), "write"),
    Row("DELETE", "/api/v1/areas/{area_id}/subscription", (401, 204, 204, 204, 204, 403),
        lambda m, who: Call(f"/areas/{m.world.area_id}/subscription"), "write"),
    # Webhooks (each member's own) -----------------------------------------------------------
    Row("POST", "/api/v1/webhooks", (401, 201, 201, 201, 201, 403),
        lambda m, who: Call("/webhooks", {"url": PUBLIC_HOOK}), "write"),
    Row("DELETE", "/api/v1/webhooks/{webhook_id}", (401, 204, 204, 204, 204, 403),
        lambda m, who: Call(f"/webhooks/{own_webhook_id(m, who)}"), "write"),
    Row("POST", "/api/v1/members/me/notifications/read", (401, 204, 204, 204, 204, 403),
        lambda m, who: Call("/members/me/notifications/read", {"up_to_id": 1}), "write"),
    Row("PUT", "/api/v1/members/me/notification-settings", (401, 200, 200, 200, 200, 403),
        lambda m, who: Call("/members/me/notification-settings",
                            {"email_frequency": "weekly"}), "write"),
    # This app sends no e-mail (no SMTP_URL): 409 once the token may ask
    # (the 202 is in tests/api/test_notification_settings.py).
    Row("POST", "/api/v1/members/me/email/verification", (401, 409, 409, 409, 409, 403),
        lambda m, who: Call("/members/me/email/verification"), "write", variant="no SMTP"),
]
# fmt: on


@functools.cache
def openapi_paths() -> dict[str, Any]:
    """The app's OpenAPI ``paths`` (the same for every app: computed once)."""
    paths: dict[str, Any] = create_app(settings_for_tests()).openapi()["paths"]
    return paths


def test_every_write_endpoint_has_a_row() -> None:
    """A new write endpoint without a row here fails this test."""
    served = {
        (method.upper(), path)
        for path, operations in openapi_paths().items()
        if path.startswith("/api/v1/")
        for method in operations
        if method in WRITE_METHODS
    }
    covered = {(row.method, row.path) for row in ROWS}
    assert served - covered == set(), "write endpoints without a row in the matrix"
    assert covered - served == set(), "rows for endpoints the app does not serve"
    assert len({row.name for row in ROWS}) == len(ROWS)


def build_matrix(client: TestClient, db: Database, clock: FrozenClock) -> Matrix:
    world = build_world(client, db, clock, ["initiator", "member", "author", "trustee"])
    matrix = Matrix(world, db)
    outsider = make_member(db, name="outsider")
    admin = make_member(db, name="admin", is_admin=True)
    # The outsider holds a privilege elsewhere only: nothing in this unit.
    grant(db, make_unit(db, name="Elsewhere"), outsider)
    with db.session() as session:
        for name, member_id in world.members.items():
            row = session.get(Member, member_id)
            assert row is not None
            matrix.members[name] = row
    matrix.members.update(outsider=outsider, admin=admin)
    for name in ("outsider", "admin"):
        world.headers[name] = bearer(make_token(db, matrix.members[name], scopes=ALL_SCOPES))
    matrix.personal = world.headers
    return matrix


def scopeless_headers(m: Matrix, row: Row) -> dict[str, str]:
    if row.needs == "login":
        scopes = ALL_SCOPES
    elif row.needs is None:
        scopes = ["read"]
    else:
        scopes = [s for s in ALL_SCOPES if s != row.needs]
    return bearer(make_token(m.db, m.members[row.holder], scopes=scopes))


def ask(m: Matrix, row: Row, actor: str) -> tuple[int, Any]:
    who = row.holder if actor in ("anonymous", "scopeless") else actor
    call = row.prepare(m, who)
    if actor == "anonymous":
        headers: dict[str, str] = {}
    elif actor == "scopeless":
        headers = scopeless_headers(m, row)
    elif row.needs == "login":
        headers = m.login_headers(who)
    elif row.needs is None:
        headers = m.personal[who]
    else:  # exactly the scope the row names: enough, and the one the scopeless token lacks
        headers = bearer(make_token(m.db, m.members[who], scopes=[row.needs]))
    response = m.world.client.request(
        row.method, "/api/v1" + call.path, headers=headers, json=call.json, data=call.data
    )
    return response.status_code, response.json() if response.content else None


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_write_endpoint_answers_each_actor_as_api_md_says(
    row: Row, client: TestClient, db: Database, clock: FrozenClock
) -> None:
    matrix = build_matrix(client, db, clock)
    operation = openapi_paths()[row.path][row.method.lower()]
    documented = {int(status) for status in operation["responses"]}
    wrong: dict[str, tuple[int, int, Any]] = {}
    for actor, expected in zip(ACTORS, row.expected, strict=True):
        status, body = ask(matrix, row, actor)
        assert status in documented, f"{actor}: {status} is not in the OpenAPI entry"
        if status != expected:
            wrong[actor] = (expected, status, body)
        elif status >= 400:
            assert isinstance(body, dict), (actor, body)
            assert set(body) == {"detail"}, (actor, body)
            assert isinstance(body["detail"], str), (actor, body)
    assert wrong == {}, "actor: (expected, got, body)"


class TestRefusalsComeBeforeConflicts:
    """API.md: 401/403 come before 409, so a refused actor learns nothing about the state."""

    def test_in_voting_and_after_close(
        self, client: TestClient, db: Database, clock: FrozenClock
    ) -> None:
        m = build_matrix(client, db, clock)
        initiative = m.voting  # drafts, support, suggestions, interest: all 409 now
        issue_id, initiative_id = initiative["issue_id"], initiative["id"]
        # (refused actor, the actor who only meets the state conflict, request)
        frozen: list[tuple[str, str, str, str, Any]] = [
            ("member", "initiator", "POST", f"/initiatives/{initiative_id}/drafts",
             {"content": "v2"}),
            ("member", "initiator", "POST", f"/initiatives/{initiative_id}/revoke", {}),
            ("admin", "initiator", "POST", f"/initiatives/{initiative_id}/drafts",
             {"content": "v2"}),
            ("outsider", "member", "PUT", f"/initiatives/{initiative_id}/support", {}),
            ("admin", "member", "PUT", f"/issues/{issue_id}/interest", None),
            ("outsider", "member", "POST", f"/initiatives/{initiative_id}/suggestions",
             {"name": "Late", "content": "Too late"}),
        ]  # fmt: skip
        for who, right, method, path, body in frozen:
            assert m.world.status(method, path, right, json=body) == 409, (right, method, path)
            assert m.world.status(method, path, who, json=body) == 403, (who, method, path)
            assert m.world.status(method, path, None, json=body) == 401, (method, path)
        m.world.step(86400)  # voting ends: the issue is closed
        assert m.world.issue(issue_id)["state"].startswith("finished")
        to_author = {"issue_id": issue_id, "trustee_id": m.id("author")}
        closed: list[tuple[str, str, str, Any]] = [
            ("outsider", "PUT", f"/issues/{issue_id}/ballot", {"votes": []}),
            ("admin", "PUT", f"/issues/{issue_id}/ballot", {"votes": []}),
            ("member", "POST", f"/issues/{issue_id}/cancel", None),
            ("outsider", "PUT", "/delegations", to_author),
        ]  # fmt: skip
        for who, method, path, body in closed:
            assert m.world.status(method, path, who, json=body) == 403, (who, method, path)
        for needs, path, body in [
            ("vote", f"/issues/{issue_id}/ballot", {"votes": []}),
            ("delegate", "/delegations", to_author),
        ]:
            lacking = [s for s in ALL_SCOPES if s != needs]
            headers = bearer(make_token(db, m.members["member"], scopes=lacking))
            response = client.put("/api/v1" + path, json=body, headers=headers)
            assert response.status_code == 403, (needs, response.text)
            assert m.world.status("PUT", path, "member", json=body) == 409

    def test_on_duplicates(self, client: TestClient, db: Database, clock: FrozenClock) -> None:
        m = build_matrix(client, db, clock)
        initiative_id = m.initiative["id"]
        accepted = m.new_suggestion()["id"]
        m.world.ok("POST", f"/suggestions/{accepted}/accept", "initiator")
        invite = {"member_id": m.id("author")}
        m.world.ok("POST", f"/initiatives/{initiative_id}/initiators", "initiator", json=invite)
        # (refused actor, the actor who only meets the conflict, request)
        duplicates: list[tuple[str, str, str, str, Any]] = [
            ("member", "admin", "POST", "/members", {"name": "member", "password": PASSWORD}),
            ("member", "admin", "PATCH", f"/members/{m.id('admin')}", {"is_admin": False}),
            ("member", "initiator", "POST", f"/initiatives/{initiative_id}/initiators", invite),
            ("member", "initiator", "POST", f"/suggestions/{accepted}/accept", None),
            ("admin", "initiator", "POST", f"/suggestions/{accepted}/reject", {"reason": "No"}),
        ]  # fmt: skip
        for who, right, method, path, body in duplicates:
            assert m.world.status(method, path, right, json=body) == 409, (right, method, path)
            assert m.world.status(method, path, who, json=body) == 403, (who, method, path)
            assert m.world.status(method, path, None, json=body) == 401, (method, path)


class TestEachRightAlone:
    """DESIGN.md §1: voting right and initiative right are separate; neither implies the other."""

    def test_voting_right_alone_and_initiative_right_alone(
        self, client: TestClient, db: Database, clock: FrozenClock
    ) -> None:
        m = build_matrix(client, db, clock)
        with db.session() as session:
            unit = session.get(Unit, m.world.unit_id)
        assert unit is not None
        for name, voting in (("voter", True), ("drafter", False)):
            member = make_member(db, name=name)
            m.members[name] = member
            m.world.headers[name] = bearer(make_token(db, member, scopes=ALL_SCOPES))
            grant(db, unit, member, voting=voting, initiative=not voting)
        new = {"area_id": m.world.area_id, "policy_id": m.world.policy_id}
        body = {**new, "name": "Mine", "content": "Text"}
        assert m.world.status("POST", "/initiatives", "voter", json=body) == 403
        own = m.world.ok("POST", "/initiatives", "drafter", json=body)
        assert m.world.status("PUT", f"/initiatives/{own['id']}/support", "drafter") == 403
        assert m.world.status("PUT", f"/initiatives/{own['id']}/support", "voter") == 200
        path = f"/initiatives/{own['id']}/drafts"
        assert m.world.status("POST", path, "drafter", json={"content": "v2"}) == 201
        # Accepting an invitation needs initiative right, not voting right.
        initiators = f"/initiatives/{own['id']}/initiators"
        for name in ("voter", "initiator"):
            m.world.ok("POST", initiators, "drafter", json={"member_id": m.id(name)})
        answer = {"accepted": True}
        assert m.world.status("PUT", initiators + "/me", "voter", json=answer) == 403
        assert m.world.status("PUT", initiators + "/me", "initiator", json=answer) == 200
