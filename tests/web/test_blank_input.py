"""The API and the web refuse the same blank text with the same message (issue 9, item 7).

The API took an initiative named ``"   "`` (an invisible link on the home page) that the web form
refused. One function of ``proposals`` (``proposals.services.text.clean_text``) checks every
free text a member sends, for both clients; each case below sends the same value both ways.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.world import World
from tests.web.helpers import flash, submit, web_login

BLANKS = ["", "   ", " \n\t "]


def _api_detail(world: World, method: str, path: str, body: dict[str, Any]) -> str:
    response = world.call(method, path, "A", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str), detail
    return detail


def _web_message(client: TestClient, path: str, data: dict[str, Any]) -> str:
    response = submit(client, path, data)
    shown = flash(response)
    assert shown is not None and shown[0] == "error", response.text[:2000]
    return shown[1]


def _cases(world: World) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path, valid body, field): each field gets each blank value in turn."""
    initiative = world.propose("A")
    suggestion = world.suggest("B", initiative["id"])
    new = {"area_id": world.area_id, "policy_id": world.policy_id, "name": "N", "content": "C"}
    suggest = {"name": "S", "content": "C", "degree": 2}
    return [
        ("POST", "/initiatives", new, "name"),
        ("POST", "/initiatives", new, "content"),
        ("POST", f"/initiatives/{initiative['id']}/drafts", {"content": "C"}, "content"),
        ("POST", f"/initiatives/{initiative['id']}/suggestions", suggest, "name"),
        ("POST", f"/initiatives/{initiative['id']}/suggestions", suggest, "content"),
        ("POST", f"/suggestions/{suggestion['id']}/reject", {"reason": "R"}, "reason"),
    ]


WEB_PATH = {"/initiatives": "/initiatives/new"}


@pytest.mark.parametrize("blank", BLANKS, ids=["empty", "spaces", "whitespace"])
def test_api_and_web_refuse_blank_text_alike(client: TestClient, world: World, blank: str) -> None:
    cases = _cases(world)
    web_login(client, "A")
    for method, path, body, field in cases:
        sent = {**body, field: blank}
        api = _api_detail(world, method, path, sent)
        web = _web_message(client, WEB_PATH.get(path, path), sent)
        assert api == web == f"{field} must not be empty", (path, field)


def test_a_blank_replacement_text_is_refused(world: World) -> None:
    initiative = world.propose("A")
    body = {"name": "S", "content": "C", "degree": 2, "replacement_content": "  "}
    detail = _api_detail(world, "POST", f"/initiatives/{initiative['id']}/suggestions", body)
    assert detail == "replacement content must not be empty"


@pytest.mark.parametrize("path", ["/units", "/areas"])
def test_structure_names_must_not_be_blank(world: World, path: str) -> None:
    body: dict[str, Any] = {"name": "   "}
    if path == "/areas":
        body["unit_id"] = world.unit_id
    response = world.client.post("/api/v1" + path, headers=world.admin, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == "name must not be empty"
