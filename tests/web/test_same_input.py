"""The web forms and the API accept the same input and refuse it with the same words (issue 10,
"How to build it"): each form is checked by its endpoint's Pydantic schema (``app.schemas``),
then by the same service. For every form, inputs the API refuses are sent both ways here; the
page says what the API says (its string ``detail``, or ``describe`` of its standard list)."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.schemas.messages import describe
from tests.api.world import World
from tests.web.helpers import advance, flash, proposal, submit, web_login

LONG_NAME = "n" * 201
LONG_TEXT = "t" * 100_001
LONG_REASON = "r" * 10_001


def api_message(world: World, who: str, method: str, path: str, body: dict[str, Any]) -> str:
    response = world.call(method, path, who, json=body)
    assert response.status_code == 422, (path, body, response.status_code, response.text[:500])
    detail = response.json()["detail"]
    return detail if isinstance(detail, str) else describe(detail)


def web_message(client: TestClient, path: str, data: dict[str, Any]) -> str:
    response = submit(client, path, data)
    assert response.status_code == 422, (path, response.status_code, response.text[:1000])
    shown = flash(response)
    assert shown is not None and shown[0] == "error", response.text[:2000]
    return shown[1]


# Each case: (who is logged in, setup -> ids, API call, web form) with the same values.
Case = Callable[[World], tuple[str, tuple[str, str, dict[str, Any]], tuple[str, dict[str, Any]]]]


def _new_issue(name: Any, content: Any) -> Case:
    def case(world: World) -> Any:
        target = {"area_id": world.area_id, "policy_id": world.policy_id}
        return (
            "A",
            ("POST", "/initiatives", {"name": name, "content": content, **target}),
            ("/initiatives/new", {"name": name, "content": content, **target}),
        )

    return case


def _draft(content: str) -> Case:
    def case(world: World) -> Any:
        first = proposal(world)
        path = f"/initiatives/{first['id']}/drafts"
        return "A", ("POST", path, {"content": content}), (path, {"content": content})

    return case


def _suggestion(**fields: Any) -> Case:
    def case(world: World) -> Any:
        first = proposal(world)
        path = f"/initiatives/{first['id']}/suggestions"
        body = {"name": "Title", "content": "Text", "degree": 1, **fields}
        form = {k: str(v) for k, v in body.items()}
        return "B", ("POST", path, body), (path, form)

    return case


def _opinion(degree: int) -> Case:
    def case(world: World) -> Any:
        suggestion = world.suggest("B", proposal(world)["id"])
        api = f"/suggestions/{suggestion['id']}/opinion"
        return (
            "C",
            ("PUT", api, {"degree": degree, "fulfilled": False}),
            (api, {"action": "rate", "degree": str(degree)}),
        )

    return case


def _reject(reason: str) -> Case:
    def case(world: World) -> Any:
        suggestion = world.suggest("B", proposal(world)["id"])
        path = f"/suggestions/{suggestion['id']}/reject"
        return "A", ("POST", path, {"reason": reason}), (path, {"reason": reason})

    return case


def _delegation(trustee: str | None, scope: str) -> Case:
    def case(world: World) -> Any:
        scope_id = world.unit_id if scope == "unit" else world.area_id
        trustee_id = world.members[trustee] if trustee else None
        return (
            "A",
            ("PUT", "/delegations", {f"{scope}_id": scope_id, "trustee_id": trustee_id}),
            (
                "/delegations",
                {
                    "scope": scope,
                    "scope_id": scope_id,
                    "trustee_id": trustee_id if trustee_id else "none",
                    "back": "/",
                },
            ),
        )

    return case


def _ballot(grade: int, admitted: bool) -> Case:
    def case(world: World) -> Any:
        first = proposal(world)
        advance(world, 3)
        target = first["id"] if admitted else 999_999
        path = f"/issues/{first['issue_id']}/ballot"
        return (
            "B",
            ("PUT", path, {"votes": [{"initiative_id": target, "grade": grade}]}),
            (path, {"action": "cast", f"grade_{target}": str(grade)}),
        )

    return case


def _revoke_to_itself(world: World) -> Any:
    first = proposal(world)
    path = f"/initiatives/{first['id']}/revoke"
    body = {"suggested_initiative_id": first["id"]}
    return "A", ("POST", path, body), (path, {"suggested_initiative_id": str(first["id"])})


CASES: dict[str, Case] = {
    "new initiative: title too long": _new_issue(LONG_NAME, "Text"),
    "new initiative: blank title": _new_issue("   ", "Text"),
    "new initiative: text too long": _new_issue("Title", LONG_TEXT),
    "new initiative: blank text": _new_issue("Title", ""),
    "draft: too long": _draft(LONG_TEXT),
    "draft: blank": _draft(" \n "),
    "suggestion: title too long": _suggestion(name=LONG_NAME),
    "suggestion: blank text": _suggestion(content=" "),
    "suggestion: replacement too long": _suggestion(replacement_content=LONG_TEXT),
    "suggestion: degree out of range": _suggestion(degree=3),
    "opinion: degree out of range": _opinion(5),
    "reject: reason too long": _reject(LONG_REASON),
    "reject: blank reason": _reject("  "),
    "delegation: to oneself": _delegation("A", "unit"),
    "delegation: unit without trustee": _delegation(None, "unit"),
    "ballot: grade out of range": _ballot(1_000_001, True),
    "ballot: initiative not admitted": _ballot(1, False),
    "revoke: pointing to itself": _revoke_to_itself,
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_web_refuses_what_the_api_refuses_in_the_same_words(
    name: str, client: TestClient, world: World
) -> None:
    who, (method, api_path, body), (form_path, form) = CASES[name](world)
    expected = api_message(world, who, method, api_path, body)
    web_login(client, who)
    assert web_message(client, form_path, form) == expected


def test_a_too_long_title_is_refused_in_the_services_words_by_both(world: World) -> None:
    # one rule per field, one message: the schema's limit reads like clean_text's
    body = {"name": LONG_NAME, "content": "x", "area_id": world.area_id}
    body["policy_id"] = world.policy_id
    assert api_message(world, "A", "POST", "/initiatives", body) == (
        "name must have at most 200 characters"
    )


def test_describe_names_the_field_once() -> None:
    errors = [
        {"loc": ["body", "degree"], "msg": "Input should be -2, -1, 1 or 2"},
        {"loc": ["body", "name"], "msg": "name must have at most 200 characters"},
        {"loc": ["body"], "msg": "Value error, give either issue_id, or area_id and policy_id"},
    ]
    assert describe(errors) == (
        "degree: Input should be -2, -1, 1 or 2; name must have at most 200 characters; "
        "Value error, give either issue_id, or area_id and policy_id"
    )


@pytest.mark.parametrize("field", ["username", "password"])
def test_the_login_form_refuses_what_the_token_endpoint_refuses(
    field: str, client: TestClient, world: World
) -> None:
    data = {"username": "A", "password": "correct horse battery", field: "x" * 1001}
    api = client.post("/api/v1/auth/token", data=data)
    assert api.status_code == 422, api.text
    expected = describe(api.json()["detail"])
    assert expected == f"{field}: String should have at most 1000 characters"
    assert web_message(client, "/login", {**data, "next": "/"}) == expected
