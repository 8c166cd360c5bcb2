"""A small organisation driven through the HTTP API, for end-to-end tests."""

import random
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.factories import (
    bearer,
    grant,
    make_area,
    make_member,
    make_policy,
    make_token,
    make_unit,
)

DAY = 86400
ALL_SCOPES = ["read", "write", "delegate", "vote"]


@dataclass
class World:
    client: TestClient
    db: Database
    clock: FrozenClock
    unit_id: int
    area_id: int
    policy_id: int
    admin: dict[str, str]
    members: dict[str, int] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def call(self, method: str, path: str, who: str | None = None, **kwargs: Any) -> Any:
        headers = self.headers[who] if who else {}
        return self.client.request(method, "/api/v1" + path, headers=headers, **kwargs)

    def ok(self, method: str, path: str, who: str | None = None, **kwargs: Any) -> Any:
        response = self.call(method, path, who, **kwargs)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def propose(self, who: str, name: str = "Proposal", **target: int) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "content": f"Text of {name}"}
        body.update(target or {"area_id": self.area_id, "policy_id": self.policy_id})
        result: dict[str, Any] = self.ok("POST", "/initiatives", who, json=body)
        return result

    def status(self, method: str, path: str, who: str | None = None, **kwargs: Any) -> int:
        """The status code alone, for refusals."""
        status: int = self.call(method, path, who, **kwargs).status_code
        return status

    def support(self, who: str, initiative_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self.ok("PUT", f"/initiatives/{initiative_id}/support", who)
        return result

    def suggest(
        self, who: str, initiative_id: int, degree: int = 2, **fields: Any
    ) -> dict[str, Any]:
        body = {"name": "Suggestion", "content": "Please change", "degree": degree, **fields}
        result: dict[str, Any] = self.ok(
            "POST", f"/initiatives/{initiative_id}/suggestions", who, json=body
        )
        return result

    def rate(self, who: str, suggestion_id: int, degree: int, fulfilled: bool) -> None:
        self.ok(
            "PUT",
            f"/suggestions/{suggestion_id}/opinion",
            who,
            json={"degree": degree, "fulfilled": fulfilled},
        )

    def id(self, name: str) -> int:
        return self.members[name]

    def run(self) -> list[dict[str, Any]]:
        response = self.client.post("/api/v1/admin/lifecycle/run", headers=self.admin)
        assert response.status_code == 200, response.text
        transitions: list[dict[str, Any]] = response.json()["transitions"]
        return transitions

    def step(self, seconds: int = 0) -> list[str]:
        """Advance the clock, run the lifecycle and answer the states reached, in order."""
        self.clock.advance(seconds)
        return [t["to"] for t in self.run()]

    def to_voting(self, issue_id: int) -> None:
        """From admission (quorum reached) to voting, one phase per day."""
        assert self.step() == ["discussion"]
        assert self.step(DAY) == ["verification"]
        assert self.step(DAY) == ["voting"]
        assert self.issue(issue_id)["state"] == "voting"

    def two_in_voting(self, names: list[str]) -> tuple[int, list[int]]:
        """An issue with two initiatives (proposed by the first two ``names``, each supported
        by the first three) taken to voting: its id and the initiatives' ids."""
        first = self.propose(names[0], "First")
        issue: int = first["issue_id"]
        other = self.propose(names[1], "Other", issue_id=issue)
        ids: list[int] = [first["id"], other["id"]]
        for initiative in ids:
            for who in names[:3]:
                self.support(who, initiative)
        self.to_voting(issue)
        return issue, ids

    def issue(self, issue_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self.ok("GET", f"/issues/{issue_id}")
        return result

    def initiative(self, initiative_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self.ok("GET", f"/initiatives/{initiative_id}")
        return result

    def delegate(self, who: str, trustee: str | None, **scope: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "trustee_id": self.members[trustee] if trustee else None,
            **(scope or {"unit_id": self.unit_id}),
        }
        result: dict[str, Any] = self.ok("PUT", "/delegations", who, json=body)
        return result

    def vote(self, who: str, issue_id: int, grades: dict[int, int]) -> Any:
        votes = [{"initiative_id": i, "grade": g} for i, g in grades.items()]
        return self.call("PUT", f"/issues/{issue_id}/ballot", who, json={"votes": votes})

    def voters(self, issue_id: int) -> dict[int, int]:
        """Direct voter -> weight of a closed issue."""
        return {v["member_id"]: v["weight"] for v in self.all_items(f"/issues/{issue_id}/voters")}

    def chain(self, who: str, **scope: int) -> list[dict[str, Any]]:
        params = {"member_id": self.members[who], **scope}
        rows: list[dict[str, Any]] = self.ok("GET", "/delegation-chain", who, params=params)[
            "items"
        ]
        return rows

    def all_items(self, path: str, who: str | None = None, **filters: Any) -> list[dict[str, Any]]:
        """Every item of a list, following ``next_cursor`` (``filters`` are query parameters)."""
        assert "?" not in path, "pass query parameters as keyword arguments"
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 500, **filters}
            if cursor:
                params["cursor"] = cursor
            page = self.ok("GET", path, who, params=params)
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None or not page["items"]:
                return items


def build_world(
    client: TestClient,
    db: Database,
    clock: FrozenClock,
    names: list[str],
    **policy: Any,
) -> World:
    unit = make_unit(db)
    area = make_area(db, unit)
    fields: dict[str, Any] = {
        "min_admission_time": 0,
        "max_admission_time": DAY,
        "discussion_time": DAY,
        "verification_time": DAY,
        "voting_time": DAY,
        "issue_quorum_num": 1,
        "issue_quorum_den": 10,
        "initiative_quorum_num": 1,
        "initiative_quorum_den": 10,
    }
    fields.update(policy)
    made_policy = make_policy(db, **fields)
    admin = make_member(db, is_admin=True)
    world = World(
        client=client,
        db=db,
        clock=clock,
        unit_id=unit.id or 0,
        area_id=area.id or 0,
        policy_id=made_policy.id or 0,
        admin=bearer(make_token(db, admin, scopes=ALL_SCOPES)),
    )
    for name in names:
        member = make_member(db, name=name)
        grant(db, unit, member)
        world.members[name] = member.id or 0
        world.headers[name] = bearer(make_token(db, member, scopes=ALL_SCOPES))
    return world


def scatter(
    world: World,
    rng: random.Random,
    issue_id: int,
    initiative_ids: list[int],
    *,
    vote_share: float,
) -> None:
    """A generated electorate for an issue in voting: each member delegates in each scope with
    probability 0.4 (a fifth of the area and issue rows are blocks), and about ``vote_share`` of
    the members cast random grades on most initiatives."""
    names = list(world.members)
    for name in names:
        for scope in ({}, {"area_id": world.area_id}, {"issue_id": issue_id}):
            if rng.random() < 0.4:
                trustee = rng.choice([n for n in names if n != name])
                blocked = scope and rng.random() < 0.2
                world.delegate(name, None if blocked else trustee, **scope)
    for name in names:
        if rng.random() < vote_share:
            grades = {i: rng.randint(-2, 2) for i in initiative_ids if rng.random() < 0.8}
            assert world.vote(name, issue_id, grades).status_code == 200
