#!/usr/bin/env python3
"""Server time of the web UI's pages on a store with 100,000 items in one project.

    python bench/web_bench.py                        # SQLite store in bench/out/web-store
    python bench/web_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/web_bench.py --requests 100 --only items-default --plans

The store is bench/query_store.py's generator with --items 100000 (1,000,000
occurrences over 30 days, hourly counters, facets, people; its own data dir, or
PostgreSQL schema `wbench`; reused while fresh, built on first use). Starts `python -m
tracehound serve` on it (this checkout: PYTHONPATH wins), signs in as the store's first
user through /login, then for each page: --warmup requests, then --requests sequential
ones on one keep-alive connection. The figure is the page's **server time**, the
`Server-Timing: app;dur=` header the app sets on every HTML page (routing, session,
queries, template; tracehound/web/timing.py); the client's wall time is kept too.
--plans also captures each page's SQL in-process and explains it (query_explain.py).
Results: bench/out/web-BACKEND-STAMP.json and a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import query_explain  # noqa: E402
import query_store  # noqa: E402
from loadgen import percentile  # noqa: E402
from query_bench import Machine, Server, _git  # noqa: E402

from tracehound.store.db import build_engine  # noqa: E402

OUT = query_store.OUT
ITEMS = 100_000
EMAIL, PASSWORD = "qbench@example.com", "qbench-pass-1"  # query_store.generate's user
TARGET_MS = 150.0  # the items page, p95 server time (issue 6)


def pages(project_id: int, item_counter: int) -> dict[str, str]:
    """name → path of every page measured."""
    items = f"/projects/{project_id}/items"

    def q(**params: str) -> str:
        return items + "?" + urlencode(params)

    return {
        "projects": "/projects",
        "items-default": items,
        "items-sort-first-seen": q(sort="first_seen"),
        "items-sort-occurrences": q(sort="occurrences"),
        "items-status-any": q(status="any"),
        "items-status-resolved": q(status="resolved"),
        "items-level-warning": q(level="warning"),
        "items-search-word": q(q="invoice"),
        "items-search-host": q(q="host:web-3"),
        "items-search-recent-errors": q(q="level:error last_seen:>now-24h"),
        "items-page-1000": q(page="1000"),
        "items-status-any-page-1000": q(status="any", page="1000"),
        "items-chart-14d": q(chart="14d"),
        "item-page": f"{items}/{item_counter}",
        "item-page-30d": f"{items}/{item_counter}?chart=daily",
        "settings": f"/projects/{project_id}/settings",
        "snippets": f"/projects/{project_id}/settings/snippets",
    }


def sign_in(client: httpx.Client) -> None:
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf, form.text[:500]
    r = client.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                    "csrf": csrf.group(1), "next": "/projects"})
    if r.status_code != 303:
        raise SystemExit(f"sign-in failed: HTTP {r.status_code} {r.text[:300]}")


def server_ms(r: httpx.Response) -> float:
    found = re.fullmatch(r"app;dur=([\d.]+)", r.headers.get("server-timing", ""))
    if not found:
        raise SystemExit(f"{r.url}: no Server-Timing header (HTTP {r.status_code})")
    return float(found.group(1))


def summary(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)
    return {"n": len(s), "p50_ms": round(percentile(s, 50), 1),
            "p95_ms": round(percentile(s, 95), 1), "max_ms": round(s[-1], 1)}


def bench_pages(server: Server, paths: dict[str, str], n: int,
                warmup: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=600) as client:
        sign_in(client)
        for name, path in paths.items():
            first = client.get(path)
            if first.status_code != 200:
                out[name] = {"path": path, "status": first.status_code,
                             "skipped": "the page does not answer 200 on this server"}
                print(f"  {name:28} HTTP {first.status_code}: skipped", flush=True)
                continue
            for _ in range(warmup):
                client.get(path)
            meter, srv, wall = Machine(server.proc.pid).start(), [], []
            for _ in range(n):
                t0 = time.perf_counter()
                r = client.get(path)
                wall.append(1000 * (time.perf_counter() - t0))
                srv.append(server_ms(r))
            m = meter.stop()
            count = re.search(r'<p class="count">([\d,]+) item', r.text)
            out[name] = {"path": path, "server": summary(srv), "client": summary(wall),
                         "items_total": count.group(1) if count else None,
                         "bytes": len(r.content), **m,
                         "server_cpu_ms_per_request": round(1000 * m["server_cpu_s"] / n, 1)}
            s = out[name]["server"]
            print(f"  {name:28} server p50 {s['p50_ms']:6.1f}  p95 {s['p95_ms']:6.1f}  max "
                  f"{s['max_ms']:6.1f} ms  client p95 {out[name]['client']['p95_ms']:6.1f}"
                  f"  CPU {out[name]['server_cpu_ms_per_request']:5.1f} ms/req  other "
                  f"{m['other_processes_cpu_pct']}%", flush=True)
    return out


def page_plans(url: str, paths: dict[str, str]) -> dict[str, Any]:
    """name → [{sql, plan}] of each page, served in-process (no lifespan needed)."""
    from tracehound.app import create_app
    from tracehound.config import Settings

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(database_url=url, data_dir=tmp))
        engine = build_engine(url)

        async def run() -> None:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                form = await c.get("/login")
                csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
                assert csrf
                await c.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                             "csrf": csrf.group(1)})
                for name, path in paths.items():
                    with query_explain.capture() as seen:
                        r = await c.get(path)
                    out[name] = {"status": r.status_code, "statements": [
                        {"sql": query_explain._short(sql),
                         "plan": query_explain.explain(engine, sql, params)}
                        for sql, params in query_explain.interesting(seen)]}

        asyncio.run(run())
        engine.dispose()
    return out


def mid_counter(url: str, project_id: int) -> int:
    from query_bench import _mid_counter

    return _mid_counter(url, project_id)


def table(results: dict[str, Any]) -> str:
    lines = ["| page | items matching | server p50 | p95 | max | client p95 | other CPU |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in results["pages"].items():
        if "server" not in r:
            lines.append(f"| {name} | — | skipped (HTTP {r['status']}) | | | | |")
            continue
        s = r["server"]
        lines.append(f"| {name} | {r['items_total'] or '—'} | {s['p50_ms']} | {s['p95_ms']} "
                     f"| {s['max_ms']} | {r['client']['p95_ms']} "
                     f"| {r['other_processes_cpu_pct']}% |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", help="PostgreSQL URL (default: SQLite store)")
    ap.add_argument("--pg-schema", default="wbench")
    ap.add_argument("--data-dir", type=Path, default=OUT / "web-store")
    ap.add_argument("--items", type=int, default=ITEMS)
    ap.add_argument("--occurrences", type=int, default=query_store.Params.occurrences)
    ap.add_argument("--upgrade-store", action="store_true",
                    help="migrate a store of an older schema head instead of regenerating")
    ap.add_argument("--max-age-hours", type=float, default=24.0)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--only", action="append", help="page name (repeatable)")
    ap.add_argument("--plans", action="store_true", help="explain each page's SQL too")
    ap.add_argument("--drop-store", action="store_true",
                    help="afterwards delete the store (PostgreSQL: drop its schema)")
    a = ap.parse_args()
    params = query_store.Params(items=a.items, occurrences=a.occurrences)
    meta = query_store.ensure(a.database_url, pg_schema=a.pg_schema, data_dir=a.data_dir,
                              params=params, upgrade=a.upgrade_store,
                              max_age_hours=a.max_age_hours)
    project_id = int(meta["projects"]["main"]["id"])
    paths = pages(project_id, mid_counter(meta["url"], project_id))
    if a.only:
        paths = {k: v for k, v in paths.items() if k in a.only}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backend = "postgresql" if a.database_url else "sqlite"
    results: dict[str, Any] = {
        "backend": backend, "stamp": stamp, "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "store": {k: meta[k] for k in ("url", "params", "generate_seconds", "size_bytes")},
        "store_age_hours": round((time.time() - meta["now"]) / 3600, 2),
        "requests": a.requests, "warmup": a.warmup}
    server = Server(meta, OUT / f"web-server-{stamp}.log", {})
    try:
        print(f"pages ({backend}, {a.requests} requests each after {a.warmup} warm-up)",
              flush=True)
        results["pages"] = bench_pages(server, paths, a.requests, a.warmup)
    finally:
        server.stop()
    if a.plans:
        results["plans"] = page_plans(meta["url"], paths)
    path = OUT / f"web-{backend}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2))
    print(table(results))
    default = results["pages"].get("items-default", {}).get("server", {})
    if default:
        verdict = "met" if default["p95_ms"] < TARGET_MS else "MISSED"
        print(f"items page p95 {default['p95_ms']} ms: target {TARGET_MS:.0f} ms {verdict}")
    print(f"results: {path}")
    if a.drop_store:
        query_store.Target(a.database_url, a.pg_schema, a.data_dir).drop()
        print("store dropped")


if __name__ == "__main__":
    main()
