"""The per-request context of a page: who is logged in, CSRF, flash, rendering and redirects."""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import Response

from app.deps import ClockDep, SessionDep, SettingsDep, authorize, shows_members
from app.schemas.messages import describe
from app.settings import PublicAccess, Settings
from app.web import session as cookies
from app.web.render import TEMPLATES
from proposals.clock import Clock
from proposals.errors import DomainError
from proposals.models import Member
from proposals.services.tokens import Credentials, resolve_web_session

T = TypeVar("T")


class LoginRequired(Exception):
    """The page needs a logged-in member (``PUBLIC_ACCESS`` or the action demands it)."""

    def __init__(self, message: str = "please log in first") -> None:
        super().__init__(message)
        self.message = message


class CsrfRejected(Exception):
    """A form came without the token of this browser's session."""


PRIVATE_NO_STORE = "private, no-store"
"""Cache-Control of every answer to a logged-in member (issue 9)."""

STATUS_TITLES = {
    400: "Bad request",
    401: "Log in needed",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed here",
    409: "Not now",
    413: "Too large",
    422: "Not valid",
    429: "Too many attempts",
    500: "Server error",
    503: "Unavailable for a moment",
}
NO_SUCH_PAGE = "There is no such page."
PUBLIC_PATHS = ("/login", "/robots.txt", "/email/verify", "/email/unsubscribe")
"""Pages open without a login even when ``PUBLIC_ACCESS`` is ``none`` (the links of e-mails
carry their own signed authorisation)."""
_KEPT_HEADERS = ("allow", "retry-after")


@dataclass
class Page:
    """What every page and form handler needs."""

    request: Request
    session: Session
    settings: Settings
    clock: Clock
    credentials: Credentials | None
    flash: tuple[str, str] | None = None
    clear_session: bool = False
    extra_cookies: list[tuple[str, str, int | None]] = field(default_factory=list)
    refused_form: str | None = None
    """The form on this page the service refused (its id), shown again with what was typed."""
    kept: dict[str, str] = field(default_factory=dict)
    """What the member typed into ``refused_form`` (never a password)."""
    shown_path: str | None = None
    """The page's own address when a form's answer renders it (for its canonical link)."""

    @property
    def member(self) -> Member | None:
        return self.credentials.member if self.credentials else None

    @property
    def shows_members(self) -> bool:
        """DESIGN.md §5, by the API's rule (:func:`app.deps.shows_members`)."""
        return shows_members(self.member, self.settings.public_access)

    @property
    def session_key(self) -> str | None:
        """What the CSRF token of a logged-in member's session is bound to (None: a visitor)."""
        return self.credentials.token.token_hash if self.credentials else None

    def require_member(self, scope: str | None = None, *, admin: bool = False) -> Member:
        """The logged-in member (else a login is asked for). A form names the scope (and admin)
        its API endpoint needs and is checked by the same ``app.deps.authorize``."""
        if self.credentials is None:
            raise LoginRequired()
        if scope is None:
            return self.credentials.member
        return authorize(self.credentials, scope, admin=admin)

    def require_member_view(self) -> None:
        if not self.shows_members:
            raise LoginRequired("member pages need a login on this service")

    def url(self, path: str) -> str:
        """The absolute address of ``path``: under ``PUBLIC_URL`` when it is set (the ``Host``
        header is then never used), else under the address the request came to."""
        base = self.settings.public_url or str(self.request.base_url).rstrip("/")
        return base + path

    def keep(self, form_id: str, form: FormData, *, leave_out: tuple[str, ...] = ()) -> None:
        """Remember what was typed into the form ``form_id`` of this page, to show it again if
        the service refuses it (the CSRF token and anything in ``leave_out`` are not kept)."""
        self.refused_form = form_id
        self.kept = {
            key: value
            for key, value in form.items()
            if isinstance(value, str) and key != cookies.CSRF_FIELD and key not in leave_out
        }

    def typed(self, form_id: str, name: str, default: Any = "") -> Any:
        """What was typed into ``name`` of the refused form ``form_id``, else ``default``."""
        if self.refused_form == form_id and self.flash and self.flash[0] == "error":
            return self.kept.get(name, "")
        return default

    def is_refused(self, form_id: str) -> bool:
        """Whether ``form_id`` is the form shown again after a refusal (to open its box)."""
        return self.refused_form == form_id and bool(self.flash and self.flash[0] == "error")

    def render(self, template: str, *, status: int = 200, **values: Any) -> HTMLResponse:
        values.setdefault("canonical", self.url(self.shown_path or self.request.url.path))
        response = TEMPLATES.TemplateResponse(
            self.request,
            template,
            {
                "page": self,
                "member": self.member,
                "csrf": cookies.csrf_token(
                    self.request, self.settings.secret_key, self.session_key
                ),
                "csrf_field": cookies.CSRF_FIELD,
                "flash": self.flash,
                "now": self.clock(),
                **values,
            },
            status_code=status,
        )
        self._finish(response)
        return response

    def redirect(self, url: str, kind: str | None = None, message: str | None = None) -> Response:
        response = RedirectResponse(safe_target(url), status_code=303)
        if kind and message:
            cookies.set_flash(self.request, response, self.settings.secret_key, kind, message)
        self._finish(response, keep_flash=bool(kind and message))
        return response

    def _finish(self, response: Response, *, keep_flash: bool = False) -> None:
        if self.member is not None:  # the page shows what only this member may see
            response.headers["cache-control"] = PRIVATE_NO_STORE
        cookies.remember_csrf_seed(self.request, response)
        if not keep_flash and cookies.FLASH_COOKIE in self.request.cookies:
            response.delete_cookie(cookies.FLASH_COOKIE, path="/")
        if self.clear_session:
            response.delete_cookie(cookies.SESSION_COOKIE, path="/")
        for name, value, max_age in self.extra_cookies:
            cookies.set_cookie(self.request, response, name, value, max_age=max_age)

    def act(
        self,
        action: Callable[[], T],
        *,
        back: str,
        success: str | Callable[[], str],
        again: Callable[[], Response] | None = None,
    ) -> Response:
        """Run a form's service call: on success redirect with a flash (``success`` may be
        computed after the action); on a refusal roll back everything the request wrote and
        show the page again (``again``: it renders ``back``) with the same message and status
        the API gives and what was typed (:meth:`keep`); without ``again``, redirect back with
        the message."""
        try:
            action()
        except DomainError as exc:
            self.session.rollback()
            if again is not None:
                return self.refuse(exc, back, again)
            return self.redirect(back, "error", exc.detail)
        return self.redirect(back, "success", success if isinstance(success, str) else success())

    def refuse(self, exc: DomainError, back: str, again: Callable[[], Response]) -> Response:
        """The page at ``back`` rendered by ``again`` with the refusal's message and status
        (as the API answers it; ``Retry-After`` kept) and the typed values kept."""
        from app.errors import status_of

        self.flash = ("error", exc.detail)
        self.shown_path = urlsplit(safe_target(back)).path
        response = again()
        response.status_code = status_of(exc)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response.headers["retry-after"] = str(retry_after)
        return response


def why_not(refusal: DomainError | None) -> str | None:
    """The one line a page shows instead of a form the member may not use: the refusal the
    service would give on submit (from the same ``*_refusal`` check), as a sentence."""
    if refusal is None:
        return None
    detail = refusal.detail
    return detail[:1].upper() + detail[1:] + ("" if detail.endswith(".") else ".")


def safe_target(url: str) -> str:
    """Only same-site paths: an open redirect must never leave the service."""
    parts = urlsplit(url)
    if (
        parts.scheme
        or parts.netloc
        or not url.startswith("/")
        or url.startswith("//")
        or "\\" in url
    ):
        return "/"
    return url


def page_context(
    request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Page:
    secret = request.cookies.get(cookies.SESSION_COOKIE)
    credentials = resolve_web_session(session, secret, clock=clock) if secret else None
    page = Page(
        request=request,
        session=session,
        settings=settings,
        clock=clock,
        credentials=credentials,
        flash=cookies.take_flash(request, settings.secret_key),
        clear_session=bool(secret) and credentials is None,
    )
    public = request.url.path in PUBLIC_PATHS or request.url.path.startswith("/static/")
    if settings.public_access == PublicAccess.NONE and credentials is None and not public:
        raise LoginRequired("this service is not public: please log in")
    return page


PageDep = Annotated[Page, Depends(page_context)]


async def form_data(request: Request, page: PageDep) -> FormData:
    """The submitted form, once its CSRF token has been checked against this session's."""
    form = await request.form()
    submitted = form.get(cookies.CSRF_FIELD)
    if not cookies.csrf_valid(
        request,
        page.settings.secret_key,
        submitted if isinstance(submitted, str) else None,
        page.session_key,
    ):
        raise CsrfRejected()
    return form


FormDep = Annotated[FormData, Depends(form_data)]


class WebRoute(APIRoute):
    """Routes of the web client answer errors as pages, not JSON, and answer ``HEAD`` wherever
    they answer ``GET`` (the unit of work sends no body to a ``HEAD``)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if self.methods and "GET" in self.methods:
            self.methods.add("HEAD")

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                target = quote(login_return_target(request), safe="/")
                response = RedirectResponse(f"/login?next={target}", status_code=303)
                settings: Settings = request.app.state.settings
                cookies.set_flash(request, response, settings.secret_key, "error", exc.message)
                return response
            except CsrfRejected:
                return error_page(
                    request,
                    403,
                    "The form has expired or did not come from this site. Reload the page and "
                    "try again.",
                )
            except DomainError as exc:
                from app.errors import status_of

                return error_page(request, status_of(exc), exc.detail)

        return handle


def login_return_target(request: Request) -> str:
    """Where to go after logging in: the page itself (with its query), or for a form the page
    it was sent from (a form's action answers POST only)."""
    if request.method == "GET":
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path:
        return "/"
    return safe_target(referer.path + (f"?{referer.query}" if referer.query else ""))


def page_for_error(
    request: Request, exc: Exception, status: int, body: dict[str, Any], headers: dict[str, str]
) -> HTMLResponse:
    """The HTML page of an error the API would answer as ``body`` (``app.errors``' handlers): a
    page address with an id that is no number, or no number the database can hold, names no
    page (404); the rest keep their status, in words."""
    detail = body.get("detail", "")
    reading = request.method in ("GET", "HEAD")
    if isinstance(exc, RequestValidationError):
        errors = exc.errors()
        if all(error["loc"][:1] == ("path",) for error in errors):
            status, detail = 404, NO_SUCH_PAGE
        else:
            detail = describe(errors)
    elif isinstance(exc, OverflowError | DataError) and status == 422 and reading:
        status, detail = 404, NO_SUCH_PAGE
    elif isinstance(exc, HTTPException) and status == 404:
        detail = NO_SUCH_PAGE
    elif isinstance(exc, HTTPException) and status == 405:
        detail = f"This page does not answer {request.method} requests."
    elif status == 500:
        detail = (
            "Something went wrong on our side. If you report it, quote the request id "
            f"{body.get('request_id', '-')}."
        )
    if not isinstance(detail, str):
        detail = "The request is not valid."
    kept = {k: v for k, v in headers.items() if k.lower() in _KEPT_HEADERS}
    return error_page(request, status, detail, kept)


def error_page(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(
        request,
        "error.html",
        {
            "page": None,
            "member": None,
            "flash": None,
            "title": STATUS_TITLES.get(status, "Error"),
            "detail": detail,
            "status": status,
        },
        status_code=status,
        headers=headers,
    )
    if cookies.SESSION_COOKIE in request.cookies:
        response.headers["cache-control"] = PRIVATE_NO_STORE
    return response
