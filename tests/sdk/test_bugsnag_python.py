"""The official Bugsnag Python notifier (`bugsnag` on PyPI) against the real server.

The notifier runs in its own process (tests/sdk/bugsnag/app.py): importing it installs
its sys.excepthook, and the unhandled scenario ends that process through it. It is
configured as the issue says — `bugsnag.configure(api_key=..., endpoint=...,
session_endpoint=..., asynchronous=False)` — and reports with `notify(exc)`,
`grouping_hash`, sessions (sent by its atexit hook) and an unhandled exception.
Items are read back through the Rollbar REST API, events from the store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.support import LiveServer, ProjectInfo
from tracehound.model.event import Event, Level, unpack_data
from tracehound.store import codec
from tracehound.store.tables import occurrences

pytestmark = pytest.mark.sdk

APP = Path(__file__).parent / "bugsnag" / "app.py"


def run_app(server: LiveServer, key: str, scenario: str, *, prefix: str = "/bugsnag",
            exit_code: int = 0) -> tuple[dict[str, Any], str]:
    env = {**os.environ, "BUGSNAG_API_KEY": key,
           "BUGSNAG_NOTIFY": f"{server.url}{prefix}/notify",
           "BUGSNAG_SESSIONS": f"{server.url}{prefix}/sessions"}
    env.pop("BUGSNAG_RELEASE_STAGE", None)
    proc = subprocess.run([sys.executable, str(APP), scenario], capture_output=True,
                          text=True, timeout=60, env=env)
    assert proc.returncode == exit_code, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    server.wait_digested()
    return dict(report), proc.stderr


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


def test_notify_grouping_hash_and_sessions(server: LiveServer, engine: Engine,
                                           project: ProjectInfo) -> None:
    before = sessions_counted(server)
    report, _ = run_app(server, project.post, "notify")
    assert report["logged"] == [], report  # every delivery got a 2xx
    assert report["version"].startswith("4.")
    found = items(server, project)
    by_title: dict[str, list[dict[str, Any]]] = {}
    for item in found:
        by_title.setdefault(item["title"], []).append(item)
    assert all(i["environment"] == "sdk-test" for i in found)
    assert all(i["language"] == "python" and i["framework"] == "Python Bugsnag Notifier"
               for i in found)
    # divide() twice from one line (other messages): one item of two events
    (divided,) = [i for i in found if i["total_occurrences"] == 2
                  and "checkout-failed" not in i["fingerprint_key"]]
    assert divided["title"] == "ZeroDivisionError: division by zero"
    first, second = events_of(engine, divided)
    assert first.level == Level.WARNING  # handled: the notifier's default severity
    assert second.level == Level.INFO and second.context == "GET /cart"
    assert second.person is not None and (second.person.id, second.person.email) == (
        "u-42", "bo@example.com")
    assert first.code_version == "1.4.2" and first.host == "web-1"
    assert first.tags["unhandled"] == "false"
    crash = first.exceptions[0].frames[-1]
    assert (crash.filename, crash.method, crash.in_app) == ("app.py", "divide", True)
    data = unpack_data(second.data)
    assert data["metaData"]["order"] == {"id": 7, "password": "[FILTERED]"}
    assert data["app"]["releaseStage"] == "sdk-test"  # sent on the event, filled in app
    frame = data["exceptions"][0]["stacktrace"][0]
    assert frame["code"][str(frame["lineNumber"])].strip() == "return a / b"
    # lookup(): its own item
    assert "KeyError: 'missing'" in by_title
    # the chained one: the reported error first, then its cause
    (chained,) = by_title["ValueError: cannot charge order 12"]
    (event,) = events_of(engine, chained)
    assert [e.type for e in event.exceptions] == ["ValueError", "KeyError"]
    # grouping_hash: a ZeroDivisionError and a KeyError in one item
    (hashed,) = [i for i in found if "checkout-failed" in i["fingerprint_key"]]
    assert hashed["total_occurrences"] == 2
    assert sorted(e.exceptions[0].type for e in events_of(engine, hashed)) == [
        "KeyError", "ZeroDivisionError"]
    assert len(found) == 4
    # three sessions, posted by the SDK's atexit hook to the sessions endpoint
    assert sessions_counted(server) - before == 3


def test_unhandled_exception_through_the_sdk_hook(server: LiveServer, engine: Engine,
                                                  project: ProjectInfo) -> None:
    report, stderr = run_app(server, project.post, "unhandled", prefix="", exit_code=1)
    assert "ZeroDivisionError" in stderr  # Python's own hook still ran after the SDK's
    assert report["logged"] == [], report
    (item,) = items(server, project)
    assert item["title"] == "ZeroDivisionError: division by zero"
    assert item["level"] == "error"
    (event,) = events_of(engine, item)
    assert event.tags == {"unhandled": "true", "severity_reason": "unhandledException"}
    assert [f.method for f in event.exceptions[0].frames][-2:] == ["unhandled", "divide"]


def test_a_key_that_is_not_a_project_key_is_refused(server: LiveServer,
                                                    project: ProjectInfo) -> None:
    report, _ = run_app(server, project.read, "notify")
    assert report["logged"] and all("failed, status 401" in m for m in report["logged"])
    assert items(server, project) == []
