"""Web UI fixtures: a user of the test account, a signed-in browser-like client (httpx),
and real headless Chromium driven by Playwright's sync API.

Playwright's own browser downloads are never used: the browser is the system Chromium at
$TRACEHOUND_CHROMIUM or /usr/bin/chromium. Without it (or without the playwright package)
browser tests skip with the reason, unless TRACEHOUND_REQUIRE_BROWSER=1 (set by .ci/run),
where they fail instead.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.auth.passwords import hash_password
from tracehound.store import tokens
from tracehound.store.db import writer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PASSWORD = "correct horse battery"


@dataclass
class WebUser:
    email: str
    password: str
    account_id: int


@functools.cache
def password_hash() -> str:
    """The argon2 hash of PASSWORD, made once per session (0.2-0.4 s of CPU each time);
    the server verifies it at sign-in like any stored hash."""
    return hash_password(PASSWORD)


def make_user(engine: Engine, account_id: int, email: str) -> WebUser:
    with writer(engine).begin() as conn:
        tokens.create_user(conn, account_id=account_id, email=email,
                           password_hash=password_hash())
    return WebUser(email, PASSWORD, account_id)


@pytest.fixture
def user(engine: Engine, project: ProjectInfo) -> WebUser:
    return make_user(engine, project.account_id, "ada@example.com")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_in(client: httpx.Client, email: str, password: str,
            next_: str = "") -> httpx.Response:
    form = client.get("/login")
    assert form.status_code == 200
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf": csrf_of(form.text), "next": next_})


@pytest.fixture
def browser(server: LiveServer) -> Iterator[httpx.Client]:
    """A client with its own cookie jar that does not follow redirects."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
def signed_in(browser: httpx.Client, user: WebUser) -> httpx.Client:
    r = sign_in(browser, user.email, user.password)
    assert r.status_code == 303, r.text
    return browser


ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TIMEOUT_MS = 10_000


def chromium_path() -> str:
    return os.environ.get("TRACEHOUND_CHROMIUM") or "/usr/bin/chromium"


def _unavailable(reason: str) -> None:
    if os.environ.get("TRACEHOUND_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (TRACEHOUND_REQUIRE_BROWSER=1: browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Headless Debian Chromium (`browser` is the httpx client of the page tests)."""
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
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
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
