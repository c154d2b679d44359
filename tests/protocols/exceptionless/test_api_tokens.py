"""Exceptionless project tokens over HTTP: made with a login token, they are ordinary
Tracehound tokens (a `client` one posts Rollbar items, a `user` one reads); API tokens
cannot manage tokens; other accounts' projects and tokens are 404."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.protocols.exceptionless.api_support import (
    get,
    links,
    login,
    make_user,
    other_account,
    problem,
    send,
)
from tests.support import LiveServer, ProjectInfo
from tracehound.protocols.exceptionless import ids


def tokens_url(project_id: int) -> str:
    return f"/api/v2/projects/{ids.encode(project_id)}/tokens"


def test_client_and_user_tokens_work_across_protocols(
        server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    r = send(server, "POST", tokens_url(project.id), me,
             {"scopes": ["client"], "notes": "web server <b>"})
    assert r.status_code == 201, r.text
    client = r.json()
    assert client["scopes"] == ["client"] and client["notes"] == "web server <b>"
    assert client["project_id"] == ids.encode(project.id)
    assert client["organization_id"] == ids.encode(project.account_id)
    assert client["is_disabled"] is False and "user_id" not in client
    assert r.headers["location"] == f"/api/v2/tokens/{client['id']}"
    # a client token posts through Rollbar too, and may not read
    rollbar = server.post_item(client["id"], {"environment": "production",
                                              "body": {"message": {"body": "hello"}}})
    assert rollbar.status_code == 200, rollbar.text
    problem(get(server, "/api/v2/projects", client["id"]), 403)
    problem(get(server, "/api/v2/events", client["id"]), 403)
    # a user token reads; no scopes at all means client
    user = send(server, "POST", tokens_url(project.id), me, {"scopes": ["USER"]}).json()
    assert user["scopes"] == ["client", "user"]
    assert get(server, "/api/v2/projects", user["id"]).status_code == 200
    plain = send(server, "POST", tokens_url(project.id), me)
    assert plain.status_code == 201 and plain.json()["scopes"] == ["client"]
    # one token by id; the list holds them with Rollbar's four defaults
    assert get(server, f"/api/v2/tokens/{user['id']}", me).json() == user
    listed = get(server, tokens_url(project.id), me, limit=100)
    assert listed.headers["x-result-count"] == "7"
    by_id = {t["id"]: t for t in listed.json()}
    assert by_id[project.tokens["read"]]["scopes"] == ["events:read", "projects:read",
                                                         "stacks:read"]
    assert by_id[project.tokens["post_server_item"]]["scopes"] == ["client"]
    assert by_id[client["id"]] == client
    page = get(server, tokens_url(project.id), me, limit=3, page=2)
    assert len(page.json()) == 3 and set(links(page)) == {"previous", "next"}


def test_delete_tokens(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    a = send(server, "POST", tokens_url(project.id), me, {"scopes": ["user"]}).json()["id"]
    b = send(server, "POST", tokens_url(project.id), me, {"scopes": ["client"]}).json()["id"]
    assert get(server, "/api/v2/projects", a).status_code == 200
    r = send(server, "DELETE", f"/api/v2/tokens/{a},{b}", me)
    assert r.status_code == 202 and r.json() == {"workers": []}
    problem(get(server, "/api/v2/projects", a), 401)
    problem(get(server, f"/api/v2/tokens/{a}", me), 404)
    problem(send(server, "DELETE", f"/api/v2/tokens/{a}", me), 404)


def test_only_users_manage_tokens(server: LiveServer, engine: Engine,
                                  project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    user_token = send(server, "POST", tokens_url(project.id), me,
                      {"scopes": ["user"]}).json()["id"]
    for api_token, why in ((user_token, "log in"), (project.tokens["write"], "role")):
        problem(send(server, "POST", tokens_url(project.id), api_token,
                     {"scopes": ["client"]}), 403, why)
        problem(get(server, tokens_url(project.id), api_token), 403)
        problem(send(server, "DELETE", f"/api/v2/tokens/{project.client}", api_token), 403)
    problem(send(server, "POST", tokens_url(project.id), project.client), 403)
    problem(send(server, "POST", tokens_url(project.id), None), 401)


def test_bad_token_requests(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    url = tokens_url(project.id)
    body = problem(send(server, "POST", url, me, {"scopes": ["admin"]}), 422)
    assert body["errors"] == {"scopes": ["Invalid token scope requested."]}
    problem(send(server, "POST", url, me, {"scopes": ["global"]}), 422)
    problem(send(server, "POST", url, me, {"scopes": "client"}), 422)
    problem(send(server, "POST", url, me, {"notes": "x" * 300}), 422)
    problem(send(server, "POST", url, me, {"expires_utc": "2030-01-01T00:00:00Z"}), 422)
    bad = server.http.post(server.url + url, content=b'{"scopes": [',
                           headers={"Authorization": f"Bearer {me}",
                                    "Content-Type": "application/json"})
    problem(bad, 400, "invalid JSON")
    huge = server.http.post(server.url + url, content=b'{"notes": "' + b"x" * 70_000 + b'"}',
                            headers={"Authorization": f"Bearer {me}",
                                     "Content-Type": "application/json"})
    problem(huge, 413)
    elsewhere = other_account(engine)
    problem(send(server, "POST", tokens_url(elsewhere.id), me, {}), 404, "Project not found")
    problem(get(server, tokens_url(elsewhere.id), me), 404)
    problem(get(server, f"/api/v2/tokens/{elsewhere.read}", me), 404)
    problem(send(server, "DELETE", f"/api/v2/tokens/{project.client},{elsewhere.read}", me),
            404)
    # nothing was deleted by the refused call
    assert get(server, f"/api/v2/tokens/{project.client}", me).status_code == 200
    for odd in ("short", "x" * 41, "a_b" * 10, "%3Cscript%3E" * 3):
        problem(get(server, f"/api/v2/tokens/{odd}", me), 404)
    problem(get(server, "/api/v2/projects/123/tokens", me), 404)
    # another account's user cannot see this project's tokens either
    stranger = login(server, make_user(engine, elsewhere.account_id, "s@example.com"))
    problem(get(server, url, stranger), 404)
    problem(get(server, f"/api/v2/tokens/{project.client}", stranger), 404)
