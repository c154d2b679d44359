"""Jinja2 environment (autoescape always on) and the page/redirect helpers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from tracehound.model.event import Level
from tracehound.model.item import ItemStatus

TEMPLATES = Path(__file__).parent / "templates"


def _when(ts: float | None) -> str:
    if ts is None:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


def _level(value: int) -> str:
    try:
        return Level(value).label
    except ValueError:
        return str(value)


def _status(value: int) -> str:
    try:
        return ItemStatus(value).label
    except ValueError:
        return str(value)


def build_env() -> Environment:
    # autoescape=True for every template: event data (titles, messages) is hostile input
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=_when, level=_level, status=_status)
    return env


ENV = build_env()


def page(request: Request, template: str, status: int = 200,
         headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    context.setdefault("user", None)
    html = ENV.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status, headers={
        # nothing inline, nothing third-party: the strictest policy the pages allow
        "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; "
                                   "form-action 'self'; base-uri 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        **(headers or {}),
    })


def error_page(request: Request, status: int, message: str, **context: Any) -> HTMLResponse:
    return page(request, "pages/error.html", status=status, status_code=status,
                message=message, **context)


def safe_next(raw: str | None, default: str = "/projects") -> str:
    """A local path to go back to after sign-in; anything else (another host, a
    scheme, `//host`, backslashes, control characters) becomes `default`."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return default
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in raw) or len(raw) > 2000:
        return default
    return raw


def to_login(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?next=" + quote(here, safe=""), status_code=303)
