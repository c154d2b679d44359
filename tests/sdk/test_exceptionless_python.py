"""The `exceptionless` client from PyPI (0.1.0, third-party) against the real server.

Its API root is hard-coded and imported by value into two modules, so the test points
both at the live server (exceptionless-api.md §15.3). It checks the key with
GET /projects/config (anything but 200 is "invalid API key") and posts one JSON object
per exception with the traceback as text under `@stack`; Tracehound parses that text
into frames, so its errors group by where they were raised. The client has no call for
log messages.
"""

from __future__ import annotations

import platform
from collections.abc import Iterator
from typing import Any

import exceptionless
import exceptionless.ExceptionlessUtils
import exceptionless.System
import pytest
from sqlalchemy import Engine, select

from tests.support import LiveServer, ProjectInfo
from tracehound.store import codec
from tracehound.store.tables import occurrences

pytestmark = [pytest.mark.sdk,
              # the client stamps dates with datetime.utcnow(), deprecated in Python 3.12
              pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning")]


@pytest.fixture
def client(server: LiveServer, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[exceptionless.ExceptionSystem]:
    root = server.url + "/api/v2"
    monkeypatch.setattr(exceptionless.System, "EXCEPTIONLESS_API_ROOT", root)
    monkeypatch.setattr(exceptionless.ExceptionlessUtils, "EXCEPTIONLESS_API_ROOT", root)
    monkeypatch.setattr(exceptionless.ExceptionSystem, "_instance", None)  # a singleton
    yield exceptionless.ExceptionSystem()


def raise_in_a() -> None:
    raise ValueError("bad value 17")


def raise_in_b() -> None:
    raise ValueError("bad value 17")


def caught(fn: Any) -> Exception:
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the point is to capture it
        return exc
    raise AssertionError(f"{fn.__name__} did not raise")


def test_exceptions_group_by_raise_site(client: exceptionless.ExceptionSystem,
                                        server: LiveServer, engine: Engine,
                                        project: ProjectInfo) -> None:
    client.initialize(project.client, {"id": "123", "email": "user@example.com"})
    assert client.send(caught(raise_in_a)) == {}  # 202 with an empty body
    assert client.send(caught(raise_in_a)) == {}
    assert client.send(caught(raise_in_b)) == {}
    server.wait_digested()
    items = server.get("/api/1/items/", project.read).json()["result"]["items"]
    assert sorted(i["total_occurrences"] for i in items) == [1, 2]
    assert all(i["title"] == "ValueError: bad value 17" and i["level"] == "error"
               and i["language"] == "python" for i in items)
    with engine.connect() as conn:
        events = [codec.unpack(r.payload) for r in conn.execute(
            select(occurrences.c.payload).where(occurrences.c.project_id == project.id))]
    for event in events:
        (exc,) = event.exceptions
        assert exc.type == "ValueError"
        assert exc.frames[-1].filename == __file__
        assert exc.frames[-1].method in ("raise_in_a", "raise_in_b")
        assert event.host == platform.node()


def test_a_wrong_key_fails_initialize(client: exceptionless.ExceptionSystem,
                                      project: ProjectInfo) -> None:
    with pytest.raises(RuntimeError, match="invalid Exceptionless API key"):
        client.initialize("not-a-real-key-0000", {})
    with pytest.raises(RuntimeError, match="invalid Exceptionless API key"):
        client.initialize(project.read, {})  # a read token cannot post: 403
