"""Exceptionless ingest over HTTP: event posts as the clients send them, the client calls
(config, heartbeat, submit by GET, user descriptions), and every error path with its
status and problem document, the server still serving afterwards."""

from __future__ import annotations

import gzip
import json
import time
import zlib
from typing import Any

import brotli
import httpx
import pytest
from sqlalchemy import Engine, select, update

from tests.support import LiveServer, ProjectInfo
from tracehound.model.event import Event, Level, unpack_data
from tracehound.protocols.exceptionless import ids
from tracehound.store import codec, occurrences
from tracehound.store import tokens as token_store
from tracehound.store.tables import access_tokens
from tracehound.store.tables import occurrences as occurrence_table

NODE_ERROR = {
    "type": "error", "date": "2026-03-01T12:00:00.000Z", "reference_id": "a1b2c3d4e5",
    "tags": ["checkout", "<b>bold</b>"],
    "data": {
        "@error": {
            "type": "TypeError", "message": "x is undefined",
            "stack_trace": [
                {"name": "applyDiscount", "file_name": "/srv/app/cart.js",
                 "line_number": 42, "column": 13, "declaring_type": "Cart"},
                {"name": "checkout", "file_name": "/srv/app/index.js", "line_number": 7},
            ],
            "inner": {"type": "RangeError", "message": "discount out of range",
                      "stack_trace": [{"name": "check", "file_name": "/srv/app/rules.js",
                                       "line_number": 3}]}},
        "@user": {"identity": "ada@example.com", "name": "Ada <script>"},
        "@request": {"http_method": "POST", "path": "/cart/checkout", "host": "shop"},
        "@environment": {"machine_name": "web-1", "o_s_name": "Linux"},
        "@version": "1.4.2", "@level": "error",
        "@submission_method": "uncaughtException"}}
PY_TRACEBACK = ('Traceback (most recent call last):\n'
                '  File "/srv/app/main.py", line {line}, in {function}\n'
                '    1/0\n'
                'ZeroDivisionError: {message}\n')


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post(server: LiveServer, token: str | None, body: Any = None, *, content: bytes | None = None,
         path: str = "/api/v2/events", headers: dict[str, str] | None = None,
         **kw: Any) -> httpx.Response:
    h = {**(auth(token) if token else {}), **(headers or {})}
    if content is None:
        content = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    return server.http.post(server.url + path, content=content, headers=h, **kw)


def accepted(r: httpx.Response) -> None:
    """What every client needs from a post: exactly 202, no body, the config version."""
    assert r.status_code == 202, r.text
    assert r.content == b""
    assert r.headers["x-exceptionless-configversion"] == "1"
    assert r.headers.get("x-ratelimit-remaining") != "0"


def problem(r: httpx.Response, status: int, contains: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and contains in body["title"], body
    assert body["message"] == body["title"]
    assert body["type"].startswith("https://tools.ietf.org/html/")
    return dict(body)


def stored(server: LiveServer, engine: Engine, project: ProjectInfo) -> list[tuple[Any, Event]]:
    server.wait_digested()
    with engine.connect() as conn:
        rows = conn.execute(select(occurrence_table).where(
            occurrence_table.c.project_id == project.id).order_by(occurrence_table.c.id)).all()
    return [(row, codec.unpack(row.payload)) for row in rows]


def items_of(server: LiveServer, project: ProjectInfo) -> list[dict[str, Any]]:
    server.wait_digested()
    r = server.get("/api/1/items/", project.read)
    assert r.status_code == 200, r.text
    return list(r.json()["result"]["items"])


def account_token(engine: Engine, project: ProjectInfo, scopes: list[str]) -> str:
    with engine.begin() as conn:
        return token_store.create_token(conn, account_id=project.account_id, project_id=None,
                                        name="account", scopes=scopes)


# --- what succeeds ---------------------------------------------------------------------

def test_node_array_is_202_and_translated(server: LiveServer, engine: Engine,
                                         project: ProjectInfo) -> None:
    r = post(server, project.post, [NODE_ERROR],
             headers={"User-Agent": "exceptionless-js/3.2.1", "Origin": "https://shop.example"})
    accepted(r)
    assert r.headers["access-control-allow-origin"] == "https://shop.example"
    assert "X-Exceptionless-ConfigVersion" in r.headers["access-control-expose-headers"]
    (item,) = items_of(server, project)
    assert item["title"] == "TypeError: x is undefined"
    assert item["level"] == "error" and item["environment"] == "production"
    ((row, event),) = stored(server, engine, project)
    assert row.reference_id == "a1b2c3d4e5"
    assert event.vendor == "exceptionless" and event.level == Level.ERROR
    assert [e.type for e in event.exceptions] == ["TypeError", "RangeError"]
    frames = event.exceptions[0].frames
    assert [(f.filename, f.lineno, f.method) for f in frames] == [
        ("/srv/app/index.js", 7, "checkout"), ("/srv/app/cart.js", 42, "Cart.applyDiscount")]
    assert event.exceptions[1].frames[0].method == "check"
    assert event.person is not None and event.person.id == "ada@example.com"
    assert event.person.email == "ada@example.com" and event.person.username == "Ada <script>"
    assert event.tags == {"checkout": "", "<b>bold</b>": ""}
    assert event.code_version == "1.4.2" and event.context == "/cart/checkout"
    assert event.host == "web-1" and event.language == "javascript"
    assert event.client_timestamp == 1772366400.0
    data = unpack_data(event.data)
    assert data["data"]["@error"] == NODE_ERROR["data"]["@error"]  # kept in full
    assert data["data"]["@submission_client"]["user_agent"] == "exceptionless-js/3.2.1"
    with engine.connect() as conn:
        (found,) = occurrences.by_reference(conn, project.id, "a1b2c3d4e5")
    assert found.id == row.id


def test_one_object_and_top_level_data_keys(server: LiveServer, engine: Engine,
                                            project: ProjectInfo) -> None:
    body = {"Type": "log", "Message": "Cache warmed", "ReferenceId": "ref-12345678",
            "@user": {"identity": "u-7"}, "source": "app.cache", "value": 3, "count": 2,
            "geo": "32.85,-96.96"}
    accepted(post(server, project.post, body))
    ((row, event),) = stored(server, engine, project)
    assert row.reference_id == "ref-12345678"
    assert event.message == "Cache warmed" and event.level == Level.INFO
    assert event.person is not None and event.person.id == "u-7"
    data = unpack_data(event.data)
    assert data["type"] == "log" and data["reference_id"] == "ref-12345678"
    assert data["data"]["@user"] == {"identity": "u-7"}
    assert (data["value"], data["count"], data["geo"]) == (3, 2, "32.85,-96.96")


def test_text_plain_lines_are_log_events(server: LiveServer, engine: Engine,
                                         project: ProjectInfo) -> None:
    r = post(server, project.post, content=b"Cache warmed\r\n\n  \nWorker 3 started\n",
             headers={"Content-Type": "text/plain; charset=utf-8"})
    accepted(r)
    titles = sorted(i["title"] for i in items_of(server, project))
    assert titles == ["Cache warmed", "Worker 3 started"]
    assert all(e.level == Level.INFO for _, e in stored(server, engine, project))


@pytest.mark.parametrize("encoding,compress", [
    ("gzip", gzip.compress), ("deflate", zlib.compress), ("br", brotli.compress)])
def test_compressed_bodies(server: LiveServer, project: ProjectInfo, encoding: str,
                           compress: Any) -> None:
    body = compress(json.dumps([{"type": "log", "message": "squeezed"}]).encode())
    r = post(server, project.post, content=body,
             headers={"Content-Type": "application/json", "Content-Encoding": encoding})
    accepted(r)
    assert [i["title"] for i in items_of(server, project)] == ["squeezed"]


def test_project_route_and_tokens(server: LiveServer, engine: Engine, project: ProjectInfo,
                                  other_project: ProjectInfo) -> None:
    mine = f"/api/v2/projects/{ids.encode(project.id)}/events"
    accepted(post(server, project.post, {"message": "routed"}, path=mine))
    accepted(post(server, project.client, {"message": "client token"}))  # post_client_item
    theirs = f"/api/v2/projects/{ids.encode(other_project.id)}/events"
    problem(post(server, project.post, {"message": "x"}, path=theirs), 404, "Project not found")
    for bad in ("nothex" * 4, "12", str(project.id), "f" * 24):
        problem(post(server, project.post, {"message": "x"},
                     path=f"/api/v2/projects/{bad}/events"), 404, "Project not found")
    # an account token names its project in the route, or has none to post to
    account = account_token(engine, project, ["read", "write"])
    accepted(post(server, account, {"message": "by account"}, path=mine))
    problem(post(server, account, {"message": "x"}), 400, "No project id specified")
    assert sorted(i["title"] for i in items_of(server, project)) == [
        "by account", "client token", "routed"]
    assert items_of(server, other_project) == []


@pytest.mark.parametrize("header", [
    "Bearer {t}", "token {t}", "Basic {client}", "Basic {oauth}", "Basic {bare}"])
def test_authorization_forms(server: LiveServer, project: ProjectInfo, header: str) -> None:
    import base64

    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    value = header.format(t=project.post, client=b64(f"client:{project.post}"),
                          oauth=b64(f"{project.post}:x-oauth-basic"), bare=b64(f"{project.post}:"))
    accepted(post(server, None, {"message": "hi"}, headers={"Authorization": value}))


@pytest.mark.parametrize("key", ["access_token", "api_key", "apikey"])
def test_query_string_token(server: LiveServer, project: ProjectInfo, key: str) -> None:
    accepted(post(server, None, {"message": "hi"}, params={key: project.post}))
    # a Bearer header wins over the query string
    problem(post(server, "nope-nope-nope", {"message": "hi"}, params={key: project.post}),
            401, "unknown token")


def test_wrong_tokens_are_401(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    body = problem(post(server, None, {"message": "x"}), 401, "Authorization required")
    assert body["instance"] == "POST /api/v2/events"
    problem(post(server, "0" * 32, {"message": "x"}), 401, "unknown token")
    problem(post(server, "<script>", {"message": "x"}), 401, "unknown token")
    problem(post(server, None, {"message": "x"}, headers={"Authorization": "Bearer"}),
            401, "no credentials")
    problem(post(server, None, {"message": "x"}, headers={"Authorization": "Basic %%%"}),
            401, "base64")
    with engine.begin() as conn:
        conn.execute(update(access_tokens).where(access_tokens.c.token == project.post)
                     .values(status="disabled"))
    problem(post(server, project.post, {"message": "x"}), 401, "disabled")
    assert server.http.get(server.url + "/health").status_code == 200


def test_read_only_token_cannot_post(server: LiveServer, project: ProjectInfo) -> None:
    body = problem(post(server, project.read, {"message": "x"}), 403, "'client' role")
    assert body["instance"] == "POST /api/v2/events"


def test_malformed_bodies_are_400(server: LiveServer, project: ProjectInfo) -> None:
    problem(post(server, project.post, content=b'{"message": "x",',
                 headers={"Content-Type": "application/json"}), 400, "invalid JSON")
    problem(post(server, project.post, content=b"[1, 2",
                 headers={"Content-Type": "text/plain"}), 400, "invalid JSON")
    problem(post(server, project.post, content=b"42",
                 headers={"Content-Type": "application/json"}), 400, "Expected an event")
    problem(post(server, project.post, content=b"not json",
                 headers={"Content-Type": "application/json"}), 400, "invalid JSON")
    problem(post(server, project.post, content=b"\x1f\x8bnot gzip",
                 headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}),
            400, "could not decompress")
    problem(post(server, project.post, content=b"{}",
                 headers={"Content-Type": "application/json", "Content-Encoding": "zstd"}),
            400, "unsupported Content-Encoding")


def test_length_and_media_type(server: LiveServer, project: ProjectInfo) -> None:
    problem(post(server, project.post, content=b""), 411, "Content-Length is 0")
    problem(post(server, project.post, content=b"message=x",
                 headers={"Content-Type": "application/x-www-form-urlencoded"}),
            415, "Unsupported Content-Type")
    # no Content-Type at all: sniffed
    accepted(server.http.post(server.url + "/api/v2/events", content=b'{"message": "bare"}',
                              headers=auth(project.post)))


def test_oversize_is_413(server: LiveServer, project: ProjectInfo) -> None:
    limit = server.settings.max_body_bytes
    big = json.dumps({"message": "x" * (limit + 10)}).encode()
    problem(post(server, project.post, content=big, headers={"Content-Type": "text/plain"}),
            413, "too large")

    def chunks():  # type: ignore[no-untyped-def]  # no Content-Length: bounded while read
        for _ in range(limit // 65536 + 2):
            yield b"y" * 65536

    problem(post(server, project.post, content=chunks(),  # type: ignore[arg-type]
                 headers={"Content-Type": "text/plain"}), 413, "too large")


@pytest.mark.parametrize("encoding,compress", [
    ("gzip", gzip.compress), ("deflate", zlib.compress), ("br", brotli.compress)])
def test_compression_bombs_are_413_fast(server: LiveServer, project: ProjectInfo,
                                        encoding: str, compress: Any) -> None:
    bomb = compress(b'{"message": "' + b"a" * (200 * 1024 * 1024) + b'"}')
    assert len(bomb) < server.settings.max_body_bytes
    r = post(server, project.post, content=bomb, timeout=5,
             headers={"Content-Type": "application/json", "Content-Encoding": encoding})
    problem(r, 413, "too large")
    assert r.elapsed.total_seconds() < 1.0


def test_deep_nesting_and_huge_arrays(server: LiveServer, engine: Engine,
                                      project: ProjectInfo) -> None:
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    problem(post(server, project.post, content=b'{"message": "x", "data": {"d": %s}}'
                 % deep.encode(), headers={"Content-Type": "application/json"}),
            400, "invalid JSON")
    nested = '{"a":' * 900 + "1" + "}" * 900
    accepted(post(server, project.post, content=b'{"message": "deep", "data": {"d": %s}}'
                  % nested.encode(), headers={"Content-Type": "application/json"}))
    problem(post(server, project.post, [{"message": "n"}] * 1001), 413, "Too many events")
    accepted(post(server, project.post, [{"type": "log", "message": f"line {i}"}
                                         for i in range(1000)] + [1, "two", None]))
    events = stored(server, engine, project)
    assert len(events) == 1001
    titles = {i["title"]: i["total_occurrences"] for i in items_of(server, project)}
    # "line <n>" masks the number: one item of 1000 occurrences
    assert titles["deep"] == 1 and sorted(titles.values()) == [1, 1000]
    assert server.http.get(server.url + "/health").json()["dropped_items"][
        "exceptionless.not_an_object"] == 3


def test_odd_values_are_kept_not_refused(server: LiveServer, engine: Engine,
                                         project: ProjectInfo) -> None:
    odd = {"type": "log", "message": "", "source": "s" * 5000, "date": "yesterday-ish",
           "tags": "not-a-list", "reference_id": "bad id!", "data": ["not", "an", "object"],
           "count": 1e308, "@stack": "plain text, no traceback",
           "message_html": "<img src=x onerror=alert(1)>"}
    accepted(post(server, project.post, odd))
    ((row, event),) = stored(server, engine, project)
    assert row.reference_id is None and event.client_timestamp is None
    data = unpack_data(event.data)
    assert data["reference_id"] == "invalid-reference-id"
    assert data["data"]["InvalidReferenceId"] == "bad id!"
    assert data["data"]["_data"] == ["not", "an", "object"]
    assert data["data"]["_@stack"] == "plain text, no traceback"
    assert data["data"]["message_html"] == "<img src=x onerror=alert(1)>"
    assert len(data["source"]) == 2000 and "message" not in data
    assert {n.path for n in event.notes} >= {"source", "tags", "reference_id", "data"}


def test_heartbeat_and_sessionend_events_are_not_stored(server: LiveServer, engine: Engine,
                                                        project: ProjectInfo) -> None:
    accepted(post(server, project.post, [{"type": "heartbeat", "reference_id": "abcdefgh"},
                                         {"type": "sessionend"}, {"type": "session",
                                                                  "reference_id": "sess-1234"}]))
    ((row, event),) = stored(server, engine, project)
    assert row.reference_id == "sess-1234" and event.level == Level.INFO


def test_rate_limit_is_429_and_success_never_says_zero(server: LiveServer, engine: Engine,
                                                       project: ProjectInfo) -> None:
    with engine.begin() as conn:
        conn.execute(update(access_tokens).where(access_tokens.c.token == project.post)
                     .values(rate_limit_window_size=60, rate_limit_window_count=2))
    first = post(server, project.post, {"message": "one"})
    accepted(first)
    assert first.headers["x-ratelimit-limit"] == "2"
    assert first.headers["x-ratelimit-remaining"] == "1"
    last = post(server, project.post, {"message": "two"})
    accepted(last)  # the last call of the window: no "Remaining: 0" on a success
    assert "x-ratelimit-remaining" not in last.headers
    refused = post(server, project.post, {"message": "three"})
    problem(refused, 429, "Rate limit")
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert 0 < int(refused.headers["retry-after"]) <= 60


# --- grouping --------------------------------------------------------------------------

def test_python_tracebacks_group_by_raise_site(server: LiveServer, engine: Engine,
                                               project: ProjectInfo) -> None:
    def py(line: int, function: str, message: str) -> dict[str, Any]:
        return {"type": "error", "message": message, "date": "2026-12-01T10:00:00.123456Z",
                "@stack": PY_TRACEBACK.format(line=line, function=function, message=message),
                "@environment": {"os": "Linux", "python_version": "3.12.1",
                                 "hostname": "worker-2"}, "data": {"id": "123"}}

    # grouping uses the file and function of each frame, never the line (a line moves
    # with every edit above it): the first two are one error, the third another
    for body in (py(10, "handler", "division by zero"), py(12, "handler", "zero (again)"),
                 py(20, "other_handler", "division by zero")):
        accepted(post(server, project.post, body, headers={"User-Agent": "python-requests/2"}))
    items = sorted(items_of(server, project), key=lambda i: -i["total_occurrences"])
    assert [i["total_occurrences"] for i in items] == [2, 1]
    assert items[0]["title"] == "ZeroDivisionError: division by zero"
    _, event = stored(server, engine, project)[0]
    (exc,) = event.exceptions
    assert exc.type == "ZeroDivisionError"
    assert [(f.filename, f.lineno, f.method) for f in exc.frames] == [
        ("/srv/app/main.py", 10, "handler")]
    assert event.language == "python" and event.host == "worker-2"


def test_logs_group_by_source_and_message(server: LiveServer, project: ProjectInfo) -> None:
    logs = [{"type": "log", "source": "worker", "message": "job 17 done"},
            {"type": "log", "source": "worker", "message": "job 18 done"},
            {"type": "log", "source": "mailer", "message": "job 19 done"},
            {"type": "log", "source": "worker", "message": "queue empty",
             "data": {"@level": "Warn"}}]
    accepted(post(server, project.post, logs))
    items = {(i["title"], i["level"]): i["total_occurrences"] for i in items_of(server, project)}
    assert items == {("job 17 done", "info"): 2, ("job 19 done", "info"): 1,
                     ("queue empty", "warning"): 1}


# --- client calls ----------------------------------------------------------------------

def test_config(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    url = server.url + "/api/v2/projects/config"
    r = server.http.get(url, headers=auth(project.post))
    assert r.status_code == 200 and r.json() == {"version": 1, "settings": {}}
    assert r.headers["x-exceptionless-configversion"] == "1"
    r = server.http.get(url, params={"v": "1"}, headers=auth(project.client))
    assert r.status_code == 304 and r.content == b""
    assert server.http.get(url, params={"v": "0"}, headers=auth(project.post)).status_code == 200
    routed = f"{server.url}/api/v2/projects/{ids.encode(project.id)}/config"
    assert server.http.get(routed, headers=auth(project.post)).status_code == 200
    problem(server.http.get(f"{server.url}/api/v2/projects/{'0' * 23}9/config",
                            headers=auth(project.post)), 404, "Project not found")
    problem(server.http.get(url, headers=auth(project.read)), 403, "'client' role")
    problem(server.http.get(url, headers=auth("f" * 32)), 401, "unknown token")
    account = account_token(engine, project, ["read", "write"])
    problem(server.http.get(url, headers=auth(account)), 401, "No project id")


def test_heartbeat(server: LiveServer, project: ProjectInfo) -> None:
    url = server.url + "/api/v2/events/session/heartbeat"
    for params in ({"id": "sess-1234", "close": "false"}, {"id": "u", "close": "true"}, {}):
        r = server.http.get(url, params=params, headers=auth(project.post))
        assert r.status_code == 200 and r.content == b""
    problem(server.http.get(url, params={"id": "x"}), 401, "Authorization required")


def test_submit_by_get(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    r = server.http.get(server.url + "/api/v2/events/submit/usage", params=[
        ("access_token", project.post), ("source", "export"), ("value", "3"),
        ("tags", "a,b"), ("tags", "c"), ("identity", "u-1"), ("identity.name", "Ada"),
        ("plan", "pro"), ("plan", "team"), ("reference", "get-ref-1")])
    assert r.status_code == 200 and r.content == b"", r.text
    assert r.headers["x-exceptionless-configversion"] == "1"
    r = server.http.get(server.url + "/api/v2/events/submit",
                        params={"access_token": project.post})  # names nothing
    assert r.status_code == 200
    ((row, event),) = stored(server, engine, project)
    data = unpack_data(event.data)
    assert data["type"] == "usage" and data["value"] == 3.0 and data["source"] == "export"
    assert data["tags"] == ["a", "b", "c"] and data["data"]["plan"] == ["pro", "team"]
    assert event.person is not None and event.person.username == "Ada"
    assert row.reference_id == "get-ref-1"
    (item,) = items_of(server, project)
    assert item["title"] == "export"


def test_user_description(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    accepted(post(server, project.post, NODE_ERROR))
    url = server.url + "/api/v2/events/by-ref/a1b2c3d4e5/user-description"
    r = server.http.post(url, json={"email_address": "ada@example.com",
                                    "description": "I clicked <b>pay</b>"},
                         headers=auth(project.post))
    accepted(r)
    deadline = time.monotonic() + 10
    while True:
        ((_, event),) = stored(server, engine, project)
        described = unpack_data(event.data)["data"].get("@user_description")
        if described or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert described == {"email_address": "ada@example.com",
                         "description": "I clicked <b>pay</b>"}
    body = problem(server.http.post(url, json={"email_address": "not-an-email"},
                                    headers=auth(project.post)), 422, "Validation")
    assert body["errors"] == {"email_address": ["A valid e-mail address is required."]}
    body = problem(server.http.post(url, json={}, headers=auth(project.post)), 422,
                   "Validation")
    assert list(body["errors"]) == ["description"]
    problem(server.http.post(url, json=["x"], headers=auth(project.post)), 400, "JSON object")
    problem(server.http.post(server.url + "/api/v2/events/by-ref/short/user-description",
                             json={"description": "x"}, headers=auth(project.post)),
            404, "Not found")
    problem(server.http.post(url, json={"description": "x"}, headers=auth(project.read)),
            403, "'client' role")


def test_preflight_on_any_v2_path(server: LiveServer) -> None:
    for path in ("/api/v2/events", "/api/v2/projects/config", "/api/v2/stacks/abc"):
        r = server.http.options(server.url + path, headers={
            "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert r.status_code == 204
        assert r.headers["access-control-allow-origin"] == "https://app.example"
        assert r.headers["access-control-allow-credentials"] == "true"
        assert r.headers["access-control-allow-headers"] == "authorization, content-type"
        assert r.headers["access-control-max-age"] == "300"


@pytest.mark.parametrize("content,ctype", [
    (b"\x00\xff\xfe garbage", "text/plain"), (b"{" * 100, "application/json"),
    (b'[{"data": {"@error": "{\\"type\\": 1}"}}]', "application/json"),
    (b'[{"type": "error", "data": {"@error": {"inner": {"inner": {}}, "stack_trace": 5}}}]',
     "application/json"),
    (b'{"type": "error", "data": {"@simple_error": {"stack_trace": ["x"]}}}', "text/plain"),
    (b'{"type": "404", "data": {"@request": {"path": 7}}}', ""),
    ("тест\n☃".encode("utf-16"), "text/plain; charset=utf-16"),
    (b"latin", "text/plain; charset=no-such-charset"),
])
def test_no_500_for_odd_input(server: LiveServer, project: ProjectInfo, content: bytes,
                              ctype: str) -> None:
    r = post(server, project.post, content=content,
             headers={"Content-Type": ctype} if ctype else {})
    assert r.status_code in (202, 400), r.text
    server.wait_digested()
    assert server.http.get(server.url + "/health").json()["status"] == "ok"
