"""Every error path of POST /api/1/item/: status, Rollbar's envelope, and the message."""

from __future__ import annotations

import functools
import gzip
import json
import zlib
from collections.abc import Callable

import brotli
import pytest

from tests.support import LiveServer, ProjectInfo

MESSAGE = {"environment": "test", "body": {"message": {"body": "hello"}}}


def err(r, status: int, contains: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    body = r.json()
    assert body["err"] == 1
    assert contains in body["message"], body["message"]


def test_success_is_exactly_200_with_uuid(server: LiveServer, project: ProjectInfo) -> None:
    r = server.post_item(project.post, {**MESSAGE, "uuid": "abc-123"})
    assert r.status_code == 200
    assert r.json() == {"err": 0, "result": {"id": None, "uuid": "abc-123"}}
    assert r.headers["access-control-allow-origin"] == "*"
    for h in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset",
              "x-rate-limit-remaining-seconds"):
        assert h in r.headers


def test_generated_uuid_when_absent(server: LiveServer, project: ProjectInfo) -> None:
    r = server.post_item(project.post, MESSAGE)
    uuid = r.json()["result"]["uuid"]
    assert len(uuid) == 32 and int(uuid, 16) >= 0


def test_unparseable_body_is_400(server: LiveServer, project: ProjectInfo) -> None:
    r = server.http.post(server.url + "/api/1/item/", content=b"{not json",
                         headers={"X-Rollbar-Access-Token": project.post,
                                  "Content-Type": "application/json"})
    err(r, 400, "invalid JSON")


def test_bare_json_string_is_400(server: LiveServer, project: ProjectInfo) -> None:
    r = server.http.post(server.url + "/api/1/item/", content=b'"just a string"',
                         headers={"X-Rollbar-Access-Token": project.post})
    err(r, 400, "No JSON payload found")


def test_empty_body_is_400(server: LiveServer, project: ProjectInfo) -> None:
    r = server.http.post(server.url + "/api/1/item/", content=b"",
                         headers={"X-Rollbar-Access-Token": project.post})
    err(r, 400, "No JSON payload found")


@pytest.mark.parametrize("token", ["0" * 32, "not a token at all", "x" * 500])
def test_unknown_token_is_403(server: LiveServer, token: str) -> None:
    r = server.post_item(token, MESSAGE)
    err(r, 403, "access token not found")


def test_missing_token_is_403(server: LiveServer) -> None:
    r = server.post_item(None, MESSAGE)
    err(r, 403, "access token required")


def test_read_token_cannot_post(server: LiveServer, project: ProjectInfo) -> None:
    r = server.post_item(project.read, MESSAGE)
    err(r, 403, "insufficient privileges: post_server_item scope is required but the "
                "access token only has read.")


def test_client_token_posts_only_client_platforms(server: LiveServer,
                                                  project: ProjectInfo) -> None:
    r = server.post_item(project.client, MESSAGE)
    err(r, 403, "insufficient privileges: post_server_item scope is required but the "
                "access token only has post_client_item.")
    ok = server.post_item(project.client, {**MESSAGE, "platform": "browser"})
    assert ok.status_code == 200, ok.text


def test_too_large_is_413(server: LiveServer, project: ProjectInfo) -> None:
    big = {**MESSAGE, "custom": {"blob": "x" * (server.settings.max_body_bytes + 10)}}
    r = server.post_item(project.post, big)
    err(r, 413, "request entity too large")


def test_chunked_body_over_limit_is_413(server: LiveServer, project: ProjectInfo) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"data": {"environment": "test", "custom": "'
        for _ in range(40):
            yield b"y" * 65536
        yield b'"}}'

    r = server.http.post(server.url + "/api/1/item/", content=chunks(),
                         headers={"X-Rollbar-Access-Token": project.post})
    err(r, 413, "request entity too large")


@functools.cache
def bomb_of(compress: Callable[[bytes], bytes]) -> bytes:
    """200 MiB of JSON, compressed: the same bytes for both databases, made once (brotli
    takes 3-6 s for it)."""
    return compress(b'{"data": {"environment": "' + b"a" * (200 * 1024 * 1024) + b'"}}')


@pytest.mark.parametrize("encoding,compress", [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("br", brotli.compress),
])
def test_compression_bombs_are_413(server: LiveServer, project: ProjectInfo, encoding: str,
                                   compress) -> None:  # type: ignore[no-untyped-def]
    bomb = bomb_of(compress)
    assert len(bomb) < server.settings.max_body_bytes
    r = server.http.post(server.url + "/api/1/item/", content=bomb,
                         headers={"X-Rollbar-Access-Token": project.post,
                                  "Content-Encoding": encoding}, timeout=5)
    err(r, 413, "request entity too large")
    assert r.elapsed.total_seconds() < 1.0


@pytest.mark.parametrize("encoding,compress", [
    ("gzip", gzip.compress), ("deflate", zlib.compress), ("br", brotli.compress)])
def test_compressed_bodies_are_accepted(server: LiveServer, project: ProjectInfo,
                                        encoding: str, compress) -> None:  # type: ignore[no-untyped-def]
    body = compress(json.dumps({"data": MESSAGE}).encode())
    r = server.http.post(server.url + "/api/1/item/", content=body,
                         headers={"X-Rollbar-Access-Token": project.post,
                                  "Content-Encoding": encoding})
    assert r.status_code == 200, r.text


def test_corrupt_compressed_body_is_400(server: LiveServer, project: ProjectInfo) -> None:
    r = server.http.post(server.url + "/api/1/item/", content=b"\x1f\x8bnot gzip",
                         headers={"X-Rollbar-Access-Token": project.post,
                                  "Content-Encoding": "gzip"})
    err(r, 400, "could not decompress")


def test_unknown_encoding_is_400(server: LiveServer, project: ProjectInfo) -> None:
    r = server.http.post(server.url + "/api/1/item/", content=b"{}",
                         headers={"X-Rollbar-Access-Token": project.post,
                                  "Content-Encoding": "zstd-ish"})
    err(r, 400, "unsupported Content-Encoding")


INVALID = [
    ({}, "Invalid format. data is missing and it is required."),
    ({"data": []}, "Invalid format. data array value found, but an object is required."),
    ({"data": {"body": {"message": {"body": "x"}}}},
     "data.environment is missing and it is required."),
    ({"data": {"environment": 5, "body": {"message": {"body": "x"}}}},
     "data.environment should be string."),
    ({"data": {"environment": "  ", "body": {"message": {"body": "x"}}}},
     "data.environment must not be empty."),
    ({"data": {"environment": "e"}},
     "data.body must not be undefined. Instead, it should be an object with a 'message', "
     "'trace', 'trace_chain', or 'crash_report' key."),
    ({"data": {"environment": "e", "body": {}}},
     "data.body must have either a 'trace', 'trace_chain', 'message' or 'crash_report' "
     "property, (but not more than one)."),
    ({"data": {"environment": "e", "body": {"message": {"body": "x"},
                                            "trace": {"frames": []}}}},
     "(but not more than one)"),
    ({"data": {"environment": "e", "body": {"trace": {"exception": {"class": "E"}}}}},
     "data.body.trace.frames is missing and it is required."),
    ({"data": {"environment": "e", "body": {"trace": {"frames": []}}}},
     "data.body.trace.exception is missing and it is required."),
    ({"data": {"environment": "e", "body": {"trace": {"frames": [], "exception": {}}}}},
     "data.body.trace.exception.class is missing and it is required."),
    ({"data": {"environment": "e", "body": {"trace": {"frames": [], "exception": {
        "class": "E", "message": {"a": 1}}}}}},
     "data.body.trace.exception.message object value found, but a null is required."),
    ({"data": {"environment": "e", "body": {"trace_chain": [
        {"frames": [], "exception": {"class": "A"}}, {"exception": {"class": "B"}}]}}},
     "data.body.trace_chain[1].frames is missing and it is required."),
    ({"data": {"environment": "e", "body": {"trace_chain": []}}},
     "data.body.trace_chain must contain at least one trace."),
    ({"data": {"environment": "e", "body": {"message": {}}}},
     "data.body.message.body is missing and it is required."),
    ({"data": {"environment": "e", "body": {"crash_report": {}}}},
     "data.body.crash_report.raw is missing and it is required."),
    ({"data": {"environment": "e", "level": 3, "body": {"message": {"body": "x"}}}},
     "data.level should be string."),
    ({"data": {"environment": "e", "context": {"a": 1}, "body": {"message": {"body": "x"}}}},
     "data.context object value found, but a string is required."),
    ({"data": {"environment": "e", "body": {"message": {"body": "x"}, "telemetry": {}}}},
     "data.body.telemetry should be array."),
    ([1, 2], "payload array value found, but an object is required."),
]


@pytest.mark.parametrize("payload,message", INVALID)
def test_invalid_fields_are_422_naming_the_field(server: LiveServer, project: ProjectInfo,
                                                 payload, message: str) -> None:  # type: ignore[no-untyped-def]
    r = server.http.post(server.url + "/api/1/item/", content=json.dumps(payload),
                         headers={"X-Rollbar-Access-Token": project.post})
    err(r, 422, message)
    assert r.json()["message"].startswith("Invalid format.")


def test_every_problem_is_named_in_one_message(server: LiveServer, project: ProjectInfo) -> None:
    r = server.post_item(project.post, {"body": {"trace": {"exception": {}}}})
    msg = r.json()["message"]
    assert r.status_code == 422
    for part in ("data.environment is missing", "data.body.trace.frames is missing",
                 "data.body.trace.exception.class is missing"):
        assert part in msg


def test_deeply_nested_payload_is_refused_not_crashing(server: LiveServer,
                                                       project: ProjectInfo) -> None:
    depth = 5000
    nested = '{"a":' * depth + "1" + "}" * depth
    body = '{"data": {"environment": "e", "body": {"message": {"body": "x"}}, "custom": ' \
        + nested + "}}"
    r = server.http.post(server.url + "/api/1/item/", content=body,
                         headers={"X-Rollbar-Access-Token": project.post})
    assert r.status_code in (400, 422), r.text
    assert r.json()["err"] == 1
    depth = 900
    nested = '{"a":' * depth + "1" + "}" * depth
    body = '{"data": {"environment": "e", "body": {"message": {"body": "x"}}, "custom": ' \
        + nested + "}}"
    r = server.http.post(server.url + "/api/1/item/", content=body,
                         headers={"X-Rollbar-Access-Token": project.post})
    assert r.status_code in (200, 422), r.text
    server.wait_digested()
    assert server.get("/health", project.read).json()["status"] == "ok"


def test_rate_limit_is_429_with_headers(server: LiveServer, engine, project: ProjectInfo) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from tracehound.store.tables import access_tokens
    with engine.begin() as conn:
        conn.execute(update(access_tokens).where(access_tokens.c.token == project.post)
                     .values(rate_limit_window_size=60, rate_limit_window_count=2))
    # the token has not been used on this server yet, so its new limits are read on
    # first use (no stale cache entry)
    assert server.post_item(project.post, MESSAGE).status_code == 200
    second = server.post_item(project.post, MESSAGE)
    assert second.status_code == 200
    assert second.headers["x-rate-limit-remaining"] == "0"
    third = server.post_item(project.post, MESSAGE)
    err(third, 429, "rate limit")
    assert third.headers["x-rate-limit-remaining"] == "0"
    assert 0 < int(third.headers["x-rate-limit-remaining-seconds"]) <= 60
