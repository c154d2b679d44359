"""The enqueue writer waits for SQLite's write lock by polling every millisecond."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tracehound.store.db import build_engine, retry_while_locked, writer


def _hold_lock(url: str, seconds: float, taken: threading.Event) -> None:
    other = build_engine(url)
    with writer(other).begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        taken.set()
        time.sleep(seconds)
    other.dispose()


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'lock.sqlite3'}"
    setup = build_engine(url)
    with setup.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    setup.dispose()
    return url


def test_the_write_lands_within_milliseconds_of_the_lock_release(url: str) -> None:
    eager = build_engine(url, sqlite_busy_timeout_ms=0)
    taken = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(url, 0.2, taken))
    holder.start()
    assert taken.wait(5)
    attempts = 0

    def write() -> float:
        nonlocal attempts
        attempts += 1
        with writer(eager).begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
        return time.monotonic()

    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"):  # no busy wait on its own
        with writer(eager).begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (3)"))
    landed = retry_while_locked(write)
    holder.join()
    released = time.monotonic()
    assert attempts > 10  # polled, not slept through SQLite's growing delays
    assert 0.1 < landed - started and landed <= released + 0.05
    with eager.connect() as conn:
        assert sorted(conn.execute(text("SELECT x FROM t")).scalars()) == [1, 2]
    eager.dispose()


def test_a_lock_held_past_the_timeout_is_an_error(url: str) -> None:
    eager = build_engine(url, sqlite_busy_timeout_ms=0)
    taken = threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(url, 0.5, taken))
    holder.start()
    assert taken.wait(5)

    def write() -> None:
        with writer(eager).begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))

    with pytest.raises(OperationalError, match="locked"):
        retry_while_locked(write, timeout=0.1)
    holder.join()
    eager.dispose()
