"""Deploys, environments and code versions over HTTP: body forms, validation, the
deploy lifecycle, paging, scopes, project and account isolation, hostile input."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.store import projects, tokens

DEPLOY_KEYS = {"id", "project_id", "environment", "revision", "local_username", "user_id",
               "comment", "status", "start_time", "finish_time"}
ZERO = {"debug": 0, "info": 0, "warning": 0, "error": 0, "critical": 0}


def post_deploy(server: LiveServer, token: str | None, body: Any,
                path: str = "/api/1/deploy") -> httpx.Response:
    headers = {"X-Rollbar-Access-Token": token} if token else {}
    return server.http.post(server.url + path, json=body, headers=headers)


def make_deploy(server: LiveServer, project: ProjectInfo, **body: Any) -> int:
    r = post_deploy(server, project.post, {"environment": "production", "revision": "abc",
                                           **body})
    assert r.status_code == 200, r.text
    return int(r.json()["data"]["deploy_id"])


def patch_deploy(server: LiveServer, deploy_id: Any, token: str | None, body: Any,
                 **params: Any) -> httpx.Response:
    headers = {"X-Rollbar-Access-Token": token} if token else {}
    return server.http.patch(f"{server.url}/api/1/deploy/{deploy_id}", json=body,
                             headers=headers, params=params)


def account_token(engine: Engine, account_id: int, scopes: list[str]) -> str:
    with engine.begin() as conn:
        return tokens.create_token(conn, account_id=account_id, project_id=None,
                                   name="account", scopes=scopes)


def foreign_account(engine: Engine) -> tuple[int, str]:
    """Another account with one project; (its account id, its read token)."""
    with engine.begin() as conn:
        account_id = projects.create_account(conn, "elsewhere")
        _, made = projects.create_project(conn, account_id, "theirs")
    return account_id, made["read"]


def send_item(server: LiveServer, project: ProjectInfo, cls: str, version: str | None,
              env: str = "production", level: str | None = None) -> None:
    data: dict[str, Any] = {"environment": env, "body": {"trace": {
        "frames": [{"filename": "/srv/app/jobs.py", "lineno": 10, "method": "run"}],
        "exception": {"class": cls, "message": "boom"}}}}
    if version is not None:
        data["code_version"] = version
    if level is not None:
        data["level"] = level
    assert server.post_item(project.post, data).status_code == 200


def items_by_class(server: LiveServer, project: ProjectInfo) -> dict[str, dict[str, Any]]:
    server.wait_digested()
    found = server.get("/api/1/items", project.read).json()["result"]["items"]
    return {i["title"].split(":")[0]: i for i in found}


def resolve(server: LiveServer, project: ProjectInfo, item_id: int,
            version: str | None = None) -> None:
    body: dict[str, Any] = {"status": "resolved"}
    if version is not None:
        body["resolved_in_version"] = version
    r = server.http.patch(f"{server.url}/api/1/item/{item_id}", json=body,
                          headers={"X-Rollbar-Access-Token": project.tokens["write"]})
    assert r.status_code == 200, r.text


# ---- POST /deploy --------------------------------------------------------------------


def test_create_as_json_form_and_multipart(server: LiveServer, project: ProjectInfo) -> None:
    before = int(time.time())
    r = post_deploy(server, project.post, {"environment": "production", "revision": "abc123",
                                           "local_username": "ci", "comment": "first"})
    assert r.status_code == 200 and r.json() == {"data": {"deploy_id": r.json()["data"]
                                                           ["deploy_id"]}}
    json_id = r.json()["data"]["deploy_id"]
    assert isinstance(json_id, int)
    # curl -d: urlencoded, token as a form field, trailing slash
    r = server.http.post(server.url + "/api/1/deploy/", data={
        "access_token": project.post, "environment": "staging", "revision": "def456"})
    assert r.status_code == 200, r.text
    form_id = r.json()["data"]["deploy_id"]
    # curl -F: multipart, head_long instead of revision
    r = server.http.post(server.url + "/api/1/deploy", files={
        "access_token": (None, project.post), "environment": (None, "production"),
        "head_long": (None, "0123abcd"), "status": (None, "started")})
    assert r.status_code == 200, r.text
    multipart_id = r.json()["data"]["deploy_id"]
    # rollbar-gem: JSON without a JSON Content-Type, token in the body
    r = server.http.post(server.url + "/api/1/deploy/", content=(
        b'{"access_token": "%s", "environment": "production", "revision": 42}'
        % project.post.encode()), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    assert json_id < form_id < multipart_id < r.json()["data"]["deploy_id"]

    one = server.get(f"/api/1/deploy/{json_id}", project.read).json()
    assert one["err"] == 0 and set(one["result"]) == DEPLOY_KEYS | {"resolved_items"}
    d = one["result"]
    assert (d["project_id"], d["environment"], d["revision"], d["local_username"],
            d["user_id"], d["comment"], d["status"]) == (
        project.id, "production", "abc123", "ci", None, "first", "succeeded")
    assert before <= d["start_time"] <= time.time() and d["finish_time"] == d["start_time"]
    started = server.get(f"/api/1/deploy/{multipart_id}", project.read).json()["result"]
    assert (started["revision"], started["status"], started["finish_time"]) == (
        "0123abcd", "started", None)
    listed = server.get("/api/1/deploys", project.read).json()["result"]["deploys"]
    assert listed[-1]["revision"] == "abc123" and listed[0]["revision"] == "42"


def test_create_validation_messages(server: LiveServer, project: ProjectInfo) -> None:
    cases: list[tuple[Any, str]] = [
        ({}, "Missing 'environment' key. Missing 'revision' or 'head_long' key. "
             "'environment' key must be a string."),
        ({"environment": "production"}, "Missing 'revision' or 'head_long' key."),
        ({"revision": "abc"}, "Missing 'environment' key. 'environment' key must be a string."),
        ({"environment": 5, "revision": "abc"}, "'environment' key must be a string."),
        ({"environment": " ", "revision": "abc"}, "'environment' key must not be empty."),
        ({"environment": "e" * 256, "revision": "abc"},
         "'environment' key must be at most 255 characters."),
        ({"environment": "production", "revision": "r" * 256},
         "'revision' key must be at most 255 characters."),
        ({"environment": "production", "revision": ["abc"]}, "'revision' key must be a string."),
        ({"environment": "production", "revision": "abc", "status": "done"},
         "'status' key must be one of started, succeeded, failed, timed_out."),
        ({"environment": "production", "revision": "abc", "comment": "é" * 40000},
         "'comment' key must be at most 65536 bytes."),
        ({"environment": "prod\x00'; DROP TABLE deploys; --", "revision": "abc"},
         "'environment' key must not contain NUL characters."),
        ({"environment": "production", "revision": "abc", "local_username": {"a": 1}},
         "'local_username' key must be a string."),
    ]
    for body, message in cases:
        r = post_deploy(server, project.post, body)
        assert r.status_code == 422, (body, r.text)
        assert r.json() == {"err": 1, "message": message}
    for content in (b"[1, 2]", b"{not json", b"\xff\xfe"):
        r = server.http.post(server.url + "/api/1/deploy", content=content,
                             headers={"X-Rollbar-Access-Token": project.post})
        assert r.status_code == 400 and r.json()["err"] == 1, r.text
    for ctype in ("multipart/form-data; boundary=xyz", "multipart/form-data"):
        r = server.http.post(server.url + "/api/1/deploy", content=b"--x\r\ngarbage",
                             headers={"X-Rollbar-Access-Token": project.post,
                                      "Content-Type": ctype})
        assert r.status_code == 400, r.text
        assert r.json()["message"].startswith("could not parse the multipart body")
    assert server.get("/api/1/deploys", project.read).json()["result"]["deploys"] == []
    # a comment of exactly 64 KB, SQL-looking text and a case-insensitive status are fine
    ok = make_deploy(server, project, comment="x" * 65536, status="Failed",
                     environment="x' OR '1'='1")
    got = server.get(f"/api/1/deploy/{ok}", project.read).json()["result"]
    assert (got["status"], got["environment"], len(got["comment"])) == (
        "failed", "x' OR '1'='1", 65536)


def test_create_needs_a_post_server_item_token(server: LiveServer, project: ProjectInfo,
                                               engine: Engine) -> None:
    body = {"environment": "production", "revision": "abc"}
    r = post_deploy(server, None, body)
    assert r.status_code == 401 and r.json()["err"] == 1
    for token in (project.read, project.client, project.tokens["write"], "f" * 32,
                  account_token(engine, project.account_id, ["read", "write"])):
        r = post_deploy(server, token, {**body, "project_id": project.id})
        assert r.status_code == 403, r.text
    assert "access token not found" in post_deploy(server, "f" * 32, body).json()["message"]
    r = post_deploy(server, project.read, body)
    assert r.json()["message"] == ("insufficient privileges: post_server_item scope is "
                                   "required but the access token only has read.")


def test_rollbar_username_resolves_within_the_account(server: LiveServer,
                                                      project: ProjectInfo,
                                                      engine: Engine) -> None:
    foreign_id, _ = foreign_account(engine)
    with engine.begin() as conn:
        ann = tokens.create_user(conn, account_id=project.account_id,
                                 email="ann@example.com", password_hash="x")
        tokens.create_user(conn, account_id=foreign_id, email="bob@example.com",
                           password_hash="x")
    mine = make_deploy(server, project, rollbar_username="ann")
    theirs = make_deploy(server, project, rollbar_username="bob")
    nobody = make_deploy(server, project, rollbar_username="zed", local_username="z")
    got = {d["id"]: d for d in
           server.get("/api/1/deploys", project.read).json()["result"]["deploys"]}
    assert got[mine]["user_id"] == ann
    assert got[theirs]["user_id"] is None
    assert (got[nobody]["user_id"], got[nobody]["local_username"]) == (None, "z")
    assert "rollbar_username" not in got[mine]


# ---- PATCH /deploy/{id} --------------------------------------------------------------


def test_patch_moves_a_started_deploy_once(server: LiveServer, project: ProjectInfo) -> None:
    deploy_id = make_deploy(server, project, status="started", comment="going")
    r = patch_deploy(server, deploy_id, project.post, {"status": "started"})
    assert r.status_code == 200 and r.json()["result"]["finish_time"] is None
    r = patch_deploy(server, deploy_id, project.post,
                     {"status": "succeeded", "comment": "done", "revision": "ignored"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["err"] == 0 and set(body["result"]) == DEPLOY_KEYS
    d = body["result"]
    assert (d["id"], d["status"], d["comment"], d["revision"]) == (
        deploy_id, "succeeded", "done", "abc")
    assert isinstance(d["finish_time"], int) and d["finish_time"] >= d["start_time"]
    r = patch_deploy(server, deploy_id, project.post, {"status": "failed"})
    assert r.status_code == 409
    assert r.json() == {"err": 1, "message": "The deploy can not be updated because its "
                                             "status is not started."}
    assert server.get(f"/api/1/deploy/{deploy_id}", project.read).json()["result"][
        "status"] == "succeeded"
    # rollbar-gem: token in the query string
    other = make_deploy(server, project, status="started")
    r = patch_deploy(server, other, None, {"status": "timed_out"}, access_token=project.post)
    assert r.status_code == 200 and r.json()["result"]["status"] == "timed_out"
    assert r.json()["result"]["comment"] is None


def test_patch_errors(server: LiveServer, project: ProjectInfo,
                      other_project: ProjectInfo) -> None:
    deploy_id = make_deploy(server, project, status="started")
    for body, message in (({}, "Missing 'status' key."),
                          ({"comment": "x"}, "Missing 'status' key."),
                          ({"status": "gone"}, "'status' key must be one of started, "
                                               "succeeded, failed, timed_out."),
                          ({"status": 1}, "'status' key must be one of started, "
                                          "succeeded, failed, timed_out."),
                          ({"status": "failed", "comment": 5},
                           "'comment' key must be a string.")):
        r = patch_deploy(server, deploy_id, project.post, body)
        assert r.status_code == 422 and r.json() == {"err": 1, "message": message}
    assert patch_deploy(server, deploy_id, None, {"status": "failed"}).status_code == 401
    for token in (project.read, project.tokens["write"], project.client):
        assert patch_deploy(server, deploy_id, token, {"status": "failed"}).status_code == 403
    for bad in (deploy_id + 1000, 0, -1, "abc", "1e3", 2**63, 10**30):
        r = patch_deploy(server, bad, project.post, {"status": "failed"})
        assert r.status_code == 404, (bad, r.text)
        assert r.json() == {"err": 1, "message": "Deploy not found in this project."}
    # another project's token cannot see or change it
    r = patch_deploy(server, deploy_id, other_project.post, {"status": "failed"})
    assert r.status_code == 404
    assert server.get(f"/api/1/deploy/{deploy_id}", project.read).json()["result"][
        "status"] == "started"


# ---- GET /deploy/{id}, GET /deploys --------------------------------------------------


def test_list_pages_newest_first(server: LiveServer, project: ProjectInfo,
                                 other_project: ProjectInfo) -> None:
    ids = [make_deploy(server, project, revision=f"r{i}") for i in range(23)]
    first = server.get("/api/1/deploys", project.read).json()
    assert first["err"] == 0 and first["result"]["page"] == 1
    assert [d["id"] for d in first["result"]["deploys"]] == ids[::-1][:20]
    assert all(set(d) == DEPLOY_KEYS for d in first["result"]["deploys"])
    second = server.get("/api/1/deploys", project.read, page=2).json()["result"]
    assert [d["id"] for d in second["deploys"]] == ids[2::-1] and second["page"] == 2
    assert server.get("/api/1/deploys", project.read, page=3).json()["result"] == {
        "page": 3, "deploys": []}
    small = server.get("/api/1/deploys", project.read, limit=5, page=2).json()["result"]
    assert [d["id"] for d in small["deploys"]] == ids[::-1][5:10]
    huge = server.get("/api/1/deploys", project.read, page=2**62, limit=5000).json()
    assert huge["result"]["deploys"] == []
    for params, message in ((dict(page=0), "page must be at least 1"),
                            (dict(page="x"), "page must be an integer"),
                            (dict(limit=5001), "limit must be between 1 and 5000"),
                            (dict(limit=-1), "limit must be between 1 and 5000")):
        r = server.get("/api/1/deploys", project.read, **params)
        assert r.status_code == 422 and r.json()["message"].startswith(message), r.text
    other = server.get("/api/1/deploys", other_project.read).json()["result"]
    assert other["deploys"] == []
    r = server.get(f"/api/1/deploy/{ids[0]}", other_project.read)
    assert r.status_code == 404 and r.json()["message"] == "Deploy not found in this project."


def test_reads_need_read_scope_and_reach(server: LiveServer, project: ProjectInfo,
                                         engine: Engine) -> None:
    deploy_id = make_deploy(server, project)  # also makes version abc known in production
    env = {"environment": "production"}
    paths: list[tuple[str, dict[str, Any]]] = [
        (f"/api/1/deploy/{deploy_id}", {}), ("/api/1/deploys", {}),
        ("/api/1/environments", {}), ("/api/1/versions/abc", env),
        ("/api/1/versions/abc/items", env)]
    acct = account_token(engine, project.account_id, ["read"])
    foreign_id, foreign_read = foreign_account(engine)
    foreign_acct = account_token(engine, foreign_id, ["read"])
    for path, params in paths:
        assert server.http.get(server.url + path, params=params).status_code == 401, path
        for token in (project.post, project.tokens["write"], "0" * 32, acct):
            assert server.get(path, token, **params).status_code == 403, (path, token)
        r = server.get(path, acct, project_id=project.id, **params)
        assert r.status_code == 200 and r.json()["err"] == 0, (path, r.text)
        for pid in (project.id, "x", -1, 2**70):
            r = server.get(path, foreign_acct, project_id=pid, **params)
            assert r.status_code == 404, (path, r.text)
            assert r.json()["message"] == "Project not found in this account."
    # a project token of another account reaches none of it
    assert server.get(f"/api/1/deploy/{deploy_id}", foreign_read).status_code == 404
    assert server.get("/api/1/deploys", foreign_read).json()["result"]["deploys"] == []
    assert server.get("/api/1/environments", foreign_read).json()["result"][
        "environments"] == []
    assert server.get("/api/1/versions/abc", foreign_read, **env).status_code == 404
    assert server.get("/api/1/versions/abc/items", foreign_read, **env).json()[
        "result"] == []
    for bad in ("0", "-5", "abc", "99999999999999999999", "%27%20OR%201%3D1", "%C2%B2"):
        r = server.get(f"/api/1/deploy/{bad}", project.read)
        assert r.status_code == 404, (bad, r.text)


def test_deploy_lists_items_resolved_in_its_revision(server: LiveServer,
                                                     project: ProjectInfo) -> None:
    send_item(server, project, "KeyError", "1.0")
    send_item(server, project, "ValueError", "1.0")
    send_item(server, project, "KeyError", "1.0", env="staging")
    found = items_by_class(server, project)
    key = next(i for i in server.get("/api/1/items", project.read, environment="production")
               .json()["result"]["items"] if i["title"].startswith("KeyError"))
    staging = next(i for i in server.get("/api/1/items", project.read, environment="staging")
                   .json()["result"]["items"])
    resolve(server, project, key["id"], "abc123")
    resolve(server, project, staging["id"], "abc123")
    resolve(server, project, found["ValueError"]["id"], "other")
    deploy_id = make_deploy(server, project, revision="abc123")
    d = server.get(f"/api/1/deploy/{deploy_id}", project.read).json()["result"]
    assert d["resolved_items"] == [{"id": key["id"], "counter": key["counter"],
                                    "title": key["title"], "environment": "production"}]
    elsewhere = make_deploy(server, project, revision="abc123", environment="qa")
    assert server.get(f"/api/1/deploy/{elsewhere}", project.read).json()["result"][
        "resolved_items"] == []


# ---- GET /environments ---------------------------------------------------------------


def test_environments_from_items_and_deploys(server: LiveServer, project: ProjectInfo,
                                             other_project: ProjectInfo) -> None:
    send_item(server, project, "KeyError", None, env="production")
    send_item(server, project, "KeyError", None, env="staging")
    send_item(server, project, "TypeError", None, env="staging")
    server.wait_digested()
    make_deploy(server, project, environment="canary")
    make_deploy(server, project, environment="staging")
    r = server.get("/api/1/environments", project.read)
    assert r.status_code == 200
    body = r.json()
    assert body["err"] == 0 and body["result"]["page"] == 1
    envs = body["result"]["environments"]
    assert sorted(e["environment"] for e in envs) == ["canary", "production", "staging"]
    assert all(set(e) == {"id", "project_id", "environment", "visible"} for e in envs)
    assert all(e["project_id"] == project.id and e["visible"] == 1 for e in envs)
    assert envs[-1]["environment"] == "canary"  # in the order first seen
    page2 = server.get("/api/1/environments", project.read, limit=2, page=2).json()
    assert [e["environment"] for e in page2["result"]["environments"]] == ["canary"]
    assert server.get("/api/1/environments", project.read, page=4).json()["result"] == {
        "page": 4, "environments": []}
    r = server.get("/api/1/environments", project.read, limit="5000000")
    assert r.status_code == 422 and r.json()["message"] == "limit must be between 1 and 5000"
    assert server.get("/api/1/environments", other_project.read).json()["result"][
        "environments"] == []


# ---- GET /versions/{version}, /versions/{version}/items ------------------------------


@pytest.fixture
def versioned(server: LiveServer, project: ProjectInfo,
              engine: Engine) -> dict[str, dict[str, Any]]:
    """KeyError and ValueError new in 1.0; in 2.0 KeyError repeats, ValueError (resolved
    meanwhile) comes back, TypeError (warning) is new; TypeError is then resolved in 3.0.
    Version 2.0 was deployed twice to production."""
    send_item(server, project, "KeyError", "1.0")
    send_item(server, project, "KeyError", "1.0")
    send_item(server, project, "ValueError", "1.0")
    resolve(server, project, items_by_class(server, project)["ValueError"]["id"])
    send_item(server, project, "KeyError", "2.0")
    send_item(server, project, "ValueError", "2.0")
    send_item(server, project, "TypeError", "2.0", level="warning")
    found = items_by_class(server, project)
    resolve(server, project, found["TypeError"]["id"], "3.0")
    with engine.begin() as conn:
        tokens.create_user(conn, account_id=project.account_id, email="ann@example.com",
                           password_hash="x")
    make_deploy(server, project, revision="2.0", local_username="ci")
    make_deploy(server, project, revision="2.0", rollbar_username="ann",
                local_username="ann-laptop")
    make_deploy(server, project, revision="2.0", environment="staging", local_username="x")
    return items_by_class(server, project)


def test_version_summary(server: LiveServer, project: ProjectInfo,
                         versioned: dict[str, dict[str, Any]]) -> None:
    r = server.get("/api/1/versions/1.0", project.read, environment="production")
    assert r.status_code == 200, r.text
    v1 = r.json()["result"]
    assert set(v1) == {"id", "version", "environment", "date_created", "first_occurrence_id",
                       "first_occurrence_timestamp", "last_occurrence_id",
                       "last_occurrence_timestamp", "deployed_by", "last_deploy_timestamp",
                       "item_stats", "commits"}
    assert (v1["version"], v1["environment"], v1["deployed_by"], v1["last_deploy_timestamp"],
            v1["commits"]) == ("1.0", "production", None, None, [])
    first = min(versioned["KeyError"]["first_occurrence_id"],
                versioned["ValueError"]["first_occurrence_id"])
    assert v1["id"] == v1["first_occurrence_id"] == first
    assert v1["last_occurrence_id"] > v1["first_occurrence_id"]
    assert v1["date_created"] == v1["first_occurrence_timestamp"] <= v1[
        "last_occurrence_timestamp"]
    assert v1["item_stats"] == {"new": {**ZERO, "error": 2}, "repeated": ZERO,
                                "reactivated": ZERO, "resolved": ZERO}

    v2 = server.get("/api/1/versions/2.0", project.read, environment="production").json()
    v2 = v2["result"]
    assert v2["item_stats"] == {"new": {**ZERO, "warning": 1}, "repeated": {**ZERO, "error": 1},
                                "reactivated": {**ZERO, "error": 1}, "resolved": ZERO}
    assert v2["deployed_by"] == "ann" and isinstance(v2["last_deploy_timestamp"], int)
    assert v2["first_occurrence_id"] > v1["last_occurrence_id"]

    v3 = server.get("/api/1/versions/3.0", project.read, environment="production").json()
    v3 = v3["result"]
    assert v3["item_stats"]["resolved"] == {**ZERO, "warning": 1}
    assert (v3["id"], v3["first_occurrence_id"], v3["date_created"]) == (None, None, None)

    staging = server.get("/api/1/versions/2.0", project.read, environment="staging").json()
    assert staging["result"]["deployed_by"] == "x"  # known from its deploy alone
    assert staging["result"]["item_stats"]["new"] == ZERO
    assert staging["result"]["date_created"] == staging["result"]["last_deploy_timestamp"]

    for version, env in (("9.9", "production"), ("1.0", "staging"),
                         ("1.0' OR '1'='1", "production"), ("1.0", "production' --"),
                         ("%00", "production"), ("v" * 300, "production")):
        r = server.get(f"/api/1/versions/{version}", project.read, environment=env)
        assert r.status_code == 404, (version, env, r.text)
        assert r.json() == {"err": 1, "message": "Version not found in this project."}
    r = server.get("/api/1/versions/1.0", project.read)
    assert r.status_code == 422
    assert r.json()["message"] == "environment query parameter is required"
    r = server.get("/api/1/versions/1.0", project.read, environment="a\x00b")
    assert r.status_code == 422


def test_version_items(server: LiveServer, project: ProjectInfo, other_project: ProjectInfo,
                       versioned: dict[str, dict[str, Any]]) -> None:
    r = server.get("/api/1/versions/2.0/items", project.read, environment="production")
    assert r.status_code == 200, r.text
    listed = r.json()["result"]
    assert isinstance(listed, list) and len(listed) == 3
    assert [i["first_in_version_occurrence_id"] for i in listed] == sorted(
        i["first_in_version_occurrence_id"] for i in listed)
    key = next(i for i in listed if i["id"] == versioned["KeyError"]["id"])
    assert key["title"] == versioned["KeyError"]["title"] and key["level"] == "error"
    assert key["occurrences_in_version"] == 1 and key["people_in_version"] is None
    assert key["first_in_version_occurrence_id"] == key["last_in_version_occurrence_id"] \
        == versioned["KeyError"]["last_occurrence_id"]
    assert isinstance(key["first_in_version_occurrence_timestamp"], int)
    assert key["total_occurrences"] == 3

    def ids(**params: Any) -> list[int]:
        res = server.get("/api/1/versions/2.0/items", project.read,
                         environment="production", **params).json()["result"]
        return [i["id"] for i in res]

    assert ids(event="new") == [versioned["TypeError"]["id"]]
    assert ids(event="repeated") == [versioned["KeyError"]["id"]]
    assert ids(event="reactivated") == [versioned["ValueError"]["id"]]
    assert ids(event="resolved") == []
    assert ids(level="warning") == [versioned["TypeError"]["id"]]
    assert sorted(ids(level="error,warning")) == sorted(i["id"] for i in listed)
    assert ids(event="new", level="error") == []
    assert ids(page=2) == [] and len(ids(limit=1, page=3)) == 1 and ids(limit=1, page=4) == []
    v1 = server.get("/api/1/versions/1.0/items", project.read, environment="production",
                    event="new").json()["result"]
    assert {i["id"]: i["occurrences_in_version"] for i in v1} == {
        versioned["KeyError"]["id"]: 2, versioned["ValueError"]["id"]: 1}

    resolved = server.get("/api/1/versions/3.0/items", project.read,
                          environment="production", event="resolved").json()["result"]
    assert [i["id"] for i in resolved] == [versioned["TypeError"]["id"]]
    assert resolved[0]["occurrences_in_version"] == 0
    assert resolved[0]["first_in_version_occurrence_id"] is None
    assert resolved[0]["resolved_in_version"] == "3.0"

    for params, message in ((dict(event="gone"), "event must be one of new, repeated, "
                                                 "reactivated, resolved"),
                            (dict(level="loud"), "level must be one of debug, info, "
                                                 "warning, error, critical; got 'loud'"),
                            (dict(page="-1"), "page must be at least 1"),
                            (dict(environment=""), "environment query parameter is required")):
        r = server.get("/api/1/versions/2.0/items", project.read,
                       **{"environment": "production", **params})
        assert r.status_code == 422 and r.json() == {"err": 1, "message": message}
    assert server.get("/api/1/versions/9.9/items", project.read,
                      environment="production").json() == {"err": 0, "result": []}
    assert server.get("/api/1/versions/2.0/items", other_project.read,
                      environment="production").json()["result"] == []
    r = server.get("/api/1/versions/2.0", other_project.read, environment="production")
    assert r.status_code == 404
