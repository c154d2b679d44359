"""The browser harness itself: real Chromium against the live server and inline SVG."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from tests.support import LiveServer
from tracehound.web import charts

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n"


def test_ping_page_shows_pong(server: LiveServer, page: Page,
                              screenshot: Callable[..., Path]) -> None:
    response = page.goto(server.url + "/api/1/status/ping")
    assert response is not None and response.status == 200
    assert page.locator("body").inner_text().strip() == "pong"
    shot = screenshot(page)
    assert shot.read_bytes().startswith(PNG)


def test_inline_svg_chart_renders_bars_and_tooltips(page: Page,
                                                    screenshot: Callable[..., Path]) -> None:
    counts = [0, 3, 1, 0, 12, 5, 0, 0, 2, 7, 1, 0, 0, 4]
    labels = [f"day {i + 1}" for i in range(len(counts))]
    labels[4] = "<script>window.hacked = 1</script>"
    svg = charts.bar_chart(counts, labels, title="Occurrences, 14 days", width=280,
                           height=60)
    html = ("<!doctype html><html><head><style>.th-chart{color:#c0392b}"
            ".th-bar:hover{color:#222}</style></head><body>" + svg + "</body></html>")
    page.goto("data:text/html;charset=utf-8," + quote(html))

    chart = page.locator("svg.th-chart")
    assert chart.get_attribute("aria-label") == "Occurrences, 14 days (total 35)"
    bars = chart.locator("g.th-bar")
    assert bars.count() == len(counts)
    assert bars.nth(1).locator("title").text_content() == "day 2: 3"
    assert bars.nth(4).locator("title").text_content() == \
        "<script>window.hacked = 1</script>: 12"
    assert page.evaluate("window.hacked") is None
    box = chart.bounding_box()
    assert box is not None and (box["width"], box["height"]) == (280, 60)
    tallest = bars.nth(4).locator("rect.th-bar-fill").bounding_box()
    assert tallest is not None and tallest["height"] == pytest.approx(60, abs=0.5)
    fill = bars.nth(4).locator("rect.th-bar-fill").evaluate(
        "el => getComputedStyle(el).fill")
    assert fill == "rgb(192, 57, 43)"  # the colour came from CSS, not from the markup
    screenshot(page)
