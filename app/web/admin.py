"""The admin back-office at ``/admin``: units, areas, policies, members and privileges.

Every form is checked by the API endpoint's own authorisation (an admin with the ``write``
scope, ``page.require_member("write", admin=True)``), validated by the endpoint's schema of
``app.schemas`` and carried out by the same ``proposals`` service, so the browser and the API
accept the same input and refuse it with the same words. A refused form is shown again with what
was typed (passwords excepted) and the message; a success redirects with a flash.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.pagination import decode_cursor, encode_cursor
from app.schemas.members import MemberCreate, MemberFlagsUpdate
from app.schemas.structure import (
    AreaCreate,
    PolicyCreate,
    PolicyUpdate,
    PrivilegeSet,
    UnitCreate,
)
from app.web import session as cookies
from app.web.context import FormDep, Page, PageDep, WebRoute
from app.web.render import plural
from proposals.errors import InvalidInput
from proposals.models import Member, Unit
from proposals.services import members, structure

router = APIRouter(prefix="/admin", route_class=WebRoute, include_in_schema=False)

PER_PAGE = 50
CHOICES = 500
"""Units offered in a select (a parent unit, the unit of an area)."""

M = TypeVar("M", bound=BaseModel)
_WHOLE = re.compile(r"-?[0-9]{1,18}")
_KEEP_OUT = {cookies.CSRF_FIELD, "password"}

TIME_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
TIME_FIELDS = (
    ("min_admission_time", "Minimum admission time", "an issue stays in admission at least this"),
    ("max_admission_time", "Maximum admission time", "without the issue quorum by then: canceled"),
    ("discussion_time", "Discussion time", "initiatives are discussed and amended"),
    ("verification_time", "Verification time", "drafts are frozen, supporters confirm"),
    ("voting_time", "Voting time", "members vote on every initiative of the issue"),
)
QUORUMS = (
    (
        "issue_quorum",
        "Issue quorum",
        "share of the unit's eligible members who must support an initiative to admit the issue",
    ),
    (
        "initiative_quorum",
        "Initiative quorum",
        "share of the eligible members an initiative needs as satisfied supporters to be voted on",
    ),
)
MAJORITIES = (
    ("direct_majority", "Direct majority", "approval an initiative needs against the status quo"),
    (
        "indirect_majority",
        "Indirect majority",
        "the same test along the Schulze beat paths",
    ),
)
POLICY_DEFAULTS = {
    "min_admission_time": "0",
    "min_admission_time_unit": "days",
    "max_admission_time": "30",
    "max_admission_time_unit": "days",
    "discussion_time": "14",
    "discussion_time_unit": "days",
    "verification_time": "7",
    "verification_time_unit": "days",
    "voting_time": "14",
    "voting_time_unit": "days",
    "issue_quorum_num": "1",
    "issue_quorum_den": "10",
    "initiative_quorum_num": "1",
    "initiative_quorum_den": "10",
    "direct_majority_num": "1",
    "direct_majority_den": "2",
    "direct_majority_strict": "on",
    "direct_majority_positive": "0",
    "direct_majority_non_negative": "0",
    "indirect_majority_num": "1",
    "indirect_majority_den": "2",
    "indirect_majority_strict": "on",
    "indirect_majority_positive": "0",
    "indirect_majority_non_negative": "0",
    "defeat_strength": "tuple",
    "tie_breaking": "variant1",
    "ballot_secrecy": "public",
}
POLICY_NUMBERS = tuple(
    [f"{q}_{part}" for q, _, _ in QUORUMS for part in ("num", "den")]
    + [
        f"{m}_{part}"
        for m, _, _ in MAJORITIES
        for part in ("num", "den", "positive", "non_negative")
    ]
)
POLICY_FLAGS = (
    "direct_majority_strict",
    "indirect_majority_strict",
    "no_reverse_beat_path",
    "no_multistage_majority",
)


# Reading a form ----------------------------------------------------------------------------------


def validated(schema: type[M], data: Mapping[str, Any]) -> M:
    """``data`` checked by the API's schema: its messages, one per broken field, as the HTML
    error pages word them (``"name: String should have at most 100 characters"``)."""
    try:
        return schema.model_validate(dict(data))
    except ValidationError as exc:
        lines = [
            f"{error['loc'][-1]}: {error['msg']}" if error["loc"] else error["msg"]
            for error in exc.errors()
        ]
        raise InvalidInput("; ".join(lines)) from None


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _number(form: FormData, name: str) -> int | str | None:
    """A whole number as the API's JSON would carry it; other text goes to the schema as text
    (which refuses it with its own message); blank is left out (the schema's default, or
    "Field required")."""
    text = _text(form, name).strip()
    if not text:
        return None
    return int(text) if _WHOLE.fullmatch(text) else text


def _checked(form: FormData, name: str) -> bool:
    return form.get(name) in ("on", "true", "1")


def _flag(form: FormData, name: str) -> bool | str | None:
    """``true``/``false`` as JSON booleans; anything else reaches the schema as text."""
    text = _text(form, name)
    return {"true": True, "false": False}.get(text, text or None)


def _present(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def typed(form: FormData) -> dict[str, str]:
    """What was typed into a refused form, to show it again (never a password)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k not in _KEEP_OUT}


def _cursor(cursor: str | None) -> int | None:
    return decode_cursor(cursor) if cursor else None


# Answering ---------------------------------------------------------------------------------------


def _admin(page: Page) -> Member:
    return page.require_member("write", admin=True)


def _submit(
    page: Page,
    action: Callable[[], str],
    *,
    back: str,
    again: Callable[[], HTMLResponse],
) -> Response:
    """Run a form's service call through the web client's one form runner (:meth:`Page.act`):
    on success redirect to ``back`` with the message ``action`` answers; on a refusal the form
    again (``again``) under the API's message and status, nothing of the request kept."""
    said: list[str] = []
    return page.act(lambda: said.append(action()), back=back, success=lambda: said[0], again=again)


def _all_units(page: Page) -> list[Unit]:
    return list(structure.list_units(page.session, after=None, limit=CHOICES).items)


def _next(path: str, next_after: int | None) -> str | None:
    return None if next_after is None else f"{path}?cursor={encode_cursor(next_after)}"


def _back(path: str, cursor: str) -> str:
    """``path`` on the page of the list the form was sent from."""
    return f"{path}?cursor={cursor}" if cursor and _cursor(cursor) is not None else path


# Overview ----------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def overview(page: PageDep) -> HTMLResponse:
    _admin(page)
    session = page.session
    steps = [
        (
            "Create a unit",
            "/admin/units",
            bool(structure.list_units(session, after=None, limit=1).items),
        ),
        (
            "Create an area in it",
            "/admin/areas",
            bool(structure.list_areas(session, unit_id=None, after=None, limit=1).items),
        ),
        (
            "Create a policy",
            "/admin/policies",
            bool(structure.list_policies(session, after=None, limit=1).items),
        ),
        (
            "Create members",
            "/admin/members",
            len(members.list_members(session, after=None, limit=2).items) > 1,
        ),
    ]
    return page.render(
        "admin.html",
        title="Admin",
        description="The back-office of this service.",
        steps=steps,
        units=_all_units(page),
    )


# Units -------------------------------------------------------------------------------------------


def _units_page(
    page: Page,
    *,
    cursor: str | None = None,
    values: Mapping[str, str] | None = None,
) -> HTMLResponse:
    result = structure.list_units(page.session, after=_cursor(cursor), limit=PER_PAGE)
    items = list(result.items)
    everything = _all_units(page)
    return page.render(
        "admin_units.html",
        title="Units · Admin",
        description="The units of this service.",
        units=items,
        counts=structure.eligible_counts(page.session, [u.id or 0 for u in items]),
        unit_names={u.id: u.name for u in everything},
        all_units=everything,
        next_page=_next("/admin/units", result.next_after),
        values=values or {},
    )


@router.get("/units", response_class=HTMLResponse)
def units(page: PageDep, cursor: str | None = None) -> HTMLResponse:
    _admin(page)
    return _units_page(page, cursor=cursor)


@router.post("/units")
def create_unit(page: PageDep, form: FormDep) -> Response:
    admin = _admin(page)

    def act() -> str:
        body = validated(
            UnitCreate,
            _present(
                {
                    "name": _text(form, "name"),
                    "description": _text(form, "description"),
                    "parent_id": _number(form, "parent_id"),
                }
            ),
        )
        unit = structure.create_unit(
            page.session,
            actor=admin,
            name=body.name,
            description=body.description,
            parent_id=body.parent_id,
            clock=page.clock,
        )
        return f"The unit {unit.name} is created. Next: an area in it."

    return _submit(
        page,
        act,
        back="/admin/units",
        again=lambda: _units_page(page, values=typed(form)),
    )


# Areas -------------------------------------------------------------------------------------------


def _areas_page(
    page: Page,
    *,
    cursor: str | None = None,
    values: Mapping[str, str] | None = None,
) -> HTMLResponse:
    result = structure.list_areas(page.session, unit_id=None, after=_cursor(cursor), limit=PER_PAGE)
    everything = _all_units(page)
    return page.render(
        "admin_areas.html",
        title="Areas · Admin",
        description="The subject areas of this service.",
        areas=list(result.items),
        unit_names={u.id: u.name for u in everything},
        all_units=everything,
        next_page=_next("/admin/areas", result.next_after),
        values=values or {},
    )


@router.get("/areas", response_class=HTMLResponse)
def areas(page: PageDep, cursor: str | None = None) -> HTMLResponse:
    _admin(page)
    return _areas_page(page, cursor=cursor)


@router.post("/areas")
def create_area(page: PageDep, form: FormDep) -> Response:
    admin = _admin(page)

    def act() -> str:
        body = validated(
            AreaCreate,
            _present(
                {
                    "unit_id": _number(form, "unit_id"),
                    "name": _text(form, "name"),
                    "description": _text(form, "description"),
                }
            ),
        )
        area = structure.create_area(
            page.session,
            actor=admin,
            unit_id=body.unit_id,
            name=body.name,
            description=body.description,
            clock=page.clock,
        )
        unit = structure.get_unit(page.session, area.unit_id)
        return f"The area {area.name} is created in {unit.name}."

    return _submit(
        page,
        act,
        back="/admin/areas",
        again=lambda: _areas_page(page, values=typed(form)),
    )


# Policies ----------------------------------------------------------------------------------------


def _policies_page(
    page: Page,
    *,
    cursor: str | None = None,
    values: Mapping[str, str] | None = None,
) -> HTMLResponse:
    result = structure.list_policies(page.session, after=_cursor(cursor), limit=PER_PAGE)
    return page.render(
        "admin_policies.html",
        title="Policies · Admin",
        description="The policies issues run under.",
        policies=list(result.items),
        next_page=_next("/admin/policies", result.next_after),
        values=values if values is not None else POLICY_DEFAULTS,
        time_fields=TIME_FIELDS,
        time_units=TIME_UNITS,
        quorums=QUORUMS,
        majorities=MAJORITIES,
        cursor=cursor or "",
    )


def _seconds(form: FormData, name: str) -> int | str | None:
    """A time typed as a number of seconds, minutes, hours or days, in seconds (the API's unit)."""
    amount = _number(form, name)
    unit = _text(form, f"{name}_unit") or "seconds"
    if unit not in TIME_UNITS:
        raise InvalidInput(f"{name}: choose seconds, minutes, hours or days")
    if isinstance(amount, int):
        return amount * TIME_UNITS[unit]
    return amount


def policy_fields(form: FormData) -> dict[str, Any]:
    """The policy form as the body of ``POST /policies``."""
    data: dict[str, Any] = {
        "name": _text(form, "name"),
        "description": _text(form, "description"),
        "defeat_strength": _text(form, "defeat_strength") or None,
        "tie_breaking": _text(form, "tie_breaking") or None,
        "ballot_secrecy": _text(form, "ballot_secrecy") or None,
    }
    data.update((name, _seconds(form, name)) for name, _, _ in TIME_FIELDS)
    data.update((name, _number(form, name)) for name in POLICY_NUMBERS)
    data.update((name, _checked(form, name)) for name in POLICY_FLAGS)
    return _present(data)


@router.get("/policies", response_class=HTMLResponse)
def policies(page: PageDep, cursor: str | None = None) -> HTMLResponse:
    _admin(page)
    return _policies_page(page, cursor=cursor)


@router.post("/policies")
def create_policy(page: PageDep, form: FormDep) -> Response:
    admin = _admin(page)

    def act() -> str:
        body = validated(PolicyCreate, policy_fields(form))
        policy = structure.create_policy(
            page.session, actor=admin, fields=body.model_dump(), clock=page.clock
        )
        return f"The policy {policy.name} is created; new issues may use it."

    return _submit(
        page,
        act,
        back="/admin/policies",
        again=lambda: _policies_page(page, values=typed(form)),
    )


@router.post("/policies/{policy_id}/active")
def set_policy_active(policy_id: int, page: PageDep, form: FormDep) -> Response:
    admin = _admin(page)
    cursor = _text(form, "cursor")

    def act() -> str:
        body = validated(PolicyUpdate, _present({"active": _flag(form, "active")}))
        policy = structure.set_policy_active(
            page.session, actor=admin, policy_id=policy_id, active=body.active
        )
        if policy.active:
            return f"The policy {policy.name} is active: new issues may use it."
        return (
            f"The policy {policy.name} is inactive: it takes no new issues; "
            "issues already under it keep it."
        )

    return _submit(
        page,
        act,
        back=_back("/admin/policies", cursor),
        again=lambda: _policies_page(page, cursor=cursor or None),
    )


# Members -----------------------------------------------------------------------------------------


def _members_page(
    page: Page,
    *,
    cursor: str | None = None,
    values: Mapping[str, str] | None = None,
    opened: int | None = None,
) -> HTMLResponse:
    result = members.list_members(page.session, after=_cursor(cursor), limit=PER_PAGE)
    return page.render(
        "admin_members.html",
        title="Members · Admin",
        description="The members of this service.",
        people=list(result.items),
        next_page=_next("/admin/members", result.next_after),
        values=values or {},
        cursor=cursor or "",
        opened=opened,
    )


@router.get("/members", response_class=HTMLResponse)
def member_list(page: PageDep, cursor: str | None = None) -> HTMLResponse:
    _admin(page)
    return _members_page(page, cursor=cursor)


@router.post("/members")
def create_member(page: PageDep, form: FormDep) -> Response:
    admin = _admin(page)

    def act() -> str:
        body = validated(
            MemberCreate,
            {
                "name": _text(form, "name").strip(),
                "password": _text(form, "password"),  # exactly as typed, like the API's
                "email": _text(form, "email").strip() or None,
                "is_admin": _checked(form, "is_admin"),
            },
        )
        member = members.create_member(
            page.session,
            page.request.app.state.hasher,
            actor=admin,
            name=body.name,
            password=body.password,
            email=body.email,
            is_admin=body.is_admin,
            clock=page.clock,
        )
        return (
            f"The member {member.name} is created. Give them privileges in a unit so they can "
            "vote and propose."
        )

    return _submit(
        page,
        act,
        back="/admin/members",
        again=lambda: _members_page(page, values=typed(form)),
    )


@router.post("/members/{member_id}/active")
def set_member_active(member_id: int, page: PageDep, form: FormDep) -> Response:
    admin = _admin(page)
    cursor = _text(form, "cursor")

    def act() -> str:
        body = validated(MemberFlagsUpdate, _present({"active": _flag(form, "active")}))
        if body.active is None:
            raise InvalidInput("active: Field required")
        member = members.set_member_flags(
            page.session, actor=admin, member_id=member_id, active=body.active, clock=page.clock
        )
        if member.active:
            return f"{member.name} is active again and can log in."
        return f"{member.name} is deactivated: their sessions and tokens are ended."

    return _submit(
        page,
        act,
        back=_back("/admin/members", cursor),
        again=lambda: _members_page(page, cursor=cursor or None),
    )


@router.post("/members/{member_id}/password")
def set_member_password(member_id: int, page: PageDep, form: FormDep) -> Response:
    admin = _admin(page)
    cursor = _text(form, "cursor")

    def act() -> str:
        body = validated(MemberFlagsUpdate, {"password": _text(form, "password")})
        member = members.set_member_flags(
            page.session,
            actor=admin,
            member_id=member_id,
            password=body.password,
            hasher=page.request.app.state.hasher,
            clock=page.clock,
        )
        return f"{member.name} has a new password: their sessions and tokens are ended."

    return _submit(
        page,
        act,
        back=_back("/admin/members", cursor),
        again=lambda: _members_page(page, cursor=cursor or None, opened=member_id),
    )


# Privileges --------------------------------------------------------------------------------------


def _privileges_page(
    page: Page,
    unit_id: int,
    *,
    cursor: str | None = None,
    values: Mapping[str, str] | None = None,
) -> HTMLResponse:
    unit = structure.get_unit(page.session, unit_id)
    result = structure.list_privileges(page.session, unit_id, after=_cursor(cursor), limit=PER_PAGE)
    items = list(result.items)
    return page.render(
        "admin_privileges.html",
        title=f"Privileges in {unit.name} · Admin",
        description=f"Who may vote and propose in {unit.name}.",
        unit=unit,
        privileges=items,
        names=members.names_of(page.session, [p.member_id for p in items]),
        next_page=_next(f"/admin/units/{unit_id}/privileges", result.next_after),
        values=values if values is not None else {"voting_right": "on", "initiative_right": "on"},
        cursor=cursor or "",
    )


def pasted_names(text: str) -> list[str]:
    """The lines of the names field (``members.members_named`` reads names from them)."""
    return text.splitlines()


@router.get("/units/{unit_id}/privileges", response_class=HTMLResponse)
def privileges(unit_id: int, page: PageDep, cursor: str | None = None) -> HTMLResponse:
    _admin(page)
    return _privileges_page(page, unit_id, cursor=cursor)


def _rights(form: FormData) -> PrivilegeSet:
    return validated(
        PrivilegeSet,
        {
            "voting_right": _checked(form, "voting_right"),
            "initiative_right": _checked(form, "initiative_right"),
        },
    )


def _rights_words(voting: bool, initiative: bool) -> str:
    return " and ".join(
        word for word, held in (("voting", voting), ("initiative", initiative)) if held
    ) + (" rights" if voting and initiative else " right")


def _names(listed: Iterable[str]) -> str:
    return ", ".join(listed)


@router.post("/units/{unit_id}/privileges")
def grant(unit_id: int, page: PageDep, form: FormDep) -> Response:
    admin = _admin(page)

    def act() -> str:
        rights = _rights(form)
        granted = structure.grant_privileges(
            page.session,
            actor=admin,
            unit_id=unit_id,
            names=pasted_names(_text(form, "names")),
            voting_right=rights.voting_right,
            initiative_right=rights.initiative_right,
        )
        named = members.names_of(page.session, [g.member_id for g in granted])
        words = _rights_words(rights.voting_right, rights.initiative_right)
        return (
            f"{plural(len(granted), 'member')} now hold the {words}: "
            f"{_names(named[g.member_id] for g in granted)}."
        )

    return _submit(
        page,
        act,
        back=f"/admin/units/{unit_id}/privileges",
        again=lambda: _privileges_page(page, unit_id, values=typed(form)),
    )


@router.post("/units/{unit_id}/privileges/{member_id}")
def set_privilege(unit_id: int, member_id: int, page: PageDep, form: FormDep) -> Response:
    admin = _admin(page)
    cursor = _text(form, "cursor")

    def act() -> str:
        rights = _rights(form)
        view = structure.set_privilege(
            page.session,
            actor=admin,
            unit_id=unit_id,
            member_id=member_id,
            voting_right=rights.voting_right,
            initiative_right=rights.initiative_right,
        )
        name = members.get_member(page.session, member_id).name
        if not view.voting_right and not view.initiative_right:
            return f"{name} holds no privilege here any more."
        words = _rights_words(view.voting_right, view.initiative_right)
        return f"{name} holds the {words} here."

    return _submit(
        page,
        act,
        back=_back(f"/admin/units/{unit_id}/privileges", cursor),
        again=lambda: _privileges_page(page, unit_id, cursor=cursor or None),
    )


@router.post("/units/{unit_id}/privileges/{member_id}/revoke")
def revoke(unit_id: int, member_id: int, page: PageDep, form: FormDep) -> Response:
    admin = _admin(page)
    cursor = _text(form, "cursor")

    def act() -> str:
        structure.revoke_privilege(page.session, actor=admin, unit_id=unit_id, member_id=member_id)
        name = members.get_member(page.session, member_id).name
        return f"{name} holds no privilege here any more."

    return _submit(
        page,
        act,
        back=_back(f"/admin/units/{unit_id}/privileges", cursor),
        again=lambda: _privileges_page(page, unit_id, cursor=cursor or None),
    )
