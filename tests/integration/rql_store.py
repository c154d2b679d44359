"""The RQL fixture store, filled through the real ingest (Rollbar and Sentry over HTTP)."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.query import rql


def trace(cls: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"environment": "production", "platform": "python", "framework": "flask",
            "language": "python",
            "body": {"trace": {"exception": {"class": cls, "message": message},
                               "frames": [{"filename": "app/cart.py", "lineno": 3,
                                           "method": "checkout"}]}},
            **extra}


def sentry_event() -> bytes:
    event = {"event_id": "fc6d8c0c43fc4630ad850ee518f1b9d0", "platform": "python",
             "level": "error", "environment": "production", "server_name": "web-1",
             "exception": {"values": [{"type": "ZeroDivisionError", "value": "division by zero",
                                       "stacktrace": {"frames": [{"filename": "shop/cart.py",
                                                                  "function": "apply",
                                                                  "lineno": 42,
                                                                  "in_app": True}]}}]},
             "user": {"id": "u-77"}}
    body = json.dumps(event).encode()
    return b"\n".join([json.dumps({"event_id": event["event_id"]}).encode(),
                       json.dumps({"type": "event", "length": len(body)}).encode(), body]) + b"\n"


def fill(server: LiveServer, project: ProjectInfo, other: ProjectInfo) -> None:
    """Items get counters 1 (KeyError ×3), 2 (warning message ×2), 3 (ValueError in a
    trace_chain), 4 (Sentry ZeroDivisionError); the other project holds 2 secrets."""
    def post(token: str, data: dict[str, Any]) -> None:
        r = server.post_item(token, data)
        assert r.status_code == 200, r.text

    for n, user in ((1, "u1"), (2, "u2"), (3, "u1")):
        post(project.post, trace("KeyError", "'sku'", person={"id": user},
                                 custom={"n": n, "flag": n == 2},
                                 request={"url": f"https://shop.test/Cart/{n}",
                                          "headers": {"User-Agent": f"agent/{n}"}}))
    server.wait_digested()
    for _ in range(2):
        post(project.post, {"environment": "staging", "level": "warning",
                            "body": {"message": {"body": "hello world"}}})
    server.wait_digested()
    post(project.post, {"environment": "production", "body": {"trace_chain": [
        {"exception": {"class": "ValueError", "message": "bad"}, "frames": []},
        {"exception": {"class": "OSError", "message": "disk"}, "frames": []}]}})
    server.wait_digested()
    r = server.http.post(f"{server.url}/api/{project.id}/envelope/", content=sentry_event(),
                         headers={"X-Sentry-Auth": f"Sentry sentry_key={project.post}, "
                                                   "sentry_version=7"})
    assert r.status_code == 200, r.text
    for _ in range(2):
        post(other.post, trace("Secret", "other project's data",
                               person={"id": "intruder"}, custom={"n": 1000}))
    server.wait_digested()
    for body in ({"environment": "production", "revision": "abc", "comment": "first",
                  "local_username": "ann"},
                 {"environment": "staging", "revision": "def"}):
        r = server.http.post(server.url + "/api/1/deploy",
                             json={"access_token": project.post, **body})
        assert r.status_code == 200, r.text
    r = server.http.post(server.url + "/api/1/deploy",
                         json={"access_token": other.post, "environment": "production",
                               "revision": "secret-rev"})
    assert r.status_code == 200, r.text


def run(engine: Engine, project_id: int, query: str, **kw: Any) -> rql.RqlResult:
    kw.setdefault("deadline", time.monotonic() + 30)
    with engine.connect() as conn:
        return rql.execute(conn, project_id, query, **kw)
