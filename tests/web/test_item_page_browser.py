"""The item page in real Chromium: styles load under the CSP, in-app frames and the
frame's own line stand out, the resolve form works as a plain POST."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support import LiveServer, ProjectInfo
from tests.web.conftest import WebUser
from tests.web.test_item_page import item_url, only_item, post_rollbar, rollbar_chain

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_item_page_in_chromium(server: LiveServer, project: ProjectInfo, user: WebUser,
                               page: Page, screenshot: Callable[..., Path]) -> None:
    post_rollbar(server, project, rollbar_chain())
    item = only_item(server, project)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.text} {m.location.get('url')}")
            if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico")
            else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(server.url + item_url(project, item))  # → sign-in, then back here
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", user.password)
    page.click("button[type=submit]")
    page.wait_for_url("**" + item_url(project, item))

    frames = page.locator("li.frame")
    assert frames.count() == 3
    library = frames.nth(0).evaluate("el => getComputedStyle(el).backgroundColor")
    in_app = frames.nth(1).evaluate("el => getComputedStyle(el).backgroundColor")
    assert library != in_app  # the stylesheet loaded and marks in-app frames
    current = page.locator(".context-line.current").first
    assert current.evaluate("el => getComputedStyle(el).fontWeight") == "600"
    assert page.evaluate("window.alert.toString()").startswith("function alert")
    assert page.locator("svg.th-chart g.th-bar").count() == 24
    screenshot(page, "before")

    page.fill("input[name=version]", "3.1.0")
    page.click("form[action$='/resolve'] button")
    page.wait_for_url("**" + item_url(project, item))
    assert "resolved in version 3.1.0" in page.locator("dd.status").inner_text()
    assert page.locator(".history-resolved").count() == 1
    screenshot(page, "resolved")
    assert problems == []
