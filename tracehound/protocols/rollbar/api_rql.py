"""Rollbar API: RQL jobs (rollbar-api.md §9.1).

A POST queues a job and answers at once; the RQL runner (jobs/rql_jobs.py) runs it in
the background and clients poll. See docs/api/rql-jobs.md for the decisions taken
where Rollbar's documentation is silent.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound import log
from tracehound.errors import Conflict, InvalidPayload, NotFound
from tracehound.model.project import AccessToken, Scope
from tracehound.protocols.rollbar import access
from tracehound.protocols.rollbar.routing import Route, in_thread, ok
from tracehound.query import rql
from tracehound.services import Services
from tracehound.store import admin_projects, db
from tracehound.store import rql_jobs as jobs

_log = log.get("rollbar")

PER_PAGE = 20
MAX_ID = 2**63 - 1
MAX_QUERY_CHARS = 20_000
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")
ENDED_WITHOUT_RESULT = {
    jobs.CANCELLED: "the job was cancelled",
    jobs.TIMED_OUT: "the query ran too long and was stopped",
    jobs.FAILED: "the query failed",
}


# ---- parameters ------------------------------------------------------------------------


def _query_string(body: dict[str, Any]) -> str:
    value = body.get("query_string")
    if value is None:
        raise InvalidPayload("query_string is required")
    if not isinstance(value, str):
        raise InvalidPayload("query_string must be a string")
    if not value.strip():
        raise InvalidPayload("query_string must not be empty")
    if len(value) > MAX_QUERY_CHARS:
        raise InvalidPayload(f"query_string must be at most {MAX_QUERY_CHARS} characters "
                             f"(got {len(value)})")
    if "\x00" in value:
        raise InvalidPayload("query_string must not contain NUL characters")
    return value


def _force_refresh(request: Request, body: dict[str, Any]) -> bool:
    """A JSON boolean or 0/1, or a form/query value 1/0/true/false (rollbar-api.md §1.3)."""
    value = body.get("force_refresh", request.query_params.get("force_refresh"))
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE + FALSE:
        return value.strip().lower() in TRUE
    raise InvalidPayload("force_refresh must be a boolean (true/false or 1/0)")


def _page(request: Request) -> int:
    value = request.query_params.get("page")
    if value is None or value == "":
        return 1
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise InvalidPayload(f"page must be an integer of at least 1, got {value[:40]!r}")
    return int(value)


def _job_id(request: Request) -> int:
    text = request.path_params["job_id"]
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise NotFound("Job not found.")
    return int(text)


def _expand(request: Request) -> set[str]:
    """`expand=result`, repeated or comma-separated."""
    return {part.strip() for value in request.query_params.getlist("expand")
            for part in value.split(",")}


# ---- response objects ------------------------------------------------------------------


def job_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "project_id": row.project_id, "query_string": row.query_string,
            "status": row.status, "job_hash": row.job_hash,
            "date_created": int(row.created_at), "date_modified": int(row.modified_at)}


def result_json(row: Any) -> dict[str, Any] | None:
    """The stored result resource; None while the job has not ended. A job that ended
    without one (cancelled before it ran) gets an empty resource saying why."""
    if row.result is not None:
        return jobs.unpack_result(row.result)
    if row.status in jobs.ACTIVE:
        return None
    return jobs.empty_resource(row.id, [ENDED_WITHOUT_RESULT.get(row.status, row.status)])


# ---- endpoints -------------------------------------------------------------------------


class RqlApi:
    def __init__(self, services: Services) -> None:
        self.s = services

    def _reach(self, request: Request,
               body: dict[str, Any] | None = None) -> tuple[int, int | None]:
        """(account id, project id or None): a project token reaches its project's jobs,
        an account token every job of the account (or one project's, with project_id)."""
        token = access.authenticate(self.s, request, body)
        access.require_scope(token, Scope.READ)
        if token.project_id is not None or request.query_params.get("project_id") is None:
            return token.account_id, token.project_id
        caller = access.project_caller(self.s, request, Scope.READ, body)
        return caller.account_id, caller.project_id

    def _creator(self, request: Request, body: dict[str, Any]) -> tuple[int, int]:
        """(account id, project id) a new job runs in: the project token's project, the
        account token's `project_id`, or the account's only project."""
        token = access.authenticate(self.s, request, body)
        access.require_scope(token, Scope.READ)
        if token.project_id is not None:
            return token.account_id, token.project_id
        if request.query_params.get("project_id") is not None \
                or body.get("project_id") is not None:
            caller = access.project_caller(self.s, request, Scope.READ, body)
            assert caller.project_id is not None
            return caller.account_id, caller.project_id
        return token.account_id, self._only_project(token)

    def _only_project(self, token: AccessToken) -> int:
        with self.s.engine.connect() as conn:
            projects = admin_projects.list_projects(conn, token.account_id)
        if len(projects) == 1:
            return projects[0].id
        raise InvalidPayload("project_id is required with an account access token: an RQL "
                             "job runs in one project and this account has "
                             f"{len(projects) or 'no'} projects")

    async def create(self, request: Request) -> Response:
        """POST /rql/jobs: queue a query, or answer the cached job for the same query."""
        body = await access.read_body(request)
        account_id, project_id = await in_thread(self._creator, request, body)
        query = _query_string(body)
        force = _force_refresh(request, body)
        return ok(await in_thread(self._create, account_id, project_id, query, force))

    def _create(self, account_id: int, project_id: int, query: str,
                force: bool) -> dict[str, Any]:
        refused = _refusal(query)
        new = jobs.NewJob(account_id=account_id, project_id=project_id, query_string=query,
                          job_hash=jobs.job_hash(project_id, query), now=time.time())
        with db.writer(self.s.engine).begin() as conn:
            cached = None if force or refused else jobs.find_reusable(conn, project_id,
                                                                     new.job_hash)
            if cached is not None:
                return job_json(cached)
            if refused is not None:
                job_id = jobs.create(conn, new, status=jobs.FAILED, errors=[refused])
            else:
                job_id = jobs.create(conn, new)
            row = jobs.get(conn, job_id, account_id=account_id, project_id=project_id)
        if refused is None:
            self.s.wake_rql()
        return job_json(row)

    async def list_jobs(self, request: Request) -> Response:
        """GET /rql/jobs: 20 a page, newest first, as a bare list."""
        return ok(await in_thread(self._list, request))

    def _list(self, request: Request) -> list[dict[str, Any]]:
        account_id, project_id = self._reach(request)
        page = _page(request)
        if (page - 1) * PER_PAGE > MAX_ID:
            return []
        with self.s.engine.connect() as conn:
            rows = jobs.list_page(conn, account_id=account_id, project_id=project_id,
                                  page=page, per_page=PER_PAGE)
        return [job_json(r) for r in rows]

    def _row(self, request: Request, body: dict[str, Any] | None = None) -> Any:
        account_id, project_id = self._reach(request, body)
        job_id = _job_id(request)
        with self.s.engine.connect() as conn:
            row = jobs.get(conn, job_id, account_id=account_id, project_id=project_id)
        if row is None:
            raise NotFound("Job not found.")
        return row

    async def get(self, request: Request) -> Response:
        """GET /rql/job/{id}; `expand=result` adds the result resource."""
        return ok(await in_thread(self._get, request))

    def _get(self, request: Request) -> dict[str, Any]:
        row = self._row(request)
        out = job_json(row)
        if "result" in _expand(request):
            out["result"] = result_json(row)
        return out

    async def result(self, request: Request) -> Response:
        """GET /rql/job/{id}/result; `expand=job` adds the job."""
        return ok(await in_thread(self._result, request))

    def _result(self, request: Request) -> dict[str, Any]:
        row = self._row(request)
        out: dict[str, Any] = {"job_id": row.id, "result": result_json(row)}
        if "job" in _expand(request):
            out["job"] = job_json(row)
        return out

    async def cancel(self, request: Request) -> Response:
        """POST /rql/job/{id}/cancel: a new or running job ends `cancelled`."""
        body = await access.read_body(request)
        return ok(await in_thread(self._cancel, request, body))

    def _cancel(self, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        row = self._row(request, body)
        with db.writer(self.s.engine).begin() as conn:
            jobs.cancel(conn, row.id, time.time())
            row = jobs.get(conn, row.id, account_id=row.account_id, project_id=None)
        if row.status != jobs.CANCELLED:
            raise Conflict(f"The job can not be cancelled because it has already ended "
                           f"({row.status}).")
        self.s.wake_rql()  # a runner in this process stops the query at once
        return job_json(row)


def _refusal(query: str) -> str | None:
    """Why the engine refuses the query without running it, or None."""
    try:
        rql.check(query)
    except rql.RqlError as exc:
        where = "" if exc.position is None else f" (at character {exc.position})"
        return exc.message + where
    except RecursionError:
        return "the query is nested too deeply"
    except Exception:  # an engine bug must not turn a user's query into a 500
        _log.exception("RQL check failed on a query")
        return "the query could not be parsed"
    return None


def routes(services: Services) -> list[Route]:
    api = RqlApi(services)
    return [
        Route("POST", "/api/1/rql/jobs", api.create, "Create an RQL job"),
        Route("GET", "/api/1/rql/jobs", api.list_jobs, "List RQL jobs"),
        Route("GET", "/api/1/rql/job/{job_id}", api.get, "Get an RQL job"),
        Route("GET", "/api/1/rql/job/{job_id}/result", api.result, "Get an RQL job's result"),
        Route("POST", "/api/1/rql/job/{job_id}/cancel", api.cancel, "Cancel an RQL job"),
    ]
