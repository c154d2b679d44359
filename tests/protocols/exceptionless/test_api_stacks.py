"""Exceptionless stacks over HTTP: lists with filters, sorts and paging, one stack, and
every verb read back through GET, through the Rollbar API's item status, and through
the lifecycle the digest applies to the next event."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine

from tests.protocols.exceptionless.api_support import (
    bearer,
    get,
    links,
    login,
    make_user,
    other_account,
    post_events,
    problem,
    send,
)
from tests.support import LiveServer, ProjectInfo
from tracehound.protocols.exceptionless import ids


def error(kind: str, fn: str = "handler", **extra: Any) -> dict[str, Any]:
    return {"type": "error", **extra, "data": {"@error": {
        "type": kind, "message": f"{kind} happened",
        "stack_trace": [{"name": fn, "file_name": "app.js", "line_number": 1}]}}}


def stacks_by_title(server: LiveServer, token: str, **params: Any) -> dict[str, Any]:
    r = get(server, "/api/v2/stacks", token, limit=100, **params)
    assert r.status_code == 200, r.text
    return {s["title"]: s for s in r.json()}


def rollbar_item(server: LiveServer, project: ProjectInfo, stack_id: str) -> dict[str, Any]:
    r = httpx.get(f"{server.url}/api/1/item/{ids.decode(stack_id)}",
                  headers={"X-Rollbar-Access-Token": project.read})
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()["result"]
    return result


def test_stack_shape_and_lists(server: LiveServer, engine: Engine,
                               project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    post_events(server, project.post, [
        error("TypeError", tags=["checkout", "<b>x</b>"]), error("TypeError"),
        error("RangeError", fn="other"),
        {"type": "log", "message": "Worker started", "source": "boot"},
        {"type": "usage", "source": "export"},
    ])
    server.wait_digested()
    stacks = stacks_by_title(server, me)
    assert set(stacks) == {"TypeError: TypeError happened", "RangeError: RangeError happened",
                           "Worker started", "export"}
    t = stacks["TypeError: TypeError happened"]
    assert t["type"] == "error" and t["status"] == "open" and t["total_occurrences"] == 2
    assert t["project_id"] == ids.encode(project.id)
    assert t["organization_id"] == ids.encode(project.account_id)
    assert t["tags"] == ["<b>x</b>", "checkout"] and t["occurrences_are_critical"] is False
    assert t["first_occurrence"] <= t["last_occurrence"] and len(t["signature_hash"]) == 40
    assert "fixed_in_version" not in t and "date_fixed" not in t
    assert stacks["Worker started"]["type"] == "log" and stacks["export"]["type"] == "usage"
    assert get(server, f"/api/v2/stacks/{t['id']}", me).json() == t
    # filters with Exceptionless's stack names
    assert set(stacks_by_title(server, me, filter="type:error")) == {
        "TypeError: TypeError happened", "RangeError: RangeError happened"}
    assert set(stacks_by_title(server, me, filter="tag:checkout")) == {
        "TypeError: TypeError happened"}
    assert set(stacks_by_title(server, me, filter="occurrences:>1")) == {
        "TypeError: TypeError happened"}
    assert set(stacks_by_title(server, me, filter=f"stack:{t['id']}")) == {t["title"]}
    assert set(stacks_by_title(server, me, filter="status:open type:usage")) == {"export"}
    assert set(stacks_by_title(server, me, filter="worker")) == {"Worker started"}
    problem(get(server, "/api/v2/stacks", me, filter="status:gone"), 400, "status")
    # sorts and page paging
    by_count = get(server, "/api/v2/stacks", me, sort="-occurrences").json()
    assert by_count[0]["id"] == t["id"]
    oldest_first = get(server, "/api/v2/stacks", me, sort="first").json()
    assert [s["id"] for s in oldest_first] == sorted(s["id"] for s in oldest_first)
    first = get(server, "/api/v2/stacks", me, limit=3, include="total")
    assert first.headers["x-result-count"] == "4" and set(links(first)) == {"next"}
    second = server.http.get(links(first)["next"], headers=bearer(me))
    assert len(second.json()) == 1 and set(links(second)) == {"previous"}
    assert {s["id"] for s in first.json() + second.json()} == {s["id"] for s in
                                                                 stacks.values()}
    problem(get(server, "/api/v2/stacks", me, sort="title"), 400, "sort")
    pid, org = ids.encode(project.id), ids.encode(project.account_id)
    assert len(get(server, f"/api/v2/projects/{pid}/stacks", me).json()) == 4
    assert len(get(server, f"/api/v2/organizations/{org}/stacks", me).json()) == 4
    assert get(server, "/api/v2/stacks", me, mode="summary").json()[0]["template_key"]
    assert get(server, "/api/v2/stacks", me, time="last hour").status_code == 200
    assert get(server, "/api/v2/stacks", me, time="[* TO 2020-01-01]").json() == []


def test_fixed_hidden_status_and_critical(server: LiveServer, engine: Engine,
                                          project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    post_events(server, project.post, [error("TypeError"), error("RangeError", fn="o")])
    server.wait_digested()
    stacks = stacks_by_title(server, me)
    t = stacks["TypeError: TypeError happened"]["id"]
    r = stacks["RangeError: RangeError happened"]["id"]

    # mark fixed in a version: GET and the Rollbar API both say so
    assert send(server, "POST", f"/api/v2/stacks/{t},{r}/mark-fixed", me,
                version="1.4.3").status_code == 200
    fixed = get(server, f"/api/v2/stacks/{t}", me).json()
    assert fixed["status"] == "fixed" and fixed["fixed_in_version"] == "1.4.3"
    assert fixed["date_fixed"].endswith("Z")
    item = rollbar_item(server, project, t)
    assert item["status"] == "resolved" and item["resolved_in_version"] == "1.4.3"
    assert set(stacks_by_title(server, me, filter="fixed:true")) == set(stacks)
    assert get(server, "/api/v2/events", me, filter="status:fixed").json()
    problem(send(server, "POST", f"/api/v2/stacks/{t}/mark-fixed", me, version="not a version"),
            400, "semantic version")

    # an event of a fixed stack in a newer version makes it regressed
    post_events(server, project.post, {**error("TypeError"), "data": {
        **error("TypeError")["data"], "@version": "1.5.0"}})
    server.wait_digested()
    assert get(server, f"/api/v2/stacks/{t}", me).json()["status"] == "regressed"
    assert set(stacks_by_title(server, me, filter="status:regressed")) == {
        "TypeError: TypeError happened"}
    assert rollbar_item(server, project, t)["status"] == "active"

    # not fixed again
    assert send(server, "DELETE", f"/api/v2/stacks/{r}/mark-fixed", me).status_code == 204
    assert get(server, f"/api/v2/stacks/{r}", me).json()["status"] == "open"

    # hidden = muted
    assert send(server, "POST", f"/api/v2/stacks/{r}/mark-hidden", me).status_code == 200
    assert get(server, f"/api/v2/stacks/{r}", me).json()["status"] == "ignored"
    assert rollbar_item(server, project, r)["status"] == "muted"
    assert set(stacks_by_title(server, me, filter="hidden:true")) == {
        "RangeError: RangeError happened"}
    assert send(server, "DELETE", f"/api/v2/stacks/{r}/mark-hidden", me).status_code == 204
    assert rollbar_item(server, project, r)["status"] == "active"

    # change-status, every status
    for status, expect, rollbar in (("fixed", "fixed", "resolved"),
                                    ("ignored", "ignored", "muted"),
                                    ("discarded", "ignored", "muted"),
                                    ("open", "open", "active"),
                                    ("snoozed", "snoozed", "active"),
                                    ("regressed", "open", "active")):
        ok = send(server, "POST", f"/api/v2/stacks/{r}/change-status", me, status=status)
        assert ok.status_code == 200, ok.text
        assert get(server, f"/api/v2/stacks/{r}", me).json()["status"] == expect, status
        assert rollbar_item(server, project, r)["status"] == rollbar, status
    body = problem(send(server, "POST", f"/api/v2/stacks/{r}/change-status", me,
                        status="deleted"), 422)
    assert "status" in body["errors"]

    # snooze until a time, at least five minutes ahead
    later = datetime.fromtimestamp(time.time() + 3600, UTC).isoformat().replace("+00:00", "Z")
    assert send(server, "POST", f"/api/v2/stacks/{r}/mark-snoozed", me,
                snoozeUntilUtc=later).status_code == 200
    snoozed = get(server, f"/api/v2/stacks/{r}", me).json()
    assert snoozed["status"] == "snoozed" and snoozed["snooze_until_utc"][:16] == later[:16]
    soon = datetime.fromtimestamp(time.time() + 60, UTC).isoformat()
    problem(send(server, "POST", f"/api/v2/stacks/{r}/mark-snoozed", me, snoozeUntilUtc=soon),
            400, "at least 5 minutes")
    problem(send(server, "POST", f"/api/v2/stacks/{r}/mark-snoozed", me,
                 snoozeUntilUtc="tomorrow"), 400)

    # critical
    assert send(server, "POST", f"/api/v2/stacks/{t}/mark-critical", me).status_code == 200
    assert get(server, f"/api/v2/stacks/{t}", me).json()["occurrences_are_critical"] is True
    assert set(stacks_by_title(server, me, filter="critical:true")) == {
        "TypeError: TypeError happened"}
    assert send(server, "DELETE", f"/api/v2/stacks/{t}/mark-critical", me).status_code == 204
    assert get(server, f"/api/v2/stacks/{t}", me).json()["occurrences_are_critical"] is False


def test_delete_stacks(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    post_events(server, project.post, [error("TypeError"), error("TypeError", tags=["x"]),
                                       error("RangeError", fn="o")])
    server.wait_digested()
    stacks = stacks_by_title(server, me)
    t = stacks["TypeError: TypeError happened"]["id"]
    problem(send(server, "DELETE", f"/api/v2/stacks/{t}", project.tokens["write"]), 403)
    r = send(server, "DELETE", f"/api/v2/stacks/{t}", me)
    assert r.status_code == 202 and r.json() == {"workers": []}
    problem(get(server, f"/api/v2/stacks/{t}", me), 404)
    assert get(server, f"/api/v2/stacks/{t}/events", me).status_code == 404
    assert len(get(server, "/api/v2/events", me).json()) == 1
    assert httpx.get(f"{server.url}/api/1/item/{ids.decode(t)}", headers={
        "X-Rollbar-Access-Token": project.read}).status_code == 404
    # the same error again makes a new stack
    post_events(server, project.post, error("TypeError"))
    server.wait_digested()
    again = stacks_by_title(server, me)["TypeError: TypeError happened"]
    assert again["id"] != t and again["total_occurrences"] == 1


def test_reach_and_odd_ids(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    elsewhere = other_account(engine)
    post_events(server, elsewhere.post, error("TypeError"))
    post_events(server, project.post, error("RangeError"))
    server.wait_digested()
    stranger = login(server, make_user(engine, elsewhere.account_id, "s@example.com"))
    [theirs] = get(server, "/api/v2/stacks", stranger).json()
    [mine] = get(server, "/api/v2/stacks", me).json()
    problem(get(server, f"/api/v2/stacks/{theirs['id']}", me), 404, "Stack not found")
    for verb, path in (("POST", "mark-fixed"), ("POST", "mark-hidden"),
                       ("POST", "mark-critical"), ("DELETE", "mark-critical")):
        problem(send(server, verb, f"/api/v2/stacks/{theirs['id']}/{path}", me), 404)
        # one foreign id among the caller's: nothing changes
        problem(send(server, verb, f"/api/v2/stacks/{mine['id']},{theirs['id']}/{path}", me),
                404)
    problem(send(server, "DELETE", f"/api/v2/stacks/{theirs['id']}", me), 404)
    assert get(server, f"/api/v2/stacks/{theirs['id']}", stranger).json()["status"] == "open"
    assert get(server, f"/api/v2/stacks/{mine['id']}", me).json()["status"] == "open"
    for odd in ("0" * 24, "x" * 24, "1" * 25, "12", ",".join([mine["id"]] * 101)):
        problem(get(server, f"/api/v2/stacks/{odd}", me), 404)
        problem(send(server, "POST", f"/api/v2/stacks/{odd}/mark-fixed", me), 404)
    problem(get(server, f"/api/v2/projects/{ids.encode(elsewhere.id)}/stacks", me), 404)
    # tokens: client 403, read-only may read but not change, wrong 401
    problem(get(server, "/api/v2/stacks", project.client), 403)
    assert get(server, "/api/v2/stacks", project.read).status_code == 200
    problem(send(server, "POST", f"/api/v2/stacks/{mine['id']}/mark-fixed", project.read), 403)
    assert send(server, "POST", f"/api/v2/stacks/{mine['id']}/mark-fixed",
                project.tokens["write"]).status_code == 200
    problem(get(server, "/api/v2/stacks", "0" * 32), 401)
