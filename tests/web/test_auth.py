"""Sign in, sign out, the sign-in rate limit, redirects and CSRF, over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from tests.support import LiveServer, ProjectInfo
from tests.web.conftest import WebUser, csrf_of, sign_in
from tracehound.app import create_app


def test_sign_in_sets_a_session_cookie_and_redirects(browser: httpx.Client,
                                                     user: WebUser) -> None:
    r = sign_in(browser, user.email, user.password)
    assert r.status_code == 303
    assert r.headers["location"] == "/projects"
    cookie = r.headers["set-cookie"]
    assert "tracehound_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here
    page = browser.get("/projects")
    assert page.status_code == 200
    assert user.email in page.text


def test_init_user_signs_in(server: LiveServer, browser: httpx.Client) -> None:
    """The first user made by `tracehound init` (as the CLI does it) can sign in."""
    from typer.testing import CliRunner

    from tracehound.cli import app

    result = CliRunner().invoke(app, ["init", "--email", "first@example.com",
                                      "--password", "pw-first-1",
                                      "--database-url", server.settings.database_url])
    assert result.exit_code == 0, result.output
    r = sign_in(browser, "first@example.com", "pw-first-1")
    assert r.status_code == 303


def test_wrong_password_shows_a_message_and_no_session(browser: httpx.Client,
                                                       user: WebUser) -> None:
    r = sign_in(browser, user.email, "wrong")
    assert r.status_code == 401
    assert "Wrong email or password." in r.text
    assert "tracehound_session" not in browser.cookies
    assert browser.get("/projects").status_code == 303
    r = sign_in(browser, "nobody@example.com", user.password)
    assert r.status_code == 401
    assert "Wrong email or password." in r.text


def test_rate_limited_after_ten_failures(browser: httpx.Client, user: WebUser) -> None:
    for _ in range(10):
        assert sign_in(browser, user.email, "wrong").status_code == 401
    r = sign_in(browser, user.email, user.password)  # even the right password now
    assert r.status_code == 429
    assert "Too many failed sign-in attempts" in r.text
    assert int(r.headers["retry-after"]) > 0
    assert "tracehound_session" not in browser.cookies


def test_sign_out_invalidates_the_session(signed_in: httpx.Client) -> None:
    token = signed_in.cookies["tracehound_session"]
    page = signed_in.get("/projects")
    r = signed_in.post("/logout", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert signed_in.get("/projects").status_code == 303
    # the old cookie, replayed, is dead too: the session row is gone
    signed_in.cookies.set("tracehound_session", token)
    assert signed_in.get("/projects").status_code == 303


@pytest.mark.parametrize("path", ["/projects", "/projects/1/items",
                                  "/projects/1/items?q=level%3Aerror&page=2"])
def test_pages_redirect_to_sign_in_without_a_session(browser: httpx.Client,
                                                     project: ProjectInfo,
                                                     path: str) -> None:
    r = browser.get(path)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/login?next=")
    form = browser.get(location)
    assert form.status_code == 200
    assert f'name="next" value="{path.replace("&", "&amp;")}"' in form.text


def test_sign_in_returns_to_next_but_only_a_local_path(browser: httpx.Client,
                                                       user: WebUser,
                                                       project: ProjectInfo) -> None:
    target = f"/projects/{project.id}/items?status=any"
    assert sign_in(browser, user.email, user.password, target).headers["location"] == target
    for bad in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:1"]:
        browser.cookies.clear()
        r = sign_in(browser, user.email, user.password, bad)
        assert r.headers["location"] == "/projects", bad


def test_post_without_or_with_a_wrong_csrf_token_is_refused(signed_in: httpx.Client) -> None:
    assert signed_in.post("/logout", data={}).status_code == 403
    assert signed_in.post("/logout", data={"csrf": "x" * 43}).status_code == 403
    assert signed_in.get("/projects").status_code == 200  # still signed in


def test_sign_in_form_needs_its_csrf_token(browser: httpx.Client, user: WebUser) -> None:
    browser.get("/login")
    r = browser.post("/login", data={"email": user.email, "password": user.password,
                                     "csrf": "forged"})
    assert r.status_code == 403
    assert "tracehound_session" not in browser.cookies


def test_rate_limited_per_client_address_across_emails(browser: httpx.Client,
                                                       user: WebUser) -> None:
    for i in range(10):
        assert sign_in(browser, f"guess{i}@example.com", "wrong").status_code == 401
    assert sign_in(browser, user.email, user.password).status_code == 429


def test_every_web_route_needs_a_session(server: LiveServer, browser: httpx.Client,
                                         project: ProjectInfo) -> None:
    """Every route the web UI mounts (found from the app, so a new page is covered
    without touching this test) answers 303 to sign-in without a session, for GET and
    POST alike, and changes nothing."""
    assert server.post_item(project.post, {"environment": "production", "body": {
        "message": {"body": "needs a session"}}}).status_code == 200
    server.wait_digested()
    app = create_app(server.settings)
    values = {"project_id": str(project.id), "counter": "1", "occurrence_id": "1",
              "token_id": "1", "action": "resolve", "what": "status"}
    seen = 0
    for route in _flat_routes(app.routes):
        if not isinstance(route, APIRoute) or not route.endpoint.__module__.startswith(
                "tracehound.web.routes") or route.path in ("/login", "/logout", "/"):
            continue
        path = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "1"),
                      route.path)
        for method in route.methods:
            r = browser.request(method, path, data={"csrf": "x"})
            assert r.status_code == 303, (method, path, r.status_code)
            assert r.headers["location"].startswith("/login"), (method, path)
            seen += 1
    assert seen >= 11  # projects, items, item, occurrence, actions, settings, snippets...
    item = server.get("/api/1/items/", project.read).json()["result"]["items"][0]
    assert item["status"] == "active"


def _flat_routes(routes: list[Any]) -> Iterator[Any]:
    """The app's routes, included routers opened (FastAPI keeps them wrapped)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flat_routes(inner.routes)
        else:
            yield route
