"""Browser protections on every answer: Content-Security-Policy, nosniff, Referrer-Policy.

A pure ASGI middleware, outermost, so pages, API answers, static files, error pages and the
unit of work's own answers (413) all carry them. A header the route set itself is kept.

* The service's pages load only their own style sheet and no script at all, hence the strict
  :data:`CSP`: nothing inline, nothing from elsewhere, and no framing (``frame-ancestors 'none'``,
  plus ``X-Frame-Options: DENY`` for browsers that predate it).
* ``/docs`` (:mod:`app.docs`) loads Swagger UI from this service and starts it with a static
  script: it runs under the same :data:`CSP` (checked in Chromium: no violation).
* ``/redoc`` loads ReDoc from this service (it starts itself: no script of ours). Its
  :data:`REDOC_CSP` keeps ``script-src 'self'`` and ``frame-ancestors 'none'`` and allows only
  what the bundle needs to work: ``style-src 'unsafe-inline'`` (styled-components writes
  ``<style>`` elements; without it ReDoc stops with an error), ``img-src data:`` (its icons) and
  ``worker-src blob:`` (its search index runs in a worker built from a blob of its own code).
  Its footer logo from cdn.redoc.ly stays blocked.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
REDOC_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; worker-src blob:; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
REFERRER_POLICY = "strict-origin-when-cross-origin"


def headers_for(path: str) -> list[tuple[bytes, bytes]]:
    """The protective headers of an answer to ``path``."""
    return [
        (b"content-security-policy", (REDOC_CSP if path == "/redoc" else CSP).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", REFERRER_POLICY.encode()),
        (b"x-frame-options", b"DENY"),
    ]


class SecurityHeadersMiddleware:
    """Adds :func:`headers_for` to every HTTP answer that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                headers += [(key, value) for key, value in extra if key not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
