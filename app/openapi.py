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
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from app.deps import ACCESS

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


@dataclass(frozen=True)
class Needs:
    """What an operation asks of the token: all its dependencies' :class:`Access` together."""

    token: bool
    scopes: tuple[str, ...]  # every one is required
    login_only: bool
    admin: bool


def needs_of(route: APIRoute | RouteContext) -> Needs | None:
    """What ``route``'s dependencies ask of the token, combined; None when none reads it."""
    found = [ACCESS[call] for call in _dependencies(route.dependant) if call in ACCESS]
    if not found:
        return None
    return Needs(
        token=any(a.token for a in found),
        scopes=tuple(sorted({a.scope for a in found if a.scope is not None})),
        login_only=any(a.login_only for a in found),
        admin=any(a.admin for a in found),
    )


def security_of(needs: Needs) -> list[dict[str, list[str]]]:
    """The operation's ``security``: the alternatives, any one of which is enough."""
    scopes = list(needs.scopes)
    alternatives: list[dict[str, list[str]]] = [{LOGIN: scopes}]
    if not needs.login_only:
        alternatives.append({PERSONAL: scopes})
    if not needs.token:
        alternatives.insert(0, {})
    return alternatives


def explain(needs: Needs) -> str:
    """The security in words, for the operation's description."""
    if not needs.token:
        return (
            "**Token:** optional. Without one, what is shown follows the service's"
            " `PUBLIC_ACCESS` level."
        )
    kind = "a login token (POST /auth/token)" if needs.login_only else "a login or personal token"
    words = f"**Token:** {kind}"
    if needs.scopes:
        named = " and ".join(f"`{scope}`" for scope in needs.scopes)
        words += f" with the {named} scope" + ("s" if len(needs.scopes) > 1 else "")
    if needs.admin:
        words += ", of an admin member"
    return words + "."


def add_security(app: FastAPI, schema: dict[str, Any]) -> None:
    """Add the security schemes and each operation's security to FastAPI's ``schema``."""
    schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    for route in iter_route_contexts(app.routes):  # the routes as included (with prefixes)
        if not (isinstance(route.original_route, APIRoute) and route.include_in_schema):
            continue
        needs = needs_of(route)
        if needs is None:
            continue
        for method in route.methods or ():
            operation = schema["paths"][route.path_format][method.lower()]
            operation["security"] = security_of(needs)
            text = operation.get("description", "").rstrip()
            operation["description"] = f"{text}\n\n{explain(needs)}".lstrip()


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
