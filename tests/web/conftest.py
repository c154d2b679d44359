"""Browser fixtures: headless Debian Chromium driven by Playwright's sync API.

Playwright's own browser downloads are never used: the browser is the system Chromium at
$TRACEHOUND_CHROMIUM or /usr/bin/chromium. Without it (or without the playwright package)
browser tests skip with the reason, unless TRACEHOUND_REQUIRE_BROWSER=1 (set by .ci/run),
where they fail instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TIMEOUT_MS = 10_000


def chromium_path() -> str:
    return os.environ.get("TRACEHOUND_CHROMIUM") or "/usr/bin/chromium"


def _unavailable(reason: str) -> None:
    if os.environ.get("TRACEHOUND_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (TRACEHOUND_REQUIRE_BROWSER=1: browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[test]'")
    exe = chromium_path()
    if not os.access(exe, os.X_OK):
        _unavailable(f"no Chromium at {exe}: apt-get install chromium, "
                     "or set TRACEHOUND_CHROMIUM")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=exe, headless=True,
                                      args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def artifact_name(nodeid_name: str) -> str:
    """A file-system-safe name for a test (parametrize ids included)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", nodeid_name).strip("_") or "test"


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """Save a full-page screenshot to tests/artifacts/<test name>[-<suffix>].png."""

    def save(page: Page, suffix: str = "") -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        name = artifact_name(request.node.name + (f"-{suffix}" if suffix else ""))
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
