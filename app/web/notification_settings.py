"""My notification settings at ``/me/notifications/settings`` (issue 11): e-mail frequency, the
kinds I get by e-mail, my address and whether it is verified or failing, and sending the
verification link again.

The settings form is parsed by the API's schema (``NotificationSettingsUpdate``) and saved by
the service of ``PUT /members/me/notification-settings``; the verification button is
``POST /members/me/email/verification``'s ``queue_verification``.
"""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from app.mail.links import SETTINGS_PATH, VERIFICATION_HOURS
from app.mail.verification import queue_verification, sends_email
from app.schemas.email_settings import NotificationSettingsUpdate
from app.schemas.messages import describe
from app.web.context import FormDep, Page, PageDep, WebRoute, why_not
from proposals.errors import InvalidInput
from proposals.models import EMAIL_FREQUENCIES, NOTIFICATION_KINDS
from proposals.services import email_settings

router = APIRouter(route_class=WebRoute, include_in_schema=False)

FREQUENCY_LABELS = {
    "immediately": "At once: one e-mail per notification",
    "daily": "A daily digest",
    "weekly": "A weekly digest (on Mondays)",
    "never": "Never: in the app only",
}
KIND_LABELS = {
    "new_issue": "A new issue in an area I subscribed to",
    "phase_changed": "An issue I take part in (or one of my areas reaching voting) moves on",
    "issue_closed": "The result of an issue I took part in",
    "votes_delegated": "Voting starts where members' votes go to me",
    "delegation_started": "Someone starts delegating to me",
    "delegation_stopped": "Someone stops delegating to me",
    "new_suggestion": "A new suggestion on my initiative",
    "invitation": "An invitation to become co-initiator",
    "new_draft": "A new draft of an initiative I support",
    "voting_reminder": "The last-day reminder to vote, when members' votes go to me",
    "delegation_declined": "My delegate declines my delegation",
    "webhook_disabled": "A webhook of mine is disabled after failing for a day",
}


def _settings_page(page: Page) -> HTMLResponse:
    me = page.require_member("read")
    current = email_settings.read_settings(page.session, me)
    refusal = email_settings.verification_refusal(page.session, me, now=page.clock())
    return page.render(
        "notification_settings.html",
        title="Notification settings",
        description="How and about what you hear by e-mail, and your address.",
        current=current,
        frequencies=[(f, FREQUENCY_LABELS.get(f, f)) for f in EMAIL_FREQUENCIES],
        kinds=[(k, KIND_LABELS.get(k, k)) for k in NOTIFICATION_KINDS],
        sends_email=sends_email(page.settings),
        cannot_verify=why_not(refusal),
        hours=VERIFICATION_HOURS,
    )


@router.get(SETTINGS_PATH, response_class=HTMLResponse)
def settings_page(page: PageDep) -> HTMLResponse:
    return _settings_page(page)


@router.post(SETTINGS_PATH)
def save_settings(page: PageDep, form: FormDep) -> Response:
    """The same schema and service as ``PUT /members/me/notification-settings``: the kinds
    not ticked are off."""
    me = page.require_member("write")
    ticked = {k for k in form.getlist("kinds") if isinstance(k, str)}
    frequency = form.get("email_frequency")
    raw: dict[str, object] = {
        "kinds": {kind: kind in ticked for kind in (*NOTIFICATION_KINDS, *sorted(ticked))}
    }
    if frequency is not None:
        raw["email_frequency"] = frequency
    try:
        body = NotificationSettingsUpdate.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(describe(exc.errors())) from None
    return page.act(
        lambda: email_settings.update_settings(
            page.session, actor=me, email_frequency=body.email_frequency, kinds=body.kinds
        ),
        back=SETTINGS_PATH,
        success="Your notification settings are saved.",
    )


@router.post("/me/email/verification")
def send_verification(page: PageDep, form: FormDep) -> Response:
    """Send the verification link again, as ``POST /members/me/email/verification``."""
    me = page.require_member("write")
    return page.act(
        lambda: queue_verification(page.session, page.settings, me, clock=page.clock),
        back=SETTINGS_PATH,
        success=lambda: (
            f"A verification link is on its way to {me.email}. "
            f"Open it within {VERIFICATION_HOURS} hours."
        ),
    )
