"""The digest worker: claim a batch, digest it, delete it from the queue, repeat.

Runs as a thread inside `serve` or as `tracehound worker` processes. On PostgreSQL the
claim, digest and delete share one transaction (rows locked with SKIP LOCKED). On
SQLite the queue is read outside the write transaction and the CPU-bound preparation
happens before BEGIN IMMEDIATE, so the write lock is held only for the SQL.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine

from tracehound import log
from tracehound.ingest import digest, queue
from tracehound.ingest.digest import DigestResult, Prepared
from tracehound.ingest.facets import FacetCache
from tracehound.ingest.person_jobs import PersonJobs
from tracehound.store import counts, db

_log = log.get("worker")


def _prepare_all(claimed: list[tuple[int, bytes]]) -> tuple[list[Prepared], list[int]]:
    prepared: list[Prepared] = []
    for qid, blob in claimed:
        try:
            prepared.append(digest.prepare(blob))
        except Exception:  # a row we cannot read must not block the queue forever
            _log.exception("dropping unreadable queued event %s", qid)
    return prepared, [qid for qid, _ in claimed]


def run_once(engine: Engine, batch_size: int,
             facet_cache: FacetCache | None = None) -> tuple[int, DigestResult]:
    """Digest at most one batch; (queued events taken, what was stored)."""
    if db.is_postgresql(engine):
        with engine.begin() as conn:
            claimed = queue.claim(conn, batch_size)
            if not claimed:
                return 0, DigestResult()
            prepared, ids = _prepare_all(claimed)
            result = digest.apply(conn, prepared, facet_cache)
            queue.remove(conn, ids)
        if facet_cache is not None:  # committed: from now on these rows exist
            facet_cache.remember(result.facets)
        return len(ids), result
    with engine.connect() as conn:
        claimed = queue.claim(conn, batch_size)
        conn.rollback()
    if not claimed:
        return 0, DigestResult()
    prepared, ids = _prepare_all(claimed)
    with db.writer(engine).begin() as conn:
        result = digest.apply(conn, prepared, facet_cache)
        queue.remove(conn, ids)
    if facet_cache is not None:
        facet_cache.remember(result.facets)
    return len(ids), result


class Worker:
    """A loop around run_once, woken early by `notify()` after an enqueue commit."""

    def __init__(self, engine: Engine, *, batch_size: int, poll_seconds: float,
                 linger_seconds: float = 0.0) -> None:
        self._engine = engine
        self._batch_size = batch_size
        self._poll = poll_seconds
        self._linger = linger_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.digested = 0
        self.batches = 0  # batches that took events, for the exit log line
        self._reclaimed_at = 0
        self._next_prune = 0.0
        self._person_jobs = PersonJobs(engine)  # person deletion steps between batches
        self._facets = FacetCache()  # search facets written lately: not written again

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="tracehound-digest", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _reclaim(self) -> None:
        """The queue just emptied: return the space a backlog took (SQLite)."""
        self._reclaimed_at = self.digested
        try:
            pages = db.reclaim_free_pages(self._engine)
        except Exception:
            _log.exception("could not reclaim free pages")
            return
        if pages:
            _log.info("returned %d free pages to the file system", pages)

    def _prune(self) -> None:
        """Once a minute: drop minute counters no report can ask for any more."""
        now = time.monotonic()
        if now < self._next_prune:
            return
        self._next_prune = now + 60
        try:
            with db.writer(self._engine).begin() as conn:
                counts.prune_minutes(conn, time.time())
        except Exception:
            _log.exception("could not prune minute counters")

    def run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            self._prune()
            try:
                taken, _ = run_once(self._engine, self._batch_size, self._facets)
                backoff = 0.5
            except Exception:
                _log.exception("digest batch failed; retrying in %.1fs", backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            self.digested += taken
            self.batches += 1 if taken else 0
            if self._person_jobs.tick(idle=taken == 0) and taken == 0:
                continue  # a deletion job has more to do and the queue is idle
            if taken == 0:
                if self.digested > self._reclaimed_at:
                    self._reclaim()
                self._wake.wait(self._poll)
                self._wake.clear()
            elif taken < self._batch_size and self._linger:
                # a partial batch: let the next one fill up a little (the per-batch
                # statements and commit are then shared by more events)
                self._stop.wait(self._linger)


def drain(engine: Engine, batch_size: int = 500, timeout: float = 60.0) -> None:
    """Digest until the queue is empty (CLI and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        taken, _ = run_once(engine, batch_size)
        if taken == 0:
            return
    raise TimeoutError("queue did not drain")
