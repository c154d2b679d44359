"""RQL jobs over HTTP (rollbar-api.md §9.1): create, poll, result, cache, list, cancel,
reach of project and account tokens, and hostile input. The jobs run in the server's
own background runner on the real database."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from tests.protocols.rollbar.rql_support import (
    COUNT,
    ENDED,
    JOB_KEYS,
    JOBS,
    RESULT_KEYS,
    SLOW,
    account_token,
    cancel,
    create,
    error,
    foreign_project,
    get,
    headers,
    make_big,
    post_messages,
    wait_status,
)
from tests.support import LiveServer, ProjectInfo


def test_create_poll_and_read_the_result(server: LiveServer, project: ProjectInfo) -> None:
    post_messages(server, project, 3)
    job = create(server, project.read)
    assert job["status"] in ("new", "running", "success")
    assert job["project_id"] == project.id and job["query_string"] == COUNT
    assert len(job["job_hash"]) == 64
    assert abs(job["date_created"] - time.time()) < 60

    done = wait_status(server, project.read, job["id"], ENDED)
    assert done["status"] == "success", done
    assert "result" not in done

    expanded = get(server, project.read, job["id"], expand="result")
    result = expanded.pop("result")
    assert expanded == done
    assert set(result) >= RESULT_KEYS
    assert result["rows"] == [[3]] and result["rowcount"] == 1
    assert result["selectionColumns"] == ["count(*)"]
    assert result["errors"] == [] and result["warnings"] == []
    assert isinstance(result["executionTime"], int | float)

    r = server.get(f"/api/1/rql/job/{job['id']}/result/", project.read)
    assert r.status_code == 200, r.text
    assert r.json() == {"err": 0, "result": {"job_id": job["id"], "result": result}}
    r = server.get(f"/api/1/rql/job/{job['id']}/result", project.read, expand="job")
    assert r.json()["result"]["job"] == done


def test_same_query_reuses_the_job_and_force_refresh_makes_a_new_one(
        server: LiveServer, project: ProjectInfo, other_project: ProjectInfo) -> None:
    first = create(server, project.read)
    wait_status(server, project.read, first["id"], ENDED)
    again = create(server, project.read, "  SELECT   count(*)\n FROM item_occurrence ; ")
    assert again["id"] == first["id"]
    assert again["job_hash"] == first["job_hash"]

    # a form body, as Rollbar's curl example sends it; booleans as text
    r = server.http.post(server.url + JOBS + "/", headers=headers(project.read),
                         data={"query_string": COUNT, "force_refresh": "1"})
    assert r.status_code == 200, r.text
    fresh = r.json()["result"]
    assert fresh["id"] > first["id"] and fresh["job_hash"] == first["job_hash"]
    assert create(server, project.read, force_refresh=True)["id"] > fresh["id"]

    theirs = create(server, other_project.read)
    assert theirs["id"] != first["id"] and theirs["job_hash"] != first["job_hash"]


def test_a_refused_query_fails_with_its_error_and_is_not_cached(
        server: LiveServer, project: ProjectInfo) -> None:
    for query in ("DROP TABLE items", "SELECT count(*) FROM item_occurrence; "
                  "DELETE FROM rql_jobs", "select * from accounts", "'; --"):
        job = create(server, project.read, query)
        assert job["status"] == "failed", job
        r = server.get(f"/api/1/rql/job/{job['id']}/result", project.read)
        result = r.json()["result"]["result"]
        assert result["rows"] == [] and result["errors"], result
        assert create(server, project.read, query)["id"] != job["id"]
    # nothing was dropped or deleted: the store still answers
    post_messages(server, project, 1)
    done = wait_status(server, project.read, create(server, project.read)["id"], ENDED)
    assert get(server, project.read, done["id"], expand="result")["result"]["rows"] == [[1]]


def test_result_of_an_unfinished_job_and_cancel(server: LiveServer, engine: Engine,
                                                project: ProjectInfo) -> None:
    make_big(server, engine, project)
    job = create(server, project.read, SLOW)
    wait_status(server, project.read, job["id"], ("running",))
    r = server.get(f"/api/1/rql/job/{job['id']}/result", project.read, expand="job")
    assert r.json()["result"]["result"] is None
    assert r.json()["result"]["job"]["status"] == "running"
    assert get(server, project.read, job["id"], expand="result")["result"] is None

    r = cancel(server, project.read, job["id"])
    assert r.status_code == 200, r.text
    assert r.json()["result"]["status"] == "cancelled"
    assert set(r.json()["result"]) == JOB_KEYS
    result = get(server, project.read, job["id"], expand="result")["result"]
    assert result["rows"] == [] and "cancelled" in result["errors"][0]
    assert cancel(server, project.read, job["id"]).status_code == 200  # idempotent
    # a cancelled job is not the cached answer to its query

    again = create(server, project.read, SLOW)
    assert again["id"] != job["id"]
    assert cancel(server, project.read, again["id"]).json()["result"]["status"] == "cancelled"
    done = wait_status(server, project.read, create(server, project.read)["id"], ENDED)
    error(cancel(server, project.read, done["id"]), 409, "already ended (success)")


def test_list_pages_by_project_and_by_account(
        server: LiveServer, engine: Engine, project: ProjectInfo,
        other_project: ProjectInfo) -> None:
    mine = [create(server, project.read, force_refresh=True)["id"] for _ in range(23)]
    theirs = [create(server, other_project.read, force_refresh=True)["id"]
              for _ in range(2)]
    pages = [server.get(JOBS, project.read, page=p).json()["result"] for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [20, 3, 0]
    assert [j["id"] for j in pages[0] + pages[1]] == sorted(mine, reverse=True)
    assert all(set(j) == JOB_KEYS for j in pages[0])
    assert [j["id"] for j in server.get(JOBS + "/", other_project.read).json()["result"]] \
        == sorted(theirs, reverse=True)

    acct = account_token(engine, project.account_id, "read")
    listed = [j["id"] for p in (1, 2) for j in server.get(JOBS, acct, page=p).json()["result"]]
    assert listed == sorted(mine + theirs, reverse=True)
    only = server.get(JOBS, acct, project_id=other_project.id).json()["result"]
    assert [j["id"] for j in only] == sorted(theirs, reverse=True)
    # an account token reads and cancels any job of its account
    assert get(server, acct, theirs[0])["project_id"] == other_project.id

    stranger = foreign_project(engine)
    assert server.get(JOBS, stranger.read).json() == {"err": 0, "result": []}
    error(server.get(JOBS, acct, project_id=stranger.id), 404)
    for page in ("0", "-1", "abc", "1.5", str(2**64)):
        error(server.get(JOBS, project.read, page=page), 422, "page")
    assert server.get(JOBS, project.read, page=str(2**62)).json()["result"] == []


def test_account_tokens_create_jobs_in_a_named_or_only_project(
        server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    acct = account_token(engine, project.account_id, "read")
    job = create(server, acct)  # the account's only project
    assert job["project_id"] == project.id
    stranger = foreign_project(engine)
    second = create(server, acct, project_id=project.id, force_refresh=True)
    assert second["project_id"] == project.id
    error(server.http.post(server.url + JOBS, json={"query_string": COUNT,
                                                    "project_id": stranger.id},
                           headers=headers(acct)), 404, "Project not found")
    from tests.support import make_project
    make_project(engine, "second")
    error(server.http.post(server.url + JOBS, json={"query_string": COUNT},
                           headers=headers(acct)), 422, "project_id is required")


def test_other_projects_and_accounts_jobs_are_not_found(
        server: LiveServer, engine: Engine, project: ProjectInfo,
        other_project: ProjectInfo) -> None:
    post_messages(server, other_project, 2)
    theirs = create(server, other_project.read)
    wait_status(server, other_project.read, theirs["id"], ENDED)
    stranger = foreign_project(engine)
    stranger_acct = account_token(engine, stranger.account_id, "read")
    for token in (project.read, stranger.read, stranger_acct):
        for path in (f"/api/1/rql/job/{theirs['id']}", f"/api/1/rql/job/{theirs['id']}/result"):
            r = server.get(path, token, expand="result")
            error(r, 404, "Job not found.")
            assert "rows" not in r.text
        error(cancel(server, token, theirs["id"]), 404, "Job not found.")
    for bad in ("0", "-1", "abc", "1e3", str(2**63), "9" * 40, "%27%20OR%201=1"):
        error(server.get(f"/api/1/rql/job/{bad}", project.read), 404)
        error(cancel(server, project.read, bad), 404)  # type: ignore[arg-type]
    assert get(server, other_project.read, theirs["id"])["status"] == "success"


def test_hostile_bodies_get_a_clear_4xx(server: LiveServer, project: ProjectInfo) -> None:
    url, h = server.url + JOBS, headers(project.read)
    cases = [
        ({"json": {}}, 422, "query_string is required"),
        ({"json": {"query_string": None}}, 422, "query_string is required"),
        ({"json": {"query_string": 123}}, 422, "must be a string"),
        ({"json": {"query_string": ["SELECT 1"]}}, 422, "must be a string"),
        ({"json": {"query_string": {"$ne": 1}}}, 422, "must be a string"),
        ({"json": {"query_string": "   "}}, 422, "must not be empty"),
        ({"json": {"query_string": "SELECT \x00"}}, 422, "NUL"),
        ({"json": {"query_string": "SELECT " + "1," * 20_000}}, 422, "at most 20000"),
        ({"json": {"query_string": COUNT, "force_refresh": "maybe"}}, 422, "force_refresh"),
        ({"json": {"query_string": COUNT, "force_refresh": [1]}}, 422, "force_refresh"),
        ({"json": [COUNT]}, 400, "JSON object"),
        ({"content": b"{\"query_string\": "}, 400, ""),
        ({"content": b"[" * 100_000 + b"]" * 100_000}, 400, ""),
        ({"content": b"\xff\xfe\x00garbage"}, 400, ""),
        ({"content": b"x" * (2 * 1024 * 1024)}, 413, ""),
        ({"data": {"query_string": ["a", "b"]}}, 422, "must be a string"),
        ({"files": {"query_string": (None, COUNT)}, "data": {}}, 200, ""),
    ]
    for kwargs, status, contains in cases:
        r = server.http.post(url, headers=h, **kwargs)  # type: ignore[arg-type]
        if status == 200:
            assert r.status_code == 200 and r.json()["result"]["query_string"] == COUNT, r.text
        else:
            error(r, status, contains)
    deep = "SELECT " + "(" * 5000 + "1" + ")" * 5000 + " FROM item_occurrence"
    job = create(server, project.read, deep)
    assert job["status"] == "failed"


def test_tokens_and_scopes(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    job = create(server, project.read)
    paths = [("POST", JOBS), ("GET", JOBS), ("GET", f"/api/1/rql/job/{job['id']}"),
             ("GET", f"/api/1/rql/job/{job['id']}/result"),
             ("POST", f"/api/1/rql/job/{job['id']}/cancel")]
    write_only = account_token(engine, project.account_id, "write")
    for method, path in paths:
        body = {"query_string": COUNT} if method == "POST" else None
        r = server.http.request(method, server.url + path, json=body)
        error(r, 401, "access token required")
        for token in ("nope", "0" * 32, project.post, project.client,
                      project.tokens["write"], write_only):
            r = server.http.request(method, server.url + path, json=body,
                                    headers=headers(token))
            assert r.status_code == 403, (path, token, r.text)
            assert r.json()["err"] == 1
    # the token may also come as a query parameter or a body field
    r = server.http.get(server.url + JOBS, params={"access_token": project.read})
    assert r.status_code == 200
    r = server.http.post(server.url + JOBS, json={"query_string": COUNT,
                                                  "access_token": project.read})
    assert r.status_code == 200 and r.json()["result"]["id"] == job["id"]
