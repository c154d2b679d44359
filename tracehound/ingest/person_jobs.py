"""Runs person deletion jobs (store/person_deletion.py) inside the digest worker.

The worker calls `tick()` once per loop: when the queue is idle a job advances one
step per call, back to back; while events are waiting, at most one step every
BUSY_STEP_SECONDS, so a long deletion never holds up ingest. A step is one
transaction; a step that raises is retried with a growing pause and, after
person_deletion.MAX_FAILURES in a row, the job is marked failed.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine

from tracehound import log
from tracehound.store import db, person_deletion

_log = log.get("person_jobs")

CHECK_SECONDS = 1.0  # how often an idle worker looks for new jobs
BUSY_STEP_SECONDS = 0.5  # at most one step this often while the queue has events
WAITING_SECONDS = 1.0  # pause while a job waits for the ingest queue


class StepFailed(Exception):
    """A step of this job raised (the cause is chained); its transaction rolled back."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"person deletion job {job_id}")
        self.job_id = job_id


def run_step(engine: Engine) -> tuple[int | None, str]:
    """One step of the oldest runnable job: (job id, outcome); (None, "none") if no job."""
    pg = db.is_postgresql(engine)
    job_id: int | None = None
    try:
        with (engine if pg else db.writer(engine)).begin() as conn:
            job = person_deletion.lock_next(conn, skip_locked=pg)
            if job is None:
                return None, "none"
            job_id = job.id
            return job.id, person_deletion.step(conn, job, time.time(), lock_rows=pg)
    except Exception as exc:
        if job_id is None:
            raise
        raise StepFailed(job_id) from exc


def run_all(engine: Engine, timeout: float = 60.0) -> None:
    """Step every runnable job to its end (CLI and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run_step(engine)[1] == "none":
            return
    raise TimeoutError("person deletion jobs did not finish")


class PersonJobs:
    """The worker's handle on pending jobs; never raises into the digest loop."""

    def __init__(self, engine: Engine, *, max_pause: float = 30.0) -> None:
        self._engine = engine
        self._max_pause = max_pause  # longest back-off after failed steps
        self._active = False
        self._next_check = 0.0
        self._not_before = 0.0
        self._failures = 0

    def tick(self, *, idle: bool) -> bool:
        """Maybe advance a job; True when a job moved and more work may be left."""
        now = time.monotonic()
        if now < self._not_before or (not self._active and now < self._next_check):
            return False
        try:
            if not self._active:
                self._next_check = now + CHECK_SECONDS
                with self._engine.connect() as conn:
                    self._active = person_deletion.has_runnable(conn)
                if not self._active:
                    return False
            _, outcome = run_step(self._engine)
        except StepFailed as exc:
            self._failed(exc.job_id, exc.__cause__ or exc)
            return False
        except Exception:
            self._pause()
            _log.exception("could not look for person deletion jobs")
            return False
        self._failures = 0
        if outcome == "none":
            self._active = False
            return False
        if outcome == "waiting":
            self._not_before = now + WAITING_SECONDS
            return False
        if not idle:
            self._not_before = now + BUSY_STEP_SECONDS
        return True

    def _pause(self) -> float:
        self._failures += 1
        pause = min(0.5 * 2.0 ** min(self._failures, 10), self._max_pause)
        self._not_before = time.monotonic() + pause
        return pause

    def _failed(self, job_id: int, exc: BaseException) -> None:
        pause = self._pause()
        _log.error("person deletion job %s: step failed; retrying in %.1fs", job_id, pause,
                   exc_info=exc)
        try:
            with db.writer(self._engine).begin() as conn:
                if person_deletion.record_failure(conn, job_id, _message(exc), time.time()):
                    _log.error("person deletion job %s failed", job_id)
        except Exception:
            _log.exception("could not record the failed person deletion step")


def _message(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
