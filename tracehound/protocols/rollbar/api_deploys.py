"""Rollbar API: deploys, environments and code versions (rollbar-api.md §6, §7, §12).

See docs/api/deploys.md for every endpoint's parameters and the decisions taken where
Rollbar's documentation is silent.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import Conflict, InvalidPayload, NotFound
from tracehound.model.event import Level
from tracehound.model.project import Scope
from tracehound.protocols.rollbar import access, schemas
from tracehound.protocols.rollbar.routing import Route, in_thread, ok, raw
from tracehound.services import Services
from tracehound.store import db, deploys, versions_stats
from tracehound.store.deploys import Finish, NewDeploy

PER_PAGE = 20
MAX_LIMIT = 5000
MAX_ID = 2**63 - 1  # past this no row can match, and drivers refuse the value
MAX_TEXT = 255
MAX_COMMENT = 64 * 1024  # bytes, UTF-8
LEVEL_NAMES = tuple(level.label for level in Level)


# ---- parameters ------------------------------------------------------------------------


def _query_int(request: Request, name: str, default: int, high: int = MAX_ID) -> int:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise InvalidPayload(f"{name} must be an integer, got {value[:40]!r}") from None
    if not 1 <= number <= high:
        bound = f"between 1 and {high}" if high != MAX_ID else "at least 1"
        raise InvalidPayload(f"{name} must be {bound}")
    return number


def _paging(request: Request) -> tuple[int, int, bool]:
    """(page, per page, whether the page can hold rows at all): an offset past any
    possible row is answered with an empty page, not sent to the database."""
    page = _query_int(request, "page", 1)
    per_page = _query_int(request, "limit", PER_PAGE, MAX_LIMIT)
    return page, per_page, (page - 1) * per_page <= MAX_ID


def _path_id(request: Request, name: str, what: str) -> int:
    text = request.path_params[name]
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise NotFound(f"{what} not found in this project.")
    return int(text)


def _query_text(request: Request, name: str, *, required: bool) -> str | None:
    value = request.query_params.get(name)
    if value is None or not value.strip():
        if required:
            raise InvalidPayload(f"{name} query parameter is required")
        return None
    if len(value) > MAX_TEXT or "\x00" in value:
        raise InvalidPayload(f"{name} must be at most {MAX_TEXT} characters, without NUL")
    return value


def _levels(request: Request) -> tuple[int, ...]:
    """`level=error&level=critical` or `level=error,critical`."""
    out: list[int] = []
    for value in request.query_params.getlist("level"):
        for name in (s.strip() for s in value.split(",") if s.strip()):
            level = Level.parse(name)
            if level is None:
                raise InvalidPayload(f"level must be one of {', '.join(LEVEL_NAMES)}; "
                                     f"got {name[:40]!r}")
            out.append(int(level))
    return tuple(out)


# ---- deploy bodies ---------------------------------------------------------------------


def _text(body: dict[str, Any], key: str, problems: list[str], *, limit: int = MAX_TEXT,
          numbers: bool = False) -> str | None:
    """A string field (None when absent or null); a problem noted when it is not one."""
    value = body.get(key)
    if value is None:
        return None
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        problems.append(f"'{key}' key must be a string.")
    elif "\x00" in value:
        problems.append(f"'{key}' key must not contain NUL characters.")
    elif len(value.encode("utf-8") if key == "comment" else value) > limit:
        unit = "bytes" if key == "comment" else "characters"
        problems.append(f"'{key}' key must be at most {limit} {unit}.")
    else:
        return value
    return None


def _status(body: dict[str, Any], problems: list[str], default: str | None) -> str | None:
    value = body.get("status")
    if value is None:
        return default
    if isinstance(value, str):
        value = value.strip().lower()
    if value not in deploys.STATUSES:
        problems.append(f"'status' key must be one of {', '.join(deploys.STATUSES)}.")
        return None
    return str(value)


def _required(body: dict[str, Any], key: str, problems: list[str], *,
              numbers: bool = False) -> str | None:
    """A required string field; None (and a problem) when absent, blank or invalid."""
    value = _text(body, key, problems, numbers=numbers)
    if value is not None and not value.strip():
        problems.append(f"'{key}' key must not be empty.")
        return None
    return value


def _new_deploy_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The validated fields of a deploy POST, or 422 naming every problem at once,
    missing keys first, worded as Rollbar words them."""
    missing: list[str] = []
    problems: list[str] = []
    if body.get("environment") is None:
        missing.append("Missing 'environment' key.")
        problems.append("'environment' key must be a string.")
    environment = _required(body, "environment", problems)
    key = "revision" if body.get("revision") is not None else "head_long"
    if body.get(key) is None:
        missing.append("Missing 'revision' or 'head_long' key.")
    fields = {
        "environment": environment,
        "revision": _required(body, key, problems, numbers=True),
        "local_username": _text(body, "local_username", problems),
        "rollbar_username": _text(body, "rollbar_username", problems),
        "comment": _text(body, "comment", problems, limit=MAX_COMMENT),
        "status": _status(body, problems, default="succeeded"),
    }
    if missing or problems:
        raise InvalidPayload(" ".join(missing + problems))
    return fields


def _patch_fields(body: dict[str, Any]) -> tuple[str, str | None]:
    """PATCH /deploy/{id}: `status` (required) and an optional `comment`; other keys
    (the CLI resends the whole deploy) are ignored."""
    problems: list[str] = []
    status = _status(body, problems, default=None)
    if status is None and not problems:
        problems.append("Missing 'status' key.")
    comment = _text(body, "comment", problems, limit=MAX_COMMENT)
    if problems or status is None:
        raise InvalidPayload(" ".join(problems))
    return status, comment


# ---- response objects ------------------------------------------------------------------


def _ts(value: float | None) -> int | None:
    return None if value is None else int(value)


def deploy_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "project_id": row.project_id, "environment": row.environment,
        "revision": row.revision, "local_username": row.local_username,
        "user_id": row.user_id, "comment": row.comment, "status": row.status,
        "start_time": _ts(row.start_time), "finish_time": _ts(row.finish_time),
    }


def _item_stats(counts: dict[tuple[str, int], int]) -> dict[str, dict[str, int]]:
    events = (*versions_stats.EVENTS, versions_stats.RESOLVED)
    stats = {event: dict.fromkeys(LEVEL_NAMES, 0) for event in events}
    for (event, level), n in counts.items():
        stats[event][schemas.level_name(level)] += n
    return stats


def version_json(version: str, environment: str,
                 s: versions_stats.VersionSummary) -> dict[str, Any]:
    starts = [t for t in (s.first_occurrence_timestamp, s.first_deploy_time) if t is not None]
    return {
        # no versions table: the version's first occurrence is unique to it and stable
        "id": s.first_occurrence_id, "version": version, "environment": environment,
        "date_created": _ts(min(starts)) if starts else None,
        "first_occurrence_id": s.first_occurrence_id,
        "first_occurrence_timestamp": _ts(s.first_occurrence_timestamp),
        "last_occurrence_id": s.last_occurrence_id,
        "last_occurrence_timestamp": _ts(s.last_occurrence_timestamp),
        "deployed_by": s.deployed_by, "last_deploy_timestamp": _ts(s.last_deploy_time),
        "item_stats": _item_stats(s.counts), "commits": [],
    }


def item_in_version_json(row: Any) -> dict[str, Any]:
    return schemas.item(row) | {
        "first_in_version_occurrence_id": row.v_first_id,
        "first_in_version_occurrence_timestamp": _ts(row.v_first_ts),
        "last_in_version_occurrence_id": row.v_last_id,
        "last_in_version_occurrence_timestamp": _ts(row.v_last_ts),
        "occurrences_in_version": row.v_occurrences or 0,
        "people_in_version": None,  # people are not counted per version
    }


# ---- endpoints -------------------------------------------------------------------------


class DeploysApi:
    def __init__(self, services: Services) -> None:
        self.s = services

    def _reach(self, request: Request, scope: Scope,
               body: dict[str, Any] | None = None) -> tuple[int, int]:
        """(project id, account id) the request's token reaches with `scope`."""
        caller = access.project_caller(self.s, request, scope, body)
        assert caller.project_id is not None  # project_caller always names one
        return caller.project_id, caller.account_id

    def _project_id(self, request: Request) -> int:
        return self._reach(request, Scope.READ)[0]

    async def create(self, request: Request) -> Response:
        """POST /deploy: record a deploy; answers `{"data": {"deploy_id": N}}`."""
        body = await access.read_body(request)
        project_id, account_id = await in_thread(self._reach, request,
                                                 Scope.POST_SERVER_ITEM, body)
        fields = _new_deploy_fields(body)
        deploy_id = await in_thread(self._create, project_id, account_id, fields)
        return raw({"data": {"deploy_id": deploy_id}})

    def _create(self, project_id: int, account_id: int, fields: dict[str, Any]) -> int:
        with db.writer(self.s.engine).begin() as conn:
            name = fields.pop("rollbar_username")
            user_id = None if name is None else deploys.user_id_by_username(
                conn, account_id, name)
            return deploys.create(conn, NewDeploy(
                project_id=project_id, user_id=user_id, now=time.time(), **fields))

    async def update(self, request: Request) -> Response:
        """PATCH /deploy/{id}: move a `started` deploy on (409 once it has left it)."""
        body = await access.read_body(request)
        project_id, _ = await in_thread(self._reach, request, Scope.POST_SERVER_ITEM, body)
        deploy_id = _path_id(request, "deploy_id", "Deploy")
        status, comment = _patch_fields(body)
        return ok(await in_thread(self._update, project_id, deploy_id, status, comment))

    def _update(self, project_id: int, deploy_id: int, status: str,
                comment: str | None) -> dict[str, Any]:
        with db.writer(self.s.engine).begin() as conn:
            done = deploys.finish(conn, project_id, deploy_id, status=status,
                                  comment=comment, now=time.time())
            row = deploys.get(conn, project_id, deploy_id)
        if done is Finish.MISSING or row is None:
            raise NotFound("Deploy not found in this project.")
        if done is Finish.NOT_STARTED:
            raise Conflict("The deploy can not be updated because its status is not started.")
        return deploy_json(row)

    async def get(self, request: Request) -> Response:
        """GET /deploy/{id}, with the items resolved in its revision (extension)."""
        return ok(await in_thread(self._get, request))

    def _get(self, request: Request) -> dict[str, Any]:
        project_id = self._project_id(request)
        deploy_id = _path_id(request, "deploy_id", "Deploy")
        with self.s.engine.connect() as conn:
            row = deploys.get(conn, project_id, deploy_id)
            if row is None:
                raise NotFound("Deploy not found in this project.")
            resolved = deploys.resolved_items(conn, project_id, row.revision, row.environment)
        return deploy_json(row) | {"resolved_items": [
            {"id": r.id, "counter": r.counter, "title": r.title, "environment": r.environment}
            for r in resolved]}

    async def list_deploys(self, request: Request) -> Response:
        """GET /deploys: newest first, 20 a page."""
        return ok(await in_thread(self._list_deploys, request))

    def _list_deploys(self, request: Request) -> dict[str, Any]:
        project_id = self._project_id(request)
        page, per_page, reachable = _paging(request)
        rows = []
        if reachable:
            with self.s.engine.connect() as conn:
                rows = deploys.list_page(conn, project_id, page=page, per_page=per_page)
        return {"page": page, "deploys": [deploy_json(r) for r in rows]}

    async def environments(self, request: Request) -> Response:
        """GET /environments: in the order they were first seen, 20 a page."""
        return ok(await in_thread(self._environments, request))

    def _environments(self, request: Request) -> dict[str, Any]:
        project_id = self._project_id(request)
        page, per_page, reachable = _paging(request)
        rows = []
        if reachable:
            with self.s.engine.connect() as conn:
                rows = deploys.list_environments(conn, project_id, page=page,
                                                 per_page=per_page)
        return {"page": page, "environments": [
            {"id": r.id, "project_id": r.project_id, "environment": r.name,
             "visible": int(bool(r.visible))} for r in rows]}

    def _version(self, request: Request) -> tuple[int, str, str]:
        project_id = self._project_id(request)
        version = request.path_params["version"]
        environment = _query_text(request, "environment", required=True) or ""
        if len(version) > MAX_TEXT or "\x00" in version:
            raise NotFound("Version not found in this project.")
        return project_id, version, environment

    async def version(self, request: Request) -> Response:
        """GET /versions/{version}?environment=: what the version did there."""
        return ok(await in_thread(self._version_summary, request))

    def _version_summary(self, request: Request) -> dict[str, Any]:
        project_id, version, environment = self._version(request)
        with self.s.engine.connect() as conn:
            summary = versions_stats.summary(conn, project_id, version, environment)
        if not summary.known:
            raise NotFound("Version not found in this project.")
        return version_json(version, environment, summary)

    async def version_items(self, request: Request) -> Response:
        """GET /versions/{version}/items: a bare list of items, 20 a page."""
        return ok(await in_thread(self._version_items, request))

    def _version_items(self, request: Request) -> list[dict[str, Any]]:
        project_id, version, environment = self._version(request)
        event = _query_text(request, "event", required=False)
        if event is not None and event not in (*versions_stats.EVENTS,
                                               versions_stats.RESOLVED):
            raise InvalidPayload("event must be one of new, repeated, reactivated, resolved")
        levels = _levels(request)
        page, per_page, reachable = _paging(request)
        if not reachable:
            return []
        with self.s.engine.connect() as conn:
            rows = versions_stats.items_page(conn, project_id, version, environment,
                                             event=event, levels=levels, page=page,
                                             per_page=per_page)
        return [item_in_version_json(r) for r in rows]


def routes(services: Services) -> list[Route]:
    api = DeploysApi(services)
    return [
        Route("POST", "/api/1/deploy", api.create, "Record a deploy"),
        Route("PATCH", "/api/1/deploy/{deploy_id}", api.update, "Finish a started deploy"),
        Route("GET", "/api/1/deploy/{deploy_id}", api.get, "Get a deploy"),
        Route("GET", "/api/1/deploys", api.list_deploys, "List deploys"),
        Route("GET", "/api/1/environments", api.environments, "List environments"),
        Route("GET", "/api/1/versions/{version}", api.version, "A code version's statistics"),
        Route("GET", "/api/1/versions/{version}/items", api.version_items,
              "Items seen or resolved in a code version"),
    ]
