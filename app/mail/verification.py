"""Sending the verification link, and reading it back (issue 11).

``queue_verification`` renders ``email/verification`` with a signed link
(:mod:`app.mail.links`) and queues it through ``email_settings.request_verification``, the
service that decides whether it may go. ``member_of_link`` checks a link that came back and
answers the member and the address it proves.
"""

from email.utils import parseaddr

from sqlmodel import Session

from app.mail import links
from app.settings import Settings
from proposals.clock import Clock
from proposals.errors import Conflict, DomainError, NotFound
from proposals.models import EmailMessage, Member
from proposals.services import email_settings, members, outbox


class BadLink(DomainError):
    """A verification or unsubscribe link that was not made here, is for another address or
    has expired (400: nothing is changed)."""


def message_domain(settings: Settings) -> str:
    """The host named in a Message-ID: the domain of ``MAIL_FROM``."""
    address = parseaddr(settings.mail_from)[1]
    return address.rpartition("@")[2] or "localhost"


def sends_email(settings: Settings) -> bool:
    """E-mail goes out only when ``SMTP_URL`` is set."""
    return bool(settings.smtp_url)


def queue_verification(
    session: Session, settings: Settings, member: Member, *, clock: Clock
) -> EmailMessage:
    """Queue the verification e-mail to the member's address (409 when the service sends no
    e-mail; otherwise as ``email_settings.request_verification`` refuses). Its links are under
    ``PUBLIC_URL``, which a service that sends e-mail always has (app/settings.py)."""
    if not sends_email(settings):
        raise Conflict("this service sends no e-mail (SMTP_URL is not set)")
    from app.mail.render import render_email  # app.mail.render imports app.web: not at the top

    expires_at = clock() + links.VERIFICATION_VALID

    def letter(address: str) -> outbox.Letter:
        return render_email(
            "verification",
            member=member,
            address=address,
            link=links.verification_url(settings, member.id or 0, address, expires_at),
            settings_link=links.settings_url(settings),
            hours=links.VERIFICATION_HOURS,
        )

    return email_settings.request_verification(
        session, member, letter=letter, domain=message_domain(settings), clock=clock
    )


def member_of_link(
    session: Session, settings: Settings, token: str, *, clock: Clock
) -> tuple[Member, str]:
    """The member a verification link was made for, and the address it proves (400 for a link
    not made here, for an address the member no longer has, or expired)."""
    claim = links.read_verification(token)
    if claim is None:
        raise BadLink("this verification link is not valid: copy the whole link from the e-mail")
    try:
        member = members.get_member(session, claim.member_id)
    except NotFound:
        raise BadLink("this verification link is not valid") from None
    address = member.email
    if address is None or not links.verification_matches(settings, claim, address):
        raise BadLink(
            "this verification link is not valid, or it was sent to an address that is no "
            "longer the one in your profile"
        )
    if claim.expires_at <= clock():
        raise BadLink(
            f"this verification link has expired (links are valid for "
            f"{links.VERIFICATION_HOURS} hours): ask for a new one on your notification "
            "settings page"
        )
    return member, address


def member_of_unsubscribe(session: Session, settings: Settings, token: str) -> int:
    """The member of a one-click unsubscribe link (400 for one not made here)."""
    member_id = links.unsubscribe_member(settings, token)
    if member_id is None:
        raise BadLink("this unsubscribe link is not valid: copy the whole link from the e-mail")
    try:
        members.get_member(session, member_id)
    except NotFound:
        raise BadLink("this unsubscribe link is not valid") from None
    return member_id


def after_address_change(
    session: Session,
    settings: Settings,
    member: Member,
    *,
    old_address: str | None,
    clock: Clock,
) -> bool:
    """When the member's address changed and the service sends e-mail, the new address gets its
    verification link at once (True). Nothing is queued, and nothing refused, when there is no
    new address, it was verified before, or the day's verification e-mails are used up."""
    if member.email is None or member.email == old_address or not sends_email(settings):
        return False
    if email_settings.verification_refusal(session, member, now=clock()) is not None:
        return False
    queue_verification(session, settings, member, clock=clock)
    return True
