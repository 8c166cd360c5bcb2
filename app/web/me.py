"""My page at ``/me``: what needs my attention (the agenda of ``GET /members/me/agenda``) and my
delegations, given and received, per scope."""

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from app.api.agenda import decode_agenda_cursor, encode_agenda_cursor
from app.pagination import decode_cursor, encode_cursor
from app.schemas.deliberation import InvitationAnswer
from app.web.context import FormDep, PageDep, WebRoute
from proposals.errors import InvalidInput
from proposals.models import Delegation
from proposals.services import delegations, initiatives, members, structure
from proposals.services.agenda import AgendaItem, agenda

router = APIRouter(route_class=WebRoute, include_in_schema=False)

AGENDA_PAGE = 50
DELEGATIONS_PAGE = 100
SCOPES = ("unit", "area", "issue")


@dataclass(frozen=True)
class Entry:
    """An agenda item with where to act on it."""

    item: AgendaItem
    href: str
    label: str


def _entry(item: AgendaItem) -> Entry:
    issue = f"/issues/{item.issue_id}"
    initiative = f"/initiatives/{item.initiative_id}"
    if item.kind == "vote":
        return Entry(item, f"{issue}#ballot", f"Vote on issue {item.issue_id}")
    if item.kind == "phase_ending":
        return Entry(item, issue, f"Issue {item.issue_id}")
    if item.kind == "newer_draft":
        return Entry(
            item,
            f"{initiative}#draft-heading",
            f"Read the new draft of initiative {item.initiative_id}",
        )
    if item.kind == "open_suggestion":
        return Entry(
            item,
            f"{initiative}#suggestion-{item.suggestion_id}",
            f"Answer suggestion {item.suggestion_id}",
        )
    return Entry(item, initiative, f"Initiative {item.initiative_id}")


def _by_scope(rows: list[Delegation]) -> dict[str, list[Delegation]]:
    grouped: dict[str, list[Delegation]] = {scope: [] for scope in SCOPES}
    for row in rows:
        grouped[row.scope].append(row)
    return grouped


def _place_names(page: PageDep, rows: list[Delegation]) -> dict[tuple[str, int], str]:
    """The name of each unit and area the rows are about (issues are named by number)."""
    names: dict[tuple[str, int], str] = {}
    for row in rows:
        if row.unit_id is not None and ("unit", row.unit_id) not in names:
            names["unit", row.unit_id] = structure.get_unit(page.session, row.unit_id).name
        if row.area_id is not None and ("area", row.area_id) not in names:
            names["area", row.area_id] = structure.get_area(page.session, row.area_id).name
    return names


def _after(cursor: str | None) -> int | None:
    return decode_cursor(cursor) if cursor else None


@router.get("/me", response_class=HTMLResponse)
def me_page(
    page: PageDep,
    agenda_cursor: str | None = None,
    given: str | None = None,
    received: str | None = None,
) -> HTMLResponse:
    me = page.require_member()
    session = page.session
    now = page.clock()
    todo = agenda(
        session,
        me,
        now=now,
        after=decode_agenda_cursor(agenda_cursor) if agenda_cursor else None,
        limit=AGENDA_PAGE,
    )
    gave = delegations.list_delegations(
        session,
        truster_id=me.id,
        trustee_id=None,
        scope=None,
        after=_after(given),
        limit=DELEGATIONS_PAGE,
    )
    got = delegations.list_delegations(
        session,
        truster_id=None,
        trustee_id=me.id,
        scope=None,
        after=_after(received),
        limit=DELEGATIONS_PAGE,
    )
    rows = [*gave.items, *got.items]
    more: dict[str, Any] = {
        "agenda": encode_agenda_cursor(todo.next_after) if todo.next_after else None,
        "given": encode_cursor(gave.next_after) if gave.next_after else None,
        "received": encode_cursor(got.next_after) if got.next_after else None,
    }
    return page.render(
        "me.html",
        title="My page",
        description="What needs my attention, and my delegations.",
        entries=[_entry(item) for item in todo.items],
        given=_by_scope(list(gave.items)),
        received=_by_scope(list(got.items)),
        names=members.names_of(
            session, [*(d.trustee_id for d in rows), *(d.truster_id for d in rows)]
        ),
        places=_place_names(page, rows),
        more=more,
        now=now,
        shows=page.shows_members,
    )


@router.post("/me/delegations/{delegation_id}/decline")
def decline_delegation(delegation_id: int, page: PageDep, form: FormDep) -> Response:
    """The same service as ``POST /delegations/{id}/decline`` (scope ``delegate``)."""
    me = page.require_member("delegate")
    names: list[str] = []

    def decline() -> None:
        declined = delegations.decline_delegation(
            page.session, actor=me, delegation_id=delegation_id, clock=page.clock
        )
        names.extend(members.names_of(page.session, [declined.truster_id]).values())

    return page.act(
        decline,
        back="/me#received-heading",
        success=lambda: (
            f"You declined the delegation: {names[0]}'s vote no longer comes to you here."
        ),
    )


@router.post("/me/invitations/{initiative_id}")
def answer_invitation(initiative_id: int, page: PageDep, form: FormDep) -> Response:
    """The same service and body schema as ``PUT /initiatives/{id}/initiators/me``."""
    me = page.require_member("write")
    answer = form.get("answer")
    try:
        body = InvitationAnswer.model_validate(
            {"accepted": {"accept": True, "decline": False}.get(str(answer), answer)}
        )
    except ValidationError:
        raise InvalidInput("answer must be accept or decline") from None
    return page.act(
        lambda: initiatives.answer_invitation(
            page.session, actor=me, initiative_id=initiative_id, accepted=body.accepted
        ),
        back="/me",
        success=(
            "You are now an initiator of this initiative."
            if body.accepted
            else "You declined the invitation."
        ),
    )
