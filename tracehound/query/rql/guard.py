"""Deadline and cancellation, enforced inside the database while a statement runs.

SQLite: a progress handler on the DBAPI connection aborts the statement once the
deadline passes or cancelled() turns true. PostgreSQL: `SET LOCAL statement_timeout`
inside a savepoint (so an aborted statement leaves the caller's transaction usable), and
a watchdog thread that cancels the running statement when cancelled() turns true.
Python loops call `check()` between chunks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from tracehound.query.rql.errors import RqlCancelled, RqlError, RqlTimeout

CANCEL_POLL_SECONDS = 0.2  # how often cancelled() is asked: it may cost a query


class Guard:
    def __init__(self, conn: Connection, deadline: float,
                 cancelled: Callable[[], bool]) -> None:
        self.conn = conn
        self.deadline = deadline
        self.cancelled = cancelled
        self.cancel_seen = False
        self._last_poll = 0.0
        self._done = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._savepoint: Any = None
        self._pg = conn.dialect.name == "postgresql"

    # ---- checks ----------------------------------------------------------------------

    def _is_cancelled(self) -> bool:
        now = time.monotonic()
        if not self.cancel_seen and now - self._last_poll >= CANCEL_POLL_SECONDS:
            self._last_poll = now
            self.cancel_seen = bool(self.cancelled())
        return self.cancel_seen

    def check(self) -> None:
        """Raise RqlTimeout or RqlCancelled when the query must stop."""
        if time.monotonic() > self.deadline:
            raise RqlTimeout("the query ran past its time limit")
        if self._is_cancelled():
            raise RqlCancelled("the query was cancelled")

    def _progress(self) -> int:
        return int(time.monotonic() > self.deadline or self._is_cancelled())

    # ---- context ---------------------------------------------------------------------

    def __enter__(self) -> Guard:
        self._last_poll = time.monotonic() - CANCEL_POLL_SECONDS
        self.check()
        raw = self.conn.connection.dbapi_connection
        if self._pg:
            self._savepoint = self.conn.begin_nested()
            ms = max(1, int((self.deadline - time.monotonic()) * 1000))
            self.conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
            self._watchdog = threading.Thread(target=self._watch, args=(raw,), daemon=True,
                                              name="rql-cancel-watchdog")
            self._watchdog.start()
        elif raw is not None and hasattr(raw, "set_progress_handler"):
            raw.set_progress_handler(self._progress, 1000)
        return self

    def _watch(self, raw: Any) -> None:
        while not self._done.wait(CANCEL_POLL_SECONDS):
            try:
                if self.cancelled():
                    self.cancel_seen = True
                    (getattr(raw, "cancel_safe", None) or raw.cancel)()
                    return
            except Exception:  # a failing cancelled() must not kill the query silently
                return

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._done.set()
        if self._watchdog is not None:
            self._watchdog.join(timeout=5)
        raw = self.conn.connection.dbapi_connection
        if not self._pg and raw is not None and hasattr(raw, "set_progress_handler"):
            raw.set_progress_handler(None, 0)
        if self._savepoint is not None:
            if err is None:
                self._savepoint.commit()
                self.conn.exec_driver_sql("SET LOCAL statement_timeout TO DEFAULT")
            elif self._savepoint.is_active:
                self._savepoint.rollback()
        if isinstance(err, DBAPIError):
            self._translate(err)

    def _translate(self, err: DBAPIError) -> None:
        text = str(err.orig).strip().splitlines()[0] if err.orig else "database error"
        interrupted = "interrupt" in text.lower() or "cancel" in text.lower() \
            or "statement timeout" in text.lower()
        if interrupted or time.monotonic() > self.deadline:
            if self.cancel_seen:
                raise RqlCancelled("the query was cancelled") from None
            raise RqlTimeout("the query ran past its time limit") from None
        raise RqlError(f"the database refused the query: {text[:200]}") from None
