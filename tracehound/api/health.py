"""Liveness and readiness: is the process up, can it reach the database, queue depth,
and how many events the digest set aside (dead letters, docs/dead-letters.md)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from tracehound.ingest import queue
from tracehound.services import Services
from tracehound.store import dead_letters


def router(services: Services) -> APIRouter:
    r = APIRouter(tags=["health"])

    @r.get("/health", summary="Liveness, ingest queue depth and dead letters")
    async def health() -> JSONResponse:
        def read() -> tuple[int, int]:
            with services.engine.connect() as conn:
                return queue.depth(conn), dead_letters.count(conn)
        try:
            depth, dead = await run_in_threadpool(read)
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)[:200]}, 503)
        # dead letters do not make the status "unavailable": the process is fine, and a
        # restart would not help (an operator requeues or purges them)
        return JSONResponse({"status": "ok", "queue_depth": depth, "dead_letters": dead,
                             "dropped_items": services.stats.snapshot()})

    return r
