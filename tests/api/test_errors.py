"""Every error answer is JSON with a ``detail``; a 500 carries a request id, never a trace."""

import logging
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db import Database
from app.main import create_app
from tests.conftest import settings_for_tests
from tests.factories import bearer, make_member, make_token


class TestErrorBodies:
    def test_unknown_path_is_404_json(self, client: TestClient) -> None:
        response = client.get("/api/v1/nothing-here")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not Found"}

    def test_wrong_method_is_405_json(self, client: TestClient) -> None:
        response = client.delete("/api/v1/units")
        assert response.status_code == 405
        assert response.json() == {"detail": "Method Not Allowed"}

    def test_every_answer_has_a_request_id(self, client: TestClient) -> None:
        response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
        assert response.headers["x-request-id"] == "abc-123"
        assert len(client.get("/healthz").headers["x-request-id"]) == 32

    def test_unhandled_error_is_a_generic_500(
        self, app: FastAPI, caplog: pytest.LogCaptureFixture
    ) -> None:
        @app.get("/api/v1/boom")
        @app.get("/boom")
        def boom() -> None:
            raise RuntimeError("secret internals")

        logging.getLogger("liquidpolicy").propagate = True
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/api/v1/boom", headers={"X-Request-ID": "req-500"})
            page = client.get("/boom", headers={"X-Request-ID": "req-page"})
        assert response.status_code == 500
        assert response.json() == {"detail": "Internal server error", "request_id": "req-500"}
        assert "secret internals" not in response.text
        assert "req-500" in caplog.text and "secret internals" in caplog.text
        # Outside the API, the same error is an HTML page naming the request id (issue 10).
        assert page.status_code == 500
        assert page.headers["content-type"].startswith("text/html")
        assert "req-page" in page.text and "secret internals" not in page.text

    def test_body_too_large_is_413(self, client: TestClient) -> None:
        response = client.post(
            "/api/v1/units",
            content=b"x" * (1_048_576 + 1),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 413
        assert response.json() == {"detail": "request body too large"}

    def test_json_that_is_not_utf8_is_422_with_a_list(
        self, client: TestClient, db: Database
    ) -> None:
        """Fuzzing found FastAPI's undocumented 400 for a body it cannot decode; API.md says
        malformed JSON is a 422 with the standard list body."""
        admin = make_member(db, is_admin=True)
        response = client.post(
            "/api/v1/units",
            content=b'{"name": "\xc3\x28"}',
            headers={**bearer(make_token(db, admin)), "content-type": "application/json"},
        )
        assert response.status_code == 422
        assert response.json() == {
            "detail": [
                {"type": "body_invalid", "loc": ["body"], "msg": "the body cannot be parsed"}
            ]
        }


@pytest.fixture(scope="module")
def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, OpenAPI operation) for every operation the app serves."""
    paths = create_app(settings_for_tests()).openapi()["paths"]
    return [(m.upper(), p, op) for p, ops in paths.items() for m, op in ops.items()]


class TestEveryAnswerIsDocumented:
    """What schemathesis checks in tests/test_fuzz.py, asserted on the document itself, so a new
    route cannot leave out the answers every route of its kind gives."""

    def test_422_has_the_apps_body_wherever_input_can_be_invalid(
        self, operations: list[tuple[str, str, dict[str, Any]]]
    ) -> None:
        """FastAPI adds a 422 with its own list-only body to every route with parameters; the
        app's 422 may also be a string (a content rule, an id beyond the database's range)."""
        for method, path, op in operations:
            if op.get("parameters") or "requestBody" in op:
                documented = op["responses"].get("422", {})
                schema = documented.get("content", {}).get("application/json", {}).get("schema")
                assert schema == {"$ref": "#/components/schemas/ValidationErrorBody"}, (
                    method,
                    path,
                )

    def test_413_wherever_there_is_a_body(
        self, operations: list[tuple[str, str, dict[str, Any]]]
    ) -> None:
        for method, path, op in operations:
            if "requestBody" in op:
                assert "413" in op["responses"], (method, path)


class TestHealth:
    def test_ok(self, client: TestClient) -> None:
        assert client.get("/healthz").json() == {"status": "ok"}

    def test_openapi_lists_the_endpoints(self, client: TestClient) -> None:
        paths = client.get("/openapi.json").json()["paths"]
        for path in (
            "/api/v1/auth/token",
            "/api/v1/auth/logout",
            "/api/v1/tokens",
            "/api/v1/tokens/{token_id}",
            "/api/v1/members",
            "/api/v1/members/me",
            "/api/v1/members/{member_id}",
            "/api/v1/units",
            "/api/v1/units/{unit_id}",
            "/api/v1/units/{unit_id}/privileges",
            "/api/v1/units/{unit_id}/privileges/{member_id}",
            "/api/v1/areas",
            "/api/v1/areas/{area_id}",
            "/api/v1/policies",
            "/api/v1/policies/{policy_id}",
        ):
            assert path in paths, path


class TestStaticFiles:
    def test_the_stylesheet_arrives_whole(self, client: TestClient) -> None:
        """Regression: the unit of work once answered 'disconnect' right after the request
        body, which cancelled streamed files and served an empty stylesheet."""
        from pathlib import Path

        import app.web

        response = client.get("/static/style.css")
        assert response.status_code == 200
        expected = (Path(app.web.__file__).parent / "static" / "style.css").read_bytes()
        assert response.content == expected and len(expected) > 1000
