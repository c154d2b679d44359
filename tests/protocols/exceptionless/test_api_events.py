"""Reading Exceptionless events over HTTP: the event shape (as posted, and rebuilt for
Rollbar and Sentry events), filters, time windows, sorting, both paging modes with
their Link headers, one event, counts, and everything outside the caller's reach."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

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
)
from tests.support import LiveServer, ProjectInfo, make_project
from tracehound.protocols.exceptionless import ids

# a client date as the .NET client writes it: 7 fraction digits, its own offset
YESTERDAY = (datetime.now(timezone(timedelta(hours=-5))) - timedelta(days=1)).strftime(
    "%Y-%m-%dT%H:%M:%S.1234567-05:00")
LOG = {"type": "log", "source": "Billing.Worker", "message": "Invoice <b>42</b> sent",
       "reference_id": "ref-log-0001", "tags": ["billing", "nightly"], "value": 3.5,
       "count": 2, "geo": "32.85,-96.9613", "date": YESTERDAY,
       "data": {"@level": "Warn", "order": {"id": 42, "lines": [1, 2]}, "@version": "1.4.2",
                "@user": {"identity": "u-77", "name": "Ada"}}}
ERROR = {"type": "error", "reference_id": "ref-err-0001", "tags": ["checkout"],
         "data": {"@error": {"type": "TypeError", "message": "x is undefined",
                             "stack_trace": [{"name": "applyDiscount", "file_name": "cart.js",
                                              "line_number": 42}]}}}


def messages(r: Any) -> list[str]:
    assert r.status_code == 200, r.text
    return [e.get("message", "") for e in r.json()]


def test_event_shape_round_trips(server: LiveServer, engine: Engine,
                                 project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    post_events(server, project.post, [LOG, ERROR])
    server.wait_digested()
    [log] = get(server, "/api/v2/events/by-ref/ref-log-0001", me).json()
    for key in ("type", "source", "message", "reference_id", "tags", "value", "count", "geo",
                "date"):
        assert log[key] == LOG[key], key
    # a date in the future is the receive time (Exceptionless moves it to now too)
    post_events(server, project.post, {**LOG, "reference_id": "ref-future-01",
                                       "date": "2999-01-01T00:00:00Z"})
    server.wait_digested()
    [future] = get(server, "/api/v2/events/by-ref/ref-future-01", me).json()
    assert future["date"] == future["created_utc"]
    assert log["data"]["order"] == {"id": 42, "lines": [1, 2]}
    assert log["data"]["@user"] == {"identity": "u-77", "name": "Ada"}
    assert log["data"]["@level"] == "Warn" and log["data"]["@version"] == "1.4.2"
    assert log["project_id"] == ids.encode(project.id) and log["is_first_occurrence"]
    assert log["created_utc"].endswith("Z") and None not in log.values()
    [error] = get(server, "/api/v2/events/by-ref/ref-err-0001", me).json()
    assert error["type"] == "error" and error["message"] == "x is undefined"
    assert error["data"]["@error"]["stack_trace"][0]["name"] == "applyDiscount"
    # the same stack again: not its first occurrence
    post_events(server, project.post, [{**ERROR, "reference_id": "ref-err-0002"}])
    server.wait_digested()
    [again] = get(server, "/api/v2/events/by-ref/ref-err-0002", me).json()
    assert again["stack_id"] == error["stack_id"] and again["is_first_occurrence"] is False
    # by-ref of one project
    pid = ids.encode(project.id)
    assert get(server, f"/api/v2/projects/{pid}/events/by-ref/ref-log-0001",
               me).json() == [log]


def test_events_of_other_protocols_render_as_exceptionless_events(
        server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    r = server.post_item(project.post, {
        "environment": "production", "code_version": "2.0", "context": "orders#create",
        "person": {"id": "7", "username": "ada"}, "server": {"host": "web-3"},
        "body": {"trace_chain": [
            {"frames": [{"filename": "app.py", "lineno": 3, "method": "main"},
                        {"filename": "orders.py", "lineno": 9, "method": "create"}],
             "exception": {"class": "KeyError", "message": "'sku'"}},
            {"frames": [{"filename": "db.py", "lineno": 1, "method": "get"}],
             "exception": {"class": "LookupError", "message": "no row"}}]}})
    assert r.status_code == 200, r.text
    sentry = server.http.post(
        server.url + f"/api/{project.id}/store/", params={"sentry_key": project.post},
        json={"message": "cache warmed", "level": "info", "tags": {"region": "eu"}})
    assert sentry.status_code == 200, sentry.text
    server.wait_digested()
    error, log = get(server, "/api/v2/events", me).json()[::-1] \
        if get(server, "/api/v2/events", me).json()[0]["type"] == "log" \
        else get(server, "/api/v2/events", me).json()
    assert error["type"] == "error" and error["message"] == "'sku'"
    outer = error["data"]["@error"]
    assert outer["type"] == "KeyError" and outer["inner"]["type"] == "LookupError"
    assert [f["name"] for f in outer["stack_trace"]] == ["create", "main"]  # innermost first
    assert error["data"]["@user"] == {"identity": "7", "name": "ada"}
    assert error["data"]["@version"] == "2.0" and error["source"] == "orders#create"
    assert error["data"]["@environment"]["machine_name"] == "web-3"
    assert log["type"] == "log" and log["message"] == "cache warmed"
    assert log["tags"] == ["region=eu"] and log["data"]["@level"] == "Info"
    assert get(server, "/api/v2/events", me, filter="type:log").json() == [log]


def test_filters(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    post_events(server, project.post, [
        LOG, ERROR,
        {"type": "usage", "source": "export", "reference_id": "ref-use-0001"},
        {"type": "404", "source": "GET /missing", "tags": ["web"]},
        {"type": "log", "message": "debug noise", "data": {"@level": "debug"}},
    ])
    server.wait_digested()

    def find(text: str) -> list[str]:
        return sorted(e.get("reference_id") or e.get("source") or e["message"]
                      for e in get(server, "/api/v2/events", me, filter=text).json())

    assert find("type:error") == ["ref-err-0001"]
    assert find("type:usage") == ["ref-use-0001"]
    assert find("type:404") == ["GET /missing"]
    assert find("type:log") == ["debug noise", "ref-log-0001"]
    assert find("reference:ref-log-0001") == ["ref-log-0001"]
    assert find("reference:ref-log*") == ["ref-log-0001"]
    assert find("tag:checkout") == ["ref-err-0001"]
    assert find("tag:billing tag:nightly") == ["ref-log-0001"]
    assert find("level:warn") == ["GET /missing", "ref-log-0001"]  # a 404 is a warning
    assert find("level:>=warning") == ["GET /missing", "ref-err-0001", "ref-log-0001"]
    assert find("level:debug") == ["debug noise"]
    assert find("invoice") == ["ref-log-0001"]  # free text, case-insensitive
    assert find('"x is undefined"') == ["ref-err-0001"]
    assert find("(type:usage OR tag:web) -type:404") == ["ref-use-0001"]
    assert find("NOT type:log") == ["GET /missing", "ref-err-0001", "ref-use-0001"]
    assert find("type:error OR reference:ref-use-0001") == ["ref-err-0001", "ref-use-0001"]
    assert find("first:true type:error") == ["ref-err-0001"]
    assert find("source:Billing.Worker") == ["ref-log-0001"]
    assert find("user:u-77") == ["ref-log-0001"]
    assert find("version:1.4.2") == ["ref-log-0001"]
    assert find("status:open") == find("")
    assert find("fixed:true") == []
    assert find("_exists_:reference") == ["ref-err-0001", "ref-log-0001", "ref-use-0001"]
    [err] = get(server, "/api/v2/events", me, filter="type:error").json()
    assert find(f"stack:{err['stack_id']}") == ["ref-err-0001"]
    assert find(f"id:{err['id']}") == ["ref-err-0001"]
    assert find(f"project:{ids.encode(project.id)} type:error") == ["ref-err-0001"]
    assert find("stack:" + "f" * 24) == [] and find("stack:nothex") == []
    # a stack-level filter on events: the stack's status
    assert find("status:fixed") == []
    for bad in ("type:", "bogus:1", "(type:log", 'message:"open', "level:loud",
                "fixed:maybe", "date:[yesterday TO now]", "x" * 3000):
        body = problem(get(server, "/api/v2/events", me, filter=bad), 400)
        assert "invalid search query" in body["title"] or "too long" in body["title"]


def test_paging_visits_every_event_once(server: LiveServer, engine: Engine,
                                        project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    post_events(server, project.post, [{"type": "log", "message": f"line {n}",
                                        "reference_id": f"page-ref-{n:04d}"}
                                       for n in range(23)])
    server.wait_digested()
    # cursor paging (no page=): follow rel=next to the end
    first = get(server, "/api/v2/events", me, limit=5, include="total")
    assert first.headers["x-result-count"] == "23" and len(first.json()) == 5
    seen = [e["id"] for e in first.json()]
    url, pages = links(first)["next"], 1
    while url:
        page = server.http.get(url, headers=bearer(me))
        assert page.status_code == 200 and page.json()
        seen += [e["id"] for e in page.json()]
        url, pages = links(page).get("next", ""), pages + 1
    assert len(seen) == len(set(seen)) == 23 and pages == 5
    assert seen == sorted(seen, reverse=True)  # newest first
    # rel=previous leads back to the page before
    second = server.http.get(links(first)["next"], headers=bearer(me))
    back = server.http.get(links(second)["previous"], headers=bearer(me))
    assert [e["id"] for e in back.json()] == seen[:5]
    # a new event while paging neither shifts nor repeats the rest
    post_events(server, project.post, {"type": "log", "message": "late"})
    server.wait_digested()
    rest = server.http.get(links(second)["next"], headers=bearer(me))
    assert [e["id"] for e in rest.json()] == seen[10:15]
    # page mode: page and limit, Link keeps the other parameters
    p2 = get(server, "/api/v2/events", me, limit=10, page=2, filter="type:log")
    assert set(links(p2)) == {"previous", "next"} and "filter=type%3Alog" in links(p2)["next"]
    assert "x-result-count" not in p2.headers
    p3 = server.http.get(links(p2)["next"], headers=bearer(me))
    assert len(p3.json()) == 4 and "next" not in links(p3)
    # ascending, limit clamped to 100, the skip cap
    # across projects: each project's newest rows merged, still every event once
    sibling = make_project(engine, "sibling")
    post_events(server, sibling.post, [{"type": "log", "message": f"s{n}"} for n in range(9)])
    server.wait_digested()
    everything, url = [], "start"
    while url:
        page = get(server, "/api/v2/events", me, limit=4) if url == "start" \
            else server.http.get(url, headers=bearer(me))
        everything += [e["id"] for e in page.json()]
        url = links(page).get("next", "")
    assert len(everything) == len(set(everything)) == 33
    by_page = [e["id"] for n in (1, 2, 3) for e in get(server, "/api/v2/events", me,
                                                         limit=11, page=n).json()]
    assert by_page == everything
    asc = get(server, "/api/v2/projects/" + ids.encode(project.id) + "/events", me,
              sort="date", limit=1000)
    assert [e["id"] for e in asc.json()][:23] == sorted(seen)
    assert get(server, "/api/v2/events", me, page=200, limit=10).json() == []
    problem(get(server, "/api/v2/events", me, sort="-title"), 400, "sort")
    problem(get(server, "/api/v2/events", me, before="garbage"), 400, "cursor")
    problem(get(server, "/api/v2/events", me, mode="stack_frequent"), 400, "mode")
    summary = get(server, f"/api/v2/projects/{ids.encode(project.id)}/events", me,
                  mode="summary", limit=1).json()
    assert summary[0]["template_key"] == "event-log-summary"
    assert summary[0]["data"]["Message"] == "late"


def test_time_windows(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    post_events(server, project.post, [{"type": "log", "message": "now"}])
    server.wait_digested()
    today = time.strftime("%Y-%m-%d", time.gmtime())
    for window in ("last 24 hours", "last hour", "last week", "last 7 days", "today",
                   "[now-7d TO now]", "[now-1h TO *]", f"date|{today}",
                   f"{today}T00:00:00 - {today}T23:59:59", f"[{today} TO {today}]"):
        assert messages(get(server, "/api/v2/events", me, time=window)) == ["now"], window
    for window in ("yesterday", "[now-7d TO now-1d]", "2020-01-01T00:00:00 - 2020-02-01",
                   "[* TO 2020-01-01]"):
        assert messages(get(server, "/api/v2/events", me, time=window)) == [], window
    assert messages(get(server, "/api/v2/events", me, time="today", offset="-300m")) \
        in (["now"], [])
    for bad in ("next week", "[now TO", "[now-7x TO now]", "last -3 days", "first|today",
                "2020-13-45"):
        problem(get(server, "/api/v2/events", me, time=bad), 400)
    problem(get(server, "/api/v2/events", me, time="today", offset="soon"), 400, "offset")


def test_one_event_stack_events_and_counts(server: LiveServer, engine: Engine,
                                           project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    post_events(server, project.post, [ERROR, {**ERROR, "reference_id": "ref-err-0002"},
                                       LOG])
    server.wait_digested()
    newest, middle, oldest = get(server, "/api/v2/events", me).json()
    r = get(server, f"/api/v2/events/{middle['id']}", me)
    assert r.status_code == 200 and r.json() == middle
    rel = links(r)
    assert rel["previous"].endswith(oldest["id"]) and rel["next"].endswith(newest["id"])
    assert rel["parent"] == f"{server.url}/api/v2/stacks/{middle['stack_id']}"
    assert server.http.get(rel["parent"], headers=bearer(me)).json()["id"] == \
        middle["stack_id"]
    problem(get(server, f"/api/v2/events/{middle['id']}", me,
                expected_stack_id="f" * 24), 400)
    assert get(server, f"/api/v2/events/{middle['id']}", me,
               expected_stack_id=middle["stack_id"]).status_code == 200
    # one batch is stored in no particular id order: find the errors' stack by filter
    error_stack = get(server, "/api/v2/events", me, filter="type:error").json()[0]["stack_id"]
    stack = get(server, f"/api/v2/stacks/{error_stack}/events", me)
    assert {e["reference_id"] for e in stack.json()} == {"ref-err-0001", "ref-err-0002"}
    assert get(server, "/api/v2/events/count", me).json() == {"total": 3}
    pid = ids.encode(project.id)
    assert get(server, f"/api/v2/projects/{pid}/events/count", me,
               filter="type:error").json() == {"total": 2}
    org = ids.encode(project.account_id)
    assert len(get(server, f"/api/v2/organizations/{org}/events", me).json()) == 3
    assert len(get(server, f"/api/v2/projects/{pid}/events", me).json()) == 3


def test_reach_tokens_and_odd_ids(server: LiveServer, engine: Engine,
                                  project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    elsewhere = other_account(engine)
    sibling = make_project(engine, "sibling")
    post_events(server, elsewhere.post, [{**LOG, "reference_id": "theirs-0001"}])
    post_events(server, sibling.post, [{**LOG, "reference_id": "sibling-0001"}])
    post_events(server, project.post, [LOG])
    server.wait_digested()
    assert [e["reference_id"] for e in get(server, "/api/v2/events", me).json()] == [
        "ref-log-0001", "sibling-0001"]
    assert get(server, "/api/v2/events/by-ref/theirs-0001", me).json() == []
    stranger = login(server, make_user(engine, elsewhere.account_id, "s@example.com"))
    [theirs] = get(server, "/api/v2/events", stranger).json()
    problem(get(server, f"/api/v2/events/{theirs['id']}", me), 404, "Event not found")
    problem(get(server, f"/api/v2/stacks/{theirs['stack_id']}/events", me), 404)
    problem(get(server, f"/api/v2/projects/{ids.encode(elsewhere.id)}/events", me), 404)
    problem(get(server, f"/api/v2/organizations/{ids.encode(elsewhere.account_id)}/events",
                me), 404)
    assert get(server, "/api/v2/events", me, filter=f"id:{theirs['id']}").json() == []
    # a project token sees its own project's events only
    assert [e["reference_id"] for e in get(server, "/api/v2/events",
                                           project.read).json()] == ["ref-log-0001"]
    problem(get(server, f"/api/v2/projects/{ids.encode(sibling.id)}/events",
                project.read), 404)
    for odd in ("0" * 24, "z" * 24, "1" * 25, "abc", "-1", "9" * 30, "%00", "f" * 24):
        problem(get(server, f"/api/v2/events/{odd}", me), 404)
    for odd in ("short", "x" * 101, "a_b_c_d_e", "<script>x"):
        problem(get(server, f"/api/v2/events/by-ref/{odd}", me), 404)
    # a client token may post but not read; wrong tokens are 401
    problem(get(server, "/api/v2/events", project.client), 403)
    problem(get(server, "/api/v2/events/by-ref/ref-log-0001", project.post), 403)
    problem(get(server, "/api/v2/events", "f" * 32), 401)
    problem(get(server, "/api/v2/events", access_token="not a token"), 401)
