"""A JSON boolean is never an id or a number (issue 9, item 7).

Pydantic's lax mode takes ``true`` for ``1``: ``{"trustee_id": true}`` delegated to member 1. The
walk below covers every request body of the OpenAPI document, so a new field is covered too: each
integer field (ids, numbers, integer enums, also inside lists of objects) gets ``true`` and must
be refused with a 422 naming that field.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import World, build_world


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, ["A", "B"])


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _is_integer(schema: dict[str, Any], document: dict[str, Any]) -> bool:
    schema = _resolve(schema, document)
    if schema.get("type") in ("integer", "number"):
        return True
    return any(_is_integer(option, document) for option in schema.get("anyOf", []))


def _objects(schema: dict[str, Any], document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    schema = _resolve(schema, document)
    if "properties" in schema:
        yield schema
    for option in schema.get("anyOf", []):
        yield from _objects(option, document)


def integer_fields(
    schema: dict[str, Any], document: dict[str, Any], loc: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(location, body with ``true`` at that location) for every integer field of ``schema``."""
    for obj in _objects(schema, document):
        for name, prop in obj["properties"].items():
            if _is_integer(prop, document):
                yield (*loc, name), {name: True}
            resolved = _resolve(prop, document)
            options = [resolved, *resolved.get("anyOf", [])]
            for option in options:
                option = _resolve(option, document)
                if option.get("type") == "array" and "items" in option:
                    for inner_loc, inner in integer_fields(
                        option["items"], document, (*loc, name, 0)
                    ):
                        yield inner_loc, {name: [inner]}
                elif "properties" in option and option is not obj:
                    for inner_loc, inner in integer_fields(option, document, (*loc, name)):
                        yield inner_loc, {name: inner}


def request_bodies(app: FastAPI) -> list[tuple[str, str, tuple[Any, ...], dict[str, Any]]]:
    document = app.openapi()
    out = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = content["application/json"]["schema"]
            for loc, body in integer_fields(schema, document):
                out.append((method.upper(), path, loc, body))
    return out


def test_the_walk_finds_the_known_integer_fields(app: FastAPI) -> None:
    found = {(method, path, loc) for method, path, loc, _ in request_bodies(app)}
    assert ("PUT", "/api/v1/delegations", ("trustee_id",)) in found
    assert ("PUT", "/api/v1/issues/{issue_id}/ballot", ("votes", 0, "grade")) in found
    assert ("POST", "/api/v1/initiatives/{initiative_id}/suggestions", ("degree",)) in found
    assert ("POST", "/api/v1/policies", ("voting_time",)) in found


def test_true_is_refused_in_every_integer_field_of_every_request_body(
    world: World, app: FastAPI
) -> None:
    initiative = world.propose("A")
    ids = {
        "issue_id": initiative["issue_id"],
        "initiative_id": initiative["id"],
        "unit_id": world.unit_id,
        "area_id": world.area_id,
        "policy_id": world.policy_id,
        "member_id": world.id("B"),
    }
    accepted = []
    for method, path, loc, body in request_bodies(app):
        url = path
        for name, value in ids.items():
            url = url.replace("{" + name + "}", str(value))
        # The body holds only the boolean: the 422 must name it (not only the missing fields).
        response = world.client.request(method, url, headers=world.admin, json=body)
        errors = response.json().get("detail") if response.status_code == 422 else None
        named = isinstance(errors, list) and any(tuple(error["loc"][1:]) == loc for error in errors)
        if not named:
            accepted.append((method, path, loc, response.status_code, response.text[:200]))
    assert accepted == []


def test_a_boolean_trustee_creates_no_delegation(world: World) -> None:
    body = {"unit_id": world.unit_id, "trustee_id": True}
    response = world.call("PUT", "/delegations", "A", json=body)
    assert response.status_code == 422, response.text
    assert world.ok("GET", f"/delegations?truster_id={world.id('A')}", "A")["items"] == []


@pytest.mark.parametrize("value", [True, False, 1.0, "1"])
def test_no_boolean_float_or_string_grade(world: World, value: Any) -> None:
    votes = [{"initiative_id": 1, "grade": value}]
    response = world.call("PUT", "/issues/1/ballot", "A", json={"votes": votes})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("value", [True, 1.0])
def test_no_boolean_or_float_degree(world: World, value: Any) -> None:
    initiative = world.propose("A")
    body = {"name": "S", "content": "C", "degree": value}
    response = world.call("POST", f"/initiatives/{initiative['id']}/suggestions", "A", json=body)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    "path",
    ["/issues/true", "/delegations?truster_id=true", "/issues?limit=true", "/events?after_id=true"],
)
def test_no_boolean_in_a_path_or_query_parameter(world: World, path: str) -> None:
    assert world.status("GET", path, "A") == 422


JUNK_HEADERS = [
    {"Authorization": "Bearer " + "x" * 5000},
    {"Authorization": "Basic " + "9" * 5000},
    {"Authorization": "Bearer"},
    {"If-None-Match": '"' + "9" * 5000 + '"'},
    {"If-None-Match": "*, W/, ,"},
    {"X-Request-ID": "\x7f" * 100},
    {"Content-Type": "application/json; charset=ebcdic"},
    {"Content-Type": "multipart/form-data; boundary="},
    {"Content-Length": "9" * 30},
    {"X-Forwarded-Proto": "x" * 5000},
]


@pytest.mark.parametrize("headers", JUNK_HEADERS, ids=[next(iter(h)) for h in JUNK_HEADERS])
def test_no_header_value_answers_500(app: FastAPI, world: World, headers: dict[str, str]) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path in [
            ("GET", "/api/v1/units"),
            ("GET", "/api/v1/members/me"),
            ("POST", "/api/v1/units"),
            ("PUT", "/api/v1/delegations"),
        ]:
            response = client.request(method, path, headers=headers, content=b'{"name": "U"}')
            assert response.status_code < 500, (method, path, response.status_code)
