"""Web UI fixtures: a user of the test account and a signed-in browser-like client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import Engine

from tests.support import LiveServer, ProjectInfo
from tracehound.auth.passwords import hash_password
from tracehound.store import tokens
from tracehound.store.db import writer

PASSWORD = "correct horse battery"


@dataclass
class WebUser:
    email: str
    password: str
    account_id: int


def make_user(engine: Engine, account_id: int, email: str) -> WebUser:
    with writer(engine).begin() as conn:
        tokens.create_user(conn, account_id=account_id, email=email,
                           password_hash=hash_password(PASSWORD))
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
