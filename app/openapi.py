"""The OpenAPI document's security: two schemes and, per operation, what its dependencies enforce.

Both schemes are the same ``Authorization: Bearer <token>`` header (API.md "Conventions"):

* ``login_token``: OAuth2's password flow on ``POST /api/v1/auth/token`` (Swagger UI's
  "Authorize" asks for a name and password). A login token carries every scope.
* ``personal_token``: HTTP bearer, a personal API token (``POST /api/v1/tokens``) with its scopes.

An operation's ``security`` is read from the dependencies FastAPI really runs for it (the
:data:`app.deps.ACCESS` each of them declares), never written by hand: the scopes shown are the
ones enforced. A token-optional read (a public read) also lists ``{}``; an operation only a login
token may call lists ``login_token`` alone. The same facts are appended to its description.
"""

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from app.deps import ACCESS, Access

LOGIN = "login_token"
PERSONAL = "personal_token"
TOKEN_URL = "/api/v1/auth/token"
SCOPES = {
    "read": "Private reads: /members/me, my ballot, my tokens, my notifications",
    "write": "Initiatives, drafts, initiators, revoke, interest, support, suggestions, opinions,"
    " accept/reject, profile, subscriptions (admins: every admin operation)",
    "delegate": "Delegations: set, revoke, decline",
    "vote": "Ballots: cast, replace, withdraw",
}
SECURITY_SCHEMES: dict[str, Any] = {
    LOGIN: {
        "type": "oauth2",
        "description": "A login token: name and password exchanged at POST /api/v1/auth/token"
        " (form fields `username`, `password`). It carries every scope, lives TOKEN_LIFETIME"
        " seconds, and is the only kind that may manage tokens or change the password.",
        "flows": {"password": {"tokenUrl": TOKEN_URL, "scopes": SCOPES}},
    },
    PERSONAL: {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token (POST /api/v1/tokens) sent as `Authorization:"
        " Bearer <token>`; it may do what its scopes allow (a missing scope is 403).",
    },
}


def _dependencies(dependant: Dependant) -> Iterable[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependencies(sub)


def access_of(route: APIRoute | RouteContext) -> Access | None:
    """What ``route``'s dependencies ask of the token, combined; None when none reads it."""
    found = [ACCESS[call] for call in _dependencies(route.dependant) if call in ACCESS]
    if not found:
        return None
    scopes = sorted({a.scope for a in found if a.scope is not None})
    if len(scopes) > 1:
        raise ValueError(f"{route.path}: more than one scope ({scopes}) is not described")
    return Access(
        token=any(a.token for a in found),
        scope=scopes[0] if scopes else None,
        login_only=any(a.login_only for a in found),
        admin=any(a.admin for a in found),
    )


def security_of(access: Access) -> list[dict[str, list[str]]]:
    """The operation's ``security``: the alternatives, any one of which is enough."""
    scopes = [access.scope] if access.scope else []
    alternatives: list[dict[str, list[str]]] = [{LOGIN: scopes}]
    if not access.login_only:
        alternatives.append({PERSONAL: scopes})
    if not access.token:
        alternatives.insert(0, {})
    return alternatives


def explain(access: Access) -> str:
    """The security in words, for the operation's description."""
    if not access.token:
        return (
            "**Token:** optional. Without one, what is shown follows the service's"
            " `PUBLIC_ACCESS` level."
        )
    kind = "a login token (POST /auth/token)" if access.login_only else "a login or personal token"
    words = f"**Token:** {kind}"
    if access.scope:
        words += f" with the `{access.scope}` scope"
    if access.admin:
        words += ", of an admin member"
    return words + "."


def add_security(app: FastAPI, schema: dict[str, Any]) -> None:
    """Add the security schemes and each operation's security to FastAPI's ``schema``."""
    schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    for route in iter_route_contexts(app.routes):  # the routes as included (with prefixes)
        if not (isinstance(route.original_route, APIRoute) and route.include_in_schema):
            continue
        access = access_of(route)
        if access is None:
            continue
        for method in route.methods or ():
            operation = schema["paths"][route.path_format][method.lower()]
            operation["security"] = security_of(access)
            text = operation.get("description", "").rstrip()
            operation["description"] = f"{text}\n\n{explain(access)}".lstrip()


def install_openapi(app: FastAPI) -> None:
    """Serve FastAPI's document with :func:`add_security` applied (once per document: FastAPI
    keeps it, and builds a new one only when the routes change)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        if "securitySchemes" not in schema.get("components", {}):
            add_security(app, schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
