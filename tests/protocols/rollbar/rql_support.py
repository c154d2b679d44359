"""Helpers for the RQL job suites: create, poll and read jobs over HTTP."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.store import projects, tokens
from tracehound.store.db import writer

COUNT = "SELECT count(*) FROM item_occurrence"
# A query that reads every payload of a project: seconds of work once the project is
# big (make_big), and it runs until stopped with the engine stand-in.
SLOW = "SELECT count(*) FROM item_occurrence WHERE body.message.body LIKE '%no such text%'"
BIG = 150_000  # under the engine's 200 000 scanned rows; ~3 s of SLOW on one core
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
    with writer(engine).begin() as conn:
        return tokens.create_token(conn, account_id=account_id, project_id=None,
                                   name=f"acct-{'-'.join(scopes)}-{uuid.uuid4().hex[:6]}",
                                   scopes=list(scopes))


def foreign_project(engine: Engine) -> ProjectInfo:
    """A project in a second account."""
    with writer(engine).begin() as conn:
        account_id = projects.create_account(conn, "someone else")
        project, made = projects.create_project(conn, account_id, "theirs")
    return ProjectInfo(project.id, account_id, made)


def post_messages(server: LiveServer, project: ProjectInfo, n: int) -> None:
    for i in range(n):
        r = server.post_item(project.post, {"environment": "production",
                                            "body": {"message": {"body": f"boom {i}"}}})
        assert r.status_code == 200, r.text
    server.wait_digested()


def clone_occurrences(engine: Engine, project_id: int, n: int) -> None:
    """Make a project big fast: n copies of its first stored occurrence (same item and
    payload, new uuids), written with one INSERT … SELECT. For queries that must run
    for seconds; the digest would take minutes to store as many."""
    from sqlalchemy import String, cast, func, insert, literal, select

    from tracehound.store.tables import occurrences as o

    series = select(literal(1).label("x")).cte("series", recursive=True)
    series = series.union_all(select(series.c.x + 1).where(series.c.x < n))
    first = select(func.min(o.c.id)).where(o.c.project_id == project_id).scalar_subquery()
    rows = select(o.c.project_id, o.c.item_id,
                  literal("clone-") + cast(series.c.x, String), o.c.timestamp, o.c.level,
                  o.c.payload).where(o.c.id == first)
    with writer(engine).begin() as conn:
        conn.execute(insert(o).from_select(
            ["project_id", "item_id", "uuid", "timestamp", "level", "payload"],
            rows.add_columns().join_from(o, series, literal(True))))


def make_big(server: LiveServer, engine: Engine, project: ProjectInfo, n: int = BIG) -> None:
    """A project of n + 1 occurrences, so that SLOW runs for seconds."""
    post_messages(server, project, 1)
    clone_occurrences(engine, project.id, n)
