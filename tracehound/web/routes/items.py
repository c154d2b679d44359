"""The item page, one occurrence's page, and the item's actions (POST forms)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tracehound.errors import InvalidPayload
from tracehound.model.project import Project
from tracehound.services import Services
from tracehound.store import codec, item_changes, item_history, items, occurrences, projects
from tracehound.store.db import Connection
from tracehound.store.web_sessions import SessionUser
from tracehound.web import item_page, occurrence_view, session
from tracehound.web.item_actions import ACTIONS, LEVELS, ActionError, change_for, positive_id
from tracehound.web.render import error_page, page, to_login

FORM_EXPIRED = ("This form has expired or did not come from this site. "
                "Reload the page and try again.")


def _item(conn: Connection, user: SessionUser, project_id: str,
          counter: str) -> tuple[Project, Any] | None:
    """The project and item the path names, when the project is the user's account's;
    None for anything else (not there, another account's, not a number)."""
    pid, number = positive_id(project_id), positive_id(counter)
    if pid is None or number is None:
        return None
    project = projects.get_project(conn, pid)
    if project is None or project.account_id != user.account_id:
        return None
    row = items.by_counter(conn, pid, number)
    return None if row is None else (project, row)


def _cursor(request: Request, name: str) -> int | None:
    return positive_id(request.query_params.get(name, ""))


def item_path(project_id: int, counter: int) -> str:
    return f"/projects/{project_id}/items/{counter}"


def router(services: Services) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/projects/{project_id}/items/{counter}")
    def item_detail(request: Request, project_id: str, counter: str) -> Response:
        user = session.current_user(services, request)
        if user is None:
            return to_login(request)
        kind = request.query_params.get("chart", "hourly")
        kind = kind if kind in item_page.CHARTS else "hourly"
        before, after = _cursor(request, "before"), _cursor(request, "after")
        now = time.time()
        with services.engine.connect() as conn:
            found = _item(conn, user, project_id, counter)
            if found is None:
                return error_page(request, 404, "No such item.", user=user)
            project, it = found
            first_seen = it.first_occurrence_timestamp or it.created_at
            last_seen = it.last_occurrence_timestamp or first_seen
            listing = item_page.occurrence_page(conn, project.id, it.id, before=before,
                                                after=after)
            latest = item_page.latest_event(conn, project.id, it.id)
            chart = item_page.chart(conn, it.id, kind, now)
            history = item_page.history(conn, it.id)
            deploys = item_page.deploy_rows(conn, project.id, it.environment, first_seen,
                                            last_seen)
            users = item_page.account_users(conn, user.account_id)
        here = item_path(project.id, it.counter)
        return page(
            request, "pages/item.html", user=user, project=project, item=it,
            here=here, chart_kind=kind, chart=chart, history=history, deploys=deploys,
            users=users, user_names={u.id: u.username for u in users}, listing=listing,
            latest_id=latest[0] if latest else None,
            latest=occurrence_view.build(latest[1]) if latest else None,
            levels=LEVELS, link=lambda **q: _link(here, kind, **q))

    @r.get("/projects/{project_id}/items/{counter}/occurrences/{occurrence_id}")
    def occurrence_detail(request: Request, project_id: str, counter: str,
                          occurrence_id: str) -> Response:
        user = session.current_user(services, request)
        if user is None:
            return to_login(request)
        occ_id = positive_id(occurrence_id)
        with services.engine.connect() as conn:
            found = _item(conn, user, project_id, counter)
            row = None if found is None or occ_id is None else \
                occurrences.get(conn, found[0].id, occ_id)
        if found is None or row is None or row.item_id != found[1].id:
            return error_page(request, 404, "No such occurrence.", user=user)
        project, it = found
        view = occurrence_view.build(codec.unpack(row.payload), with_raw=True)
        return page(request, "pages/occurrence.html", user=user, project=project, item=it,
                    occurrence=row, view=view, here=item_path(project.id, it.counter))

    @r.post("/projects/{project_id}/items/{counter}/{action}")
    async def item_action(request: Request, project_id: str, counter: str,
                          action: str) -> Response:
        form = await request.form()
        user = await run_in_threadpool(session.current_user, services, request)
        if user is None:  # the form's page, not this POST-only path, after sign-in
            return RedirectResponse("/login", status_code=303)
        if not session.csrf_ok(user, str(form.get("csrf") or "")):
            return error_page(request, 403, FORM_EXPIRED, user=user)
        if action not in ACTIONS:
            return error_page(request, 404, "No such action.", user=user)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        return await run_in_threadpool(_act, services, request, user, project_id, counter,
                                       action, fields)

    return r


def _act(services: Services, request: Request, user: SessionUser, project_id: str,
         counter: str, action: str, fields: dict[str, str]) -> Response:
    with services.engine.connect() as conn:
        found = _item(conn, user, project_id, counter)
    if found is None:
        return error_page(request, 404, "No such item.", user=user)
    project, it = found
    try:
        change = change_for(action, fields)
        changed = item_changes.apply_change(
            services.engine, project.id, user.account_id, it.id, change, time.time(),
            user_id=user.user_id, source=item_history.WEB)
    except ActionError as exc:
        return error_page(request, 400, str(exc), user=user)
    except InvalidPayload:  # an owner outside the account (or one deleted meanwhile)
        return error_page(request, 400, "That user is not a user of this account.",
                          user=user)
    if not changed:  # deleted between the two transactions
        return error_page(request, 404, "No such item.", user=user)
    return RedirectResponse(item_path(project.id, it.counter), status_code=303)


def _link(here: str, kind: str, **query: object) -> str:
    """A link to the item page keeping its chart choice; `query` replaces the rest."""
    values: dict[str, object] = {"chart": kind if kind != "hourly" else None, **query}
    text = urlencode({k: v for k, v in values.items() if v is not None})
    return here + ("?" + text if text else "")
