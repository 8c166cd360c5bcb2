"""My notification settings and my address's verification (API.md "Notifications")."""

from fastapi import APIRouter, Response

from app.deps import ClockDep, ReadMember, SessionDep, SettingsDep, WriteMember
from app.errors import responses
from app.idempotency import IdempotentRoute
from app.mail.verification import queue_verification
from app.schemas.email_settings import NotificationSettingsOut, NotificationSettingsUpdate
from proposals.services import email_settings

router = APIRouter(tags=["notifications"], route_class=IdempotentRoute)


@router.get(
    "/members/me/notification-settings",
    response_model=NotificationSettingsOut,
    responses=responses(401, 403),
)
def my_settings(member: ReadMember, session: SessionDep) -> NotificationSettingsOut:
    """How I hear by e-mail: frequency, kinds, and whether my address is verified."""
    return NotificationSettingsOut.of(email_settings.read_settings(session, member))


@router.put(
    "/members/me/notification-settings",
    response_model=NotificationSettingsOut,
    responses=responses(401, 403, 413, 422),
)
def change_settings(
    body: NotificationSettingsUpdate, member: WriteMember, session: SessionDep
) -> NotificationSettingsOut:
    """Change my e-mail frequency and the kinds I get by e-mail (others keep their value)."""
    return NotificationSettingsOut.of(
        email_settings.update_settings(
            session, actor=member, email_frequency=body.email_frequency, kinds=body.kinds
        )
    )


@router.post(
    "/members/me/email/verification",
    status_code=202,
    responses=responses(401, 403, 409, 429),
)
def send_verification(
    member: WriteMember,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    """Send the verification link (again) to my address: 409 when I have none, it is verified
    already or the service sends no e-mail; 429 after 5 in 24 hours."""
    queue_verification(session, settings, member, clock=clock)
    return Response(status_code=202)
