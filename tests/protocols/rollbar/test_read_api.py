"""The Rollbar read API: auth and scopes, project isolation, paging, filters, shapes."""

from __future__ import annotations

import pytest

from tests.support import LiveServer, ProjectInfo


def trace(cls: str, method: str, env: str = "prod", level: str | None = None,
          uuid: str | None = None) -> dict:  # type: ignore[type-arg]
    data = {"environment": env, "body": {"trace": {
        "frames": [{"filename": "/srv/app/main.py", "lineno": 3, "method": "main"},
                   {"filename": "/srv/app/jobs.py", "lineno": 10, "method": method}],
        "exception": {"class": cls, "message": f"{cls} in {method}"}}}}
    if level:
        data["level"] = level
    if uuid:
        data["uuid"] = uuid
    return data


@pytest.fixture
def seeded(server: LiveServer, project: ProjectInfo) -> LiveServer:
    sent = [trace("KeyError", "load", uuid=f"k{i}") for i in range(3)] + [
        trace("ValueError", "parse", level="warning"),
        trace("ValueError", "parse", env="staging")]
    for data in sent:
        assert server.post_item(project.post, data).status_code == 200
    server.wait_digested()
    return server


def test_items_list_and_filters(seeded: LiveServer, project: ProjectInfo) -> None:
    res = seeded.get("/api/1/items", project.read).json()["result"]
    assert res["page"] == 1 and res["total_count"] == 3
    assert {i["environment"] for i in res["items"]} == {"prod", "staging"}
    prod = seeded.get("/api/1/items", project.read, environment="prod").json()["result"]
    assert prod["total_count"] == 2
    warn = seeded.get("/api/1/items", project.read, level="warning").json()["result"]
    assert [i["title"] for i in warn["items"]] == ["ValueError: ValueError in parse"]
    resolved = seeded.get("/api/1/items", project.read, status="resolved").json()["result"]
    assert resolved["items"] == [] and resolved["total_count"] == 0
    beyond = seeded.get("/api/1/items", project.read, page=9).json()["result"]
    assert beyond["items"] == [] and beyond["page"] == 9


def test_bad_filters_are_422(seeded: LiveServer, project: ProjectInfo) -> None:
    for params, text in ((dict(status="gone"), "status must be one of"),
                         (dict(level="loud"), "level must be one of"),
                         (dict(page="x"), "page must be an integer"),
                         (dict(page="0"), "page must be at least 1")):
        r = seeded.get("/api/1/items", project.read, **params)
        assert r.status_code == 422 and r.json()["err"] == 1
        assert text in r.json()["message"]


def test_item_by_id_counter_and_uuid(seeded: LiveServer, project: ProjectInfo) -> None:
    items = seeded.get("/api/1/items", project.read, environment="prod").json()["result"]["items"]
    key = next(i for i in items if i["title"].startswith("KeyError"))
    assert key["total_occurrences"] == 3
    one = seeded.get(f"/api/1/item/{key['id']}", project.read).json()["result"]
    assert one == key
    r = seeded.http.get(seeded.url + f"/api/1/item_by_counter/{key['counter']}",
                        headers={"X-Rollbar-Access-Token": project.read},
                        follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == f"/api/1/item/{key['id']}"
    assert r.json()["result"]["itemId"] == key["id"]
    followed = seeded.http.get(seeded.url + f"/api/1/item_by_counter/{key['counter']}",
                               params={"access_token": project.read}, follow_redirects=True)
    assert followed.status_code == 200 and followed.json()["result"]["id"] == key["id"]
    by_counter = seeded.get("/api/1/item/", project.read, counter=key["counter"]).json()
    assert by_counter["result"]["id"] == key["id"]


def test_item_by_uuid_errors(seeded: LiveServer, project: ProjectInfo) -> None:
    r = seeded.get("/api/1/item/", project.read, uuid="nope")
    assert r.status_code == 400 and r.json()["message"] == "Invalid UUID format"
    r = seeded.get("/api/1/item/", project.read, uuid="0d1f3c2a-5b6e-4f70-8a91-b2c3d4e5f607")
    assert r.status_code == 404 and r.json()["message"] == "UUID did not match any occurrence"


def test_instances_paging_with_last_id(seeded: LiveServer, project: ProjectInfo) -> None:
    all_ = seeded.get("/api/1/instances", project.read).json()["result"]["instances"]
    ids = [i["id"] for i in all_]
    assert len(ids) == 5 and ids == sorted(ids, reverse=True)
    page = seeded.get("/api/1/instances", project.read, limit=2).json()["result"]["instances"]
    assert [i["id"] for i in page] == ids[:2]
    nxt = seeded.get("/api/1/instances", project.read, limit=2,
                     lastId=ids[1]).json()["result"]["instances"]
    assert [i["id"] for i in nxt] == ids[2:4]
    one = seeded.get(f"/api/1/instance/{ids[0]}", project.read).json()["result"]
    assert set(one) >= {"id", "project_id", "item_id", "timestamp", "data"}
    assert isinstance(one["timestamp"], int)


@pytest.mark.parametrize("path", ["/api/1/items", "/api/1/item/1", "/api/1/instances",
                                  "/api/1/instance/1", "/api/1/item/1/instances",
                                  "/api/1/item_by_counter/1"])
def test_reads_need_a_read_token(seeded: LiveServer, project: ProjectInfo, path: str) -> None:
    r = seeded.http.get(seeded.url + path)
    assert r.status_code == 401 and "access token required" in r.json()["message"]
    r = seeded.get(path, project.post)
    assert r.status_code == 403
    assert r.json()["message"] == ("insufficient privileges: read scope is required but the "
                                   "access token only has post_server_item.")
    r = seeded.get(path, "f" * 32)
    assert r.status_code == 403 and r.json()["message"].startswith("access token not found")


def test_another_projects_token_sees_nothing(seeded: LiveServer, project: ProjectInfo,
                                             other_project: ProjectInfo) -> None:
    items = seeded.get("/api/1/items", project.read).json()["result"]["items"]
    instances = seeded.get("/api/1/instances", project.read).json()["result"]["instances"]
    other = other_project.read
    assert seeded.get("/api/1/items", other).json()["result"]["items"] == []
    assert seeded.get("/api/1/instances", other).json()["result"]["instances"] == []
    for item in items:
        assert seeded.get(f"/api/1/item/{item['id']}", other).status_code == 404
        assert seeded.get(f"/api/1/item/{item['id']}/instances", other).status_code == 404
        assert seeded.get(f"/api/1/item_by_counter/{item['counter']}", other).status_code == 404
    for inst in instances:
        assert seeded.get(f"/api/1/instance/{inst['id']}", other).status_code == 404
        r = seeded.get("/api/1/item/", other, uuid=inst["data"]["uuid"])
        assert r.status_code in (400, 404)
    for sneaky in ("1 OR 1=1", "1;DROP TABLE items", "-1", "99999999999999999999"):
        r = seeded.get(f"/api/1/item/{sneaky}", other)
        assert r.status_code == 404 and r.json()["err"] == 1
    r = seeded.get("/api/1/items", other, ids=",".join(str(i["id"]) for i in items))
    assert r.json()["result"]["items"] == []
    r = seeded.get("/api/1/items", project.read, ids="99999999999999999999")
    assert r.status_code == 200 and r.json()["result"]["items"] == []
    r = seeded.get("/api/1/items", project.read, ids=str(items[0]["id"]))
    assert [i["id"] for i in r.json()["result"]["items"]] == [items[0]["id"]]


def test_unknown_paths_are_rollbar_shaped_404(server: LiveServer, project: ProjectInfo) -> None:
    r = server.get("/api/1/no_such_thing", project.read)
    assert r.status_code == 404 and r.json() == {"err": 1, "message": "Not found"}
