"""The durable ingest queue: group commit on the way in, batch claims on the way out.

`GroupCommitter.put()` returns only once the event's row is committed, which is when
the adapter may acknowledge. One writer thread drains whatever requests are waiting
into a single transaction, so under load many events share one commit (and, on
SQLite, one fsync of the WAL).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, func, insert, select

from tracehound import log
from tracehound.model.event import Event, encode
from tracehound.store import db
from tracehound.store.tables import ingest_queue

_log = log.get("queue")


@dataclass
class _Pending:
    rows: list[dict[str, object]]  # committed together, or not at all
    future: asyncio.Future[None]
    loop: asyncio.AbstractEventLoop


def _settle(p: _Pending, error: BaseException | None) -> None:
    def done() -> None:
        if p.future.done():
            return
        if error is None:
            p.future.set_result(None)
        else:
            p.future.set_exception(error)

    p.loop.call_soon_threadsafe(done)


class GroupCommitter:
    """Owns the thread that writes queued events; see the module docstring."""

    def __init__(self, engine: Engine, *, batch_size: int,
                 on_commit: Callable[[], None] = lambda: None,
                 poll_lock: bool = False) -> None:
        """`poll_lock`: `engine` has a short SQLite busy timeout; wait for the write lock
        by polling every millisecond (db.retry_while_locked) instead."""
        self._engine = db.writer(engine)
        self._poll_lock = poll_lock
        self._batch_size = batch_size
        self._on_commit = on_commit
        self._inbox: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="tracehound-enqueue",
                                        daemon=True)
        self._closed = False
        self.commits = 0
        self.events = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Write what is waiting, then end the thread."""
        self._closed = True
        self._inbox.put(None)
        self._thread.join(timeout=30)

    async def put(self, event: Event) -> None:
        """Durably queue one event; raises if it could not be committed."""
        await self.put_many([event])

    async def put_many(self, events: list[Event]) -> None:
        """Durably queue events in one transaction (all or none: a client retrying a
        refused batch must not duplicate half of it); raises if not committed."""
        if self._closed:
            raise RuntimeError("ingest queue is closed")
        if not events:
            return
        rows: list[dict[str, object]] = [
            {"project_id": e.project_id, "received_at": e.received_at, "event": encode(e)}
            for e in events]
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._inbox.put(_Pending(rows, future, loop))
        await future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._inbox.get()
            batch: list[_Pending] = []
            if first is None:
                stopping = True
            else:
                batch.append(first)
            while len(batch) < self._batch_size:
                try:
                    nxt = self._inbox.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True
                else:
                    batch.append(nxt)
            if batch:
                self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        error: BaseException | None = None
        rows = [row for p in batch for row in p.rows]

        def write() -> None:
            with self._engine.begin() as conn:
                conn.execute(insert(ingest_queue), rows)

        try:
            if self._poll_lock:
                db.retry_while_locked(write)
            else:
                write()
        except Exception as exc:  # the clients hear 503 and retry; nothing was acked
            _log.exception("could not commit %d queued events", len(batch))
            error = exc
        for p in batch:
            _settle(p, error)
        if error is None:
            self.commits += 1
            self.events += len(rows)
            self._on_commit()


def claim(conn: Connection, limit: int) -> list[tuple[int, bytes]]:
    """Oldest queued events not being digested elsewhere: (queue id, event blob).

    On PostgreSQL the rows stay locked (SKIP LOCKED) until the caller's transaction
    ends, so concurrent workers share the queue without taking the same event.
    """
    stmt = select(ingest_queue.c.id, ingest_queue.c.event).order_by(ingest_queue.c.id)
    stmt = stmt.limit(limit)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return [(r.id, r.event) for r in conn.execute(stmt)]


def hold(conn: Connection, queue_id: int) -> bool:
    """Is this event still queued and now ours to digest? On PostgreSQL the row stays
    locked until the caller's transaction ends (False when another worker holds it);
    on SQLite the caller holds the write lock already."""
    stmt = select(ingest_queue.c.id).where(ingest_queue.c.id == queue_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return conn.execute(stmt).first() is not None


def remove(conn: Connection, ids: list[int]) -> None:
    if ids:
        conn.execute(delete(ingest_queue).where(ingest_queue.c.id.in_(ids)))


def depth(conn: Connection) -> int:
    """Events waiting: exact when the queue is empty or drained in order, an upper
    bound while PostgreSQL workers skip locked rows. Two index lookups, where
    count(*) would read every queued blob's page."""
    # one scalar subquery each: SQLite answers a lone max() or min() from the rowid
    # b-tree, but scans the whole table for max() and min() in one SELECT
    row = conn.execute(select(
        select(func.max(ingest_queue.c.id)).scalar_subquery(),
        select(func.min(ingest_queue.c.id)).scalar_subquery())).one()
    return 0 if row[0] is None else int(row[0]) - int(row[1]) + 1
