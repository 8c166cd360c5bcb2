"""``/docs`` (Swagger UI) and ``/redoc`` without inline script and without a CDN.

FastAPI's own pages start Swagger UI with an inline ``<script>`` and load both bundles from a
CDN, which the Content-Security-Policy (:mod:`app.headers`) forbids. These pages load the bundles
shipped by the ``fastapi-offline`` package (served under ``/docs/assets``) and start Swagger UI
with a static file, ``/static/docs/swagger-init.js``; ReDoc starts itself on its ``<redoc>``
element. The OpenAPI document's address travels in a ``data-`` attribute.
"""

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import escape

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs/assets"

_SWAGGER = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - Swagger UI</title>
<link rel="stylesheet" href="{root}{assets}/swagger-ui.css">
<link rel="icon" href="{root}{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{root}{openapi}"></div>
<script src="{root}{assets}/swagger-ui-bundle.js"></script>
<script src="{root}/static/docs/swagger-init.js"></script>
</body>
</html>
"""

_REDOC = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - ReDoc</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="{root}{assets}/favicon.png">
<link rel="stylesheet" href="{root}/static/docs/redoc.css">
</head>
<body>
<redoc spec-url="{root}{openapi}"></redoc>
<script src="{root}{assets}/redoc.standalone.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` (build the app with ``docs_url=None, redoc_url=None``).
    "Authorize" needs no OAuth2 redirect page: the password flow posts the name and password to
    ``/api/v1/auth/token`` from the page itself, and a personal token is pasted as is."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    def fill(template: str, request: Request) -> HTMLResponse:
        return HTMLResponse(
            template.format(
                title=escape(app.title),
                root=escape(request.scope.get("root_path", "")),
                assets=ASSETS_URL,
                openapi=app.openapi_url,
            )
        )

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        return fill(_SWAGGER, request)

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        return fill(_REDOC, request)
