"""The official Exceptionless Node client (@exceptionless/node) against the real server.

tests/sdk/node/exceptionless.mjs runs with the npm package installed next to it
(`npm install` in tests/sdk/node; .ci/run does it). The client fetches the project
configuration at start-up, posts JSON arrays to /api/v2/events (sent at once with
processQueue() instead of its 10-second timer), sends user descriptions by reference id
and heartbeats; every call is recorded by the script and checked here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.support import LiveServer, ProjectInfo
from tracehound.model.event import unpack_data
from tracehound.store import codec
from tracehound.store.tables import occurrences

pytestmark = [pytest.mark.sdk, pytest.mark.slow]

NODE_DIR = Path(__file__).parent / "node"
SCRIPT = NODE_DIR / "exceptionless.mjs"
SDK_PACKAGE = NODE_DIR / "node_modules" / "@exceptionless" / "node" / "package.json"


@pytest.fixture(scope="module")
def node() -> str:
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("`node` is not on PATH: the @exceptionless/node tests need Node.js "
                    "(>= 18); .ci/run runs them where Node.js is installed")
    if not SDK_PACKAGE.is_file():
        pytest.fail(f"@exceptionless/node is not installed ({SDK_PACKAGE} is missing): run "
                    "`npm install` in tests/sdk/node (.ci/run does it)", pytrace=False)
    return exe


def run(node: str, server: LiveServer, token: str, tmp_path: Path) -> dict[str, Any]:
    proc = subprocess.run([node, str(SCRIPT)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "EXCEPTIONLESS_API_KEY": token,
                                           "EXCEPTIONLESS_SERVER_URL": server.url})
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def stored_payloads(server: LiveServer, engine: Engine, project: ProjectInfo) -> list[Any]:
    server.wait_digested()
    with engine.connect() as conn:
        rows = conn.execute(select(occurrences.c.payload).where(
            occurrences.c.project_id == project.id).order_by(occurrences.c.id)).all()
    return [unpack_data(codec.unpack(r.payload).data) for r in rows]


def test_node_client_end_to_end(node: str, server: LiveServer, engine: Engine,
                                project: ProjectInfo, tmp_path: Path) -> None:
    report = run(node, server, project.client, tmp_path)
    calls = report["calls"]
    by_name: dict[str, list[dict[str, Any]]] = {}
    for call in calls:
        by_name.setdefault(call["name"], []).append(call)
    # start-up: the configuration, 200 with a JSON body; the version header is read
    (settings,) = by_name["getSettings"]
    assert settings["status"] == 200 and settings["data"] == {"version": 1, "settings": {}}
    assert report["settings_version"] == 1
    # every post: exactly 202, no body (data null), the config version, no "remaining 0"
    posts = by_name["submitEvents"]
    assert posts and all(c["status"] == 202 and c["data"] is None for c in posts)
    assert all(c["settings_version"] == 1 and c["rate_limit_remaining"] != 0 for c in posts)
    (described,) = by_name["submitUserDescription"]
    assert described["status"] == 202 and described["data"] is None
    (beat,) = by_name["submitHeartbeat"]
    assert beat["status"] == 200 and beat["data"] is None

    server.wait_digested()
    r = server.get("/api/1/items/", project.read)
    listed = r.json()["result"]["items"]
    items = {i["title"]: i for i in listed}
    errors = [i for i in listed if i["title"] == "TypeError: bad value 17"]
    # raiseInA twice and raiseInB once: two items, told apart by their frames
    assert sorted(i["total_occurrences"] for i in errors) == [1, 2]
    assert all(i["level"] == "error" and i["language"] == "javascript" for i in errors)
    assert items["Worker 3 started"]["level"] == "info"
    assert "export" in items and "/missing" in items

    payloads = stored_payloads(server, engine, project)
    error = next(p for p in payloads if p.get("reference_id") == report["reference_id"])
    frames = error["data"]["@error"]["stack_trace"]
    # innermost frame first; an ES module's frames name file:// URLs
    assert frames[0]["name"] == "raiseInB" and frames[0]["file_name"] == SCRIPT.as_uri()
    assert error["data"]["@user"] == {"identity": "u-77", "name": "Ada"}
    assert error["data"]["@version"] == "1.4.2" and "sdk-test" in error["tags"]
    assert error["data"]["@submission_client"]["user_agent"].startswith("exceptionless-js/")
    deadline = time.monotonic() + 10
    while "@user_description" not in error["data"] and time.monotonic() < deadline:
        time.sleep(0.1)
        error = next(p for p in stored_payloads(server, engine, project)
                     if p.get("reference_id") == report["reference_id"])
    assert error["data"]["@user_description"] == {"email_address": "ada@example.com",
                                                  "description": "It broke"}


def test_wrong_key_is_refused_and_the_client_gives_up(node: str, server: LiveServer,
                                                      project: ProjectInfo,
                                                      tmp_path: Path) -> None:
    report = run(node, server, "not-a-real-key-0000", tmp_path)
    statuses = {c["name"]: c["status"] for c in report["calls"]}
    assert statuses["submitEvents"] == 401  # the client drops the batch and pauses
    assert statuses.get("submitHeartbeat", 401) == 401
    server.wait_digested()
    assert server.get("/api/1/items/", project.read).json()["result"]["items"] == []
