"""The official Rollbar Python SDK (pyrollbar) against the real server."""

from __future__ import annotations

import pytest
import rollbar

from tests.support import LiveServer, ProjectInfo

pytestmark = pytest.mark.sdk


@pytest.fixture
def sdk(server: LiveServer, project: ProjectInfo):  # type: ignore[no-untyped-def]
    rollbar.init(project.post, environment="sdk-test", endpoint=server.api,
                 handler="blocking", code_version="1.2.3")
    yield rollbar
    rollbar._initialized = False  # let the next test init afresh


def _raise_in_a(sdk) -> None:  # type: ignore[no-untyped-def]
    try:
        raise ValueError("bad value 17")
    except ValueError:
        sdk.report_exc_info(extra_data={"job": "a"})


def _raise_in_b(sdk) -> None:  # type: ignore[no-untyped-def]
    try:
        raise ValueError("bad value 17")
    except ValueError:
        sdk.report_exc_info()


def items_of(server: LiveServer, project: ProjectInfo) -> list[dict]:  # type: ignore[type-arg]
    r = server.get("/api/1/items", project.read)
    assert r.status_code == 200, r.text
    return r.json()["result"]["items"]


def test_same_line_twice_is_one_item_with_two_occurrences(sdk, server, project):  # type: ignore[no-untyped-def]
    _raise_in_a(sdk)
    _raise_in_a(sdk)
    server.wait_digested()
    items = items_of(server, project)
    assert len(items) == 1
    item = items[0]
    assert item["total_occurrences"] == 2
    assert item["title"] == "ValueError: bad value 17"
    assert item["level"] == "error"
    assert item["environment"] == "sdk-test"
    assert item["status"] == "active"
    assert item["counter"] == 1
    r = server.get(f"/api/1/item/{item['id']}/instances", project.read)
    instances = r.json()["result"]["instances"]
    assert len(instances) == 2
    data = instances[0]["data"]
    assert data["body"]["trace"]["exception"]["class"] == "ValueError"
    assert data["body"]["trace"]["exception"]["message"] == "bad value 17"
    assert data["code_version"] == "1.2.3"
    assert data["custom"] == {"job": "a"}
    assert data["notifier"]["name"] == "pyrollbar"
    assert data["body"]["trace"]["frames"][-1]["method"] == "_raise_in_a"
    assert data["metadata"]["access_token"] == ""


def test_raise_from_another_function_is_another_item(sdk, server, project):  # type: ignore[no-untyped-def]
    _raise_in_a(sdk)
    _raise_in_b(sdk)
    server.wait_digested()
    items = items_of(server, project)
    assert len(items) == 2
    assert sorted(i["counter"] for i in items) == [1, 2]
    assert len({i["hash"] for i in items}) == 2


def test_messages_with_different_numbers_group_together(sdk, server, project):  # type: ignore[no-untyped-def]
    sdk.report_message("payment 1234 failed after 3 retries", "warning")
    sdk.report_message("payment 98 failed after 5 retries", "warning")
    sdk.report_message("a different message entirely", "info")
    server.wait_digested()
    items = {i["title"]: i for i in items_of(server, project)}
    assert len(items) == 2
    grouped = items["payment 1234 failed after 3 retries"]
    assert grouped["total_occurrences"] == 2
    assert grouped["level"] == "warning"
    assert "message: payment <int> failed after <int> retries" in grouped["fingerprint_key"]


def test_read_back_matches_what_was_sent(sdk, server, project):  # type: ignore[no-untyped-def]
    sdk.report_message("hello from the sdk", "info", extra_data={"answer": 42},
                       payload_data={"person": {"id": "u-1", "username": "ann"},
                                     "context": "jobs#run"})
    server.wait_digested()
    (item,) = items_of(server, project)
    r = server.get(f"/api/1/item/{item['id']}", project.read)
    assert r.json()["result"]["title"] == "hello from the sdk"
    inst = server.get(f"/api/1/item/{item['id']}/instances", project.read).json()
    occ = inst["result"]["instances"][0]
    one = server.get(f"/api/1/instance/{occ['id']}", project.read).json()["result"]
    assert one["item_id"] == item["id"]
    body = one["data"]
    assert body["body"]["message"]["body"] == "hello from the sdk"
    assert body["person"]["username"] == "ann"
    assert body["context"] == "jobs#run"
    assert body["level"] == "info"
    by_uuid = server.get("/api/1/item/", project.read, uuid=body["uuid"]).json()
    assert by_uuid["result"]["id"] == item["id"]
