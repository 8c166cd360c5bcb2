"""Notifications in the web client (issue 11): ``/me/notifications``, marking read, the unread
count of the page header, and the subscribe button of an area page.

Every action goes through the same ``proposals.services.notifications`` function and the same
body schema as its API endpoint. The header's count and the area page's button read through two
template globals registered here, so the shared page handlers need no change.
"""

from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from app.pagination import decode_cursor, encode_cursor
from app.schemas.notifications import MarkRead
from app.web.context import FormDep, Page, PageDep, WebRoute
from app.web.render import TEMPLATES
from proposals.errors import InvalidInput
from proposals.models import Notification
from proposals.services import notifications, structure

router = APIRouter(route_class=WebRoute, include_in_schema=False)

NOTIFICATIONS_PAGE = 50


def unread_notifications(page: Page | None) -> int | None:
    """The logged-in member's unread count for the page header (one indexed count); None for a
    visitor, or when the request's transaction can no longer read (an error page)."""
    if page is None or page.member is None:
        return None
    try:
        return notifications.unread_count(page.session, page.member.id or 0)
    except SQLAlchemyError:
        return None


def area_subscribed(page: Page | None, area_id: int) -> bool:
    """Whether the logged-in member subscribed to the area (the area page's button)."""
    if page is None or page.member is None:
        return False
    return notifications.is_subscribed(page.session, page.member.id or 0, area_id)


TEMPLATES.env.globals["unread_notifications"] = unread_notifications
TEMPLATES.env.globals["area_subscribed"] = area_subscribed


@dataclass(frozen=True)
class Entry:
    """A notification with where to act on it."""

    note: Notification
    href: str
    label: str


def where_to_act(note: Notification) -> Entry:
    """The page where the member acts on ``note``: the one rule, for the inbox and e-mails."""
    issue = f"/issues/{note.issue_id}"
    initiative = f"/initiatives/{note.initiative_id}"
    if note.kind == "new_suggestion":
        return Entry(note, f"{initiative}#suggestion-{note.suggestion_id}", "Read the suggestion")
    if note.kind == "invitation":
        return Entry(note, "/me", "Accept or decline on my page")
    if note.kind == "new_draft":
        return Entry(note, f"{initiative}#draft-heading", "Read the new draft")
    if note.kind in ("delegation_started", "delegation_stopped"):
        return Entry(note, "/me#received-heading", "Delegations to me")
    if note.kind == "delegation_declined":
        return Entry(note, "/me#given-heading", "My delegations")
    if note.kind == "webhook_disabled":
        return Entry(note, "/docs#/webhooks", "The webhooks API")
    if note.kind in ("votes_delegated", "voting_reminder") or (
        note.kind == "phase_changed" and note.text.startswith("Voting")
    ):
        return Entry(note, f"{issue}#ballot", f"Vote on issue {note.issue_id}")
    return Entry(note, issue, f"Issue {note.issue_id}")


@router.get("/me/notifications", response_class=HTMLResponse)
def notifications_page(
    page: PageDep, cursor: str | None = None, unread: bool | None = None
) -> HTMLResponse:
    me = page.require_member("read")
    before = decode_cursor(cursor) if cursor else None
    shown = notifications.list_notifications(
        page.session, me.id or 0, unread=unread, before=before, limit=NOTIFICATIONS_PAGE
    )
    newest = notifications.list_notifications(
        page.session, me.id or 0, unread=True, before=None, limit=1
    ).items
    return page.render(
        "notifications.html",
        title="My notifications",
        description="What concerns me, newest first, and why I am told.",
        entries=[where_to_act(note) for note in shown.items],
        newest_unread=newest[0].id if newest else None,
        unread=unread,
        more=encode_cursor(shown.next_after) if shown.next_after else None,
    )


def _back(form: FormDep) -> str:
    back = form.get("back")
    return (
        back
        if isinstance(back, str) and back.startswith("/me/notifications")
        else ("/me/notifications")
    )


def _number(value: object) -> object:
    """A form field as the JSON integer the API's schema expects (digits only, and few enough to
    convert; anything else is passed on as text for the schema to refuse)."""
    text = str(value)
    return int(text) if text.isdigit() and len(text) <= 12 else text


@router.post("/me/notifications/read")
def mark_read(page: PageDep, form: FormDep) -> Response:
    """The same service and body schema as ``POST /members/me/notifications/read``."""
    me = page.require_member("write")
    raw: dict[str, object] = {}
    ids = form.getlist("ids")
    if ids:
        raw["ids"] = [_number(i) for i in ids]
    up_to = form.get("up_to_id")
    if up_to is not None:
        raw["up_to_id"] = _number(up_to)
    try:
        body = MarkRead.model_validate(raw)
    except ValidationError:
        raise InvalidInput("ids and up_to_id must be notification ids") from None
    return page.act(
        lambda: notifications.mark_read(
            page.session, actor=me, ids=body.ids, up_to_id=body.up_to_id, clock=page.clock
        ),
        back=_back(form),
        success="Marked as read.",
    )


@router.post("/areas/{area_id}/subscription")
def subscription(area_id: int, page: PageDep, form: FormDep) -> Response:
    """Subscribe (``action=subscribe``) or unsubscribe: the services of
    ``PUT``/``DELETE /areas/{id}/subscription``."""
    me = page.require_member("write")
    action = form.get("action")
    if action not in ("subscribe", "unsubscribe"):
        raise InvalidInput("action must be subscribe or unsubscribe")
    name = structure.get_area(page.session, area_id).name
    if action == "subscribe":
        return page.act(
            lambda: notifications.subscribe(
                page.session, actor=me, area_id=area_id, clock=page.clock
            ),
            back=f"/areas/{area_id}",
            success=f"You subscribed to {name}: you will hear of its new issues and votes.",
        )
    return page.act(
        lambda: notifications.unsubscribe(page.session, actor=me, area_id=area_id),
        back=f"/areas/{area_id}",
        success=f"You unsubscribed from {name}.",
    )
