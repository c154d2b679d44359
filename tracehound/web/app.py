"""Mounts the web UI on the app: its routes and /static."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from tracehound.auth.sessions import LoginLimiter
from tracehound.services import Services
from tracehound.web.routes import auth, items, projects, settings
from tracehound.web.timing import ServerTiming

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI, services: Services) -> None:
    limiter = LoginLimiter()  # per process (docs/web.md)
    app.include_router(auth.router(services, limiter))
    app.include_router(projects.router(services))
    app.include_router(settings.router(services))
    app.include_router(items.router(services))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # added before the ingest fast path, so it sits inside it: ingest never pays for it
    app.add_middleware(ServerTiming)
