"""The pages the links of e-mails open (issue 11): address verification and one-click
unsubscribe.

Mail scanners open links, so a ``GET`` never changes anything: it shows what the link would do
and a button. The ``POST`` of that button (or of a mail client, RFC 8058's
``List-Unsubscribe=One-Click``) acts. The signed token in the link's query authorises it, for
the member it was made for, with or without a login: these two forms carry no CSRF check (a
forged request could only do what the link's own holder can). A token that was not made here,
was made for another address, or has expired changes nothing and answers 400.
"""

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app.mail.links import UNSUBSCRIBE_PATH, VERIFY_PATH
from app.mail.verification import member_of_link, member_of_unsubscribe
from app.web.context import Page, PageDep, WebRoute
from proposals.services import email_settings

router = APIRouter(route_class=WebRoute, include_in_schema=False)

TOKEN_MAX = 200


def _token(token: str) -> str:
    return token[:TOKEN_MAX]


def _render(page: Page, *, title: str, message: str, **form: object) -> HTMLResponse:
    response = page.render(
        "email_link.html",
        title=title,
        description=title,
        heading=title,
        message=message,
        action=form.get("action"),
        button=form.get("button"),
        one_click=form.get("one_click", False),
    )
    response.headers["cache-control"] = "no-store"  # the page's address carries the token
    return response


@router.get(VERIFY_PATH, response_class=HTMLResponse)
def verify_page(page: PageDep, token: str = "") -> HTMLResponse:
    """What the verification link will do, and the button that does it (changes nothing)."""
    member, address = member_of_link(page.session, page.settings, _token(token), clock=page.clock)
    if email_settings.read_settings(page.session, member).email_verified:
        return _render(page, title="Address verified", message=f"{address} is verified already.")
    return _render(
        page,
        title="Confirm your e-mail address",
        message=f"Confirm that {address} is the address of {member.name} on Liquid Policy.",
        action=f"{VERIFY_PATH}?token={quote(_token(token))}",
        button="Confirm my address",
    )


@router.post(VERIFY_PATH, response_class=HTMLResponse)
def verify(page: PageDep, token: str = "") -> HTMLResponse:
    """Verify the address: the signed link is the authorisation (no login, no CSRF token)."""
    member, address = member_of_link(page.session, page.settings, _token(token), clock=page.clock)
    email_settings.verify(page.session, member, address=address, clock=page.clock)
    return _render(
        page,
        title="Address verified",
        message=f"Thank you: {address} is verified. E-mail notifications go to it from now on.",
    )


@router.get(UNSUBSCRIBE_PATH, response_class=HTMLResponse)
def unsubscribe_page(page: PageDep, token: str = "") -> HTMLResponse:
    """What the unsubscribe link will do, and its button (changes nothing: scanners open
    links)."""
    member_of_unsubscribe(page.session, page.settings, _token(token))
    return _render(
        page,
        title="Unsubscribe from e-mail",
        message="Stop all e-mail notifications to this address? You keep seeing your "
        "notifications in the app.",
        action=f"{UNSUBSCRIBE_PATH}?token={quote(_token(token))}",
        button="Unsubscribe",
        one_click=True,
    )


@router.post(UNSUBSCRIBE_PATH, response_class=HTMLResponse)
def unsubscribe(page: PageDep, token: str = "") -> HTMLResponse:
    """One-click unsubscribe (RFC 8058): e-mail off for the link's member, without a login or
    a CSRF token."""
    member_id = member_of_unsubscribe(page.session, page.settings, _token(token))
    email_settings.unsubscribe(page.session, member_id)
    return _render(
        page,
        title="Unsubscribed",
        message="You get no more e-mail notifications. You can turn them on again on your "
        "notification settings page.",
    )
