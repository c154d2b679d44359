#!/usr/bin/env python3
"""Time item-list filters and RQL on the query store (bench/query_store.py).

    python bench/query_bench.py                      # SQLite store in bench/out/query-store
    python bench/query_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/test
    python bench/query_bench.py --only items --requests 200

Starts `python -m tracehound serve` on the store (this checkout: PYTHONPATH wins), then:
* items: `GET /api/1/items/` per filter, warm-up then --requests sequential requests on
  one keep-alive connection → p50/p95/p99 ms, server CPU ms per request;
* rql: `tracehound.query.rql.execute` on a connection (when the module exists) and the
  job API end to end, create → poll every 50 ms → result (when the routes exist);
* plans: the SQL each of them ran, captured and explained (bench/query_explain.py).
Each phase reports the other processes' CPU on the machine (from /proc/stat).
Results: bench/out/query-BACKEND-STAMP.json; a line per measurement on stdout.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import query_explain  # noqa: E402
import query_store  # noqa: E402
from loadgen import CLK_TCK, cpu_machine, cpu_self, free_port, percentile  # noqa: E402

from tracehound.store.db import build_engine  # noqa: E402

OUT = query_store.OUT
# name → query string of GET /api/1/items/; `query=` words go through the search
# language once tracehound/query/search.py exists, else through the title filter.
ITEM_FILTERS = {
    "none": "",
    "status=active&level=error": "status=active&level=error",
    "environment=staging": "environment=staging",
    "plain word (query=invoice)": "query=invoice",
}
SEARCH_FILTERS = {
    "query=level:error last_seen:>now-24h": "level:error last_seen:>now-24h",
    "query=host:web-3": "host:web-3",
    "query=person.email:user42@example.com": "person.email:user42@example.com",
    "query=occurrences:>100": "occurrences:>100",
    "query=-status:resolved environment:production": "-status:resolved environment:production",
}
RQL = {
    "count by item.counter, 7 days": "SELECT count(*) FROM item_occurrence WHERE timestamp > "
    "unix_timestamp() - 604800 GROUP BY item.counter",
    "exception class, 24 hours": "SELECT body.trace.exception.class, count(*) FROM "
    "item_occurrence WHERE timestamp > unix_timestamp() - 86400 GROUP BY 1",
    "one item (item.counter = N)": "SELECT occurrence_id, timestamp, server.host FROM "
    "item_occurrence WHERE item.counter = {counter} LIMIT 100",
}


def has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


class Machine:
    """Wall time and CPU of the machine, the server process and this one over a phase."""

    def __init__(self, server_pid: int | None) -> None:
        self.pid = server_pid
        self.t0, self.busy0, self.self0, self.srv0 = 0.0, 0.0, 0.0, 0.0

    def _server_cpu(self) -> float:
        if self.pid is None:
            return 0.0
        total = 0.0
        for pid in [self.pid, *_children(self.pid)]:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        return total

    def start(self) -> Machine:
        self.t0, self.busy0 = time.monotonic(), cpu_machine()[0]
        self.self0, self.srv0 = cpu_self(), self._server_cpu()
        return self

    def stop(self) -> dict[str, float]:
        wall = time.monotonic() - self.t0
        busy = cpu_machine()[0] - self.busy0
        own, srv = cpu_self() - self.self0, self._server_cpu() - self.srv0
        return {"seconds": round(wall, 2), "server_cpu_s": round(srv, 2),
                "bench_cpu_s": round(own, 2),
                "other_processes_cpu_pct": round(100 * (busy - own - srv) / wall, 1)}


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


class Server:
    """`tracehound serve` on the store, digest worker included (it runs RQL jobs)."""

    def __init__(self, meta: dict[str, Any], log: Path, extra_env: dict[str, str]) -> None:
        self.port = free_port()
        url = meta["url"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEHOUND_")}
        env["TRACEHOUND_SYSTEM_RATE_LIMIT_PER_MINUTE"] = "0"
        env.update(extra_env)
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tracehound", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port), "--database-url", url],
                env=env, cwd=OUT, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"serve exited {self.proc.returncode}; see {log}")
            try:
                self.conn().request("GET", "/api/1/status/ping")
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"server did not listen within 60 s; see {log}")

    def conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def call(conn: http.client.HTTPConnection, method: str, path: str, token: str,
         body: Any = None) -> tuple[int, Any]:
    headers = {"X-Rollbar-Access-Token": token}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    raw = r.read()
    try:
        return r.status, json.loads(raw)
    except ValueError:
        return r.status, raw[:200].decode(errors="replace")


def latency_summary(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)
    return {"n": len(s), "p50_ms": round(percentile(s, 50), 1),
            "p95_ms": round(percentile(s, 95), 1), "p99_ms": round(percentile(s, 99), 1),
            "max_ms": round(s[-1], 1)}


def item_paths(search: bool) -> dict[str, str]:
    paths = {name: "/api/1/items/" + (f"?{qs}" if qs else "")
             for name, qs in ITEM_FILTERS.items()}
    if search:
        paths.update({name: "/api/1/items/?query=" + quote(q)
                      for name, q in SEARCH_FILTERS.items()})
    return paths


def bench_items(server: Server, token: str, paths: dict[str, str], n: int,
                warmup: int) -> dict[str, Any]:
    out = {}
    conn = server.conn()
    for name, path in paths.items():
        for _ in range(warmup):
            status, body = call(conn, "GET", path, token)
        if status != 200:
            out[name] = {"path": path, "status": status, "error": str(body)[:300]}
            print(f"  {name}: HTTP {status} {str(body)[:120]}", flush=True)
            continue
        meter, ms = Machine(server.proc.pid).start(), []
        for _ in range(n):
            t0 = time.perf_counter()
            status, body = call(conn, "GET", path, token)
            ms.append(1000 * (time.perf_counter() - t0))
        m = meter.stop()
        res = body["result"]
        out[name] = {"path": path, "total_count": res.get("total_count"),
                     "returned": len(res.get("items", [])), **latency_summary(ms), **m,
                     "server_cpu_ms_per_request": round(1000 * m["server_cpu_s"] / n, 2)}
        r = out[name]
        print(f"  {name:48} p50 {r['p50_ms']:7.1f}  p95 {r['p95_ms']:7.1f}  p99 "
              f"{r['p99_ms']:7.1f} ms  total {r['total_count']}  other CPU "
              f"{r['other_processes_cpu_pct']}%", flush=True)
    conn.close()
    return out


def bench_rql_direct(url: str, project_id: int, queries: dict[str, str],
                     repeat: int, plans: bool) -> dict[str, Any]:
    from tracehound.query.rql import execute  # type: ignore[import-not-found]

    engine = build_engine(url)
    out: dict[str, Any] = {}
    for name, q in queries.items():
        runs, rows = [], 0
        meter = Machine(None).start()
        for _ in range(repeat):
            with engine.connect() as conn:
                t0 = time.perf_counter()
                result = execute(conn, project_id, q, deadline=time.monotonic() + 600)
                runs.append(round(time.perf_counter() - t0, 3))
                rows = len(result.rows)
        out[name] = {"query": q, "run_seconds": runs, "rows": rows, **meter.stop()}
        if plans:
            def one(q: str = q) -> None:
                with engine.connect() as conn:
                    execute(conn, project_id, q, deadline=time.monotonic() + 600)
            out[name]["plans"] = query_explain.run_plans(engine, one)
        print(f"  direct {name:34} {runs} s, {rows} rows, other CPU "
              f"{out[name]['other_processes_cpu_pct']}%", flush=True)
    engine.dispose()
    return out


def bench_rql_jobs(server: Server, token: str, queries: dict[str, str],
                   repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    conn = server.conn()
    for name, q in queries.items():
        runs, last = [], {}
        meter = Machine(server.proc.pid).start()
        for _ in range(repeat):
            t0 = time.perf_counter()
            status, body = call(conn, "POST", "/api/1/rql/jobs", token,
                                {"query_string": q, "force_refresh": True})
            if status == 404:
                conn.close()
                return {"skipped": "no RQL job API on this server"}
            if status != 200:
                out[name] = {"query": q, "status": status, "error": str(body)[:300]}
                break
            job_id = body["result"]["id"]
            job = body["result"]
            while job["status"] in ("new", "running"):
                time.sleep(0.05)
                job = call(conn, "GET", f"/api/1/rql/job/{job_id}", token)[1]["result"]
            status, last = call(conn, "GET", f"/api/1/rql/job/{job_id}/result", token)
            runs.append(round(time.perf_counter() - t0, 3))
            if job["status"] != "success":
                out[name] = {"query": q, "job_status": job["status"], "result": last}
                break
        else:
            res = last.get("result", {}).get("result", {}) if isinstance(last, dict) else {}
            out[name] = {"query": q, "run_seconds": runs, "rowcount": res.get("rowcount"),
                         "errors": res.get("errors"), **meter.stop()}
        print(f"  jobs {name:36} {out[name]}"[:300], flush=True)
    conn.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", help="PostgreSQL URL (default: SQLite store)")
    ap.add_argument("--pg-schema", default="qbench")
    ap.add_argument("--data-dir", type=Path, default=OUT / "query-store")
    ap.add_argument("--items", type=int, default=query_store.Params.items)
    ap.add_argument("--occurrences", type=int, default=query_store.Params.occurrences)
    ap.add_argument("--upgrade-store", action="store_true",
                    help="migrate a store of an older schema head instead of regenerating")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--rql-repeat", type=int, default=3)
    ap.add_argument("--only", choices=("items", "rql", "plans"), action="append")
    ap.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra environment of the server, e.g. TRACEHOUND_RQL_POLL_SECONDS=0.1")
    a = ap.parse_args()
    only = set(a.only or ("items", "rql", "plans"))
    params = query_store.Params(items=a.items, occurrences=a.occurrences)
    meta = query_store.ensure(a.database_url, pg_schema=a.pg_schema, data_dir=a.data_dir,
                              params=params, upgrade=a.upgrade_store)
    token = meta["projects"]["main"]["access_tokens"]["read"]
    project_id = int(meta["projects"]["main"]["id"])
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backend = "postgresql" if a.database_url else "sqlite"
    search = has_module("tracehound.query.search")
    rql_direct = has_module("tracehound.query.rql")
    queries = dict(RQL)
    queries["one item (item.counter = N)"] = RQL["one item (item.counter = N)"].format(
        counter=_mid_counter(meta["url"], project_id))
    results: dict[str, Any] = {"backend": backend, "stamp": stamp, "store": {
        k: meta[k] for k in ("url", "params", "generate_seconds", "size_bytes")},
        "store_age_hours": round((time.time() - meta["now"]) / 3600, 2),
        "search_language": search, "rql_engine": rql_direct,
        "commit": _git("rev-parse", "--short", "HEAD")}
    extra_env = dict(kv.split("=", 1) for kv in a.server_env)
    results["server_env"] = extra_env
    server = Server(meta, OUT / f"query-server-{stamp}.log", extra_env)
    try:
        if "items" in only:
            print(f"items ({backend}, search language: {search})", flush=True)
            results["items"] = bench_items(server, token, item_paths(search), a.requests,
                                           a.warmup)
        if "rql" in only:
            results["rql_jobs"] = bench_rql_jobs(server, token, queries, a.rql_repeat)
    finally:
        server.stop()
    if "rql" in only and rql_direct:
        results["rql_direct"] = bench_rql_direct(meta["url"], project_id, queries,
                                                 a.rql_repeat, "plans" in only)
    if "plans" in only:
        results["item_plans"] = query_explain.list_items_plans(
            meta["url"], token, item_paths(search))
    path = OUT / f"query-{backend}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"results: {path}")


def _mid_counter(url: str, project_id: int) -> int:
    """A mid-popularity item: the 50th most frequent (a few thousand occurrences)."""
    from sqlalchemy import select

    from tracehound.store.tables import items

    engine = build_engine(url)
    with engine.connect() as conn:
        counter = conn.execute(select(items.c.counter).where(items.c.project_id == project_id)
                               .order_by(items.c.total_occurrences.desc())
                               .offset(49).limit(1)).scalar_one()
    engine.dispose()
    return int(counter)


def _git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(Path(__file__).parent), *args],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip()


if __name__ == "__main__":
    main()
