"""The RQL job runner: runs queued RQL jobs in the background, never on a request.

One dispatcher thread claims jobs (store/rql_jobs.py) while this runner has free
threads, starts one thread per job, and once a second heartbeats every job it runs.
A heartbeat that finds the job no longer `running` (the API cancelled it) stops the
query; so does a job past its deadline that the engine did not stop itself. Stopping
means the engine's `cancelled()` turns true and the connection's statement is
interrupted (db.interrupt), so the connection and its locks are freed at once.

It runs next to the digest worker wherever that runs (a thread of `serve`, or the
`tracehound worker` process), in its own threads, so a long query never holds up the
digest. `notify()` wakes it when a job is created or cancelled: called by the API in
its own process, and in serve's child worker on each byte serve writes to the child's
stdin (ingest/child.py). Elsewhere (`serve --no-worker` beside a separate `tracehound
worker`) it polls every rql_poll_seconds.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from tracehound import log
from tracehound.config import Settings
from tracehound.query import rql
from tracehound.store import db
from tracehound.store import rql_jobs as jobs

_log = log.get("rql")

HEARTBEAT_SECONDS = 1.0  # also how soon a cancel through another process is noticed
OVERDUE_GRACE_SECONDS = 2.0  # past the deadline, interrupt a query the engine let run on
PRUNE_SECONDS = 3600.0
MAX_ROWS = 1000  # rollbar-api.md §9.2


@dataclass
class _Running:
    """A job this runner executes: its thread, its stop flag, its live DB connection."""

    job_id: int
    deadline: float
    thread: threading.Thread | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    dbapi_conn: Any = None  # set while the query runs, under `lock`
    interrupted: bool = False

    def interrupt(self, *, cancel: bool = True) -> None:
        """Stop the query: as a cancel (the engine's `cancelled()` turns true), or as an
        overdue one (cancel False: the job still ends `timed_out`)."""
        if cancel:
            self.stop.set()
        with self.lock:
            if self.dbapi_conn is not None and not self.interrupted:
                self.interrupted = True
                try:
                    db.interrupt(self.dbapi_conn)
                except Exception:
                    _log.exception("could not interrupt RQL job %s", self.job_id)


class RqlRunner:
    """start()/stop()/notify(), like the digest Worker."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self.runner_id = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._running: dict[int, _Running] = {}
        self._lock = threading.Lock()
        self._next_heartbeat = 0.0
        self._next_reap = 0.0
        self._next_prune = 0.0

    # ---- lifecycle --------------------------------------------------------------------

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="tracehound-rql", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking jobs; running ones are interrupted and handed back to the queue."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        for job in self._snapshot():
            job.interrupt()
        deadline = time.monotonic() + timeout
        for job in self._snapshot():
            if job.thread is not None:
                job.thread.join(max(0.0, deadline - time.monotonic()))

    def running_jobs(self) -> list[int]:
        return sorted(j.job_id for j in self._snapshot())

    def _snapshot(self) -> list[_Running]:
        with self._lock:
            return list(self._running.values())

    # ---- dispatcher -------------------------------------------------------------------

    def run(self) -> None:
        backoff = 0.5
        woken = False
        while not self._stop.is_set():
            try:
                self._maintain(woken)
                self._fill()
                backoff = 0.5
            except Exception:
                _log.exception("RQL runner step failed; retrying in %.1fs", backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            busy = bool(self._snapshot())
            woken = self._wake.wait(min(HEARTBEAT_SECONDS, self._settings.rql_poll_seconds)
                                    if busy else self._settings.rql_poll_seconds)
            self._wake.clear()

    def _maintain(self, woken: bool) -> None:
        """Heartbeat every second, and at once when woken (a cancel in this process);
        fail other runners' stale jobs; prune old jobs hourly."""
        now = time.monotonic()
        if now >= self._next_heartbeat or woken:
            self._next_heartbeat = now + HEARTBEAT_SECONDS
            self._heartbeat()
        if now >= self._next_reap:
            self._next_reap = now + min(self._settings.rql_stale_seconds / 2, 10.0)
            self._reap()
        if now >= self._next_prune:
            self._next_prune = now + PRUNE_SECONDS
            with db.writer(self._engine).begin() as conn:
                pruned = jobs.prune(conn, time.time() -
                                    self._settings.rql_result_days * 86400)
            if pruned:
                _log.info("pruned %d RQL jobs older than %g days", pruned,
                          self._settings.rql_result_days)

    def _reap(self) -> None:
        """Fail jobs whose runner died (any process's): checked with a read first, so
        an idle runner takes no write lock for it."""
        stale = self._settings.rql_stale_seconds
        with self._engine.connect() as conn:
            if not jobs.any_stale(conn, time.time(), stale):
                return
        with db.writer(self._engine).begin() as conn:
            failed = jobs.fail_stale(conn, time.time(), stale)
        if failed:
            _log.warning("RQL jobs %s: their runner stopped responding; marked failed",
                         failed)

    def _heartbeat(self) -> None:
        """Tell other processes this runner is alive; stop jobs cancelled meanwhile."""
        running = self._snapshot()
        if not running:
            return
        with db.writer(self._engine).begin() as conn:
            gone = [job for job in running
                    if not jobs.heartbeat(conn, job.job_id, self.runner_id, time.time())]
        overdue = [job for job in running
                   if time.monotonic() > job.deadline + OVERDUE_GRACE_SECONDS]
        for job in gone:
            job.interrupt()
        for job in overdue:
            job.interrupt(cancel=False)

    def _fill(self) -> None:
        """Claim jobs while this runner has free threads and jobs are waiting."""
        while len(self._snapshot()) < self._settings.rql_runner_threads \
                and not self._stop.is_set():
            with self._engine.connect() as conn:
                if not jobs.has_new(conn):
                    return
            with db.writer(self._engine).begin() as conn:
                job = jobs.claim_next(
                    conn, self.runner_id, time.time(),
                    max_per_account=self._settings.rql_max_concurrent_per_account,
                    postgresql=db.is_postgresql(self._engine))
            if job is None:
                return  # the jobs waiting belong to accounts at their limit
            self._start(job)

    def _start(self, job: Any) -> None:
        running = _Running(job.id, time.monotonic() + self._settings.rql_timeout_seconds)
        running.thread = threading.Thread(target=self._execute, args=(job, running),
                                          name=f"tracehound-rql-{job.id}", daemon=True)
        with self._lock:
            self._running[job.id] = running
        running.thread.start()

    # ---- one job ----------------------------------------------------------------------

    def _execute(self, job: Any, running: _Running) -> None:
        started = time.monotonic()
        try:
            status, resource = self._query(job, running)
        except Exception:
            _log.exception("RQL job %s failed", job.id)
            status, resource = jobs.FAILED, jobs.empty_resource(
                job.id, ["internal error while running the query"])
        resource.setdefault("executionTime", (time.monotonic() - started) * 1000)
        try:
            with db.writer(self._engine).begin() as conn:
                if self._stop.is_set() and status == jobs.CANCELLED:
                    jobs.release(conn, job.id, self.runner_id, time.time())
                else:
                    jobs.finish(conn, job.id, self.runner_id, status=status,
                                resource=resource, now=time.time())
        except Exception:
            _log.exception("could not record the end of RQL job %s", job.id)
        finally:
            with self._lock:
                self._running.pop(job.id, None)
            self._wake.set()  # a thread is free: look for the next job

    def _query(self, job: Any, running: _Running) -> tuple[str, dict[str, Any]]:
        """(final status, result resource) of one job's query."""
        started = time.monotonic()

        def failed(status: str, message: str) -> tuple[str, dict[str, Any]]:
            ms = (time.monotonic() - started) * 1000
            return status, jobs.empty_resource(job.id, [message], ms)

        try:
            with self._engine.connect() as conn:
                with running.lock:
                    running.dbapi_conn = conn.connection.dbapi_connection
                try:
                    result = rql.execute(conn, job.project_id, job.query_string,
                                         deadline=running.deadline, max_rows=MAX_ROWS,
                                         cancelled=running.stop.is_set, now=time.time())
                finally:
                    with running.lock:  # never interrupt a connection back in the pool
                        running.dbapi_conn = None
        except Exception as exc:
            # the runner knows best why a query stopped: an interrupt it sent may reach
            # the engine as a timeout or a driver error before the engine saw the flag
            if running.stop.is_set():
                return failed(jobs.CANCELLED, "the job was cancelled")
            if isinstance(exc, rql.RqlTimeout) or time.monotonic() >= running.deadline:
                return failed(jobs.TIMED_OUT, self._timeout_message())
            if isinstance(exc, rql.RqlCancelled):
                return failed(jobs.CANCELLED, "the job was cancelled")
            if isinstance(exc, rql.RqlError):
                where = "" if exc.position is None else f" (at character {exc.position})"
                return failed(jobs.FAILED, exc.message + where)
            raise
        return jobs.SUCCESS, result.resource(job.id)

    def _timeout_message(self) -> str:
        return (f"the query ran longer than {self._settings.rql_timeout_seconds:g} seconds "
                f"and was stopped")
