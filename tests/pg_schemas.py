"""PostgreSQL schemas for the tests, migrated and dropped off the tests' path.

Each PostgreSQL test gets its own schema. Building a migrated one (replaying the
migrations' statements: 0.05-0.2 s) and dropping it afterwards (DROP SCHEMA CASCADE:
0.05-0.1 s) is server work the test need not wait for: a thread keeps a few migrated
schemas ready and drops the used ones while the tests run. A test's `engine` swaps a
ready schema in under its own schema's name (DROP of the empty one, ALTER SCHEMA
RENAME: a catalog update; tables, sequences and indexes refer to each other by OID).
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
from typing import Any

from sqlalchemy import Engine, text

Statement = tuple[str, Any]

_log = logging.getLogger(__name__)

BUILD, DROP, STOP = 0, 1, 2  # job priorities: a waiting test first, then the drops


class PgSchemaPool:
    def __init__(self, admin: Engine, statements: list[Statement], ready: int = 2) -> None:
        self._admin = admin
        self._statements = statements
        self._jobs: queue.PriorityQueue[tuple[int, int, str]] = queue.PriorityQueue()
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._seq = 0
        self._lock = threading.Lock()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="pg-schemas", daemon=True)
        self._thread.start()
        for _ in range(ready):
            self._put(BUILD)

    def _put(self, kind: int, schema: str = "") -> None:
        with self._lock:
            self._seq += 1
            self._jobs.put((kind, self._seq, schema))

    def swap_into(self, schema: str, timeout: float = 60.0) -> None:
        """Replace the new, empty `schema` by a migrated one, under the same name."""
        self._put(BUILD)  # the replacement for the one taken now
        ready = self._ready.get(timeout=timeout)
        if isinstance(ready, BaseException):
            raise RuntimeError("could not build a migrated PostgreSQL schema") from ready
        with self._admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema}"))  # RESTRICT: fails unless empty
            conn.execute(text(f"ALTER SCHEMA {ready} RENAME TO {schema}"))

    def drop_later(self, schema: str) -> None:
        self._put(DROP, schema)

    def close(self, timeout: float = 120.0) -> None:
        """Drop what is queued and the schemas still ready, then end the thread."""
        self._closing = True  # builds still queued are skipped
        self._put(STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():
            _log.warning("the test schemas were not all dropped in %ss", timeout)

    def _run(self) -> None:
        while True:
            kind, _, schema = self._jobs.get()
            if kind == STOP:
                break
            try:
                if kind == BUILD and self._closing:
                    continue
                if kind == BUILD:
                    self._ready.put(self._build())
                else:
                    self._drop(schema)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting test
                if kind == BUILD:
                    self._ready.put(exc)
                else:
                    _log.warning("could not drop test schema %s: %s", schema, exc)
        while not self._ready.empty():
            ready = self._ready.get()
            if isinstance(ready, str):
                self._drop(ready)

    def _build(self) -> str:
        schema = "th_ready_" + secrets.token_hex(6)
        raw = self._admin.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute(f"CREATE SCHEMA {schema}")
            cur.execute(f"SET LOCAL search_path TO {schema}")
            for statement, parameters in self._statements:
                cur.execute(statement, parameters)
            raw.commit()
        finally:
            raw.close()
        return schema

    def _drop(self, schema: str) -> None:
        with self._admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
