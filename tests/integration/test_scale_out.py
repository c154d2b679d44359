"""Scale-out on PostgreSQL: two `serve --no-worker` API processes and two `worker`
processes on one database, under concurrent load split across both APIs.

3,000 events over 200 fingerprints (100 errors × 2 environments), every 10th one
posted a second time under the same uuid to the other API process (an SDK retry
whose first ack was lost). Once the queue drains, the store must be exact: one
occurrence per distinct acknowledged uuid, item totals and hourly counts equal to
the rows, one item per (project, environment, fingerprint), counters 1..N. While the
load runs, pg_stat_activity is sampled to see that both workers took batches.

A second test gives both workers, started together, a backlog in which every
batch's events come back, resent in reverse order, in the batch the other worker
takes at the same time: the workers race on the same uuids in opposite orders,
and must neither store one twice nor deadlock.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from tests.integration.procs import (
    Load,
    Procs,
    check_read_api,
    check_store,
    cli_json,
    error_kinds,
    free_port,
    log_excerpt,
    queue_depth,
    rollbar_events,
    short_lines,
    wait_drained,
    wait_worker,
)
from tracehound.model.event import encode
from tracehound.protocols.rollbar.translate import translate
from tracehound.store.db import build_engine
from tracehound.store.tables import ingest_queue

PG_URL = os.environ.get("TRACEHOUND_TEST_DATABASE_URL", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="scale-out needs PostgreSQL: set "
                       "TRACEHOUND_TEST_DATABASE_URL=postgresql+psycopg://user@host/db"),
]

EVENTS = 3000
KINDS = error_kinds(100)
ENVIRONMENTS = ("production", "staging")
RESEND_EVERY = 10


def _named(db_url: str, name: str) -> str:
    """The URL with an application_name, so pg_stat_activity tells processes apart."""
    return make_url(db_url).update_query_dict({"application_name": name}) \
        .render_as_string(hide_password=False)


class ActivitySampler:
    """Distinct transactions (backend_xid) seen per worker in pg_stat_activity: a
    worker holding an xid has claimed queue rows (FOR UPDATE) or written."""

    def __init__(self, db_url: str, names: tuple[str, ...]) -> None:
        self.engine = build_engine(db_url)
        self.names = names
        self.xids: dict[str, set[str]] = {n: set() for n in names}
        self.samples = 0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.engine.dispose()

    def _run(self) -> None:
        query = text("SELECT application_name, backend_xid::text AS xid FROM pg_stat_activity "
                     "WHERE application_name = ANY(:names) AND backend_xid IS NOT NULL")
        deadline = time.monotonic() + 120
        try:
            with self.engine.connect() as conn:
                while not self._stop.is_set() and time.monotonic() < deadline:
                    for r in conn.execute(query, {"names": list(self.names)}):
                        self.xids[r.application_name].add(r.xid)
                    conn.rollback()
                    self.samples += 1
                    self._stop.wait(0.005)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_apis_two_workers_store_every_event_exactly_once(
        db_url: str, tmp_path: Path) -> None:
    project = cli_json(["project", "create", "scale", "--json", "--database-url", db_url])
    tokens = project["access_tokens"]
    events = rollbar_events(EVENTS, KINDS, ENVIRONMENTS)
    t0 = time.monotonic()
    timeline: list[str] = []

    def note(what: str) -> None:
        timeline.append(f"{time.monotonic() - t0:6.2f}s {what}")

    workers = ("th-worker-1", "th-worker-2")
    with Procs(tmp_path / "logs") as procs:
        sampler = ActivitySampler(db_url, workers)
        load: Load | None = None
        try:
            apis = [procs.serve(f"api-{i}", free_port(),
                                ["--database-url", _named(db_url, f"th-api-{i}")],
                                "--no-worker") for i in (1, 2)]
            urls = [a.url for a in apis if a.url]
            note("2 API processes up")
            load = Load(lambda: urls, tokens["post_server_item"], events, threads=8,
                        deadline_s=50, resend_every=RESEND_EVERY, resend_batch=3).start()
            # the workers start late, so that they first work through a backlog in
            # full, concurrent batches (with both copies of resent events in them)
            load.wait_acked(EVENTS // 2, 30)
            sampler.start()
            started = [procs.worker(name, ["--database-url", _named(db_url, name)],
                                    wait=False) for name in workers]
            for w in started:
                wait_worker(w)
            note(f"2 worker processes up: {load.acked_count} acked, "
                 f"queue {queue_depth(urls[0])}")
            assert load.join(50), "the load did not finish in time"
            note(f"load done: {len(load.acked)} uuids acked, "
                 f"{sum(load.acked.values())} acks, queue {queue_depth(urls[0])}")
            wait_drained(urls[0], 30)
            note("queue drained")
            sampler.stop()

            assert not load.failures, load.failures[:10]
            assert load.transport_errors == 0
            acked = set(load.acked)
            assert acked == {uid for uid, _, _ in events}
            resent = sum(1 for n in load.acked.values() if n > 1)
            assert resent == len(range(0, EVENTS, RESEND_EVERY))
            assert all(load.per_url[u] > EVENTS // 4 for u in urls), load.per_url
            for p in procs.started:
                assert p.alive(), f"{p.name} died:\n{p.log()}"

            engine = build_engine(db_url)
            try:
                report = check_store(engine, project["id"], acked,
                                     expected_items=len(KINDS) * len(ENVIRONMENTS))
            finally:
                engine.dispose()
            sample = random.Random(2).sample(sorted(acked), 30)
            for url in urls:
                check_read_api(url, tokens["read"], report, sample)

            assert sampler.error is None, repr(sampler.error)
            seen = {n: len(x) for n, x in sampler.xids.items()}
            note(f"digest transactions seen per worker ({sampler.samples} samples): {seen}")
            # each worker's own count, logged when it stops (sampling pg_stat_activity
            # can miss a loaded worker's short transactions)
            batches = {}
            for w in started:
                w.stop()
                found = re.search(r"digest worker stopped: (\d+) batches", w.log())
                assert found, f"{w.name} did not log its totals:\n{w.log()}"
                batches[w.name] = int(found.group(1))
            note(f"batches per worker: {batches}")
            assert all(batches.values()), f"a worker never took a batch: {batches}"
            errors = [p.name for p in procs.started if "Traceback" in p.log()]
            note(f"processes that logged a traceback: {errors or 'none'}")
            deadlocked = [p.name for p in procs.started if "deadlock detected" in p.log()]
            assert not deadlocked, (
                f"{deadlocked} deadlocked (see test_workers_racing_on_resent_uuids_...):\n"
                + "\n".join(log_excerpt(p.log(), "DETAIL", "Process ", "CONTEXT")
                             for p in procs.started))
            assert not errors, "\n".join(short_lines(p.log())[-3000:] for p in procs.started
                                         if p.name in errors)
            for p in procs.started:
                p.stop()
        except BaseException:
            print("\n".join(timeline))
            print(procs.logs())
            raise
        finally:
            if load is not None:
                load.stop()
            sampler.stop()
    print("\n".join(timeline))


BATCH = 100  # the workers' digest batch size (TRACEHOUND_DIGEST_BATCH_SIZE)
PAIRS = 60


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_workers_racing_on_resent_uuids_store_once_without_deadlock(
        db_url: str, tmp_path: Path) -> None:
    """The backlog is PAIRS × (BATCH events, then the same BATCH events again in
    reverse order), written to ingest_queue exactly as the API would (Rollbar
    payload → translate → encode). HTTP cannot place the copies at batch boundaries,
    hence the direct insert; the workers are the real `tracehound worker` processes.
    With queue ids starting at 1, two workers starting together claim the two halves
    of a pair at the same time, and insert the same uuids in opposite orders."""
    project = cli_json(["project", "create", "race", "--json", "--database-url", db_url])
    events = rollbar_events(BATCH * PAIRS, error_kinds(50))
    now = time.time()
    rows = []
    for start in range(0, len(events), BATCH):
        block = [translate(payload, project_id=project["id"], received_at=now + i / 1000)
                 for i, (_, _, payload) in enumerate(events[start:start + BATCH])]
        for event in block + block[::-1]:
            rows.append({"project_id": project["id"], "received_at": event.received_at,
                         "event": encode(event)})
    engine = build_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(ingest_queue), rows)
        with Procs(tmp_path / "logs", env={"TRACEHOUND_DIGEST_BATCH_SIZE": str(BATCH)}) \
                as procs:
            try:
                workers = [procs.worker(f"worker-{i}", ["--database-url", db_url], wait=False)
                           for i in (1, 2)]
                for w in workers:
                    wait_worker(w)
                t0 = time.monotonic()
                deadline = t0 + 40
                depth = len(rows)
                while depth and time.monotonic() < deadline:
                    time.sleep(0.05)
                    with engine.connect() as conn:
                        depth = conn.execute(text("SELECT count(*) FROM ingest_queue")) \
                            .scalar_one()
                drained = time.monotonic() - t0
                assert depth == 0, f"{depth} events still queued after {drained:.1f}s"
                deadlocks = {w.name: w.log().count("DeadlockDetected) deadlock detected")
                             for w in workers}
                print(f"{len(rows)} queued rows drained by 2 workers in {drained:.2f}s; "
                      f"deadlocks: {deadlocks}")
                check_store(engine, project["id"], {uid for uid, _, _ in events},
                            expected_items=50)
                assert not any(deadlocks.values()), (
                    f"workers deadlocked on each other {deadlocks} (occurrences inserted "
                    "in queue order, not in a stable lock order):\n"
                    + "\n".join(log_excerpt(w.log(), "DETAIL", "Process ", "CONTEXT",
                                             "tracehound/", "digest batch failed")
                                 for w in workers))
                for w in workers:
                    assert w.alive() and "Traceback" not in w.log(), short_lines(w.log())
                    w.stop()
            except BaseException:
                print(procs.logs())
                raise
    finally:
        engine.dispose()
