"""Test helpers: a live server in a thread, project creation, waiting for the digest."""

from __future__ import annotations

import asyncio
import gc
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine

from tracehound.app import create_app
from tracehound.config import Settings
from tracehound.store import projects
from tracehound.store.db import writer

# httpx builds a TLS context for every client it makes (loading the CA bundle: 50 ms);
# the test clients speak plain HTTP to 127.0.0.1, so they share this one.
TLS = ssl.create_default_context()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ProjectInfo:
    id: int
    account_id: int
    tokens: dict[str, str]

    @property
    def post(self) -> str:
        return self.tokens["post_server_item"]

    @property
    def client(self) -> str:
        return self.tokens["post_client_item"]

    @property
    def read(self) -> str:
        return self.tokens["read"]

    @property
    def write(self) -> str:
        return self.tokens["write"]


def make_project(engine: Engine, name: str) -> ProjectInfo:
    # reads then writes: on SQLite a deferred transaction could not upgrade once a
    # running server committed in between (SQLITE_BUSY_SNAPSHOT, no busy wait)
    with writer(engine).begin() as conn:
        account_id = projects.first_account_id(conn) or projects.create_account(conn, "test")
        project, made = projects.create_project(conn, account_id, name)
    return ProjectInfo(project.id, account_id, made)


@dataclass
class LiveServer:
    url: str
    settings: Settings
    http: httpx.Client

    @property
    def api(self) -> str:
        return self.url + "/api/1/"

    def post_item(self, token: str | None, data: dict[str, Any], **kw: Any) -> httpx.Response:
        body: dict[str, Any] = {"data": data}
        headers = {"X-Rollbar-Access-Token": token} if token else {}
        return self.http.post(self.url + "/api/1/item/", json=body, headers=headers, **kw)

    def get(self, path: str, token: str, **params: Any) -> httpx.Response:
        return self.http.get(self.url + path, params=params,
                             headers={"X-Rollbar-Access-Token": token})

    def wait_digested(self, timeout: float = 20.0) -> None:
        """Until the ingest queue is empty: everything acknowledged is stored."""
        wait_queue_empty(self.http, self.url, timeout)


def wait_queue_empty(client: httpx.Client, url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get(url + "/health")
        if r.status_code == 200 and r.json()["queue_depth"] == 0:
            return
        time.sleep(0.02)
    raise AssertionError("the ingest queue did not drain in time")


class _GcPace:
    """The app's start-up runs a full gc.collect() then gc.freeze()
    (gc_policy.settle_after_startup), its stop gc.unfreeze(). In this process a full
    collection scans everything pytest and the earlier tests hold: 0.3-1 s once the
    suite is under way, at every test. Frozen before the start, those objects are
    skipped; the garbage the stopped apps leave (~1.6 MB per test, in reference cycles:
    it waits for a full collection) is collected every EVERY-th stop instead. On 350
    tests, every 10th: 35 collections, 18.6 s, 351 MB peak; every 25th: 14, 10.9 s,
    369 MB."""

    EVERY = 25

    def __init__(self) -> None:
        self.stops = 0

    def before_start(self) -> None:
        gc.freeze()

    def after_stop(self) -> None:
        self.stops += 1
        if self.stops % self.EVERY == 0:
            gc.collect()


_gc = _GcPace()


class _Server(uvicorn.Server):
    """uvicorn's server, quicker to stop (0.15 s saved per test, ~900 tests): it looks at
    `should_exit` every 10 ms instead of every 100 ms, and when no connection or task is
    left it skips the 100 ms uvicorn grants open connections to wind down. The shutdown
    itself is uvicorn's: listening sockets closed, then the app's lifespan shutdown."""

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            await asyncio.sleep(0.01)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if sockets or self.server_state.connections or self.server_state.tasks:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()


@contextmanager
def start_server(settings: Settings) -> Iterator[LiveServer]:
    port = free_port()
    app = create_app(settings.replace(port=port))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on", access_log=False)
    server = _Server(config)
    _gc.before_start()
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    client = httpx.Client(timeout=30, verify=TLS)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", settings, client)
    finally:
        client.close()
        server.should_exit = True
        thread.join(timeout=30)
        _gc.after_stop()
