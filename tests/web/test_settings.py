"""The project settings pages over real HTTP: tokens made and changed in the UI are used
against the real ingest and REST APIs (scopes, disabling, rate limits, another process's
token cache), the set-up snippets name this server and a DSN the Sentry endpoint takes,
and hostile input (script in names, bad CSRF, other accounts' and projects' ids, odd
numbers) is refused without a change."""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo, start_server
from tests.web.conftest import csrf_of
from tracehound.config import Settings
from tracehound.store import admin_projects, projects, tokens
from tracehound.store.db import writer

CACHE_SECONDS = 0.5


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """The usual test settings, with a short token cache for the cross-process test."""
    return Settings(database_url=db_url, data_dir=str(tmp_path), worker_poll_seconds=0.05,
                    worker_process=False, token_cache_seconds=CACHE_SECONDS)


def url(project_id: int | str, rest: str = "") -> str:
    return f"/projects/{project_id}/settings{rest}"


def token_id(engine: Engine, text: str) -> int:
    with engine.connect() as conn:
        found = tokens.lookup(conn, text)
    assert found is not None
    return found.id


def token_row(engine: Engine, project_id: int, tid: int) -> admin_projects.TokenRow:
    with engine.connect() as conn:
        row = admin_projects.get_token(conn, project_id, tid)
    assert row is not None
    return row


def count_tokens(engine: Engine, project_id: int) -> int:
    with engine.connect() as conn:
        return len(admin_projects.list_tokens(conn, project_id))


def section(page: str, tid: int) -> str:
    found = re.search(rf'<section class="token" id="token-{tid}">(.*?)</section>', page,
                      re.S)
    assert found, page
    return found.group(1)


def secret_of(page: str, tid: int) -> str:
    found = re.search(r'<code class="secret">([0-9a-f]{32})</code>', section(page, tid))
    assert found
    return found.group(1)


def form_post(client: httpx.Client, project_id: int | str, rest: str,
              data: dict[str, object], csrf: str | None = None) -> httpx.Response:
    if csrf is None:
        csrf = csrf_of(client.get(url(project_id)).text) if isinstance(project_id, int) \
            else ""
    return client.post(url(project_id, rest), data={"csrf": csrf, **data})


def create(client: httpx.Client, project_id: int, name: str, scopes: list[str],
           count: str = "", window: str = "") -> httpx.Response:
    return form_post(client, project_id, "/tokens", {
        "name": name, "scopes": scopes, "count": count, "window": window})


def created_id(r: httpx.Response, project_id: int) -> int:
    assert r.status_code == 303, r.text
    found = re.fullmatch(rf"/projects/{project_id}/settings\?done=created#token-(\d+)",
                         r.headers["location"])
    assert found, r.headers["location"]
    return int(found.group(1))


def post_item(server: LiveServer, token: str, text: str = "hello") -> httpx.Response:
    return server.post_item(token, {"environment": "production", "level": "error",
                                    "body": {"message": {"body": text}}})


def test_lists_the_projects_tokens(signed_in: httpx.Client, project: ProjectInfo,
                                   other_project: ProjectInfo, engine: Engine) -> None:
    r = signed_in.get(url(project.id))
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    for name, text in project.tokens.items():
        tid = token_id(engine, text)
        part = section(r.text, tid)
        assert f"<h3>{name} " in part and "status-enabled" in part
        assert secret_of(r.text, tid) == text  # in full, behind <details>
        assert f"<summary><code>{text[:4]}…{text[-4:]}</code>" in part
        assert f'<dd class="scopes">{name}</dd>' in part  # default tokens: one scope each
        assert "none of its own" in part
    for text in other_project.tokens.values():
        assert text not in r.text
    assert '<form method="post"' in r.text and "<script" not in r.text


def test_a_created_token_works_against_the_api(server: LiveServer, signed_in: httpx.Client,
                                               project: ProjectInfo) -> None:
    r = create(signed_in, project.id, "deploy bot", ["post_server_item"], "3", "3600")
    tid = created_id(r, project.id)
    page = signed_in.get(r.headers["location"]).text
    assert "Token created." in page
    part = section(page, tid)
    assert "<h3>deploy bot " in part and '<dd class="scopes">post_server_item</dd>' in part
    assert "3 per 1 hour" in part
    new = secret_of(page, tid)
    assert new not in project.tokens.values()
    for i in range(3):
        assert post_item(server, new, f"boom {i}").status_code == 200
    refused = post_item(server, new)
    assert refused.status_code == 429, refused.text
    # the page shows the live window of the token's own limit
    assert "3 per 1 hour (3 used in the current window)" in \
        section(signed_in.get(url(project.id)).text, tid)

    # a read-only token cannot post, but reads
    reader_id = created_id(create(signed_in, project.id, "dash", ["read"]), project.id)
    reader = secret_of(signed_in.get(url(project.id)).text, reader_id)
    r = post_item(server, reader)
    assert r.status_code == 403 and "insufficient privileges" in r.text
    server.wait_digested()
    assert server.get("/api/1/items/", reader).status_code == 200


def test_changing_scopes_applies_to_the_api(server: LiveServer, signed_in: httpx.Client,
                                            project: ProjectInfo, engine: Engine) -> None:
    tid = token_id(engine, project.read)
    assert post_item(server, project.read).status_code == 403
    r = form_post(signed_in, project.id, f"/tokens/{tid}/scopes",
                  {"scopes": ["read", "post_server_item"]})
    assert r.status_code == 303
    assert r.headers["location"] == url(project.id, f"?done=scopes#token-{tid}")
    assert token_row(engine, project.id, tid).scopes == ("post_server_item", "read")
    assert post_item(server, project.read).status_code == 200  # this process: at once
    form_post(signed_in, project.id, f"/tokens/{tid}/scopes", {"scopes": ["read"]})
    assert post_item(server, project.read).status_code == 403


def test_disabling_stops_ingest_here_at_once_and_elsewhere_after_the_cache(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo,
        engine: Engine, settings: Settings) -> None:
    tid = token_id(engine, project.post)
    with start_server(settings.replace(worker=False)) as elsewhere:
        assert post_item(elsewhere, project.post).status_code == 200  # cached there now
        r = form_post(signed_in, project.id, f"/tokens/{tid}/status", {"status": "disabled"})
        assert r.status_code == 303
        assert "status-disabled" in section(signed_in.get(url(project.id)).text, tid)
        r = post_item(server, project.post)
        assert r.status_code == 403 and "disabled" in r.text
        deadline = time.monotonic() + CACHE_SECONDS + 10
        while post_item(elsewhere, project.post).status_code == 200:
            assert time.monotonic() < deadline, "the other process never saw the change"
            time.sleep(0.1)
        assert post_item(elsewhere, project.post).status_code == 403
    form_post(signed_in, project.id, f"/tokens/{tid}/status", {"status": "enabled"})
    assert post_item(server, project.post).status_code == 200


def test_a_rate_limit_set_in_the_ui_is_enforced_and_can_be_removed(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo,
        engine: Engine) -> None:
    tid = token_id(engine, project.post)
    r = form_post(signed_in, project.id, f"/tokens/{tid}/rate-limit",
                  {"count": "2", "window": "60", "action": "set"})
    assert r.status_code == 303
    row = token_row(engine, project.id, tid)
    assert (row.rate_limit_window_count, row.rate_limit_window_size) == (2, 60)
    assert [post_item(server, project.post).status_code for _ in range(3)] == [200, 200, 429]
    assert "2 per 1 minute (2 used in the current window)" in \
        section(signed_in.get(url(project.id)).text, tid)
    r = form_post(signed_in, project.id, f"/tokens/{tid}/rate-limit", {"action": "clear"})
    assert r.status_code == 303
    row = token_row(engine, project.id, tid)
    assert (row.rate_limit_window_count, row.rate_limit_window_size) == (None, None)
    assert post_item(server, project.post).status_code == 200


def snippet_codes(page: str) -> dict[str, str]:
    """section id → the code of each snippet, unescaped as a browser shows it."""
    found = re.findall(r'<section class="snippet" id="([^"]+)">.*?<pre><code[^>]*>(.*?)'
                       r"</code></pre>", page, re.S)
    return {sid: html.unescape(code) for sid, code in found}


def test_snippets_name_this_server_and_a_dsn_the_sentry_endpoint_takes(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo) -> None:
    r = signed_in.get(url(project.id, "/snippets"))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    codes = snippet_codes(r.text)
    assert {"rollbar-python", "rollbar-javascript", "sentry-python", "bugsnag-python",
            "exceptionless-csharp", "logster-shell", "browser-rollbar-javascript",
            "browser-sentry-javascript"} <= set(codes)
    assert f"'{server.url}/api/1/'" in codes["rollbar-python"]
    assert f"'{project.post}'" in codes["rollbar-python"]
    assert f'"{project.client}"' in codes["browser-rollbar-javascript"]
    assert project.client not in codes["rollbar-python"]
    assert project.read not in r.text and project.tokens["write"] not in r.text

    for sid, key in (("sentry-python", project.post),
                     ("browser-sentry-javascript", project.client)):
        dsn = re.search(r"""dsn[=:] ?['"]([^'"]+)['"]""", codes[sid])
        assert dsn, codes[sid]
        parts = urlsplit(dsn.group(1))
        assert parts.username == key
        prefix, _, pid = parts.path.rpartition("/")
        assert pid == str(project.id)
        envelope_url = (f"{parts.scheme}://{parts.hostname}:{parts.port}{prefix}"
                        f"/api/{pid}/envelope/")
        eid = uuid.uuid4().hex
        event = {"event_id": eid, "platform": "python", "level": "error",
                 "message": f"hello from {sid}"}
        body = b"\n".join([json.dumps({"event_id": eid}).encode(),
                           json.dumps({"type": "event"}).encode(),
                           json.dumps(event).encode()]) + b"\n"
        sent = server.http.post(envelope_url, content=body, headers={
            "X-Sentry-Auth": f"Sentry sentry_key={parts.username}, sentry_version=7"})
        assert sent.status_code == 200, sent.text
    server.wait_digested()
    items = signed_in.get(f"/projects/{project.id}/items").text
    assert "hello from sentry-python" in items
    assert "hello from browser-sentry-javascript" in items


def test_snippets_use_the_address_the_page_was_opened_at(
        server: LiveServer, signed_in: httpx.Client, project: ProjectInfo) -> None:
    r = signed_in.get(url(project.id, "/snippets"),
                      headers={"Host": "errors.example.test:8443"})
    assert r.status_code == 200
    codes = snippet_codes(r.text)
    assert "'http://errors.example.test:8443/api/1/'" in codes["rollbar-python"]
    assert f"http://{project.post}@errors.example.test:8443/{project.id}" in \
        codes["sentry-python"]
    # a Host that is not host[:port] falls back to the configured address
    r = signed_in.get(url(project.id, "/snippets"), headers={"Host": "e.example\"x<y"})
    assert r.status_code in (200, 400)
    assert 'e.example"x' not in r.text and "x<y" not in r.text


def test_snippets_without_a_suitable_token_point_to_the_token_form(
        signed_in: httpx.Client, project: ProjectInfo, engine: Engine) -> None:
    for text in (project.post, project.client):
        form_post(signed_in, project.id, f"/tokens/{token_id(engine, text)}/status",
                  {"status": "disabled"})
    page = signed_in.get(url(project.id, "/snippets")).text
    assert snippet_codes(page) == {}
    assert "no enabled token with the <code>post_server_item</code> scope" in page
    assert "whose only scope is <code>post_client_item</code>" in page
    assert f'href="/projects/{project.id}/settings#new-token"' in page
    assert project.post not in page and project.client not in page


def test_hostile_token_names_are_escaped(signed_in: httpx.Client, project: ProjectInfo,
                                         engine: Engine) -> None:
    name = '<script>alert(1)</script>"&'
    tid = created_id(create(signed_in, project.id, name, ["post_server_item"]), project.id)
    form_post(signed_in, project.id, f"/tokens/{token_id(engine, project.post)}/status",
              {"status": "disabled"})
    for page in (signed_in.get(url(project.id)).text,
                 signed_in.get(url(project.id, "/snippets")).text):
        assert "<script" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&amp;" in page
    assert token_row(engine, project.id, tid).name == name


@pytest.mark.parametrize("data,message", [
    ({"name": "", "scopes": ["read"]}, "needs a name"),
    ({"name": "   ", "scopes": ["read"]}, "needs a name"),
    ({"name": "x" * 256, "scopes": ["read"]}, "1 to 255 printable"),
    ({"name": "a\x07b", "scopes": ["read"]}, "1 to 255 printable"),
    ({"name": "t", "scopes": []}, "at least one scope"),
    ({"name": "t", "scopes": ["read", "admin"]}, "Unknown scope &#39;admin&#39;"),
    ({"name": "t", "scopes": ["read"], "count": "-1", "window": "60"}, "whole number"),
    ({"name": "t", "scopes": ["read"], "count": "²", "window": "60"}, "whole number"),
    ({"name": "t", "scopes": ["read"], "count": "9" * 40, "window": "60"}, "whole number"),
    ({"name": "t", "scopes": ["read"], "count": "2147483647", "window": "60"},
     "whole number"),
    ({"name": "t", "scopes": ["read"], "count": "5", "window": "0"}, "whole number"),
    ({"name": "t", "scopes": ["read"], "count": "1.5", "window": "60"}, "whole number"),
    ({"name": "t", "scopes": ["read"], "count": "5"}, "needs both"),
    ({"name": "t", "scopes": ["read"], "window": "60"}, "needs both"),
])
def test_invalid_input_is_a_400_naming_the_problem(
        signed_in: httpx.Client, project: ProjectInfo, engine: Engine,
        data: dict[str, object], message: str) -> None:
    before = count_tokens(engine, project.id)
    r = form_post(signed_in, project.id, "/tokens", data)
    assert r.status_code == 400, r.text
    assert message in r.text
    assert 'role="alert"' in r.text
    assert count_tokens(engine, project.id) == before
    if data["name"] == "t":  # what was typed stays in the form
        assert 'name="name" value="t"' in r.text


def test_invalid_changes_are_400_and_change_nothing(
        signed_in: httpx.Client, project: ProjectInfo, engine: Engine) -> None:
    tid = token_id(engine, project.post)
    before = token_row(engine, project.id, tid)
    for rest, data, message in [
        ("status", {"status": "deleted"}, "enabled or disabled"),
        ("status", {}, "enabled or disabled"),
        ("scopes", {"scopes": []}, "at least one scope"),
        ("scopes", {"scopes": ["post_server_item", "root"]}, "Unknown scope"),
        ("rate-limit", {"count": "0", "window": "60", "action": "set"}, "whole number"),
        ("rate-limit", {"count": "10", "window": "99999999999", "action": "set"},
         "whole number"),
        ("rate-limit", {"count": "", "window": "60", "action": "set"}, "needs both"),
    ]:
        r = form_post(signed_in, project.id, f"/tokens/{tid}/{rest}", data)
        assert r.status_code == 400 and message in r.text, (rest, data, r.text)
    assert token_row(engine, project.id, tid) == before


def test_csrf_is_required(signed_in: httpx.Client, project: ProjectInfo,
                          engine: Engine) -> None:
    tid = token_id(engine, project.post)
    before = count_tokens(engine, project.id)
    for csrf in ("", "wrong", csrf_of(signed_in.get(url(project.id)).text) + "x"):
        r = form_post(signed_in, project.id, "/tokens",
                      {"name": "t", "scopes": ["read"]}, csrf=csrf)
        assert r.status_code == 403 and "expired" in r.text
        r = form_post(signed_in, project.id, f"/tokens/{tid}/status",
                      {"status": "disabled"}, csrf=csrf)
        assert r.status_code == 403
    r = signed_in.post(url(project.id, f"/tokens/{tid}/scopes"), data={"scopes": ["read"]})
    assert r.status_code == 403
    assert count_tokens(engine, project.id) == before
    row = token_row(engine, project.id, tid)
    assert row.status == "enabled" and row.scopes == ("post_server_item",)


def test_another_accounts_project_and_another_projects_token_are_not_found(
        signed_in: httpx.Client, project: ProjectInfo, other_project: ProjectInfo,
        engine: Engine) -> None:
    with writer(engine).begin() as conn:
        account = projects.create_account(conn, "someone else")
        foreign, made = projects.create_project(conn, account, "secret-project")
    csrf = csrf_of(signed_in.get(url(project.id)).text)
    for path in (url(foreign.id), url(foreign.id, "/snippets")):
        r = signed_in.get(path)
        assert r.status_code == 404 and "secret-project" not in r.text
        assert made["post_server_item"] not in r.text
    r = form_post(signed_in, foreign.id, "/tokens", {"name": "t", "scopes": ["read"]},
                  csrf=csrf)
    assert r.status_code == 404
    assert count_tokens(engine, foreign.id) == 4
    foreign_tid = token_id(engine, made["post_server_item"])
    other_tid = token_id(engine, other_project.post)
    for pid, tid in ((foreign.id, foreign_tid), (project.id, foreign_tid),
                     (project.id, other_tid), (other_project.id, foreign_tid)):
        for rest, data in (("status", {"status": "disabled"}), ("scopes", {"scopes": ["read"]}),
                           ("rate-limit", {"count": "1", "window": "60"})):
            r = form_post(signed_in, pid, f"/tokens/{tid}/{rest}", data, csrf=csrf)
            assert r.status_code == 404, (pid, tid, rest)
    for pid, tid, text in ((foreign.id, foreign_tid, made["post_server_item"]),
                           (other_project.id, other_tid, other_project.post)):
        row = token_row(engine, pid, tid)
        assert (row.status, row.scopes, row.rate_limit_window_count) == \
            ("enabled", ("post_server_item",), None)
        assert row.token == text


@pytest.mark.parametrize("bad", ["abc", "²", "0", "-1", "9" * 30, "1e3"])
def test_odd_ids_are_not_found(signed_in: httpx.Client, project: ProjectInfo,
                               bad: str) -> None:
    csrf = csrf_of(signed_in.get(url(project.id)).text)
    assert signed_in.get(url(bad)).status_code == 404
    assert signed_in.get(url(bad, "/snippets")).status_code == 404
    r = form_post(signed_in, bad, "/tokens", {"name": "t", "scopes": ["read"]}, csrf=csrf)
    assert r.status_code == 404
    r = form_post(signed_in, project.id, f"/tokens/{bad}/status", {"status": "disabled"},
                  csrf=csrf)
    assert r.status_code == 404


def test_without_a_session_every_settings_page_goes_to_login(
        browser: httpx.Client, project: ProjectInfo, engine: Engine) -> None:
    for path in (url(project.id), url(project.id, "/snippets")):
        r = browser.get(path)
        assert r.status_code == 303
        assert r.headers["location"] == "/login?next=" + path.replace("/", "%2F")
    tid = token_id(engine, project.post)
    r = browser.post(url(project.id, f"/tokens/{tid}/status"),
                     data={"status": "disabled", "csrf": "x"})
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next=%2Fprojects%2F{project.id}%2Fsettings"
    assert token_row(engine, project.id, tid).status == "enabled"


def test_items_and_projects_pages_link_to_settings(signed_in: httpx.Client,
                                                   project: ProjectInfo) -> None:
    link = f'href="/projects/{project.id}/settings"'
    assert link in signed_in.get("/projects").text
    assert link in signed_in.get(f"/projects/{project.id}/items").text
    assert link in signed_in.get(url(project.id, "/snippets")).text
