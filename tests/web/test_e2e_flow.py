"""The whole web flow in real headless Chromium, as a user walks it: sign in, open a
project, search, open an item, resolve it, see it leave the active list, look at the
settings and snippets, sign out. A screenshot of each main page is saved to
tests/artifacts/ (test_e2e_flow-<page>.png)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import LiveServer, ProjectInfo
from tests.web.conftest import WebUser

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n"


def _error(cls: str, message: str, method: str) -> dict[str, Any]:
    return {"environment": "production", "level": "error", "language": "python",
            "body": {"trace": {
                "exception": {"class": cls, "message": message},
                "frames": [{"filename": "/srv/shop/app.py", "lineno": 10, "method": "main"},
                           {"filename": "/srv/shop/cart.py", "lineno": 42,
                            "method": method, "code": "total = price(cart)"}]}}}


def _active_titles(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("td.title a").all_inner_texts()]


def test_sign_in_search_resolve_sign_out(server: LiveServer, project: ProjectInfo,
                                         user: WebUser, page: Page,
                                         screenshot: Callable[..., Path]) -> None:
    for _ in range(3):
        assert server.post_item(project.post, _error(
            "CheckoutError", "cart total is negative", "checkout")).status_code == 200
    assert server.post_item(project.post, _error(
        "InventoryError", "stock below zero", "reserve")).status_code == 200
    assert server.post_item(project.post, {
        "environment": "production", "level": "warning",
        "body": {"message": {"body": "<script>window.pwned = 1</script> slow query"}},
    }).status_code == 200
    server.wait_digested()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "favicon" not in (m.location.get("url") or "") else None)
    shots: list[Path] = []

    # Without a session every page sends the browser to sign in.
    page.goto(server.url + "/projects")
    assert "/login" in page.url
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/projects")
    project_link = page.locator(f"table a[href='/projects/{project.id}/items']")
    assert project_link.inner_text() == "app"
    shots.append(screenshot(page, "projects"))

    # The project's items: three items, the script in a message shown as text.
    project_link.click()
    page.wait_for_url(f"**/projects/{project.id}/items")
    titles = _active_titles(page)
    assert len(titles) == 3, titles
    assert "<script>window.pwned = 1</script> slow query" in titles
    assert page.evaluate("window.pwned") is None
    shots.append(screenshot(page, "items"))

    # Search narrows the list to the checkout error.
    page.get_by_label("Search").fill("CheckoutError")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**q=CheckoutError**")
    assert _active_titles(page) == ["CheckoutError: cart total is negative"]
    shots.append(screenshot(page, "search"))

    # The item: its stack trace, with the in-app frames highlighted.
    page.get_by_role("link", name="CheckoutError: cart total is negative").click()
    page.wait_for_url(f"**/projects/{project.id}/items/*")
    item_url = page.url
    assert page.locator("h1").inner_text().strip().endswith(
        "CheckoutError: cart total is negative")
    assert page.locator("li.frame.in-app").count() == 2
    assert "checkout" in page.locator("li.frame").last.inner_text()
    shots.append(screenshot(page, "item"))

    # Resolve it: the page says so, and it leaves the active list.
    page.get_by_role("button", name="Resolve").click()
    page.wait_for_url(item_url)
    assert "resolved" in page.locator("dd.status").inner_text()
    shots.append(screenshot(page, "item-resolved"))
    page.goto(server.url + f"/projects/{project.id}/items")
    active = _active_titles(page)
    assert "CheckoutError: cart total is negative" not in active
    assert len(active) == 2, active
    page.goto(server.url + f"/projects/{project.id}/items?status=resolved")
    assert _active_titles(page) == ["CheckoutError: cart total is negative"]

    # One of its occurrences, with the payload it arrived with.
    page.goto(item_url)
    page.locator("a[href*='/occurrences/']").first.click()
    page.wait_for_url("**/occurrences/*")
    assert "cart total is negative" in page.locator("pre").last.inner_text()
    shots.append(screenshot(page, "occurrence"))

    # Settings: the project's tokens, and the SDK snippets filled with this server.
    page.goto(server.url + f"/projects/{project.id}/items")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Settings").click()
    page.wait_for_url(f"**/projects/{project.id}/settings")
    assert page.locator("section.token").count() >= 3
    shots.append(screenshot(page, "settings"))
    page.get_by_role("link", name="Set-up snippets").click()
    page.wait_for_url("**/settings/snippets")
    assert server.url in page.locator("main").inner_text()
    shots.append(screenshot(page, "snippets"))

    # Sign out: the session is gone, pages ask for sign-in again.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    page.goto(server.url + f"/projects/{project.id}/items")
    assert "/login" in page.url
    shots.append(screenshot(page, "signed-out"))

    assert problems == []
    assert all(s.read_bytes().startswith(PNG) for s in shots)
