"""People deletion over HTTP (rollbar-api.md §15): a job asked for with an account
`write` token, carried out by the server's digest worker, polled with a `read` token;
the person's identity leaves every occurrence and `people` row of the account, and
nothing else changes. Also the job's resumability, locking and failure handling."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select, update

from tests.support import LiveServer, ProjectInfo
from tracehound.ingest import digest, person_jobs, worker
from tracehound.model.event import encode, unpack_data
from tracehound.protocols.rollbar.translate import translate
from tracehound.store import db, person_deletion, projects, tokens
from tracehound.store.tables import access_tokens, ingest_queue, people, person_delete_jobs

PATH = "/api/1/people/delete_jobs/"
ALICE = {"id": "42", "username": "alice", "email": "alice@example.com"}
BOB = {"id": "43", "username": "bob", "email": "bob@example.com"}


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


def request_deletion(server: LiveServer, token: str | None, *, params: Any = None,
                     **kw: Any) -> httpx.Response:
    headers = {"X-Rollbar-Access-Token": token} if token else {}
    return server.http.post(server.url + PATH, params=params, headers=headers, **kw)


def error(r: httpx.Response, status: int, contains: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["err"] == 1 and contains in body["message"], body


def rollbar_item(server: LiveServer, project: ProjectInfo, person: dict[str, Any] | None,
                 text: str) -> str:
    data: dict[str, Any] = {"environment": "production", "body": {"message": {"body": text}},
                            "request": {"url": "https://shop.example/cart",
                                        "user_ip": "10.1.2.3"}}
    if person is not None:
        data["person"] = person
    r = server.post_item(project.post, data)
    assert r.status_code == 200, r.text
    return str(r.json()["result"]["uuid"])


def sentry_event(server: LiveServer, project: ProjectInfo, user: dict[str, Any]) -> str:
    event_id = uuid.uuid4().hex
    event = {"event_id": event_id, "platform": "python", "level": "error",
             "environment": "production", "message": {"formatted": "checkout failed"},
             "user": user, "request": {"url": "https://shop.example/pay",
                                       "env": {"REMOTE_ADDR": "10.9.9.9"}}}
    body = b"\n".join([json.dumps({"event_id": event_id}).encode(),
                       json.dumps({"type": "event"}).encode(),
                       json.dumps(event).encode()]) + b"\n"
    auth = {"X-Sentry-Auth": f"Sentry sentry_key={project.post}, sentry_version=7"}
    r = server.http.post(f"{server.url}/api/{project.id}/envelope/", content=body,
                         headers=auth)
    assert r.status_code == 200, r.text
    return event_id


def occurrences_by_uuid(server: LiveServer, project: ProjectInfo) -> dict[str, dict[str, Any]]:
    """uuid (Rollbar) or event_id (Sentry) → the occurrence as GET /instance/{id} shows it."""
    r = server.get("/api/1/instances", project.read, limit=100)
    assert r.status_code == 200, r.text
    out = {}
    for inst in r.json()["result"]["instances"]:
        one = server.get(f"/api/1/instance/{inst['id']}", project.read)
        assert one.status_code == 200, one.text
        data = one.json()["result"]["data"]
        out[data.get("uuid") or data["event_id"]] = data
    return out


def wait_job(server: LiveServer, token: str, job_id: int,
             timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        r = server.get(f"{PATH}{job_id}", token)
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()["result"]
        if result["state"] in ("success", "failed") or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def people_rows(engine: Engine) -> set[tuple[int, str, str | None]]:
    with engine.connect() as conn:
        return {(r.project_id, r.person_id, r.email) for r in conn.execute(select(people))}


# ---- the whole path ---------------------------------------------------------------------


def test_deletion_by_email_scrubs_the_account_and_nothing_else(
        server: LiveServer, engine: Engine, project: ProjectInfo,
        other_project: ProjectInfo) -> None:
    theirs = foreign_project(engine)
    a_full = rollbar_item(server, project, ALICE, "cart failed")
    a_id_only = rollbar_item(server, project, {"id": "42"}, "cart failed")
    a_sentry = sentry_event(server, project, {**ALICE, "ip_address": "10.0.0.1"})
    a_other = rollbar_item(server, other_project,
                           {"id": "a-7", "email": "Alice@Example.com"}, "profile failed")
    b_item = rollbar_item(server, project, BOB, "cart failed")
    b_sentry = sentry_event(server, project, {**BOB, "ip_address": "10.0.0.2"})
    nobody = rollbar_item(server, project, None, "cron failed")
    foreign = rollbar_item(server, theirs, ALICE, "cart failed")
    server.wait_digested()
    assert {(r[0], r[1]) for r in people_rows(engine)} == {
        (project.id, "42"), (project.id, "43"), (other_project.id, "a-7"),
        (theirs.id, "42")}

    write = account_token(engine, project.account_id, "write")
    read = account_token(engine, project.account_id, "read")
    r = request_deletion(server, write, params={"email": "alice@example.com"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["err"] == 0 and set(body["result"]) == {"id"}
    job_id = body["result"]["id"]
    assert isinstance(job_id, int) and job_id > 0

    job = wait_job(server, read, job_id)
    assert job["state"] == "success", job
    assert job["id"] == job_id and job["field"] == "email" and "error" not in job
    assert isinstance(job["date_created"], int) and isinstance(job["date_finished"], int)
    assert job["progress"] == {
        "phase": "done", "projects": 2, "people_deleted": 2, "occurrences_total": 7,
        "occurrences_scanned": 7, "occurrences_scrubbed": 4, "occurrences_unreadable": 0}

    mine = occurrences_by_uuid(server, project)
    for key in (a_full, a_id_only):
        assert "person" not in mine[key], mine[key]
        assert "user_ip" not in mine[key]["request"]
        assert mine[key]["request"]["url"] == "https://shop.example/cart"  # rest kept
        assert mine[key]["body"] == {"message": {"body": "cart failed"}}
    assert "user" not in mine[a_sentry]
    assert "REMOTE_ADDR" not in mine[a_sentry]["request"]["env"]
    assert mine[a_sentry]["message"] == {"formatted": "checkout failed"}
    assert mine[b_item]["person"] == BOB
    assert mine[b_item]["request"]["user_ip"] == "10.1.2.3"
    assert mine[b_sentry]["user"] == {**BOB, "ip_address": "10.0.0.2"}
    assert mine[b_sentry]["request"]["env"] == {"REMOTE_ADDR": "10.9.9.9"}
    assert mine[nobody]["request"]["user_ip"] == "10.1.2.3"
    assert "person" not in occurrences_by_uuid(server, other_project)[a_other]
    assert occurrences_by_uuid(server, theirs)[foreign]["person"] == ALICE

    assert people_rows(engine) == {(project.id, "43", "bob@example.com"),
                                   (theirs.id, "42", "alice@example.com")}
    with engine.connect() as conn:  # the job keeps no copy of what it deleted
        row = conn.execute(select(person_delete_jobs)).one()
    assert row.value == "" and "alice" not in (row.progress or "").lower()

    # the item API still serves the scrubbed occurrences' items
    r = server.get("/api/1/items", project.read)
    assert r.status_code == 200 and r.json()["result"]["items"]


def test_deletion_by_id_and_by_username(server: LiveServer, engine: Engine,
                                        project: ProjectInfo,
                                        other_project: ProjectInfo) -> None:
    by_id = rollbar_item(server, project, ALICE, "a")
    elsewhere = rollbar_item(server, other_project, {"id": "42"}, "b")
    bobs = rollbar_item(server, project, BOB, "c")
    server.wait_digested()
    write = account_token(engine, project.account_id, "write")
    read = account_token(engine, project.account_id, "read")
    # older docs' name, as a JSON integer in the body
    r = request_deletion(server, write, json={"person_id": 42})
    assert r.status_code == 200, r.text
    assert wait_job(server, read, r.json()["result"]["id"])["state"] == "success"
    assert "person" not in occurrences_by_uuid(server, project)[by_id]
    assert "person" not in occurrences_by_uuid(server, other_project)[elsewhere]
    assert occurrences_by_uuid(server, project)[bobs]["person"] == BOB

    # username, as a form field with the token in the form too
    r = server.http.post(server.url + PATH.rstrip("/"),
                         data={"username": "bob", "access_token": write})
    assert r.status_code == 200, r.text
    job = wait_job(server, read, r.json()["result"]["id"])
    assert job["state"] == "success" and job["field"] == "username"
    assert "person" not in occurrences_by_uuid(server, project)[bobs]
    assert people_rows(engine) == set()


def test_sql_looking_value_is_only_a_value(server: LiveServer, engine: Engine,
                                           project: ProjectInfo) -> None:
    kept = rollbar_item(server, project, ALICE, "a")
    server.wait_digested()
    write = account_token(engine, project.account_id, "write")
    read = account_token(engine, project.account_id, "read")
    for hostile in ("x' OR '1'='1", "%", "alice@example.com; DROP TABLE people; --"):
        r = request_deletion(server, write, params={"username": hostile})
        assert r.status_code == 200, r.text
        job = wait_job(server, read, r.json()["result"]["id"])
        assert job["state"] == "success"
        assert job["progress"]["occurrences_scrubbed"] == 0
        assert job["progress"]["people_deleted"] == 0
    assert occurrences_by_uuid(server, project)[kept]["person"] == ALICE
    assert len(people_rows(engine)) == 1


# ---- request errors --------------------------------------------------------------------


def test_create_auth_errors(server: LiveServer, engine: Engine,
                            project: ProjectInfo) -> None:
    params = {"email": "alice@example.com"}
    error(request_deletion(server, None, params=params), 401, "access token required")
    error(request_deletion(server, "f" * 32, params=params), 403, "")
    error(request_deletion(server, project.tokens["write"], params=params), 403,
          "an account access token is required")
    read_only = account_token(engine, project.account_id, "read")
    error(request_deletion(server, read_only, params=params), 403,
          "write scope is required")
    disabled = account_token(engine, project.account_id, "write")
    with engine.begin() as conn:
        conn.execute(update(access_tokens).where(access_tokens.c.token == disabled)
                     .values(status="disabled"))
    error(request_deletion(server, disabled, params=params), 403, "")
    with engine.connect() as conn:
        assert conn.execute(select(person_delete_jobs)).first() is None


@pytest.mark.parametrize(("kwargs", "status", "message"), [
    ({}, 422, "exactly one of id (or person_id), username, email is required (got none)"),
    ({"params": {"email": "a@b.c", "username": "a"}}, 422, "(got email, username)"),
    ({"params": {"id": "1", "person_id": "1"}}, 422, "(got id, person_id)"),
    ({"params": {"id": "1"}, "json": {"email": "a@b.c"}}, 422, "(got email, id)"),
    ({"params": {"email": "a@b.c"}, "json": {"email": "a@b.c"}}, 422,
     "email was given more than once"),
    ({"params": [("email", "a@b.c"), ("email", "d@e.f")]}, 422,
     "email was given more than once"),
    ({"params": {"email": ""}}, 422, "email must not be empty"),
    ({"params": {"username": "   "}}, 422, "username must not be empty"),
    ({"params": {"email": "a" * 256}}, 422, "email must be at most 255 characters long"),
    ({"json": {"id": [1, 2]}}, 422, "id must be a string"),
    ({"json": {"email": {"$ne": ""}}}, 422, "email must be a string"),
    ({"json": {"username": True}}, 422, "username must be a string"),
    ({"json": {"id": None}}, 422, "id must be a string"),
    ({"json": {"other": "x"}}, 422, "(got none)"),
    ({"content": b"{not json", "headers_ct": "application/json"}, 400, ""),
    ({"content": b"[1, 2]", "headers_ct": "application/json"}, 400, "JSON object"),
])
def test_create_invalid_parameters(server: LiveServer, engine: Engine,
                                   project: ProjectInfo, kwargs: dict[str, Any],
                                   status: int, message: str) -> None:
    write = account_token(engine, project.account_id, "write")
    kwargs = dict(kwargs)
    headers = {"X-Rollbar-Access-Token": write}
    if "headers_ct" in kwargs:
        headers["Content-Type"] = kwargs.pop("headers_ct")
    r = server.http.post(server.url + PATH, headers=headers, **kwargs)
    error(r, status, message)
    with engine.connect() as conn:
        assert conn.execute(select(person_delete_jobs)).first() is None


def test_status_errors_and_reach(server: LiveServer, engine: Engine,
                                 project: ProjectInfo) -> None:
    theirs = foreign_project(engine)
    their_write = account_token(engine, theirs.account_id, "write")
    r = request_deletion(server, their_write, params={"email": "x@example.com"})
    assert r.status_code == 200, r.text
    their_job = r.json()["result"]["id"]
    read = account_token(engine, project.account_id, "read")

    # DataGrail's credential probe: a valid token on id 0 authenticates, then 404
    error(server.get(f"{PATH}0", read), 404, "Job not found.")
    r = server.http.get(f"{server.url}{PATH}0")
    error(r, 401, "access token required")
    error(server.get(f"{PATH}0", "0" * 32), 403, "")
    error(server.get(f"{PATH}{their_job}", project.read), 403,
          "an account access token is required")
    write_only = account_token(engine, project.account_id, "write")
    error(server.get(f"{PATH}{their_job}", write_only), 403, "read scope is required")
    for bad in (str(their_job), "-1", "99999999999999999999999", "abc", "1e3", "1 OR 1=1"):
        error(server.get(f"{PATH}{bad}", read), 404, "Job not found.")
    # the owner sees it, with or without the trailing slash
    their_read = account_token(engine, theirs.account_id, "read")
    for path in (f"{PATH}{their_job}", f"{PATH}{their_job}/"):
        r = server.get(path, their_read)
        assert r.status_code == 200, r.text
        assert r.json()["result"]["id"] == their_job


# ---- the job itself: resumable, locked, failing honestly -------------------------------


def store_items(engine: Engine, project: ProjectInfo, persons: list[dict[str, Any]]) -> None:
    """Digest Rollbar payloads straight into the database (no server, no worker)."""
    now = time.time() - 5
    prepared = []
    for i, person in enumerate(persons):
        data = {"environment": "production", "body": {"message": {"body": f"m{i}"}},
                "person": person}
        event = translate({"data": data}, project_id=project.id, received_at=now)
        prepared.append(digest.prepare(encode(event)))
    with db.writer(engine).begin() as conn:
        digest.apply(conn, prepared)


def new_job(engine: Engine, account_id: int, field: str, value: str) -> int:
    with engine.begin() as conn:
        return person_deletion.create_job(conn, account_id, field, value, time.time())


def job_row(engine: Engine, project: ProjectInfo, job_id: int) -> person_deletion.Job:
    with engine.connect() as conn:
        job = person_deletion.get_job(conn, project.account_id, job_id)
    assert job is not None
    return job


def test_a_crash_mid_step_resumes_from_the_cursor(engine: Engine, project: ProjectInfo,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    store_items(engine, project, [ALICE, BOB] * 5)
    monkeypatch.setattr(person_deletion, "CHUNK_ROWS", 3)
    job_id = new_job(engine, project.account_id, "email", "alice@example.com")
    assert person_jobs.run_step(engine) == (job_id, "progress")  # resolve + first chunk
    assert person_jobs.run_step(engine) == (job_id, "progress")
    before = job_row(engine, project, job_id)
    assert before.state == "running"
    assert before.progress["cursor"] > 0 and before.progress["occurrences_scanned"] == 6

    calls = 0
    real = person_deletion.Match.scrub

    def crash_on_second(self: person_deletion.Match, *args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("worker killed")
        return real(self, *args)

    monkeypatch.setattr(person_deletion.Match, "scrub", crash_on_second)
    with pytest.raises(person_jobs.StepFailed):
        person_jobs.run_step(engine)
    after_crash = job_row(engine, project, job_id)
    assert after_crash.progress["cursor"] == before.progress["cursor"]  # rolled back
    assert after_crash.progress["occurrences_scrubbed"] == before.progress[
        "occurrences_scrubbed"]
    monkeypatch.setattr(person_deletion.Match, "scrub", real)
    person_jobs.run_all(engine)
    done = job_row(engine, project, job_id)
    assert done.state == "success"
    assert done.progress["occurrences_scanned"] == 10
    assert done.progress["occurrences_scrubbed"] == 5
    assert people_rows(engine) == {(project.id, "43", "bob@example.com")}


def test_a_step_that_keeps_failing_fails_the_job(engine: Engine, project: ProjectInfo,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    store_items(engine, project, [ALICE])
    job_id = new_job(engine, project.account_id, "username", "alice")

    def broken(*args: Any, **kw: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(person_deletion, "_scrub_chunk", broken)
    runner = person_jobs.PersonJobs(engine, max_pause=0.0)
    for _ in range(person_deletion.MAX_FAILURES):
        assert runner.tick(idle=True) is False
    job = job_row(engine, project, job_id)
    assert job.state == "failed" and job.error == "RuntimeError: disk on fire"
    assert job.finished_at is not None
    assert runner.tick(idle=True) is False  # nothing runnable any more
    with engine.connect() as conn:
        assert not person_deletion.has_runnable(conn)


def test_waits_for_events_queued_before_the_request(engine: Engine,
                                                    project: ProjectInfo) -> None:
    """An event still in the ingest queue would bring the person back after the scan."""
    data = {"environment": "production", "body": {"message": {"body": "late"}},
            "person": ALICE}
    event = translate({"data": data}, project_id=project.id, received_at=time.time() - 1)
    with engine.begin() as conn:
        conn.execute(ingest_queue.insert().values(project_id=project.id,
                                                  received_at=event.received_at,
                                                  event=encode(event)))
    job_id = new_job(engine, project.account_id, "email", "alice@example.com")
    assert person_jobs.run_step(engine) == (job_id, "waiting")
    assert job_row(engine, project, job_id).state == "running"
    worker.drain(engine)
    person_jobs.run_all(engine)
    job = job_row(engine, project, job_id)
    assert job.state == "success" and job.progress["occurrences_scrubbed"] == 1
    assert people_rows(engine) == set()


def test_two_workers_never_step_one_job_at_once(engine: Engine, project: ProjectInfo) -> None:
    job_id = new_job(engine, project.account_id, "email", "alice@example.com")
    if not db.is_postgresql(engine):
        pytest.skip("SQLite serializes steps with its single write lock")
    with engine.begin() as first:
        held = person_deletion.lock_next(first, skip_locked=True)
        assert held is not None and held.id == job_id
        assert person_jobs.run_step(engine) == (None, "none")  # skipped, not waited on
    assert person_jobs.run_step(engine)[0] == job_id


def test_gives_up_waiting_for_the_queue_and_says_so(engine: Engine, project: ProjectInfo,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with engine.begin() as conn:  # a queued event of the account that never gets digested
        conn.execute(ingest_queue.insert().values(project_id=project.id,
                                                  received_at=time.time() - 1,
                                                  event=b"unreadable"))
    job_id = new_job(engine, project.account_id, "email", "alice@example.com")
    monkeypatch.setattr(person_deletion, "QUEUE_WAIT_SECONDS", 0.0)
    person_jobs.run_all(engine)
    job = job_row(engine, project, job_id)
    assert job.state == "success" and job.progress["queue_wait_timed_out"] is True


def test_scrub_reads_the_vendor_payload_too() -> None:
    """A Rollbar person without an id is dropped from the normalized event but stays in
    the stored payload: the email there still identifies them."""
    data = {"environment": "production", "body": {"message": {"body": "x"}},
            "person": {"email": "ALICE@example.com"}}
    event = translate({"data": data}, project_id=1, received_at=time.time())
    assert event.person is None
    match = person_deletion.Match("email", "alice@example.com", {})
    scrubbed = match.scrub(1, event)
    assert scrubbed is not None and "person" not in unpack_data(scrubbed.data)
    assert person_deletion.Match("username", "alice", {}).scrub(1, event) is None
    # a resolved id counts only in its own project
    by_id = person_deletion.Match("email", "nobody@example.com", {2: {"42"}})
    with_id = translate({"data": {**data, "person": {"id": 42}}}, project_id=2,
                        received_at=time.time())
    assert by_id.scrub(2, with_id) is not None
    assert by_id.scrub(3, with_id) is None


def test_deletion_removes_the_person_from_search(server: LiveServer, engine: Engine,
                                                 project: ProjectInfo) -> None:
    """The search facets (person id, username, e-mail per item) are personal data too."""
    rollbar_item(server, project, ALICE, "cart failed")
    rollbar_item(server, project, BOB, "cart failed")
    sentry_event(server, project, {**ALICE, "email": "Alice@Example.com"})
    server.wait_digested()

    def found(query: str) -> int:
        r = server.get("/api/1/items", project.read, query=query)
        assert r.status_code == 200, r.text
        return int(r.json()["result"]["total_count"])

    alice = ("email:alice@example.com", "username:alice", 'person:"42"')
    assert [found(q) for q in alice] == [2, 2, 2]
    write = account_token(engine, project.account_id, "write")
    r = request_deletion(server, write, params={"email": "ALICE@example.com"})
    job = wait_job(server, account_token(engine, project.account_id, "read"),
                   r.json()["result"]["id"])
    assert job["state"] == "success", job
    assert [found(q) for q in alice] == [0, 0, 0]
    assert [found(q) for q in ("email:bob@example.com", "username:bob", 'person:"43"')] \
        == [1, 1, 1]
