"""create_app(settings): the ASGI app with every adapter mounted.

The lifespan starts the group-commit writer and (unless disabled) the digest worker
and, when the digest is a thread here, the RQL job runner; it stops them in order on
shutdown so queued requests are written before exit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tracehound import __version__, gc_policy, log
from tracehound.api import health
from tracehound.auth.ratelimit import build_limiter
from tracehound.auth.tokens import TokenCache
from tracehound.config import Settings
from tracehound.ingest.child import ChildWorker
from tracehound.ingest.queue import GroupCommitter
from tracehound.ingest.worker import Worker
from tracehound.jobs.rql_jobs import RqlRunner
from tracehound.protocols import ADAPTERS
from tracehound.protocols.base import FastRoutes, IngestFastPath
from tracehound.services import Services
from tracehound.store import migrate
from tracehound.store.db import (
    AUTOCHECKPOINT_PAGES,
    INGEST_AUTOCHECKPOINT_PAGES,
    build_engine,
    is_sqlite,
)
from tracehound.web import app as web


def create_app(settings: Settings) -> FastAPI:
    # Unless the digest is a thread of this process, another process digests and
    # checkpoints the WAL: a checkpoint here would run inside an enqueue commit, that
    # is, on the acknowledgement path (SQLite; no effect on PostgreSQL).
    in_process_digest = settings.worker and not settings.worker_process
    engine = build_engine(settings.resolved_database_url, sqlite_autocheckpoint=(
        AUTOCHECKPOINT_PAGES if in_process_digest else INGEST_AUTOCHECKPOINT_PAGES))
    worker: Worker | ChildWorker | None = None
    if settings.worker and settings.worker_process:
        worker = ChildWorker(settings)
    elif settings.worker:
        worker = Worker(engine, batch_size=settings.digest_batch_size,
                        poll_seconds=settings.worker_poll_seconds,
                        linger_seconds=settings.digest_linger_seconds)
    # RQL jobs run next to the digest: here when it is a thread, else in the worker process
    rql_runner = RqlRunner(engine, settings) \
        if settings.worker and not settings.worker_process else None
    # SQLite: the enqueue thread has its own connection, which waits for the write lock
    # by polling every millisecond rather than by SQLite's growing sleeps (the
    # acknowledgement latency's tail, bench/RESULTS.md)
    sqlite = is_sqlite(engine)
    enqueue_engine = build_engine(
        settings.resolved_database_url, sqlite_busy_timeout_ms=0, pool_size=1,
        sqlite_autocheckpoint=AUTOCHECKPOINT_PAGES if in_process_digest
        else INGEST_AUTOCHECKPOINT_PAGES) if sqlite else engine
    committer = GroupCommitter(enqueue_engine, batch_size=settings.enqueue_batch_size,
                               on_commit=worker.notify if worker else lambda: None,
                               poll_lock=sqlite)
    services = Services(
        settings=settings, engine=engine,
        tokens=TokenCache(engine, settings.token_cache_seconds),
        limiter=build_limiter(settings.rate_limit_store, settings.resolved_database_url,
                              settings.system_rate_limit_per_minute),
        queue=committer,
    )
    if rql_runner is not None:
        services.wake_rql = rql_runner.notify
    elif isinstance(worker, ChildWorker):
        services.wake_rql = worker.wake_rql  # through the child's stdin

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        migrate.upgrade(engine)
        committer.start()
        if worker:
            worker.start()
        if rql_runner:
            rql_runner.start()
        # Everything imported and built so far lives as long as the process: keep it
        # out of the cyclic GC's scans (14% -> 7% of server CPU, bench/RESULTS.md).
        gc_policy.settle_after_startup()
        log.get("app").info("tracehound %s serving on %s", __version__,
                            engine.url.render_as_string(hide_password=True))
        try:
            yield
        finally:
            gc_policy.restore()
            committer.stop()
            if worker:
                worker.stop()
            if rql_runner:
                rql_runner.stop()
            await services.limiter.aclose()
            engine.dispose()
            if enqueue_engine is not engine:
                enqueue_engine.dispose()

    app = FastAPI(title="Tracehound", version=__version__, lifespan=lifespan,
                  redirect_slashes=False)
    app.state.services = services
    app.state.worker = worker
    app.state.rql_runner = rql_runner
    app.include_router(health.router(services))
    fast = FastRoutes()
    for adapter in ADAPTERS:
        app.include_router(adapter.router(services))
        fast.update(adapter.ingest_routes(services))
    web.mount(app, services)
    app.add_middleware(IngestFastPath, routes=fast)

    def _adapter_error(request: Request, status: int, message: str) -> Response:
        for adapter in ADAPTERS:
            if request.url.path.startswith(adapter.prefixes):
                return adapter.render_error(status, message)
        return JSONResponse({"detail": message}, status_code=status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code,
                                                                      str(exc.detail))
        return _adapter_error(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _adapter_error(request, 422, str(exc.errors()[:3]))

    return app
