"""Rollbar API: people deletion (rollbar-api.md §15). See docs/api/people.md.

An account `write` token asks for a tracked person to be removed from every project
of the account; the digest worker does the work (store/person_deletion.py) and an
account `read` token polls the job.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tracehound.errors import InvalidPayload, NotFound
from tracehound.model.project import Scope
from tracehound.protocols.rollbar.access import account_caller, read_body
from tracehound.protocols.rollbar.routing import Route, in_thread, ok
from tracehound.services import Services
from tracehound.store import person_deletion
from tracehound.store.db import writer
from tracehound.store.person_deletion import COUNTERS, Job

MAX_ID = 2**63 - 1
MAX_VALUE = 255  # people.username / people.email / people.person_id are 255 wide
# request parameter → stored field; `person_id` is the older docs' name for `id`
PARAMS = {"id": "person_id", "person_id": "person_id", "username": "username",
          "email": "email"}
_ONE_OF = "exactly one of id (or person_id), username, email is required"


def _value(name: str, value: Any) -> str:
    """A parameter as text: strings and integers (JSON ids) only, trimmed, ≤ 255."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidPayload(f"{name} must be a string")
    text = str(value).strip()
    if not text:
        raise InvalidPayload(f"{name} must not be empty")
    if len(text) > MAX_VALUE:
        raise InvalidPayload(f"{name} must be at most {MAX_VALUE} characters long")
    return text


def person_param(request: Request, body: dict[str, Any]) -> tuple[str, str]:
    """(field, value) from the query string and/or the body; 422 unless exactly one."""
    given: dict[str, Any] = {}
    for name in PARAMS:
        values = request.query_params.getlist(name)
        if name in body:
            values.append(body[name])
        if len(values) > 1:
            raise InvalidPayload(f"{name} was given more than once; {_ONE_OF}")
        if values:
            given[name] = values[0]
    if len(given) != 1:
        found = ", ".join(sorted(given)) or "none"
        raise InvalidPayload(f"{_ONE_OF} (got {found})")
    (name, raw), = given.items()
    return PARAMS[name], _value(name, raw)


def _ts(value: float | None) -> int | None:
    return None if value is None else int(value)


def job_json(job: Job) -> dict[str, Any]:
    """Rollbar's `{id, state}` plus Tracehound's progress (never the person's data)."""
    out: dict[str, Any] = {
        "id": job.id,
        "state": job.state,
        # Tracehound extensions
        "field": "id" if job.field == "person_id" else job.field,
        "date_created": _ts(job.created_at),
        "date_started": _ts(job.started_at),
        "date_finished": _ts(job.finished_at),
        "progress": {"phase": job.progress.get("phase", "queue"),
                     **{k: int(job.progress.get(k, 0)) for k in COUNTERS}},
    }
    if job.progress.get("queue_wait_timed_out"):
        # events queued before the request were still undigested after the wait
        out["progress"]["queue_wait_timed_out"] = True
    if job.error:
        out["error"] = job.error
    return out


def _job_id(request: Request) -> int:
    raw = request.path_params["job_id"]
    try:
        value = int(raw)
    except ValueError:
        raise NotFound("Job not found.") from None
    if not 1 <= value <= MAX_ID:
        raise NotFound("Job not found.")
    return value


def routes(services: Services) -> list[Route]:
    engine = services.engine

    async def create(request: Request) -> Response:
        """Ask for a person's deletion from every project of the account."""
        body = await read_body(request)
        caller = await in_thread(account_caller, services, request, Scope.WRITE, body)
        field, value = person_param(request, body)

        def insert() -> int:
            with writer(engine).begin() as conn:
                return person_deletion.create_job(conn, caller.account_id, field, value,
                                                  time.time())
        job_id = await in_thread(insert)
        return ok({"id": job_id})

    async def status(request: Request) -> Response:
        """A deletion job's state; authenticate first (DataGrail probes id 0)."""
        caller = await in_thread(account_caller, services, request, Scope.READ)
        job_id = _job_id(request)

        def load() -> Job | None:
            with engine.connect() as conn:
                return person_deletion.get_job(conn, caller.account_id, job_id)
        job = await in_thread(load)
        if job is None:
            raise NotFound("Job not found.")
        return ok(job_json(job))

    return [
        Route("POST", "/api/1/people/delete_jobs/", create, "Request person deletion"),
        Route("GET", "/api/1/people/delete_jobs/{job_id}", status,
              "Get person deletion status"),
    ]
