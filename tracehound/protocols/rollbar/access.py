"""Who is calling the Rollbar API, and what they may reach (rollbar-api.md §1.2, §1.3).

Every endpoint starts here: find the token (header, query, JSON body or form field,
in that order), check it exists and is enabled, then check scope and reach. No token at
all → 401; an unknown, disabled or insufficient token → 403. A project token reaches its
own project only; an account token reaches the account's projects when the request
names one with `project_id` (as Rollbar's MCP server does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from tracehound.auth.tokens import require_known
from tracehound.errors import BadPayload, Forbidden, NotFound, Unauthenticated
from tracehound.model.project import AccessToken, Scope
from tracehound.protocols import http
from tracehound.services import Services
from tracehound.store import projects

TOKEN_HEADER = "x-rollbar-access-token"
MAX_API_BODY = 1024 * 1024
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Caller:
    token: AccessToken
    project_id: int | None  # the project reached; None for account-level calls

    @property
    def account_id(self) -> int:
        return self.token.account_id


async def read_body(request: Request, limit: int = MAX_API_BODY) -> dict[str, Any]:
    """A request body as a dict: JSON whatever the Content-Type, else a form
    (urlencoded or multipart). Empty body → {}. Anything else → 400."""
    ctype = request.headers.get("content-type", "")
    if "multipart/form-data" in ctype:
        try:
            form = await request.form()
        except (MultiPartException, HTTPException) as exc:  # starlette raises the latter
            # inside an app; a broken body is the client's error, never a 500
            detail = exc.detail if isinstance(exc, HTTPException) else exc.message
            raise BadPayload(f"could not parse the multipart body: {detail}") from None
        return {k: v for k, v in form.items() if isinstance(v, str)}
    body = await http.read_body(request, limit)
    if not body.strip():
        return {}
    if http.looks_like_json(body):
        value = http.loads_json(body)
        if not isinstance(value, dict):
            raise BadPayload("the request body must be a JSON object")
        return value
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise BadPayload("the request body is neither JSON nor a form") from None
    return {k: v[0] if len(v) == 1 else v for k, v in form.items()}


def token_text(request: Request, body: dict[str, Any] | None = None) -> str | None:
    text = http.first_header(request, (TOKEN_HEADER,)) or request.query_params.get(
        "access_token")
    if not text and body is not None:
        value = body.get("access_token")
        text = value if isinstance(value, str) else None
    return text or None


def authenticate(services: Services, request: Request,
                 body: dict[str, Any] | None = None) -> AccessToken:
    text = token_text(request, body)
    if not text:
        raise Unauthenticated("access token required: send it in the X-Rollbar-Access-Token "
                              "header or the access_token parameter")
    return require_known(services.tokens.get(text), text)


def require_scope(token: AccessToken, scope: Scope) -> None:
    if not token.has(scope):
        has = ", ".join(sorted(token.scopes)) or "no scope"
        raise Forbidden(f"insufficient privileges: {scope.value} scope is required but the "
                        f"access token only has {has}.")


def project_caller(services: Services, request: Request, scope: Scope,
                   body: dict[str, Any] | None = None) -> Caller:
    """A project-level call: a project token with `scope`, or an account token with
    `scope` naming one of its projects in `project_id` (query or body)."""
    token = authenticate(services, request, body)
    require_scope(token, scope)
    if token.project_id is not None:
        return Caller(token, token.project_id)
    raw = request.query_params.get("project_id")
    if raw is None and body is not None and body.get("project_id") is not None:
        raw = str(body["project_id"])
    if raw is None:
        raise Forbidden("insufficient privileges: a project access token is required "
                        "(or an account token with project_id).")
    try:
        project_id = int(raw)
    except ValueError:
        raise NotFound("Project not found in this account.") from None
    if not 1 <= project_id <= MAX_ID:  # drivers refuse ids past 64 bits
        raise NotFound("Project not found in this account.")
    with services.engine.connect() as conn:
        project = projects.get_project(conn, project_id)
    if project is None or project.account_id != token.account_id \
            or project.status == "deleted":
        raise NotFound("Project not found in this account.")
    return Caller(token, project_id)


def account_caller(services: Services, request: Request, scope: Scope,
                   body: dict[str, Any] | None = None) -> Caller:
    """An account-level call: an account token with `scope`."""
    token = authenticate(services, request, body)
    if token.project_id is not None:
        raise Forbidden("insufficient privileges: an account access token is required.")
    require_scope(token, scope)
    return Caller(token, None)
