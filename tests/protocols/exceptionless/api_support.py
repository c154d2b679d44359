"""Helpers of the Exceptionless read/admin API tests: users that log in, a second
account, posting events and reading problem documents."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.auth.passwords import hash_password
from tracehound.store import projects, tokens
from tracehound.store.db import writer

PASSWORD = "hunter22-but-longer"


@dataclass
class User:
    email: str
    password: str
    account_id: int


def make_user(engine: Engine, account_id: int, email: str = "dev@example.com") -> User:
    with writer(engine).begin() as conn:
        tokens.create_user(conn, account_id=account_id, email=email,
                           password_hash=hash_password(PASSWORD))
    return User(email, PASSWORD, account_id)


def other_account(engine: Engine, name: str = "elsewhere") -> ProjectInfo:
    """A project in a second account, with its default tokens."""
    with writer(engine).begin() as conn:
        account_id = projects.create_account(conn, "other account")
        project, made = projects.create_project(conn, account_id, name)
    return ProjectInfo(project.id, account_id, made)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(server: LiveServer, user: User) -> str:
    r = server.http.post(server.url + "/api/v2/auth/login",
                         json={"email": user.email, "password": user.password})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    assert isinstance(token, str) and token
    return token


def get(server: LiveServer, path: str, token: str | None = None,
        **params: Any) -> httpx.Response:
    return server.http.get(server.url + path, params=params,
                           headers=bearer(token) if token else {})


def send(server: LiveServer, method: str, path: str, token: str | None = None,
         body: Any = None, **params: Any) -> httpx.Response:
    content = None if body is None else json.dumps(body).encode()
    headers = {**(bearer(token) if token else {}),
               **({"Content-Type": "application/json"} if content is not None else {})}
    return server.http.request(method, server.url + path, params=params, content=content,
                               headers=headers)


def post_events(server: LiveServer, token: str, events: Any,
                path: str = "/api/v2/events") -> None:
    r = send(server, "POST", path, token, events)
    assert r.status_code == 202, r.text
    assert r.content == b""


def problem(r: httpx.Response, status: int, contains: str = "") -> dict[str, Any]:
    """An RFC 7807 answer with this status whose title contains `contains`."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["status"] == status and contains in body["title"], body
    assert body["message"] == body["title"]
    return body


def links(r: httpx.Response) -> dict[str, str]:
    """rel → URL of a Link header."""
    out = {}
    for part in r.headers.get("link", "").split(","):
        if not part.strip():
            continue
        url, _, rel = part.partition(";")
        out[rel.strip().removeprefix('rel="').removesuffix('"')] = url.strip()[1:-1]
    return out
