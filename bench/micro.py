#!/usr/bin/env python3
"""CPU per event of each ingest and digest step, in one process, no HTTP.

    python bench/micro.py [--events 6000] [--batch 200]
    PYTHONPATH=/path/to/scratch/checkout python bench/micro.py   # try a change

Measured with process CPU time, so it is far less sensitive to other load on the machine
than the HTTP bench (bench/loadgen.py), which it complements: the difference between
the HTTP figures and these is the web stack (uvicorn, Starlette/FastAPI) and threads.
Steps: decode JSON → translate → encode (the edge), the group-commit INSERT, and the
digest (prepare, apply with the queue delete) on a temporary SQLite database.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from payloads import build_corpus  # noqa: E402


class GcClock:
    """Time spent in the cyclic garbage collector, via gc.callbacks."""

    def __init__(self) -> None:
        self.total = 0.0
        self.collections = [0, 0, 0]
        self._t0 = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._t0 = time.process_time()
        else:
            self.total += time.process_time() - self._t0
            self.collections[info["generation"]] += 1


def timed(fn: Callable[[], Any], clock: GcClock) -> tuple[float, float, Any]:
    gc0 = clock.total
    t0 = time.process_time()
    out = fn()
    return time.process_time() - t0, clock.total - gc0, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=6000)
    p.add_argument("--batch", type=int, default=200, help="digest batch size")
    p.add_argument("--commit-batch", type=int, default=32, help="events per queue commit")
    args = p.parse_args()

    from sqlalchemy import insert

    import tracehound
    from tracehound.ingest import digest, queue
    from tracehound.ingest.facets import FacetCache
    from tracehound.model.event import encode
    from tracehound.protocols.rollbar.translate import translate
    from tracehound.store import db, migrate, projects
    from tracehound.store.tables import ingest_queue

    clock = GcClock()
    gc.callbacks.append(clock)
    tmp = Path(tempfile.mkdtemp(prefix="tracehound-micro-"))
    engine = db.build_engine(f"sqlite:///{tmp / 'micro.sqlite3'}")
    migrate.upgrade(engine)
    with engine.begin() as conn:
        account = projects.create_account(conn, "bench")
        project, _ = projects.create_project(conn, account, "bench")
    corpus = build_corpus("127.0.0.1:1", "0" * 32)
    n = args.events
    bodies = [b.head.split(b"\r\n\r\n", 1)[1] + str(uuid.uuid4()).encode() + b.tail
              for b in (corpus[i % len(corpus)] for i in range(n))]
    res: dict[str, Any] = {"tracehound": tracehound.__file__, "events": n,
                           "json_bytes_mean": round(sum(map(len, bodies)) / n)}

    def per_event(name: str, cpu: float, gc_s: float) -> None:
        res[name] = {"us_per_event": round(cpu / n * 1e6, 1),
                     "of_which_gc_us": round(gc_s / n * 1e6, 1)}

    # the edge, as the request handler does it (one event at a time, nothing kept
    # beyond what the in-flight requests hold)
    def edge() -> list[bytes]:
        blobs = []
        for body in bodies:
            event = translate(orjson.loads(body), project_id=project.id,
                              received_at=time.time(), remote_ip="127.0.0.1")
            blobs.append(encode(event))
        return blobs

    cpu, gcs, blobs = timed(edge, clock)
    per_event("edge: json decode + translate + encode", cpu, gcs)
    res["queue_blob_bytes_mean"] = round(sum(map(len, blobs)) / n)

    def enqueue() -> None:
        w = db.writer(engine)
        now = time.time()
        for i in range(0, n, args.commit_batch):
            with w.begin() as conn:
                conn.execute(insert(ingest_queue), [
                    {"project_id": project.id, "received_at": now, "event": b}
                    for b in blobs[i:i + args.commit_batch]])

    cpu, gcs, _ = timed(enqueue, clock)
    per_event(f"queue: insert + commit ({args.commit_batch} a commit)", cpu, gcs)

    facet_cache = FacetCache()  # as the worker keeps one
    prepare_cpu = apply_cpu = claim_cpu = 0.0
    prepare_gc = apply_gc = claim_gc = 0.0
    digested = 0
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        c, g, claimed = timed(lambda: _claim(engine, queue, args.batch), clock)
        claim_cpu, claim_gc = claim_cpu + c, claim_gc + g
        if not claimed:
            break
        c, g, prepared = timed(lambda claimed=claimed: [digest.prepare(b) for _, b in claimed],
                               clock)
        prepare_cpu, prepare_gc = prepare_cpu + c, prepare_gc + g

        def write(prepared: list[Any] = prepared, claimed: list[Any] = claimed) -> None:
            with db.writer(engine).begin() as conn:
                result = digest.apply(conn, prepared, facet_cache)
                queue.remove(conn, [qid for qid, _ in claimed])
            facet_cache.remember(result.facets)

        c, g, _ = timed(write, clock)
        apply_cpu, apply_gc = apply_cpu + c, apply_gc + g
        digested += len(claimed)
    assert digested == n, (digested, n)
    per_event("digest: claim (read the queue)", claim_cpu, claim_gc)
    per_event("digest: prepare (decode, normalize, fingerprint, title, compress)",
              prepare_cpu, prepare_gc)
    per_event("digest: apply (items, occurrences, counters, people, facets) + queue delete",
              apply_cpu, apply_gc)
    total = sum(v["us_per_event"] for k, v in res.items() if isinstance(v, dict))
    res["total_us_per_event"] = round(total, 1)
    res["gc_collections"] = clock.collections
    engine.dispose()
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    width = max(len(k) for k in res)
    for k, v in res.items():
        if isinstance(v, dict):
            print(f"{k:<{width}}  {v['us_per_event']:8.1f} µs/event "
                  f"(GC {v['of_which_gc_us']:.1f})")
        else:
            print(f"{k:<{width}}  {v}")
    print(json.dumps(res))


def _claim(engine: Any, queue: Any, limit: int) -> list[tuple[int, bytes]]:
    with engine.connect() as conn:
        claimed: list[tuple[int, bytes]] = queue.claim(conn, limit)
        conn.rollback()
    return claimed


if __name__ == "__main__":
    main()
