"""Sign in and sign out (email + password; server-side sessions, docs/web.md)."""

from __future__ import annotations

import functools
import math

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tracehound.auth import sessions
from tracehound.auth.passwords import hash_password, verify_password
from tracehound.auth.sessions import LoginLimiter
from tracehound.services import Services
from tracehound.store import tokens
from tracehound.web import session
from tracehound.web.render import error_page, page, safe_next


@functools.cache
def _dummy_hash() -> str:
    """Verified when the email is unknown, so both failures take the same time."""
    return hash_password("not a real password")


def router(services: Services, limiter: LoginLimiter) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    def login_form(request: Request, *, next_: str, status: int = 200, message: str = "",
                   email: str = "", headers: dict[str, str] | None = None) -> Response:
        token = request.cookies.get(sessions.LOGIN_CSRF_COOKIE) or ""
        if len(token) != 43:
            token = sessions.new_token()
        response = page(request, "pages/login.html", status=status, headers=headers,
                        csrf=token, next=next_, message=message, email=email)
        session.set_cookie(request, response, sessions.LOGIN_CSRF_COOKIE, token, None)
        return response

    @r.get("/")
    def home() -> Response:
        return RedirectResponse("/projects", status_code=303)

    @r.get("/login")
    def login_page(request: Request) -> Response:
        next_ = safe_next(request.query_params.get("next"))
        if session.current_user(services, request) is not None:
            return RedirectResponse(next_, status_code=303)
        return login_form(request, next_=next_)

    @r.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        email = str(form.get("email") or "").strip()[:255]
        password = str(form.get("password") or "")[:1024]
        next_ = safe_next(str(form.get("next") or ""))
        if not sessions.same_token(request.cookies.get(sessions.LOGIN_CSRF_COOKIE) or "",
                                   str(form.get("csrf") or "")):
            return error_page(request, 403, "This form has expired or did not come from "
                              "this site. Reload the sign-in page and try again.")
        client = request.client.host if request.client else "unknown"
        keys = [f"email:{email.lower()}", f"ip:{client}"]
        wait = limiter.retry_after(keys)
        if wait > 0:
            minutes = max(1, math.ceil(wait / 60))
            return login_form(
                request, next_=next_, status=429, email=email,
                message=f"Too many failed sign-in attempts. Try again in {minutes} "
                        f"minute{'s' if minutes > 1 else ''}.",
                headers={"Retry-After": str(math.ceil(wait))})
        user_id = await run_in_threadpool(_check_password, services, email, password)
        if user_id is None:
            limiter.failed(keys)
            return login_form(request, next_=next_, status=401, email=email,
                              message="Wrong email or password.")
        limiter.succeeded(keys[0])
        token, _user = await run_in_threadpool(session.start, services, user_id)
        response = RedirectResponse(next_, status_code=303)
        session.set_cookie(request, response, sessions.COOKIE, token,
                           sessions.SESSION_SECONDS)
        response.delete_cookie(sessions.LOGIN_CSRF_COOKIE, path="/")
        return response

    @r.post("/logout")
    async def logout(request: Request) -> Response:
        form = await request.form()
        user = await run_in_threadpool(session.current_user, services, request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        if not session.csrf_ok(user, str(form.get("csrf") or "")):
            return error_page(request, 403, "This form has expired or did not come from "
                              "this site. Reload the page and try again.", user=user)
        await run_in_threadpool(session.end, services, user)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(sessions.COOKIE, path="/")
        return response

    return r


def _check_password(services: Services, email: str, password: str) -> int | None:
    """The user id when the email and password match, else None."""
    with services.engine.connect() as conn:
        found = tokens.find_user(conn, email) if email else None
    if found is None:
        verify_password(_dummy_hash(), password)
        return None
    user_id, _account_id, stored = found
    return user_id if verify_password(stored, password) else None
