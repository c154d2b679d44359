"""RQL jobs when the process running them dies: `tracehound serve` runs its digest and
RQL runner in a child `tracehound worker` (the default). kill -9 of that child while a
query runs must not leave the job `running` forever: the restarted worker fails it
once its heartbeat is stale, and runs the next jobs. A worker stopped gracefully
(SIGTERM) hands its running job back to the queue instead, and the job runs again."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.procs import Procs, cli_json, free_port
from tests.protocols.rollbar.rql_support import BIG, COUNT, SLOW, clone_occurrences
from tracehound.store.db import build_engine

pytestmark = pytest.mark.slow


def _worker_children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(stat[1]) == parent and stat[0] != "Z" and b"worker" in cmdline:
            found.append(int(entry.name))
    return found


def _one_child(parent: int, other_than: int | None = None, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = [k for k in _worker_children(parent) if k != other_than]
        if len(kids) == 1:
            return kids[0]
        time.sleep(0.05)
    raise AssertionError(f"no single worker child of {parent}")


def test_a_killed_runner_does_not_leave_its_job_running(db_url: str, tmp_path: Path) -> None:
    db_args = (["--data-dir", str(tmp_path)] if db_url.startswith("sqlite")
               else ["--database-url", db_url])
    cli_json(["init", "--email", "rql@example.com", "--password", "a long password",
              *db_args])
    made = cli_json(["project", "create", "rql", "--json", *db_args])
    token, post = made["access_tokens"]["read"], made["access_tokens"]["post_server_item"]
    env = {"TRACEHOUND_RQL_STALE_SECONDS": "2", "TRACEHOUND_RQL_POLL_SECONDS": "0.2"}
    with Procs(tmp_path / "logs", env=env) as procs, \
            httpx.Client(timeout=10, headers={"X-Rollbar-Access-Token": token}) as http:
        serve = procs.serve("serve", free_port(), db_args)
        url = serve.url

        def create(query: str) -> int:
            r = http.post(f"{url}/api/1/rql/jobs", json={"query_string": query,
                                                         "force_refresh": True})
            assert r.status_code == 200, r.text
            return int(r.json()["result"]["id"])

        def wait(job_id: int, *statuses: str, timeout: float = 30) -> dict[str, object]:
            deadline = time.monotonic() + timeout
            while True:
                job = http.get(f"{url}/api/1/rql/job/{job_id}", params={"expand": "result"})
                result: dict[str, object] = job.json()["result"]
                if result["status"] in statuses:
                    return result
                if time.monotonic() > deadline:
                    raise AssertionError(f"job {job_id} is {result['status']}:\n"
                                         f"{procs.logs()}")
                time.sleep(0.1)

        try:
            r = http.post(f"{url}/api/1/item/", headers={"X-Rollbar-Access-Token": post},
                          json={"data": {"environment": "production",
                                         "body": {"message": {"body": "boom"}}}})
            assert r.status_code == 200, r.text
            engine = build_engine(db_url)
            deadline = time.monotonic() + 30
            while True:
                with engine.connect() as conn:
                    if conn.exec_driver_sql("SELECT count(*) FROM occurrences").scalar():
                        break
                assert time.monotonic() < deadline, "the occurrence was not digested"
                time.sleep(0.1)
            clone_occurrences(engine, made["id"], BIG)  # SLOW now runs for seconds
            engine.dispose()
            child = _one_child(serve.pid)
            slow = create(SLOW)
            wait(slow, "running")  # run by the child process's runner, found by polling
            os.kill(child, signal.SIGKILL)
            t0 = time.monotonic()
            failed = wait(slow, "failed", "success", "cancelled", "timed_out")
            assert failed["status"] == "failed", failed
            assert "stopped responding" in str(failed["result"]), failed
            assert time.monotonic() - t0 < 20
            child = _one_child(serve.pid, other_than=child)
            assert wait(create(COUNT), "success", "failed")["status"] == "success"

            again = create(SLOW)
            wait(again, "running")
            os.kill(child, signal.SIGTERM)  # graceful: the job goes back to the queue
            _one_child(serve.pid, other_than=child)
            time.sleep(4)  # longer than rql_stale_seconds: a stuck job would be failed
            # run again by the new worker: still running, or done
            assert wait(again, "running", "success")["status"] in ("running", "success")
            r = http.post(f"{url}/api/1/rql/job/{again}/cancel")
            assert r.status_code in (200, 409), r.text
        except BaseException:
            print(procs.logs())
            raise
