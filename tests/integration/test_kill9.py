"""kill -9 the real server mid-load: every acknowledged event is stored exactly once.

`tracehound serve` runs as a subprocess on one data directory (SQLite) or one
PostgreSQL schema. Six client threads post ~20 distinct errors, each event under its
own uuid, and retry whatever was not acknowledged, as an SDK does. The server is
SIGKILLed three times at different moments and restarted on the same database:

1. mid-load, with the in-process digest running;
2. mid-load again, on a `--no-worker` restart, so the queue holds a backlog;
3. right after a restart with the digest on, while it works through that backlog.

After the last restart the queue drains and the store must hold every acknowledged
uuid exactly once (events whose ack was lost in a kill were resent, so they sit in
the queue twice), with consistent item counters, one item per fingerprint, and the
read API agreeing.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from tests.integration.procs import (
    Load,
    Procs,
    check_read_api,
    check_store,
    cli_json,
    error_kinds,
    free_port,
    queue_depth,
    rollbar_events,
    wait_drained,
)
from tracehound.store.db import build_engine

pytestmark = pytest.mark.slow

EVENTS = 2400
KINDS = error_kinds(20)


def test_kill9_mid_load_loses_no_acknowledged_event(
        db_url: str, tmp_path: Path) -> None:
    if db_url.startswith("sqlite"):
        db_args = ["--data-dir", str(tmp_path)]  # db_url is tmp_path/tracehound.sqlite3
    else:
        db_args = ["--database-url", db_url]
    cli_json(["init", "--email", "kill9@example.com", "--password", "a long password",
              *db_args])
    project = cli_json(["project", "create", "kill9", "--json", *db_args])
    tokens = project["access_tokens"]
    events = rollbar_events(EVENTS, KINDS)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    timeline: list[str] = []

    def note(what: str) -> None:
        timeline.append(f"{time.monotonic() - t0:6.2f}s {what}")

    # small digest batches: more transactions, so a kill lands inside one more often
    with Procs(tmp_path / "logs", env={"TRACEHOUND_DIGEST_BATCH_SIZE": "50"}) as procs:
        load = Load(lambda: [url], tokens["post_server_item"], events, threads=6,
                    deadline_s=50)
        try:
            server = procs.serve("serve-1", port, db_args)
            note("serve-1 up")
            load.start()

            load.wait_acked(EVENTS // 4, 20)
            note(f"kill -9 serve-1 mid-load: {load.acked_count} acked, "
                 f"queue {queue_depth(url)}")
            server.kill9()

            server = procs.serve("serve-2", port, db_args, "--no-worker")
            note(f"serve-2 (--no-worker) up: {load.acked_count} acked")
            load.wait_acked(EVENTS * 3 // 4, 25)
            note(f"kill -9 serve-2 mid-load: {load.acked_count} acked, "
                 f"queue {queue_depth(url)}")
            server.kill9()

            server = procs.serve("serve-3", port, db_args)
            backlog = queue_depth(url)
            note(f"kill -9 serve-3 while digesting the backlog: queue {backlog}")
            server.kill9()
            assert backlog, "the backlog was gone before the third kill: raise EVENTS"

            server = procs.serve("serve-4", port, db_args)
            note(f"serve-4 up: {load.acked_count} acked")
            assert load.join(45), "the load did not finish in time"
            note(f"load done: {load.acked_count} acked, {load.retries} retries, "
                 f"queue {queue_depth(url)}")
            wait_drained(url, 30)
            note("queue drained")

            assert not load.failures, load.failures[:10]
            assert set(load.acked) == {uid for uid, _, _ in events}, \
                "some events were never acknowledged"
            engine = build_engine(db_url)
            try:
                report = check_store(engine, project["id"], set(load.acked),
                                     expected_items=len(KINDS))
            finally:
                engine.dispose()
            sample = random.Random(9).sample(sorted(load.acked), 40)
            check_read_api(url, tokens["read"], report, sample)
            note(f"verified {report.occurrences} occurrences in {report.items} items")
            server.stop()
        except BaseException:
            load.stop()
            print("\n".join(timeline))
            print(procs.logs())
            raise
        finally:
            load.stop()
    print("\n".join(timeline))
