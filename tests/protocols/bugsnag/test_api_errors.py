"""Bugsnag Data Access API over HTTP: a project's errors (Tracehound items) listed,
filtered, sorted and paged; one error; status changes through PATCH `operation`
recorded in the item's history and seen by the other APIs; deleting errors; every
malformed request a clear 4xx in `{"errors": [...]}`."""

from __future__ import annotations

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
from tests.support import LiveServer, ProjectInfo
from tracehound.auth.passwords import hash_password
from tracehound.store import item_history, tokens
from tracehound.store.db import writer

ERROR_FIELDS = {"id", "project_id", "url", "project_url", "events_url", "html_url",
                "error_class", "message", "context", "severity", "original_severity",
                "overridden_severity", "events", "unthrottled_occurrence_count", "users",
                "first_seen", "last_seen", "first_seen_unfiltered", "last_seen_unfiltered",
                "status", "reopen_rules", "assigned_collaborator_id", "assigned_team_id",
                "created_issue", "linked_issues", "comment_count", "missing_dsyms",
                "release_stages", "grouping_reason", "grouping_fields", "discarded"}


def errors_path(project: ProjectInfo, error_id: str = "") -> str:
    return f"/projects/{hex_id(project.id)}/errors" + (f"/{error_id}" if error_id else "")


def three_errors(server: LiveServer, project: ProjectInfo) -> dict[str, dict[str, Any]]:
    """ZeroDivisionError ×3 (two users), KeyError (warning, staging) and TypeError (info,
    grouping hash), posted in that order; error_class → error."""
    notify(server, project.post, event())
    notify(server, project.post, event(user={"id": "u-2"}), event())
    notify(server, project.post, event("KeyError", "'sku'", line=7, severity="warning",
                                       releaseStage="staging", unhandled=False))
    notify(server, project.post, event("TypeError", "bad <b>type</b>", line=9,
                                       severity="info", groupingHash="checkout-type"))
    server.wait_digested()
    r = get(server, errors_path(project), project.read)
    assert r.status_code == 200, r.text
    return {e["error_class"]: e for e in r.json()}


def statuses(server: LiveServer, project: ProjectInfo, **params: Any) -> list[str]:
    r = get(server, errors_path(project), project.read, **params)
    assert r.status_code == 200, r.text
    return sorted(e["error_class"] for e in r.json())


def f(field: str, value: str, kind: str = "eq") -> dict[str, str]:
    return {f"filters[{field}][][type]": kind, f"filters[{field}][][value]": value}


def test_error_fields(server: LiveServer, project: ProjectInfo) -> None:
    errors = three_errors(server, project)
    zero, key, typed = errors["ZeroDivisionError"], errors["KeyError"], errors["TypeError"]
    assert ERROR_FIELDS <= set(zero)
    assert (zero["message"], zero["context"], zero["severity"]) == (
        "division by zero", "POST /checkout", "error")
    assert zero["events"] == zero["unthrottled_occurrence_count"] == 3
    assert zero["users"] == 2 and zero["status"] == "open"
    assert zero["release_stages"] == ["production"]
    assert zero["project_id"] == hex_id(project.id)
    assert zero["url"] == f"{server.url}{API}{errors_path(project, zero['id'])}"
    assert zero["events_url"] == zero["url"] + "/events"
    assert zero["html_url"].startswith(f"{server.url}/projects/{project.id}/items/")
    assert zero["first_seen"] <= zero["last_seen"] and zero["last_seen"].endswith("Z")
    assert (key["severity"], key["release_stages"]) == ("warning", ["staging"])
    assert typed["message"] == "bad <b>type</b>"  # data, never markup: JSON as sent
    assert typed["grouping_reason"] == "user_defined"
    assert typed["grouping_fields"] == {"groupingHash": "checkout-type"}
    assert zero["grouping_reason"].startswith("tracehound-")
    r = get(server, errors_path(project, zero["id"]), project.read)
    assert r.status_code == 200 and r.json() == zero


def test_sorting_and_paging(server: LiveServer, project: ProjectInfo) -> None:
    three_errors(server, project)
    assert [e["error_class"] for e in get(server, errors_path(project), project.read).json()
            ] == ["TypeError", "KeyError", "ZeroDivisionError"]  # last_seen, newest first
    r = get(server, errors_path(project), project.read, sort="first_seen", direction="asc")
    assert [e["error_class"] for e in r.json()] == ["ZeroDivisionError", "KeyError",
                                                     "TypeError"]
    r = get(server, errors_path(project), project.read, sort="events")
    assert r.json()[0]["error_class"] == "ZeroDivisionError"
    r = get(server, errors_path(project), project.read, sort="users")
    assert r.json()[0]["error_class"] == "ZeroDivisionError"
    r = get(server, errors_path(project), project.read, per_page=2,
            **f("error.status", "open"))
    assert r.headers["x-total-count"] == "3" and len(r.json()) == 2
    link = next_link(r)
    assert link is not None and link.startswith(f"{server.url}{API}{errors_path(project)}?")
    # every other parameter is carried forward (B2), the offset moves on
    for kept in ("per_page=2", "offset=2", "filters%5Berror.status%5D%5B%5D%5Btype%5D=eq"):
        assert kept in link, link
    every = walk(server, r, project.read)
    assert sorted(e["error_class"] for e in every) == ["KeyError", "TypeError",
                                                        "ZeroDivisionError"]
    r = get(server, errors_path(project), project.read, per_page=1000)
    assert len(r.json()) == 3 and "link" not in r.headers  # capped at 100, no next


def test_filters(server: LiveServer, project: ProjectInfo) -> None:
    three_errors(server, project)
    assert statuses(server, project, **f("event.severity", "warning")) == ["KeyError"]
    assert statuses(server, project, **f("event.severity", "error", "ne")) == [
        "KeyError", "TypeError"]
    assert statuses(server, project, **f("app.release_stage", "staging")) == ["KeyError"]
    assert statuses(server, project, **f("event.class", "division")) == [
        "ZeroDivisionError"]
    assert statuses(server, project, **f("event.message", "SKU")) == ["KeyError"]
    assert statuses(server, project, **f("user.id", "u-2")) == ["ZeroDivisionError"]
    assert statuses(server, project, **f("error.status", "in progress")) == []
    # several eq values of one field are OR-ed; the dashboard's short form
    both = [("filters[event.severity][][type]", "eq"), ("filters[event.severity][][value]",
                                                        "info"),
            ("filters[event.severity][][type]", "eq"), ("filters[event.severity][][value]",
                                                        "warning")]
    r = server.http.get(server.url + API + errors_path(project), params=both,
                        headers={"Authorization": f"token {project.read}"})
    assert r.status_code == 200, r.text
    assert sorted(e["error_class"] for e in r.json()) == ["KeyError", "TypeError"]
    assert statuses(server, project, **{"filters[event.severity][]": "info"}) == [
        "TypeError"]
    assert statuses(server, project, **{"filters[event.severity][0][type]": "eq",
                                        "filters[event.severity][0][value]": "info"}) == [
        "TypeError"]
    # time bounds: seen since / first seen before; relative times
    assert statuses(server, project, **f("event.since", "1h")) == [
        "KeyError", "TypeError", "ZeroDivisionError"]
    assert statuses(server, project, **f("event.before", "2001-01-01T00:00:00Z")) == []
    assert statuses(server, project, **{"filters[event.since][]": "2999-01-01T00:00:00Z"}
                    ) == []
    errors = three_errors(server, project)
    assert statuses(server, project, **f("error.id", errors["KeyError"]["id"])) == [
        "KeyError"]


BAD_LIST_PARAMETERS: list[tuple[dict[str, str], str]] = [
    ({"filters[nope][][value]": "x"}, "unknown filter field"),
    ({"filters[error.status][][value]": "closed"}, "invalid value"),
    ({"filters[event.severity][][type]": "gt", "filters[event.severity][][value]": "x"},
     "not supported"),
    ({"filters[error.status][][type]": "eq"}, "no value"),
    ({"filters[event.since][]": "yesterday"}, "iso 8601"),
    ({"filters[event.since][][type]": "ne", "filters[event.since][][value]": "1d"},
     "eq only"),
    ({"filters[a][b][c]": "x"}, "invalid filter parameter"),
    ({"filters[search][]": "x" * 300}, "too long"),
    ({"sort": "name"}, "invalid sort"),
    ({"direction": "sideways"}, "direction"),
    ({"per_page": "-1"}, "per_page"),
    ({"per_page": "0"}, "per_page"),
    ({"offset": "1e3"}, "offset"),
]


def test_bad_list_parameters_are_400(server: LiveServer, project: ProjectInfo) -> None:
    for params, contains in BAD_LIST_PARAMETERS:
        error(get(server, errors_path(project), project.read, **params), 400, contains)


def history(engine: Engine, error_id: str) -> list[str]:
    with engine.connect() as conn:
        return [e.action for e in item_history.for_item(conn, int(error_id, 16))]


def patch(server: LiveServer, project: ProjectInfo, error_id: str, body: Any,
          token: str | None = None) -> dict[str, Any]:
    r = send(server, "PATCH", errors_path(project, error_id), token or project.write, body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_status_operations(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    zero = three_errors(server, project)["ZeroDivisionError"]
    eid = zero["id"]
    assert patch(server, project, eid, {"operation": "fix"})["status"] == "fixed"
    assert statuses(server, project, **f("error.status", "fixed")) == ["ZeroDivisionError"]
    # the other APIs see the same item change
    r = server.get(f"/api/1/item/{int(eid, 16)}", project.read)
    assert r.json()["result"]["status"] == "resolved"
    assert patch(server, project, eid, {"operation": "ignore"})["status"] == "ignored"
    assert patch(server, project, eid, {"operation": "open"})["status"] == "open"
    snoozed = patch(server, project, eid, {"operation": "snooze", "reopen_rules": {
        "reopen_if": "occurs_after", "seconds": 3600}})
    assert snoozed["status"] == "snoozed"
    assert snoozed["reopen_rules"]["reopen_if"] == "occurs_after"
    assert 3590 <= snoozed["reopen_rules"]["seconds"] <= 3600
    assert statuses(server, project, **f("error.status", "snoozed")) == ["ZeroDivisionError"]
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 7200))
    snoozed = patch(server, project, eid, {"operation": "snooze", "reopen_rules": {
        "reopen_if": "occurs_after", "reopen_after": later}})
    assert snoozed["reopen_rules"]["reopen_after"] == later.replace("Z", ".000Z")
    forever = patch(server, project, eid, {"operation": "snooze"})
    assert forever["status"] == "snoozed" and forever["reopen_rules"] is None
    severe = patch(server, project, eid, {"operation": "override_severity",
                                          "severity": "warning"})
    assert (severe["severity"], severe["overridden_severity"],
            severe["original_severity"]) == ("warning", "warning", "error")
    actions = history(engine, eid)  # each change recorded, as from the web UI
    for action in (item_history.RESOLVED, item_history.MUTED, item_history.REOPENED,
                   item_history.SNOOZED, item_history.LEVEL):
        assert action in actions, actions


def test_a_fixed_error_that_occurs_again_is_open(server: LiveServer,
                                                 project: ProjectInfo) -> None:
    zero = three_errors(server, project)["ZeroDivisionError"]
    patch(server, project, zero["id"], {"operation": "fix"})
    notify(server, project.post, event())
    server.wait_digested()
    r = get(server, errors_path(project, zero["id"]), project.read)
    assert r.json()["status"] == "open" and r.json()["events"] == 4


def test_assign(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    with writer(engine).begin() as conn:
        user_id = tokens.create_user(conn, account_id=project.account_id,
                                     email="dev@example.com",
                                     password_hash=hash_password("long enough secret"))
    eid = three_errors(server, project)["KeyError"]["id"]
    done = patch(server, project, eid, {"operation": "assign",
                                        "assigned_collaborator_id": hex_id(user_id)})
    assert done["assigned_collaborator_id"] == hex_id(user_id)
    done = patch(server, project, eid, {"operation": "assign",
                                        "assigned_collaborator_id": None})
    assert done["assigned_collaborator_id"] is None
    assert item_history.ASSIGNED in history(engine, eid)
    foreign = other_account(engine)
    with writer(engine).begin() as conn:
        stranger = tokens.create_user(conn, account_id=foreign.account_id,
                                      email="x@example.com",
                                      password_hash=hash_password("long enough secret"))
    for who in (hex_id(stranger), "not-an-id"):
        error(send(server, "PATCH", errors_path(project, eid), project.write,
                   {"operation": "assign", "assigned_collaborator_id": who}), 422,
              "collaborator")


def test_bulk_update(server: LiveServer, engine: Engine, project: ProjectInfo,
                     other_project: ProjectInfo) -> None:
    errors = three_errors(server, project)
    chosen = [errors["KeyError"]["id"], errors["TypeError"]["id"]]
    r = send(server, "PATCH", errors_path(project), project.write, {"operation": "fix"},
             error_ids=",".join(chosen))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["operation"] == "fix"
    for eid in chosen:
        assert body[eid] == {"status": "fixed", "assigned_collaborator_id": None,
                             "created_issue": {}, "reopen_rules": None}
    assert statuses(server, project, **f("error.status", "fixed")) == ["KeyError",
                                                                       "TypeError"]
    # one id that is not this project's: 404, nothing changes
    notify(server, other_project.post, event())
    server.wait_digested()
    (theirs,) = get(server, errors_path(other_project), other_project.read).json()
    r = send(server, "PATCH", errors_path(project), project.write, {"operation": "open"},
             error_ids=f"{chosen[0]},{theirs['id']}")
    error(r, 404, "error not found")
    assert statuses(server, project, **f("error.status", "fixed")) == ["KeyError",
                                                                       "TypeError"]
    error(send(server, "PATCH", errors_path(project), project.write, {"operation": "fix"}),
          400, "error_ids")
    error(send(server, "PATCH", errors_path(project), project.write, {"operation": "fix"},
               error_ids="a,b"), 400, "error_ids")
    r = send(server, "PATCH", errors_path(project), project.write, {"operation": "delete"},
             error_ids=chosen[0])
    assert r.status_code == 200 and r.json()[chosen[0]]["status"] == "deleted"
    assert statuses(server, project) == ["TypeError", "ZeroDivisionError"]


def test_delete_an_error_and_its_events(server: LiveServer, engine: Engine,
                                        project: ProjectInfo) -> None:
    errors = three_errors(server, project)
    zero = errors["ZeroDivisionError"]["id"]
    r = send(server, "DELETE", errors_path(project, zero), project.write)
    assert r.status_code == 204 and r.content == b""
    error(get(server, errors_path(project, zero), project.read), 404, "error not found")
    error(send(server, "DELETE", errors_path(project, zero), project.write), 404)
    assert server.get(f"/api/1/item/{int(zero, 16)}", project.read).status_code == 404
    assert history(engine, zero) == []
    # the PATCH form of delete
    key = errors["KeyError"]["id"]
    r = send(server, "PATCH", errors_path(project, key), project.write, {"operation": "delete"})
    assert r.status_code == 204
    error(get(server, errors_path(project, key), project.read), 404)
    # a new event of a deleted group makes a new error
    notify(server, project.post, event())
    server.wait_digested()
    assert statuses(server, project) == ["TypeError", "ZeroDivisionError"]


MALFORMED: list[tuple[bytes, int, str]] = [
    (b"not json", 400, "invalid json"),
    (b"[1, 2]", 400, "json object"),
    (b"", 400, "json object"),
    (b"{}", 400, "operation is required"),
    (b'{"operation": 7}', 400, "operation is required"),
    (b'{"operation": "explode"}', 400, "unknown operation"),
    (b'{"operation": "discard"}', 422, "not supported"),
    (b'{"operation": "create_issue"}', 422, "not supported"),
    (b'{"operation": "override_severity"}', 400, "severity"),
    (b'{"operation": "override_severity", "severity": "fatal"}', 400, "severity"),
    (b'{"operation": "assign"}', 400, "assigned_collaborator_id"),
    (b'{"operation": "snooze", "reopen_rules": "soon"}', 400, "reopen_rules"),
    (b'{"operation": "snooze", "reopen_rules": {"reopen_if": "never"}}', 400, "reopen_if"),
    (b'{"operation": "snooze", "reopen_rules": {"reopen_if": "n_additional_occurrences",'
     b' "additional_occurrences": 5}}', 422, "not supported"),
    (b'{"operation": "snooze", "reopen_rules": {"reopen_if": "occurs_after",'
     b' "seconds": -5}}', 400, "seconds"),
    (b'{"operation": "snooze", "reopen_rules": {"reopen_if": "occurs_after",'
     b' "seconds": 3.5}}', 400, "seconds"),
    (b'{"operation": "snooze", "reopen_rules": {"reopen_if": "occurs_after",'
     b' "seconds": 1e400}}', 400, "invalid json"),
    (b'{"operation": "snooze", "reopen_rules": {"reopen_if": "occurs_after",'
     b' "seconds": 99999999999999999999999}}', 400, "seconds"),
    (b'{"operation": "snooze", "reopen_rules": {"reopen_if": "occurs_after",'
     b' "reopen_after": "2001-01-01T00:00:00Z"}}', 422, "future"),
    (b'{"operation": "snooze", "reopen_rules": {"reopen_if": "occurs_after"}}', 400,
     "seconds"),
    (b'{"operation": "fix"' + b" " * 70000 + b"}", 413, "too large"),
]


def test_malformed_updates(server: LiveServer, project: ProjectInfo) -> None:
    notify(server, project.post, event())
    server.wait_digested()
    (zero,) = get(server, errors_path(project), project.read).json()
    for body, status, contains in MALFORMED:
        error(send(server, "PATCH", errors_path(project, zero["id"]), project.write,
                   content=body), status, contains)
        error(send(server, "PATCH", errors_path(project), project.write, content=body,
                   error_ids=zero["id"]), status, contains)
    after = get(server, errors_path(project, zero["id"]), project.read).json()
    assert after == {**zero, "last_seen": after["last_seen"]}  # nothing changed


def test_who_may_change_what(server: LiveServer, engine: Engine, project: ProjectInfo,
                             other_project: ProjectInfo) -> None:
    zero = three_errors(server, project)["ZeroDivisionError"]["id"]
    path = errors_path(project, zero)
    read_only = make_token(engine, project.account_id, ["read"], project_id=project.id)
    error(send(server, "PATCH", path, read_only, {"operation": "fix"}), 403, "'write' scope")
    error(send(server, "DELETE", path, read_only), 403, "'write' scope")
    error(get(server, path, project.post), 403, "'read' scope")
    error(send(server, "PATCH", path, None, {"operation": "fix"}), 401)
    # another project's token, and another account's: the error does not exist for them
    foreign = other_account(engine)
    for reader, writer_ in ((other_project.read, other_project.write),
                            (foreign.read, foreign.write)):
        error(get(server, path, reader), 404, "not found")
        error(send(server, "PATCH", path, writer_, {"operation": "fix"}), 404, "not found")
        error(send(server, "DELETE", path, writer_), 404, "not found")
    # the error under another project's path (the token's own project) is 404 too
    error(get(server, errors_path(other_project, zero), other_project.read), 404)
    account = make_token(engine, project.account_id, ["read"])
    error(get(server, errors_path(other_project, zero), account), 404, "error not found")
    assert get(server, path, project.read).json()["status"] == "open"


HOSTILE_IDS = ["1", "g" * 24, "0" * 24, "f" * 24, "%2e%2e", "x" * 300,
               "0000000000000000000000001", "00000000000000000000000１", "-1", "%00"]


def test_hostile_ids_are_404(server: LiveServer, project: ProjectInfo) -> None:
    for bad in HOSTILE_IDS:
        hostile_id_paths(server, project, bad)


def hostile_id_paths(server: LiveServer, project: ProjectInfo, bad: str) -> None:
    for path in (errors_path(project, bad), f"/projects/{bad}/errors/{bad}"):
        for method, token in (("GET", project.read), ("DELETE", project.write)):
            r = send(server, method, path, token)
            assert r.status_code == 404, (method, path, r.text)
        r = send(server, "PATCH", path, project.write, {"operation": "fix"})
        assert r.status_code == 404, (path, r.text)
    path = f"/projects/{bad}/errors"
    assert send(server, "GET", path, project.read).status_code == 404
    r = send(server, "PATCH", path, project.write, {"operation": "fix"},
             error_ids=hex_id(1))
    assert r.status_code == 404, r.text
