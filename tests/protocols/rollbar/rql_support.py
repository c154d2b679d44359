"""Helpers for the RQL job suites: create, poll and read jobs over HTTP."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.store import projects, tokens

COUNT = "SELECT count(*) FROM item_occurrence"
# A query that runs until it is stopped. Stand-in engine only: when the real engine
# lands, replace it with a query the engine spends many seconds on.
SLOW = "SELECT count(*) FROM stand_in_slow"
JOBS = "/api/1/rql/jobs"
JOB_KEYS = {"id", "project_id", "query_string", "status", "job_hash", "date_created",
            "date_modified"}
RESULT_KEYS = {"rows", "selectionColumns", "columns", "rowcount", "executionTime",
               "errors", "warnings"}
ENDED = ("success", "failed", "cancelled", "timed_out")


def headers(token: str | None) -> dict[str, str]:
    return {"X-Rollbar-Access-Token": token} if token else {}


def create(server: LiveServer, token: str, query: str = COUNT, **body: Any) -> dict[str, Any]:
    r = server.http.post(server.url + JOBS, json={"query_string": query, **body},
                         headers=headers(token))
    assert r.status_code == 200, r.text
    job: dict[str, Any] = r.json()["result"]
    assert set(job) == JOB_KEYS, job
    return job


def get(server: LiveServer, token: str, job_id: int, **params: Any) -> dict[str, Any]:
    r = server.get(f"/api/1/rql/job/{job_id}", token, **params)
    assert r.status_code == 200, r.text
    assert r.json()["err"] == 0
    job: dict[str, Any] = r.json()["result"]
    return job


def wait_status(server: LiveServer, token: str, job_id: int, statuses: tuple[str, ...],
                timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = get(server, token, job_id)
        if job["status"] in statuses:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} after {timeout}s")
        time.sleep(0.05)


def cancel(server: LiveServer, token: str, job_id: int) -> httpx.Response:
    return server.http.post(f"{server.url}/api/1/rql/job/{job_id}/cancel",
                            headers=headers(token))


def error(r: httpx.Response, status: int, contains: str = "") -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["err"] == 1 and contains in body["message"], body


def account_token(engine: Engine, account_id: int, *scopes: str) -> str:
    with engine.begin() as conn:
        return tokens.create_token(conn, account_id=account_id, project_id=None,
                                   name=f"acct-{'-'.join(scopes)}-{uuid.uuid4().hex[:6]}",
                                   scopes=list(scopes))


def foreign_project(engine: Engine) -> ProjectInfo:
    """A project in a second account."""
    with engine.begin() as conn:
        account_id = projects.create_account(conn, "someone else")
        project, made = projects.create_project(conn, account_id, "theirs")
    return ProjectInfo(project.id, account_id, made)


def post_messages(server: LiveServer, project: ProjectInfo, n: int) -> None:
    for i in range(n):
        r = server.post_item(project.post, {"environment": "production",
                                            "body": {"message": {"body": f"boom {i}"}}})
        assert r.status_code == 200, r.text
    server.wait_digested()
