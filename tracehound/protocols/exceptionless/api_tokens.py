"""Project tokens (exceptionless-api.md §5): create, list, get, delete — the same access
tokens every protocol uses (store/admin_projects.py), so a `client` token made here
posts Rollbar items and Sentry events too, and a Rollbar token shows up here.

As in Exceptionless, managing tokens takes a *user*: a login token (POST
/api/v2/auth/login) of someone of the account. An API token, however wide, is refused
with 403, so a leaked API token cannot mint more tokens.

Scopes: `client` → post_server_item + post_client_item; `user` → those and read +
write (auth.SCOPES). No scope means `client`. `global` is an account-wide role and a
project token cannot hold it (422), nor can it have `source-maps:write` (Tracehound
keeps no source maps) or an expiry date (Tracehound tokens do not expire: delete
them). A token's id is its text, as Exceptionless's are; its `notes` are Tracehound's
token name.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import Forbidden, NotFound
from tracehound.protocols.exceptionless import auth, paging, views
from tracehound.protocols.exceptionless.api_common import (
    Caller,
    caller,
    path_id,
    read_object,
    threaded,
)
from tracehound.protocols.exceptionless.auth import Policy
from tracehound.protocols.exceptionless.errors import ValidationFailed
from tracehound.protocols.exceptionless.routing import Route, in_thread, json
from tracehound.services import Services
from tracehound.store import admin_projects as admin
from tracehound.store import tokens as token_store
from tracehound.store.admin_projects import TokenRow
from tracehound.store.db import writer

# {id:token} / {ids:tokens} route constraint (§1.1); our tokens are 32 hex characters
TOKEN_ID = re.compile(r"^[a-zA-Z\d-]{24,40}$")
MAX_DELETE = 100
DEFAULT_NOTES = "Exceptionless API token"
INVALID_SCOPE = "Invalid token scope requested."


def user_caller(services: Services, request: Request) -> Caller:
    """A user (login token) with the `user` role; 403 for an API token."""
    who = caller(services, request, Policy.USER)
    if who.token.user_id is None:
        raise Forbidden("Token authentication cannot manage tokens: log in (POST "
                        "/api/v2/auth/login) and use the token it returns.")
    return who


def requested_scopes(body: dict[str, Any]) -> list[str]:
    """The Tracehound scopes a NewToken's `scopes` ask for (422 for unknown ones)."""
    value = body.get("scopes")
    if value is None or value == []:
        value = ["client"]
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValidationFailed({"scopes": ["scopes must be a list of strings."]})
    wanted = [s.strip().lower() for s in value]
    if "global" in wanted:
        raise ValidationFailed({"scopes": [
            "A project token cannot have the global scope: it is the role of an "
            "account-wide token."]})
    if any(s not in auth.SCOPES for s in wanted):
        raise ValidationFailed({"scopes": [INVALID_SCOPE]})
    out: list[str] = []
    for s in wanted:
        out += [scope.value for scope in auth.SCOPES[s] if scope.value not in out]
    return out


def notes_of(body: dict[str, Any]) -> str:
    notes = body.get("notes")
    if notes is None or (isinstance(notes, str) and not notes.strip()):
        return DEFAULT_NOTES
    if not isinstance(notes, str) or len(notes) > admin.MAX_TOKEN_NAME:
        raise ValidationFailed({"notes": [
            f"notes must be text of at most {admin.MAX_TOKEN_NAME} characters."]})
    return notes.strip()


def check_unsupported(body: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if body.get("expires_utc") not in (None, ""):
        errors["expires_utc"] = ["Tracehound tokens do not expire: leave expires_utc out "
                                 "and delete the token when it is no longer needed."]
    if body.get("default_project_id") not in (None, ""):
        errors["default_project_id"] = ["A project token cannot have a default project."]
    if errors:
        raise ValidationFailed(errors)


def _token_ids(request: Request) -> list[str]:
    """`{ids:tokens}`: comma-separated token texts; 404 when any cannot be one."""
    texts = request.path_params.get("ids", "").split(",")
    if not 1 <= len(texts) <= MAX_DELETE or not all(TOKEN_ID.match(t) for t in texts):
        raise NotFound("Token not found.")
    return list(dict.fromkeys(texts))


def find(conn: Any, who: Caller, text: str) -> TokenRow:
    """A project token of one of the caller's projects; 404 for any other."""
    found = token_store.lookup(conn, text)
    if found is None or found.account_id != who.account_id or found.project_id is None \
            or found.project_id not in who.project_ids:
        raise NotFound("Token not found.")
    row = admin.find_token(conn, found.project_id, text)
    if row is None:  # someone's personal token
        raise NotFound("Token not found.")
    return row


def routes(services: Services) -> list[Route]:
    def create(request: Request, body: dict[str, Any]) -> Response:
        who = user_caller(services, request)
        project = who.project(path_id(request, "projectId", "Project"))
        check_unsupported(body)
        scopes, name = requested_scopes(body), notes_of(body)
        with writer(services.engine).begin() as conn:
            if admin.get_project(conn, who.account_id, project.id, lock=True) is None:
                raise NotFound("Project not found.")
            row = admin.create_token(conn, account_id=who.account_id, project_id=project.id,
                                     name=name, scopes=scopes, status="enabled",
                                     window_size=None, window_count=None)
        services.tokens.forget(row.token)  # in case the text was tried before it existed
        return json(views.token(row, who.account_id), status=201,
                    headers={"Location": f"/api/v2/tokens/{row.token}"})

    async def create_token(request: Request) -> Response:
        """A new token for the project (201 with Location); scopes client or user."""
        body = await read_object(request)
        response: Response = await in_thread(create, request, body)
        return response

    def list_tokens(request: Request) -> Response:
        """The project's tokens, oldest first (login tokens are personal, not listed)."""
        who = user_caller(services, request)
        project = who.project(path_id(request, "projectId", "Project"))
        p = paging.paging(request)
        with services.engine.connect() as conn:
            rows = admin.list_tokens(conn, project.id)
        page = rows[p.offset:p.offset + p.limit]
        headers = paging.headers(request, services, p, total=len(rows),
                                 has_more=p.offset + p.limit < len(rows))
        return json([views.token(t, who.account_id) for t in page], headers=headers)

    def get_token(request: Request) -> Response:
        """One project token of the caller's projects, by its text."""
        who = user_caller(services, request)
        text = request.path_params.get("id", "")
        if not TOKEN_ID.match(text):
            raise NotFound("Token not found.")
        with services.engine.connect() as conn:
            row = find(conn, who, text)
        return json(views.token(row, who.account_id))

    def delete_tokens(request: Request) -> Response:
        """Delete tokens for good (all or none: 404 when any is not the caller's)."""
        who = user_caller(services, request)
        texts = _token_ids(request)
        with writer(services.engine).begin() as conn:
            rows = [find(conn, who, t) for t in texts]
            for row in rows:
                admin.delete_token(conn, row.id)
        for row in rows:
            services.tokens.forget(row.token)
            services.limiter.forget(row.id)
        return json({"workers": []}, status=202)

    one = "/api/v2/projects/{projectId}/tokens"
    return [
        Route("POST", one, create_token, "Create a project token (Exceptionless)"),
        Route("GET", one, threaded(list_tokens), "List a project's tokens (Exceptionless)"),
        Route("GET", "/api/v2/tokens/{id}", threaded(get_token), "Get a token (Exceptionless)"),
        Route("DELETE", "/api/v2/tokens/{ids}", threaded(delete_tokens),
              "Delete tokens (Exceptionless)"),
    ]

