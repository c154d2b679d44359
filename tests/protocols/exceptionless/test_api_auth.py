"""Exceptionless login and logout over HTTP: a user's e-mail and password give a token
that works on every endpoint (bearer and query string alike); bad credentials, bad
bodies and too many failures answer problem documents."""

from __future__ import annotations

import gzip

from sqlalchemy import Engine, select

from tests.protocols.exceptionless.api_support import (
    get,
    login,
    make_user,
    other_account,
    problem,
    send,
)
from tests.support import LiveServer, ProjectInfo
from tracehound.protocols.exceptionless import ids
from tracehound.store.tables import access_tokens


def test_login_gives_a_user_token_tied_to_the_user(server: LiveServer, engine: Engine,
                                                   project: ProjectInfo) -> None:
    user = make_user(engine, project.account_id, "Dev@Example.com")
    r = send(server, "POST", "/api/v2/auth/login", None,
             {"email": "  DEV@example.COM ", "password": user.password})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    token = r.json()["token"]
    assert list(r.json()) == ["token"]
    # the same token again while it lives, not a new one per login
    assert login(server, user) == token
    with engine.connect() as conn:
        row = conn.execute(select(access_tokens).where(access_tokens.c.token == token)).one()
    assert row.user_id is not None and row.project_id is None
    assert row.account_id == project.account_id
    assert set(row.scopes.split()) == {"read", "write"}
    # bearer and query string authenticate alike
    by_header = get(server, "/api/v2/organizations", token)
    by_query = get(server, "/api/v2/organizations", access_token=token)
    assert by_header.status_code == by_query.status_code == 200
    assert by_header.json() == by_query.json()
    assert by_header.json()[0]["id"] == ids.encode(project.account_id)


def test_bad_credentials_are_401_login_failed(server: LiveServer, engine: Engine,
                                              project: ProjectInfo) -> None:
    user = make_user(engine, project.account_id)
    wrong = send(server, "POST", "/api/v2/auth/login", None,
                 {"email": user.email, "password": "not the password"})
    problem(wrong, 401, "Login failed.")
    unknown = send(server, "POST", "/api/v2/auth/login", None,
                   {"email": "nobody@example.com", "password": user.password})
    problem(unknown, 401, "Login failed.")
    assert wrong.json()["instance"] == "POST /api/v2/auth/login"


def test_login_validation_and_malformed_bodies(server: LiveServer, engine: Engine,
                                               project: ProjectInfo) -> None:
    make_user(engine, project.account_id)
    url = server.url + "/api/v2/auth/login"
    r = server.http.post(url, content=b'{"email": "dev@example.com", "password": ',
                         headers={"Content-Type": "application/json"})
    problem(r, 400, "invalid JSON")
    problem(server.http.post(url, json=["dev@example.com", "x"]), 400, "JSON object")
    body = problem(server.http.post(url, json={"password": "abc"}), 422)
    assert set(body["errors"]) == {"email", "password"}
    assert "6 to 100" in body["errors"]["password"][0]
    problem(server.http.post(url, json={"email": 42, "password": "long enough"}), 422)
    huge = {"email": "dev@example.com", "password": "x" * 70_000}
    problem(server.http.post(url, json=huge), 413)
    # a gzip bomb is refused as it inflates, not after
    bomb = gzip.compress(b'{"email": "' + b"a" * 5_000_000 + b'"}')
    problem(server.http.post(url, content=bomb, headers={
        "Content-Type": "application/json", "Content-Encoding": "gzip"}), 413)
    # the server still answers
    assert server.http.get(server.url + "/health").status_code == 200


def test_repeated_failures_are_denied_even_with_the_right_password(
        server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    user = make_user(engine, project.account_id)
    for _ in range(5):
        problem(send(server, "POST", "/api/v2/auth/login", None,
                     {"email": user.email, "password": "wrong password"}), 401, "Login failed")
    denied = send(server, "POST", "/api/v2/auth/login", None,
                  {"email": user.email, "password": user.password})
    problem(denied, 401, "Login denied")
    assert int(denied.headers["retry-after"]) > 0
    # another user (same client address, under its own limit of 15) still logs in
    other = make_user(engine, project.account_id, "other@example.com")
    assert login(server, other)


def test_logout_removes_the_login_token_and_refuses_api_tokens(
        server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    user = make_user(engine, project.account_id)
    token = login(server, user)
    problem(get(server, "/api/v2/auth/logout", project.tokens["read"]), 403)
    assert get(server, "/api/v2/auth/logout", token).status_code == 200
    problem(get(server, "/api/v2/organizations", token), 401)
    fresh = login(server, user)
    assert fresh != token
    assert get(server, "/api/v2/organizations", fresh).status_code == 200


def test_wrong_and_missing_tokens(server: LiveServer, engine: Engine,
                                  project: ProjectInfo) -> None:
    problem(get(server, "/api/v2/organizations"), 401, "Authorization required")
    problem(get(server, "/api/v2/organizations", "0" * 32), 401, "unknown token")
    problem(get(server, "/api/v2/organizations", access_token="<script>"), 401)
    r = server.http.get(server.url + "/api/v2/projects",
                        headers={"Authorization": "Basic !!!"})
    problem(r, 401, "base64")
    # a client (post-only) token may not read
    problem(get(server, "/api/v2/projects", project.client), 403, "'read' role")
    problem(get(server, "/api/v2/organizations", project.post), 403)
    # another account's user logs in to its own account only
    elsewhere = other_account(engine)
    stranger = make_user(engine, elsewhere.account_id, "stranger@example.com")
    orgs = get(server, "/api/v2/organizations", login(server, stranger)).json()
    assert [o["id"] for o in orgs] == [ids.encode(elsewhere.account_id)]
