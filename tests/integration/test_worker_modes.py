"""How `serve` runs its digest: a supervised child process (the default) or a thread,
and the SQLite file giving a drained backlog's space back."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support import ProjectInfo, start_server
from tracehound.config import Settings
from tracehound.ingest.worker import Worker


def _children() -> list[int]:
    """Live `tracehound worker` processes whose parent is this test process."""
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = stat.rsplit(")", 1)[1].split()[1]
        state = stat.rsplit(")", 1)[1].split()[0]
        if ppid == me and state != "Z" and b"worker" in cmdline and b"tracehound" in cmdline:
            found.append(int(entry.name))
    return found


def _wait_item_count(live, project: ProjectInfo, n: int, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = live.get("/api/1/items/", project.read)
        if r.status_code == 200 and len(r.json()["result"]["items"]) == n:
            return
        time.sleep(0.05)
    raise AssertionError(f"expected {n} items, got {r.json()}")


def _exc(cls: str) -> dict[str, object]:
    return {"environment": "production", "body": {"trace": {
        "frames": [{"filename": "app.py", "lineno": 1, "method": "main"}],
        "exception": {"class": cls, "message": "boom"}}}}


def test_child_worker_digests_restarts_and_stops_with_serve(
        settings: Settings, engine: Engine, project: ProjectInfo) -> None:
    assert _children() == []
    with start_server(settings.replace(worker_process=True)) as live:
        deadline = time.monotonic() + 20
        while not _children() and time.monotonic() < deadline:
            time.sleep(0.05)
        (child,) = _children()
        assert live.post_item(project.post, _exc("KeyError")).status_code == 200
        _wait_item_count(live, project, 1)

        os.kill(child, signal.SIGKILL)  # a crashed worker is started again
        assert live.post_item(project.post, _exc("ValueError")).status_code == 200
        _wait_item_count(live, project, 2)
        (again,) = _children()
        assert again != child
    deadline = time.monotonic() + 10
    while _children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _children() == [], "the worker outlived serve"


def test_thread_worker_when_child_process_is_off(
        settings: Settings, engine: Engine, project: ProjectInfo) -> None:
    with start_server(settings.replace(worker_process=False)) as live:
        assert live.post_item(project.post, _exc("KeyError")).status_code == 200
        _wait_item_count(live, project, 1)
        assert _children() == []


def test_sqlite_file_gives_back_a_drained_backlog(
        settings: Settings, engine: Engine, project: ProjectInfo, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL reclaims space with its own (auto)vacuum")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA auto_vacuum").scalar() == 2  # incremental
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 16384
    # 12 KB a queued event, which the digest stores compressed to almost nothing: the
    # queue's pages come free and no occurrence takes them back
    filler = "stack frame " * 1000
    with start_server(settings.replace(worker=False)) as live:
        for i in range(2000):
            data = _exc("KeyError")
            data["custom"] = {"filler": filler, "i": i}
            assert live.post_item(project.post, data).status_code == 200

    def pages() -> tuple[int, int]:
        with engine.connect() as conn:
            return (int(conn.exec_driver_sql("PRAGMA page_count").scalar_one()),
                    int(conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()))

    before, _ = pages()
    w = Worker(engine, batch_size=200, poll_seconds=0.05)
    w.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            count, free = pages()
            if w.digested == 2000 and free < 1024 and count < before:
                break
            time.sleep(0.1)
    finally:
        w.stop()
    count, free = pages()
    assert w.digested == 2000
    assert free < 1024, f"{free} free pages left in the file"
    # the backlog's ~24 MB of queued blobs went back to the file system
    assert count < before * 0.25, (before, count)


def test_only_the_digest_checkpoints_the_sqlite_wal(db_url: str) -> None:
    """Connections that acknowledge events leave WAL checkpoints to the digest process,
    so no enqueue commit waits for one (8000 pages is only a backstop)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's WAL")
    from tracehound.store.db import INGEST_AUTOCHECKPOINT_PAGES, build_engine

    digest_side = build_engine(db_url)
    ingest_side = build_engine(db_url, sqlite_autocheckpoint=INGEST_AUTOCHECKPOINT_PAGES)
    try:
        with digest_side.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
        with ingest_side.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 8000
    finally:
        digest_side.dispose()
        ingest_side.dispose()
