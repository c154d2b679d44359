"""The official Sentry Node.js SDK (@sentry/node) against the real server.

tests/sdk/node/sentry.js runs a scenario with the npm package installed next to it
(`npm install` in tests/sdk/node; .ci/run does it). @sentry/node authenticates in the
query string, sends no Content-Type and no item lengths, and a session envelope at
start-up; its captureMessage carries a synthetic stack with no exception type.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support import LiveServer, ProjectInfo

pytestmark = pytest.mark.sdk

NODE_DIR = Path(__file__).parent / "node"
SDK_PACKAGE = NODE_DIR / "node_modules" / "@sentry" / "node" / "package.json"


@pytest.fixture(scope="module")
def node() -> str:
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("`node` is not on PATH: the @sentry/node tests need Node.js (>= 18); "
                    ".ci/run runs them where Node.js is installed")
    if not SDK_PACKAGE.is_file():
        pytest.fail(f"@sentry/node is not installed ({SDK_PACKAGE} is missing): run "
                    "`npm install` in tests/sdk/node (.ci/run does it)", pytrace=False)
    return exe


def run(node: str, server: LiveServer, project: ProjectInfo, scenario: str) -> dict[str, Any]:
    port = server.url.rsplit(":", 1)[1]
    dsn = f"http://{project.post}@127.0.0.1:{port}/{project.id}"
    proc = subprocess.run([node, "sentry.js", scenario], cwd=NODE_DIR, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "SENTRY_DSN": dsn})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["flushed"] is True, report
    server.wait_digested()
    return dict(report)


def items(server: LiveServer, project: ProjectInfo) -> list[dict[str, Any]]:
    r = server.get("/api/1/items/", project.read)
    assert r.status_code == 200, r.text
    return list(r.json()["result"]["items"])


def test_exceptions_group_by_stack(node: str, server: LiveServer, project: ProjectInfo) -> None:
    before = server.http.get(server.url + "/health").json()["dropped_items"]
    report = run(node, server, project, "grouping")
    assert len(report["ids"]) == 3
    # the SDK sends concurrently: either RangeError may arrive first and title the item
    got = {i["title"].replace(" 2 ", " 1 "): i for i in items(server, project)}
    assert set(got) == {"RangeError: cannot divide 1 by zero", "TypeError: no value for missing"}
    assert got["RangeError: cannot divide 1 by zero"]["total_occurrences"] == 2
    assert all(i["environment"] == "node-test" and i["level"] == "error" for i in got.values())
    inst = server.get(f"/api/1/item/{got['TypeError: no value for missing']['id']}/instances",
                      project.read).json()["result"]["instances"][0]["data"]
    assert inst["release"] == "web@2.0.1"
    frames = inst["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames[-1]["function"] == "lookup" and frames[-1]["in_app"] is True
    after = server.http.get(server.url + "/health").json()["dropped_items"]
    assert after.get("sentry.session", 0) > before.get("sentry.session", 0)


def test_capture_message_is_a_message_item(node: str, server: LiveServer,
                                           project: ProjectInfo) -> None:
    run(node, server, project, "message")
    (item,) = items(server, project)
    # sent concurrently: either message may arrive first and title the item
    assert item["title"] in ("order 1234 shipped late by 3 days",
                             "order 77 shipped late by 12 days")
    assert item["level"] == "warning" and item["total_occurrences"] == 2
    assert item["fingerprint_key"].startswith("message: ")
    data = server.get(f"/api/1/item/{item['id']}/instances",
                      project.read).json()["result"]["instances"][0]["data"]
    # the SDK did send a synthetic stack: it is kept, but it made no exception item
    assert "type" not in data["exception"]["values"][0]


def test_user_and_tags(node: str, server: LiveServer, project: ProjectInfo) -> None:
    (event_id,) = run(node, server, project, "context")["ids"]
    (item,) = items(server, project)
    data = server.get(f"/api/1/item/{item['id']}/instances",
                      project.read).json()["result"]["instances"][0]["data"]
    assert data["event_id"] == event_id
    assert data["user"]["id"] == "u-42" and data["user"]["email"] == "bo@example.com"
    assert data["tags"]["region"] == "us"
