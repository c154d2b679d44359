"""Sentry ingest over HTTP: envelopes and store as the SDKs send them, and every error
path with its status, `X-Sentry-Error` and the server still serving afterwards."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
import zlib
from typing import Any

import brotli
import httpx
import pytest
from sqlalchemy import Engine, update

from tests.support import LiveServer, ProjectInfo
from tracehound.store.tables import access_tokens

EVENT_ID = "fc6d8c0c43fc4630ad850ee518f1b9d0"


def auth(key: str) -> dict[str, str]:
    return {"X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7, "
                             "sentry_client=sentry.python/2.75.0"}


def exc_event(event_id: str = EVENT_ID, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id, "timestamp": "2026-08-13T14:24:44.500000Z",
        "platform": "python", "level": "error", "environment": "production",
        "release": "shop@1.4.2", "server_name": "web-1",
        "exception": {"values": [{
            "type": "ZeroDivisionError", "value": "division by zero",
            "mechanism": {"type": "generic", "handled": True},
            "stacktrace": {"frames": [{
                "filename": "shop/cart.py", "abs_path": "/srv/shop/cart.py",
                "function": "apply_discount", "module": "shop.cart", "lineno": 42,
                "context_line": "    return total / count", "in_app": True,
                "vars": {"total": "100", "count": "0"}}]}}]},
        "tags": {"region": "eu"}, "user": {"id": "u-77"},
        **extra,
    }


def envelope(*items: tuple[dict[str, Any], bytes], header: dict[str, Any] | None = None,
             lengths: bool = True) -> bytes:
    lines = [json.dumps(header if header is not None else {"event_id": EVENT_ID}).encode()]
    for item_header, payload in items:
        h = dict(item_header)
        if lengths:
            h["length"] = len(payload)
        lines += [json.dumps(h).encode(), payload]
    return b"\n".join(lines) + b"\n"


def event_item(event: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    return {"type": "event", "content_type": "application/json"}, json.dumps(event).encode()


def post(server: LiveServer, project: ProjectInfo, body: bytes, *,
         headers: dict[str, str] | None = None, path: str | None = None,
         params: dict[str, str] | None = None) -> httpx.Response:
    url = server.url + (path or f"/api/{project.id}/envelope/")
    h = auth(project.post) if headers is None else headers
    return server.http.post(url, content=body, headers=h, params=params)


def sentry_error(r: httpx.Response, status: int, contains: str) -> None:
    assert r.status_code == status, r.text
    assert contains in r.json()["detail"], r.json()
    assert contains in r.headers["x-sentry-error"]
    assert "retry-after" not in r.headers or status == 429


def items_of(server: LiveServer, project: ProjectInfo) -> list[dict[str, Any]]:
    server.wait_digested()
    r = server.get("/api/1/items/", project.read)
    assert r.status_code == 200, r.text
    return list(r.json()["result"]["items"])


def only_instance(server: LiveServer, project: ProjectInfo) -> dict[str, Any]:
    (item,) = items_of(server, project)
    r = server.get(f"/api/1/item/{item['id']}/instances", project.read)
    (inst,) = r.json()["result"]["instances"]
    one = server.get(f"/api/1/instance/{inst['id']}", project.read).json()["result"]
    return dict(one)


# --- what succeeds ---------------------------------------------------------------------

def test_python_style_envelope_is_stored(server: LiveServer, project: ProjectInfo) -> None:
    r = post(server, project, envelope(event_item(exc_event())),
             headers={**auth(project.post), "Content-Type": "application/x-sentry-envelope"})
    assert r.status_code == 200, r.text
    assert r.json() == {"id": EVENT_ID}
    assert "retry-after" not in r.headers
    (item,) = items_of(server, project)
    assert item["title"] == "ZeroDivisionError: division by zero"
    assert item["level"] == "error" and item["environment"] == "production"
    one = only_instance(server, project)
    assert one["data"]["event_id"] == EVENT_ID
    assert one["data"]["release"] == "shop@1.4.2"
    assert one["data"]["tags"] == {"region": "eu"}


def test_node_style_query_auth_no_content_type_no_lengths_chunked(
        server: LiveServer, project: ProjectInfo) -> None:
    eid = uuid.uuid4().hex
    event = {"event_id": eid, "timestamp": 1786717500.0, "platform": "node",
             "level": "info", "message": "Cache warmed", "environment": "production"}
    body = envelope(({"type": "event"}, json.dumps(event).encode()),
                    header={"event_id": eid, "sent_at": "2026-08-13T14:25:00.000Z",
                            "sdk": {"name": "sentry.javascript.node", "version": "10.0.0"}},
                    lengths=False)

    def chunks():  # type: ignore[no-untyped-def]  # a generator body is sent chunked
        for i in range(0, len(body), 7):
            yield body[i:i + 7]

    r = server.http.post(server.url + f"/api/{project.id}/envelope/", content=chunks(),
                         params={"sentry_version": "7", "sentry_key": project.post,
                                 "sentry_client": "sentry.javascript.node/10.0.0"})
    assert r.status_code == 200, r.text
    assert r.json() == {"id": eid}
    (item,) = items_of(server, project)
    assert item["title"] == "Cache warmed" and item["level"] == "info"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_compressed_envelopes(server: LiveServer, project: ProjectInfo, encoding: str) -> None:
    raw = envelope(event_item(exc_event()))
    body = {"gzip": gzip.compress, "deflate": zlib.compress,
            "br": brotli.compress}[encoding](raw)
    r = post(server, project, body, headers={**auth(project.post),
                                             "Content-Encoding": encoding})
    assert r.status_code == 200, r.text
    assert len(items_of(server, project)) == 1


def test_envelope_header_event_id_wins_and_dashes_are_accepted(
        server: LiveServer, project: ProjectInfo) -> None:
    dashed = "9ec79c33-ec99-42ab-8353-589fcb2e04dc"
    body = envelope(event_item(exc_event(event_id="0" * 32)), header={"event_id": dashed})
    r = post(server, project, body)
    assert r.json() == {"id": dashed.replace("-", "")}
    assert only_instance(server, project)["data"]["event_id"] == dashed.replace("-", "")


def test_dsn_in_envelope_header_authenticates(server: LiveServer, project: ProjectInfo) -> None:
    dsn = f"http://{project.post}@127.0.0.1/{project.id}"
    body = envelope(event_item(exc_event()), header={"event_id": EVENT_ID, "dsn": dsn})
    r = post(server, project, body, headers={})
    assert r.status_code == 200, r.text


def test_path_prefix_and_missing_trailing_slash(server: LiveServer, project: ProjectInfo) -> None:
    body = envelope(event_item(exc_event()))
    assert post(server, project, body,
                path=f"/sentry/api/{project.id}/envelope").status_code == 200


def test_sessions_reports_transactions_and_unknown_items_are_accepted_and_counted(
        server: LiveServer, project: ProjectInfo) -> None:
    session = {"sid": uuid.uuid4().hex, "init": True, "started": "2026-08-13T14:16:00Z",
               "status": "ok", "errors": 0, "attrs": {"release": "shop@1.4.2"}}
    report = {"timestamp": "2026-08-13T14:30:00Z",
              "discarded_events": [{"reason": "sample_rate", "category": "error",
                                    "quantity": 3}]}
    body = envelope(({"type": "session"}, json.dumps(session).encode()),
                    ({"type": "client_report"}, json.dumps(report).encode()),
                    ({"type": "transaction"}, b'{"type":"transaction","spans":[]}'),
                    ({"type": "profile_chunk"}, b"\x00\x01binary\r\n-ish"),
                    header={"sent_at": "2026-08-13T14:30:00Z"})
    before = server.http.get(server.url + "/health").json()["dropped_items"]
    r = post(server, project, body)
    assert r.status_code == 200, r.text
    assert r.json() == {}
    after = server.http.get(server.url + "/health").json()["dropped_items"]
    for kind in ("sentry.session", "sentry.client_report", "sentry.transaction",
                 "sentry.other"):
        assert after.get(kind, 0) == before.get(kind, 0) + 1, (kind, after)
    assert items_of(server, project) == []


def test_attachment_is_kept_with_the_occurrence(server: LiveServer, project: ProjectInfo) -> None:
    log = b"line one\nline two\r\n\x00binary tail"
    body = envelope(event_item(exc_event()),
                    ({"type": "attachment", "filename": "app.log",
                      "content_type": "text/plain"}, log))
    assert post(server, project, body).status_code == 200
    one = only_instance(server, project)
    (meta,) = one["attachments"]
    assert meta["filename"] == "app.log" and meta["size"] == len(log)
    assert meta["content_type"] == "text/plain"
    r = server.get(f"/api/1/instance/{one['id']}/attachments/0", project.read)
    assert r.status_code == 200 and r.content == log
    assert r.headers["content-type"].startswith("text/plain")


def test_oversized_attachment_is_dropped_event_kept(
        server: LiveServer, project: ProjectInfo) -> None:
    big = b"x" * (server.settings.max_attachment_bytes + 1)
    body = envelope(event_item(exc_event()), ({"type": "attachment", "filename": "a"}, big))
    assert post(server, project, body).status_code == 200
    assert only_instance(server, project)["attachments"] == []
    assert server.http.get(server.url + "/health").json()["dropped_items"][
        "sentry.attachment"] >= 1


def test_store_endpoint_json_and_base64_zlib(server: LiveServer, project: ProjectInfo) -> None:
    first = exc_event(event_id=uuid.uuid4().hex)
    r = post(server, project, json.dumps(first).encode(),
             path=f"/api/{project.id}/store/",
             headers={**auth(project.post), "Content-Type": "application/json"})
    assert r.status_code == 200 and r.json() == {"id": first["event_id"]}
    second = exc_event(event_id=uuid.uuid4().hex)
    legacy = base64.b64encode(zlib.compress(json.dumps(second).encode()))
    r = post(server, project, legacy, path=f"/api/{project.id}/store/")
    assert r.status_code == 200, r.text
    (item,) = items_of(server, project)
    assert item["total_occurrences"] == 2


def test_fingerprint_default_template_subdivides(server: LiveServer, project: ProjectInfo) -> None:
    for tenant in ("a", "a", "b"):
        event = exc_event(event_id=uuid.uuid4().hex,
                          fingerprint=["{{ default }}", f"tenant-{tenant}"])
        assert post(server, project, envelope(event_item(event),
                    header={"event_id": event["event_id"]})).status_code == 200
    plain = exc_event(event_id=uuid.uuid4().hex)
    post(server, project, envelope(event_item(plain), header={"event_id": plain["event_id"]}))
    counts = sorted(i["total_occurrences"] for i in items_of(server, project))
    assert counts == [1, 1, 2]


def test_synthetic_typeless_exception_becomes_a_message_item(
        server: LiveServer, project: ProjectInfo) -> None:
    # @sentry/node captureMessage with attachStacktrace: a stack, but no exception type
    event = {"event_id": EVENT_ID, "level": "info", "platform": "node",
             "message": "Cache warmed",
             "exception": {"values": [{"value": "Cache warmed",
                                       "mechanism": {"type": "generic", "synthetic": True},
                                       "stacktrace": {"frames": [{
                                           "filename": "/app/index.js", "function": "main",
                                           "lineno": 3, "in_app": True}]}}]}}
    assert post(server, project, envelope(event_item(event))).status_code == 200
    (item,) = items_of(server, project)
    assert item["title"] == "Cache warmed"
    assert item["level"] == "info"
    assert item["fingerprint_key"].startswith("message: ")


def test_cors_preflight(server: LiveServer, project: ProjectInfo) -> None:
    r = server.http.options(server.url + f"/api/{project.id}/envelope/", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-sentry-auth, content-type"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]


# --- what fails, and how ---------------------------------------------------------------

def test_missing_auth_is_401(server: LiveServer, project: ProjectInfo) -> None:
    r = post(server, project, envelope(event_item(exc_event())), headers={})
    sentry_error(r, 401, "missing authorization")


@pytest.mark.parametrize("key", ["0" * 32, "deadbeef"])
def test_unknown_key_is_403(server: LiveServer, project: ProjectInfo, key: str) -> None:
    r = post(server, project, envelope(event_item(exc_event())), headers=auth(key))
    sentry_error(r, 403, "not found")


def test_key_with_punctuation_is_400(server: LiveServer, project: ProjectInfo) -> None:
    r = post(server, project, envelope(event_item(exc_event())),
             headers=auth("x' OR '1'='1"))
    sentry_error(r, 400, "invalid sentry_key")


def test_another_projects_key_is_403(server: LiveServer, project: ProjectInfo,
                                     other_project: ProjectInfo) -> None:
    r = post(server, project, envelope(event_item(exc_event())),
             headers=auth(other_project.post))
    sentry_error(r, 403, f"does not belong to project {project.id}")
    assert items_of(server, project) == [] and items_of(server, other_project) == []


def test_read_token_cannot_post(server: LiveServer, project: ProjectInfo) -> None:
    r = post(server, project, envelope(event_item(exc_event())), headers=auth(project.read))
    sentry_error(r, 403, "cannot post")


def test_conflicting_keys_are_403(server: LiveServer, project: ProjectInfo,
                                  other_project: ProjectInfo) -> None:
    r = post(server, project, envelope(event_item(exc_event())),
             params={"sentry_key": other_project.post})
    sentry_error(r, 403, "conflicting")


@pytest.mark.parametrize(("body", "problem"), [
    (b"", "empty envelope"),
    (b"not json\n", "invalid envelope header"),
    (b"[1,2]\n", "invalid envelope header"),
    (b'{}\n{"length": 2}\n{}\n', "has no type"),
    (b'{}\n{"type":"event","length":500}\n{}\n', "shorter than its length"),
    (b'{}\n{"type":"event","length":2}\n{}xx\n', "longer than its length"),
    (b'{}\n{"type":"event","length":-1}\n{}\n', "invalid length"),
    (b'{}\n{"type":"event"}\n{not json}\n', "invalid event item"),
    (b'{}\n{"type":"event"}\n"a string"\n', "invalid event item"),
    (b'{}\n{"type":"event"}\n{}\n{"type":"event"}\n{}\n', "at most one event"),
])
def test_malformed_envelopes_are_400(server: LiveServer, project: ProjectInfo,
                                     body: bytes, problem: str) -> None:
    sentry_error(post(server, project, body), 400, problem)
    assert post(server, project, envelope(event_item(exc_event()))).status_code == 200


def test_bad_compression_is_400(server: LiveServer, project: ProjectInfo) -> None:
    r = post(server, project, b"\x1f\x8b not gzip at all",
             headers={**auth(project.post), "Content-Encoding": "gzip"})
    sentry_error(r, 400, "decompress")


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_compression_bomb_is_413_without_inflating(
        server: LiveServer, project: ProjectInfo, encoding: str) -> None:
    inflated = b"{}\n" + b" " * (server.settings.max_envelope_bytes + 1024)
    bomb = gzip.compress(inflated) if encoding == "gzip" else brotli.compress(inflated)
    assert len(bomb) < 100_000
    r = post(server, project, bomb, headers={**auth(project.post),
                                             "Content-Encoding": encoding})
    sentry_error(r, 413, "too large")
    assert post(server, project, envelope(event_item(exc_event()))).status_code == 200


def test_oversized_event_item_is_413(server: LiveServer, project: ProjectInfo) -> None:
    event = exc_event(extra={"blob": "x" * server.settings.max_body_bytes})
    sentry_error(post(server, project, envelope(event_item(event))), 413, "exceeds")


def test_oversized_store_body_is_413(server: LiveServer, project: ProjectInfo) -> None:
    body = json.dumps(exc_event(extra={"blob": "x" * server.settings.max_body_bytes}))
    r = post(server, project, body.encode(), path=f"/api/{project.id}/store/")
    sentry_error(r, 413, "too large")


def test_deeply_nested_event_is_400(server: LiveServer, project: ProjectInfo) -> None:
    nested = "[" * 5000 + "]" * 5000
    payload = b'{"event_id":"%s","extra":%s}' % (EVENT_ID.encode(), nested.encode())
    body = envelope(({"type": "event"}, payload))
    sentry_error(post(server, project, body), 400, "invalid event item")


def test_too_many_items_is_400(server: LiveServer, project: ProjectInfo) -> None:
    body = envelope(*[({"type": "client_report"}, b"{}")] * 1500)
    sentry_error(post(server, project, body), 400, "more than")


def test_non_numeric_project_paths_are_not_routes(server: LiveServer, project: ProjectInfo) -> None:
    for path in ("/api/1%27%20OR%201=1/envelope/", "/api/abc/envelope/", "/api//envelope/"):
        r = post(server, project, envelope(event_item(exc_event())), path=path)
        assert r.status_code == 404, (path, r.text)


def test_rate_limit_is_429_with_integer_retry_after(
        server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    with engine.begin() as conn:
        conn.execute(update(access_tokens).where(access_tokens.c.token == project.post)
                     .values(rate_limit_window_size=60, rate_limit_window_count=1))
    ok = post(server, project, envelope(event_item(exc_event())))
    assert ok.status_code == 200 and "retry-after" not in ok.headers
    limited = post(server, project, envelope(event_item(exc_event())))
    sentry_error(limited, 429, "rate limit")
    seconds = limited.headers["retry-after"]
    assert seconds.isdigit() and 1 <= int(seconds) <= 60
    assert limited.headers["x-sentry-rate-limits"] == f"{seconds}::key:rate_limited"
