"""Helpers of the Bugsnag Data Access API tests: posting events through notify, calling
the API with `Authorization: token`, following Link headers, making tokens."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.protocols.bugsnag import ids
from tracehound.store import projects
from tracehound.store import tokens as token_store
from tracehound.store.db import writer

API = "/bugsnag/api"
NOTIFIER = {"name": "Python Bugsnag Notifier", "version": "4.9.2",
            "url": "https://github.com/bugsnag/bugsnag-python"}


def event(cls: str = "ZeroDivisionError", message: str = "division by zero", *,
          line: int = 42, **extra: Any) -> dict[str, Any]:
    """A notify event as bugsnag-python sends it (one in-project frame, one library)."""
    body: dict[str, Any] = {
        "severity": "error", "severityReason": {"type": "unhandledException"},
        "unhandled": True, "releaseStage": "production",
        "app": {"version": "1.4.2", "type": None}, "context": "POST /checkout",
        "exceptions": [{"errorClass": cls, "message": message, "type": "python",
                        "stacktrace": [
                            {"file": "shop/cart.py", "lineNumber": line,
                             "method": "apply_discount", "inProject": True,
                             "code": {str(line - 1): "    total = sum(items)",
                                      str(line): "    return total / count"}},
                            {"file": "flask/app.py", "lineNumber": 880,
                             "method": "full_dispatch_request", "inProject": False,
                             "code": None}]}],
        "metaData": {"request": {"url": "https://shop.example.com/checkout"}},
        "user": {"id": "u-77", "name": "Ada", "email": "ada@example.com"},
        "device": {"hostname": "web-1", "osVersion": "Debian 12",
                   "runtimeVersions": {"python": "3.12.1"}},
        "breadcrumbs": []}
    body.update(extra)
    return body


def notify(server: LiveServer, key: str, *events: dict[str, Any]) -> None:
    """Post events the way a notifier does (one request), acknowledged with 200."""
    r = server.http.post(server.url + "/bugsnag/notify", content=json.dumps(
        {"apiKey": key, "notifier": NOTIFIER, "payloadVersion": "4.0",
         "events": list(events)}).encode(),
        headers={"Content-Type": "application/json", "Bugsnag-Api-Key": key,
                 "Bugsnag-Payload-Version": "4.0"})
    assert r.status_code == 200, r.text


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"token {token}", "X-Version": "2"} if token else {}


def get(server: LiveServer, path: str, token: str | None, **params: Any) -> httpx.Response:
    """GET under the API prefix (`path` starts with /), or a full URL (a Link's)."""
    url = path if path.startswith("http") else server.url + API + path
    return server.http.get(url, params=params or None, headers=auth(token))


def send(server: LiveServer, method: str, path: str, token: str | None, body: Any = None,
         *, content: bytes | None = None, **params: Any) -> httpx.Response:
    if content is None and body is not None:
        content = json.dumps(body).encode()
    headers = {**auth(token), **({"Content-Type": "application/json"} if content else {})}
    return server.http.request(method, server.url + API + path, params=params or None,
                               content=content, headers=headers)


def error(r: httpx.Response, status: int, contains: str = "") -> None:
    """A `{"errors": ["..."]}` answer with this status."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    assert contains.lower() in body["errors"][0].lower(), body


def next_link(r: httpx.Response) -> str | None:
    """The URL of `Link: <...>; rel="next"`, or None."""
    header = r.headers.get("link")
    if not header:
        return None
    url, _, rel = header.partition(";")
    assert rel.strip() == 'rel="next"', header
    assert url.strip().startswith("<") and url.strip().endswith(">"), header
    return url.strip()[1:-1]


def walk(server: LiveServer, first: httpx.Response, token: str,
         between: Any = None) -> list[dict[str, Any]]:
    """Every element of a list, following `rel="next"` links verbatim; `between()` runs
    before each next page is fetched."""
    assert first.status_code == 200, first.text
    seen = list(first.json())
    r = first
    while (link := next_link(r)) is not None:
        if between is not None:
            between()
        r = server.http.get(link, headers=auth(token))
        assert r.status_code == 200, r.text
        seen += r.json()
    return seen


def hex_id(value: int) -> str:
    return ids.encode(value)


def make_token(engine: Engine, account_id: int, scopes: list[str],
               project_id: int | None = None, status: str = "enabled") -> str:
    with writer(engine).begin() as conn:
        return token_store.create_token(conn, account_id=account_id, project_id=project_id,
                                        name="extra", scopes=scopes, status=status)


def other_account(engine: Engine, name: str = "elsewhere") -> ProjectInfo:
    """A project in a second account, with its default tokens."""
    with writer(engine).begin() as conn:
        account_id = projects.create_account(conn, "other account")
        project, made = projects.create_project(conn, account_id, name)
    return ProjectInfo(project.id, account_id, made)
