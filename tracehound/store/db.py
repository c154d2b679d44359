"""Engine construction. Every dialect switch of the project lives here.

SQLite: WAL, busy_timeout, and transactions opened with BEGIN IMMEDIATE when asked
for (`writer(engine)`), so a writer never hits SQLITE_BUSY_SNAPSHOT halfway through.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

# `Connection as Connection`: re-exported for type hints outside store/ (web/ imports no
# sqlalchemy), the connection that store functions take
from sqlalchemy import Connection as Connection
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

T = TypeVar("T")

# Only for a new, empty database file: on an existing one they change nothing, yet
# `auto_vacuum` waits for (and briefly takes) the write lock, so every new connection
# would queue behind the digest's transaction.
SQLITE_NEW_FILE_PRAGMAS = (
    # 16 KiB pages: a ~3 KB compressed occurrence leaves a quarter of a 4 KiB page
    # unused; measured 4.3 KB/event at 4 KiB pages, 3.4 KB at 16 KiB (bench corpus).
    # Takes effect only when the database file is created (before WAL is switched on).
    "PRAGMA page_size=16384",
    # The ingest queue shares the file: a drained backlog would leave its pages behind
    # for good. Incremental auto-vacuum lets the worker hand them back
    # (reclaim_free_pages). Like page_size, it only takes effect on a new file, and
    # must come after page_size (set first, it fixes the page size at 4 KiB).
    "PRAGMA auto_vacuum=INCREMENTAL",
)

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",  # durable across process crashes in WAL mode
    "PRAGMA foreign_keys=ON",
    "PRAGMA cache_size=-32000",
)

BUSY_TIMEOUT_MS = 10_000


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


# Pages of WAL after which a committing SQLite connection checkpoints (SQLite's
# default). Processes that acknowledge events raise it (INGEST_AUTOCHECKPOINT_PAGES) so
# the digest process does the checkpoints, off the acknowledgement path.
AUTOCHECKPOINT_PAGES = 1000
# A backstop, not a schedule: with no digest process running, serve still checkpoints
# once the WAL reaches 8000 pages (128 MiB at 16 KiB pages).
INGEST_AUTOCHECKPOINT_PAGES = 8000


def build_engine(url: str, *, sqlite_autocheckpoint: int = AUTOCHECKPOINT_PAGES,
                 sqlite_busy_timeout_ms: int | None = None, **kwargs: Any) -> Engine:
    """An engine for `url`, with the SQLite set-up applied when it is SQLite.

    Bound parameters are kept out of error messages: they hold client payloads
    (personal data, and kilobytes of it per row in a failed batch).
    `sqlite_autocheckpoint` is SQLite's wal_autocheckpoint for this engine's connections;
    `sqlite_busy_timeout_ms` replaces the 10 s BUSY_TIMEOUT_MS (see `retry_while_locked`).
    """
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        _setup_sqlite(engine, sqlite_autocheckpoint, sqlite_busy_timeout_ms)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _setup_sqlite(engine: Engine, autocheckpoint: int, busy_timeout_ms: int | None) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cur = dbapi_conn.cursor()
        timeout = BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
        cur.execute(f"PRAGMA busy_timeout={int(timeout)}")  # first: the rest may wait
        if cur.execute("PRAGMA page_count").fetchone()[0] == 0:
            for pragma in SQLITE_NEW_FILE_PRAGMAS:
                cur.execute(pragma)
        for pragma in SQLITE_PRAGMAS:
            cur.execute(pragma)
        cur.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("tracehound_writer", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_locked(exc: BaseException) -> bool:
    """SQLite's SQLITE_BUSY: another connection holds the write lock."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and "locked" in str(orig)


def retry_while_locked(write: Callable[[], T], *, timeout: float = 10.0,
                       pause: float = 0.001) -> T:
    """Run `write` (a whole write transaction), again every `pause` seconds while SQLite
    answers that the database is locked, for at most `timeout` seconds.

    For an engine built with a short busy timeout: SQLite's own busy handler sleeps 1, 2,
    5, 10, 15, 20, 25... ms between attempts, so a writer waiting for a 9 ms digest
    transaction got the lock only after 18 ms. Polling every millisecond gets it within
    a millisecond of its release; the acknowledgement latency's tail is that wait.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return write()
        except OperationalError as exc:
            if not is_locked(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take SQLite's write lock up front."""
    return engine.execution_options(tracehound_writer=True)


def reclaim_free_pages(engine: Engine, min_pages: int = 1024, chunk: int = 2048) -> int:
    """Give free pages back to the file system once there are many (SQLite only).

    Called by the worker when the queue is empty; returns the pages released. Works in
    chunks, each its own short write transaction, so ingest commits are not held up.
    """
    if not is_sqlite(engine):
        return 0
    raw = engine.raw_connection()  # autocommit (isolation_level None, see _connect)
    released = 0
    try:
        cur = raw.cursor()
        free = int(cur.execute("PRAGMA freelist_count").fetchone()[0])
        if free < min_pages:
            return 0
        while free > 0:
            # each step of this statement frees one page, and execute() steps a
            # statement without result columns only once; executescript runs it out
            cur.executescript(f"PRAGMA incremental_vacuum({int(chunk)});")
            now = int(cur.execute("PRAGMA freelist_count").fetchone()[0])
            released += free - now
            if now >= free:
                break
            free = now
        cur.close()
    finally:
        raw.close()
    return released


def null_pool_engine(url: str) -> Engine:
    """A throwaway engine (migrations, CLI one-offs)."""
    return build_engine(url, poolclass=NullPool)


def interrupt(dbapi_conn: Any) -> None:
    """Stop the statement running on a DB-API connection, from another thread (a
    cancelled or overdue RQL job): sqlite3's interrupt(), psycopg's cancel request."""
    if hasattr(dbapi_conn, "interrupt"):
        dbapi_conn.interrupt()
    elif hasattr(dbapi_conn, "cancel_safe"):
        dbapi_conn.cancel_safe(timeout=5.0)
    elif hasattr(dbapi_conn, "cancel"):
        dbapi_conn.cancel()
