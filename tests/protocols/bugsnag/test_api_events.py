"""Bugsnag Data Access API over HTTP: events (occurrences) in the Events API seed's
shape, listed per project and per error, paged by `rel="next"` links that visit every
event once (also while events arrive or are deleted between pages), time windows
[start_time, end_time), one event, deleting one (204, then 404); events reported
through other protocols; hostile data and parameters never a 500."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Engine

from tests.protocols.bugsnag.api_support import (
    API,
    error,
    event,
    get,
    hex_id,
    make_token,
    next_link,
    notify,
    other_account,
    send,
    walk,
)
from tests.support import LiveServer, ProjectInfo, start_server
from tracehound.config import Settings

# The seed's names (002_497182e95a3bf37d.txt), exactly
SEED_FIELDS = {"id", "exceptions", "user_id", "received_at", "context", "app_version",
               "os_version", "meta_data", "url", "html_url"}
SEED_FRAME = {"line", "column", "file", "method"}


def events_path(project: ProjectInfo) -> str:
    return f"/projects/{hex_id(project.id)}/events"


def all_events(server: LiveServer, project: ProjectInfo, **params: Any) -> list[dict[str, Any]]:
    r = get(server, events_path(project), project.read, per_page=100, **params)
    assert r.status_code == 200, r.text
    return list(r.json())


def test_events_in_the_seeds_shape(server: LiveServer, project: ProjectInfo) -> None:
    notify(server, project.post, event(metaData={"custom": {"cart": "<script>x</script>"}}))
    server.wait_digested()
    r = get(server, events_path(project), project.read)
    assert r.status_code == 200, r.text
    assert r.headers["x-total-count"] == "1" and "link" not in r.headers
    (e,) = r.json()
    assert SEED_FIELDS <= set(e)
    (exc,) = e["exceptions"]
    assert (exc["class"], exc["message"]) == ("ZeroDivisionError", "division by zero")
    crash, library = exc["stacktrace"]  # innermost call first, as Bugsnag lists them
    assert SEED_FRAME <= set(crash)
    assert (crash["file"], crash["line"], crash["column"], crash["method"]) == (
        "shop/cart.py", 42, None, "apply_discount")
    assert library["file"] == "flask/app.py" and library["line"] == 880
    # the Data Access API v2's names for the same things
    assert exc["error_class"] == "ZeroDivisionError"
    assert (crash["line_number"], crash["in_project"], library["in_project"]) == (42, True,
                                                                                  False)
    assert crash["code"] == {"41": "    total = sum(items)", "42": "    return total / count"}
    assert e["user_id"] == "u-77" and e["user"]["email"] == "ada@example.com"
    assert (e["context"], e["app_version"], e["os_version"]) == ("POST /checkout", "1.4.2",
                                                                 "Debian 12")
    assert e["meta_data"]["custom"] == {"cart": "<script>x</script>"}  # data, as sent
    assert e["metaData"] == e["meta_data"]
    assert (e["severity"], e["unhandled"], e["release_stage"]) == ("error", True,
                                                                   "production")
    assert e["is_full_report"] is True
    assert e["received_at"].endswith("Z") and len(e["received_at"]) == 24
    assert e["url"] == f"{server.url}{API}/events/{e['id']}"
    assert e["project_url"] == f"{server.url}{API}/projects/{hex_id(project.id)}"
    assert e["html_url"].startswith(f"{server.url}/projects/{project.id}/items/")
    assert e["html_url"].endswith(f"/occurrences/{int(e['id'], 16)}")
    # the web page it names exists (sign-in first)
    page = server.http.get(e["html_url"])
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    # one event, at the v2 path, the seed's path and its own url
    for url in (f"{server.url}{API}{events_path(project)}/{e['id']}",
                f"{server.url}{API}/events/{e['id']}", e["url"]):
        one = get(server, url, project.read)
        assert one.status_code == 200 and one.json() == e


def test_an_errors_events_and_latest_event(server: LiveServer, project: ProjectInfo,
                                           other_project: ProjectInfo) -> None:
    notify(server, project.post, event(), event("KeyError", "'a'", line=3), event())
    server.wait_digested()
    errors = {e["error_class"]: e for e in get(
        server, f"/projects/{hex_id(project.id)}/errors", project.read).json()}
    zero = errors["ZeroDivisionError"]
    r = get(server, zero["events_url"], project.read)
    assert r.status_code == 200 and r.headers["x-total-count"] == "2"
    assert {e["error_id"] for e in r.json()} == {zero["id"]}
    seed = get(server, f"/errors/{zero['id']}/events", project.read)  # the seed's path
    assert seed.json() == r.json()
    latest = get(server, f"/errors/{zero['id']}/latest_event", project.read)
    assert latest.status_code == 200 and latest.json() == r.json()[0]  # newest first
    # another project's token, and the error under another project's path
    error(get(server, zero["events_url"], other_project.read), 404)
    error(get(server, f"/errors/{zero['id']}/events", other_project.read), 404,
          "error not found")
    error(get(server, f"/projects/{hex_id(other_project.id)}/errors/{zero['id']}/events",
              other_project.read), 404, "error not found")
    error(get(server, f"/errors/{zero['id']}/latest_event", other_project.read), 404)


def post_numbered(server: LiveServer, project: ProjectInfo, numbers: range,
                  per_request: int = 1) -> None:
    """Events whose context is their number; `per_request` in one notify request (those
    share a receive time: ties are broken by id)."""
    batch: list[dict[str, Any]] = []
    for n in numbers:
        batch.append(event(context=f"#{n}"))
        if len(batch) == per_request:
            notify(server, project.post, *batch)
            batch = []
    if batch:
        notify(server, project.post, *batch)
    server.wait_digested()


def test_following_next_links_visits_every_event_once(server: LiveServer,
                                                      project: ProjectInfo) -> None:
    post_numbered(server, project, range(13))
    post_numbered(server, project, range(13, 25), per_request=6)  # ties in receive time
    for direction in ("desc", "asc"):
        first = get(server, events_path(project), project.read, per_page=10,
                    direction=direction)
        assert first.headers["x-total-count"] == "25" and len(first.json()) == 10
        link = next_link(first)
        assert link is not None
        assert link.startswith(f"{server.url}{API}{events_path(project)}?")
        assert "per_page=10" in link and f"direction={direction}" in link
        assert "offset=" in link
        seen = [e["context"] for e in walk(server, first, project.read)]
        assert sorted(seen) == sorted(f"#{n}" for n in range(25)), seen  # once each
        times = [e["received_at"] for e in walk(server, first, project.read)]
        assert times == sorted(times, reverse=direction == "desc")
    # the default page is 10 (the seed)
    r = get(server, events_path(project), project.read)
    assert len(r.json()) == 10


def test_paging_while_events_arrive_and_go(server: LiveServer, project: ProjectInfo) -> None:
    post_numbered(server, project, range(25))
    counter = iter(range(100, 1000))

    def arrive() -> None:
        post_numbered(server, project, range(next(counter), next(counter)))

    # newest first: what arrives after the walk began is newer, and not visited
    first = get(server, events_path(project), project.read, per_page=10)
    seen = [e["context"] for e in walk(server, first, project.read, between=arrive)]
    assert sorted(seen) == sorted(f"#{n}" for n in range(25))
    # oldest first: what arrives is visited at the end, once
    before = {e["context"] for e in all_events(server, project)}
    first = get(server, events_path(project), project.read, per_page=10, direction="asc")
    seen = [e["context"] for e in walk(server, first, project.read, between=arrive)]
    assert len(seen) == len(set(seen)) and before <= set(seen)
    # the page's last event (the cursor) deleted before the next page is fetched
    first = get(server, events_path(project), project.read, per_page=10)
    last = first.json()[-1]
    r = send(server, "DELETE", f"{events_path(project)}/{last['id']}", project.write)
    assert r.status_code == 204
    rest = walk(server, first, project.read)
    expected = {e["id"] for e in all_events(server, project)} | {last["id"]}
    assert len(rest) == len({e["id"] for e in rest}) and {e["id"] for e in rest} == expected


def test_a_link_carrying_the_offset_id_alone(server: LiveServer, project: ProjectInfo) -> None:
    """The seed's link form, `?offset=<id>`: the page after that event."""
    post_numbered(server, project, range(5))
    every = all_events(server, project)
    r = get(server, events_path(project), project.read, offset=every[1]["id"])
    assert [e["id"] for e in r.json()] == [e["id"] for e in every[2:]]
    gone = every[4]["id"]
    send(server, "DELETE", f"{events_path(project)}/{gone}", project.write)
    error(get(server, events_path(project), project.read, offset=gone), 400, "link header")


def test_time_windows(server: LiveServer, project: ProjectInfo) -> None:
    for n in range(6):
        post_numbered(server, project, range(n, n + 1))
        time.sleep(0.003)
    every = all_events(server, project, direction="asc")
    times = [e["received_at"] for e in every]

    def window(**params: str) -> list[str]:
        return [e["received_at"] for e in all_events(server, project, direction="asc",
                                                     **params)]

    for k in range(6):
        at = times[k]
        # start_time is inclusive, end_time exclusive, at the millisecond written
        assert window(start_time=at) == [t for t in times if t >= at]
        assert window(end_time=at) == [t for t in times if t < at]
        assert window(start_time=times[0], end_time=at) == [t for t in times if t < at]
        assert window(**{"filters[event.since][]": at}) == [t for t in times if t >= at]
        assert window(**{"filters[event.before][]": at}) == [t for t in times if t < at]
    # the two forms together: the narrower bound of each
    assert window(start_time=times[1], **{"filters[event.since][]": times[3]}) == times[3:]
    # no zone means UTC; seconds precision; an empty window
    assert window(start_time=times[0][:19]) == [t for t in times if t >= times[0][:19]]
    assert window(start_time=times[-1], end_time=times[0]) == []
    r = get(server, events_path(project), project.read, start_time="2001-01-01T00:00:00Z",
            end_time="2999-01-01T00:00:00+02:00")
    assert r.headers["x-total-count"] == "6"
    for bad in ("yesterday", "2020-13-01T00:00:00Z", "1" * 50, "2020-01-01T00:00:00Zjunk"):
        error(get(server, events_path(project), project.read, start_time=bad), 400,
              "start_time")
        error(get(server, events_path(project), project.read, end_time=bad), 400, "end_time")


def test_delete_an_event(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    notify(server, project.post, event(), event())
    server.wait_digested()
    first, second = all_events(server, project)
    path = f"{events_path(project)}/{first['id']}"
    read_only = make_token(engine, project.account_id, ["read"], project_id=project.id)
    error(send(server, "DELETE", path, read_only), 403, "'write' scope")
    r = send(server, "DELETE", path, project.write)
    assert r.status_code == 204 and r.content == b""
    error(get(server, path, project.read), 404, "event not found")
    error(get(server, f"/events/{first['id']}", project.read), 404)
    error(send(server, "DELETE", path, project.write), 404)
    assert [e["id"] for e in all_events(server, project)] == [second["id"]]
    # the seed's DELETE /events/{id}
    r = send(server, "DELETE", f"/events/{second['id']}", project.write)
    assert r.status_code == 204
    assert all_events(server, project) == []
    # its error stays, counting the events it received (as the Rollbar API does)
    (zero,) = get(server, f"/projects/{hex_id(project.id)}/errors", project.read).json()
    assert zero["events"] == 2 and zero["message"] == "division by zero"
    error(get(server, f"/errors/{zero['id']}/latest_event", project.read), 404, "no events")
    web = server.http.get(zero["html_url"])  # the item page still exists (sign-in first)
    assert web.status_code == 303


def test_deleting_an_error_removes_its_events(server: LiveServer,
                                              project: ProjectInfo) -> None:
    notify(server, project.post, event(), event("KeyError", "'a'", line=3), event())
    server.wait_digested()
    zero = next(e for e in get(server, f"/projects/{hex_id(project.id)}/errors",
                               project.read).json() if e["error_class"] == "ZeroDivisionError")
    assert send(server, "DELETE", f"/projects/{hex_id(project.id)}/errors/{zero['id']}",
                project.write).status_code == 204
    r = get(server, events_path(project), project.read)
    assert r.headers["x-total-count"] == "1"
    assert [e["exceptions"][0]["class"] for e in r.json()] == ["KeyError"]
    error(get(server, f"/errors/{zero['id']}/events", project.read), 404)


def test_events_of_other_protocols(server: LiveServer, project: ProjectInfo) -> None:
    r = server.post_item(project.post, {
        "environment": "staging", "level": "warning", "code_version": "9.1",
        "context": "orders#show", "person": {"id": "p-9", "email": "p9@example.com"},
        "server": {"host": "rb-1"},
        "body": {"trace": {
            "exception": {"class": "NoMethodError", "message": "undefined <method>"},
            "frames": [{"filename": "app/models/order.rb", "lineno": 10, "method": "total"},
                       {"filename": "app/controllers/orders.rb", "lineno": 5,
                        "colno": 3, "method": "show"}]}}})
    assert r.status_code == 200, r.text
    server.wait_digested()
    (e,) = all_events(server, project)
    (exc,) = e["exceptions"]
    assert (exc["class"], exc["message"]) == ("NoMethodError", "undefined <method>")
    # Rollbar lists frames oldest call first; Bugsnag innermost first
    assert [(f["file"], f["line"], f["column"]) for f in exc["stacktrace"]] == [
        ("app/controllers/orders.rb", 5, 3), ("app/models/order.rb", 10, None)]
    assert (e["user_id"], e["user"]["email"]) == ("p-9", "p9@example.com")
    assert (e["app_version"], e["release_stage"], e["context"]) == ("9.1", "staging",
                                                                    "orders#show")
    assert e["severity"] == "warning" and e["unhandled"] is False
    assert e["device"] == {"hostname": "rb-1"} and e["os_version"] is None
    (err,) = get(server, f"/projects/{hex_id(project.id)}/errors", project.read).json()
    assert (err["error_class"], err["severity"]) == ("NoMethodError", "warning")
    # a message without an exception
    assert server.post_item(project.post, {"environment": "production", "body": {
        "message": {"body": "disk almost full"}}}).status_code == 200
    server.wait_digested()
    latest = all_events(server, project)[0]
    assert latest["exceptions"] == [] and latest["context"] is None


def test_hostile_event_data_is_rendered_never_a_500(server: LiveServer,
                                                    project: ProjectInfo) -> None:
    odd = [
        event(exceptions="not a list"),
        event(exceptions=[1, None, {"errorClass": {"x": 1}, "message": 12, "stacktrace": [
            "frame", {"lineNumber": "42", "columnNumber": -1, "file": ["a"], "code": [1],
                      "inProject": "yes"}]}]),
        event(user="bob", app=[1], device=None, metaData=[], breadcrumbs={"a": 1},
              context={"nested": True}, severity="catastrophic", unhandled="no"),
        event("<img src=x onerror=alert(1)>", "\u0000\u202e" + "é" * 5000),
        event(metaData={"deep": json.loads("[" * 300 + "]" * 300)}),
    ]
    for one in odd:  # one request each: received in this order
        notify(server, project.post, one)
    server.wait_digested()
    events = all_events(server, project, direction="asc")
    assert len(events) == 5
    typed = events[1]["exceptions"]
    assert typed[0]["class"] == "Error" and typed[0]["message"] == "12"
    (frame,) = typed[0]["stacktrace"]
    assert (frame["line"], frame["column"], frame["file"], frame["code"],
            frame["in_project"]) == (42, None, "", None, None)
    deep = events[4]["meta_data"]["deep"]
    for _ in range(150):
        deep = deep[0]
    assert "[nested too deeply]" in json.dumps(deep)
    weird = events[2]
    assert weird["user"] == {} and weird["app"] == {} and weird["meta_data"] == {}
    assert weird["severity"] == "error" and weird["unhandled"] is False
    assert events[3]["exceptions"][0]["class"] == "<img src=x onerror=alert(1)>"
    for e in events:
        assert get(server, e["url"], project.read).status_code == 200
    r = get(server, f"/projects/{hex_id(project.id)}/errors", project.read)
    assert r.status_code == 200


def test_hostile_parameters_are_4xx(server: LiveServer, project: ProjectInfo) -> None:
    notify(server, project.post, event(), event())
    server.wait_digested()
    for params, contains in [
        ({"offset": "zz"}, "offset"), ({"offset": "0" * 24}, "offset"),
        ({"offset": hex_id(1), "offset_time": "yesterday"}, "offset_time"),
        ({"offset": hex_id(1), "offset_time": "1e308"}, "offset_time"),
        ({"sort": "id"}, "created_at"), ({"direction": "DESC;--"}, "direction"),
        ({"per_page": "9" * 30}, "per_page"), ({"per_page": "٣"}, "per_page"),
        ({"start_time": "\x00"}, "start_time"),
        ({"filters[event.severity][]": "fatal"}, "severity"),
        ({"filters[error.status][]": "open", "filters[bogus][]": "x"}, "unknown filter"),
    ]:
        error(get(server, events_path(project), project.read, **params), 400, contains)
    r = get(server, events_path(project), project.read, per_page="100000")
    assert r.status_code == 200 and len(r.json()) == 2
    r = get(server, events_path(project), project.read, full_reports="true", base="x",
            unknown="1")
    assert r.status_code == 200  # parameters Tracehound does not use are ignored
    for bad in ["1", "g" * 24, "0" * 24, "f" * 24, "x" * 300, "%2e%2e", "-1"]:
        for path in (f"{events_path(project)}/{bad}", f"/events/{bad}",
                     f"/projects/{bad}/events", f"/errors/{bad}/events",
                     f"/errors/{bad}/latest_event"):
            assert get(server, path, project.read).status_code == 404, path
        for path in (f"{events_path(project)}/{bad}", f"/events/{bad}"):
            assert send(server, "DELETE", path, project.write).status_code == 404, path


def test_who_sees_which_events(server: LiveServer, engine: Engine, project: ProjectInfo,
                               other_project: ProjectInfo) -> None:
    notify(server, project.post, event())
    notify(server, other_project.post, event("KeyError", "'theirs'"))
    server.wait_digested()
    (mine,) = all_events(server, project)
    foreign = other_account(engine)
    for reader in (other_project.read, foreign.read):
        error(get(server, events_path(project), reader), 404, "project not found")
        error(get(server, f"{events_path(project)}/{mine['id']}", reader), 404)
        error(get(server, f"/events/{mine['id']}", reader), 404, "event not found")
    for writer_ in (other_project.write, foreign.write):
        error(send(server, "DELETE", f"/events/{mine['id']}", writer_), 404)
        error(send(server, "DELETE", f"{events_path(project)}/{mine['id']}", writer_), 404)
    error(get(server, events_path(project), project.post), 403, "'read' scope")
    error(get(server, events_path(project), None), 401)
    # an account token reads every project's events; under each project's path only its own
    account = make_token(engine, project.account_id, ["read"])
    assert get(server, f"/events/{mine['id']}", account).status_code == 200
    theirs = get(server, f"/projects/{hex_id(other_project.id)}/events", account).json()
    assert [e["exceptions"][0]["message"] for e in theirs] == ["'theirs'"]
    error(get(server, f"/projects/{hex_id(other_project.id)}/events/{mine['id']}", account),
          404, "event not found")


def test_links_use_the_public_url(settings: Settings, engine: Engine,
                                  project: ProjectInfo) -> None:
    with start_server(settings.replace(public_url="https://errors.example.com/")) as server:
        notify(server, project.post, event(), event())
        server.wait_digested()
        r = get(server, events_path(project), project.read, per_page=1)
        link = next_link(r)
        assert link is not None and link.startswith(
            f"https://errors.example.com{API}{events_path(project)}?")
        (e,) = r.json()
        assert e["url"].startswith(f"https://errors.example.com{API}/events/")
        assert e["html_url"].startswith(f"https://errors.example.com/projects/{project.id}/")
        # the link followed on the real server gives the other event
        local = link.replace("https://errors.example.com", server.url)
        again = get(server, local, project.read)
        assert [x["id"] for x in again.json()] != [e["id"]] and len(again.json()) == 1
