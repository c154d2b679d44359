"""Engine construction. Every dialect switch of the project lives here.

SQLite: WAL, busy_timeout, and transactions opened with BEGIN IMMEDIATE when asked
for (`writer(engine)`), so a writer never hits SQLITE_BUSY_SNAPSHOT halfway through.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

SQLITE_PRAGMAS = (
    # 16 KiB pages: a ~3 KB compressed occurrence leaves a quarter of a 4 KiB page
    # unused; measured 4.3 KB/event at 4 KiB pages, 3.4 KB at 16 KiB (bench corpus).
    # Takes effect only when the database file is created (before WAL is switched on).
    "PRAGMA page_size=16384",
    # The ingest queue shares the file: a drained backlog would leave its pages behind
    # for good. Incremental auto-vacuum lets the worker hand them back
    # (reclaim_free_pages). Like page_size, it only takes effect on a new file, and
    # must come after page_size (set first, it fixes the page size at 4 KiB).
    "PRAGMA auto_vacuum=INCREMENTAL",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",  # durable across process crashes in WAL mode
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA cache_size=-32000",
)


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
                 **kwargs: Any) -> Engine:
    """An engine for `url`, with the SQLite set-up applied when it is SQLite.

    Bound parameters are kept out of error messages: they hold client payloads
    (personal data, and kilobytes of it per row in a failed batch).
    `sqlite_autocheckpoint` is SQLite's wal_autocheckpoint for this engine's connections.
    """
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        _setup_sqlite(engine, sqlite_autocheckpoint)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _setup_sqlite(engine: Engine, autocheckpoint: int) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cur = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cur.execute(pragma)
        cur.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("tracehound_writer", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


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
