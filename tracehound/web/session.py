"""The signed-in user of a request, session cookies and the CSRF check."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response

from tracehound.auth import sessions
from tracehound.services import Services
from tracehound.store import web_sessions
from tracehound.store.db import writer
from tracehound.store.web_sessions import SessionUser


def current_user(services: Services, request: Request) -> SessionUser | None:
    token = request.cookies.get(sessions.COOKIE)
    if not token or len(token) > 200:
        return None
    with services.engine.connect() as conn:
        return web_sessions.lookup(conn, sessions.session_id(token), time.time())


def start(services: Services, user_id: int) -> tuple[str, SessionUser | None]:
    """A new session for a user: (cookie token, its session)."""
    token = sessions.new_token()
    sid = sessions.session_id(token)
    now = time.time()
    with writer(services.engine).begin() as conn:
        web_sessions.delete_expired(conn, now)
        web_sessions.create(conn, session_id=sid, user_id=user_id,
                            csrf_token=sessions.new_token(), now=now,
                            expires_at=now + sessions.SESSION_SECONDS)
        return token, web_sessions.lookup(conn, sid, now)


def end(services: Services, user: SessionUser) -> None:
    with writer(services.engine).begin() as conn:
        web_sessions.delete_session(conn, user.session_id)


def secure(request: Request) -> bool:
    """Cookies are Secure when the browser reached us over https (behind a proxy:
    uvicorn's --proxy-headers sets the scheme from X-Forwarded-Proto)."""
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str,
               max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        samesite="lax", secure=secure(request))


def csrf_ok(user: SessionUser, given: str) -> bool:
    return sessions.same_token(user.csrf_token, given)
