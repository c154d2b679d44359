"""The item page and one occurrence's page over real HTTP, with events ingested through
the Rollbar and Sentry endpoints: stack traces (in-app frames, context lines, chains),
request/person/server/custom data, escaping, the chart, occurrence paging, deploys, and
the actions (resolve, mute, reopen, assign, level) read back through the page and the
Rollbar API, with their history; CSRF, other accounts and odd ids."""

from __future__ import annotations

import html
import json
import re
import time
from typing import Any

import httpx
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tests.web.conftest import WebUser, csrf_of, make_user, sign_in
from tracehound.store import projects
from tracehound.store.db import writer

XSS = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


def rollbar_chain(**extra: Any) -> dict[str, Any]:
    """A Flask-style error with a cause, as pyrollbar sends it (trace_chain)."""
    return {
        "environment": "production", "level": "error", "language": "python",
        "framework": "flask", "code_version": "1.4.2",
        "body": {"trace_chain": [
            {"exception": {"class": "CheckoutError", "message": f"cart broke {XSS}"},
             "frames": [
                 {"filename": "/usr/lib/python3.11/site-packages/flask/app.py",
                  "lineno": 880, "method": "dispatch_request",
                  "code": "return view(**req.view_args)"},
                 {"filename": "/srv/shop/views.py", "lineno": 42, "method": "checkout",
                  "code": f"    total = price(cart)  # {IMG}",
                  "context": {"pre": ["def checkout(cart):", "    cart.lock()"],
                              "post": ["    return total", ""]}},
             ]},
            {"exception": {"class": "KeyError", "message": "'sku-<b>9</b>'"},
             "frames": [{"filename": "/srv/shop/prices.py", "lineno": 7,
                         "method": "price", "code": "return TABLE[cart.sku]"}]},
        ]},
        "request": {"url": "https://shop.example/checkout?coupon=<x>", "method": "POST",
                    "headers": {"User-Agent": "curl/8", "X-Evil": IMG},
                    "GET": {"coupon": "<x>"}, "POST": {"qty": "2"},
                    "user_ip": "203.0.113.9"},
        "person": {"id": "u-42", "username": "ada<b>", "email": "ada@example.com"},
        "server": {"host": "web-3", "root": "/srv/shop", "branch": "main",
                   "code_version": "1.4.2"},
        "custom": {"cart": {"items": 3}, "note": XSS},
        **extra,
    }


def post_rollbar(server: LiveServer, project: ProjectInfo, data: dict[str, Any]) -> None:
    r = server.post_item(project.post, data)
    assert r.status_code == 200, r.text


def message(server: LiveServer, project: ProjectInfo, text: str, **extra: Any) -> None:
    post_rollbar(server, project, {"environment": "production",
                                   "body": {"message": {"body": text}}, **extra})


def only_item(server: LiveServer, project: ProjectInfo) -> dict[str, Any]:
    server.wait_digested()
    r = server.get("/api/1/items/", project.read)
    assert r.status_code == 200, r.text
    found = r.json()["result"]["items"]
    assert len(found) == 1, found
    return dict(found[0])


def api_item(server: LiveServer, project: ProjectInfo, item_id: int) -> dict[str, Any]:
    r = server.get(f"/api/1/item/{item_id}", project.read)
    assert r.status_code == 200, r.text
    return dict(r.json()["result"])


def item_url(project: ProjectInfo, item: dict[str, Any]) -> str:
    return f"/projects/{project.id}/items/{item['counter']}"


def text_of(page: str) -> str:
    """The page's text: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def assert_no_injected_markup(page: str) -> None:
    assert "<script" not in page
    assert "<img" not in page
    assert "<b>" not in page


def test_rollbar_item_page_shows_the_latest_occurrence(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo) -> None:
    post_rollbar(server, project, rollbar_chain())
    item = only_item(server, project)
    r = signed_in.get(item_url(project, item))
    assert r.status_code == 200, r.text
    page = r.text
    assert_no_injected_markup(page)
    text = text_of(page)
    assert f"CheckoutError: cart broke {XSS}" in text  # the title, escaped
    assert "Caused by KeyError : 'sku-<b>9</b>'" in text  # the chain's cause
    # frames, most recent call last; the app frame highlighted, the library one not
    frames = re.findall(r'<li class="frame( in-app)?">\s*<div class="frame-where">'
                        r'<span class="frame-file">([^<]*)</span>', page)
    assert frames == [("", "/usr/lib/python3.11/site-packages/flask/app.py"),
                      (" in-app", "/srv/shop/views.py"), (" in-app", "/srv/shop/prices.py")]
    # context lines around the frame's line, numbered, the line itself marked
    context = re.search(r'/srv/shop/views.py</span>.*?<pre class="context">(.*?)</pre>',
                        page, re.S)
    assert context, page
    lines = re.findall(r'<span class="context-line( current)?"><span class="lineno">(\d*)'
                       r'</span>([^<]*)</span>', context.group(1))
    assert [(c, n, html.unescape(t)) for c, n, t in lines] == [
        ("", "40", "def checkout(cart):"), ("", "41", "    cart.lock()"),
        (" current", "42", f"    total = price(cart)  # {IMG}"),
        ("", "43", "    return total"), ("", "44", "")]
    # request, person, server, custom data
    for expected in ("POST", "https://shop.example/checkout?coupon=<x>", "203.0.113.9",
                     f"X-Evil {IMG}", "User-Agent curl/8", '"coupon": "<x>"', '"qty": "2"',
                     "Id u-42", "Username ada<b>", "Email ada@example.com",
                     "host web-3", "root /srv/shop", "branch main", "code version 1.4.2",
                     f'"note": "{XSS}"', '"items": 3'):
        assert expected in text, expected
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_sentry_event_renders_the_same_way(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo) -> None:
    event = {
        "event_id": "a" * 32, "platform": "python", "level": "error",
        "environment": "production", "release": "shop@2.0.0", "server_name": "web-7",
        "exception": {"values": [  # Sentry lists the cause first
            {"type": "OSError", "value": "disk <full>", "stacktrace": {"frames": [
                {"filename": "shop/store.py", "function": "save", "lineno": 10,
                 "in_app": True, "context_line": "    fh.write(data)",
                 "pre_context": ["def save(data):"], "post_context": ["    fh.close()"]}]}},
            {"type": "SaveFailed", "value": f"could not save {XSS}", "stacktrace": {
                "frames": [
                    {"filename": "django/core/handlers.py", "function": "inner",
                     "lineno": 55, "in_app": False, "context_line": "response = get()"},
                    {"filename": "shop/views.py", "function": "order", "lineno": 21,
                     "in_app": True, "context_line": "    store.save(order)",
                     "pre_context": ["def order(request):", "    order = make()"],
                     "post_context": ["    return ok()"]}]}},
        ]},
        "request": {"url": "https://shop.example/order", "method": "PUT",
                    "headers": {"X-Evil": IMG}, "query_string": "a=1&b=<2>"},
        "user": {"id": "s-1", "email": "sam@example.com", "ip_address": "198.51.100.4"},
        "extra": {"basket": XSS}, "tags": {"region": "eu-<1>"},
    }
    r = server.http.post(f"{server.url}/api/{project.id}/store/", json=event, headers={
        "X-Sentry-Auth": f"Sentry sentry_key={project.post}, sentry_version=7"})
    assert r.status_code == 200, r.text
    item = only_item(server, project)
    page = signed_in.get(item_url(project, item)).text
    assert_no_injected_markup(page)
    text = text_of(page)
    assert f"SaveFailed : could not save {XSS}" in text
    assert "Caused by OSError : disk <full>" in text
    frames = re.findall(r'<li class="frame( in-app)?">\s*<div class="frame-where">'
                        r'<span class="frame-file">([^<]*)</span>', page)
    assert frames == [("", "django/core/handlers.py"), (" in-app", "shop/views.py"),
                      (" in-app", "shop/store.py")]
    for expected in ("19 def order(request): 20 order = make() 21 store.save(order)",
                     "22 return ok()", "9 def save(data):", "10 fh.write(data)",
                     "PUT", "https://shop.example/order", "198.51.100.4", f"X-Evil {IMG}",
                     '"a=1&b=<2>"', "Id s-1", "Email sam@example.com", "host web-7",
                     "code version shop@2.0.0", f'"basket": "{XSS}"', "region eu-<1>"):
        assert expected in text, expected


def test_occurrence_page_shows_the_raw_payload(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo) -> None:
    post_rollbar(server, project, rollbar_chain())
    message(server, project, "another item")
    server.wait_digested()
    listed = server.get("/api/1/items/", project.read).json()["result"]["items"]
    chain = next(i for i in listed if i["title"].startswith("CheckoutError"))
    other = next(i for i in listed if i["title"] == "another item")
    page = signed_in.get(item_url(project, chain)).text
    links = re.findall(rf'href="{item_url(project, chain)}/occurrences/(\d+)"', page)
    assert links and len(set(links)) == 1
    occ = links[0]
    r = signed_in.get(f"{item_url(project, chain)}/occurrences/{occ}")
    assert r.status_code == 200
    assert_no_injected_markup(r.text)
    raw = re.search(r'<pre class="json raw-payload">(.*?)</pre>', r.text, re.S)
    assert raw, r.text
    payload = json.loads(html.unescape(raw.group(1)))
    assert payload["custom"] == {"cart": {"items": 3}, "note": XSS}
    assert payload["body"]["trace_chain"][0]["exception"]["class"] == "CheckoutError"
    assert payload["uuid"]  # the fields the server fills in
    text = text_of(r.text)
    assert "Caused by KeyError" in text and "Id u-42" in text  # rendered as on the item
    # the occurrence exists, but not under this item: 404, as one that does not exist
    assert signed_in.get(f"{item_url(project, other)}/occurrences/{occ}").status_code == 404
    for bad in ("0", "-1", "abc", "²", "9" * 18, "9" * 19, "9" * 40, "1e3"):
        r = signed_in.get(f"{item_url(project, chain)}/occurrences/{bad}")
        assert r.status_code == 404, bad


def test_odd_counters_are_404(server: LiveServer, signed_in: httpx.Client,
                              project: ProjectInfo) -> None:
    for bad in ("0", "-1", "abc", "²", "1.5", "9" * 10, "9" * 18, "9" * 19, "9" * 40,
                "%20", "1%00"):
        r = signed_in.get(f"/projects/{project.id}/items/{bad}")
        assert r.status_code == 404, bad
        assert "No such item" in r.text
    assert signed_in.get(f"/projects/{'9' * 30}/items/1").status_code == 404
    # past items.counter's 32-bit range: PostgreSQL refused the parameter (a 500), also
    # in the Rollbar API, which looks items up by counter the same way
    r = server.get(f"/api/1/item_by_counter/{2**31}", project.read)
    assert r.status_code == 404, r.text
    assert server.get("/api/1/item/", project.read, counter=str(2**40)).status_code == 404


def test_chart_switches_between_24_hours_and_30_days(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo) -> None:
    for _ in range(3):
        message(server, project, "charted")
    item = only_item(server, project)
    url = item_url(project, item)
    hourly = signed_in.get(url).text
    assert hourly.count('<g class="th-bar') == 24
    assert "Occurrences per hour, last 24 hours (total 3)" in hourly
    assert f'href="{url}?chart=daily"' in hourly
    daily = signed_in.get(url, params={"chart": "daily"}).text
    assert daily.count('<g class="th-bar') == 30
    assert "Occurrences per day, last 30 days (total 3)" in daily
    assert f'href="{url}"' in daily
    odd = signed_in.get(url, params={"chart": "<weekly>"})
    assert odd.status_code == 200 and odd.text.count('<g class="th-bar') == 24


def occurrence_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(
        r'<tr>\s*<td><a href="/projects/\d+/items/\d+/occurrences/(\d+)">', page)]


def test_occurrences_are_paged_newest_first(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo) -> None:
    for i in range(45):
        message(server, project, "paged", custom={"i": i})
    item = only_item(server, project)
    url = item_url(project, item)
    seen: list[int] = []
    page = signed_in.get(url).text
    assert 'rel="prev"' not in page and ">Newest<" not in page
    sizes = []
    pages = [page]
    while True:
        ids = occurrence_ids(page)
        sizes.append(len(ids))
        seen += ids
        older = re.search(r'rel="next" href="([^"]+)"', page)
        if not older:
            break
        page = signed_in.get(html.unescape(older.group(1))).text
        pages.append(page)
    assert sizes == [20, 20, 5]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 45
    # back from the last page: the newer link shows the previous page again
    newer = re.search(r'rel="prev" href="([^"]+)"', pages[2])
    assert newer and ">Newest<" in pages[2]
    assert occurrence_ids(signed_in.get(html.unescape(newer.group(1))).text) == seen[20:40]
    for bad in ("abc", "-5", "²", "9" * 40):
        r = signed_in.get(url, params={"before": bad, "after": bad})
        assert r.status_code == 200 and occurrence_ids(r.text) == seen[:20], bad
    assert occurrence_ids(signed_in.get(url, params={"before": "1"}).text) == []


def act(client: httpx.Client, url: str, action: str, **fields: str) -> httpx.Response:
    csrf = csrf_of(client.get(url).text)
    return client.post(f"{url}/{action}", data={"csrf": csrf, **fields})


def history(client: httpx.Client, url: str) -> list[str]:
    page = client.get(url).text
    section = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S)
    assert section, page
    # the text as a browser shows it (tags dropped, not replaced by spaces), without
    # the date, time and UTC in front
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", li)).split()[3:])
            for li in re.findall(r"<li[^>]*>(.*?)</li>", section.group(1), re.S)]


def user_id(engine: Engine, email: str) -> int:
    from tracehound.store import tokens
    with engine.connect() as conn:
        found = tokens.find_user(conn, email)
    assert found
    return found[0]


def test_actions_change_the_item_for_the_page_and_the_api(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo, user: WebUser,
        engine: Engine) -> None:
    message(server, project, "to be handled")
    item = only_item(server, project)
    url = item_url(project, item)
    me = user_id(engine, user.email)
    colleague = make_user(engine, project.account_id, "grace@example.com")
    grace = user_id(engine, colleague.email)
    assert history(signed_in, url)[-1].startswith("Created by occurrence #")

    r = act(signed_in, url, "resolve", version="2.0.1")
    assert r.status_code == 303 and r.headers["location"] == url
    got = api_item(server, project, item["id"])
    assert (got["status"], got["resolved_in_version"]) == ("resolved", "2.0.1")
    assert got["last_modified_by"] == me
    assert "resolved in version 2.0.1" in text_of(signed_in.get(url).text)

    assert act(signed_in, url, "mute").status_code == 303
    assert api_item(server, project, item["id"])["status"] == "muted"

    assert act(signed_in, url, "reopen").status_code == 303
    got = api_item(server, project, item["id"])
    assert (got["status"], got["resolved_in_version"]) == ("active", None)

    assert act(signed_in, url, "resolve", version="").status_code == 303
    assert api_item(server, project, item["id"])["resolved_in_version"] is None

    assert act(signed_in, url, "assign", user_id=str(grace)).status_code == 303
    assert api_item(server, project, item["id"])["assigned_user_id"] == grace
    assert "Assigned to grace" in text_of(signed_in.get(url).text)
    assert act(signed_in, url, "assign", user_id="").status_code == 303
    assert api_item(server, project, item["id"])["assigned_user_id"] is None

    assert act(signed_in, url, "level", level="warning").status_code == 303
    got = api_item(server, project, item["id"])
    assert (got["level"], got["level_lock"]) == ("warning", 1)

    # a change that changes nothing records nothing
    assert act(signed_in, url, "level", level="warning").status_code == 303
    # the Rollbar API goes through the same change, and into the same history
    r = server.http.patch(f"{server.url}/api/1/item/{item['id']}",
                          json={"status": "muted"},
                          headers={"X-Rollbar-Access-Token": project.tokens["write"]})
    assert r.status_code == 200, r.text

    assert history(signed_in, url) == [
        "Muted through the API",
        "Level changed to warning by ada",
        "Unassigned by ada",
        "Assigned to grace by ada",
        "Resolved by ada",
        "Reopened by ada",
        "Muted by ada",
        "Resolved in version 2.0.1 by ada",
        f"Created by occurrence #{item['first_occurrence_id']}",
    ]


def test_reactivation_appears_in_the_history(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo) -> None:
    message(server, project, "comes back")
    item = only_item(server, project)
    url = item_url(project, item)
    assert act(signed_in, url, "resolve").status_code == 303
    time.sleep(0.01)
    message(server, project, "comes back")
    server.wait_digested()
    got = api_item(server, project, item["id"])
    assert got["status"] == "active"
    entries = history(signed_in, url)
    assert entries[0] == f"Reactivated by occurrence #{got['last_occurrence_id']}"
    assert entries[1:] == ["Resolved by ada",
                           f"Created by occurrence #{item['first_occurrence_id']}"]


def test_invalid_values_are_400_and_change_nothing(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo,
        engine: Engine) -> None:
    message(server, project, "stays as it is")
    item = only_item(server, project)
    url = item_url(project, item)
    with writer(engine).begin() as conn:
        foreign_account = projects.create_account(conn, "someone else")
    stranger = user_id(engine, make_user(engine, foreign_account, "eve@example.com").email)
    before = api_item(server, project, item["id"])
    cases = [
        ("resolve", {"version": "v" * 41}, "at most 40 characters"),
        ("assign", {"user_id": "abc"}, "Choose a user"),
        ("assign", {"user_id": "²"}, "Choose a user"),
        ("assign", {"user_id": "9" * 40}, "Choose a user"),
        ("assign", {"user_id": "999999"}, "not a user of this account"),
        ("assign", {"user_id": str(stranger)}, "not a user of this account"),
        ("level", {"level": "warn"}, "must be one of debug, info, warning, error, critical"),
        ("level", {"level": "<b>x</b>"}, "must be one of"),
        ("level", {}, "must be one of"),
    ]
    for action, fields, problem in cases:
        r = act(signed_in, url, action, **fields)
        assert r.status_code == 400, (action, fields)
        assert problem in r.text, (action, fields, r.text)
        assert "<b>" not in r.text
    assert act(signed_in, url, "delete").status_code == 404
    assert act(signed_in, url, "<script>").status_code in (404, 405)
    assert api_item(server, project, item["id"]) == before
    assert history(signed_in, url) == [
        f"Created by occurrence #{item['first_occurrence_id']}"]


def test_missing_or_wrong_csrf_is_403_and_changes_nothing(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo) -> None:
    message(server, project, "guarded")
    item = only_item(server, project)
    url = item_url(project, item)
    before = api_item(server, project, item["id"])
    for fields in ({}, {"csrf": ""}, {"csrf": "x" * 43}, {"csrf": csrf_of(
            signed_in.get(url).text)[:-1]}):
        r = signed_in.post(f"{url}/resolve", data={**fields, "version": "9"})
        assert r.status_code == 403, fields
        assert "This form has expired" in r.text
    # a token of another session is not this session's
    other = httpx.Client(base_url=str(signed_in.base_url))
    try:
        sign_in(other, "ada@example.com", "correct horse battery")
        foreign_token = csrf_of(other.get(url).text)
    finally:
        other.close()
    assert signed_in.post(f"{url}/mute", data={"csrf": foreign_token}).status_code == 403
    assert api_item(server, project, item["id"]) == before


def test_another_accounts_item_and_occurrence_are_404(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo,
        engine: Engine) -> None:
    with writer(engine).begin() as conn:
        foreign_account = projects.create_account(conn, "someone else")
        foreign, made = projects.create_project(conn, foreign_account, "secret-project")
    theirs = ProjectInfo(foreign.id, foreign_account, made)
    message(server, theirs, "their secret")
    item = only_item(server, theirs)
    url = item_url(theirs, item)
    r = signed_in.get(url)
    assert r.status_code == 404 and "their secret" not in r.text
    assert signed_in.get(f"{url}/occurrences/{item['first_occurrence_id']}").status_code == 404
    # their occurrence under an item of mine is not found either
    message(server, project, "mine")
    mine = only_item(server, project)
    r = signed_in.get(f"{item_url(project, mine)}/occurrences/"
                      f"{item['first_occurrence_id']}")
    assert r.status_code == 404
    # a valid form of my session cannot change their item
    csrf = csrf_of(signed_in.get(item_url(project, mine)).text)
    for action, fields in (("resolve", {}), ("mute", {}), ("level", {"level": "debug"}),
                           ("assign", {"user_id": ""})):
        r = signed_in.post(f"{url}/{action}", data={"csrf": csrf, **fields})
        assert r.status_code == 404, action
    assert api_item(server, theirs, item["id"])["status"] == "active"
    assert api_item(server, theirs, item["id"])["level"] == "info"


def test_without_a_session_pages_go_to_sign_in(
        server: LiveServer, browser: httpx.Client, project: ProjectInfo) -> None:
    message(server, project, "private")
    item = only_item(server, project)
    url = item_url(project, item)
    for path in (url, f"{url}?chart=daily", f"{url}/occurrences/{item['first_occurrence_id']}"):
        r = browser.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login?next=%2Fprojects%2F")
    r = browser.post(f"{url}/resolve", data={"csrf": "x"})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert api_item(server, project, item["id"])["status"] == "active"


def deploy(server: LiveServer, project: ProjectInfo, revision: str,
           environment: str = "production") -> None:
    r = server.http.post(f"{server.url}/api/1/deploy", json={
        "environment": environment, "revision": revision, "local_username": "ci<bot>",
        "comment": f"ship {XSS}"}, headers={"X-Rollbar-Access-Token": project.post})
    assert r.status_code == 200, r.text


def deploy_rows(page: str) -> list[tuple[str, str]]:
    section = re.search(r'<section class="deploys">(.*?)</section>', page, re.S)
    assert section
    return [(html.unescape(rev), when) for rev, when in re.findall(
        r'<tr><td class="wrap"><code>([^<]*)</code></td>.*?<td class="hint">([^<]*)</td>'
        r'</tr>', section.group(1), re.S)]


def test_deploys_around_the_item(server: LiveServer, signed_in: httpx.Client,
                                 project: ProjectInfo) -> None:
    """The deploy live when it appeared, the newest five while it occurred, the first
    three after it was last seen; other environments' never."""
    for i in range(3):
        deploy(server, project, f"old-{i}")
    deploy(server, project, "live-<1>")
    deploy(server, project, "staging-only", environment="staging")
    time.sleep(0.01)
    message(server, project, "deployed around")
    server.wait_digested()
    for i in range(7):
        time.sleep(0.01)
        deploy(server, project, f"during-{i}")
    time.sleep(0.01)
    message(server, project, "deployed around")
    server.wait_digested()
    for i in range(5):
        time.sleep(0.01)
        deploy(server, project, f"after-{i}")
    item = only_item(server, project)
    page = signed_in.get(item_url(project, item)).text
    assert_no_injected_markup(page)
    assert deploy_rows(page) == [
        *((f"after-{i}", "after last seen") for i in (2, 1, 0)),
        *((f"during-{i}", "while occurring") for i in (6, 5, 4, 3, 2)),
        ("live-<1>", "live when first seen")]
    text = text_of(page)
    assert f"ship {XSS}" in text and "ci<bot>" in text


def test_odd_event_data_renders(server: LiveServer, signed_in: httpx.Client,
                                project: ProjectInfo) -> None:
    """Control characters, odd types where strings belong and frames that do not line
    up with their context all render (escaped), never a 500. (A lone surrogate escape
    is refused at ingest: 400 invalid JSON. NUL is left out: PostgreSQL refuses it in
    text columns and the digest retries that batch forever, an ingest bug of its own.)"""
    body = json.dumps({"data": {
        "environment": "production", "body": {"trace": {
            "exception": {"class": "Odd\u0001Error", "message": "bad \x1b[31m"},
            "frames": [{"filename": 42, "lineno": "7", "method": ["x"], "code": {"a": 1},
                        "context": {"pre": [1, None, "<i>"], "post": "nope"}},
                       {"filename": "a.py", "lineno": 3, "method": "m", "code": "ok()",
                        "context": ["not", "a", "dict"]}]}},
        "request": {"headers": [["X-A", "<i>"], "junk", ["only-one"]], "url": 5,
                    "GET": "?q=<i>"},
        "server": {"host": ["h"], "branch": {"b": "<i>"}}, "custom": "<i>just text</i>",
        "person": {"id": 7, "email": ["<i>"]},
    }})
    r = server.http.post(f"{server.url}/api/1/item/", content=body, headers={
        "X-Rollbar-Access-Token": project.post, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    item = only_item(server, project)
    page = signed_in.get(item_url(project, item))
    assert page.status_code == 200
    assert "<i>" not in page.text
    text = text_of(page.text)
    assert "3 ok()" in text and "X-A <i>" in text and '"<i>just text</i>"' in text
    occ = signed_in.get(f"{item_url(project, item)}/occurrences/{item['last_occurrence_id']}")
    assert occ.status_code == 200 and "<i>" not in occ.text
