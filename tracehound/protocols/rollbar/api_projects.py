"""Rollbar API: projects and project access tokens (rollbar-api.md §13).

Everything here takes an account access token: `read` for GET, `write` for the rest.
A project id is looked up within the token's account, so another account's project,
a deleted one and one that never existed all answer 404 `Project not found in this
account.`. Token changes take effect in this process at once (its token cache entry is
dropped); other API processes see them when their cache entry expires
(`token_cache_seconds`). See docs/api/projects.md.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.auth.ratelimit import Window
from tracehound.errors import InvalidPayload, NotFound
from tracehound.grouping.versions import CURRENT as GROUPING_VERSION
from tracehound.model.project import PROJECT_TOKEN_SCOPES, Scope
from tracehound.protocols.rollbar.access import account_caller, read_body
from tracehound.protocols.rollbar.routing import Route, in_thread, ok, raw
from tracehound.services import Services
from tracehound.store import admin_projects as admin
from tracehound.store.admin_projects import UNSET, ProjectRow, TokenRow
from tracehound.store.db import writer

MAX_ID = 2**63 - 1  # past this no row can match, and drivers refuse the value
MAX_PROJECT_NAME = 32
MAX_TOKEN_NAME = admin.MAX_TOKEN_NAME  # shared with the web settings page
MAX_LIMIT = admin.MAX_RATE_LIMIT
PER_PAGE = 100  # only when `page` is asked for; without it every row comes back
_INTEGER = re.compile(r"\s*-?[0-9]{1,19}\s*")
_PROJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 _\-.,]*$")
SCOPES = tuple(s.value for s in PROJECT_TOKEN_SCOPES)
STATUSES = ("enabled", "disabled")
TOKEN_TYPES = ("legacy", "v1", "v2")
LIMIT_FIELDS = ("rate_limit_window_size", "rate_limit_window_count")

PROJECT_NOT_FOUND = "Project not found in this account."
INVALID_TOKEN = "Invalid project access token"
TOKEN_DELETED = "Access token has been deleted."


# ---- response shapes ---------------------------------------------------------------------


def project_json(p: ProjectRow) -> dict[str, Any]:
    """Rollbar's project object; settings_data holds what Tracehound has of it."""
    return {
        "id": p.id, "account_id": p.account_id, "name": p.name, "status": p.status,
        "date_created": int(p.created_at),
        "date_modified": int(p.modified_at if p.modified_at is not None else p.created_at),
        "settings_data": {
            "grouping": {"auto_upgrade": True, "recent_versions": [GROUPING_VERSION]},
            "integrations": {},
        },
    }


def token_json(t: TokenRow, window: Window | None) -> dict[str, Any]:
    """Rollbar's (legacy) token object, with the live window of its own limit."""
    return {
        "access_token": t.token, "project_id": t.project_id, "name": t.name,
        "scopes": list(t.scopes), "status": t.status,
        "rate_limit_window_size": t.rate_limit_window_size,
        "rate_limit_window_count": t.rate_limit_window_count,
        "cur_rate_limit_window_start": None if window is None else int(window.start),
        "cur_rate_limit_window_count": None if window is None else window.count,
        "date_created": int(t.created_at),
        "date_modified": int(t.modified_at if t.modified_at is not None else t.created_at),
        "token_type": "legacy",
    }


def invalid_token() -> Response:
    """Rollbar's answer for an unknown token (OA, TF), plus our usual `message`."""
    return raw({"err": 1, "result": INVALID_TOKEN, "message": INVALID_TOKEN,
                "status_code": 400}, status=400)


# ---- parameters --------------------------------------------------------------------------


def project_name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if name is None or name == "":
        raise InvalidPayload("name is required")
    if not isinstance(name, str):
        raise InvalidPayload("name must be a string")
    if len(name) > MAX_PROJECT_NAME or not _PROJECT_NAME.match(name):
        raise InvalidPayload(
            f"Invalid project name {name[:40]!r}: it must start with a letter, contain only "
            f"letters, digits, spaces and _ - . , and be at most {MAX_PROJECT_NAME} "
            "characters long.")
    return name


def token_name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if name is None or name == "":
        raise InvalidPayload("name is required")
    if not isinstance(name, str):
        raise InvalidPayload("name must be a string")
    name = name.strip()
    if not name or len(name) > MAX_TOKEN_NAME or not name.isprintable():
        raise InvalidPayload(f"name must be 1 to {MAX_TOKEN_NAME} printable characters")
    return name


def scopes(body: dict[str, Any]) -> list[str]:
    """A list of scope names (a form sends one or a comma-separated string)."""
    value = body.get("scopes")
    if isinstance(value, str):
        value = [s for s in re.split(r"[\s,]+", value) if s]
    if value is None or value == []:
        raise InvalidPayload("scopes is required: at least one of " + ", ".join(SCOPES))
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise InvalidPayload("scopes must be a list of scope names")
    unknown = [s for s in value if s not in SCOPES]
    if unknown:
        raise InvalidPayload(f"invalid scope {unknown[0][:40]!r}: scopes must be among "
                             + ", ".join(SCOPES))
    return list(dict.fromkeys(value))


def choice(body: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = body.get(name)
    if value is None or value == "":
        return default
    if value not in allowed:
        raise InvalidPayload(f"{name} must be one of " + ", ".join(allowed))
    return str(value)


def limit_value(body: dict[str, Any], name: str) -> int | None:
    """A rate-limit field: an integer ≥ 0 (JSON number or form text); 0 or null = no
    limit, stored as null."""
    value = body.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        value = int(value)
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidPayload(f"{name} must be an integer, got {str(value)[:40]!r}")
    if not 0 <= value <= MAX_LIMIT:
        raise InvalidPayload(f"{name} must be between 0 and {MAX_LIMIT}")
    return value or None


def source_project_id(body: dict[str, Any]) -> int | None:
    value = body.get("source_project_id")
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise InvalidPayload("source_project_id must be the id of a project of this account")
    return value


# ---- endpoints ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One authenticated account-level request."""

    account_id: int
    request: Request
    body: dict[str, Any]

    def project_id(self) -> int:
        raw_id = self.request.path_params["project_id"]
        if not (raw_id.isascii() and raw_id.isdigit()) or not 1 <= int(raw_id) <= MAX_ID:
            raise NotFound(PROJECT_NOT_FOUND)
        return int(raw_id)

    def page(self) -> slice:
        """All rows, or PER_PAGE of them when `page` is given (a page past the end is
        empty, for clients that loop until an empty page)."""
        text = self.request.query_params.get("page")
        if text is None or text == "":
            return slice(None)
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise InvalidPayload(f"page must be a positive integer, got {text[:40]!r}")
        start = (min(int(text), MAX_ID) - 1) * PER_PAGE
        return slice(start, start + PER_PAGE)

    def token_text(self) -> str | None:
        """The token a PATCH/DELETE is about: in the path, or `project_access_token` /
        `public_id` in the body."""
        text = self.request.path_params.get("token")
        if text is None:
            for key in ("project_access_token", "public_id"):
                if isinstance(self.body.get(key), str) and self.body[key]:
                    return str(self.body[key])
            raise InvalidPayload("project_access_token (or public_id) is required")
        return text if 0 < len(text) <= 64 else None


Handler = Callable[[Call], Response]


class ProjectsApi:
    def __init__(self, services: Services) -> None:
        self.s = services

    def route(self, method: str, path: str, handler: Handler, summary: str) -> Route:
        """An async endpoint: read the body, then auth and the handler in a thread."""
        scope = Scope.READ if method == "GET" else Scope.WRITE

        async def endpoint(request: Request) -> Response:
            body = await read_body(request) if method != "GET" else {}
            return await in_thread(self._run, request, body, scope, handler)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return Route(method, path, endpoint, summary)

    def _run(self, request: Request, body: dict[str, Any], scope: Scope,
             handler: Handler) -> Response:
        caller = account_caller(self.s, request, scope, body or None)
        return handler(Call(caller.account_id, request, body))

    def _project(self, conn: Any, call: Call, *, lock: bool = False) -> ProjectRow:
        project = admin.get_project(conn, call.account_id, call.project_id(), lock=lock)
        if project is None:
            raise NotFound(PROJECT_NOT_FOUND)
        return project

    # ---- projects ------------------------------------------------------------------------

    def list_projects(self, call: Call) -> Response:
        """The account's projects (deleted ones left out), oldest first."""
        page = call.page()
        with self.s.engine.connect() as conn:
            rows = admin.list_projects(conn, call.account_id)
        return ok([project_json(p) for p in rows[page]])

    def create_project(self, call: Call) -> Response:
        """A project with its four default tokens (one per scope)."""
        name = project_name(call.body)
        source = source_project_id(call.body)
        with writer(self.s.engine).begin() as conn:
            if source is not None and admin.get_project(conn, call.account_id, source) is None:
                raise InvalidPayload("source_project_id must be the id of a project of "
                                     "this account")
            try:
                project, _ = admin.create_project(conn, call.account_id, name)
            except admin.NameTaken:
                raise InvalidPayload(f"A project named {name!r} already exists in this "
                                     "account.") from None
        return ok(project_json(project))

    def get_project(self, call: Call) -> Response:
        """One live project of the account."""
        with self.s.engine.connect() as conn:
            return ok(project_json(self._project(conn, call)))

    def delete_project(self, call: Call) -> Response:
        """Soft delete: the project disappears from the API, its tokens stop working."""
        with writer(self.s.engine).begin() as conn:
            texts = admin.delete_project(conn, call.account_id, call.project_id())
        if texts is None:
            raise NotFound(PROJECT_NOT_FOUND)
        for text in texts:
            self.s.tokens.forget(text)
        return ok()

    # ---- project access tokens -----------------------------------------------------------

    def list_tokens(self, call: Call) -> Response:
        """The project's tokens, with the live window of each one's own limit."""
        page = call.page()
        with self.s.engine.connect() as conn:
            rows = admin.list_tokens(conn, self._project(conn, call).id)[page]
        windows = self.s.limiter.windows(admin.limits_of(rows), time.time())
        return ok([token_json(t, windows.get(t.id)) for t in rows])

    def create_token(self, call: Call) -> Response:
        """A new legacy (32 hex characters) token for the project."""
        body = call.body
        name, wanted = token_name(body), scopes(body)
        status = choice(body, "status", STATUSES, "enabled")
        choice(body, "token_type", TOKEN_TYPES, "legacy")  # validated; always legacy
        size, count = (limit_value(body, f) for f in LIMIT_FIELDS)
        with writer(self.s.engine).begin() as conn:
            project = self._project(conn, call, lock=True)
            token = admin.create_token(
                conn, account_id=call.account_id, project_id=project.id, name=name,
                scopes=wanted, status=status, window_size=size, window_count=count)
        return ok(token_json(token, None))

    def update_token(self, call: Call) -> Response:
        """Change a token's own rate limit (the only thing Rollbar lets the API change)."""
        changes = {f: limit_value(call.body, f) for f in LIMIT_FIELDS if f in call.body}
        if not changes:
            raise InvalidPayload("nothing to change: send rate_limit_window_size and/or "
                                 "rate_limit_window_count")
        text = call.token_text()
        with writer(self.s.engine).begin() as conn:
            project = self._project(conn, call)
            token = admin.find_token(conn, project.id, text) if text else None
            if token is None:
                return invalid_token()
            admin.set_rate_limit(
                conn, token.id,
                window_size=changes.get("rate_limit_window_size", UNSET),
                window_count=changes.get("rate_limit_window_count", UNSET))
        self.s.tokens.forget(token.token)
        return ok()

    def delete_token(self, call: Call) -> Response:
        """Delete a token for good; posts and reads with it stop."""
        text = call.token_text()
        with writer(self.s.engine).begin() as conn:
            project = self._project(conn, call)
            token = admin.find_token(conn, project.id, text) if text else None
            if token is None:
                return invalid_token()
            admin.delete_token(conn, token.id)
        self.s.tokens.forget(token.token)
        self.s.limiter.forget(token.id)
        return ok(TOKEN_DELETED)


def routes(services: Services) -> list[Route]:
    api = ProjectsApi(services)
    r = api.route
    one = "/api/1/project/{project_id}"
    return [
        r("GET", "/api/1/projects", api.list_projects, "List the account's projects"),
        r("POST", "/api/1/projects", api.create_project, "Create a project"),
        r("GET", one, api.get_project, "Get a project"),
        r("DELETE", one, api.delete_project, "Delete a project"),
        r("GET", one + "/access_tokens", api.list_tokens, "List a project's access tokens"),
        r("POST", one + "/access_tokens", api.create_token, "Create a project access token"),
        r("PATCH", one + "/access_token/{token}", api.update_token,
          "Change a project access token's rate limit"),
        r("DELETE", one + "/access_token/{token}", api.delete_token,
          "Delete a project access token"),
        r("PATCH", one + "/access_token", api.update_token,
          "Change a project access token's rate limit (token named in the body)"),
        r("DELETE", one + "/access_token", api.delete_token,
          "Delete a project access token (token named in the body)"),
    ]
