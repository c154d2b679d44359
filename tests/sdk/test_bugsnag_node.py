"""The official Bugsnag JavaScript notifier (@bugsnag/js, its Node build) against the
real server.

tests/sdk/node/bugsnag.js runs a scenario with the npm package installed next to it
(`npm install` in tests/sdk/node; .ci/run does it). The notifier is started with
`endpoints: {notify, sessions}`; each notify() waits for its delivery callback, so the
script knows every answer. It sends payload version 4 in a header and inside each event,
the key in a header, `Bugsnag-Sent-At` with a zone, session summaries every 200 ms
(`sessionSummaryInterval`), and reports an uncaught exception before exiting with 1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.protocols.bugsnag.api_support import get, hex_id
from tests.support import LiveServer, ProjectInfo
from tracehound.model.event import Event, Level, unpack_data
from tracehound.store import codec
from tracehound.store.tables import occurrences

pytestmark = [pytest.mark.sdk, pytest.mark.slow]

NODE_DIR = Path(__file__).parent / "node"
SDK_PACKAGE = NODE_DIR / "node_modules" / "@bugsnag" / "js" / "package.json"


@pytest.fixture(scope="module")
def node() -> str:
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("`node` is not on PATH: the @bugsnag/js tests need Node.js (>= 18); "
                    ".ci/run runs them where Node.js is installed")
    if not SDK_PACKAGE.is_file():
        pytest.fail(f"@bugsnag/js is not installed ({SDK_PACKAGE} is missing): run "
                    "`npm install` in tests/sdk/node (.ci/run does it)", pytrace=False)
    return exe


def run(node: str, server: LiveServer, key: str, scenario: str,
        exit_code: int = 0) -> dict[str, Any]:
    proc = subprocess.run([node, "bugsnag.js", scenario], cwd=NODE_DIR, capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "BUGSNAG_API_KEY": key,
                               "TRACEHOUND_URL": server.url})
    assert proc.returncode == exit_code, proc.stderr + proc.stdout
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    server.wait_digested()
    return dict(report)


def items(server: LiveServer, project: ProjectInfo) -> list[dict[str, Any]]:
    r = server.get("/api/1/items/", project.read)
    assert r.status_code == 200, r.text
    return list(r.json()["result"]["items"])


def events_of(engine: Engine, item: dict[str, Any]) -> list[Event]:
    with engine.connect() as conn:
        rows = conn.execute(select(occurrences.c.payload).where(
            occurrences.c.item_id == item["id"]).order_by(occurrences.c.id)).all()
    return [codec.unpack(r.payload) for r in rows]


def sessions_counted(server: LiveServer) -> int:
    return int(server.http.get(server.url + "/health").json()["dropped_items"]
               .get("bugsnag.sessions", 0))


def test_notify_grouping_hash_and_sessions(node: str, server: LiveServer, engine: Engine,
                                           project: ProjectInfo) -> None:
    before = sessions_counted(server)
    report = run(node, server, project.post, "notify")
    assert report["results"] == [None] * 6 and report["logged"] == [], report
    found = items(server, project)
    assert len(found) == 4
    assert all(i["environment"] == "node-test" and i["language"] == "javascript"
               and i["framework"] == "Bugsnag Node" for i in found)
    (divided,) = [i for i in found if i["total_occurrences"] == 2
                  and "checkout-failed" not in i["fingerprint_key"]]
    assert divided["title"] == "RangeError: cannot divide 1 by zero"
    first, second = events_of(engine, divided)
    assert first.level == Level.WARNING and second.level == Level.INFO
    assert second.context == "GET /cart"
    assert second.person is not None and (second.person.id, second.person.email,
                                          second.person.username) == (
        "u-42", "bo@example.com", "Bo")
    assert first.code_version == "2.0.1" and first.host == "node-1"
    assert first.client_timestamp is not None  # device.time, skew-corrected
    crash = first.exceptions[0].frames[-1]
    assert crash.method == "divide" and crash.filename.endswith("bugsnag.js")
    assert crash.lineno and crash.colno
    data = unpack_data(second.data)
    assert data["metaData"]["order"] == {"id": 7}
    assert data["payloadVersion"] == "4" and data["app"]["releaseStage"] == "node-test"
    titles = {i["title"] for i in found}
    assert "TypeError: no value for missing" in titles
    (chained,) = [i for i in found if i["title"] == "Error: cannot charge order 12"]
    (event,) = events_of(engine, chained)
    assert [e.type for e in event.exceptions] == ["Error", "TypeError"]
    (hashed,) = [i for i in found if "checkout-failed" in i["fingerprint_key"]]
    assert sorted(e.exceptions[0].type for e in events_of(engine, hashed)) == [
        "RangeError", "TypeError"]
    assert sessions_counted(server) - before == 3


def test_uncaught_exception(node: str, server: LiveServer, engine: Engine,
                            project: ProjectInfo) -> None:
    report = run(node, server, project.post, "unhandled", exit_code=1)
    assert report["logged"] == [] or all("Uncaught" in m or "uncaught" in m
                                         for m in report["logged"]), report
    (item,) = items(server, project)
    assert item["title"] == "RangeError: cannot divide 9 by zero"
    assert item["level"] == "error"
    (event,) = events_of(engine, item)
    assert event.tags["unhandled"] == "true"
    assert event.tags["severity_reason"] == "unhandledException"


def test_a_key_that_is_not_a_project_key_is_refused(node: str, server: LiveServer,
                                                    project: ProjectInfo) -> None:
    report = run(node, server, project.read, "notify")
    assert all(r is not None and "401" in r for r in report["results"]), report
    assert items(server, project) == []


def test_read_back_through_the_data_access_api(node: str, server: LiveServer,
                                               project: ProjectInfo) -> None:
    """What @bugsnag/js reported, with the Events API seed's field names."""
    run(node, server, project.post, "notify")
    r = get(server, f"/projects/{hex_id(project.id)}/errors", project.read,
            **{"filters[event.class][]": "RangeError", "sort": "events"})
    assert r.status_code == 200, r.text
    (divided,) = [e for e in r.json() if e["grouping_reason"] != "user_defined"]
    assert (divided["message"], divided["events"]) == ("cannot divide 1 by zero", 2)
    events = get(server, divided["events_url"], project.read, direction="asc").json()
    first, second = events
    for ev in events:
        crash = ev["exceptions"][0]["stacktrace"][0]  # where it was thrown, first
        assert crash["method"] == "divide" and crash["file"].endswith("bugsnag.js")
        assert crash["line"] and crash["column"] and crash["in_project"] is True
        assert (ev["app_version"], ev["release_stage"]) == ("2.0.1", "node-test")
    assert first["severity"] == "warning" and second["severity"] == "info"
    assert (second["user_id"], second["context"]) == ("u-42", "GET /cart")
    assert second["meta_data"]["order"] == {"id": 7}
