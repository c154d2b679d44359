"""The digest worker: claim a batch, digest it, delete it from the queue, repeat.

Runs as a thread inside `serve` or as `tracehound worker` processes. On PostgreSQL the
claim, digest and delete share one transaction (rows locked with SKIP LOCKED). On
SQLite the queue is read outside the write transaction and the CPU-bound preparation
happens before BEGIN IMMEDIATE, so the write lock is held only for the SQL.

A failed batch is retried after a backoff when the failure is transient, and otherwise
digested event by event, the events that fail alone set aside as dead letters
(failures.py, isolate.py): one bad event never stalls the queue.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import Connection, Engine

from tracehound import log
from tracehound.ingest import digest, failures, isolate, queue
from tracehound.ingest.digest import DigestResult
from tracehound.ingest.facets import FacetCache
from tracehound.ingest.isolate import Claimed
from tracehound.ingest.person_jobs import PersonJobs
from tracehound.store import counts, db

_log = log.get("worker")


def _prepare_all(rows: list[tuple[int, bytes]]) -> list[Claimed]:
    claimed: list[Claimed] = []
    for qid, blob in rows:
        try:
            claimed.append((qid, digest.prepare(blob)))
        except Exception as exc:  # unreadable: set aside after the batch, never retried
            claimed.append((qid, exc))
    return claimed


def _digest(conn: Connection, claimed: list[Claimed],
            facet_cache: FacetCache | None) -> DigestResult:
    """The batch, in the caller's transaction: store it and take it off the queue."""
    ready = [(qid, p) for qid, p in claimed if not isinstance(p, Exception)]
    result = digest.apply(conn, [p for _, p in ready], facet_cache)
    queue.remove(conn, [qid for qid, _ in ready])
    return result


def _bury_unreadable(engine: Engine, claimed: list[Claimed]) -> None:
    for qid, p in claimed:
        if isinstance(p, Exception):
            isolate.bury(engine, qid, p)


def _after_failure(engine: Engine, claimed: list[Claimed], exc: Exception,
                   facet_cache: FacetCache | None) -> tuple[int, DigestResult]:
    """A batch failed: retry it later as it is (transient), or digest it one by one."""
    if failures.is_transient(exc):
        raise exc
    _log.warning("a digest batch of %d events failed (%s); digesting them one by one",
                 len(claimed), failures.describe(exc)[0])
    return len(claimed), isolate.digest_one_by_one(engine, claimed, facet_cache)


def run_once(engine: Engine, batch_size: int,
             facet_cache: FacetCache | None = None) -> tuple[int, DigestResult]:
    """Digest at most one batch; (queued events taken, what was stored).

    Raises when the batch failed for a transient reason (ingest/failures.py): it stays
    queued for the caller to retry after a pause. Any other failure does not raise: the
    batch's events are digested one by one and those that fail alone set aside.
    """
    claimed: list[Claimed] | None = None
    failure: Exception | None = None  # handled outside `except`: no chained tracebacks
    if db.is_postgresql(engine):
        try:
            with engine.begin() as conn:
                rows = queue.claim(conn, batch_size)
                if not rows:
                    return 0, DigestResult()
                claimed = _prepare_all(rows)
                result = _digest(conn, claimed, facet_cache)
        except Exception as exc:
            if claimed is None:
                raise
            failure = exc
    else:
        with engine.connect() as conn:
            rows = queue.claim(conn, batch_size)
            conn.rollback()
        if not rows:
            return 0, DigestResult()
        claimed = _prepare_all(rows)
        try:
            with db.writer(engine).begin() as conn:
                result = _digest(conn, claimed, facet_cache)
        except Exception as exc:
            failure = exc
    if failure is not None:
        return _after_failure(engine, claimed, failure, facet_cache)
    if facet_cache is not None:  # committed: from now on these rows exist
        facet_cache.remember(result.facets)
    _bury_unreadable(engine, claimed)
    return len(claimed), result


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
