"""The SDK-compatibility rules of rollbar-api.md §1 on the ingest path."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from tests.support import LiveServer, ProjectInfo

DATA = {"environment": "compat", "body": {"message": {"body": "compat check"}}}


def stored_uuids(server: LiveServer, project: ProjectInfo) -> list[str]:
    server.wait_digested()
    r = server.get("/api/1/instances", project.read, limit=100)
    return [i["data"]["uuid"] for i in r.json()["result"]["instances"]]


def test_json_is_read_whatever_the_content_type(server: LiveServer, project: ProjectInfo) -> None:
    for ctype in ("application/x-www-form-urlencoded", "text/plain", None):
        headers = {"X-Rollbar-Access-Token": project.post}
        if ctype:
            headers["Content-Type"] = ctype
        body = json.dumps({"data": {**DATA, "uuid": f"ct-{ctype}"}})
        r = server.http.post(server.url + "/api/1/item/", content=body, headers=headers)
        assert r.status_code == 200, (ctype, r.text)
    assert len(stored_uuids(server, project)) == 3


def test_form_field_payload_with_token_in_it(server: LiveServer, project: ProjectInfo) -> None:
    payload = json.dumps({"access_token": project.post, "data": {**DATA, "uuid": "form-1"}})
    r = server.http.post(server.url + "/api/1/item/", content=urlencode({"payload": payload}),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    assert stored_uuids(server, project) == ["form-1"]


def test_token_in_body_query_or_header(server: LiveServer, project: ProjectInfo) -> None:
    r1 = server.http.post(server.url + "/api/1/item/",
                          json={"access_token": project.post, "data": {**DATA, "uuid": "b"}})
    r2 = server.http.post(server.url + "/api/1/item/?access_token=" + project.post,
                          json={"data": {**DATA, "uuid": "q"}})
    r3 = server.post_item(project.post, {**DATA, "uuid": "h"})
    assert [r1.status_code, r2.status_code, r3.status_code] == [200, 200, 200]
    assert sorted(stored_uuids(server, project)) == ["b", "h", "q"]


def test_header_token_wins_over_body_token(server: LiveServer, project: ProjectInfo,
                                           other_project: ProjectInfo) -> None:
    r = server.http.post(server.url + "/api/1/item/",
                         json={"access_token": other_project.post, "data": {**DATA, "uuid": "w"}},
                         headers={"X-Rollbar-Access-Token": project.post})
    assert r.status_code == 200
    assert stored_uuids(server, project) == ["w"]
    assert stored_uuids(server, other_project) == []


def test_path_without_slash_is_not_redirected(server: LiveServer, project: ProjectInfo) -> None:
    r = server.http.post(server.url + "/api/1/item", json={"data": DATA},
                         headers={"X-Rollbar-Access-Token": project.post},
                         follow_redirects=False)
    assert r.status_code == 200, r.text
    for path in ("/api/1/items", "/api/1/items/", "/api/1/status/ping", "/api/1/status/ping/"):
        g = server.get(path, project.read)
        assert g.status_code == 200, path


def test_chunked_body_without_content_length(server: LiveServer, project: ProjectInfo) -> None:
    def gen():  # type: ignore[no-untyped-def]
        yield b'{"data": {"environment": "compat", "uuid": "chunked", '
        yield b'"body": {"message": {"body": "in pieces"}}}}'

    r = server.http.post(server.url + "/api/1/item/", content=gen(),
                         headers={"X-Rollbar-Access-Token": project.post})
    assert r.status_code == 200, r.text
    assert stored_uuids(server, project) == ["chunked"]


def test_cors_preflight(server: LiveServer) -> None:
    r = server.http.options(server.url + "/api/1/item/", headers={
        "Origin": "http://example.test", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-rollbar-access-token"})
    assert r.status_code in (200, 204)
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "x-rollbar-access-token" in r.headers["access-control-allow-headers"].lower()


def test_duplicate_uuid_is_accepted_and_stored_once(server: LiveServer,
                                                    project: ProjectInfo) -> None:
    for _ in range(3):
        r = server.post_item(project.post, {**DATA, "uuid": "same-uuid"})
        assert r.status_code == 200
        assert r.json()["result"]["uuid"] == "same-uuid"
    assert stored_uuids(server, project) == ["same-uuid"]
    items = server.get("/api/1/items", project.read).json()["result"]["items"]
    assert items[0]["total_occurrences"] == 1


def test_same_uuid_in_two_projects_is_two_occurrences(server: LiveServer, project: ProjectInfo,
                                                      other_project: ProjectInfo) -> None:
    assert server.post_item(project.post, {**DATA, "uuid": "shared"}).status_code == 200
    assert server.post_item(other_project.post, {**DATA, "uuid": "shared"}).status_code == 200
    assert stored_uuids(server, project) == ["shared"]
    assert stored_uuids(server, other_project) == ["shared"]


def test_ping(server: LiveServer) -> None:
    r = server.http.get(server.url + "/api/1/status/ping")
    assert r.status_code == 200 and r.text == "pong"


def test_lenient_fields_are_coerced_and_noted(server: LiveServer, project: ProjectInfo) -> None:
    r = server.post_item(project.post, {
        "environment": "compat", "level": "fatal", "timestamp": 1.7e9,
        "person": {"id": 12345, "email": "a@b.c"}, "uuid": "lenient",
        "body": {"trace": {"frames": [{"filename": "a.js", "lineno": None}],
                           "exception": {"class": "TypeError", "message": 42}}}})
    assert r.status_code == 200, r.text
    server.wait_digested()
    (item,) = server.get("/api/1/items", project.read).json()["result"]["items"]
    assert item["level"] == "critical"
    assert item["title"] == "TypeError: 42"
    inst = server.get(f"/api/1/item/{item['id']}/instances", project.read).json()
    data = inst["result"]["instances"][0]["data"]
    assert data["metadata"]["customer_timestamp"] == 1700000000
    assert data["timestamp"] >= 1700000000
