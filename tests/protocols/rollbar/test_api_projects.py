"""Rollbar API §13: projects and project access tokens, with an account token.

Auth (401 without a token, 403 for project tokens and for read tokens on writes),
account isolation (account B never sees or changes account A's projects or tokens),
validation (422 with the message checked), the exact shapes Rollbar's clients parse,
soft deletion, and rate limits set through the API taking effect on ingest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.store import projects, tokens

MESSAGE = {"environment": "test", "body": {"message": {"body": "hello"}}}
PROJECT_KEYS = {"id", "account_id", "name", "status", "date_created", "date_modified",
                "settings_data"}
TOKEN_KEYS = {"access_token", "project_id", "name", "scopes", "status",
              "rate_limit_window_size", "rate_limit_window_count",
              "cur_rate_limit_window_start", "cur_rate_limit_window_count",
              "date_created", "date_modified", "token_type"}
DEFAULT_SCOPES = ["post_server_item", "post_client_item", "read", "write"]
NOT_FOUND = "Project not found in this account."
INVALID_TOKEN = {"err": 1, "result": "Invalid project access token",
                 "message": "Invalid project access token", "status_code": 400}


@dataclass
class Account:
    id: int
    read: str
    write: str


def make_account(engine: Engine, account_id: int | None = None) -> Account:
    with engine.begin() as conn:
        if account_id is None:
            account_id = projects.create_account(conn, "other account")
        made = {s: tokens.create_token(conn, account_id=account_id, project_id=None,
                                       name=f"account {s}", scopes=[s])
                for s in ("read", "write")}
    return Account(account_id, made["read"], made["write"])


@pytest.fixture
def acct(engine: Engine, project: ProjectInfo) -> Account:
    """Account tokens of the account that owns `project` and `other_project`."""
    return make_account(engine, project.account_id)


@pytest.fixture
def foreign(engine: Engine) -> tuple[Account, ProjectInfo]:
    """A second account with one project named like the first account's."""
    account = make_account(engine)
    with engine.begin() as conn:
        p, made = projects.create_project(conn, account.id, "app")
    return account, ProjectInfo(p.id, account.id, made)


def call(server: LiveServer, method: str, path: str, token: str | None = None,
         **kw: Any) -> httpx.Response:
    headers = {"X-Rollbar-Access-Token": token} if token else {}
    headers.update(kw.pop("headers", {}))
    return server.http.request(method, server.url + path, headers=headers, **kw)


def err(r: httpx.Response, status: int, contains: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["err"] == 1
    assert contains in body["message"], body["message"]


def result(r: httpx.Response) -> Any:
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["err"] == 0
    return body["result"]


def tokens_of(server: LiveServer, acct: Account, project_id: int) -> list[dict[str, Any]]:
    return result(call(server, "GET", f"/api/1/project/{project_id}/access_tokens",
                       acct.read))  # type: ignore[no-any-return]


# ---- auth, on every endpoint -------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/api/1/projects", "read"),
    ("POST", "/api/1/projects", "write"),
    ("GET", "/api/1/project/{pid}", "read"),
    ("DELETE", "/api/1/project/{pid}", "write"),
    ("GET", "/api/1/project/{pid}/access_tokens", "read"),
    ("POST", "/api/1/project/{pid}/access_tokens", "write"),
    ("PATCH", "/api/1/project/{pid}/access_token/{tok}", "write"),
    ("DELETE", "/api/1/project/{pid}/access_token/{tok}", "write"),
    ("PATCH", "/api/1/project/{pid}/access_token", "write"),
    ("DELETE", "/api/1/project/{pid}/access_token", "write"),
]


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
def test_auth_on_every_endpoint(server: LiveServer, acct: Account, project: ProjectInfo,
                                method: str, path: str, scope: str) -> None:
    url = path.format(pid=project.id, tok=project.read)
    body = {"name": "x", "scopes": ["read"], "rate_limit_window_count": 1,
            "project_access_token": project.read}
    err(call(server, method, url, json=body), 401, "access token required")
    for project_token in (project.read, project.tokens["write"]):
        err(call(server, method, url, project_token, json=body), 403,
            "an account access token is required")
    err(call(server, method, url, "0" * 32, json=body), 403, "access token not found")
    if scope == "write":
        err(call(server, method, url, acct.read, json=body), 403,
            "write scope is required")
    else:
        err(call(server, method, url, acct.write), 403, "read scope is required")
    # trailing slash works the same, without a redirect
    err(call(server, method, url + "/", json=body), 401, "access token required")
    # the project's tokens are untouched by all of the above
    assert len(tokens_of(server, acct, project.id)) == 4


# ---- projects ----------------------------------------------------------------------------


def test_list_projects_shape_and_isolation(
        server: LiveServer, acct: Account, project: ProjectInfo,
        other_project: ProjectInfo, foreign: tuple[Account, ProjectInfo]) -> None:
    listed = result(call(server, "GET", "/api/1/projects", acct.read))
    assert [p["id"] for p in listed] == [project.id, other_project.id]
    first = listed[0]
    assert set(first) == PROJECT_KEYS
    assert first["account_id"] == acct.id and first["name"] == "app"
    assert first["status"] == "enabled"
    assert isinstance(first["date_created"], int)
    assert first["date_modified"] >= first["date_created"]
    assert first["settings_data"]["grouping"]["auto_upgrade"] is True
    their_account, theirs = foreign
    assert [p["id"] for p in result(call(server, "GET", "/api/1/projects",
                                         their_account.read))] == [theirs.id]


def test_list_projects_paging(server: LiveServer, acct: Account, project: ProjectInfo,
                              other_project: ProjectInfo) -> None:
    assert len(result(call(server, "GET", "/api/1/projects?page=1", acct.read))) == 2
    assert result(call(server, "GET", "/api/1/projects?page=2", acct.read)) == []
    assert result(call(server, "GET", f"/api/1/projects?page={10**30}", acct.read)) == []
    for bad in ("0", "-1", "x", "1.5"):
        err(call(server, "GET", f"/api/1/projects?page={bad}", acct.read), 422,
            "page must be a positive integer")


def test_create_project(server: LiveServer, acct: Account, project: ProjectInfo) -> None:
    made = result(call(server, "POST", "/api/1/projects", acct.write,
                       json={"name": "Web-app 2.0, beta_x"}))
    assert set(made) == PROJECT_KEYS
    assert made["name"] == "Web-app 2.0, beta_x" and made["status"] == "enabled"
    assert made["account_id"] == acct.id
    assert made == result(call(server, "GET", f"/api/1/project/{made['id']}", acct.read))
    listed = tokens_of(server, acct, made["id"])
    assert [t["scopes"] for t in listed] == [[s] for s in DEFAULT_SCOPES]
    assert [t["name"] for t in listed] == DEFAULT_SCOPES
    post = listed[0]["access_token"]
    assert server.post_item(post, MESSAGE).status_code == 200
    # a form body works as well, and the new project is listed
    form = call(server, "POST", "/api/1/projects", acct.write, data={"name": "formed"})
    assert result(form)["name"] == "formed"
    names = [p["name"] for p in result(call(server, "GET", "/api/1/projects", acct.read))]
    assert names == ["app", "Web-app 2.0, beta_x", "formed"]


@pytest.mark.parametrize(("body", "message"), [
    ({}, "name is required"),
    ({"name": ""}, "name is required"),
    ({"name": 123}, "name must be a string"),
    ({"name": ["a"]}, "name must be a string"),
    ({"name": "1abc"}, "Invalid project name"),
    ({"name": " leading"}, "Invalid project name"),
    ({"name": "a" * 33}, "at most 32 characters"),
    ({"name": "bad/name"}, "Invalid project name"),
    ({"name": "x#deleted-1"}, "Invalid project name"),
    ({"name": "x'; DROP TABLE projects; --"}, "Invalid project name"),
    ({"name": "caf\u00e9"}, "Invalid project name"),
    ({"name": "ok", "source_project_id": "abc"}, "source_project_id must be"),
    ({"name": "ok", "source_project_id": 10**30}, "source_project_id must be"),
    ({"name": "ok", "source_project_id": 987654}, "source_project_id must be"),
])
def test_create_project_invalid(server: LiveServer, acct: Account, body: dict[str, Any],
                                message: str) -> None:
    err(call(server, "POST", "/api/1/projects", acct.write, json=body), 422, message)
    names = [p["name"] for p in result(call(server, "GET", "/api/1/projects", acct.read))]
    assert names == ["app"]


def test_create_project_names_are_unique_per_account(
        server: LiveServer, acct: Account, project: ProjectInfo,
        foreign: tuple[Account, ProjectInfo]) -> None:
    err(call(server, "POST", "/api/1/projects", acct.write, json={"name": "app"}), 422,
        "A project named 'app' already exists")
    their_account, theirs = foreign
    # the other account already has an "app": names are per account
    made = result(call(server, "POST", "/api/1/projects", their_account.write,
                       json={"name": "new", "source_project_id": theirs.id}))
    assert made["account_id"] == their_account.id
    # a source project of another account is refused like an unknown one
    err(call(server, "POST", "/api/1/projects", acct.write,
             json={"name": "copy", "source_project_id": theirs.id}), 422,
        "source_project_id must be")
    assert server.post_item(project.post, MESSAGE).status_code == 200


@pytest.mark.parametrize("pid", ["987654", "abc", "-1", "0", "1.5", str(10**30)])
def test_unknown_project_is_404_everywhere(server: LiveServer, acct: Account,
                                           project: ProjectInfo, pid: str) -> None:
    for method, path, scope in ENDPOINTS:
        if "{pid}" not in path:
            continue
        token = acct.read if scope == "read" else acct.write
        r = call(server, method, path.format(pid=pid, tok=project.read), token,
                 json={"name": "x", "scopes": ["read"], "rate_limit_window_count": 1,
                       "project_access_token": project.read})
        err(r, 404, NOT_FOUND)


def test_other_accounts_projects_are_404_and_untouched(
        server: LiveServer, acct: Account, project: ProjectInfo,
        foreign: tuple[Account, ProjectInfo]) -> None:
    their_account, theirs = foreign
    body = {"name": "x", "scopes": ["read"], "rate_limit_window_count": 1,
            "project_access_token": theirs.read}
    for method, path, scope in ENDPOINTS:
        if "{pid}" not in path:
            continue
        token = acct.read if scope == "read" else acct.write
        err(call(server, method, path.format(pid=theirs.id, tok=theirs.read), token,
                 json=body), 404, NOT_FOUND)
    # their project and tokens are as they were, and still work
    assert result(call(server, "GET", f"/api/1/project/{theirs.id}",
                       their_account.read))["name"] == "app"
    listed = tokens_of(server, their_account, theirs.id)
    assert len(listed) == 4
    assert all(t["rate_limit_window_count"] is None for t in listed)
    assert server.post_item(theirs.post, MESSAGE).status_code == 200
    # and account A's own token of its own project cannot be used on B's project path
    err(call(server, "DELETE", f"/api/1/project/{theirs.id}/access_token/{project.read}",
             acct.write), 404, NOT_FOUND)


def test_delete_project(server: LiveServer, acct: Account, project: ProjectInfo,
                        other_project: ProjectInfo) -> None:
    assert server.post_item(project.post, MESSAGE).status_code == 200
    r = call(server, "DELETE", f"/api/1/project/{project.id}", acct.write)
    assert r.status_code == 200 and r.json() == {"err": 0}
    err(call(server, "GET", f"/api/1/project/{project.id}", acct.read), 404, NOT_FOUND)
    err(call(server, "GET", f"/api/1/project/{project.id}/access_tokens", acct.read), 404,
        NOT_FOUND)
    listed = result(call(server, "GET", "/api/1/projects", acct.read))
    assert [p["id"] for p in listed] == [other_project.id]
    # its tokens stop at once: ingest and reads
    err(server.post_item(project.post, MESSAGE), 403, "disabled")
    err(server.get("/api/1/items", project.read), 403, "disabled")
    # the account token cannot reach it with project_id either
    err(server.get("/api/1/items", acct.read, project_id=project.id), 404, NOT_FOUND)
    # deleting again is 404; the name is free for a new project
    err(call(server, "DELETE", f"/api/1/project/{project.id}", acct.write), 404, NOT_FOUND)
    again = result(call(server, "POST", "/api/1/projects", acct.write, json={"name": "app"}))
    assert again["id"] != project.id
    # the sibling project is untouched
    assert server.post_item(other_project.post, MESSAGE).status_code == 200


# ---- project access tokens ---------------------------------------------------------------


def test_list_tokens_shape(server: LiveServer, acct: Account, project: ProjectInfo,
                           other_project: ProjectInfo) -> None:
    listed = tokens_of(server, acct, project.id)
    assert [t["access_token"] for t in listed] == [project.tokens[s] for s in DEFAULT_SCOPES]
    for t in listed:
        assert set(t) == TOKEN_KEYS
        assert t["project_id"] == project.id and t["status"] == "enabled"
        assert t["token_type"] == "legacy" and t["name"] in DEFAULT_SCOPES
        assert t["rate_limit_window_size"] is None and t["rate_limit_window_count"] is None
        assert t["cur_rate_limit_window_start"] is None
        assert t["cur_rate_limit_window_count"] is None
        assert isinstance(t["date_created"], int) and isinstance(t["date_modified"], int)
    others = {t["access_token"] for t in tokens_of(server, acct, other_project.id)}
    assert others == set(other_project.tokens.values())
    page2 = call(server, "GET", f"/api/1/project/{project.id}/access_tokens?page=2",
                 acct.read)
    assert result(page2) == []


def test_create_token(server: LiveServer, acct: Account, project: ProjectInfo) -> None:
    made = result(call(server, "POST", f"/api/1/project/{project.id}/access_tokens",
                       acct.write, json={"name": "ci deploys",
                                         "scopes": ["post_server_item", "read"],
                                         "rate_limit_window_size": 60,
                                         "rate_limit_window_count": 500}))
    assert set(made) == TOKEN_KEYS
    assert len(made["access_token"]) == 32 and made["project_id"] == project.id
    assert made["name"] == "ci deploys" and made["status"] == "enabled"
    assert made["scopes"] == ["post_server_item", "read"]
    assert (made["rate_limit_window_size"], made["rate_limit_window_count"]) == (60, 500)
    assert made["token_type"] == "legacy"
    assert made in tokens_of(server, acct, project.id)
    assert server.post_item(made["access_token"], MESSAGE).status_code == 200
    assert server.get("/api/1/items", made["access_token"]).status_code == 200
    # disabled from the start: refused everywhere; form body with repeated scopes
    off = result(call(server, "POST", f"/api/1/project/{project.id}/access_tokens",
                      acct.write, data={"name": "off", "scopes": ["read", "write"],
                                        "status": "disabled", "token_type": "v2"}))
    assert off["status"] == "disabled" and off["scopes"] == ["read", "write"]
    err(server.get("/api/1/items", off["access_token"]), 403, "disabled")
    assert len(tokens_of(server, acct, project.id)) == 6


@pytest.mark.parametrize(("body", "message"), [
    ({"scopes": ["read"]}, "name is required"),
    ({"name": 5, "scopes": ["read"]}, "name must be a string"),
    ({"name": "x" * 256, "scopes": ["read"]}, "name must be 1 to 255"),
    ({"name": "n"}, "scopes is required"),
    ({"name": "n", "scopes": []}, "scopes is required"),
    ({"name": "n", "scopes": ["admin"]}, "invalid scope 'admin'"),
    ({"name": "n", "scopes": "read,admin"}, "invalid scope 'admin'"),
    ({"name": "n", "scopes": [1]}, "scopes must be a list"),
    ({"name": "n", "scopes": {"read": 1}}, "scopes must be a list"),
    ({"name": "n", "scopes": ["read"], "status": "paused"}, "status must be one of"),
    ({"name": "n", "scopes": ["read"], "token_type": "v9"}, "token_type must be one of"),
    ({"name": "n", "scopes": ["read"], "rate_limit_window_size": -1},
     "rate_limit_window_size must be between 0 and"),
    ({"name": "n", "scopes": ["read"], "rate_limit_window_count": "-5"},
     "rate_limit_window_count must be between 0 and"),
    ({"name": "n", "scopes": ["read"], "rate_limit_window_count": 2**40},
     "rate_limit_window_count must be between 0 and"),
    ({"name": "n", "scopes": ["read"], "rate_limit_window_count": 1.5},
     "rate_limit_window_count must be an integer"),
    ({"name": "n", "scopes": ["read"], "rate_limit_window_count": True},
     "rate_limit_window_count must be an integer"),
    ({"name": "n", "scopes": ["read"], "rate_limit_window_size": "1; DROP TABLE x"},
     "rate_limit_window_size must be an integer"),
])
def test_create_token_invalid(server: LiveServer, acct: Account, project: ProjectInfo,
                              body: dict[str, Any], message: str) -> None:
    r = call(server, "POST", f"/api/1/project/{project.id}/access_tokens", acct.write,
             json=body)
    err(r, 422, message)
    assert len(tokens_of(server, acct, project.id)) == 4


def test_unparseable_body_is_400(server: LiveServer, acct: Account,
                                 project: ProjectInfo) -> None:
    r = call(server, "POST", f"/api/1/project/{project.id}/access_tokens", acct.write,
             content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["err"] == 1
    r = call(server, "POST", "/api/1/projects", acct.write, content=b"[1, 2]")
    err(r, 400, "must be a JSON object")


def test_update_token_rate_limit_takes_effect(server: LiveServer, acct: Account,
                                              project: ProjectInfo) -> None:
    path = f"/api/1/project/{project.id}/access_token/{project.post}"
    r = call(server, "PATCH", path, acct.write,
             json={"rate_limit_window_size": 60, "rate_limit_window_count": 2})
    assert r.status_code == 200 and r.json() == {"err": 0}
    # this process forgot its cached copy: the new limit applies to the very next post
    codes = [server.post_item(project.post, MESSAGE).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    post = next(t for t in tokens_of(server, acct, project.id)
                if t["access_token"] == project.post)
    assert (post["rate_limit_window_size"], post["rate_limit_window_count"]) == (60, 2)
    assert post["cur_rate_limit_window_count"] == 2
    assert isinstance(post["cur_rate_limit_window_start"], int)
    assert post["date_modified"] >= post["date_created"]
    # a raised limit applies at once, in the same window (refusals were not counted)
    assert call(server, "PATCH", path, acct.write,
                json={"rate_limit_window_count": 3}).json() == {"err": 0}
    codes = [server.post_item(project.post, MESSAGE).status_code for _ in range(2)]
    assert codes == [200, 429]
    # the api-examples script clears limits with a form body of zeros: no limit again
    r = call(server, "PATCH", path, acct.write,
             data={"rate_limit_window_count": "0", "rate_limit_window_size": "0"})
    assert r.json() == {"err": 0}
    assert server.post_item(project.post, MESSAGE).status_code == 200
    post = next(t for t in tokens_of(server, acct, project.id)
                if t["access_token"] == project.post)
    assert post["rate_limit_window_size"] is None and post["rate_limit_window_count"] is None
    assert post["cur_rate_limit_window_count"] is None


def test_update_token_one_field_and_body_identifier(
        server: LiveServer, acct: Account, project: ProjectInfo) -> None:
    base = f"/api/1/project/{project.id}/access_token"
    assert call(server, "PATCH", f"{base}/{project.read}", acct.write,
                json={"rate_limit_window_size": 300}).json() == {"err": 0}
    assert call(server, "PATCH", base, acct.write,
                json={"project_access_token": project.read,
                      "rate_limit_window_count": 7}).json() == {"err": 0}
    assert call(server, "PATCH", base, acct.write,
                data={"public_id": project.client, "rate_limit_window_count": "9"}
                ).json() == {"err": 0}
    by_token = {t["access_token"]: t for t in tokens_of(server, acct, project.id)}
    read = by_token[project.read]
    assert (read["rate_limit_window_size"], read["rate_limit_window_count"]) == (300, 7)
    assert by_token[project.client]["rate_limit_window_count"] == 9
    assert by_token[project.post]["rate_limit_window_count"] is None


@pytest.mark.parametrize(("body", "message"), [
    ({}, "nothing to change"),
    ({"name": "renamed"}, "nothing to change"),
    ({"rate_limit_window_count": -1}, "rate_limit_window_count must be between 0 and"),
    ({"rate_limit_window_size": "soon"}, "rate_limit_window_size must be an integer"),
    ({"rate_limit_window_size": [60]}, "rate_limit_window_size must be an integer"),
    ({"rate_limit_window_size": 10**12}, "rate_limit_window_size must be between 0 and"),
])
def test_update_token_invalid(server: LiveServer, acct: Account, project: ProjectInfo,
                              body: dict[str, Any], message: str) -> None:
    path = f"/api/1/project/{project.id}/access_token/{project.post}"
    err(call(server, "PATCH", path, acct.write, json=body), 422, message)
    assert all(t["rate_limit_window_count"] is None
               for t in tokens_of(server, acct, project.id))


def test_unknown_token_is_400_invalid(server: LiveServer, acct: Account,
                                      project: ProjectInfo,
                                      other_project: ProjectInfo) -> None:
    base = f"/api/1/project/{project.id}/access_token"
    # unknown, another project's token (same account), an account token, junk
    for tok in ("f" * 32, other_project.read, acct.read, "x" * 200, "%27%20OR%201%3D1"):
        for method in ("PATCH", "DELETE"):
            r = call(server, method, f"{base}/{tok}", acct.write,
                     json={"rate_limit_window_count": 1})
            assert r.status_code == 400, (tok, r.text)
            assert r.json() == INVALID_TOKEN
    r = call(server, "DELETE", base, acct.write, json={"project_access_token": "f" * 32})
    assert r.status_code == 400 and r.json() == INVALID_TOKEN
    err(call(server, "DELETE", base, acct.write, json={}), 422,
        "project_access_token (or public_id) is required")
    err(call(server, "PATCH", base, acct.write, json={"rate_limit_window_count": 1,
                                                       "public_id": 5}), 422,
        "project_access_token (or public_id) is required")
    assert len(tokens_of(server, acct, other_project.id)) == 4


def test_delete_token(server: LiveServer, acct: Account, project: ProjectInfo) -> None:
    assert server.post_item(project.post, MESSAGE).status_code == 200
    path = f"/api/1/project/{project.id}/access_token/{project.post}"
    r = call(server, "DELETE", path, acct.write)
    assert r.status_code == 200
    assert r.json() == {"err": 0, "result": "Access token has been deleted."}
    err(server.post_item(project.post, MESSAGE), 403, "access token not found")
    assert project.post not in {t["access_token"] for t in tokens_of(server, acct, project.id)}
    again = call(server, "DELETE", path, acct.write)
    assert again.status_code == 400 and again.json() == INVALID_TOKEN
    # the identifier may come in the body instead
    r = call(server, "DELETE", f"/api/1/project/{project.id}/access_token", acct.write,
             json={"project_access_token": project.read})
    assert r.json() == {"err": 0, "result": "Access token has been deleted."}
    err(server.get("/api/1/items", project.read), 403, "access token not found")
    left = [t["name"] for t in tokens_of(server, acct, project.id)]
    assert left == ["post_client_item", "write"]


@pytest.mark.parametrize(("raw", "status"), [
    (b'{"name": "n", "scopes": ["read"], "rate_limit_window_count": 1000000000000000000000000}',
     (400, 422)),
    (b'{"name": "n", "scopes": ["read"], "rate_limit_window_size": 1e308}', (422,)),
    (b'{"name": "n", "scopes": ["read"], "rate_limit_window_size": 1e999}', (400, 422)),
    (b'{"name": {"$gt": ""}, "scopes": ["read"]}', (422,)),
    (b'{"name": "n", "scopes": [["read"]]}', (422,)),
    (b'{"name": "' + b"x" * 2_000_000 + b'", "scopes": ["read"]}', (413,)),
    (b"name=n&scopes=read&rate_limit_window_count=%00", (422,)),
    (b"\xff\xfe garbage", (400,)),
])
def test_hostile_bodies_are_clear_4xx(server: LiveServer, acct: Account,
                                      project: ProjectInfo, raw: bytes,
                                      status: tuple[int, ...]) -> None:
    r = call(server, "POST", f"/api/1/project/{project.id}/access_tokens", acct.write,
             content=raw, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code in status, r.text
    assert r.json()["err"] == 1 and r.json()["message"]
    assert len(tokens_of(server, acct, project.id)) == 4
