"""Per-token fixed-window rate limits, as Rollbar describes them (rollbar-api.md §1.8).

Two windows are counted independently for each token: the token's own
(`rate_limit_window_size` seconds, `rate_limit_window_count` calls) and the system
ceiling (per minute). A window starts at its first call and resets when it expires;
refused calls are not counted.

Where the counts live (setting `rate_limit_store`):

* memory: a dict in this process. Exact for the embedded single-process server; with
  N API processes each one counts alone, so a limit lets up to N times through.
* database: the token's *own* window is a row of `rate_limit_windows`, counted by one
  atomic upsert per call, so every process shares it. Only tokens that have their own
  limit pay that round trip; the system ceiling stays in memory per process (a
  scaled-out deployment multiplies it by the number of API processes).

A token seen over its limit is refused without a round trip until its window ends
(the count can only grow until then), so a flood over the limit costs no database
work: at most `limit` round trips per window across all processes, plus one per
process for the first refusal.

Measured on PostgreSQL 15 on the same host, 8 concurrent clients on one API process
(2 shared cores): server CPU per ingest request ~0.38 ms without an own limit,
~0.56 ms with one (database store, async connection: ~0.13 ms of it for the check),
~0.19 ms when refused from the exhausted cache. Running the same check through
SQLAlchemy on a worker thread cost ~0.5 ms more per request, and in the event loop
blocked it for ~0.3 ms per call; hence the psycopg async connections here.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread
import psycopg
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from tracehound import log
from tracehound.model.project import AccessToken
from tracehound.store import tokens as token_store
from tracehound.store.db import build_engine, writer

STORES = ("auto", "memory", "database")
OWN, SYSTEM = "own", "system"
_log = log.get("ratelimit")
T = TypeVar("T")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # unix seconds

    def headers(self, now: float) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Reset": str(int(math.ceil(self.reset_at))),
            "X-Rate-Limit-Remaining-Seconds": str(max(0, int(math.ceil(self.reset_at - now)))),
        }


@dataclass(frozen=True)
class Window:
    """A token's live own window, as the token objects of the API show it."""

    start: float
    count: int


def _decision(start: float, count: int, size: int, limit: int, allowed: bool) -> Decision:
    """`count`: calls accepted in the window, this one included when allowed."""
    return Decision(allowed, limit, max(0, limit - count), start + size)


def own_limit(token: AccessToken) -> tuple[int, int] | None:
    """(window seconds, calls) when the token has a limit of its own; 0/None = none."""
    if token.rate_limit_window_size and token.rate_limit_window_count:
        return token.rate_limit_window_size, token.rate_limit_window_count
    return None


class MemoryWindows:
    """Windows counted in this process: [start, count] per (token id, kind)."""

    def __init__(self) -> None:
        self._windows: dict[tuple[int, str], list[float]] = {}
        self._lock = threading.Lock()

    def hit(self, token_id: int, kind: str, size: int, limit: int, now: float) -> Decision:
        with self._lock:
            win = self._windows.get((token_id, kind))
            if win is None or now >= win[0] + size:
                win = [now, 0.0]
                self._windows[(token_id, kind)] = win
            allowed = win[1] < limit
            if allowed:
                win[1] += 1
            return _decision(win[0], int(win[1]), size, limit, allowed)

    def peek(self, token_ids: Iterable[int], kind: str) -> dict[int, tuple[float, int]]:
        with self._lock:
            return {tid: (w[0], int(w[1])) for tid in token_ids
                    if (w := self._windows.get((tid, kind))) is not None}

    def drop(self, token_id: int) -> None:
        with self._lock:
            for kind in (OWN, SYSTEM):
                self._windows.pop((token_id, kind), None)


# A counter lost in a database crash costs nothing worth a WAL flush per call: commit
# without waiting for it (the row stays atomic and consistent).
NO_FLUSH_WAIT = "SET synchronous_commit TO off"


def _no_flush_wait(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(NO_FLUSH_WAIT)
    cur.close()


class AsyncConnections:
    """A few psycopg async connections (autocommit, no WAL flush wait) for the event
    loop that first uses them; a connection that failed in any way is discarded."""

    def __init__(self, conninfo: str, size: int = 8) -> None:
        self._conninfo = conninfo
        self._size = size
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def usable(self) -> bool:
        """Only from the loop that owns the connections (one per server process)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._loop is None:
            self._loop, self._slots = loop, asyncio.Semaphore(self._size)
        return loop is self._loop

    async def run(self, fn: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
        assert self._slots is not None
        async with self._slots:
            conn = self._idle.pop() if self._idle else await self._connect()
            try:
                result = await fn(conn)
            except BaseException:
                await _close_quietly(conn)
                raise
            self._idle.append(conn)
            return result

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True,
                                                     connect_timeout=5)
        await conn.execute(NO_FLUSH_WAIT)
        return conn

    async def aclose(self) -> None:
        while self._idle:
            await _close_quietly(self._idle.pop())


async def _close_quietly(conn: psycopg.AsyncConnection[Any]) -> None:
    with contextlib.suppress(Exception):
        await conn.close()


class DatabaseWindows:
    """Own windows in `rate_limit_windows`, shared by every process on the database.

    On PostgreSQL a check is one round trip on an async connection of the event loop
    (no thread hop); from elsewhere, and on SQLite, on a small autocommit pool
    without pre-ping (the main engine's pre-ping and BEGIN/COMMIT would make it three).
    """

    def __init__(self, url: str) -> None:
        self.connections: AsyncConnections | None = None
        if url.startswith("sqlite"):  # allowed, though one process needs no sharing
            self._base = build_engine(url)
            self._engine: Engine = writer(self._base)
            return
        # autocommit for the engine's lifetime: set per checkout instead, SQLAlchemy
        # resets it on every return, which costs round trips
        self._base = build_engine(url, pool_pre_ping=False, pool_size=4, max_overflow=16,
                                  isolation_level="AUTOCOMMIT")
        event.listen(self._base, "connect", _no_flush_wait)
        self._engine = self._base
        self.connections = AsyncConnections(conninfo(url))

    def hit(self, token_id: int, kind: str, size: int, limit: int, now: float) -> Decision:
        try:
            with self._engine.begin() as conn:
                start, count, allowed = token_store.hit_window(
                    conn, token_id=token_id, kind=kind, size=size, limit=limit, now=now)
        except Exception:  # noqa: BLE001 - a limiter outage must not drop reports
            return _unavailable(token_id, limit, size, now)
        return _decision(start, count, size, limit, allowed)

    async def hit_async(self, token_id: int, kind: str, size: int, limit: int,
                        now: float) -> Decision:
        if self.connections is None or not self.connections.usable():
            return await anyio.to_thread.run_sync(self.hit, token_id, kind, size, limit, now)
        try:
            start, count, allowed = await self.connections.run(
                lambda conn: token_store.hit_window_async(
                    conn, token_id=token_id, kind=kind, size=size, limit=limit, now=now))
        except Exception:  # noqa: BLE001 - a limiter outage must not drop reports
            return _unavailable(token_id, limit, size, now)
        return _decision(start, count, size, limit, allowed)

    def peek(self, token_ids: Iterable[int], kind: str) -> dict[int, tuple[float, int]]:
        with self._engine.connect() as conn:
            return token_store.windows_of(conn, token_ids, kind)

    async def aclose(self) -> None:
        if self.connections is not None and self.connections.usable():
            await self.connections.aclose()
        self._base.dispose()


def conninfo(url: str) -> str:
    """libpq connection parameters for a SQLAlchemy URL, its query (options,
    application_name, sslmode, …) included."""
    u = make_url(url)
    params: dict[str, Any] = {"host": u.host, "port": u.port, "user": u.username,
                              "password": u.password, "dbname": u.database}
    for key, value in u.query.items():
        params[key] = value if isinstance(value, str) else value[-1]
    return psycopg.conninfo.make_conninfo(
        **{k: v for k, v in params.items() if v is not None})


def _unavailable(token_id: int, limit: int, size: int, now: float) -> Decision:
    _log.warning("rate-limit window of token %s unavailable; call allowed", token_id,
                 exc_info=True)
    return Decision(True, limit, limit, now + size)


class RateLimiter:
    """Decides each ingest call: the tighter of the token's own and the system window."""

    def __init__(self, system_per_minute: int, shared: DatabaseWindows | None = None) -> None:
        self._system = system_per_minute
        self._memory = MemoryWindows()
        self._shared = shared
        # token id → (window size, limit, window end) of a shared window seen exhausted:
        # its count can only grow until the window ends, so every call until then is
        # refused without a round trip (a flood over the limit costs no database work;
        # a changed limit no longer matches the key)
        self._exhausted: dict[int, tuple[int, int, float]] = {}

    @property
    def store(self) -> str:
        """"database" or "memory": where own windows are counted."""
        return "memory" if self._shared is None else "database"

    def needs_io(self, token: AccessToken, now: float | None = None) -> bool:
        """True when deciding on this call takes a database round trip."""
        own = own_limit(token)
        if self._shared is None or own is None:
            return False
        return self._known_exhausted(token.id, own, time.time() if now is None else now) \
            is None

    def check(self, token: AccessToken, now: float | None = None) -> Decision:
        """Count one call; the decision of whichever window is tighter. Blocks on the
        database for a token with its own limit when the store is shared: call
        `check_async` from the event loop."""
        now = time.time() if now is None else now
        decisions, own = self._system_first(token, now)
        if own is not None and (not decisions or decisions[-1].allowed):
            decisions.append(self._remember(token.id, own, self._hit_own(token.id, own, now)))
        return _tightest(decisions, now)

    async def check_async(self, token: AccessToken, now: float | None = None) -> Decision:
        """`check` for the event loop: the shared-store round trip (when one is
        needed) is awaited, so the loop keeps serving meanwhile."""
        now = time.time() if now is None else now
        if self._shared is None or not self.needs_io(token, now):
            return self.check(token, now)
        decisions, own = self._system_first(token, now)
        if own is not None and (not decisions or decisions[-1].allowed):
            decision = await self._shared.hit_async(token.id, OWN, own[0], own[1], now)
            decisions.append(self._remember(token.id, own, decision))
        return _tightest(decisions, now)

    def _system_first(self, token: AccessToken,
                      now: float) -> tuple[list[Decision], tuple[int, int] | None]:
        """The system window's decision (when there is a ceiling), and the token's own
        limit; a refused system window needs no own count (nor its round trip)."""
        decisions = []
        if self._system:
            decisions.append(self._memory.hit(token.id, SYSTEM, 60, self._system, now))
        return decisions, own_limit(token)

    def _hit_own(self, token_id: int, own: tuple[int, int], now: float) -> Decision:
        size, limit = own
        if self._shared is None:
            return self._memory.hit(token_id, OWN, size, limit, now)
        refused = self._known_exhausted(token_id, own, now)
        if refused is not None:
            return refused
        return self._shared.hit(token_id, OWN, size, limit, now)

    def _remember(self, token_id: int, own: tuple[int, int], decision: Decision) -> Decision:
        if self._shared is not None and not decision.allowed:
            if len(self._exhausted) > 10_000:
                self._exhausted.clear()
            self._exhausted[token_id] = (own[0], own[1], decision.reset_at)
        return decision

    def _known_exhausted(self, token_id: int, own: tuple[int, int],
                         now: float) -> Decision | None:
        hit = self._exhausted.get(token_id)
        if hit is None or hit[:2] != own or now >= hit[2]:
            return None
        return Decision(False, own[1], 0, hit[2])

    def windows(self, limits: Iterable[tuple[int, int | None, int | None]],
                now: float | None = None) -> dict[int, Window]:
        """token id → live own window, for (token id, window size, window count) rows
        of tokens with a limit. Blocking when the store is shared."""
        now = time.time() if now is None else now
        sized = {tid: (size, count) for tid, size, count in limits if size and count}
        if not sized:
            return {}
        store = self._shared or self._memory
        out = {}
        for tid, (start, count) in store.peek(sized, OWN).items():
            size = sized[tid][0]
            if start + size > now:
                out[tid] = Window(start, count)
        return out

    def forget(self, token_id: int) -> None:
        """A deleted token: drop this process's windows of it (token ids can come back
        on SQLite). Its shared rows go with the token's row (store.admin_projects)."""
        self._memory.drop(token_id)
        self._exhausted.pop(token_id, None)

    async def aclose(self) -> None:
        """Close the shared store's connections (from the serving loop, at shutdown)."""
        if self._shared is not None:
            await self._shared.aclose()


def _tightest(decisions: list[Decision], now: float) -> Decision:
    """A refusal if any window refused, else the window with the fewest calls left."""
    if not decisions:
        return Decision(True, 0, 0, now)
    refused = [d for d in decisions if not d.allowed]
    if refused:
        return refused[0]
    return min(decisions, key=lambda d: d.remaining)


def build_limiter(store: str, database_url: str, system_per_minute: int) -> RateLimiter:
    """The limiter for setting `rate_limit_store`: auto = database on PostgreSQL,
    memory on SQLite (one process owns an embedded database)."""
    if store not in STORES:
        raise ValueError(f"rate_limit_store must be one of {', '.join(STORES)}, "
                         f"got {store!r}")
    if store == "auto":
        store = "memory" if database_url.startswith("sqlite") else "database"
    shared = DatabaseWindows(database_url) if store == "database" else None
    return RateLimiter(system_per_minute, shared)
