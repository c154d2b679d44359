"""The digest worker as a child process of `serve`, supervised from a thread.

One Python process has one GIL: with the digest in a thread, ingest and digest share a
single core and the queue grows under load (bench/RESULTS.md). A child `tracehound
worker` gets the second core. It exits by itself when its parent disappears (even a
kill -9, via --parent-pid), and is restarted here if it dies while serve runs.

The child's stdin is a pipe from serve: `wake_rql()` writes a byte to it, and the
child's RQL runner, reading it in a thread (`worker --wake-rql-on-stdin`), looks for
new or cancelled jobs at once instead of at its next rql_poll_seconds poll.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from tracehound import log
from tracehound.config import Settings

_log = log.get("worker")


class ChildWorker:
    """start()/stop()/notify() like ingest.worker.Worker, backed by a subprocess."""

    def __init__(self, settings: Settings) -> None:
        self._argv = [sys.executable, "-m", "tracehound", "worker",
                      "--database-url", settings.resolved_database_url,
                      "--parent-pid", str(os.getpid()), "--wake-rql-on-stdin"]
        self._env = {**os.environ, **settings.as_env()}
        self._proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.restarts = 0

    def notify(self) -> None:
        """The child polls the queue on its own (worker_poll_seconds)."""

    def wake_rql(self) -> None:
        """Wake the child's RQL runner (a job was created or cancelled). Never blocks:
        a full pipe already holds a wake-up, a dead child's is replaced on restart."""
        proc = self._proc
        if proc is None or proc.stdin is None:
            return
        try:
            os.write(proc.stdin.fileno(), b"\0")
        except (OSError, ValueError):  # full (EAGAIN), child gone (EPIPE), closed
            pass

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        self._spawn()
        self._thread = threading.Thread(target=self._supervise, name="tracehound-child",
                                        daemon=True)
        self._thread.start()

    def _spawn(self) -> None:
        old = self._proc
        proc = subprocess.Popen(self._argv, env=self._env, stdin=subprocess.PIPE)
        assert proc.stdin is not None
        os.set_blocking(proc.stdin.fileno(), False)
        self._proc = proc
        if old is not None and old.stdin is not None:
            old.stdin.close()

    def _supervise(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            proc = self._proc
            assert proc is not None
            code = proc.wait()
            if self._stop.is_set():
                return
            _log.error("digest worker process exited with %s; restarting in %.1fs",
                       code, backoff)
            if self._stop.wait(backoff):
                return
            backoff = min(backoff * 2, 30.0)
            self.restarts += 1
            self._spawn()

    def stop(self) -> None:
        """SIGTERM: the child finishes its batch (a transaction) and exits."""
        self._stop.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc is not None and proc.stdin is not None:
            proc.stdin.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None
