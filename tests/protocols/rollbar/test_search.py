"""The search language through `GET /api/1/items?query=`, on the live app and a real
database: Rollbar and Sentry events with different hosts, people, tags, versions,
levels and environments go in; a table of filters must return exactly the right items;
hostile queries get a clear 422 (or a correct empty answer), never a 500."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import LiveServer, ProjectInfo

R1_UUID = "0d1f3c2a-5b6e-4f70-8a91-b2c3d4e5f601"
S1_EVENT = "5c3a2b1e0f9d4c8b8a7e6d5c4b3a2f10"


def rollbar(cls: str, message: str, **data: Any) -> dict[str, Any]:
    body = {"trace": {"frames": [{"filename": "/srv/app/main.py", "lineno": 3,
                                  "method": "main"}],
                      "exception": {"class": cls, "message": message}}}
    return {"environment": "production", "body": body, **data}


def sentry(etype: str, value: str, event_id: str | None = None, **extra: Any) -> bytes:
    return json.dumps({
        "event_id": event_id or uuid.uuid4().hex, "platform": "python", "level": "error",
        "environment": "production",
        "exception": {"values": [{"type": etype, "value": value, "stacktrace": {"frames": [
            {"filename": "shop/cart.py", "function": "apply", "lineno": 4,
             "in_app": True}]}}]},
        **extra}).encode()


def post_sentry(server: LiveServer, project: ProjectInfo, body: bytes) -> None:
    r = server.http.post(server.url + f"/api/{project.id}/store/", content=body, headers={
        "X-Sentry-Auth": f"Sentry sentry_key={project.post}, sentry_version=7",
        "Content-Type": "application/json"})
    assert r.status_code == 200, r.text


@pytest.fixture
def seeded(server: LiveServer, project: ProjectInfo,
           other_project: ProjectInfo) -> dict[str, dict[str, Any]]:
    """Five items in `project`, one look-alike in `other_project`; label → item."""
    sent = [
        rollbar("KeyError", "missing sku", level="error", code_version="1.4.2",
                context="cart#show", uuid=R1_UUID, server={"host": "Web-1"},
                person={"id": "u-1", "username": "alice", "email": "Alice@Example.com"}),
        rollbar("KeyError", "missing sku", level="error", code_version="1.4.2",
                server={"host": "web-2"}, person={"id": "u-2", "username": "bob"}),
        rollbar("ValueError", "bad quantity", environment="staging", level="warning",
                code_version="2.0.0", context="jobs#run", server={"host": "worker-1"},
                person={"id": "u-2", "username": "bob", "email": "bob@example.com"}),
        {"environment": "production", "level": "info",
         "body": {"message": {"body": "Disk 100%_full on db"}}},
    ]
    for data in sent:
        assert server.post_item(project.post, data).status_code == 200
    post_sentry(server, project, sentry(
        "ZeroDivisionError", "division by zero", S1_EVENT, release="shop@1.4.2",
        server_name="web-1", tags={"region": "eu", "browser": "Firefox"},
        user={"id": "u-77", "email": "carol@example.com"}, transaction="/cart/apply"))
    post_sentry(server, project, sentry(
        "TimeoutError", "upstream timed out", level="fatal", release="shop@1.5.0",
        server_name="web-3", tags=[["region", "us"], ["customer", "acme"]],
        user={"username": "dave"}))
    assert server.post_item(other_project.post, rollbar(
        "KeyError", "missing sku", server={"host": "web-1"}, person={"id": "u-1"},
        code_version="1.4.2")).status_code == 200
    server.wait_digested()
    found = server.get("/api/1/items", project.read).json()["result"]["items"]
    by_title = {i["title"]: i for i in found}
    labels = {"R1": "KeyError: missing sku", "R2": "ValueError: bad quantity",
              "R3": "Disk 100%_full on db", "S1": "ZeroDivisionError: division by zero",
              "S2": "TimeoutError: upstream timed out"}
    assert set(by_title) == set(labels.values()), sorted(by_title)
    out = {label: by_title[title] for label, title in labels.items()}
    out["other"] = server.get("/api/1/items", other_project.read).json()["result"]["items"][0]
    return out


def search(server: LiveServer, project: ProjectInfo, query: str, **params: Any) -> Any:
    r = server.get("/api/1/items", project.read, query=query, limit=5000, **params)
    assert r.status_code == 200, (query, r.text)
    return r.json()["result"]


def labels(seeded: dict[str, dict[str, Any]], result: Any) -> set[str]:
    by_id = {item["id"]: label for label, item in seeded.items()}
    assert result["total_count"] == len(result["items"])
    return {by_id.get(i["id"], f"unknown item {i['id']}") for i in result["items"]}


ALL = {"R1", "R2", "R3", "S1", "S2"}
FILTERS: list[tuple[str, set[str]]] = [
    ("", ALL),
    ("keyerror", {"R1"}),  # plain words: infix on the title, any case
    ("error", {"R1", "R2", "S1", "S2"}),
    ("missing SKU", {"R1"}),
    ('"division by zero"', {"S1"}),
    ('"zero division"', set()),
    ("100%_full", {"R3"}),  # % and _ are plain characters, not LIKE wildcards
    ("%", {"R3"}),
    ("_", {"R3"}),
    ("a%b", set()),
    ("message:division", {"S1"}),
    ("title:upstream", {"S2"}),
    ("status:active", ALL),
    ("-status:active", set()),
    ("status:resolved", set()),
    ("level:warning", {"R2"}),
    ("level:>=error", {"R1", "S1", "S2"}),
    ("level:critical", {"S2"}),
    ("level:<=info", {"R3"}),
    ("level:[warning TO error]", {"R1", "R2", "S1"}),
    ("environment:production", {"R1", "R3", "S1", "S2"}),
    ("env:stag", {"R2"}),  # prefix match by default
    ('env:"stag"', set()),  # quoted: exact
    ("host:web-1", {"R1", "S1"}),  # host names without case
    ("host:WEB-1", {"R1", "S1"}),
    ('host:"web"', set()),
    ("host:web*", {"R1", "S1", "S2"}),
    ("host:web-2", {"R1"}),  # any occurrence of the item counts
    ("-host:web*", {"R2", "R3"}),
    ("_missing_:host", {"R3"}),
    ("person:u-1", {"R1"}),
    ("user:u-7", {"S1"}),
    ('person:"u-7"', set()),
    ("email:alice@example.com", {"R1"}),
    ("email:ALICE@EXAMPLE.COM", {"R1"}),
    ("username:bob", {"R1", "R2"}),
    ("username:dave", {"S2"}),
    ("_exists_:email", {"R1", "R2", "S1"}),
    ("context:cart", {"R1"}),
    ("context:/cart/apply", {"S1"}),
    ("version:1.4.2", {"R1"}),
    ("version:shop@1.4.2", {"S1"}),
    ("version:shop@1.*", {"S1", "S2"}),
    ("version:2", {"R2"}),
    ("_missing_:version", {"R3"}),
    ("tag:region=eu", {"S1"}),
    ("tag.region:us", {"S2"}),
    ("tag:region", {"S1", "S2"}),  # a tag named region
    ("tag:eu", {"S1"}),  # or any tag valued eu
    ("tag:acme", {"S2"}),
    ("tag:(eu OR us)", {"S1", "S2"}),
    ("tag.region:*", {"S1", "S2"}),
    ("_exists_:tag.customer", {"S2"}),
    ("tag:browser=firefox", set()),  # tags are case-sensitive
    ("type:KeyError", {"R1"}),
    ("class:Value*", {"R2"}),
    ("exception:zero", {"S1"}),
    ("-type:KeyError", {"R2", "R3", "S1", "S2"}),  # items without a class stay
    ("_missing_:type", {"R3"}),
    (f"reference:{R1_UUID}", {"R1"}),
    (f"uuid:{uuid.UUID(S1_EVENT)}".upper().replace("UUID:", "uuid:"), {"S1"}),
    ("reference:nope", set()),
    ("occurrences:>1", {"R1"}),
    ("occurrences:[2 TO *]", {"R1"}),
    ("occurrences:1 -level:info", {"R2", "S1", "S2"}),
    ("last_seen:>now-1h", ALL),
    ("last_seen:<now-1h", set()),
    ("first_seen:[2000-01-01 TO 2001-01-01]", set()),
    ("date:>now-1h", ALL),
    ("date:[now-1h TO now+1h]", ALL),
    ("date:<2020-01-01", set()),
    ("(host:web-1 OR host:worker-1) level:warning", {"R2"}),
    ("host:web-1 -tag:region=eu", {"R1"}),
    ("NOT env:production", {"R2"}),
    ("env:production AND NOT (tag:eu OR type:KeyError)", {"R3", "S2"}),
    ("!host:web-1 || level:critical", {"R2", "R3", "S2"}),
    ("KeyError: missing", {"R1"}),  # a pasted title with its colon
]


def test_filters_return_exactly_the_right_items(
        server: LiveServer, project: ProjectInfo, seeded: dict[str, dict[str, Any]]) -> None:
    wrong = []
    for query, expected in FILTERS:
        got = labels(seeded, search(server, project, query))
        if got != expected:
            wrong.append((query, sorted(got), sorted(expected)))
    assert not wrong, "\n".join(f"{q!r}: got {g}, want {e}" for q, g, e in wrong)


def test_ids_counters_and_other_projects(server: LiveServer, project: ProjectInfo,
                                         seeded: dict[str, dict[str, Any]]) -> None:
    r1, r2, other = seeded["R1"], seeded["R2"], seeded["other"]
    assert labels(seeded, search(server, project, f"#{r2['counter']}")) == {"R2"}
    assert labels(seeded, search(server, project, f"counter:{r2['counter']}")) == {"R2"}
    assert labels(seeded, search(server, project, f"id:{r1['id']}")) == {"R1"}
    # another project's item: its id finds nothing here, its counter finds ours
    assert search(server, project, f"id:{other['id']}")["items"] == []
    same_counter = search(server, project, f"#{other['counter']}")["items"]
    assert [i["project_id"] for i in same_counter] == [project.id]
    assert labels(seeded, search(server, project, "host:web-1 type:KeyError")) == {"R1"}
    # the search combines with the other filters (AND)
    assert labels(seeded, search(server, project, "error", level="warning")) == {"R2"}
    assert labels(seeded, search(server, project, "error", environment="production")) == {
        "R1", "S1", "S2"}


@pytest.mark.parametrize("query, reason", [
    ("colour:red", "unknown field 'colour' at position 0"),
    ("host:web-1 AND (level:error", "'(' is never closed at position 15"),
    ("status:gone", "status has no value 'gone' at position 7"),
    ("occurrences:>lots", "occurrences takes a whole number"),
    ("occurrences:>99999999999999999999", "occurrences takes a whole number"),
    ("last_seen:>tuesday", "last_seen takes a date"),
    ("a\x00b", "character U+0000 is not allowed at position 1"),
    ("(" * 40 + "a" + ")" * 40, "nested too deeply"),
    ("(" * 10_000 + "a" + ")" * 10_000, "too long"),
    ("x" * 5000, "too long"),
    ("title:" + "y" * 300, "value too long"),
    (" ".join(f"w{i}" for i in range(60)), "too many terms"),
])
def test_bad_queries_are_a_clear_422(server: LiveServer, project: ProjectInfo,
                                     query: str, reason: str) -> None:
    r = server.get("/api/1/items", project.read, query=query)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["err"] == 1 and body["message"].startswith("invalid search query: ")
    assert reason in body["message"], body["message"]
    if "unknown field" in reason:
        assert "valid fields: status, level, environment" in body["message"]


def test_hostile_queries_find_nothing_and_harm_nothing(
        server: LiveServer, project: ProjectInfo, seeded: dict[str, dict[str, Any]]) -> None:
    for query in ("' OR 1=1 --", '"; DROP TABLE items; --', "host:\"' OR ''='\"",
                  "tag:x' UNION SELECT * FROM access_tokens --", "title:%' OR '%'='",
                  "reference:' OR 1=1)--", "version:\\' OR 1=1", "id:9223372036854775807",
                  "id:-9223372036854775807", "tag:\u202e\u2066", "host:\U0001f600*",
                  "\\", '"\\"', "date:[0001-01-01 TO 0001-01-02]",
                  "last_seen:<now-9999999y", "*:*"):
        r = server.get("/api/1/items", project.read, query=query)
        assert r.status_code in (200, 422), (query, r.text)
        if r.status_code == 200:
            assert r.json()["result"]["items"] == [], query
        else:
            assert r.json()["err"] == 1
    assert labels(seeded, search(server, project, "")) == ALL  # nothing was harmed
    # bytes that are not UTF-8 arrive replaced, and are searched as text
    r = server.http.get(server.url + "/api/1/items?query=%ff%fe%00",
                        headers={"X-Rollbar-Access-Token": project.read})
    assert r.status_code == 422 and r.json()["err"] == 1
    r = server.http.get(server.url + "/api/1/items?query=%ff%fe",
                        headers={"X-Rollbar-Access-Token": project.read})
    assert r.status_code == 200 and r.json()["result"]["items"] == []


def test_a_huge_query_string_is_refused_not_a_500(server: LiveServer,
                                                  project: ProjectInfo) -> None:
    # 60,000 characters: httpx itself refuses a query string past 64 KiB
    r = server.get("/api/1/items", project.read, query="z" * 60_000)
    assert 400 <= r.status_code < 500


QUERY_TOKENS = st.sampled_from([
    "a", "web*", "*", '"', '"x y"', "(", ")", "[", "]", "{", "}", " ", "-", "!", "#1", ":",
    "\\", "AND", "OR", "NOT", "TO", ">", "<=", "status:", "level:", "host:", "tag:",
    "tag.region:", "date:", "last_seen:", "occurrences:", "version:", "reference:",
    "_exists_:", "nope:", "active", "error", "now-1h", "2024-01-01", "10", "%", "_", "'",
    "\x00", "é", "\U0001f600",
])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=st.one_of(st.lists(QUERY_TOKENS, max_size=12).map("".join), st.text(max_size=40)))
def test_random_queries_never_500(server: LiveServer, project: ProjectInfo,
                                  query: str) -> None:
    r = server.get("/api/1/items", project.read, query=query)
    assert r.status_code in (200, 422), (query, r.status_code, r.text)
    assert r.json()["err"] == (0 if r.status_code == 200 else 1)
