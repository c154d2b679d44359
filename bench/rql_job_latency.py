"""Latency of an RQL job from POST to `success`, as a polling client sees it: serve with
a thread worker (the runner is woken by the API) and with the default child worker
process (its runner polls every rql_poll_seconds).

    PYTHONPATH=. python bench/rql_job_latency.py
"""

from __future__ import annotations

import statistics
import tempfile
import time

from tests.protocols.rollbar.rql_support import COUNT, create, get, post_messages
from tests.support import make_project, start_server
from tracehound.config import Settings
from tracehound.store import migrate
from tracehound.store.db import build_engine

JOBS = 20


def run(worker_process: bool) -> list[float]:
    data_dir = tempfile.mkdtemp()
    url = f"sqlite:///{data_dir}/tracehound.sqlite3"
    engine = build_engine(url)
    migrate.upgrade(engine)
    project = make_project(engine, "app")
    out = []
    settings = Settings(database_url=url, data_dir=data_dir, worker_process=worker_process,
                        log_level="warning")
    with start_server(settings) as server:
        post_messages(server, project, 10)
        for _ in range(JOBS):
            t0 = time.monotonic()
            job = create(server, project.read, COUNT, force_refresh=True)
            while get(server, project.read, job["id"])["status"] != "success":
                time.sleep(0.005)
            out.append((time.monotonic() - t0) * 1000)
    return out


if __name__ == "__main__":
    for mode in (False, True):
        ms = run(mode)
        print(f"worker_process={mode}: median {statistics.median(ms):.0f} ms, "
              f"max {max(ms):.0f} ms over {len(ms)} jobs")
