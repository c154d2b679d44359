"""A project's settings: its access tokens (list, create, enable or disable, scopes,
own rate limit) and copy-ready SDK set-up snippets.

Tokens change through the same store functions as the Rollbar project-token API
(store/admin_projects.py), and the form rules match that API's (web/token_form.py), so
a token made here is the token the API would have made. This process's token cache
entry is dropped at once; other API processes see a change within
`token_cache_seconds`. Pages that show tokens are sent `Cache-Control: no-store`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tracehound.auth.ratelimit import Window
from tracehound.model.project import Scope
from tracehound.services import Services
from tracehound.store import admin_projects as admin
from tracehound.store.admin_projects import ProjectRow, TokenRow
from tracehound.store.db import writer
from tracehound.store.web_sessions import SessionUser
from tracehound.web import session
from tracehound.web import snippets as sn
from tracehound.web import token_form as tf
from tracehound.web.render import error_page, page, to_login

NO_STORE = {"Cache-Control": "no-store"}  # these pages carry secrets
NOTICES = {"created": "Token created.", "status": "Token status saved.",
           "scopes": "Scopes saved.", "limit": "Rate limit saved."}
BAD_CSRF = ("This form has expired or did not come from this site. Reload the page and "
            "try again.")


@dataclass(frozen=True)
class TokenView:
    row: TokenRow
    masked: str  # start and end only; the full value is behind a <details> reveal
    window: Window | None  # the live window of the token's own limit


@dataclass(frozen=True)
class Parsed:
    """A POST's validated input, or the message of the first problem in it."""

    value: Any = None
    error: str = ""


def _text(form: FormData, key: str, cap: int = 1000) -> str:
    value = form.get(key)
    return value[:cap] if isinstance(value, str) else ""


def _parse(kind: str, form: FormData) -> Parsed:
    ticked = [v[:100] for v in form.getlist("scopes")[:20] if isinstance(v, str)]
    try:
        if kind == "created":
            return Parsed(tf.new_token(_text(form, "name"), ticked, _text(form, "count"),
                                       _text(form, "window")))
        if kind == "status":
            return Parsed(tf.status(_text(form, "status")))
        if kind == "scopes":
            return Parsed(tf.scopes(ticked))
        if _text(form, "action") == "clear":
            return Parsed(tf.RateLimit(None, None))
        return Parsed(tf.rate_limit(_text(form, "count"), _text(form, "window")))
    except tf.FormError as exc:
        return Parsed(error=str(exc))


def server_token(rows: Sequence[TokenRow]) -> TokenRow | None:
    """The token server SDKs are shown with: enabled, post_server_item, and of those
    preferably one without read/write (a post token is all an SDK needs)."""
    fit = [t for t in rows if t.status == "enabled" and sn.usable_token(t.token)
           and Scope.POST_SERVER_ITEM.value in t.scopes]
    return min(fit, key=lambda t: (bool({"read", "write"} & set(t.scopes)), t.id),
               default=None)


def browser_token(rows: Sequence[TokenRow]) -> TokenRow | None:
    """The token browser snippets are shown with: enabled and post_client_item only,
    since anyone can read it from the page it is in."""
    return next((t for t in rows if t.status == "enabled" and sn.usable_token(t.token)
                 and set(t.scopes) == {Scope.POST_CLIENT_ITEM.value}), None)


def router(services: Services) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    engine = services.engine

    def own_project(user: SessionUser, project_id: str) -> ProjectRow | None:
        pid = tf.object_id(project_id)
        with engine.connect() as conn:
            return admin.get_project(conn, user.account_id, pid) if pid else None

    def tokens_page(request: Request, user: SessionUser, project: ProjectRow, *,
                    status: int = 200, notice: str = "", error: str = "",
                    draft: dict[str, Any] | None = None) -> Response:
        with engine.connect() as conn:
            rows = admin.list_tokens(conn, project.id)
        windows = services.limiter.windows(admin.limits_of(rows), time.time())
        views = [TokenView(t, f"{t.token[:4]}…{t.token[-4:]}" if len(t.token) > 12
                           else "…", windows.get(t.id)) for t in rows]
        return page(request, "pages/settings.html", status=status, headers=NO_STORE,
                    user=user, project=project, tokens=views, notice=notice, error=error,
                    draft=draft or {"name": "", "scopes": [], "count": "", "window": ""},
                    scopes=tf.SCOPES, windows=tf.WINDOWS, window_label=tf.window_label,
                    cache_seconds=services.settings.token_cache_seconds)

    @r.get("/projects/{project_id}/settings")
    def settings(request: Request, project_id: str) -> Response:
        user = session.current_user(services, request)
        if user is None:
            return to_login(request)
        project = own_project(user, project_id)
        if project is None:
            return error_page(request, 404, "No such project.", user=user)
        notice = NOTICES.get(request.query_params.get("done", ""), "")
        return tokens_page(request, user, project, notice=notice)

    @r.get("/projects/{project_id}/settings/snippets")
    def snippets(request: Request, project_id: str) -> Response:
        user = session.current_user(services, request)
        if user is None:
            return to_login(request)
        project = own_project(user, project_id)
        if project is None:
            return error_page(request, 404, "No such project.", user=user)
        with engine.connect() as conn:
            rows = admin.list_tokens(conn, project.id)
        here = sn.for_request(services.settings, request.url.scheme, request.url.netloc,
                              str(request.scope.get("root_path") or ""))
        server, browser = server_token(rows), browser_token(rows)
        return page(
            request, "pages/snippets.html", headers=NO_STORE, user=user, project=project,
            base=sn.base_url(here), configured=bool(services.settings.public_url.strip()),
            server=server, browser=browser,
            server_snippets=sn.snippets(here, project_id=project.id, token=server.token)
            if server else [],
            browser_snippets=sn.browser_snippets(here, project_id=project.id,
                                                 token=browser.token) if browser else [])

    def change(request: Request, form: FormData, project_id: str, token_id: str | None,
               kind: str) -> Response:
        """One token form's POST: session, CSRF, then the project and token of this
        account (404 otherwise, nothing changed), then the input (400)."""
        user = session.current_user(services, request)
        pid = tf.object_id(project_id)
        back = f"/projects/{pid}/settings" if pid else "/projects"
        if user is None:
            return RedirectResponse("/login?next=" + quote(back, safe=""), status_code=303)
        if not session.csrf_ok(user, _text(form, "csrf")):
            return error_page(request, 403, BAD_CSRF, user=user)
        parsed = _parse(kind, form)
        changed = 0
        with writer(engine).begin() as conn:
            project = admin.get_project(conn, user.account_id, pid, lock=True) \
                if pid else None
            if project is None:
                return error_page(request, 404, "No such project.", user=user)
            token = None
            if token_id is not None:
                tid = tf.object_id(token_id)
                token = admin.get_token(conn, project.id, tid) if tid else None
                if token is None:
                    return error_page(request, 404, "No such token in this project.",
                                      user=user)
            if not parsed.error:
                changed = apply(conn, user, project, token, kind, parsed.value)
        if parsed.error:
            draft = {"name": _text(form, "name", 255), "count": _text(form, "count", 20),
                     "window": _text(form, "window", 20),
                     "scopes": [v for v in form.getlist("scopes") if v in tf.SCOPES]} \
                if kind == "created" else None
            return tokens_page(request, user, project, status=400, error=parsed.error,
                               draft=draft)
        if token is not None:
            services.tokens.forget(token.token)  # other processes: token_cache_seconds
        return RedirectResponse(f"/projects/{project.id}/settings?done={kind}"
                                f"#token-{changed}", status_code=303)

    def apply(conn: Any, user: SessionUser, project: ProjectRow, token: TokenRow | None,
              kind: str, value: Any) -> int:
        """Make the change; the id of the token changed (or created)."""
        if kind == "created":
            made = admin.create_token(
                conn, account_id=user.account_id, project_id=project.id, name=value.name,
                scopes=value.scopes, status="enabled", window_size=value.limit.window,
                window_count=value.limit.count)
            return made.id
        assert token is not None
        if kind == "status":
            admin.set_status(conn, token.id, value)
        elif kind == "scopes":
            admin.set_scopes(conn, token.id, value)
        else:
            admin.set_rate_limit(conn, token.id, window_size=value.window,
                                 window_count=value.count)
        return token.id

    async def post(request: Request, project_id: str, token_id: str | None,
                   kind: str) -> Response:
        form = await request.form()
        return await run_in_threadpool(change, request, form, project_id, token_id, kind)

    @r.post("/projects/{project_id}/settings/tokens")
    async def create_token(request: Request, project_id: str) -> Response:
        return await post(request, project_id, None, "created")

    @r.post("/projects/{project_id}/settings/tokens/{token_id}/status")
    async def token_status(request: Request, project_id: str, token_id: str) -> Response:
        return await post(request, project_id, token_id, "status")

    @r.post("/projects/{project_id}/settings/tokens/{token_id}/scopes")
    async def token_scopes(request: Request, project_id: str, token_id: str) -> Response:
        return await post(request, project_id, token_id, "scopes")

    @r.post("/projects/{project_id}/settings/tokens/{token_id}/rate-limit")
    async def token_limit(request: Request, project_id: str, token_id: str) -> Response:
        return await post(request, project_id, token_id, "limit")

    return r
