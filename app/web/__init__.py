"""The web client: server-rendered pages and forms over the same ``proposals`` services."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import (
    admin,
    delegates,
    email_links,
    forms,
    me,
    notification_settings,
    notifications,
    pages,
    profile,
    search,
)

STATIC = Path(__file__).parent / "static"


def install_web(app: FastAPI) -> None:
    app.include_router(pages.router)
    app.include_router(forms.router)
    app.include_router(delegates.router)
    app.include_router(profile.router)
    app.include_router(admin.router)
    app.include_router(me.router)
    app.include_router(search.router)
    app.include_router(notifications.router)
    app.include_router(notification_settings.router)
    app.include_router(email_links.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
