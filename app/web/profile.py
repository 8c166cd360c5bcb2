"""My profile at ``/me/profile``: statement and email, password, personal API tokens.

Each form is parsed by the API's schema (``ProfileUpdate``, ``PersonalTokenCreate``) and acts
through the API endpoint's service (``PATCH /members/me``, ``POST``/``DELETE /tokens``). A refused
form shows the page again with what was typed (never a password) and the API's message."""

import re
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from app.errors import status_of
from app.mail.verification import after_address_change
from app.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from app.schemas.members import PersonalTokenCreate, ProfileUpdate
from app.web.context import FormDep, Page, PageDep, WebRoute
from proposals.errors import DomainError
from proposals.security import PasswordHasher
from proposals.services import members, tokens
from proposals.services.tokens import SCOPES, token_scopes

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PROFILE = "/me/profile"
SCOPE_HELP = {
    "read": "read what is private to you: your profile, your ballots, your tokens",
    "write": "initiatives, drafts, suggestions, support, interest and your profile",
    "delegate": "set and remove your delegations",
    "vote": "cast and withdraw your ballots",
}
_LOCAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?")


class Refused(Exception):
    """A form the schema or the service refused: its status and the API's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _parse(schema: type[BaseModel], data: dict[str, Any]) -> Any:
    """The form's fields validated by the API's schema; its errors in words (``field: msg``)."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise Refused(
            422,
            "; ".join(
                f"{error['loc'][0]}: {error['msg']}" if error["loc"] else error["msg"]
                for error in exc.errors()
            ),
        ) from None


def _field(form: FormDep, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _hasher(page: Page) -> PasswordHasher:
    hasher: PasswordHasher = page.request.app.state.hasher
    return hasher


def _profile_page(
    page: Page,
    *,
    status: int = 200,
    error: str | None = None,
    typed: dict[str, Any] | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    me = page.require_member("read")
    if error is not None:
        page.flash = ("error", error)
    listed = tokens.list_tokens(
        page.session, me, after=decode_cursor(cursor) if cursor else None, limit=DEFAULT_LIMIT
    )
    typed = typed or {}
    return page.render(
        "profile.html",
        status=status,
        canonical=page.url(PROFILE),
        title="Your profile",
        description="Your statement, email, password and personal API tokens.",
        statement=typed.get("statement", me.statement),
        email=typed.get("email", me.email or ""),
        token_name=typed.get("token_name", ""),
        token_scopes=typed.get("token_scopes", ["read"]),
        token_expires=typed.get("token_expires", ""),
        tokens=[(t, token_scopes(t)) for t in listed.items],
        next_tokens=(
            f"{PROFILE}?tokens_cursor={encode_cursor(listed.next_after)}#tokens"
            if listed.next_after is not None
            else None
        ),
        scopes=SCOPES,
        scope_help=SCOPE_HELP,
    )


def _refused(page: Page, exc: Refused | DomainError, typed: dict[str, Any]) -> HTMLResponse:
    """The profile page again, with what was typed and why it was refused (nothing written)."""
    page.session.rollback()
    if isinstance(exc, DomainError):
        exc = Refused(status_of(exc), exc.detail)
    return _profile_page(page, status=exc.status, error=exc.message, typed=typed)


@router.get(PROFILE, response_class=HTMLResponse)
def profile_page(page: PageDep, tokens_cursor: str | None = None) -> HTMLResponse:
    return _profile_page(page, cursor=tokens_cursor)


@router.post(PROFILE)
def save_profile(page: PageDep, form: FormDep) -> Response:
    """Statement and email, as ``PATCH /members/me`` (``write`` scope)."""
    me = page.require_member("write")
    # A browser sends a textarea's line breaks as CR LF: the member typed a line break.
    typed = {
        "statement": _field(form, "statement").replace("\r\n", "\n"),
        "email": _field(form, "email"),
    }
    old_address = me.email
    try:
        body = _parse(ProfileUpdate, typed)
        members.update_profile(
            page.session,
            _hasher(page),
            me,
            statement=body.statement,
            email=body.email,
            email_given=True,
            clock=page.clock,
        )
    except (Refused, DomainError) as exc:
        return _refused(page, exc, typed)
    sent = after_address_change(
        page.session,
        page.settings,
        me,
        old_address=old_address,
        clock=page.clock,
    )
    saved = "Your profile is saved."
    if sent:
        saved += f" A link to verify {me.email} is on its way: open it to get e-mail."
    return page.redirect(PROFILE, "success", saved)


@router.post(f"{PROFILE}/password")
def change_password(page: PageDep, form: FormDep) -> Response:
    """A new password, as ``PATCH /members/me``: the current one is required, and every other
    session and personal token of the member ends (this browser's session stays)."""
    me = page.require_member("write")
    current = _field(form, "current_password")  # exactly as typed, like the API's
    try:
        body = _parse(
            ProfileUpdate,
            {"password": _field(form, "password"), "current_password": current or None},
        )
        members.update_profile(
            page.session,
            _hasher(page),
            me,
            password=body.password,
            current_password=body.current_password,
            keep=page.credentials.token if page.credentials else None,
            clock=page.clock,
        )
    except (Refused, DomainError) as exc:
        return _refused(page, exc, {})
    return page.redirect(
        PROFILE,
        "success",
        "Your password is changed. You are logged out everywhere else, and your personal API "
        "tokens are revoked.",
    )


@router.post(f"{PROFILE}/tokens", response_class=HTMLResponse)
def create_token(page: PageDep, form: FormDep) -> Response:
    """A personal API token, as ``POST /tokens``: its secret is shown on this answer only."""
    me = page.require_member()
    expires = _field(form, "expires_at").strip()
    typed = {
        "token_name": _field(form, "name"),
        "token_scopes": [s for s in form.getlist("scopes") if isinstance(s, str)],
        "token_expires": expires,
    }
    try:
        body = _parse(
            PersonalTokenCreate,
            {
                "name": typed["token_name"],
                "scopes": typed["token_scopes"],
                # the page's date-time field has no zone: the page says it is UTC
                "expires_at": (expires + "Z" if _LOCAL_TIME.fullmatch(expires) else expires)
                or None,
            },
        )
        issued = tokens.create_personal_token(
            page.session,
            me,
            name=body.name,
            scopes=body.scopes,
            expires_at=body.expires_at,
            clock=page.clock,
        )
    except (Refused, DomainError) as exc:
        return _refused(page, exc, typed)
    page.flash = ("success", f"Your token “{issued.row.name}” is created.")
    return page.render(
        "token_created.html",
        canonical=page.url(PROFILE),
        title="Your new API token",
        description="A new personal API token.",
        token=issued.row,
        scopes=token_scopes(issued.row),
        secret=issued.secret,
    )


@router.post(f"{PROFILE}/tokens/{{token_id}}/revoke")
def revoke_token(token_id: int, page: PageDep, form: FormDep) -> Response:
    """Revoke one of my personal tokens, as ``DELETE /tokens/{id}``."""
    me = page.require_member()
    return page.act(
        lambda: tokens.revoke_personal_token(page.session, me, token_id, clock=page.clock),
        back=f"{PROFILE}#tokens",
        success="The token is revoked: apps using it can no longer act for you.",
    )
