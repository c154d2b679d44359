"""What the official Bugsnag Python notifier (`bugsnag` on PyPI) reports, read back
through the Bugsnag Data Access API with `Authorization: token` (issue 8, "How it is
shown").

The notifier runs in its own process (tests/sdk/bugsnag/app.py), configured as the
issue says — `bugsnag.configure(api_key=..., endpoint=..., session_endpoint=...,
asynchronous=False)` — with the API key the Data Access API gives for the project
(`api_key`). It reports with `notify(exc)`, `grouping_hash` and an unhandled exception
through its sys.excepthook; errors and events come back with the seed's field names;
following `rel="next"` links visits every event once, also while the notifier keeps
reporting between pages; time windows include `start_time` and exclude `end_time` at
the millisecond `received_at` is written with; a deleted event is 204, then 404.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.protocols.bugsnag.api_support import (
    API,
    error,
    get,
    hex_id,
    make_token,
    next_link,
    other_account,
    send,
    walk,
)
from tests.support import LiveServer, ProjectInfo

pytestmark = pytest.mark.sdk

APP = Path(__file__).parent / "bugsnag" / "app.py"
DIVIDE_LINE = next(n for n, line in enumerate(APP.read_text().splitlines(), 1)
                   if line.strip() == "return a / b")


def api_key(server: LiveServer, project: ProjectInfo) -> str:
    """The notifier key, as a Bugsnag user finds it: the project's `api_key`."""
    r = get(server, f"/projects/{hex_id(project.id)}", project.read)
    assert r.status_code == 200, r.text
    return str(r.json()["api_key"])


def run_app(server: LiveServer, key: str, scenario: str, *, exit_code: int = 0,
            **env: str) -> dict[str, Any]:
    environ = {**os.environ, "BUGSNAG_API_KEY": key,
               "BUGSNAG_NOTIFY": f"{server.url}/bugsnag/notify",
               "BUGSNAG_SESSIONS": f"{server.url}/bugsnag/sessions", **env}
    environ.pop("BUGSNAG_RELEASE_STAGE", None)
    proc = subprocess.run([sys.executable, str(APP), scenario], capture_output=True,
                          text=True, timeout=120, env=environ)
    assert proc.returncode == exit_code, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["logged"] == [], report  # every delivery got a 2xx
    server.wait_digested()
    return dict(report)


def burst(server: LiveServer, key: str, first: int, count: int) -> None:
    run_app(server, key, "burst", BUGSNAG_FIRST=str(first), BUGSNAG_COUNT=str(count))


def errors_of(server: LiveServer, project: ProjectInfo) -> list[dict[str, Any]]:
    r = get(server, f"/projects/{hex_id(project.id)}/errors", project.read)
    assert r.status_code == 200, r.text
    return list(r.json())


def events_of(server: LiveServer, url: str, token: str) -> list[dict[str, Any]]:
    r = get(server, url, token, per_page=100)
    assert r.status_code == 200, r.text
    assert r.headers["x-total-count"] == str(len(r.json()))
    return list(r.json())


def test_errors_and_events_with_the_seeds_names(server: LiveServer,
                                                project: ProjectInfo) -> None:
    run_app(server, api_key(server, project), "notify")
    errors = errors_of(server, project)
    assert len(errors) == 4
    by_class: dict[str, list[dict[str, Any]]] = {}
    for e in errors:
        by_class.setdefault(e["error_class"], []).append(e)
    # grouping_hash: a ZeroDivisionError and a KeyError as one error
    (hashed,) = [e for e in errors if e["grouping_reason"] == "user_defined"]
    assert hashed["grouping_fields"] == {"groupingHash": "checkout-failed"}
    assert hashed["events"] == 2
    assert sorted(ev["exceptions"][0]["class"] for ev in events_of(
        server, hashed["events_url"], project.read)) == ["KeyError", "ZeroDivisionError"]
    # divide() twice from one line: one error of two events
    (divided,) = [e for e in by_class["ZeroDivisionError"] if e is not hashed]
    assert (divided["message"], divided["events"], divided["status"]) == (
        "division by zero", 2, "open")
    assert divided["release_stages"] == ["sdk-test"] and divided["users"] == 1
    second, first = events_of(server, divided["events_url"], project.read)  # newest first
    for ev in (first, second):
        (exc,) = ev["exceptions"]
        assert (exc["class"], exc["message"]) == ("ZeroDivisionError", "division by zero")
        crash = exc["stacktrace"][0]  # where it was raised, first (as Bugsnag lists them)
        assert (crash["file"], crash["method"], crash["line"]) == ("app.py", "divide",
                                                                   DIVIDE_LINE)
        assert crash["in_project"] is True
        assert crash["code"][str(DIVIDE_LINE)].strip() == "return a / b"
        assert (ev["app_version"], ev["release_stage"]) == ("1.4.2", "sdk-test")
        assert ev["device"]["hostname"] == "web-1" and ev["unhandled"] is False
        assert ev["error_id"] == divided["id"]
    assert (first["severity"], first["user_id"]) == ("warning", None)  # handled: warning
    assert (second["severity"], second["context"], second["user_id"]) == (
        "info", "GET /cart", "u-42")
    assert second["user"] == {"id": "u-42", "name": "Bo", "email": "bo@example.com"}
    assert second["meta_data"]["order"] == {"id": 7, "password": "[FILTERED]"}
    # the chained exception: the reported error first, then its cause
    (chained,) = [e for e in by_class["ValueError"]]
    (ev,) = events_of(server, chained["events_url"], project.read)
    assert [x["class"] for x in ev["exceptions"]] == ["ValueError", "KeyError"]
    # one event read by its own url
    assert get(server, ev["url"], project.read).json() == ev


def test_an_unhandled_exception(server: LiveServer, project: ProjectInfo) -> None:
    run_app(server, api_key(server, project), "unhandled", exit_code=1)
    (err,) = errors_of(server, project)
    assert (err["error_class"], err["severity"]) == ("ZeroDivisionError", "error")
    (ev,) = events_of(server, err["events_url"], project.read)
    assert ev["unhandled"] is True and ev["severity"] == "error"
    assert [f["method"] for f in ev["exceptions"][0]["stacktrace"]][:2] == ["divide",
                                                                          "unhandled"]


def test_next_links_visit_every_event_once(server: LiveServer, project: ProjectInfo) -> None:
    key = api_key(server, project)
    burst(server, key, 0, 25)
    path = f"/projects/{hex_id(project.id)}/events"
    first = get(server, path, project.read, per_page=10)
    assert first.headers["x-total-count"] == "25"
    link = next_link(first)
    assert link is not None and link.startswith(f"{server.url}{API}{path}?")
    seen = [e["context"] for e in walk(server, first, project.read)]
    assert sorted(seen) == sorted(f"#{n}" for n in range(25))
    # the notifier keeps reporting between pages
    more = iter(range(100, 200, 3))
    first = get(server, path, project.read, per_page=10)
    seen = [e["context"] for e in walk(server, first, project.read,
                                       between=lambda: burst(server, key, next(more), 3))]
    assert sorted(seen) == sorted(f"#{n}" for n in range(25))  # newest first: only those
    before = {e["context"] for e in events_of(server, path, project.read)}
    first = get(server, path, project.read, per_page=10, direction="asc")
    seen = [e["context"] for e in walk(server, first, project.read,
                                       between=lambda: burst(server, key, next(more), 3))]
    assert len(seen) == len(set(seen)) and before <= set(seen)  # oldest first: new at end
    # an error's events page the same way
    (err,) = errors_of(server, project)
    first = get(server, err["events_url"], project.read, per_page=7)
    every = walk(server, first, project.read)
    assert len(every) == len({e["id"] for e in every}) == err["events"]


def test_time_windows(server: LiveServer, project: ProjectInfo) -> None:
    burst(server, api_key(server, project), 0, 6)
    path = f"/projects/{hex_id(project.id)}/events"
    times = [e["received_at"] for e in reversed(events_of(server, path, project.read))]
    assert times == sorted(times)

    def window(**params: str) -> list[str]:
        r = get(server, path, project.read, direction="asc", **params)
        assert r.status_code == 200, r.text
        return [e["received_at"] for e in r.json()]

    for at in times:  # start_time includes its millisecond, end_time excludes it
        assert window(start_time=at) == [t for t in times if t >= at]
        assert window(end_time=at) == [t for t in times if t < at]
    assert window(start_time=times[1], end_time=times[4]) == [
        t for t in times if times[1] <= t < times[4]]


def test_delete_an_event_and_who_may(server: LiveServer, engine: Engine,
                                     project: ProjectInfo,
                                     other_project: ProjectInfo) -> None:
    burst(server, api_key(server, project), 0, 2)
    path = f"/projects/{hex_id(project.id)}/events"
    newest, oldest = events_of(server, path, project.read)
    foreign = other_account(engine)
    for token in (other_project.read, foreign.read):
        error(get(server, newest["url"], token), 404)
        error(get(server, path, token), 404)
    for token in (other_project.write, foreign.write):
        error(send(server, "DELETE", f"/events/{newest['id']}", token), 404)
    read_only = make_token(engine, project.account_id, ["read"], project_id=project.id)
    error(send(server, "DELETE", f"/events/{newest['id']}", read_only), 403)
    r = send(server, "DELETE", f"{path}/{newest['id']}", project.write)
    assert r.status_code == 204
    error(get(server, newest["url"], project.read), 404)
    assert [e["id"] for e in events_of(server, path, project.read)] == [oldest["id"]]
