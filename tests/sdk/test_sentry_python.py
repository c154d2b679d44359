"""The official Sentry Python SDK (sentry-sdk) against the real server.

The SDK runs in its own process (tests/sdk/sentry/app.py) with its default transport:
it patches threading process-wide, and an application is a separate process anyway.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support import LiveServer, ProjectInfo

pytestmark = pytest.mark.sdk

APP = Path(__file__).parent / "sentry" / "app.py"


def run_app(server: LiveServer, project: ProjectInfo, scenario: str) -> list[str | None]:
    port = server.url.rsplit(":", 1)[1]
    dsn = f"http://{project.post}@127.0.0.1:{port}/{project.id}"
    proc = subprocess.run([sys.executable, str(APP), scenario], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "SENTRY_DSN": dsn})
    assert proc.returncode == 0, proc.stderr
    ids = json.loads(proc.stdout.strip().splitlines()[-1])["ids"]
    server.wait_digested()
    return list(ids)


def items_by_title(server: LiveServer, project: ProjectInfo) -> dict[str, dict[str, Any]]:
    r = server.get("/api/1/items/", project.read)
    assert r.status_code == 200, r.text
    return {i["title"]: i for i in r.json()["result"]["items"]}


def instances(server: LiveServer, project: ProjectInfo, item: dict[str, Any]) -> list[Any]:
    r = server.get(f"/api/1/item/{item['id']}/instances", project.read)
    return list(r.json()["result"]["instances"])


def frames_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    return list(data["exception"]["values"][-1]["stacktrace"]["frames"])


def test_same_line_is_one_item_another_function_another(
        server: LiveServer, project: ProjectInfo) -> None:
    ids = run_app(server, project, "grouping")
    assert len(ids) == 3 and all(ids)
    items = server.get("/api/1/items/", project.read).json()["result"]["items"]
    assert len(items) == 2
    by_count = sorted(items, key=lambda i: i["total_occurrences"])
    assert [i["total_occurrences"] for i in by_count] == [1, 2]
    for item in items:
        assert item["title"] == "ZeroDivisionError: division by zero"
        assert item["level"] == "error"
        assert item["environment"] == "sdk-test"
    twice = instances(server, project, by_count[1])
    assert {inst["data"]["event_id"] for inst in twice} == set(ids[:2])
    data = twice[0]["data"]
    assert data["release"] == "shop@1.4.2"
    assert data["server_name"] == "web-1"
    crash = frames_of(data)[-1]
    assert crash["function"] == "divide" and crash["in_app"] is True
    assert crash["context_line"].strip() == "return a / b"
    assert any(f["function"] == "capture_in_loop" for f in frames_of(data))
    other = instances(server, project, by_count[0])[0]["data"]
    assert any(f["function"] == "capture_elsewhere" for f in frames_of(other))


def test_messages_group_by_masked_text_and_keep_levels(
        server: LiveServer, project: ProjectInfo) -> None:
    run_app(server, project, "messages")
    items = items_by_title(server, project)
    assert set(items) == {"payment 1234 failed after 3 retries", "cache warmed"}
    payment = items["payment 1234 failed after 3 retries"]
    assert payment["total_occurrences"] == 2 and payment["level"] == "warning"
    assert items["cache warmed"]["level"] == "info"


def test_user_tags_and_chained_exception_read_back(
        server: LiveServer, project: ProjectInfo) -> None:
    (event_id,) = run_app(server, project, "context")
    (item,) = items_by_title(server, project).values()
    assert item["title"] == "RuntimeError: could not load the profile"
    (inst,) = instances(server, project, item)
    one = server.get(f"/api/1/instance/{inst['id']}", project.read).json()["result"]
    data = one["data"]
    assert data["event_id"] == event_id
    assert data["user"]["id"] == "u-77" and data["user"]["email"] == "ann@example.com"
    assert data["tags"]["region"] == "eu"
    assert [v["type"] for v in data["exception"]["values"]] == ["KeyError", "RuntimeError"]
    assert "RuntimeError" in item["fingerprint_key"] and "KeyError" in item["fingerprint_key"]


def test_unhandled_exception_in_a_thread(server: LiveServer, project: ProjectInfo) -> None:
    run_app(server, project, "thread")
    (item,) = items_by_title(server, project).values()
    assert item["title"] == "ValueError: thread crashed 42"
    data = instances(server, project, item)[0]["data"]
    mechanism = data["exception"]["values"][-1]["mechanism"]
    assert mechanism["handled"] is False
    assert frames_of(data)[-1]["function"] == "crash"


def test_custom_fingerprints(server: LiveServer, project: ProjectInfo) -> None:
    ids = run_app(server, project, "fingerprint")
    assert len(ids) == 5
    r = server.get("/api/1/items/", project.read)
    items = r.json()["result"]["items"]
    keys = sorted((i["total_occurrences"], i["fingerprint_key"]) for i in items)
    # KeyError and ValueError under one custom fingerprint; the default group of the
    # lookup error split into tenant-a (2) and tenant-b (1)
    assert len(keys) == 3
    assert (2, "fingerprint: billing-outage") in keys
    tenant_keys = [k for _, k in keys if "tenant-" in k]
    assert len(tenant_keys) == 2
    assert sorted(n for n, k in keys if "tenant-" in k) == [1, 2]
