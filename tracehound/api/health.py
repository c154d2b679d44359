"""Liveness and readiness: is the process up, can it reach the database, queue depth."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from tracehound.ingest import queue
from tracehound.services import Services


def router(services: Services) -> APIRouter:
    r = APIRouter(tags=["health"])

    @r.get("/health", summary="Liveness and ingest queue depth")
    async def health() -> JSONResponse:
        def read() -> int:
            with services.engine.connect() as conn:
                return queue.depth(conn)
        try:
            depth = await run_in_threadpool(read)
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)[:200]}, 503)
        return JSONResponse({"status": "ok", "queue_depth": depth,
                             "dropped_items": services.stats.snapshot()})

    return r
