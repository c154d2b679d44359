"""Bugsnag notify and sessions over HTTP: payloads as the notifiers send them (v4 from
bugsnag-python, v4/v5 from @bugsnag/js), read back through the Rollbar REST API and the
stored events; every error path with its status and `{"errors": [...]}` body; hostile
input never a 500, the server still serving afterwards."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import time
import zlib
from datetime import UTC, datetime
from typing import Any

import brotli
import httpx
import pytest
from sqlalchemy import Engine, select, update

from tests.support import LiveServer, ProjectInfo
from tracehound.model.event import Event, Level, unpack_data
from tracehound.store import codec
from tracehound.store import tokens as token_store
from tracehound.store.tables import access_tokens
from tracehound.store.tables import occurrences as occurrence_table

NOTIFIER = {"name": "Python Bugsnag Notifier", "version": "4.9.2",
            "url": "https://github.com/bugsnag/bugsnag-python"}
PY_EVENT: dict[str, Any] = {
    "severity": "error", "severityReason": {"type": "unhandledException"}, "unhandled": True,
    "releaseStage": "production", "app": {"version": "1.4.2", "type": None},
    "context": "POST /checkout", "groupingHash": None,
    "exceptions": [{
        "errorClass": "ZeroDivisionError", "message": "division by zero", "type": "python",
        "stacktrace": [
            {"file": "shop/cart.py", "lineNumber": 42, "method": "apply_discount",
             "inProject": True,
             "code": {"41": "    total = sum(items)", "42": "    return total / count",
                      "43": ""}},
            {"file": "flask/app.py", "lineNumber": 880, "method": "full_dispatch_request",
             "inProject": False, "code": None}]}],
    "metaData": {"request": {"url": "https://shop.example.com/checkout"},
                 "custom": {"cart": "<script>alert(1)</script>"}},
    "user": {"id": "u-77", "name": "Ada", "email": "ada@example.com"},
    "device": {"hostname": "web-1", "runtimeVersions": {"python": "3.12.1"}},
    "projectRoot": "/srv/shop", "libRoot": "/usr/lib/python3.12/site-packages",
    "session": {"id": "3f2b", "startedAt": "2026-07-22T10:15:00",
                "events": {"handled": 0, "unhandled": 1}},
    "breadcrumbs": [{"timestamp": "2026-07-22T10:15:29", "name": "GET /cart",
                     "type": "navigation", "metaData": {}}],
    "featureFlags": []}
JS_EVENT: dict[str, Any] = {
    "payloadVersion": "4",
    "exceptions": [
        {"errorClass": "TypeError", "errorMessage": "x is undefined",
         "message": "x is undefined", "type": "nodejs",
         "stacktrace": [
             {"file": "/srv/app/cart.js", "lineNumber": 12, "columnNumber": 7,
              "method": "applyDiscount", "inProject": True},
             {"file": "/srv/app/node_modules/express/lib/router.js", "lineNumber": 95,
              "columnNumber": 5, "method": "handle", "inProject": False}]},
        {"errorClass": "RangeError", "message": "discount out of range", "type": "nodejs",
         "stacktrace": [{"file": "/srv/app/rules.js", "lineNumber": 3, "method": "check",
                         "inProject": True}]}],
    "severity": "warning", "unhandled": False,
    "severityReason": {"type": "handledException"},
    "app": {"releaseStage": "staging", "version": "2.0.1", "type": "node"},
    "device": {"hostname": "node-7", "time": "2026-07-22T10:15:30.000Z",
               "runtimeVersions": {"node": "22.1.0"}},
    "request": {"url": "/cart", "httpMethod": "POST", "clientIp": "10.0.0.1"},
    "breadcrumbs": [], "context": "POST /cart", "groupingHash": None,
    "metaData": {}, "user": {"email": "bob@example.com"}, "featureFlags": []}


def payload(*events: dict[str, Any], key: str | None = None,
            notifier: dict[str, Any] | None = None, version: str | None = "4.0") -> dict[str, Any]:
    body: dict[str, Any] = {"notifier": notifier or NOTIFIER, "events": list(events)}
    if key:
        body["apiKey"] = key
    if version:
        body["payloadVersion"] = version
    return body


def send(server: LiveServer, key: str | None, body: Any = None, *, content: bytes | None = None,
         path: str = "/bugsnag/notify", headers: dict[str, str] | None = None,
         **kw: Any) -> httpx.Response:
    h = {"Content-Type": "application/json", "Bugsnag-Payload-Version": "4.0",
         "Bugsnag-Sent-At": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")}
    if key:
        h["Bugsnag-Api-Key"] = key
    h.update(headers or {})
    if content is None:
        content = json.dumps(body).encode()
    return server.http.post(server.url + path, content=content, headers=h, **kw)


def ok(r: httpx.Response) -> None:
    assert r.status_code == 200, r.text
    assert r.text == "OK"
    assert r.headers["access-control-allow-origin"] == "*"


def error(r: httpx.Response, status: int, contains: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    assert contains in body["errors"][0], body


def items_of(server: LiveServer, project: ProjectInfo) -> list[dict[str, Any]]:
    server.wait_digested()
    r = server.get("/api/1/items/", project.read)
    assert r.status_code == 200, r.text
    return list(r.json()["result"]["items"])


def stored(server: LiveServer, engine: Engine, project: ProjectInfo) -> list[Event]:
    server.wait_digested()
    with engine.connect() as conn:
        rows = conn.execute(select(occurrence_table.c.payload).where(
            occurrence_table.c.project_id == project.id).order_by(occurrence_table.c.id)).all()
    return [codec.unpack(row.payload) for row in rows]


def sessions_counted(server: LiveServer) -> int:
    return int(server.http.get(server.url + "/health").json()["dropped_items"]
               .get("bugsnag.sessions", 0))


def account_token(engine: Engine, project: ProjectInfo, scopes: list[str],
                  project_id: int | None = None, status: str = "enabled") -> str:
    with engine.begin() as conn:
        return token_store.create_token(conn, account_id=project.account_id,
                                        project_id=project_id, name="extra", scopes=scopes,
                                        status=status)


# --- what succeeds ---------------------------------------------------------------------

def test_python_v4_event_is_200_ok_and_translated(server: LiveServer, engine: Engine,
                                                  project: ProjectInfo) -> None:
    ok(send(server, project.post, payload(PY_EVENT, key=project.post)))
    (item,) = items_of(server, project)
    assert item["title"] == "ZeroDivisionError: division by zero"
    assert item["level"] == "error" and item["environment"] == "production"
    assert item["language"] == "python" and item["framework"] == "Python Bugsnag Notifier"
    (event,) = stored(server, engine, project)
    assert event.vendor == "bugsnag" and event.level == Level.ERROR
    assert event.code_version == "1.4.2" and event.host == "web-1"
    assert event.context == "POST /checkout" and event.server_root == "/srv/shop"
    assert event.person is not None and (event.person.id, event.person.username,
                                         event.person.email) == ("u-77", "Ada",
                                                                 "ada@example.com")
    assert event.tags == {"unhandled": "true", "severity_reason": "unhandledException"}
    # frames oldest call first; inProject is in_app
    frames = event.exceptions[0].frames
    assert [(f.filename, f.lineno, f.method, f.in_app) for f in frames] == [
        ("flask/app.py", 880, "full_dispatch_request", False),
        ("shop/cart.py", 42, "apply_discount", True)]
    # the whole event is kept: code keys are strings, metaData as sent (HTML untouched),
    # the release stage also under app, the notifier and version added, no API key
    data = unpack_data(event.data)
    assert data["exceptions"][0]["stacktrace"][0]["code"]["42"] == "    return total / count"
    assert data["metaData"]["custom"]["cart"] == "<script>alert(1)</script>"
    assert data["app"] == {"version": "1.4.2", "type": None, "releaseStage": "production"}
    assert data["notifier"] == NOTIFIER and data["payloadVersion"] == "4.0"
    assert data["breadcrumbs"][0]["name"] == "GET /cart"
    assert "apiKey" not in data and project.post not in json.dumps(data)


def test_js_v5_event_key_in_body_only(server: LiveServer, engine: Engine,
                                      project: ProjectInfo) -> None:
    sent_at = "2026-07-22T10:15:40.000Z"  # the notifier's clock: 10 s after the event
    before = time.time()
    ok(send(server, None, payload(JS_EVENT, key=project.post, version=None,
                                  notifier={"name": "Bugsnag Node", "version": "9.0.0"}),
            headers={"Bugsnag-Payload-Version": "5", "Bugsnag-Sent-At": sent_at}))
    (item,) = items_of(server, project)
    assert item["title"] == "TypeError: x is undefined"
    assert item["level"] == "warning" and item["environment"] == "staging"
    assert item["language"] == "javascript" and item["framework"] == "Bugsnag Node"
    (event,) = stored(server, engine, project)
    assert [e.type for e in event.exceptions] == ["TypeError", "RangeError"]
    assert event.exceptions[1].message == "discount out of range"
    top = event.exceptions[0].frames[-1]
    assert (top.filename, top.lineno, top.colno, top.in_app) == ("/srv/app/cart.js", 12, 7,
                                                                 True)
    assert event.code_version == "2.0.1" and event.host == "node-7"
    assert event.person is not None and event.person.id == "bob@example.com"
    assert event.tags == {"unhandled": "false", "severity_reason": "handledException"}
    # device.time moved by the notifier's skew: it happened 10 s before it was sent
    assert event.client_timestamp is not None
    assert before - 10 - 1 <= event.client_timestamp <= time.time() - 10 + 1
    assert unpack_data(event.data)["payloadVersion"] == "4"  # the event's own, kept


@pytest.mark.parametrize("path", ["/bugsnag/notify", "/bugsnag/notify/", "/notify",
                                  "/notify/", "/"])
def test_every_notify_path(server: LiveServer, project: ProjectInfo, path: str) -> None:
    ok(send(server, project.post, payload(PY_EVENT), path=path))
    assert len(items_of(server, project)) == 1


@pytest.mark.parametrize("version", ["4", "4.0", "5", "1.0", "banana"])
def test_any_payload_version_and_sent_at(server: LiveServer, project: ProjectInfo,
                                         version: str) -> None:
    for sent_at in ("2026-07-22T10:15:30", "2026-07-22T10:15:30.123Z",
                    "2026-07-22T12:15:30+02:00", "not a date", ""):
        ok(send(server, project.post, payload(PY_EVENT, version=version),
                headers={"Bugsnag-Payload-Version": version, "Bugsnag-Sent-At": sent_at}))
    (item,) = items_of(server, project)
    assert item["total_occurrences"] == 5


def test_several_events_in_one_request(server: LiveServer, engine: Engine,
                                       project: ProjectInfo) -> None:
    info = {**PY_EVENT, "severity": "info", "exceptions": [
        {"errorClass": "Notice", "message": "cache cold", "stacktrace": []}]}
    ok(send(server, project.post, payload(PY_EVENT, JS_EVENT, info, 7, "x", None)))
    events = stored(server, engine, project)
    assert sorted(e.level for e in events) == [Level.INFO, Level.WARNING, Level.ERROR]
    assert sorted(i["title"] for i in items_of(server, project)) == [
        "Notice: cache cold", "TypeError: x is undefined", "ZeroDivisionError: division by zero"]


def test_grouping_hash_is_an_explicit_fingerprint(server: LiveServer,
                                                  project: ProjectInfo) -> None:
    """Other classes, one groupingHash → one item (items are per environment, as always)."""
    production = {**JS_EVENT["app"], "releaseStage": "production"}
    a = {**PY_EVENT, "groupingHash": "checkout-failures"}
    b = {**JS_EVENT, "app": production, "groupingHash": "checkout-failures"}
    c = {**JS_EVENT, "app": production, "groupingHash": "other"}
    for event in (a, b, c):
        ok(send(server, project.post, payload(event)))
    items = items_of(server, project)
    assert len(items) == 2
    grouped = [i for i in items if i["total_occurrences"] == 2]
    assert len(grouped) == 1 and "checkout-failures" in grouped[0]["fingerprint_key"]
    assert grouped[0]["title"] == "ZeroDivisionError: division by zero"  # the first event's


def test_default_grouping_uses_in_project_frames(server: LiveServer,
                                                 project: ProjectInfo) -> None:
    """Same in-project frames, other messages and other library frames → one item;
    another in-project frame → another item."""
    first = copy.deepcopy(PY_EVENT)
    second = copy.deepcopy(PY_EVENT)
    second["exceptions"][0]["message"] = "float division by zero"
    second["exceptions"][0]["stacktrace"][1] = {
        "file": "django/core/handlers.py", "lineNumber": 55, "method": "inner",
        "inProject": False}
    third = copy.deepcopy(PY_EVENT)
    third["exceptions"][0]["stacktrace"][0]["method"] = "apply_coupon"
    for event in (first, second, third):
        ok(send(server, project.post, payload(event)))
    counts = sorted(i["total_occurrences"] for i in items_of(server, project))
    assert counts == [1, 2]


def test_gzip_deflate_brotli_bodies(server: LiveServer, project: ProjectInfo) -> None:
    raw = json.dumps(payload(PY_EVENT)).encode()
    for encoding, compress in (("gzip", gzip.compress), ("deflate", zlib.compress),
                               ("br", brotli.compress)):
        ok(send(server, project.post, content=compress(raw),
                headers={"Content-Encoding": encoding}))
    assert items_of(server, project)[0]["total_occurrences"] == 3


def test_integrity_header(server: LiveServer, project: ProjectInfo) -> None:
    raw = json.dumps(payload(PY_EVENT)).encode()
    ok(send(server, project.post, content=raw,
            headers={"Bugsnag-Integrity": "sha1 " + hashlib.sha1(raw).hexdigest()}))
    ok(send(server, project.post, content=raw, headers={"Bugsnag-Integrity": f"simple {len(raw)}"}))
    error(send(server, project.post, content=raw, headers={"Bugsnag-Integrity": "sha1 00ff"}),
          400, "Bugsnag-Integrity")
    error(send(server, project.post, content=raw, headers={"Bugsnag-Integrity": "simple 3"}),
          400, "Bugsnag-Integrity")
    assert items_of(server, project)[0]["total_occurrences"] == 2


def test_cors_preflight_and_answers(server: LiveServer, project: ProjectInfo) -> None:
    for path in ("/bugsnag/notify", "/notify", "/bugsnag/sessions", "/sessions", "/"):
        r = server.http.options(server.url + path, headers={
            "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, bugsnag-api-key, "
                                              "bugsnag-payload-version, bugsnag-sent-at"})
        assert r.status_code == 204, (path, r.text)
        assert r.headers["access-control-allow-origin"] == "*"
        assert "POST" in r.headers["access-control-allow-methods"]
        assert "bugsnag-api-key" in r.headers["access-control-allow-headers"]
    r = send(server, project.client, payload(JS_EVENT), headers={"Origin": "https://shop.example"})
    ok(r)
    # the browser's key is the project's client token; an error answer carries CORS too
    r = send(server, "0" * 32, payload(JS_EVENT), headers={"Origin": "https://shop.example"})
    error(r, 401, "Invalid API key")
    assert r.headers["access-control-allow-origin"] == "*"


def test_sessions_are_202_and_counted(server: LiveServer, project: ProjectInfo) -> None:
    before = sessions_counted(server)
    py = {"notifier": NOTIFIER, "device": {"hostname": "web-1"},
          "app": {"releaseStage": "production"},
          "sessionCounts": [{"startedAt": "2026-07-22T10:15:00", "sessionsStarted": 12},
                            {"startedAt": "2026-07-22T10:16:00", "sessionsStarted": 3},
                            {"startedAt": "x", "sessionsStarted": -5}, "junk"]}
    browser = {"notifier": NOTIFIER, "sessions": [
        {"id": "s1", "startedAt": "2026-07-22T10:15:00Z", "user": {"id": "u"}}, {"id": "s2"}]}
    for path in ("/bugsnag/sessions", "/sessions/"):
        r = send(server, project.post, py, path=path, headers={"Bugsnag-Payload-Version": "1.0"})
        assert r.status_code == 202 and r.text == "Accepted", r.text
        assert r.headers["access-control-allow-origin"] == "*"
    r = send(server, project.client, browser, path="/sessions")
    assert r.status_code == 202
    # one URL for both: a sessions payload on the notify path is sessions
    assert send(server, project.post, browser, path="/bugsnag/notify").status_code == 202
    assert sessions_counted(server) - before == 15 * 2 + 2 + 2
    assert items_of(server, project) == []
    # sessions need a key too
    error(send(server, None, py, path="/sessions"), 401, "No API key")


# --- what is refused -------------------------------------------------------------------

def test_keys_that_are_not_notifier_keys_are_401(server: LiveServer, engine: Engine,
                                                  project: ProjectInfo) -> None:
    body = payload(PY_EVENT)
    error(send(server, None, body), 401, "No API key")
    error(send(server, "0123456789abcdef0123456789abcdef", body), 401, "Invalid API key")
    error(send(server, project.read, body), 401, "cannot report errors")
    account = account_token(engine, project, ["read", "write"])
    error(send(server, account, body), 401, "cannot report errors")
    disabled = account_token(engine, project, ["post_server_item"], project.id, "disabled")
    error(send(server, disabled, body), 401, "disabled")
    error(send(server, None, {**body, "apiKey": "nope"}), 401, "Invalid API key")
    error(send(server, None, {**body, "apiKey": 12}), 401, "No API key")
    error(send(server, "x" * 10_000, body), 401, "Invalid API key")
    # a bad header key is refused even when the body's key is good: the header wins
    error(send(server, "nope", {**body, "apiKey": project.post}), 401, "Invalid API key")
    assert items_of(server, project) == []


def test_rate_limit_is_429_with_retry_after(server: LiveServer, engine: Engine,
                                            project: ProjectInfo) -> None:
    with engine.begin() as conn:
        conn.execute(update(access_tokens).where(access_tokens.c.token == project.post)
                     .values(rate_limit_window_size=60, rate_limit_window_count=2))
    ok(send(server, project.post, payload(PY_EVENT)))
    ok(send(server, project.post, payload(PY_EVENT)))
    refused = send(server, project.post, payload(PY_EVENT))
    error(refused, 429, "Rate limit")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["access-control-allow-origin"] == "*"
    # sessions are not rate limited: they store nothing
    r = send(server, project.post, {"sessionCounts": [{"sessionsStarted": 1}]}, path="/sessions")
    assert r.status_code == 202
    assert items_of(server, project)[0]["total_occurrences"] == 2


def test_another_projects_key_reports_to_that_project(server: LiveServer,
                                                      project: ProjectInfo,
                                                      other_project: ProjectInfo) -> None:
    ok(send(server, other_project.post, payload(PY_EVENT, key=project.post)))
    assert items_of(server, project) == []
    assert len(items_of(server, other_project)) == 1


def test_malformed_bodies_are_400(server: LiveServer, project: ProjectInfo) -> None:
    for content, message in ((b"", "Empty body"), (b"   ", "Empty body"),
                             (b"{", "invalid JSON"), (b"\xff\xfe{}", "invalid JSON"),
                             (b"[1, 2]", "Expected a JSON object"),
                             (b'"events"', "Expected a JSON object"),
                             (b"{}", "Expected an `events` array"),
                             (b'{"events": {"a": 1}}', "must be an array"),
                             (b'{"events": "x"}', "must be an array")):
        error(send(server, project.post, content=content), 400, message)
    error(send(server, project.post, content=b"{}", path="/sessions"), 400,
          "sessionCounts")
    error(send(server, project.post, content=b"nope", headers={"Content-Encoding": "gzip"}),
          400, "decompress")
    error(send(server, project.post, content=b"{}", headers={"Content-Encoding": "zip"}),
          400, "Content-Encoding")
    ok(send(server, project.post, payload()))  # no events at all: nothing to store
    assert items_of(server, project) == []


def test_oversize_and_too_many_events_are_413(server: LiveServer, project: ProjectInfo) -> None:
    limit = server.settings.max_body_bytes
    big = {**PY_EVENT, "metaData": {"blob": {"x": "y" * (limit + 10)}}}
    error(send(server, project.post, payload(big)), 413, "too large")

    def chunks():  # type: ignore[no-untyped-def]  # no Content-Length: bounded while read
        for _ in range(limit // 65536 + 2):
            yield b"y" * 65536

    error(send(server, project.post, content=chunks()), 413, "too large")  # type: ignore[arg-type]
    error(send(server, project.post, payload(*[{}] * 1001)), 413, "Too many events")


@pytest.mark.parametrize("encoding,compress", [
    ("gzip", gzip.compress), ("deflate", zlib.compress), ("br", brotli.compress)])
def test_compression_bombs_are_413_fast(server: LiveServer, project: ProjectInfo,
                                        encoding: str, compress: Any) -> None:
    bomb = compress(b'{"events": [{"context": "' + b"a" * (200 * 1024 * 1024) + b'"}]}')
    assert len(bomb) < server.settings.max_body_bytes
    r = send(server, project.post, content=bomb, timeout=5,
             headers={"Content-Encoding": encoding})
    error(r, 413, "too large")
    assert r.elapsed.total_seconds() < 1.0


def test_wrong_methods_and_unknown_paths_answer_in_bugsnag_shape(server: LiveServer) -> None:
    error(server.http.get(server.url + "/bugsnag/notify"), 405, "Method not allowed")
    error(server.http.get(server.url + "/notify"), 405, "Method not allowed")
    error(server.http.get(server.url + "/bugsnag/nothing-here"), 404, "Not found")


# --- hostile input -----------------------------------------------------------------------

def test_hostile_events_are_stored_never_a_500(server: LiveServer, engine: Engine,
                                               project: ProjectInfo) -> None:
    nul = {**PY_EVENT, "context": "ctx\x00x", "exceptions": [
        {"errorClass": "Nul\x00Error", "message": "a\x00b", "stacktrace": [
            {"file": "f\x00.py", "lineNumber": 1, "method": "m\x00", "inProject": True}]}],
        "user": {"id": "u\x00"}, "device": {"hostname": "h\x00"},
        "app": {"version": "1\x00", "releaseStage": "prod\x00"}}
    odd_code = {**PY_EVENT, "exceptions": [{"errorClass": "E", "stacktrace": [
        {"file": "a.py", "lineNumber": "12", "columnNumber": -3, "method": ["x"],
         "inProject": "yes", "code": {"abc": 1, "": None, "12": ["x"], "1e9": "y"}},
        {"file": None, "lineNumber": 1.5, "code": "not an object"}, "frame", None]}]}
    huge = {**PY_EVENT, "context": "c" * 100_000, "exceptions": [
        {"errorClass": "K" * 10_000, "message": "m" * 200_000, "stacktrace": [
            {"file": "f.py", "lineNumber": 2**80, "method": "q"}] * 600}],
        "user": {"id": "i" * 5000}, "device": {"hostname": "h" * 5000},
        "app": {"version": "v" * 5000, "releaseStage": "s" * 5000}}
    wrong_types = {"exceptions": "x", "severity": ["error"], "unhandled": "yes",
                   "severityReason": "r", "user": [1], "app": "a", "device": 3,
                   "metaData": "m", "breadcrumbs": {"a": 1}, "groupingHash": {"h": 1},
                   "context": 12, "releaseStage": ["x"], "projectRoot": 5}
    unknown_severity = {**PY_EVENT, "severity": "catastrophic"}
    nothing = {}
    for event in (nul, odd_code, huge, wrong_types, unknown_severity, nothing):
        ok(send(server, project.post, payload(event)))
    events = stored(server, engine, project)
    assert len(events) == 6
    items = items_of(server, project)  # the two without exceptions share one
    assert len(items) == 5 and all(len(i["title"]) <= 255 for i in items)
    titles = {i["title"] for i in items}
    assert "NulError: ab" in titles and "(no exception)" in titles
    (unknown,) = [e for e in events if any(n.path == "severity" and "catastrophic" in n.detail
                                           for n in e.notes)]
    assert unknown.level == Level.ERROR
    (odd,) = [e for e in events if e.exceptions and e.exceptions[0].type == "E"]
    code = unpack_data(odd.data)["exceptions"][0]["stacktrace"][0]["code"]
    assert code == {"abc": 1, "": None, "12": ["x"], "1e9": "y"}
    frame = odd.exceptions[0].frames[-1]
    assert (frame.lineno, frame.colno, frame.method, frame.in_app) == (12, None, "", None)
    # the server still serves
    ok(send(server, project.post, payload(PY_EVENT)))


def test_deep_nesting(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    body = b'{"events": [{"metaData": {"d": %s}}]}' % deep.encode()
    error(send(server, project.post, content=body), 400, "invalid JSON")
    nested = '{"a":' * 1000 + "1" + "}" * 1000
    ok(send(server, project.post, content=b'{"events": [{"context": "deep", '
                                          b'"metaData": {"d": %s}}]}' % nested.encode()))
    (event,) = stored(server, engine, project)
    assert event.context == "deep"
