"""The official Rollbar JavaScript SDK (rollbar.js, Node build) against the real server.

tests/sdk/node/report.js runs one scenario with the npm package installed next to it
(`npm install` in tests/sdk/node; .ci/run does it) and prints what it sent.
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

pytestmark = [pytest.mark.sdk, pytest.mark.slow]

NODE_DIR = Path(__file__).parent / "node"
SCRIPT = NODE_DIR / "report.js"
SDK_PACKAGE = NODE_DIR / "node_modules" / "rollbar" / "package.json"
RUN_TIMEOUT = 60


@pytest.fixture(scope="module")
def node() -> str:
    """The node binary; fails (never skips) when node or the npm package is missing."""
    exe = shutil.which("node")
    if exe is None:
        pytest.fail("`node` is not on PATH: the rollbar.js SDK tests need Node.js "
                    "(>= 18) and `npm install` in tests/sdk/node (.ci/run does both)",
                    pytrace=False)
    if not SDK_PACKAGE.is_file():
        pytest.fail(f"the npm package `rollbar` is not installed ({SDK_PACKAGE} is "
                    "missing): run `npm install` in tests/sdk/node (.ci/run does it)",
                    pytrace=False)
    return exe


@pytest.fixture(scope="module")
def sdk_version() -> str:
    return str(json.loads(SDK_PACKAGE.read_text())["version"])


def run_sdk(node: str, server: LiveServer, project: ProjectInfo, scenario: str,
            endpoint: str | None = None) -> dict[str, Any]:
    """Run one scenario of report.js; its report once every send was acknowledged.

    The token goes in the environment, not argv: rollbar.js sends process.argv.
    """
    endpoint = endpoint or server.api + "item/"  # rollbar.js posts to `endpoint` as is
    env = {**os.environ, "ROLLBAR_ACCESS_TOKEN": project.post, "NODE_ENV": "test"}
    try:
        proc = subprocess.run([node, str(SCRIPT), scenario, endpoint], cwd=NODE_DIR,
                              env=env, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"node report.js {scenario} did not finish in {RUN_TIMEOUT}s; "
                    f"stdout={exc.stdout!r} stderr={exc.stderr!r}")
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0 and lines, (
        f"node report.js {scenario} {endpoint} exited {proc.returncode}\n"
        f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
    report: dict[str, Any] = json.loads(lines[-1])
    assert report["errors"] == []
    for sent in report["sent"]:  # the SDK's uuid is the one the server acknowledged
        assert sent["uuid"] and sent["response"]["uuid"] == sent["uuid"], sent
    return report


def items_of(server: LiveServer, project: ProjectInfo) -> list[dict[str, Any]]:
    r = server.get("/api/1/items", project.read)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["result"]["items"]
    return items


def instances_of(server: LiveServer, project: ProjectInfo,
                 item_id: int) -> list[dict[str, Any]]:
    r = server.get(f"/api/1/item/{item_id}/instances", project.read)
    assert r.status_code == 200, r.text
    instances: list[dict[str, Any]] = r.json()["result"]["instances"]
    return instances


def sent_uuids(report: dict[str, Any], *names: str) -> set[str]:
    return {s["uuid"] for s in report["sent"] if not names or s["name"] in names}


def test_same_line_twice_is_one_item_with_two_occurrences(  # type: ignore[no-untyped-def]
        node, sdk_version, server, project):
    report = run_sdk(node, server, project, "same-line")
    server.wait_digested()
    items = items_of(server, project)
    assert len(items) == 1, [(i["title"], i["fingerprint_key"]) for i in items]
    item = items[0]
    assert item["total_occurrences"] == 2
    assert item["title"] == "TypeError: bad value 17"
    assert item["level"] == "error"
    assert item["environment"] == "sdk-js"
    assert item["status"] == "active"
    assert item["counter"] == 1
    assert item["language"] == "javascript"
    assert item["framework"] == "node-js"
    instances = instances_of(server, project, item["id"])
    assert len(instances) == 2
    assert {i["data"]["uuid"] for i in instances} == sent_uuids(report)
    for occ in instances:
        data = occ["data"]
        assert occ["item_id"] == item["id"]
        (trace,) = data["body"]["trace_chain"]  # rollbar.js sends a chain, even of one
        assert trace["exception"] == {"class": "TypeError", "message": "bad value 17"}
        methods = [f["method"] for f in trace["frames"]]  # oldest first: thrower last
        assert methods[-3:] == ["thrownFrom", "caught", "raiseInA"], methods
        assert trace["frames"][-1]["filename"] == str(SCRIPT.resolve())
        assert trace["frames"][-1]["code"].strip() == "throw new TypeError('bad value 17');"
        assert data["level"] == "error"
        assert data["environment"] == "sdk-js"
        assert data["language"] == "javascript"
        assert data["code_version"] == "1.2.3"
        assert data["custom"] == {"job": "a"}
        assert data["notifier"]["name"] == "node_rollbar"
        assert data["notifier"]["version"] == sdk_version
        assert data["metadata"]["access_token"] == ""
        assert project.post not in json.dumps(data)


def test_raise_from_another_function_is_another_item(  # type: ignore[no-untyped-def]
        node, server, project):
    report = run_sdk(node, server, project, "other-function")
    server.wait_digested()
    items = items_of(server, project)
    assert len(items) == 2
    assert sorted(i["counter"] for i in items) == [1, 2]
    assert len({i["hash"] for i in items}) == 2
    assert {i["title"] for i in items} == {"TypeError: bad value 17"}
    assert all(i["total_occurrences"] == 1 for i in items)
    throwers = {}
    for item in items:
        (occ,) = instances_of(server, project, item["id"])
        throwers[occ["data"]["uuid"]] = occ["data"]["body"]["trace_chain"][0]["frames"][-1]
    assert {u: f["method"] for u, f in throwers.items()} == {
        next(iter(sent_uuids(report, "a"))): "raiseInA",
        next(iter(sent_uuids(report, "b"))): "raiseInB",
    }


def test_messages_with_different_numbers_group_together(  # type: ignore[no-untyped-def]
        node, server, project):
    report = run_sdk(node, server, project, "messages")
    server.wait_digested()
    items = {i["title"]: i for i in items_of(server, project)}
    assert set(items) == {"payment 1234 failed after 3 retries",
                          "a different message entirely"}
    grouped = items["payment 1234 failed after 3 retries"]
    assert grouped["total_occurrences"] == 2
    assert grouped["level"] == "warning"
    assert grouped["environment"] == "sdk-js"
    assert "message: payment <int> failed after <int> retries" in grouped["fingerprint_key"]
    instances = instances_of(server, project, grouped["id"])
    assert {i["data"]["uuid"] for i in instances} == sent_uuids(report, "w1", "w2")
    assert sorted(i["data"]["body"]["message"]["body"] for i in instances) == [
        "payment 1234 failed after 3 retries", "payment 98 failed after 5 retries"]
    assert {i["data"]["level"] for i in instances} == {"warning"}
    other = items["a different message entirely"]
    assert other["total_occurrences"] == 1
    assert other["level"] == "info"


def test_read_back_matches_what_was_sent(  # type: ignore[no-untyped-def]
        node, sdk_version, server, project):
    report = run_sdk(node, server, project, "read-back")
    (uuid,) = sent_uuids(report)
    server.wait_digested()
    (item,) = items_of(server, project)
    r = server.get(f"/api/1/item/{item['id']}", project.read)
    assert r.status_code == 200, r.text
    got = r.json()["result"]
    assert got["title"] == "hello from the sdk"
    assert got["level"] == "info"
    assert got["environment"] == "sdk-js"
    (occ,) = instances_of(server, project, item["id"])
    r = server.get(f"/api/1/instance/{occ['id']}", project.read)
    assert r.status_code == 200, r.text
    one = r.json()["result"]
    assert one["item_id"] == item["id"]
    body = one["data"]
    assert body["uuid"] == uuid  # rollbar.js's own uuid, kept as sent (not a uuid4)
    assert body["body"]["message"]["body"] == "hello from the sdk"
    assert body["level"] == "info"
    assert body["environment"] == "sdk-js"
    assert body["custom"] == {"answer": 42}
    assert body["person"] == {"id": "u-1", "username": "ann"}
    assert body["context"] == "jobs#run"
    assert body["notifier"]["name"] == "node_rollbar"
    assert body["notifier"]["version"] == sdk_version
    assert body["code_version"] == "1.2.3"
    assert body["framework"] == "node-js"
    assert body["server"]["pid"] > 0
    by_uuid = server.get("/api/1/item/", project.read, uuid=uuid)
    assert by_uuid.status_code == 200, by_uuid.text
    assert by_uuid.json()["result"]["id"] == item["id"]


def test_api_base_endpoint_is_accepted(node, server, project):  # type: ignore[no-untyped-def]
    run_sdk(node, server, project, "messages", endpoint=server.api)
