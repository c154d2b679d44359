"""PATCH /api/1/item/{id}, DELETE /api/1/instance/{id}, the item list's search
filters, and the item lifecycle they drive (resolved_in_version, mute)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.store import tokens


def send(server: LiveServer, project: ProjectInfo, *, cls: str = "KeyError",
         version: str | None = None, message: str | None = None) -> None:
    data: dict[str, Any] = {"environment": "production"}
    if message is not None:
        data["body"] = {"message": {"body": message}}
    else:
        data["body"] = {"trace": {"frames": [{"filename": "app.py", "lineno": 3,
                                              "method": "main"}],
                                  "exception": {"class": cls, "message": "boom"}}}
    if version is not None:
        data["code_version"] = version
    r = server.post_item(project.post, data)
    assert r.status_code == 200, r.text


def only_item(server: LiveServer, project: ProjectInfo, **params: Any) -> dict[str, Any]:
    server.wait_digested()
    (item,) = server.get("/api/1/items", project.read, **params).json()["result"]["items"]
    return dict(item)


def patch(server: LiveServer, item_id: int, token: str | None, body: Any) -> Any:
    headers = {"X-Rollbar-Access-Token": token} if token else {}
    return server.http.patch(f"{server.url}/api/1/item/{item_id}", json=body, headers=headers)


def test_resolve_in_version_then_older_and_newer_occurrences(
        server: LiveServer, project: ProjectInfo) -> None:
    send(server, project, version="1.4.0")
    item = only_item(server, project)
    write = project.tokens["write"]
    r = patch(server, item["id"], write, {"status": "resolved", "resolved_in_version": "1.5.0"})
    assert r.status_code == 200, r.text
    assert r.json() == {"err": 0, "result": {"status": "resolved",
                                             "resolved_in_version": "1.5.0"}}
    item = only_item(server, project)
    assert item["status"] == "resolved" and item["resolved_in_version"] == "1.5.0"
    assert item["last_resolved_timestamp"] is not None

    send(server, project, version="1.4.9")  # older than the fix: stays resolved
    item = only_item(server, project)
    assert item["status"] == "resolved" and item["total_occurrences"] == 2
    activating = item["activating_occurrence_id"]

    send(server, project, version="1.5.1")  # the fix did not hold: back to active
    item = only_item(server, project)
    assert item["status"] == "active" and item["total_occurrences"] == 3
    assert item["activating_occurrence_id"] != activating
    assert item["activating_occurrence_id"] == item["last_occurrence_id"]
    # the activations report counts the first sighting and the one reactivation; the
    # occurrence older than the fix activated nothing
    counts = server.get("/api/1/reports/activated_counts", project.read,
                        buckets="2").json()["result"]
    assert [n for _, n in counts] in ([0, 2], [1, 1])  # [1, 1]: UTC midnight in between


def test_plain_resolve_reactivates_on_any_occurrence(
        server: LiveServer, project: ProjectInfo) -> None:
    send(server, project, version="2.0.0")
    item = only_item(server, project)
    assert patch(server, item["id"], project.tokens["write"],
                 {"status": "resolved"}).status_code == 200
    send(server, project, version="1.0.0")
    assert only_item(server, project)["status"] == "active"


def test_muted_item_stays_muted_and_keeps_counting(
        server: LiveServer, project: ProjectInfo) -> None:
    send(server, project)
    item = only_item(server, project)
    assert patch(server, item["id"], project.tokens["write"],
                 {"status": "muted"}).json()["result"] == {"status": "muted"}
    send(server, project)
    send(server, project)
    item = only_item(server, project)
    assert item["status"] == "muted" and item["total_occurrences"] == 3
    assert item["last_muted_timestamp"] is not None


def test_level_title_owner_and_snooze(server: LiveServer, engine: Engine,
                                      project: ProjectInfo) -> None:
    with engine.begin() as conn:
        user_id = tokens.create_user(conn, account_id=project.account_id,
                                     email="dev@example.com", password_hash="x")
    send(server, project)
    item = only_item(server, project)
    body = {"level": "critical", "title": "Checkout broken", "assigned_user_id": user_id}
    r = patch(server, item["id"], project.tokens["write"], body)
    assert r.json() == {"err": 0, "result": body}
    item = only_item(server, project)
    assert (item["level"], item["title"], item["assigned_user_id"]) == (
        "critical", "Checkout broken", user_id)
    assert item["level_lock"] == 1 and item["title_lock"] == 1
    # a later occurrence keeps the user's level and title
    send(server, project)
    assert only_item(server, project)["title"] == "Checkout broken"
    assert only_item(server, project, assigned_user="dev")["id"] == item["id"]
    assert only_item(server, project, assigned_user="assigned")["id"] == item["id"]
    assert server.get("/api/1/items", project.read, assigned_user="unassigned").json()[
        "result"]["items"] == []

    r = patch(server, item["id"], project.tokens["write"],
              {"snooze_enabled": True, "snooze_expiration_in_seconds": 3600})
    assert r.status_code == 200
    assert server.get("/api/1/items", project.read).json()["result"]["items"] == []
    snoozed = only_item(server, project, is_snoozed="true")
    assert snoozed["snooze_status"] == "snoozed"
    assert snoozed["snooze_expiration_datetime"] > snoozed["last_occurrence_timestamp"]
    patch(server, item["id"], project.tokens["write"], {"snooze_enabled": False})
    assert only_item(server, project)["snooze_status"] == "none"

    r = patch(server, item["id"], project.tokens["write"], {"assigned_user_id": None})
    assert r.json()["result"] == {"assigned_user_id": None}
    assert only_item(server, project)["assigned_user_id"] is None


def test_query_searches_titles_literally(server: LiveServer, project: ProjectInfo) -> None:
    send(server, project, message="disk 100% full on db-1")
    send(server, project, message="disk 90 percent full")
    server.wait_digested()
    found = server.get("/api/1/items", project.read, query="100% FULL").json()["result"]
    assert [i["title"] for i in found["items"]] == ["disk 100% full on db-1"]
    assert found["total_count"] == 1
    assert server.get("/api/1/items", project.read, query="_").json()["result"]["items"] == []
    sneaky = server.get("/api/1/items", project.read, query="' OR 1=1 --")
    assert sneaky.status_code == 200 and sneaky.json()["result"]["items"] == []


def test_delete_occurrence_keeps_counts(server: LiveServer, project: ProjectInfo,
                                        other_project: ProjectInfo) -> None:
    send(server, project)
    send(server, project)
    item = only_item(server, project)
    inst = server.get(f"/api/1/item/{item['id']}/instances",
                      project.read).json()["result"]["instances"]
    victim = inst[0]["id"]
    url = f"{server.url}/api/1/instance/{victim}"
    assert server.http.delete(url).status_code == 401
    assert server.http.delete(url, headers={
        "X-Rollbar-Access-Token": project.read}).status_code == 403
    assert server.http.delete(url, headers={
        "X-Rollbar-Access-Token": other_project.tokens["write"]}).status_code == 404
    r = server.http.delete(url, params={"access_token": project.tokens["write"]})
    assert r.status_code == 200
    assert r.json() == {"err": 0, "message": "The instance has been deleted"}
    assert server.get(f"/api/1/instance/{victim}", project.read).status_code == 404
    assert server.http.delete(url, headers={
        "X-Rollbar-Access-Token": project.tokens["write"]}).status_code == 404
    assert only_item(server, project)["total_occurrences"] == 2
    left = server.get(f"/api/1/item/{item['id']}/instances",
                      project.read).json()["result"]["instances"]
    assert [i["id"] for i in left] == [inst[1]["id"]]


def test_patch_auth_and_isolation(server: LiveServer, project: ProjectInfo,
                                  other_project: ProjectInfo) -> None:
    send(server, project)
    item = only_item(server, project)
    r = patch(server, item["id"], None, {"status": "muted"})
    assert r.status_code == 401 and r.json()["err"] == 1
    r = patch(server, item["id"], project.read, {"status": "muted"})
    assert r.status_code == 403 and "write scope is required" in r.json()["message"]
    r = patch(server, item["id"], other_project.tokens["write"], {"status": "muted"})
    assert r.status_code == 404 and r.json()["message"] == "Item not found in this project."
    assert only_item(server, project)["status"] == "active"
    # the token may also come in the body, as form or JSON
    r = server.http.patch(f"{server.url}/api/1/item/{item['id']}",
                          data={"status": "muted", "access_token": project.tokens["write"]})
    assert r.status_code == 200, r.text
    assert only_item(server, project)["status"] == "muted"


@pytest.mark.parametrize(("body", "message"), [
    ({"status": "archived"}, "status must be one of"),
    ({"status": 1}, "status must be one of"),
    ({"resolved_in_version": "1.0"}, "together with status resolved"),
    ({"status": "resolved", "resolved_in_version": "x" * 41}, "at most 40"),
    ({"level": "fatal!"}, "level must be one of"),
    ({"title": ""}, "title must be"),
    ({"title": "x" * 256}, "title must be"),
    ({"assigned_user_id": "abc"}, "assigned_user_id must be"),
    ({"assigned_user_id": 999999}, "not a user of this account"),
    ({"snooze_expiration_in_seconds": -5}, "snooze_expiration_in_seconds"),
    # str.isdigit() accepts these, int() does not: once a 500
    ({"assigned_user_id": "²"}, "assigned_user_id must be"),
    ({"snooze_enabled": True, "snooze_expiration_in_seconds": "³"},
     "snooze_expiration_in_seconds"),
    ({}, "nothing to change"),
])
def test_patch_rejects_bad_fields(server: LiveServer, project: ProjectInfo,
                                  body: dict[str, Any], message: str) -> None:
    send(server, project)
    item = only_item(server, project)
    r = patch(server, item["id"], project.tokens["write"], body)
    assert r.status_code == 422, r.text
    assert message in r.json()["message"]


@pytest.mark.parametrize("item_id", ["0", "-1", "abc", "99999999999999999999", "1%20OR%201",
                                     "%C2%B2"])
def test_patch_unknown_ids_are_404(server: LiveServer, project: ProjectInfo,
                                   item_id: str) -> None:
    r = server.http.patch(f"{server.url}/api/1/item/{item_id}", json={"status": "muted"},
                          headers={"X-Rollbar-Access-Token": project.tokens["write"]})
    assert r.status_code == 404


def test_patch_body_must_be_an_object(server: LiveServer, project: ProjectInfo) -> None:
    send(server, project)
    item = only_item(server, project)
    r = server.http.patch(f"{server.url}/api/1/item/{item['id']}", content=b"[1,2]",
                          headers={"X-Rollbar-Access-Token": project.tokens["write"]})
    assert r.status_code == 400 and "JSON object" in r.json()["message"]
    r = server.http.patch(f"{server.url}/api/1/item/{item['id']}", content=b"{broken",
                          headers={"X-Rollbar-Access-Token": project.tokens["write"]})
    assert r.status_code == 400


def test_item_ids_must_be_ascii_digits(server: LiveServer, project: ProjectInfo) -> None:
    r = server.get("/api/1/items/", project.read, ids="²")
    assert r.status_code == 422 and r.json()["message"] == "ids must be integers; got '²'"


def test_pages_far_past_the_end_are_empty(server: LiveServer, project: ProjectInfo) -> None:
    send(server, project)
    server.wait_digested()
    for path, key in (("/api/1/items", "items"), ("/api/1/instances", "instances")):
        for page in ("2", str(2**62), str(2**63 - 1)):
            r = server.get(path, project.read, page=page, limit="5000")
            assert r.status_code == 200, (path, page, r.text)
            assert r.json()["result"][key] == []
