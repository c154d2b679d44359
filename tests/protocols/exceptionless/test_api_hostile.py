"""Every read/admin endpoint of the Exceptionless API against hostile input: odd ids,
odd query parameters, odd bodies. Never a 500; every refusal a problem document; and
HTML in stored events comes back as JSON text, never as markup."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import Engine

from tests.protocols.exceptionless.api_support import (
    bearer,
    get,
    login,
    make_user,
    post_events,
)
from tests.support import LiveServer, ProjectInfo
from tracehound.protocols.exceptionless import ids

ODD_IDS = ["0" * 24, "f" * 24, "7fffffffffffffffffffffff", "8" + "0" * 23, "Z" * 24,
           "1" * 36, "%00" * 8, "a,b", ",", "%2F" * 8, "é" * 24, "-" * 30]
ODD_PARAMS: list[dict[str, str]] = [
    {"limit": "99999999999999999999"}, {"limit": "-5"}, {"limit": "1e3"}, {"page": "0"},
    {"page": "99999999999"}, {"page": "²"}, {"filter": "\x00"}, {"filter": "(" * 40},
    {"filter": "type:" + "x" * 300}, {"filter": 'reference:"' + "a" * 5000 + '"'},
    {"filter": "date:[now-99999999y TO now]"}, {"filter": "level:>=9999999999999999999999"},
    {"filter": "stack:" + "f" * 24 + " OR id:" + "0" * 24},
    {"time": "last 999999 years"}, {"time": "[0001-01-01 TO 9999-12-31]"},
    {"time": "0001-01-01T00:00:00"}, {"time": "[now+9999999y TO *]"}, {"time": "\x00"},
    {"offset": "-99999m", "time": "today"}, {"offset": "9999h", "time": "yesterday"},
    {"sort": "-date;DROP"}, {"mode": "summary", "include": "total,total"},
    {"before": "1_1"}, {"after": "99999999999.99999999999999999999_9223372036854775807"},
    {"after": "1_99999999999999999999"}, {"include": "\u3000"},
]


def test_no_500_for_odd_ids_and_parameters(server: LiveServer, engine: Engine,
                                          project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    post_events(server, project.post, [
        {"type": "error", "message": "<script>alert(1)</script>", "reference_id": "hostile-01",
         "tags": ["<img src=x onerror=alert(1)>"],
         "data": {"@error": {"type": "<b>Err</b>", "message": "</script>",
                             "stack_trace": [{"name": "\u202e" * 50}]},
                  "deep": [[[[[[[[[[{"x": "\x00"}]]]]]]]]]], "big": "y" * 50_000}},
        {"type": "\u3000" * 5, "source": "\ud7ff", "value": 1e308, "count": -1},
    ])
    server.wait_digested()
    [event] = get(server, "/api/v2/events/by-ref/hostile-01", me).json()
    stack = event["stack_id"]
    pid, org = ids.encode(project.id), ids.encode(project.account_id)
    lists = ["/api/v2/events", f"/api/v2/projects/{pid}/events", f"/api/v2/stacks/{stack}/events",
             f"/api/v2/organizations/{org}/events", "/api/v2/stacks",
             f"/api/v2/projects/{pid}/stacks", "/api/v2/projects", "/api/v2/events/count",
             f"/api/v2/projects/{pid}/tokens", "/api/v2/events/by-ref/hostile-01"]
    for path in lists:
        for params in ODD_PARAMS:
            r = get(server, path, me, **params)
            assert r.status_code < 500, (path, params, r.text)
            if r.status_code >= 400:
                assert r.headers["content-type"].startswith("application/problem+json")
    templates = ["/api/v2/events/{}", "/api/v2/stacks/{}", "/api/v2/projects/{}",
                 "/api/v2/organizations/{}", "/api/v2/tokens/{}", "/api/v2/events/by-ref/{}",
                 "/api/v2/projects/{}/events", "/api/v2/stacks/{}/events"]
    for template in templates:
        for odd in ODD_IDS:
            r = server.http.get(server.url + template.format(odd), headers=bearer(me))
            if "by-ref" in template and r.status_code == 200:
                assert r.json() == [], odd  # a well-formed reference id nobody used
                continue
            assert r.status_code in (400, 404), (template, odd, r.text)
    for verb, suffix in (("POST", "mark-fixed"), ("DELETE", "mark-fixed"),
                         ("POST", "change-status"), ("POST", "mark-snoozed"),
                         ("POST", "mark-critical"), ("DELETE", "")):
        for odd in ODD_IDS:
            url = f"{server.url}/api/v2/stacks/{odd}" + (f"/{suffix}" if suffix else "")
            r = server.http.request(verb, url, headers=bearer(me))
            assert r.status_code in (400, 404, 405), (verb, url, r.text)
        for query in ({"version": "\x00"}, {"version": "1" * 100}, {"status": "\x00"},
                      {"snoozeUntilUtc": "0001-01-01T00:00:00"},
                      {"snoozeUntilUtc": "9999-12-31T23:59:59+14:00"}):
            url = f"{server.url}/api/v2/stacks/{stack}" + (f"/{suffix}" if suffix else "")
            if verb == "DELETE" and not suffix:
                continue  # would delete the stack the others use
            r = server.http.request(verb, url, params=query, headers=bearer(me))
            assert r.status_code < 500, (verb, url, query, r.text)
    # HTML and control characters come back as JSON strings, byte for byte
    r = get(server, f"/api/v2/events/{event['id']}", me)
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["message"] == "<script>alert(1)</script>"
    assert r.json()["tags"] == ["<img src=x onerror=alert(1)>"]
    assert r.json()["data"]["deep"][0][0][0][0][0][0][0][0][0][0] == {"x": "\x00"}


def test_odd_bodies(server: LiveServer, engine: Engine, project: ProjectInfo) -> None:
    me = login(server, make_user(engine, project.account_id))
    bodies: list[Any] = [b"", b"null", b"[]", b'"x"', b"{", b"\xff\xfe", b"{}" * 10,
                         b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                         b'{"name": {"$gt": ""}}', b'{"scopes": [null, 1, {}]}']
    for path in ("/api/v2/auth/login", "/api/v2/projects", f"/api/v2/projects/"
                 f"{ids.encode(project.id)}/tokens"):
        for body in bodies:
            r = httpx.post(server.url + path, content=body,
                           headers={**bearer(me), "Content-Type": "application/json"})
            assert r.status_code < 500, (path, body[:40], r.text)
            if r.status_code >= 400:
                assert r.headers["content-type"].startswith("application/problem+json")
    assert server.http.get(server.url + "/health").status_code == 200
