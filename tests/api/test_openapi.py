"""The OpenAPI document is usable by a client generator and by a person (issue 14, item 1).

It validates (``openapi-spec-validator``); every operation, schema, schema field and parameter is
described; request bodies carry examples; writes declare ``Idempotency-Key``; errors use the named
``{"detail"}`` schemas; and the security each operation states is the one the service enforces:
every operation is asked with a token lacking the stated scope (403 naming it) and with one holding
only that scope (no scope refusal)."""

import functools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from app.main import create_app
from app.settings import PublicAccess
from tests.api.world import ALL_SCOPES
from tests.conftest import settings_for_tests
from tests.factories import bearer, make_member, make_token

WRITES = {"post", "put", "patch", "delete"}
NO_SUCH_ID = "999999"


@functools.cache
def document() -> dict[str, Any]:
    doc: dict[str, Any] = create_app(settings_for_tests()).openapi()
    return doc


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """The named schema ``schema`` refers to (an optional body's ``anyOf`` included)."""
    if "anyOf" in schema:
        schema = next(s for s in schema["anyOf"] if "$ref" in s)
    ref = schema.get("$ref")
    if ref is None:
        return schema
    found: dict[str, Any] = document()["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return found


def test_the_document_validates() -> None:
    validate(document())


def test_every_tag_operation_schema_field_and_parameter_is_described() -> None:
    missing = [f"{m.upper()} {p}" for m, p, op in operations() if not op.get("description")]
    described = {tag["name"] for tag in document().get("tags", []) if tag.get("description")}
    missing += [
        f"tag {tag}"
        for m, p, op in operations()
        for tag in op.get("tags", [])
        if tag not in described
    ]
    for method, path, operation in operations():
        missing += [
            f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
            for parameter in operation.get("parameters", [])
            if not parameter.get("description")
        ]
    for name, schema in document()["components"]["schemas"].items():
        if not schema.get("description"):
            missing.append(f"schema {name}")
        missing += [
            f"{name}.{field}"
            for field, spec in schema.get("properties", {}).items()
            if not spec.get("description")
        ]
    assert missing == []


def test_every_request_body_has_an_example_that_validates() -> None:
    without = []
    for method, path, operation in operations():
        for media in operation.get("requestBody", {}).get("content", {}).values():
            schema = resolve(media["schema"])
            if not schema.get("examples"):
                without.append(f"{method.upper()} {path}")
            for example in schema.get("examples", []):
                OAS31Validator({**schema, "components": document()["components"]}).validate(example)
    assert without == []


MAIN_ANSWERS = (
    "TokenOut",
    "PersonalTokenOut",
    "MemberOut",
    "UnitOut",
    "AreaOut",
    "IssueOut",
    "InitiativeOut",
    "DraftOut",
    "SuggestionOut",
    "DelegationOut",
    "BallotOut",
    "EventOut",
    "ErrorBody",
    "ValidationErrorBody",
)


def test_the_main_answers_have_examples_that_match_them() -> None:
    """(FastAPI leaves the null values out of the document, examples included.)"""
    schemas = document()["components"]["schemas"]
    for name in MAIN_ANSWERS:
        examples = schemas[name].get("examples")
        assert examples, name
        for example in examples:
            assert set(example) <= set(schemas[name]["properties"]), name


def test_every_write_but_login_declares_the_idempotency_key() -> None:
    without = [
        f"{method.upper()} {path}"
        for method, path, operation in operations()
        if method in WRITES
        and path != "/api/v1/auth/token"
        and "Idempotency-Key"
        not in {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
    ]
    assert without == []


def test_errors_answer_the_named_detail_schemas() -> None:
    wrong = []
    for method, path, operation in operations():
        for status, answer in operation["responses"].items():
            if int(status) < 400:
                continue
            named = "ValidationErrorBody" if status == "422" else "ErrorBody"
            schema = answer["content"]["application/json"]["schema"]
            if schema.get("$ref") != f"#/components/schemas/{named}":
                wrong.append(f"{method.upper()} {path} {status}")
    assert wrong == []
    problem = document()["components"]["schemas"]["ValidationProblem"]
    assert set(problem["required"]) == {"type", "loc", "msg"}


def test_enumerations() -> None:
    schemas = document()["components"]["schemas"]
    assert "canceled_by_admin" in schemas["IssueOut"]["properties"]["state"]["enum"]
    assert "delegation_declined" in schemas["EventOut"]["properties"]["type"]["enum"]
    assert schemas["DelegationOut"]["properties"]["scope"]["enum"] == ["unit", "area", "issue"]
    assert schemas["PersonalTokenCreate"]["properties"]["scopes"]["items"]["enum"] == ALL_SCOPES
    assert schemas["PolicyOut"]["properties"]["defeat_strength"]["enum"] == ["tuple", "simple"]
    events = next(op for m, p, op in operations() if p == "/api/v1/events")
    type_ = next(p for p in events["parameters"] if p["name"] == "type")
    assert "initiative_created" in type_["schema"]["anyOf"][0]["enum"]


def test_security_schemes() -> None:
    schemes = document()["components"]["securitySchemes"]
    assert schemes["login_token"]["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    assert set(schemes["login_token"]["flows"]["password"]["scopes"]) == set(ALL_SCOPES)
    assert schemes["personal_token"] == {**schemes["personal_token"], "scheme": "bearer"}


# The security stated is the security enforced ------------------------------------------------


def stated(operation: dict[str, Any]) -> tuple[bool, set[str], bool] | None:
    """(token optional, the scopes, login token only) as the operation states them."""
    security = operation.get("security")
    if security is None:
        return None
    scopes = [set(names) for alternative in security for names in alternative.values()]
    assert all(s == scopes[0] for s in scopes), "every alternative needs the same scopes"
    login_only = all("personal_token" not in alternative for alternative in security)
    return {} in security, scopes[0], login_only


SECURED = [
    (method, path)
    for method, path, operation in operations()
    if stated(operation) is not None
    and "text/event-stream" not in str(operation["responses"].get("200", {}))
]


@pytest.fixture
def public_access() -> PublicAccess:
    return PublicAccess.FULL


def ask(client: TestClient, method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    url = re.sub(r"\{[a-z_]+\}", NO_SUCH_ID, path)
    response = client.request(method.upper(), url, headers=headers)
    detail = response.json().get("detail") if response.content else None
    return response.status_code, str(detail)


@pytest.mark.parametrize(("method", "path"), SECURED, ids=[f"{m} {p}" for m, p in SECURED])
def test_the_stated_security_is_enforced(
    method: str, path: str, client: TestClient, db: Any
) -> None:
    operation = document()["paths"][path][method]
    facts = stated(operation)
    assert facts is not None
    optional, scopes, login_only = facts
    admin = "of an admin member" in operation["description"]
    member = make_member(db, is_admin=admin)

    status, detail = ask(client, method, path, {})
    needs_a_token = status == 401 and "needs a token" in detail
    assert needs_a_token != optional, (status, detail)

    if login_only:
        personal = bearer(make_token(db, member, scopes=ALL_SCOPES))
        assert ask(client, method, path, personal) == (
            403,
            "only a login token (POST /auth/token) may do this",
        )
    for scope in sorted(scopes):
        others = [s for s in ALL_SCOPES if s != scope]
        lacking = bearer(make_token(db, member, scopes=others))
        assert ask(client, method, path, lacking) == (403, f"the token lacks the '{scope}' scope")
    enough = bearer(
        make_token(db, member, scopes=None if login_only else sorted(scopes) or ["read"])
    )
    status, detail = ask(client, method, path, enough)
    assert status not in (401, 403), (status, detail)
    if admin:
        not_admin = bearer(make_token(db, make_member(db)))
        status, detail = ask(client, method, path, not_admin)
        assert status == 403, (status, detail)


def test_admin_operations_are_the_ones_that_need_an_admin() -> None:
    admin = {f"{m.upper()} {p}" for m, p, op in operations() if "admin member" in op["description"]}
    assert "POST /api/v1/units" in admin and "PATCH /api/v1/members/{member_id}" in admin
    assert "POST /api/v1/initiatives" not in admin
