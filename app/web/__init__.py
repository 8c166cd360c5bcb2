"""The web client: server-rendered pages and forms over the same ``proposals`` services."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import forms, pages, search

STATIC = Path(__file__).parent / "static"


def install_web(app: FastAPI) -> None:
    app.include_router(pages.router)
    app.include_router(forms.router)
    app.include_router(search.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
